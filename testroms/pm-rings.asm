; =============================================================================
; pm-rings.asm -- privilege-level transfers: call gates, conforming code,
;                 far JMP/CALL/RET privilege checks
;
; What this ROM teaches
;   CPL (the current privilege level) lives in the low two bits of CS.  Direct
;   far JMP/CALL can only reach code of the *same* privilege (non-conforming:
;   DPL = CPL) or a conforming segment with DPL <= CPL, which runs at the
;   caller's CPL.  To get *more* privileged, a program must CALL through a
;   call gate whose DPL it is allowed to use; the CPU then switches to the
;   inner ring's stack taken from the TSS, copies the gate's parameter count
;   of stack entries, and pushes the caller's SS:ESP and CS:EIP.  A far RET
;   may only return to the same or an outer (less privileged) ring; when it
;   goes outward, data segment registers the outer ring may not use are
;   nulled.  A far transfer must name code (or a gate or TSS), a gate must
;   lead to code, a return must land in code whose DPL matches the return
;   RPL, every new EIP must lie within the code segment limit, and the inner
;   stack taken from the TSS must be a usable stack for the new ring.
;
; Every check prints "PASS name" / "FAIL name expected ... got ..." on port
; 0xE9, and the run ends with "DONE n passed m failed".
; =============================================================================

%include "pmtest.inc"

USER_SP16       equ     0xF000          ; ring-3 stack for the 16-bit gate test
SMALL_BASE      equ     SCRATCH         ; SEL_SMALL: code copied to RAM here
SMALL_LIMIT     equ     0xFFF           ; its (byte-granular) limit
%define R_SMALL(x) ((x) - small_code)   ; offset of a small_code label in SEL_SMALL

        GDT_BEGIN
; ring-0 and ring-3 32-bit code whose base is the ROM (offsets = R16(label)),
; needed where a 16-bit gate can only hold/push a 16-bit offset
        DESC    SEL_KCODE_F, ROM_BASE, 0xFFFF, ACC_KCODE, F_D
        DESC    SEL_UCODE_F, ROM_BASE, 0xFFFF, ACC_UCODE, F_D
; conforming execute/read code, flat, DPL 0 and DPL 3
        DESC    SEL_CONF0, 0, 0xFFFFF, ACC_P|ACC_DPL0|ACC_S|T_CODE_XR_CONF, F_FLAT
        DESC    SEL_CONF3, 0, 0xFFFFF, ACC_P|ACC_DPL3|ACC_S|T_CODE_XR_CONF, F_FLAT
; a not-present ring-0 code segment
        DESC    SEL_NPCODE, 0, 0xFFFFF, ACC_DPL0|ACC_S|T_CODE_XR, F_FLAT
; call gates
;   32-bit, DPL 3 -> ring-0 code, 2 parameters
        GATE    SEL_CG32,    SEL_KCODE, cg32_handler, ACC_P|ACC_DPL3|T_CALLGATE32, 2
;   16-bit, DPL 3 -> ring-0 code (base ROM), 1 parameter (word)
        GATE_OFS SEL_CG16,   SEL_KCODE_F, R16(cg16_handler), ACC_P|ACC_DPL3|T_CALLGATE16, 1
;   32-bit, DPL 0 -> ring-0 code, no parameters
        GATE    SEL_CG_DPL0, SEL_KCODE, cg_ret_handler, ACC_P|ACC_DPL0|T_CALLGATE32, 0
;   32-bit, DPL 3, NOT present
        GATE    SEL_CG_NP,   SEL_KCODE, cg_ret_handler, ACC_DPL3|T_CALLGATE32, 0
;   32-bit, DPL 3 -> not-present code segment
        GATE    SEL_CG_NPCS, SEL_NPCODE, cg_ret_handler, ACC_P|ACC_DPL3|T_CALLGATE32, 0
;   32-bit, DPL 0 -> ring-3 code (calling "outward" is illegal)
        GATE    SEL_CG_OUT,  SEL_UCODE | 3, r3_gate_target, ACC_P|ACC_DPL0|T_CALLGATE32, 0
;   32-bit, DPL 3 -> ring-3 code (same privilege: no stack switch)
        GATE    SEL_CG_R3,   SEL_UCODE | 3, r3_gate_target, ACC_P|ACC_DPL3|T_CALLGATE32, 0
;   32-bit, DPL 3 -> ring-0 code, no parameters (inner-stack tests)
        GATE    SEL_CG_R0,   SEL_KCODE, cg_ret_handler, ACC_P|ACC_DPL3|T_CALLGATE32, 0
; descriptors that are not code: an LDT descriptor and an interrupt-gate type
; in the GDT (neither may be the target of a far JMP/CALL)
        DESC    SEL_LDT_D, LDT_BASE, 0xFF, ACC_P|ACC_DPL0|T_LDT, 0
        GATE    SEL_IG_GDT,  SEL_KCODE, r3_exit, ACC_P|ACC_DPL0|T_INTGATE32, 0
;   call gates (DPL 3) whose target is not code: data, null, a system segment
        GATE    SEL_CG_DATA, SEL_KDATA, cg_ret_handler, ACC_P|ACC_DPL3|T_CALLGATE32, 0
        GATE_OFS SEL_CG_NULL, SEL_NULL, 0, ACC_P|ACC_DPL3|T_CALLGATE32, 0
        GATE_OFS SEL_CG_SYS, SEL_LDT_D, 0, ACC_P|ACC_DPL3|T_CALLGATE32, 0
; a 32-bit ring-0 code segment in RAM with a small limit (0xFFF bytes)
        DESC    SEL_SMALL, SMALL_BASE, SMALL_LIMIT, ACC_KCODE, F_D
;   call gate (DPL 0) to an offset beyond that limit
        GATE_OFS SEL_CG_LIMIT, SEL_SMALL, 0x2000, ACC_P|ACC_DPL0|T_CALLGATE32, 0
; candidate inner stacks (TSS.SS0) that are no good for ring 0
        DESC    SEL_RODATA0, 0, 0xFFFFF, ACC_P|ACC_DPL0|ACC_S|T_DATA_RO, F_FLAT
        DESC    SEL_NPDATA0, 0, 0xFFFFF, ACC_DPL0|ACC_S|T_DATA_RW, F_FLAT
        GDT_END

; variables
cg_esp          equ     scratch_vars + 0        ; ESP seen by the gate handler
cg_ss           equ     scratch_vars + 4
cg_cs           equ     scratch_vars + 8
cg_hits         equ     scratch_vars + 12
cg_frame        equ     scratch_vars + 16       ; 6 dwords copied from [ESP]
st_vec          equ     scratch_vars + 40       ; event seen by stack_catch
st_err          equ     scratch_vars + 44
st_eip          equ     scratch_vars + 48
st_cs           equ     scratch_vars + 52
cm_hits         equ     scratch_vars + 56       ; cg_memo_handler's count
cm_param        equ     scratch_vars + 60       ; the parameter it saw last

; EXPECT_FAULT_AT cs, eip, vector, errcode, instruction
;   Like EXPECT_FAULT, but the exception is expected at cs:eip -- code the
;   instruction transferred to -- not at the instruction itself.
%macro EXPECT_FAULT_AT 5+
        ARM_PUSHED %%fault
        %5
        jmp     %%check
%%fault:
        lea     esp, [esp+4]
%%check:
        mov     dword [exp_cs], %1
        CHECK_FAULT (%3), (%4), (%2)
%endmacro

; INNER_STACK vector, errcode, ss0
;   Put ss0 into TSS.SS0 and run r3_cg_r0 (ring 3: CALL through SEL_CG_R0 to
;   ring 0).  While SS0 is broken a fault at ring 3 cannot be delivered to a
;   ring-0 handler (that needs SS0 too, and would end in a triple fault), so
;   #TS and #SS go to stack_catch, which runs at ring 3 (see there).  Then
;   check that exception `vector` with `errcode` was raised at the CALL
;   (NONE: no exception, the gate was used).
%macro INNER_STACK 3
        mov     dword [st_vec], NONE
        mov     dword [cg_hits], 0
        mov     dword [TSS_BASE + 0x08], %3
        call    catch_stack_faults
        RUN_R3  r3_cg_r0
        mov     dword [TSS_BASE + 0x08], SEL_KDATA
        call    restore_idt
        call    copy_stack_event
        CHECK_FAULT (%1), (%2), r3_cg_r0
%endmacro

tests_main:
; =============================================================================
; 1. 32-bit call gate, ring 3 -> ring 0, two parameters
; =============================================================================
        ; Rule: CALL through a call gate whose DPL >= CPL to a more privileged
        ; non-conforming segment switches to SS0:ESP0 from the TSS, copies
        ; "param count" dwords, and pushes old SS, ESP, CS, EIP (32-bit gate:
        ; dword pushes).  The handler returns with RETF 8.
        TEST    "cg32-r3-to-r0-no-fault"
        RUN_R3  r3_cg32
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "cg32-handler-cs", [cg_cs], SEL_KCODE
        CHECK_EQ "cg32-handler-ss-is-ss0", [cg_ss], SEL_KDATA
        CHECK_EQ "cg32-handler-esp-is-esp0-24", [cg_esp], RING0_STACK_TOP - 24
        CHECK_EQ "cg32-frame-eip", [cg_frame + 0], r3_cg32.ret_addr
        CHECK_EQ "cg32-frame-cs", [cg_frame + 4], SEL_UCODE | 3
        CHECK_EQ "cg32-frame-param2", [cg_frame + 8], 0x22222222
        CHECK_EQ "cg32-frame-param1", [cg_frame + 12], 0x11111111
        CHECK_EQ "cg32-frame-old-esp", [cg_frame + 16], USER_STACK_TOP - 8
        CHECK_EQ "cg32-frame-old-ss", [cg_frame + 20], SEL_UDATA | 3
        ; Rule: RETF 8 back to ring 3 restores SS:ESP and drops the params
        ; from the outer stack as well.
        CHECK_EQ "cg32-ret-cs", [fault_cs], SEL_UCODE | 3
        CHECK_EQ "cg32-ret-ss", [fault_ss], SEL_UDATA | 3
        CHECK_EQ "cg32-ret-esp", [fault_esp], USER_STACK_TOP
        ; Rule: on a return to an outer ring, DS/ES/FS/GS holding a data (or
        ; non-conforming code) segment with DPL < new CPL become null; others
        ; (a DPL-3 data segment, a conforming code segment) are kept.
        CHECK_EQ "cg32-ret-ds-dpl0-nulled", [fault_ds], 0
        CHECK_EQ "cg32-ret-es-dpl3-kept", [fault_es], SEL_UDATA | 3
        CHECK_EQ "cg32-ret-fs-conforming-kept", [fault_fs], SEL_CONF0

; =============================================================================
; 2. 16-bit call gate
; =============================================================================
        ; Rule: a 16-bit call gate pushes 16-bit values (IP, CS, SP, SS) and
        ; copies "param count" *words*; the offset it holds is 16 bits.  The
        ; caller runs in a ring-3 segment based at the ROM so that its return
        ; IP fits in 16 bits.
        TEST    "cg16-r3-to-r0-no-fault"
        mov     dword [user_cs], SEL_UCODE_F | 3
        mov     dword [user_esp], USER_SP16
        RUN_R3  R16(r3_cg16)
        CHECK_FAULT NONE, ANY, ANY
        call    reset_user_ctx
        CHECK_EQ "cg16-handler-cs", [cg_cs], SEL_KCODE_F
        CHECK_EQ "cg16-handler-esp-is-esp0-10", [cg_esp], RING0_STACK_TOP - 10
        CHECK_EQ "cg16-frame-ip", [cg_frame + 0], R16(r3_cg16.ret_addr)
        CHECK_EQ "cg16-frame-cs", [cg_frame + 4], SEL_UCODE_F | 3
        CHECK_EQ "cg16-frame-param", [cg_frame + 8], 0x3333
        CHECK_EQ "cg16-frame-old-sp", [cg_frame + 12], USER_SP16 - 2
        CHECK_EQ "cg16-frame-old-ss", [cg_frame + 16], SEL_UDATA | 3
        CHECK_EQ "cg16-ret-cs", [fault_cs], SEL_UCODE_F | 3
        CHECK_EQ "cg16-ret-esp", [fault_esp], USER_SP16

; =============================================================================
; 3. Call gate privilege and presence checks
; =============================================================================
        ; Rule: a gate with DPL 0 is usable from ring 0 (RPL 0).
        TEST    "cg-dpl0-from-r0-ok"
        mov     dword [cg_hits], 0
        EXPECT_NO_FAULT call SEL_CG_DPL0:0
        CHECK_EQ "cg-dpl0-from-r0-reached", [cg_hits], 1

        ; Rule: gate DPL must be >= CPL: from ring 3 -> #GP(gate selector).
        TEST    "cg-dpl0-from-r3-gp"
        EXPECT_FAULT_R3 13, SEL_CG_DPL0, call SEL_CG_DPL0 | 3:0

        ; Rule: ... and >= RPL: ring 0 with selector RPL 3 -> #GP(gate sel).
        TEST    "cg-dpl0-rpl3-gp"
        EXPECT_FAULT 13, SEL_CG_DPL0, call SEL_CG_DPL0 | 3:0

        ; Rule: a not-present gate -> #NP(gate selector).
        TEST    "cg-not-present-np"
        EXPECT_FAULT_R3 11, SEL_CG_NP, call SEL_CG_NP | 3:0

        ; Rule: the gate is fine but its code segment is not present
        ; -> #NP(code segment selector).
        TEST    "cg-code-not-present-np"
        EXPECT_FAULT_R3 11, SEL_NPCODE, call SEL_CG_NPCS | 3:0

        ; Rule: a call gate may not lead to a *less* privileged segment:
        ; target DPL 3 > CPL 0 -> #GP(code segment selector).
        TEST    "cg-to-outer-ring-gp"
        EXPECT_FAULT 13, SEL_UCODE, call SEL_CG_OUT:0

        ; Rule: a gate to code of the same privilege works like a far call:
        ; no stack switch (the target sees the caller's ESP minus CS:EIP).
        TEST    "cg-same-ring-no-switch"
        RUN_R3  r3_cg_same
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "cg-same-ring-esp", [fault_edx], USER_STACK_TOP - 8
        CHECK_EQ "cg-same-ring-ss", [fault_ecx], SEL_UDATA | 3

        ; Rule: JMP through a call gate cannot raise privilege: target must
        ; have DPL = CPL (non-conforming) -> #GP(code segment selector).
        TEST    "cg-jmp-to-inner-gp"
        EXPECT_FAULT_R3 13, SEL_KCODE, jmp SEL_CG32 | 3:0

; =============================================================================
; 4. Direct far JMP/CALL privilege rules
; =============================================================================
        ; Rule: non-conforming code with DPL = CPL and RPL <= CPL is OK.
        TEST    "jmp-same-dpl-ok"
        EXPECT_NO_FAULT jmp SEL_KCODE:$+7       ; 7 = length of this JMP
        ; Rule: non-conforming code needs DPL = CPL: ring 3 -> DPL 0 -> #GP.
        TEST    "r3-jmp-kcode-gp"
        EXPECT_FAULT_R3 13, SEL_KCODE, jmp SEL_KCODE:r3_exit

        ; Rule: ... ring 0 -> DPL 3 non-conforming -> #GP(sel), JMP or CALL.
        TEST    "r0-jmp-ucode-gp"
        EXPECT_FAULT 13, SEL_UCODE, jmp SEL_UCODE | 3:r3_exit
        TEST    "r0-call-ucode-gp"
        EXPECT_FAULT 13, SEL_UCODE, call SEL_UCODE | 3:r3_exit

        ; Rule: non-conforming code also needs RPL <= CPL.
        TEST    "r0-jmp-kcode-rpl3-gp"
        EXPECT_FAULT 13, SEL_KCODE, jmp SEL_KCODE | 3:r3_exit

        ; Rule: a conforming segment with DPL <= CPL may be entered from
        ; ring 3; CPL stays 3, so CS reads SEL_CONF0 | 3 (RPL := CPL).
        TEST    "r3-jmp-conforming-ok"
        EXPECT_NO_FAULT_R3 jmp SEL_CONF0:r3_exit
        CHECK_EQ "r3-jmp-conforming-cpl3", [fault_cs], SEL_CONF0 | 3

        ; Rule: conforming code needs DPL <= CPL: DPL 3 from ring 0 -> #GP.
        TEST    "r0-jmp-conforming-dpl3-gp"
        EXPECT_FAULT 13, SEL_CONF3, jmp SEL_CONF3:r3_exit

; =============================================================================
; 5. Far RET privilege rules
; =============================================================================
        ; Rule: RETF to an outer ring (RPL of the return CS > CPL) pops CS,
        ; EIP, then ESP, SS.  DS (holding DPL-0 data) becomes null.
        TEST    "retf-r0-to-r3-ok"
        push    dword SEL_UDATA | 3
        push    dword USER_STACK_TOP - 0x100
        push    dword SEL_UCODE | 3
        push    dword r3_exit
        EXPECT_NO_FAULT retf
        add     esp, 16
        CHECK_EQ "retf-r0-to-r3-cs", [fault_cs], SEL_UCODE | 3
        CHECK_EQ "retf-r0-to-r3-esp", [fault_esp], USER_STACK_TOP - 0x100
        CHECK_EQ "retf-r0-to-r3-ds-nulled", [fault_ds], 0

        ; Rule: RETF may never return to an inner ring: return CS RPL 0 <
        ; CPL 3 -> #GP(return CS selector).
        ; The ring-3 stack is prepared with CS = SEL_KCODE (RPL 0) : r3_exit.
        TEST    "retf-r3-to-r0-gp"
        mov     dword [USER_STACK_TOP - 8], r3_exit
        mov     dword [USER_STACK_TOP - 4], SEL_KCODE
        mov     dword [user_esp], USER_STACK_TOP - 8
        EXPECT_FAULT_R3 13, SEL_KCODE, retf
        CHECK_EQ "retf-r3-to-r0-esp-kept", [fault_esp], USER_STACK_TOP - 8
        call    reset_user_ctx

        ; Rule (SDM vol. 2, RET "RETURN-TO-OUTER/SAME-PRIVILEGE-LEVEL"): the
        ; return CS must be a code segment, and a non-conforming one needs
        ; DPL = RPL of the return selector, else #GP(return CS selector).
        ; Ring 0 returning to SEL_KCODE | 3: RPL 3 > CPL (an outer return)
        ; but the segment's DPL is 0 -> #GP(SEL_KCODE).
        TEST    "retf-rpl3-to-dpl0-code-gp"
        push    dword SEL_UDATA | 3
        push    dword USER_STACK_TOP - 0x100
        push    dword SEL_KCODE | 3
        push    dword r3_exit
        EXPECT_FAULT 13, SEL_KCODE, retf
        add     esp, 16

        ; Rule: for a conforming return CS, DPL <= RPL is enough: DPL-0
        ; conforming code with RPL 3 returns to ring 3 (CS = SEL_CONF0 | 3).
        TEST    "retf-rpl3-to-conforming-dpl0-ok"
        push    dword SEL_UDATA | 3
        push    dword USER_STACK_TOP - 0x100
        push    dword SEL_CONF0 | 3
        push    dword r3_exit
        EXPECT_NO_FAULT retf
        add     esp, 16
        CHECK_EQ "retf-rpl3-to-conforming-cs", [fault_cs], SEL_CONF0 | 3

        ; Rule: a data segment is never a return CS -> #GP(selector).
        TEST    "retf-to-data-seg-gp"
        push    dword SEL_KDATA
        push    dword r3_exit
        EXPECT_FAULT 13, SEL_KDATA, retf
        add     esp, 8

        ; Rule (SDM vol. 2, RET "PROTECTED-MODE"): a null return CS selector
        ; -> #GP(0), before any privilege check.
        TEST    "retf-null-cs-gp0"
        push    dword 0
        push    dword r3_exit
        EXPECT_FAULT 13, 0, retf
        add     esp, 8

; =============================================================================
; 6. Far JMP/CALL targets that are not code
; =============================================================================
        ; Rule (SDM vol. 2, JMP/CALL "far jump/call in protected mode"): a
        ; null selector -> #GP(0); a descriptor that is neither a code
        ; segment, a call gate, a task gate nor a TSS -> #GP(selector).
        TEST    "r0-jmp-null-sel-gp"
        EXPECT_FAULT 13, 0, jmp SEL_NULL:r3_exit
        TEST    "r0-jmp-data-seg-gp"
        EXPECT_FAULT 13, SEL_KDATA, jmp SEL_KDATA:r3_exit
        TEST    "r0-call-data-seg-gp"
        EXPECT_FAULT 13, SEL_KDATA, call SEL_KDATA:r3_exit
        TEST    "r3-jmp-data-seg-gp"
        EXPECT_FAULT_R3 13, SEL_UDATA, jmp SEL_UDATA | 3:r3_exit
        TEST    "r0-jmp-ldt-desc-gp"
        EXPECT_FAULT 13, SEL_LDT_D, jmp SEL_LDT_D:r3_exit
        TEST    "r0-call-intgate-in-gdt-gp"
        EXPECT_FAULT 13, SEL_IG_GDT, call SEL_IG_GDT:r3_exit

        ; Rule (SDM vol. 3, 5.8.4; vol. 2 CALL "CALL-GATE"): the selector in
        ; a call gate must not be null (#GP(0)) and must name a code
        ; segment, else #GP(code segment selector) -- also for JMP.
        TEST    "cg-target-data-r3-call-gp"
        EXPECT_FAULT_R3 13, SEL_KDATA, call SEL_CG_DATA | 3:0
        TEST    "cg-target-data-r0-jmp-gp"
        EXPECT_FAULT 13, SEL_KDATA, jmp SEL_CG_DATA:0
        TEST    "cg-target-null-gp"
        EXPECT_FAULT_R3 13, 0, call SEL_CG_NULL | 3:0
        TEST    "cg-target-ldt-desc-gp"
        EXPECT_FAULT 13, SEL_LDT_D, call SEL_CG_SYS:0

; =============================================================================
; 7. The new EIP must lie within the code segment limit
; =============================================================================
        ; SEL_SMALL: ring-0 32-bit code, base SMALL_BASE, limit 0xFFF.  Its
        ; code is copied from small_code; offset 0xFFF holds a RETF, 0x1000
        ; and 0x2000 a UD2 (so a missed limit check shows up as #UD).
        mov     esi, small_code
        mov     edi, SMALL_BASE
        mov     ecx, small_code_end - small_code
        rep     movsb
        mov     byte [SMALL_BASE + SMALL_LIMIT], 0xCB           ; RETF
        mov     word [SMALL_BASE + SMALL_LIMIT + 1], 0x0B0F     ; UD2
        mov     word [SMALL_BASE + 0x2000], 0x0B0F              ; UD2

        ; Rule (SDM vol. 2, JMP/CALL/RET): EIP up to the limit is fine ...
        TEST    "far-call-small-seg-ok"
        EXPECT_NO_FAULT call SEL_SMALL:0
        TEST    "far-call-at-limit-ok"
        EXPECT_NO_FAULT call SEL_SMALL:SMALL_LIMIT
        ; ... beyond it -> #GP(0), raised by the transfer itself.
        TEST    "far-call-limit-plus-1-gp"
        EXPECT_FAULT 13, 0, call SEL_SMALL:SMALL_LIMIT + 1
        TEST    "far-jmp-beyond-limit-gp"
        EXPECT_FAULT 13, 0, jmp SEL_SMALL:0x2000
        TEST    "callgate-beyond-limit-gp"
        EXPECT_FAULT 13, 0, call SEL_CG_LIMIT:0
        TEST    "retf-beyond-limit-gp"
        push    dword SEL_SMALL
        push    dword 0x2000
        EXPECT_FAULT 13, 0, retf
        add     esp, 8
        ; Rule (SDM vol. 2, JMP near): the same for a near JMP inside
        ; SEL_SMALL: within the limit it works, to 0x2000 it is #GP(0) at
        ; the JMP.
        TEST    "near-jmp-within-limit-ok"
        EXPECT_NO_FAULT call SEL_SMALL:R_SMALL(small_code.near_ok)
        TEST    "near-jmp-beyond-limit-gp"
        EXPECT_FAULT_AT SEL_SMALL, R_SMALL(small_code.near_bad), 13, 0, call SEL_SMALL:R_SMALL(small_code.near_bad)

; =============================================================================
; 8. The inner stack taken from the TSS
; =============================================================================
        ; Rule (SDM vol. 3, 5.8.5; vol. 2 CALL "MORE-PRIVILEGE"): a CALL
        ; through a gate to an inner ring loads SS:ESP for that ring from the
        ; TSS.  SS null -> #TS(0); SS RPL or DPL != new CPL, or not a
        ; writable data segment -> #TS(SS selector); not present ->
        ; #SS(SS selector).  The good case first, through the same path.
        TEST    "inner-stack-ss0-ok"
        INNER_STACK NONE, ANY, SEL_KDATA
        CHECK_EQ "inner-stack-ss0-ok-reached", [cg_hits], 1
        TEST    "inner-stack-ss0-null-ts"
        INNER_STACK 10, 0, SEL_NULL
        TEST    "inner-stack-ss0-readonly-ts"
        INNER_STACK 10, SEL_RODATA0, SEL_RODATA0
        TEST    "inner-stack-ss0-dpl3-ts"
        INNER_STACK 10, SEL_UDATA, SEL_UDATA
        TEST    "inner-stack-ss0-rpl3-ts"
        INNER_STACK 10, SEL_KDATA, SEL_KDATA | 3
        TEST    "inner-stack-ss0-code-ts"
        INNER_STACK 10, SEL_KCODE, SEL_KCODE
        TEST    "inner-stack-ss0-not-present-ss"
        INNER_STACK 12, SEL_NPDATA0, SEL_NPDATA0

; =============================================================================
; The same call gate again after its descriptor changed
; =============================================================================
        ; Rule: every CALL through a gate reads the gate descriptor as it is
        ; now. Ring 3 calls SEL_CG32 twice, moves the gate's offset to
        ; cg_memo_handler and calls it again.
        TEST    "cg-after-gate-rewritten"
        mov     dword [cm_hits], 0
        mov     dword [cm_param], 0
        RUN_R3  r3_cg_rewritten
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "cg-after-rewrite-new-handler", [cm_hits], 1
        CHECK_EQ "cg-after-rewrite-parameter", [cm_param], 0x44444444

        ; Rule: a RETF to an outer level checks the returned SS's descriptor as
        ; it is now. Ring 3 calls SEL_CG_R0 twice, makes the descriptor of its
        ; own stack segment read-only and calls it again: that RETF raises
        ; #GP(SS selector).
        TEST    "retf-outer-ss-made-read-only-gp"
        RUN_R3  r3_ret_rewritten
        or      byte [GDT_BASE + SEL_UDATA + 5], 2      ; writable again
        mov     dword [exp_cs], SEL_KCODE               ; the RETF runs at ring 0
        CHECK_FAULT 13, SEL_UDATA, cg_ret_handler.retf

        FINISH

; =============================================================================
; Ring-3 code and gate handlers
; =============================================================================

; Ring 3: call the 32-bit gate with two dword parameters.
r3_cg32:
        push    dword 0x11111111                ; param 1
        push    dword 0x22222222                ; param 2
        call    SEL_CG32 | 3:0                  ; offset ignored for gates
.ret_addr:
        int     EXIT_VEC

; Ring 3: call the 32-bit gate twice, then once more after rewriting the
; gate's offset in the GDT through the flat user data segment (put back after).
r3_cg_rewritten:
        push    dword 0x11111111
        push    dword 0x22222222
        call    SEL_CG32 | 3:0
        push    dword 0x11111111
        push    dword 0x22222222
        call    SEL_CG32 | 3:0
        mov     ax, SEL_UDATA | 3
        mov     ds, ax                          ; cg32_handler's RETF nulled it
        mov     word [GDT_BASE + SEL_CG32], LIN(cg_memo_handler) & 0xFFFF
        push    dword 0x33333333
        push    dword 0x44444444
        call    SEL_CG32 | 3:0
        mov     word [GDT_BASE + SEL_CG32], LIN(cg32_handler) & 0xFFFF
        int     EXIT_VEC

; Ring 0 (via SEL_CG32 rewritten): count, keep the second parameter, return.
cg_memo_handler:
        inc     dword [ss:cm_hits]
        mov     eax, [esp + 8]
        mov     [ss:cm_param], eax
        retf    8

; Ring 0 (via SEL_CG32): record what the CPU built, load DPL-0 data into DS
; and a conforming code segment into FS, then return to ring 3.
cg32_handler:
        mov     [ss:cg_esp], esp
        mov     [ss:cg_ss], ss
        mov     [ss:cg_cs], cs
        mov     eax, [esp]
        mov     [ss:cg_frame + 0], eax
        mov     eax, [esp + 4]
        mov     [ss:cg_frame + 4], eax
        mov     eax, [esp + 8]
        mov     [ss:cg_frame + 8], eax
        mov     eax, [esp + 12]
        mov     [ss:cg_frame + 12], eax
        mov     eax, [esp + 16]
        mov     [ss:cg_frame + 16], eax
        mov     eax, [esp + 20]
        mov     [ss:cg_frame + 20], eax
        mov     ax, SEL_KDATA
        mov     ds, ax                          ; DPL 0: nulled by the RETF
        mov     ax, SEL_CONF0
        mov     fs, ax                          ; conforming: survives
        retf    8

; Ring 3, running in SEL_UCODE_F (base = ROM): call the 16-bit gate with one
; word parameter.
r3_cg16:
        push    word 0x3333
        call    SEL_CG16 | 3:0
.ret_addr:
        int     EXIT_VEC

; Ring 0 in SEL_KCODE_F (base = ROM): the frame is five words.
cg16_handler:
        mov     [ss:cg_esp], esp
        mov     [ss:cg_cs], cs
        movzx   eax, word [esp]
        mov     [ss:cg_frame + 0], eax          ; IP
        movzx   eax, word [esp + 2]
        mov     [ss:cg_frame + 4], eax          ; CS
        movzx   eax, word [esp + 4]
        mov     [ss:cg_frame + 8], eax          ; the parameter
        movzx   eax, word [esp + 6]
        mov     [ss:cg_frame + 12], eax         ; SP
        movzx   eax, word [esp + 8]
        mov     [ss:cg_frame + 16], eax         ; SS
        o16 retf 2                              ; 16-bit far return, 1 param

; Ring 0 via SEL_CG_DPL0: count and return (same privilege).
cg_ret_handler:
        inc     dword [ss:cg_hits]
.retf:
        retf

; Ring 3: call SEL_CG_R0 twice, then once more after clearing W in the
; descriptor of its own stack segment (through the flat user data segment).
r3_ret_rewritten:
        call    SEL_CG_R0 | 3:0
        call    SEL_CG_R0 | 3:0
        and     byte [GDT_BASE + SEL_UDATA + 5], 0xFD
        call    SEL_CG_R0 | 3:0
        int     EXIT_VEC

; Ring 3: call a DPL-3 gate to ring-3 code.
r3_cg_same:
        call    SEL_CG_R3 | 3:0
        int     EXIT_VEC

; Ring 3 target of SEL_CG_R3: report ESP/SS in EDX/ECX and return.
r3_gate_target:
        mov     edx, esp
        xor     ecx, ecx
        mov     cx, ss
        retf

; Ring 3: just leave.
r3_exit:
        int     EXIT_VEC

; Ring 3: CALL through SEL_CG_R0 (to cg_ret_handler, which RETFs back).
r3_cg_r0:
        call    SEL_CG_R0 | 3:0
        int     EXIT_VEC

; catch_stack_faults: point IDT vectors 10 (#TS) and 12 (#SS) at
; stack_catch through the conforming DPL-0 segment SEL_CONF0.  A conforming
; handler runs at the CPL of the faulting code (here 3) on its own stack, so
; delivering the fault does not need the (broken) SS0.  restore_idt undoes it.
catch_stack_faults:
        pushad
        mov     eax, 10
        mov     ebx, stack_catch.ts
        mov     ecx, ACC_P|ACC_DPL0|T_INTGATE32
        call    set_idt_gate
        mov     word [IDT_BASE + 10*8 + 2], SEL_CONF0
        mov     eax, 12
        mov     ebx, stack_catch.ss
        call    set_idt_gate
        mov     word [IDT_BASE + 12*8 + 2], SEL_CONF0
        popad
        ret

; Runs at CPL 3 (CS = SEL_CONF0 | 3, DS = SS = flat user data): record the
; event, repair TSS.SS0 so that ring 0 can be entered again, leave through
; EXIT_VEC.
stack_catch:
.ts:
        mov     dword [st_vec], 10
        jmp     .common
.ss:
        mov     dword [st_vec], 12
.common:
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

; Code for SEL_SMALL (base SMALL_BASE, limit 0xFFF), copied there at run
; time; offsets inside the segment are R_SMALL(label).
small_code:
        retf                                    ; offset 0: far CALL target
.near_ok:
        jmp     near .near_ok_target            ; within the limit
        ud2
.near_ok_target:
        retf
.near_bad:
        jmp     near small_code + 0x2000        ; offset 0x2000 > limit
small_code_end:

        ROM_END
