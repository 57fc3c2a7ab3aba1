; =============================================================================
; Lesson 6 -- interrupts, traps and the IDT, with error codes
;                                                   (docs/lessons/06-interrupts.md)
;
; In protected mode every interrupt and exception goes through a gate in the
; IDT (SDM vol. 3, 6.10-6.12):
;   * an interrupt gate clears IF on entry, a trap gate leaves it;
;   * INT n, INT3 and INTO must pass the gate's DPL (DPL >= CPL) -- that is
;     how an OS decides which vectors user code may raise.  Exceptions and
;     hardware interrupts ignore the gate's DPL;
;   * a handler of higher privilege runs on the inner stack from the TSS; the
;     CPU pushes SS, ESP, EFLAGS, CS, EIP and, for some exceptions, an error
;     code;
;   * a fault saves the EIP of the faulting instruction (it can be
;     restarted), a trap the EIP of the next one;
;   * error codes name what was wrong: 0, a selector (index | TI), or an IDT
;     entry (vector * 8 + 2: the IDT bit); bit 0 (EXT) is set when the fault
;     happened while delivering an earlier event (SDM 6.13).
;   * a fault while delivering a fault can become a double fault (#DF).
;
; Set-up (testroms/pmtest.inc): 32-bit protected mode at ring 0; every IDT
; entry is a DPL-0 interrupt gate to a stub that records the event (vector,
; error code, CS:EIP, stack) and resumes the lesson; INT 30h (DPL 3) returns
; from ring 3.  This lesson changes some entries.
;
; Marks (labels the walk-through stops at; `pcemu lesson 6`):
;   r0_int_gate       STI; INT 40h through an interrupt gate
;   int_handler       the handler: IF = 0 inside (interrupt gate)
;   r0_trap_gate      INT 41h through a trap gate: IF stays 1
;   r3_int40          ring 3 INT 40h (DPL-3 gate): stack switch to SS0:ESP0
;   r3_int42          ring 3 INT 42h (DPL-0 gate): #GP(0212h)
;   r3_divide         ring 3 divides by zero: #DE through a DPL-0 gate
;   r0_int3           INT3 is a trap: saved EIP is the next instruction
;   r3_int3           ring 3 INT3, gate DPL 0: #GP(001Ah)
;   r0_ud2            UD2: #UD, a fault
;   r0_int_np         INT 43h, gate not present: #NP(021Ah)
;   r0_int_notgate    INT 44h, entry is not a gate: #GP(0222h)
;   r0_int_limit      INT 60h beyond the IDT limit: #GP(0302h)
;   r0_int_data       INT 46h, gate points at data: #GP(0010h)
;   r0_int_outward    INT 45h, gate points at ring-3 code: #GP(0018h)
;   r0_ud_ext         #UD whose gate is not present: #NP(0033h), EXT = 1
;   r0_double_fault   #GP whose gate is not present: #DF(0)
;
; Output: "PASS name" / "FAIL name expected ... got ..." per check on port
; 0xE9, then "DONE n passed m failed".  Assemble with testroms/build.sh.
; =============================================================================

%include "pmtest.inc"
%include "lesson.inc"

V_INT           equ     0x40            ; DPL-3 interrupt gate -> int_handler
V_TRAP          equ     0x41            ; DPL-3 trap gate -> int_handler
V_DPL0          equ     0x42            ; DPL-0 interrupt gate (the default)
V_NP            equ     0x43            ; gate not present
V_NOTGATE       equ     0x44            ; a descriptor that is not a gate
V_OUTWARD       equ     0x45            ; gate -> DPL-3 code
V_DATA          equ     0x46            ; gate -> data segment
V_BEYOND        equ     0x60            ; beyond a shortened IDT

        GDT_BEGIN
        GDT_END

h_flags         equ     scratch_vars + 0        ; EFLAGS inside int_handler
h_cs            equ     scratch_vars + 4
h_ss            equ     scratch_vars + 8
h_esp           equ     scratch_vars + 12
h_ret_eip       equ     scratch_vars + 16
h_count         equ     scratch_vars + 20

; IDT_ENTRY vector, selector, offset, access -- write one gate
%macro IDT_ENTRY 4
        mov     word [IDT_BASE + (%1)*8 + 0], (%3) & 0xFFFF
        mov     word [IDT_BASE + (%1)*8 + 2], (%2)
        mov     byte [IDT_BASE + (%1)*8 + 4], 0
        mov     byte [IDT_BASE + (%1)*8 + 5], (%4)
        mov     word [IDT_BASE + (%1)*8 + 6], (%3) >> 16
%endmacro

tests_main:
        SAY     "lesson 6: interrupts, traps and the IDT"
        IDT_ENTRY V_INT,  SEL_KCODE, LIN(int_handler), ACC_P|ACC_DPL3|T_INTGATE32
        IDT_ENTRY V_TRAP, SEL_KCODE, LIN(int_handler), ACC_P|ACC_DPL3|T_TRAPGATE32

; -----------------------------------------------------------------------------
; 1. Interrupt gate vs trap gate: IF inside the handler.
; -----------------------------------------------------------------------------
        sti                                     ; (the PICs are masked)
r0_int_gate:
        int     V_INT
        cli
        CHECK_MASK "interrupt-gate-clears-if", [h_flags], EFLAGS_IF, 0
        CHECK_EQ "int-n-returns-after-the-int", [h_ret_eip], r0_int_gate + 2
        sti
r0_trap_gate:
        int     V_TRAP
        cli
        CHECK_MASK "trap-gate-keeps-if", [h_flags], EFLAGS_IF, EFLAGS_IF

; -----------------------------------------------------------------------------
; 2. From ring 3: the gate's DPL decides whether INT n may be used.  A DPL-3
;    gate to ring-0 code switches to SS0:ESP0 from the TSS.
; -----------------------------------------------------------------------------
        TEST    "ring3-int40-dpl3-gate-allowed"
        RUN_R3  r3_int40
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "ring3-int40-handler-cs", [h_cs], SEL_KCODE
        CHECK_EQ "ring3-int40-handler-ss-is-ss0", [h_ss], SEL_KDATA
        CHECK_EQ "ring3-int40-frame-5-dwords-on-esp0", [h_esp], RING0_STACK_TOP - 20
        TEST    "ring3-int42-dpl0-gate-gp-idt-error-code"
        RUN_R3  r3_i42
        CHECK_FAULT 13, V_DPL0*8 + 2, r3_int42

; -----------------------------------------------------------------------------
; 3. Exceptions ignore the gate DPL: ring 3's #DE reaches the DPL-0 gate.
;    #DE is a fault without an error code.  The frame (error code, EIP, CS,
;    EFLAGS, ESP, SS) is on the ring-0 stack from the TSS.
; -----------------------------------------------------------------------------
        TEST    "ring3-divide-error-through-dpl0-gate"
        RUN_R3  r3_div
        CHECK_FAULT 0, NOERR, r3_divide
        CHECK_EQ "ring3-de-handler-stack-is-ss0", [fault_hss], SEL_KDATA
        CHECK_EQ "ring3-de-frame-at-esp0-minus-20", [fault_frame], RING0_STACK_TOP - 20
        CHECK_EQ "ring3-de-saved-ss", [fault_ss], SEL_UDATA | 3

; -----------------------------------------------------------------------------
; 4. Faults and traps.  INT3 (#BP) is a trap: the saved EIP is the next
;    instruction.  It is also a software interrupt: ring 3 needs a DPL-3
;    gate for it.  UD2 (#UD) is a fault: the saved EIP is UD2 itself.
; -----------------------------------------------------------------------------
        TEST    "int3-is-a-trap-eip-after-it"
        ARM_PUSHED bp_fault
r0_int3:
        int3
bp_next:
        jmp     bp_check
bp_fault:
        lea     esp, [esp + 4]
bp_check:
        CHECK_FAULT 3, NOERR, bp_next
        TEST    "ring3-int3-dpl0-gate-gp-001a"
        RUN_R3  r3_i3
        CHECK_FAULT 13, 3*8 + 2, r3_int3
        mov     eax, 3                          ; now give #BP a DPL-3 gate
        call    stub_addr
        mov     ebx, eax
        mov     eax, 3
        mov     cl, ACC_P|ACC_DPL3|T_INTGATE32
        call    set_idt_gate
        TEST    "ring3-int3-dpl3-gate-bp"
        RUN_R3  r3_i3
        CHECK_FAULT 3, NOERR, r3_int3.next
        TEST    "ud2-is-a-fault-eip-at-ud2"
        FAULT_AT r0_ud2, 6, NOERR, ud2

; -----------------------------------------------------------------------------
; 5. What the CPU checks in the IDT (error code = vector * 8 + 2, or the
;    gate's code selector when that is the problem).
; -----------------------------------------------------------------------------
        IDT_ENTRY V_NP, SEL_KCODE, LIN(int_handler), ACC_DPL0|T_INTGATE32
        TEST    "not-present-gate-np-021a"
        FAULT_AT r0_int_np, 11, V_NP*8 + 2, int V_NP
        IDT_ENTRY V_NOTGATE, SEL_KCODE, LIN(int_handler), ACC_P|ACC_DPL0|T_CALLGATE32
        TEST    "call-gate-type-in-idt-gp-0222"
        FAULT_AT r0_int_notgate, 13, V_NOTGATE*8 + 2, int V_NOTGATE
        IDT_ENTRY V_DATA, SEL_KDATA, 0, ACC_P|ACC_DPL0|T_INTGATE32
        TEST    "gate-to-data-segment-gp-0010"
        FAULT_AT r0_int_data, 13, SEL_KDATA, int V_DATA
        IDT_ENTRY V_OUTWARD, SEL_UCODE | 3, LIN(int_handler), ACC_P|ACC_DPL0|T_INTGATE32
        TEST    "gate-to-ring3-code-from-ring0-gp-0018"
        FAULT_AT r0_int_outward, 13, SEL_UCODE, int V_OUTWARD
        lidt    [short_idtr]                    ; IDT limit: vectors 0..4Fh
        TEST    "vector-beyond-idt-limit-gp-0302"
        FAULT_AT r0_int_limit, 13, V_BEYOND*8 + 2, int V_BEYOND
        lidt    [idtr_image]

; -----------------------------------------------------------------------------
; 6. Faults while delivering an event.  #UD's gate not present: the #NP
;    error code has EXT = 1 (bit 0) -- the program did not cause it, the
;    delivery of #UD did.  #GP's gate not present: #NP during #GP is a
;    contributory fault during a contributory fault -> double fault, #DF(0).
; -----------------------------------------------------------------------------
        and     byte [IDT_BASE + 6*8 + 5], 0x7F  ; IDT[6].P = 0
        TEST    "ud-through-not-present-gate-np-ext-0033"
        FAULT_AT r0_ud_ext, 11, 6*8 + 2 + 1, ud2
        and     byte [IDT_BASE + 13*8 + 5], 0x7F ; IDT[13].P = 0
        TEST    "gp-through-not-present-gate-double-fault"
        mov     ax, 0x7FF8                      ; far beyond the GDT
        ARM_PUSHED df_fault
r0_double_fault:
        mov     es, ax                          ; #GP -> #NP -> #DF
        jmp     df_check
df_fault:
        lea     esp, [esp + 4]
df_check:
        CHECK_FAULT 8, 0, ANY                   ; #DF: saved CS:EIP undefined
        call    restore_idt
        mov     ax, SEL_KDATA
        mov     es, ax

        FINISH

short_idtr:
        dw      0x50*8 - 1
        dd      IDT_BASE

; -----------------------------------------------------------------------------
; The handler for INT 40h/41h: records what it sees, returns with IRETD.
; -----------------------------------------------------------------------------
int_handler:
        mov     [h_esp], esp                    ; (DS: the interrupted code's, flat)
        push    eax
        pushfd
        pop     eax
        mov     [h_flags], eax
        mov     ax, cs
        movzx   eax, ax
        mov     [h_cs], eax
        mov     ax, ss
        movzx   eax, ax
        mov     [h_ss], eax
        mov     eax, [esp + 4]                  ; saved EIP
        mov     [h_ret_eip], eax
        inc     dword [h_count]
        pop     eax
        iretd

; -----------------------------------------------------------------------------
; Ring-3 code (each ends with INT 30h)
; -----------------------------------------------------------------------------
r3_int40:
        int     V_INT
        int     EXIT_VEC

r3_i42:
r3_int42:
        int     V_DPL0
        int     EXIT_VEC

r3_div:
        xor     edx, edx
        mov     eax, 1
        xor     ecx, ecx
r3_divide:
        div     ecx                             ; #DE: a fault
        int     EXIT_VEC

r3_i3:
r3_int3:
        int3
.next:
        int     EXIT_VEC

        ROM_END
