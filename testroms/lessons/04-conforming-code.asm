; =============================================================================
; Lesson 4 -- conforming and non-conforming code          (docs/lessons/04-conforming-code.md)
;
; A direct far JMP or CALL never changes CPL.  It may reach
;   * a non-conforming code segment only at the same privilege:
;       DPL = CPL and RPL <= CPL                      (SDM vol. 3, 5.8.1.1)
;   * a conforming code segment whose DPL <= CPL -- code "for everyone at or
;     outside its ring"; it then runs at the *caller's* CPL, and the CPU
;     writes that CPL into the RPL field of CS        (SDM vol. 3, 5.8.1.2)
; Nothing may call outward (to a less privileged segment), and a far RET may
; return only to the same or an outer ring (SDM vol. 2, RET).  To become
; *more* privileged, code must go through a gate (lessons 5 and 6).
;
; Set-up (testroms/pmtest.inc): 32-bit protected mode at ring 0, an IDT that
; records each exception and resumes the lesson; RUN_R3 runs code at ring 3.
;
; Marks (labels the walk-through stops at; `pcemu lesson 4`):
;   r3_call_kcode     ring 3 far-calls non-conforming DPL-0 code: #GP(sel)
;   r3_call_conf0     ring 3 far-calls conforming DPL-0 code: allowed
;   conf_entry        inside it: CS = the conforming selector with RPL 3 = CPL
;                     (the CALL's selector had RPL 0: the CPU writes CPL there)
;   conf_privileged   a privileged instruction there: #GP(0), CPL is 3
;   r0_call_conf3     ring 0 far-calls conforming DPL-3 code: #GP(sel)
;   r0_call_ucode     ring 0 far-calls non-conforming DPL-3 code: #GP(sel)
;   r0_call_rpl3      ring 0 calls its own code with RPL 3: #GP(sel)
;   r3_retf_inward    ring 3 RETF to a ring-0 CS: #GP(sel)
;   r0_retf_rpl0      ring 0 RETF to DPL-3 code with RPL 0: #GP(sel)
;   r0_retf_null      ring 0 RETF to a null CS selector: #GP(0)
;   r0_retf_data      ring 0 RETF to a data segment: #GP(sel)
;   r0_call_data      a far CALL to a data segment: #GP(sel)
;   r0_call_np        to a code segment that is not present: #NP(sel)
;   r0_call_limit     to an offset beyond the code limit: #GP(0)
;
; Output: "PASS name" / "FAIL name expected ... got ..." per check on port
; 0xE9, then "DONE n passed m failed".  Assemble with testroms/build.sh.
; =============================================================================

%include "pmtest.inc"
%include "lesson.inc"

        GDT_BEGIN
; conforming execute/read code, flat, 32-bit: DPL 0 and DPL 3
        DESC    SEL_CONF0,  0, 0xFFFFF, ACC_P|ACC_DPL0|ACC_S|T_CODE_XR_CONF, F_FLAT
        DESC    SEL_CONF3,  0, 0xFFFFF, ACC_P|ACC_DPL3|ACC_S|T_CODE_XR_CONF, F_FLAT
; ring-0 code that is not present
        DESC    SEL_NPCODE, 0, 0xFFFFF, ACC_DPL0|ACC_S|T_CODE_XR, F_FLAT
; ring-0 code with a 4 KiB limit (base 0)
        DESC    SEL_SMALL,  0, 0x00FFF, ACC_P|ACC_DPL0|ACC_S|T_CODE_XR, F_D
        GDT_END

r_cs            equ     scratch_vars + 0        ; CS seen by the conforming code
r_ss            equ     scratch_vars + 4

tests_main:
        SAY     "lesson 4: conforming and non-conforming code"

; -----------------------------------------------------------------------------
; 1. Ring 3 and ring-0 code.  Non-conforming DPL 0: no (DPL must equal CPL).
;    Conforming DPL 0: yes, and it runs at CPL 3.
; -----------------------------------------------------------------------------
        TEST    "ring3-far-call-to-nonconforming-dpl0-gp"
        RUN_R3  r3_kcode
        CHECK_FAULT 13, SEL_KCODE, r3_call_kcode

        TEST    "ring3-far-call-to-conforming-dpl0-allowed"
        RUN_R3  r3_conf0
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "conforming-code-cs-has-rpl-3", [r_cs], SEL_CONF0 | 3
        CHECK_EQ "conforming-code-keeps-the-ring3-stack", [r_ss], SEL_UDATA | 3

        TEST    "conforming-dpl0-code-still-runs-at-cpl3-gp0"
        RUN_R3  r3_conf_priv
        mov     dword [exp_cs], SEL_CONF0 | 3           ; the fault is in there
        CHECK_FAULT 13, 0, conf_privileged

; -----------------------------------------------------------------------------
; 2. Outward calls are never allowed: ring 0 may not far-call DPL-3 code,
;    conforming or not, and may not use a selector whose RPL is above CPL.
; -----------------------------------------------------------------------------
        TEST    "ring0-far-call-to-conforming-dpl3-gp"
        FAULT_AT r0_call_conf3, 13, SEL_CONF3, call SEL_CONF3:conf_ret
        TEST    "ring0-far-call-to-nonconforming-dpl3-gp"
        FAULT_AT r0_call_ucode, 13, SEL_UCODE, call SEL_UCODE | 3:conf_ret
        TEST    "ring0-far-call-own-code-with-rpl3-gp"
        FAULT_AT r0_call_rpl3, 13, SEL_KCODE, call SEL_KCODE | 3:conf_ret
        TEST    "ring0-far-call-own-code-rpl0-allowed"
        EXPECT_NO_FAULT call SEL_KCODE:conf_ret

; -----------------------------------------------------------------------------
; 3. RET cannot raise privilege either: a far RET whose CS has RPL < CPL is
;    refused (#GP(selector)), so ring 3 cannot forge a return into ring 0.
; -----------------------------------------------------------------------------
        TEST    "ring3-retf-to-ring0-gp"
        RUN_R3  r3_retf
        CHECK_FAULT 13, SEL_KCODE, r3_retf_inward
        ; The return CS's RPL names the ring to return to, and non-conforming
        ; code there must have DPL = RPL: ring-3 code with RPL 0 is refused.
        TEST    "ring0-retf-to-dpl3-code-with-rpl0-gp"
        push    dword SEL_UCODE                 ; RPL 0, but the code is DPL 3
        push    dword conf_ret
        FAULT_AT r0_retf_rpl0, 13, SEL_UCODE, retf
        add     esp, 8
        ; Before any privilege check, the return CS must not be null: #GP(0).
        TEST    "ring0-retf-to-null-cs-gp0"
        push    dword 0                         ; the null selector
        push    dword conf_ret
        FAULT_AT r0_retf_null, 13, 0, retf
        add     esp, 8
        ; The return CS must name code: a data segment is refused, #GP(selector).
        TEST    "ring0-retf-to-data-segment-gp"
        push    dword SEL_KDATA                 ; data, DPL 0, RPL 0 = CPL
        push    dword conf_ret
        FAULT_AT r0_retf_data, 13, SEL_KDATA, retf
        add     esp, 8

; -----------------------------------------------------------------------------
; 4. What else a far transfer checks: the target must be code (or a gate or
;    a TSS), present (#NP otherwise, after the privilege checks), and EIP
;    must lie within the new code segment's limit (#GP(0)).
; -----------------------------------------------------------------------------
        TEST    "far-call-to-data-segment-gp"
        FAULT_AT r0_call_data, 13, SEL_KDATA, call SEL_KDATA:0
        TEST    "far-call-to-not-present-code-np"
        FAULT_AT r0_call_np, 11, SEL_NPCODE, call SEL_NPCODE:conf_ret
        TEST    "far-call-beyond-code-limit-gp0"
        FAULT_AT r0_call_limit, 13, 0, call SEL_SMALL:0x1000

        FINISH

; -----------------------------------------------------------------------------
; Ring-3 code.  Each piece ends with INT 30h (back to ring 0).
; -----------------------------------------------------------------------------
r3_kcode:
r3_call_kcode:
        call    SEL_KCODE:conf_ret              ; DPL 0 != CPL 3: #GP(0008h)
        int     EXIT_VEC

r3_conf0:
r3_call_conf0:
        call    SEL_CONF0:conf_entry            ; conforming, DPL 0 <= CPL 3; RPL 0
        int     EXIT_VEC

r3_conf_priv:
        call    SEL_CONF0 | 3:conf_priv
        int     EXIT_VEC

r3_retf:
        push    dword SEL_KCODE                 ; a forged return address:
        push    dword conf_ret                  ; ring-0 CS, RPL 0
r3_retf_inward:
        retf                                    ; RPL 0 < CPL 3: #GP(0008h)

; -----------------------------------------------------------------------------
; Code reached through SEL_CONF0 (and, at ring 0, through SEL_KCODE).
; -----------------------------------------------------------------------------
conf_entry:
        mov     ax, cs                          ; SEL_CONF0 with RPL = CPL = 3
        movzx   eax, ax
        mov     [r_cs], eax
        mov     ax, ss                          ; no stack switch: still ring 3's
        movzx   eax, ax
        mov     [r_ss], eax
conf_ret:
        retf

conf_priv:
conf_privileged:
        mov     eax, cr0                        ; privileged: needs CPL 0
        retf

        ROM_END
