; =============================================================================
; Lesson 5 -- call gates and the inner-stack switch through the TSS
;                                                   (docs/lessons/05-call-gates.md)
;
; A call gate is a system descriptor that names an entry point (code
; selector + offset) and a parameter count.  A far CALL to a gate whose DPL
; the caller may use (DPL >= CPL and DPL >= RPL) reaches code of equal or
; *higher* privilege (target DPL <= CPL).  If the privilege rises, the CPU
;   1. takes the new stack SSn:ESPn for the target ring n from the TSS,
;   2. checks it (present, writable, DPL = RPL = n; else #TS(SS selector)),
;   3. pushes the caller's SS and ESP on the new stack,
;   4. copies the gate's parameter count of dwords from the old stack,
;   5. pushes the caller's CS and EIP, and jumps to the entry point
;                                                   (SDM vol. 3, 5.8.5).
; A far RET n that returns to an outer ring pops EIP, CS, skips n bytes of
; parameters, pops ESP and SS, and nulls any data segment register whose
; DPL the outer ring may not use (SDM vol. 2, RET).
;
; Set-up (testroms/pmtest.inc): 32-bit protected mode at ring 0, a TSS with
; SS0:ESP0 = 0010h:70000h, an IDT that records each exception and resumes the
; lesson; RUN_R3 runs code at ring 3 (SS:ESP = 0023h:60000h).
;
; Marks (labels the walk-through stops at; `pcemu lesson 5`):
;   r3_gate_call      ring 3 CALLs through the DPL-3 gate, two parameters
;   gate_proc         ring 0, on the TSS stack, with the copied parameters
;   gate_return       RETF 8 back to ring 3; ES gets nulled
;   r3_gate_back      ring 3 again, its own SS:ESP, parameters dropped
;   r0_gate_call      ring 0 calls the same gate: no stack switch
;   r3_gate0          a DPL-0 gate: #GP(gate selector)
;   r3_gate_np        a gate that is not present: #NP(gate selector)
;   r3_jmp_gate       JMP through a gate cannot raise privilege: #GP(code)
;   r3_gate_r1        gate into ring 1 while TSS.SS1 is bad: #TS(SS1)
;   r1_proc           ... and with a good SS1: ring 1 on the TSS's ring-1 stack
;   r0_gate_out       a gate leading outward (ring 0 -> 3): #GP(code)
;   r3_gate_data      a gate pointing at data: #GP(data selector)
;
; Output: "PASS name" / "FAIL name expected ... got ..." per check on port
; 0xE9, then "DONE n passed m failed".  Assemble with testroms/build.sh.
; =============================================================================

%include "pmtest.inc"
%include "lesson.inc"

R1_STACK_TOP    equ     0x58000         ; ring-1 stack, named in TSS.SS1:ESP1
TSS_ESP1        equ     TSS_BASE + 0x0C
TSS_SS1         equ     TSS_BASE + 0x10

        GDT_BEGIN
; call gates (32-bit: dword parameters and pushes)
        GATE    SEL_GATE3,  SEL_KCODE, gate_proc, ACC_P|ACC_DPL3|T_CALLGATE32, 2
        GATE    SEL_GATE0,  SEL_KCODE, gate_proc, ACC_P|ACC_DPL0|T_CALLGATE32, 2
        GATE    SEL_GATENP, SEL_KCODE, gate_proc, ACC_DPL3|T_CALLGATE32, 2
; ring-1 code and stack, and a DPL-3 gate into ring 1 (no parameters)
        DESC    SEL_R1CODE, 0, 0xFFFFF, ACC_P|ACC_DPL1|ACC_S|T_CODE_XR, F_FLAT
        DESC    SEL_D1,     0, 0xFFFFF, ACC_P|ACC_DPL1|ACC_S|T_DATA_RW, F_FLAT
        GATE    SEL_GATER1, SEL_R1CODE | 1, r1_proc, ACC_P|ACC_DPL3|T_CALLGATE32, 0
; a DPL-0 gate whose target is ring-3 code, and a gate whose target is data
        GATE    SEL_GATEOUT, SEL_UCODE | 3, r3_target, ACC_P|ACC_DPL0|T_CALLGATE32, 0
        GATE    SEL_GATEDATA, SEL_KDATA, gate_proc, ACC_P|ACC_DPL3|T_CALLGATE32, 0
        GDT_END

g_esp           equ     scratch_vars + 0        ; what gate_proc / r1_proc saw
g_ss            equ     scratch_vars + 4
g_cs            equ     scratch_vars + 8
g_frame         equ     scratch_vars + 12       ; 6 dwords from [ESP]
r_esp_before    equ     scratch_vars + 40       ; ring 3 before the pushes
r_esp_after     equ     scratch_vars + 44       ; ring 3 after the return
r_es_after      equ     scratch_vars + 48
r_cs_after      equ     scratch_vars + 52
r_ss_after      equ     scratch_vars + 56

tests_main:
        SAY     "lesson 5: call gates and the inner stack from the TSS"
        mov     dword [TSS_ESP1], R1_STACK_TOP
        mov     dword [TSS_SS1], SEL_D1 | 1

; -----------------------------------------------------------------------------
; 1. Ring 3 -> ring 0 through a DPL-3 gate with two dword parameters.
; -----------------------------------------------------------------------------
        TEST    "ring3-call-gate-to-ring0"
        RUN_R3  r3_gate
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "handler-cs-is-the-gates-code-selector", [g_cs], SEL_KCODE
        CHECK_EQ "handler-ss-is-tss-ss0", [g_ss], SEL_KDATA
        CHECK_EQ "handler-esp-is-tss-esp0-minus-24", [g_esp], RING0_STACK_TOP - 24
        CHECK_EQ "frame-0-return-eip", [g_frame + 0], r3_gate_back
        CHECK_EQ "frame-1-return-cs", [g_frame + 4], SEL_UCODE | 3
        CHECK_EQ "frame-2-last-pushed-parameter", [g_frame + 8], 0x22222222
        CHECK_EQ "frame-3-first-pushed-parameter", [g_frame + 12], 0x11111111
        CHECK_EQ "frame-4-callers-esp", [g_frame + 16], USER_STACK_TOP - 8
        CHECK_EQ "frame-5-callers-ss", [g_frame + 20], SEL_UDATA | 3
        CHECK_EQ "back-in-ring3-cs", [r_cs_after], SEL_UCODE | 3
        CHECK_EQ "back-in-ring3-ss", [r_ss_after], SEL_UDATA | 3
        CHECK_EQ "retf-8-dropped-the-parameters", [r_esp_after], USER_STACK_TOP
        CHECK_EQ "retf-to-ring3-nulled-es-dpl0", [r_es_after], 0

; -----------------------------------------------------------------------------
; 2. The same gate from ring 0: the target is not more privileged, so there
;    is no stack switch and nothing is copied -- only CS:EIP are pushed on
;    the caller's own stack (RETF 8 still removes 8 bytes of parameters).
; -----------------------------------------------------------------------------
        push    dword 0x11111111
        push    dword 0x22222222
        lea     eax, [esp + 8]
        mov     [r_esp_before], eax
r0_gate_call:
        call    SEL_GATE3:0                     ; the offset is ignored: the gate has it
        mov     eax, [r_esp_before]
        sub     eax, 16
        CHECK_EQ "same-ring-gate-no-stack-switch", [g_esp], eax
        CHECK_EQ "same-ring-gate-ss-unchanged", [g_ss], SEL_KDATA
        mov     ecx, esp
        mov     eax, [r_esp_before]
        CHECK_EQ "same-ring-retf-8-balanced", ecx, eax

; -----------------------------------------------------------------------------
; 3. The gate's own checks: its DPL (DPL >= CPL, DPL >= RPL, else
;    #GP(gate)), its P bit (#NP(gate)); and JMP through a gate may not raise
;    privilege at all (target DPL must equal CPL, else #GP(code selector)).
; -----------------------------------------------------------------------------
        TEST    "ring3-dpl0-gate-gp-gate-selector"
        RUN_R3  r3_g0
        CHECK_FAULT 13, SEL_GATE0, r3_gate0
        TEST    "ring3-not-present-gate-np-gate-selector"
        RUN_R3  r3_gnp
        CHECK_FAULT 11, SEL_GATENP, r3_gate_np
        TEST    "ring3-jmp-through-gate-to-ring0-gp-code-selector"
        RUN_R3  r3_jg
        CHECK_FAULT 13, SEL_KCODE, r3_jmp_gate

; -----------------------------------------------------------------------------
; 4. One stack per inner ring in the TSS.  A gate into ring 1 uses SS1:ESP1.
;    With SS1 = a DPL-0 segment the new stack is refused: #TS(SS1), raised
;    at the CALL (and delivered to ring 0, whose SS0 is fine).
; -----------------------------------------------------------------------------
        mov     dword [TSS_SS1], SEL_KDATA
        TEST    "bad-tss-ss1-ts-ss1-selector"
        RUN_R3  r3_gr1
        CHECK_FAULT 10, SEL_KDATA, r3_gate_r1
        mov     dword [TSS_SS1], SEL_D1 | 1
        TEST    "good-tss-ss1-ring1-runs"
        RUN_R3  r3_gr1
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "ring1-ss-is-tss-ss1", [g_ss], SEL_D1 | 1
        CHECK_EQ "ring1-esp-is-tss-esp1-minus-16", [g_esp], R1_STACK_TOP - 16
        CHECK_EQ "ring1-cs-rpl-1", [g_cs], SEL_R1CODE | 1

; -----------------------------------------------------------------------------
; 5. Where a gate may lead: to code, and never outward.
; -----------------------------------------------------------------------------
        TEST    "ring0-gate-to-ring3-code-gp-code-selector"
        FAULT_AT r0_gate_out, 13, SEL_UCODE, call SEL_GATEOUT:0
        TEST    "gate-to-data-segment-gp-data-selector"
        RUN_R3  r3_gd
        CHECK_FAULT 13, SEL_KDATA, r3_gate_data

        FINISH

; -----------------------------------------------------------------------------
; Ring-3 code (each ends with INT 30h)
; -----------------------------------------------------------------------------
r3_gate:
        push    dword 0x11111111                ; first parameter
        push    dword 0x22222222                ; second parameter
r3_gate_call:
        call    SEL_GATE3 | 3:0
r3_gate_back:
        mov     [r_esp_after], esp
        mov     ax, es
        movzx   eax, ax
        mov     [r_es_after], eax
        mov     ax, cs
        movzx   eax, ax
        mov     [r_cs_after], eax
        mov     ax, ss
        movzx   eax, ax
        mov     [r_ss_after], eax
        int     EXIT_VEC

r3_g0:
r3_gate0:
        call    SEL_GATE0 | 3:0                 ; gate DPL 0 < CPL 3
        int     EXIT_VEC

r3_gnp:
r3_gate_np:
        call    SEL_GATENP | 3:0
        int     EXIT_VEC

r3_jg:
r3_jmp_gate:
        jmp     SEL_GATE3 | 3:0                 ; JMP: target DPL must = CPL
        int     EXIT_VEC

r3_gr1:
r3_gate_r1:
        call    SEL_GATER1 | 3:0
        int     EXIT_VEC

r3_gd:
r3_gate_data:
        call    SEL_GATEDATA | 3:0
        int     EXIT_VEC

r3_target:                                      ; never reached
        int     EXIT_VEC

; -----------------------------------------------------------------------------
; The procedures behind the gates.  DS is still the caller's (flat) DS.
; -----------------------------------------------------------------------------
gate_proc:
        mov     [g_esp], esp
        mov     ax, ss
        movzx   eax, ax
        mov     [g_ss], eax
        mov     ax, cs
        movzx   eax, ax
        mov     [g_cs], eax
        mov     ecx, 6
        xor     ebx, ebx
.copy:
        mov     eax, [esp + ebx*4]
        mov     [g_frame + ebx*4], eax
        inc     ebx
        loop    .copy
        mov     ax, SEL_KDATA                   ; the procedure uses kernel data
        mov     es, ax
gate_return:
        retf    8                               ; EIP, CS, 8 bytes, (ESP, SS)

r1_proc:                                        ; ring 1
        mov     [g_esp], esp
        mov     ax, ss
        movzx   eax, ax
        mov     [g_ss], eax
        mov     ax, cs
        movzx   eax, ax
        mov     [g_cs], eax
        retf

        ROM_END
