; =============================================================================
; pm-v86.asm -- virtual-8086 mode: entering it with IRETD, leaving it through
;               an interrupt gate, and coming back
;
; What this ROM teaches
;   A 32-bit IRET at CPL 0 whose popped EFLAGS has VM=1 enters virtual-8086
;   mode: it pops EIP, CS, EFLAGS, ESP, SS and then ES, DS, FS, GS, and every
;   segment register is loaded the real-mode way (base = selector * 16).
;   (SDM vol. 3, 20.2.1; vol. 2 IRET "RETURN-TO-VIRTUAL-8086-MODE")
;   INT n in virtual-8086 mode with IOPL = 3 goes through the IDT to a
;   ring-0 handler (a non-conforming DPL 0 code segment, else #GP): the CPU
;   switches to SS0:ESP0 from the TSS and pushes GS, FS, DS, ES, SS, ESP,
;   EFLAGS, CS, EIP (nine doublewords, GS first), clears VM, and loads
;   DS, ES, FS and GS with null selectors, so the handler cannot use the
;   real-mode values by accident. (SDM vol. 3, 20.3.1.1 and Figure 20-5)
;   With IOPL < 3, INT n is IOPL-sensitive in virtual-8086 mode and raises
;   #GP(0) instead. (SDM vol. 3, 20.2.7)
;
; Every check prints "PASS name" / "FAIL name expected ... got ..." on port
; 0xE9, and the run ends with "DONE n passed m failed".
; =============================================================================

%include "pmtest.inc"

        GDT_BEGIN
        GDT_END

V86_CS          equ     0x1000          ; code copied to linear 0x10000 (SCRATCH)
V86_SS          equ     0x2000          ; stack at linear 0x20000 + SP
V86_SP          equ     0xFFF0
V86_DS          equ     0x1111          ; distinctive data selectors
V86_ES          equ     0x2222
V86_FS          equ     0x3333
V86_GS          equ     0x4444
V_ENTER         equ     0x41            ; first INT from V86: handler IRETs back
V_LEAVE         equ     0x42            ; second INT: handler returns to the test
EFLAGS_VM       equ     0x00020000

; variables
saved_esp       equ     scratch_vars + 0        ; the test's ESP before IRETD
h_frame         equ     scratch_vars + 4        ; 9 dwords pushed by the first INT
h_segs          equ     scratch_vars + 40       ; DS ES FS GS inside the first handler
h_eax           equ     scratch_vars + 56       ; EAX seen by the first handler
h_cs            equ     scratch_vars + 60       ; CS of the first handler
h_esp           equ     scratch_vars + 64       ; ESP after the CPU's pushes
h_flags         equ     scratch_vars + 68       ; EFLAGS inside the handler
l_frame         equ     scratch_vars + 72       ; 9 dwords pushed by the second INT
l_eax           equ     scratch_vars + 108      ; EAX seen by the second handler

tests_main:
        ; The virtual-8086 code runs from a copy at V86_CS:0 (linear 0x10000).
        mov     esi, v86_code
        mov     edi, V86_CS << 4
        mov     ecx, v86_code_end - v86_code
        cld
        rep movsb
        mov     eax, V_ENTER
        mov     ebx, v86_enter_handler
        mov     ecx, ACC_P|ACC_DPL3|T_INTGATE32
        call    set_idt_gate
        mov     eax, V_LEAVE
        mov     ebx, v86_leave_handler
        mov     ecx, ACC_P|ACC_DPL3|T_INTGATE32
        call    set_idt_gate

        ; IRETD at CPL 0 with VM=1 and IOPL=3: GS FS DS ES SS ESP EFLAGS CS EIP
        mov     [saved_esp], esp
        push    dword V86_GS
        push    dword V86_FS
        push    dword V86_DS
        push    dword V86_ES
        push    dword V86_SS
        push    dword V86_SP
        push    dword EFLAGS_VM | EFLAGS_IOPL3 | 2
        push    dword V86_CS
        push    dword 0
        iretd

back_from_v86:
        ; --- the first INT's frame on the ring-0 stack (SDM Figure 20-5) ---
        CHECK_EQ "v86 int: handler stack is SS0:ESP0 from the TSS", [h_esp], RING0_STACK_TOP - 9*4
        CHECK_EQ "v86 int: pushed EIP (after INT 41h)", [h_frame + 0], v86_int1_next - v86_code
        CHECK_EQ "v86 int: pushed CS", [h_frame + 4], V86_CS
        CHECK_MASK "v86 int: pushed EFLAGS has VM=1 IOPL=3", [h_frame + 8], EFLAGS_VM | EFLAGS_IOPL, EFLAGS_VM | EFLAGS_IOPL3
        CHECK_EQ "v86 int: pushed ESP", [h_frame + 12], V86_SP
        CHECK_EQ "v86 int: pushed SS", [h_frame + 16], V86_SS
        CHECK_EQ "v86 int: pushed ES", [h_frame + 20], V86_ES
        CHECK_EQ "v86 int: pushed DS", [h_frame + 24], V86_DS
        CHECK_EQ "v86 int: pushed FS", [h_frame + 28], V86_FS
        CHECK_EQ "v86 int: pushed GS (first pushed, highest)", [h_frame + 32], V86_GS
        ; --- the handler's own state ---
        CHECK_EQ "v86 int: DS is null in the handler", [h_segs + 0], 0
        CHECK_EQ "v86 int: ES is null in the handler", [h_segs + 4], 0
        CHECK_EQ "v86 int: FS is null in the handler", [h_segs + 8], 0
        CHECK_EQ "v86 int: GS is null in the handler", [h_segs + 12], 0
        CHECK_EQ "v86 int: handler runs at CPL 0", [h_cs], SEL_KCODE
        CHECK_MASK "v86 int: VM and IF clear in the handler", [h_flags], EFLAGS_VM | EFLAGS_IF, 0
        CHECK_EQ "v86 int: EAX from v86 code", [h_eax], 0x1234
        ; --- IRETD back into V86 restored everything: the second INT saw it ---
        CHECK_EQ "iret to v86: EAX set by the handler", [l_eax], 0x5678
        CHECK_EQ "iret to v86: ES reloaded from the frame", [l_frame + 20], V86_ES
        CHECK_EQ "iret to v86: DS reloaded from the frame", [l_frame + 24], V86_DS
        CHECK_EQ "iret to v86: FS reloaded from the frame", [l_frame + 28], V86_FS
        CHECK_EQ "iret to v86: GS reloaded from the frame", [l_frame + 32], V86_GS
        CHECK_EQ "iret to v86: SS:SP back", [l_frame + 12], V86_SP
        CHECK_EQ "iret to v86: CS back", [l_frame + 4], V86_CS
        CHECK_EQ "v86: a store through DS lands at selector * 16", [V86_DS << 4], 0xC0DE

        ; --- IOPL 0: INT n in virtual-8086 mode is #GP(0) ---
        TEST    "v86 int with IOPL 0: #GP(0)"
        ARM_PUSHED iopl0_fault
        push    dword V86_GS
        push    dword V86_FS
        push    dword V86_DS
        push    dword V86_ES
        push    dword V86_SS
        push    dword V86_SP
        push    dword EFLAGS_VM | 2
        push    dword V86_CS
        push    dword v86_int1 - v86_code
        iretd
iopl0_fault:
        lea     esp, [esp + 4]
        CHECK_FAULT 13, 0, ANY
        CHECK_EQ "v86 int with IOPL 0: saved EIP is the INT", [fault_eip], v86_int1 - v86_code
        CHECK_EQ "v86 int with IOPL 0: saved CS is the v86 CS", [fault_cs], V86_CS
        FINISH

; First INT from V86: record the frame, the segment registers and the CPL,
; then IRETD back into virtual-8086 mode with EAX = 5678h.
v86_enter_handler:
        push    gs
        push    fs
        push    es
        push    ds
        mov     bx, SEL_KDATA
        mov     ds, bx
        mov     es, bx
        pop     dword [h_segs + 0]
        pop     dword [h_segs + 4]
        pop     dword [h_segs + 8]
        pop     dword [h_segs + 12]
        mov     [h_esp], esp
        mov     [h_eax], eax
        mov     ebx, cs
        mov     [h_cs], ebx
        pushfd
        pop     dword [h_flags]
        mov     esi, esp
        mov     edi, h_frame
        mov     ecx, 9
        cld
        rep movsd
        mov     eax, 0x5678
        iretd

; Second INT: record the frame and EAX, then abandon the frame and go back
; to the test at CPL 0 with flat segments.
v86_leave_handler:
        mov     bx, SEL_KDATA
        mov     ds, bx
        mov     es, bx
        mov     fs, bx
        mov     gs, bx
        mov     [l_eax], eax
        mov     esi, esp
        mov     edi, l_frame
        mov     ecx, 9
        cld
        rep movsd
        mov     esp, [saved_esp]
        jmp     back_from_v86

; 16-bit code copied to V86_CS:0.
        bits    16
v86_code:
        mov     ax, 0x1234
v86_int1:
        int     V_ENTER
v86_int1_next:
        mov     bx, ax                          ; the handler's EAX survives IRET
        mov     dword [0], 0xC0DE               ; DS = 1111h: linear 11110h
        mov     ax, bx
        int     V_LEAVE
        jmp     $
v86_code_end:
        bits    32

        ROM_END
