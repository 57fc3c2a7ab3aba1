; =============================================================================
; pm-interrupts.asm -- protected-mode interrupt and exception delivery
;
; What this ROM teaches
;   INT n, INT3, INTO, BOUND and CPU exceptions all go through the IDT.  An
;   interrupt gate clears IF on entry, a trap gate leaves it alone; both
;   clear TF and NT.  Software interrupts (INT n, INT3, INTO) must respect
;   the gate's DPL, CPU exceptions do not.  A gate that is missing (beyond
;   the IDT limit, wrong type) gives #GP(vector*8+2), a not-present gate
;   #NP(vector*8+2): bit 1 (IDT) says "this selector-like value indexes the
;   IDT", bit 0 (EXT) says "this happened while delivering an event external
;   to the program" (an exception, not INT n).  Entering ring 0 from ring 3
;   switches to the TSS's SS0:ESP0 and pushes SS, ESP, EFLAGS, CS, EIP;
;   IRET undoes it.  The gate's selector must name a code segment whose DPL
;   is <= CPL (#GP(selector + EXT) otherwise), its offset must lie within
;   that segment's limit, and the inner stack from the TSS must be usable.
;   A contributory fault while delivering a contributory fault becomes a
;   double fault (#DF, error code 0).
;
; Every check prints "PASS name" / "FAIL name expected ... got ..." on port
; 0xE9, and the run ends with "DONE n passed m failed".
; =============================================================================

%include "pmtest.inc"

V_INTGATE       equ     0x40            ; interrupt gate, DPL 0 -> iret_handler
V_TRAPGATE      equ     0x41            ; trap gate, DPL 0      -> iret_handler
V_DPL0          equ     0x42            ; interrupt gate, DPL 0 (framework stub)
V_NOTPRESENT    equ     0x43            ; interrupt gate, DPL 3, not present
V_USER          equ     0x44            ; interrupt gate, DPL 3 -> iret_handler
V_LIMIT         equ     0x45            ; used with a shortened IDT limit
V_BADTYPE       equ     0x46            ; a call-gate type in the IDT
V_HDATA         equ     0x47            ; gate -> a data segment
V_HNULL         equ     0x48            ; gate -> null selector
V_HUCODE        equ     0x49            ; gate -> DPL-3 non-conforming code
V_HCONF3        equ     0x4A            ; gate -> DPL-3 conforming code
V_HCONF0        equ     0x4B            ; gate -> DPL-0 conforming code
V_HLIMIT        equ     0x4C            ; gate offset beyond the code limit

PAGE_DIR        equ     0x100000        ; paging structures for the #PF case
PAGE_TABLE      equ     0x101000
PF_ADDR         equ     0x300000        ; not-present page

        GDT_BEGIN
        DESC    SEL_NP, 0, 0xFFFFF, ACC_S|T_DATA_RW, F_FLAT     ; not present
; conforming execute/read code, flat, DPL 0 and DPL 3
        DESC    SEL_CONF0, 0, 0xFFFFF, ACC_P|ACC_DPL0|ACC_S|T_CODE_XR_CONF, F_FLAT
        DESC    SEL_CONF3, 0, 0xFFFFF, ACC_P|ACC_DPL3|ACC_S|T_CODE_XR_CONF, F_FLAT
; ring-0 32-bit code, base 0, limit 0xFFF bytes
        DESC    SEL_SMALL, 0, 0xFFF, ACC_KCODE, F_D
; read-only ring-0 data (no good as an inner stack)
        DESC    SEL_RODATA0, 0, 0xFFFFF, ACC_P|ACC_DPL0|ACC_S|T_DATA_RO, F_FLAT
        GDT_END

; variables
ih_hits         equ     scratch_vars + 0
ih_esp          equ     scratch_vars + 4        ; ESP inside the handler
ih_ss           equ     scratch_vars + 8
ih_hflags       equ     scratch_vars + 12       ; EFLAGS inside the handler
ih_eip          equ     scratch_vars + 16       ; frame as pushed by the CPU
ih_cs           equ     scratch_vars + 20
ih_eflags       equ     scratch_vars + 24
ih_oesp         equ     scratch_vars + 28       ; (only on a ring change)
ih_oss          equ     scratch_vars + 32
saved_esp       equ     scratch_vars + 36
after_flags     equ     scratch_vars + 40
st_vec          equ     scratch_vars + 44       ; event seen by stack_catch
st_err          equ     scratch_vars + 48
st_eip          equ     scratch_vars + 52
st_cs           equ     scratch_vars + 56
mh_hits         equ     scratch_vars + 60       ; memo_handler's count
mh_esp          equ     scratch_vars + 64       ; ESP inside memo_handler

bound_pair:     dd      10, 20                  ; BOUND: lower, upper

; set_gate vector, handler, access
%macro SET_GATE 3
        mov     eax, %1
        mov     ebx, %2
        mov     ecx, %3
        call    set_idt_gate
%endmacro

; SET_GATE_SEL vector, selector, offset, access -- gate with its own selector
%macro SET_GATE_SEL 4
        SET_GATE %1, %3, %4
        mov     word [IDT_BASE + (%1)*8 + 2], %2
%endmacro

tests_main:
        SET_GATE V_INTGATE,  iret_handler, ACC_P|ACC_DPL0|T_INTGATE32
        SET_GATE V_TRAPGATE, iret_handler, ACC_P|ACC_DPL0|T_TRAPGATE32
        SET_GATE V_USER,     iret_handler, ACC_P|ACC_DPL3|T_INTGATE32
        mov     eax, V_NOTPRESENT                       ; DPL 3, P = 0
        call    stub_addr
        mov     ebx, eax
        SET_GATE V_NOTPRESENT, ebx, ACC_DPL3|T_INTGATE32
        mov     eax, V_BADTYPE                          ; call-gate type
        call    stub_addr
        mov     ebx, eax
        SET_GATE V_BADTYPE, ebx, ACC_P|ACC_DPL0|T_CALLGATE32
        SET_GATE_SEL V_HDATA,  SEL_KDATA, iret_handler, ACC_P|ACC_DPL0|T_INTGATE32
        SET_GATE_SEL V_HNULL,  SEL_NULL,  iret_handler, ACC_P|ACC_DPL0|T_INTGATE32
        SET_GATE_SEL V_HUCODE, SEL_UCODE, iret_handler, ACC_P|ACC_DPL0|T_INTGATE32
        SET_GATE_SEL V_HCONF3, SEL_CONF3, iret_handler, ACC_P|ACC_DPL0|T_INTGATE32
        SET_GATE_SEL V_HCONF0, SEL_CONF0, iret_handler, ACC_P|ACC_DPL0|T_INTGATE32
        SET_GATE_SEL V_HLIMIT, SEL_SMALL, 0x2000, ACC_P|ACC_DPL0|T_INTGATE32

; =============================================================================
; 1. Interrupt gate vs trap gate, same privilege, IRET at the same level
; =============================================================================
        ; Rule: INT n through an interrupt gate clears IF in the handler; the
        ; saved EFLAGS keep IF=1, the saved EIP is the next instruction, and
        ; no stack switch happens (3 dwords pushed on the current stack).
        ; IRET restores EIP, CS and EFLAGS (IF=1 again).
        TEST    "intgate-int-no-fault"
        mov     [saved_esp], esp
        sti                                     ; PICs are masked
        EXPECT_NO_FAULT intgate_int: int V_INTGATE
        pushfd
        pop     dword [after_flags]
        cli
        CHECK_MASK "intgate-handler-if-clear", [ih_hflags], EFLAGS_IF, 0
        CHECK_MASK "intgate-saved-if-set", [ih_eflags], EFLAGS_IF, EFLAGS_IF
        CHECK_EQ "intgate-saved-cs", [ih_cs], SEL_KCODE
        CHECK_EQ "intgate-saved-eip-next", [ih_eip], intgate_int + 2
        mov     eax, [saved_esp]                ; ESP at the INT ...
        sub     eax, 12                         ; ... minus EIP, CS, EFLAGS
        CHECK_EQ "intgate-same-ring-frame-3-dwords", [ih_esp], eax
        CHECK_MASK "iret-same-level-if-restored", [after_flags], EFLAGS_IF, EFLAGS_IF

        ; Rule: through a trap gate IF stays set in the handler.
        TEST    "trapgate-int-no-fault"
        sti
        EXPECT_NO_FAULT int V_TRAPGATE
        cli
        CHECK_MASK "trapgate-handler-if-set", [ih_hflags], EFLAGS_IF, EFLAGS_IF

        ; Rule: both gate kinds clear NT (and TF) in the handler; IRET
        ; restores the caller's NT.  (With NT=0 in the handler, its IRET is
        ; an ordinary return, not a task return.)
        TEST    "gate-clears-nt-no-fault"
        pushfd
        or      dword [esp], EFLAGS_NT
        popfd
        EXPECT_NO_FAULT int V_TRAPGATE
        pushfd
        pop     dword [after_flags]
        push    dword 2
        popfd                                   ; NT=0 again
        CHECK_MASK "gate-handler-nt-clear", [ih_hflags], EFLAGS_NT, 0
        CHECK_MASK "gate-saved-nt-set", [ih_eflags], EFLAGS_NT, EFLAGS_NT
        CHECK_MASK "iret-restores-nt", [after_flags], EFLAGS_NT, EFLAGS_NT

; =============================================================================
; 2. Gate DPL, presence, type and IDT limit
; =============================================================================
        ; Rule: INT n from ring 3 needs gate DPL >= CPL: DPL 0 -> #GP with
        ; error code vector*8+2 (IDT bit set, EXT clear).
        TEST    "r3-int-dpl0-gate-gp"
        EXPECT_FAULT_R3 13, V_DPL0*8 + 2, int V_DPL0

        ; Rule: the same gate is fine for INT n at ring 0.
        TEST    "r0-int-dpl0-gate-ok"
        EXPECT_TRAP V_DPL0, NOERR, int V_DPL0

        ; Rule: INT3 and INTO are software interrupts too: a DPL-0 gate
        ; rejects them at ring 3 -> #GP(3*8+2), #GP(4*8+2).
        TEST    "r3-int3-dpl0-gate-gp"
        EXPECT_FAULT_R3 13, 3*8 + 2, int3
        TEST    "r3-into-dpl0-gate-gp"
        mov     dword [user_eflags], 0x2 | EFLAGS_OF
        EXPECT_FAULT_R3 13, 4*8 + 2, into
        call    reset_user_ctx

        ; Rule: CPU exceptions ignore the gate DPL: #UD at ring 3 is
        ; delivered through the DPL-0 gate of vector 6.
        TEST    "r3-ud-ignores-gate-dpl"
        EXPECT_FAULT_R3 6, NOERR, ud2

        ; Rule: a not-present gate -> #NP(vector*8+2).
        TEST    "int-not-present-gate-np"
        EXPECT_FAULT 11, V_NOTPRESENT*8 + 2, int V_NOTPRESENT
        TEST    "r3-int-not-present-gate-np"
        EXPECT_FAULT_R3 11, V_NOTPRESENT*8 + 2, int V_NOTPRESENT

        ; Rule: only task, interrupt and trap gates may be in the IDT; a
        ; call-gate type -> #GP(vector*8+2).
        TEST    "int-bad-gate-type-gp"
        EXPECT_FAULT 13, V_BADTYPE*8 + 2, int V_BADTYPE

        ; Rule: the whole 8-byte gate must lie within the IDT limit.
        SET_GATE V_LIMIT, iret_handler, ACC_P|ACC_DPL0|T_INTGATE32
        TEST    "idt-limit-exact-ok"
        lidt    [idtr_lim_ok]                   ; limit = V_LIMIT*8 + 7
        EXPECT_NO_FAULT int V_LIMIT
        TEST    "idt-limit-partial-gp"
        lidt    [idtr_lim_short]                ; limit = V_LIMIT*8 + 6
        EXPECT_FAULT 13, V_LIMIT*8 + 2, int V_LIMIT
        TEST    "idt-limit-beyond-gp"
        lidt    [idtr_lim_short]
        EXPECT_FAULT 13, (V_LIMIT+1)*8 + 2, int V_LIMIT + 1
        lidt    [idtr_image]

        ; Rule: when the CPU itself hits the bad gate while delivering an
        ; exception (not INT n), EXT (bit 0) is set too: #UD whose gate has
        ; a call-gate type -> #GP(6*8+2+1).  (#UD is benign, so the #GP is
        ; simply delivered, see section 5.)
        TEST    "exception-bad-gate-type-gp-ext"
        mov     byte [IDT_BASE + 6*8 + 5], ACC_P|ACC_DPL0|T_CALLGATE32
        EXPECT_FAULT 13, 6*8 + 3, ud2
        mov     byte [IDT_BASE + 6*8 + 5], ACC_P|ACC_DPL0|T_INTGATE32

; =============================================================================
; 2b. The handler's code segment
; =============================================================================
        ; Rule (SDM vol. 3, 6.12.1.1; vol. 2 INT n "PROTECTED-MODE"): the
        ; gate's selector must not be null (#GP(EXT)) and must name a code
        ; segment, else #GP(selector + EXT).  For INT n, EXT = 0.
        TEST    "int-handler-data-seg-gp"
        EXPECT_FAULT 13, SEL_KDATA, int V_HDATA
        TEST    "int-handler-null-sel-gp"
        EXPECT_FAULT 13, 0, int V_HNULL
        ; Rule: a CPU exception hitting the same kind of gate sets EXT:
        ; #UD whose gate names SEL_KDATA -> #GP(SEL_KDATA + 1).
        TEST    "exception-handler-data-seg-gp-ext"
        mov     word [IDT_BASE + 6*8 + 2], SEL_KDATA
        EXPECT_FAULT 13, SEL_KDATA + 1, ud2
        mov     word [IDT_BASE + 6*8 + 2], SEL_KCODE

        ; Rule (same place): the handler's code segment DPL must be <= CPL
        ; (an interrupt never goes to a less privileged ring), conforming
        ; or not, else #GP(selector + EXT).  Ring 0 -> DPL 3 code:
        TEST    "int-handler-dpl3-code-gp"
        EXPECT_FAULT 13, SEL_UCODE, int V_HUCODE
        TEST    "int-handler-dpl3-conforming-gp"
        EXPECT_FAULT 13, SEL_CONF3, int V_HCONF3
        TEST    "exception-handler-dpl3-code-gp-ext"
        mov     word [IDT_BASE + 6*8 + 2], SEL_UCODE
        EXPECT_FAULT 13, SEL_UCODE + 1, ud2
        mov     word [IDT_BASE + 6*8 + 2], SEL_KCODE
        ; Rule: DPL-0 conforming code is fine from ring 0.
        TEST    "int-handler-conforming-dpl0-ok"
        mov     dword [ih_hits], 0
        EXPECT_NO_FAULT int V_HCONF0
        CHECK_EQ "int-handler-conforming-dpl0-reached", [ih_hits], 1

        ; Rule (SDM vol. 2, INT n): the gate's offset must lie within the
        ; handler segment's limit, else #GP(0).  SEL_SMALL: limit 0xFFF,
        ; gate offset 0x2000.
        TEST    "int-handler-beyond-limit-gp"
        EXPECT_FAULT 13, 0, int V_HLIMIT

        ; Rule (SDM vol. 3, 6.12.1; vol. 2 INT n "INTER-PRIVILEGE-LEVEL-
        ; INTERRUPT"): going from ring 3 to a ring-0 handler loads SS0 from
        ; the TSS; a read-only data segment there -> #TS(SS0 selector + EXT),
        ; EXT = 0 for INT n.  Delivering the #TS to ring 0 would need SS0
        ; as well, so it goes to stack_catch, which runs at ring 3.
        TEST    "r3-int-ss0-readonly-ts"
        mov     dword [st_vec], NONE
        mov     dword [TSS_BASE + 0x08], SEL_RODATA0
        call    catch_ts
        RUN_R3  r3_int_user
        mov     dword [TSS_BASE + 0x08], SEL_KDATA
        mov     eax, 10                         ; vector 10 back to its stub
        call    stub_addr
        mov     ebx, eax
        SET_GATE 10, ebx, ACC_P|ACC_DPL0|T_INTGATE32
        call    copy_stack_event
        CHECK_FAULT 10, SEL_RODATA0, r3_int_user.int

; =============================================================================
; 3. Ring 3 -> ring 0 through an interrupt gate, IRET to the outer level
; =============================================================================
        ; Rule: an interrupt from ring 3 loads SS:ESP from the TSS (SS0:ESP0)
        ; and pushes SS, ESP, EFLAGS, CS, EIP -- five dwords.
        TEST    "r3-int-user-gate-no-fault"
        RUN_R3  r3_int_user
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "r3-int-handler-ss-is-ss0", [ih_ss], SEL_KDATA
        CHECK_EQ "r3-int-handler-esp-is-esp0-20", [ih_esp], RING0_STACK_TOP - 20
        CHECK_EQ "r3-int-frame-eip", [ih_eip], r3_int_user.after
        CHECK_EQ "r3-int-frame-cs", [ih_cs], SEL_UCODE | 3
        CHECK_MASK "r3-int-frame-eflags", [ih_eflags], 0xFFFF, 0x0002
        CHECK_EQ "r3-int-frame-esp", [ih_oesp], USER_STACK_TOP - 4
        CHECK_EQ "r3-int-frame-ss", [ih_oss], SEL_UDATA | 3
        ; Rule: IRET to an outer level pops SS:ESP too, and nulls data
        ; segment registers the outer ring may not use (the handler left
        ; DS = kernel data).
        CHECK_EQ "iret-outer-cs", [fault_cs], SEL_UCODE | 3
        CHECK_EQ "iret-outer-esp", [fault_esp], USER_STACK_TOP - 4
        CHECK_EQ "iret-outer-ss", [fault_ss], SEL_UDATA | 3
        CHECK_EQ "iret-outer-ds-nulled", [fault_ds], 0
        CHECK_EQ "iret-outer-es-kept", [fault_es], SEL_UDATA | 3

        ; Rule: IRET cannot return to a more privileged level: at ring 3,
        ; a return CS with RPL 0 -> #GP(return CS selector).
        TEST    "r3-iret-to-r0-gp"
        mov     dword [USER_STACK_TOP - 12], r3_exit    ; EIP
        mov     dword [USER_STACK_TOP - 8], SEL_KCODE   ; CS (RPL 0)
        mov     dword [USER_STACK_TOP - 4], 0x2         ; EFLAGS
        mov     dword [user_esp], USER_STACK_TOP - 12
        EXPECT_FAULT_R3 13, SEL_KCODE, iretd
        call    reset_user_ctx

; =============================================================================
; 4. Exceptions that push an error code, and ones that do not
; =============================================================================
        ; For each, the handler expects (error code,) EIP, CS, EFLAGS on the
        ; stack; "...-frame" checks that the ESP before the fault, computed
        ; from that layout, is right -- i.e. the CPU pushed exactly that.
        ; Rule: #GP pushes an error code (here the bad selector).
        TEST    "gp-error-code"
        mov     ax, GDT_SIZE
        mov     ebx, esp
        EXPECT_FAULT 13, GDT_SIZE, mov ds, ax
        CHECK_EQ "gp-error-code-frame", [fault_esp], ebx
        ; Rule: #NP pushes an error code.
        TEST    "np-error-code"
        mov     ax, SEL_NP
        EXPECT_FAULT 11, SEL_NP, mov es, ax
        CHECK_EQ "np-error-code-frame", [fault_esp], ebx
        ; Rule: #SS pushes an error code (not-present SS: the selector).
        TEST    "ss-error-code"
        mov     ax, SEL_NP
        EXPECT_FAULT 12, SEL_NP, mov ss, ax
        CHECK_EQ "ss-error-code-frame", [fault_esp], ebx
        ; Rule: #UD and #DE push none.
        TEST    "ud-no-error-code"
        EXPECT_FAULT 6, NOERR, ud2
        CHECK_EQ "ud-no-error-code-frame", [fault_esp], ebx
        TEST    "de-no-error-code"
        xor     ecx, ecx
        EXPECT_FAULT 0, NOERR, div ecx
        CHECK_EQ "de-no-error-code-frame", [fault_esp], ebx

        ; Rule: #PF pushes an error code (P=0 W=0 U=0 for a supervisor read
        ; of a not-present page) and puts the linear address in CR2.
        call    paging_on
        TEST    "pf-error-code"
        EXPECT_FAULT 14, 0, mov eax, [PF_ADDR + 0x123]
        CHECK_EQ "pf-error-code-frame", [fault_esp], ebx
        mov     eax, cr2
        CHECK_EQ "pf-cr2", eax, PF_ADDR + 0x123
        call    paging_off

; =============================================================================
; 5. Double fault vs. serial handling
; =============================================================================
        ; Rule: #GP is contributory; if delivering it raises another
        ; contributory exception (#NP: its gate is not present), the CPU
        ; signals #DF with error code 0 (saved CS:EIP undefined).
        TEST    "df-gp-then-np"
        and     byte [IDT_BASE + 13*8 + 5], 0x7F        ; gate 13 not present
        mov     ax, GDT_SIZE
        EXPECT_ABORT 8, 0, mov ds, ax
        call    restore_idt

        ; Rule: #UD is benign; a contributory fault while delivering it is
        ; simply delivered instead (no #DF): #NP(6*8+2+EXT) at the UD2.
        TEST    "ud-then-np-serial"
        and     byte [IDT_BASE + 6*8 + 5], 0x7F         ; gate 6 not present
        EXPECT_FAULT 11, 6*8 + 3, ud2
        call    restore_idt

; =============================================================================
; 6. INT3, INTO, BOUND
; =============================================================================
        ; Rule: INT3 (one byte, 0xCC) is a trap: vector 3, saved EIP = next.
        TEST    "int3-trap"
        EXPECT_TRAP 3, NOERR, int3
        ; Rule: the two-byte INT 3 behaves the same.
        TEST    "int-3-trap"
        EXPECT_TRAP 3, NOERR, int 3

        ; Rule: INTO with OF=0 does nothing ...
        TEST    "into-of0-no-trap"
        xor     eax, eax                        ; OF=0
        EXPECT_NO_FAULT into
        ; ... with OF=1 it traps to vector 4 (saved EIP = next).
        TEST    "into-of1-trap"
        mov     al, 0x7F
        add     al, 1                           ; OF=1
        EXPECT_TRAP 4, NOERR, into

        ; Rule: BOUND inside [lower, upper] does nothing ...
        TEST    "bound-inside-ok"
        mov     eax, 20
        EXPECT_NO_FAULT bound eax, [bound_pair]
        ; ... outside it raises #BR (vector 5), a fault (EIP = BOUND).
        TEST    "bound-above-br"
        mov     eax, 21
        EXPECT_FAULT 5, NOERR, bound eax, [bound_pair]
        TEST    "bound-below-br"
        mov     eax, 9
        EXPECT_FAULT 5, NOERR, bound eax, [bound_pair]

; =============================================================================
; 7. The same INT again after the IDT and the TSS changed
; =============================================================================
        ; Rule: every delivery reads the gate and the TSS's SS0:ESP0 as they
        ; are now. Ring 3 runs INT V_USER twice, moves the gate to
        ; memo_handler and runs INT V_USER, lowers ESP0 by 0x100 and runs it
        ; once more.
        TEST    "int-after-gate-and-esp0-rewritten"
        SET_GATE V_USER, iret_handler, ACC_P|ACC_DPL3|T_INTGATE32
        mov     dword [ih_hits], 0
        mov     dword [mh_hits], 0
        RUN_R3  r3_int_rewritten
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "int-before-rewrite-old-handler", [ih_hits], 2
        CHECK_EQ "int-after-rewrite-new-handler", [mh_hits], 2
        CHECK_EQ "int-after-rewrite-new-esp0", [mh_esp], RING0_STACK_TOP - 0x100 - 20

        FINISH

; =============================================================================
; Helpers
; =============================================================================

; A handler that records what the CPU pushed and returns with IRET.  It
; leaves DS = kernel data, so an IRET to ring 3 must null DS.
iret_handler:
        mov     [ss:ih_esp], esp
        pushfd
        pop     dword [ss:ih_hflags]
        mov     [ss:ih_ss], ss
        mov     eax, [esp]
        mov     [ss:ih_eip], eax
        mov     eax, [esp + 4]
        mov     [ss:ih_cs], eax
        mov     eax, [esp + 8]
        mov     [ss:ih_eflags], eax
        mov     eax, [esp + 12]
        mov     [ss:ih_oesp], eax
        mov     eax, [esp + 16]
        mov     [ss:ih_oss], eax
        inc     dword [ss:ih_hits]
        mov     ax, SEL_KDATA
        mov     ds, ax
        iretd

; Ring 3: INT through the DPL-3 gate (with one dword on the user stack).
r3_int_user:
        push    dword 0xDEADBEEF
.int:
        int     V_USER
.after:
        int     EXIT_VEC

r3_exit:
        int     EXIT_VEC

; Ring 3: INT V_USER twice, once after rewriting the gate's offset and once
; more after rewriting TSS.ESP0, through the flat user data segment; both are
; put back.
r3_int_rewritten:
        int     V_USER
        int     V_USER
        mov     ax, SEL_UDATA | 3
        mov     ds, ax
        mov     word [IDT_BASE + V_USER*8], LIN(memo_handler) & 0xFFFF
        int     V_USER
        mov     dword [TSS_BASE + 4], RING0_STACK_TOP - 0x100
        int     V_USER
        mov     word [IDT_BASE + V_USER*8], LIN(iret_handler) & 0xFFFF
        mov     dword [TSS_BASE + 4], RING0_STACK_TOP
        int     EXIT_VEC

; Counts and records ESP; leaves DS as it found it.
memo_handler:
        mov     [ss:mh_esp], esp
        inc     dword [ss:mh_hits]
        iretd

; Identity-map the first 4 MiB with one page table, page PF_ADDR absent.
paging_on:
        pushad
        mov     edi, PAGE_DIR
        mov     ecx, 1024
        xor     eax, eax
        rep     stosd
        mov     dword [PAGE_DIR], PAGE_TABLE | 0x003    ; P, RW
        mov     edi, PAGE_TABLE
        mov     eax, 0x003
        mov     ecx, 1024
.pte:
        stosd
        add     eax, 0x1000
        loop    .pte
        mov     dword [PAGE_TABLE + (PF_ADDR >> 12)*4], 0   ; not present
        mov     eax, PAGE_DIR
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000                 ; CR0.PG
        mov     cr0, eax
        jmp     .flush
.flush:
        popad
        ret

paging_off:
        push    eax
        mov     eax, cr0
        and     eax, 0x7FFFFFFF
        mov     cr0, eax
        jmp     .flush
.flush:
        pop     eax
        ret

; catch_ts: point IDT vector 10 (#TS) at stack_catch through the conforming
; DPL-0 segment SEL_CONF0.  A conforming handler runs at the CPL of the
; faulting code (here 3) on its own stack, so delivering the #TS does not
; need the (broken) SS0.
catch_ts:
        pushad
        mov     eax, 10
        mov     ebx, stack_catch
        mov     ecx, ACC_P|ACC_DPL0|T_INTGATE32
        call    set_idt_gate
        mov     word [IDT_BASE + 10*8 + 2], SEL_CONF0
        popad
        ret

; Runs at CPL 3 (CS = SEL_CONF0 | 3, DS = SS = flat user data): record the
; #TS, repair TSS.SS0 so that ring 0 can be entered again, leave through
; EXIT_VEC.
stack_catch:
        mov     dword [st_vec], 10
        pop     dword [st_err]
        pop     dword [st_eip]
        pop     dword [st_cs]
        add     esp, 4                          ; EFLAGS
        mov     dword [TSS_BASE + 0x08], SEL_KDATA
        int     EXIT_VEC

; copy_stack_event: make stack_catch's record the "last event" for
; CHECK_FAULT (ring 0).
copy_stack_event:
        push    eax
        mov     eax, [st_vec]
        mov     [fault_vec], eax
        mov     eax, [st_err]
        mov     [fault_err], eax
        mov     eax, [st_eip]
        mov     [fault_eip], eax
        movzx   eax, word [st_cs]
        mov     [fault_cs], eax
        pop     eax
        ret

; IDTR images with shortened limits
idtr_lim_ok:
        dw      V_LIMIT*8 + 7
        dd      IDT_BASE
idtr_lim_short:
        dw      V_LIMIT*8 + 6
        dd      IDT_BASE

        ROM_END
