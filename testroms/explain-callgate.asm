; explain-callgate.asm - a ring-3 program calls ring 0 through a call gate.
;
; The ROM for `pcemu --explain`: every protection check on the way is narrated.
;   1. Real mode -> 32-bit protected mode (ring 0), load a TSS that holds the ring-0 stack.
;   2. IRET to ring 3 (CS = user code, SS = user stack, both DPL 3).
;   3. Ring 3 does CALL FAR through a 32-bit call gate (DPL 3) with one parameter:
;      the CPU checks the gate, switches to the ring-0 stack from the TSS, copies the
;      parameter and runs the ring-0 procedure.
;   4. The procedure prints, and RETF 4 returns to ring 3 (outer-level return).
;   5. Ring 3 tries a second call gate whose DPL is 0: #GP(gate selector), which the
;      #GP handler reports before ending the run.
; Output on port 0xE9; exit through port 0xF4 (0x10 = success).

        cpu     386
        org     0                       ; offsets within the 64 KiB ROM at F0000

ROMBASE equ     0xF0000
STACK0  equ     0x9000                  ; ring-0 stack top (physical, flat)
STACK3  equ     0x8000                  ; ring-3 stack top
GDTADDR equ     0x1000                  ; GDT and IDT are copied to RAM
IDTADDR equ     0x2000
TSSADDR equ     0x3000

; Selectors
KCODE   equ     0x08                    ; ring-0 code, base F0000, 32-bit
KDATA   equ     0x10                    ; ring-0 data, flat
UCODE   equ     0x18 | 3                ; ring-3 code, base F0000, 32-bit
UDATA   equ     0x20 | 3                ; ring-3 data, flat
TSSSEL  equ     0x28
GATE3   equ     0x30 | 3                ; call gate DPL 3 -> kernel_proc, 1 parameter
GATE0   equ     0x38 | 3                ; call gate DPL 0 (ring 3 may not use it)

        bits    16
start:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7000
        ; copy GDT and IDT images from ROM to RAM
        mov     ax, 0xF000
        mov     ds, ax
        mov     si, gdt
        mov     di, GDTADDR
        mov     cx, gdt_end - gdt
        rep     movsb
        mov     si, idt
        mov     di, IDTADDR
        mov     cx, idt_end - idt
        rep     movsb
        xor     ax, ax
        mov     ds, ax
        ; TSS: SS0:ESP0 = KDATA:STACK0, I/O map base beyond the limit
        mov     di, TSSADDR
        mov     cx, 0x68
        xor     al, al
        rep     stosb
        mov     dword [TSSADDR + 4], STACK0
        mov     word [TSSADDR + 8], KDATA
        mov     word [TSSADDR + 0x66], 0x68
        o32 lgdt [cs:gdt_ptr]
        o32 lidt [cs:idt_ptr]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword KCODE:pm32

        bits    32
pm32:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, STACK0
        mov     ax, TSSSEL
        ltr     ax
        mov     esi, msg_ring0
        call    print
        ; IRET to ring 3: push SS, ESP, EFLAGS, CS, EIP
        push    dword UDATA
        push    dword STACK3
        push    dword 0x2               ; IF = 0, IOPL = 0
        push    dword UCODE
        push    dword user
        iret

user:
        mov     ax, UDATA
        mov     ds, ax
        mov     es, ax
        push    dword 0x1234            ; the parameter the gate copies
        call    GATE3:0                 ; far call through the DPL-3 call gate
        add     esp, 0                  ; (RETF 4 already removed the parameter)
        call    GATE0:0                 ; DPL-0 gate: #GP(0x38)
        jmp     $                       ; not reached

kernel_proc:                            ; ring 0, on the TSS stack
        mov     eax, [esp + 8]          ; the copied parameter (after EIP, CS)
        cmp     eax, 0x1234
        jne     .bad
        mov     esi, msg_gate
        call    print
        retf    4
.bad:
        mov     esi, msg_badparam
        call    print
        jmp     finish_fail

gp_handler:                             ; #GP: error code, EIP, CS, EFLAGS, ESP, SS
        mov     ax, KDATA
        mov     ds, ax
        mov     eax, [esp]
        cmp     eax, GATE0 & 0xFFFC
        jne     finish_fail
        mov     esi, msg_gp
        call    print
        mov     al, 0x10
        out     0xF4, al
        jmp     halt

finish_fail:
        mov     al, 0x11
        out     0xF4, al
halt:
        cli
        hlt
        jmp     halt

; print the zero-terminated string at ROM offset ESI (CS-relative, kernel or user code)
print:
        push    eax
.next:
        mov     al, [cs:esi]
        test    al, al
        jz      .done
        out     0xE9, al
        inc     esi
        jmp     .next
.done:
        pop     eax
        ret

msg_ring0:      db "ring 0: protected mode, TSS loaded", 13, 10, 0
msg_gate:       db "ring 0: entered through the call gate, parameter copied", 13, 10, 0
msg_badparam:   db "ring 0: wrong parameter", 13, 10, 0
msg_gp:         db "ring 0: #GP(0x0038) from ring 3 calling a DPL-0 gate", 13, 10, 0

; descriptor macros: base, limit (20 bits), access byte, flags nibble
%macro  descriptor 4
        dw      (%2) & 0xFFFF
        dw      (%1) & 0xFFFF
        db      ((%1) >> 16) & 0xFF
        db      %3
        db      ((%4) << 4) | (((%2) >> 16) & 0x0F)
        db      ((%1) >> 24) & 0xFF
%endmacro
%macro  gate 4                          ; selector, offset, type/access byte, parameter count
        dw      (%2) & 0xFFFF
        dw      %1
        db      %4
        db      %3
        dw      ((%2) >> 16) & 0xFFFF
%endmacro

        align   8
gdt:
        dq      0
        descriptor ROMBASE, 0xFFFF, 0x9A, 0x4          ; 08 ring-0 code, 32-bit
        descriptor 0, 0xFFFFF, 0x92, 0xC               ; 10 ring-0 data, flat
        descriptor ROMBASE, 0xFFFF, 0xFA, 0x4          ; 18 ring-3 code, 32-bit
        descriptor 0, 0xFFFFF, 0xF2, 0xC               ; 20 ring-3 data, flat
        descriptor TSSADDR, 0x67, 0x89, 0x0            ; 28 32-bit TSS (available)
        gate    KCODE, kernel_proc - $$, 0xEC, 1            ; 30 call gate, DPL 3, 1 parameter
        gate    KCODE, kernel_proc - $$, 0x8C, 1            ; 38 call gate, DPL 0
gdt_end:

idt:
%rep 13
        dq      0
%endrep
        gate    KCODE, gp_handler - $$, 0x8E, 0             ; 13: #GP, interrupt gate DPL 0
idt_end:

gdt_ptr: dw gdt_end - gdt - 1
         dd GDTADDR
idt_ptr: dw idt_end - idt - 1
         dd IDTADDR

        times   0xFFF0 - ($ - $$) db 0xF4
        bits    16
        jmp     0xF000:start
        times   0x10000 - ($ - $$) db 0xF4
