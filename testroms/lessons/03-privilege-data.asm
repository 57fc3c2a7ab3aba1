; =============================================================================
; Lesson 3 -- CPL, DPL and RPL on data-segment loads
;                                                (docs/lessons/03-privilege-data.md)
;
; Three privilege numbers meet when a segment register is loaded:
;   CPL  the current privilege level: the low two bits of CS (and SS);
;   DPL  the descriptor's privilege level: who may use the segment;
;   RPL  the low two bits of the selector: the privilege of whoever *asked*.
; DS/ES/FS/GS accept a data (or readable non-conforming code) segment only if
; DPL >= CPL and DPL >= RPL (SDM vol. 3, 5.6): numerically larger = less
; privileged, so the effective privilege is max(CPL, RPL).  SS is stricter:
; RPL = CPL and DPL = CPL (SDM 5.7).  ARPL lets a kernel raise a selector's
; RPL to its caller's CPL, so that the caller cannot borrow the kernel's
; privilege.
;
; Set-up (testroms/pmtest.inc): 32-bit protected mode at ring 0, an IDT that
; records each exception and resumes the lesson; RUN_R3 runs code at ring 3
; (or ring 1, with another CS/SS) until it executes INT 30h or faults.
;
; Marks (labels the walk-through stops at; `pcemu lesson 3`):
;   r3_read_cpl       ring 3: MOV AX,CS -- CPL is CS's RPL
;   r3_load_d3        ring 3 loads DPL-3 data: allowed
;   r3_load_d0        ring 3 loads DPL-0 data: #GP(selector)
;   r3_load_d2_rpl0   RPL 0 does not help ring 3: #GP(selector)
;   r1_load_d1        ring 1 loads DPL-1 data: allowed
;   r1_load_d0        ring 1 loads DPL-0 data: #GP(selector)
;   r0_load_d3        ring 0 may load DPL-3 data
;   r0_load_rpl3      ring 0 with RPL 3 acts as ring 3: #GP(selector)
;   r3_call_service   ring 3 asks a ring-0 service to write through DPL-0 data
;   service_arpl      the service applies ARPL with the caller's CS
;   service_load      ... and the load fails as it would for the caller
;   r0_ss_dpl3        SS needs DPL = CPL: #GP(selector)
;   r0_ss_rpl3        SS needs RPL = CPL: #GP(selector)
;   r0_ss_null        SS may never be null: #GP(0)
;   r0_ss_ro          SS needs writable data: read-only -> #GP(selector)
;   r0_ss_np          a not-present stack segment: #SS(selector)
;   r3_null_use       ring 3: a null DS loads, using it faults #GP(0)
;   r3_np_dpl0        not present AND too privileged: #GP first
;   r3_np_dpl3        not present, privilege fine: #NP(selector)
;   r3_conforming     ring 3 reads a conforming DPL-0 code segment via DS
;
; Output: "PASS name" / "FAIL name expected ... got ..." per check on port
; 0xE9, then "DONE n passed m failed".  Assemble with testroms/build.sh.
; =============================================================================

%include "pmtest.inc"
%include "lesson.inc"

R1_STACK_TOP    equ     0x58000         ; ring-1 stack
SERVICE_BUF     equ     0x12000         ; what the service writes

        GDT_BEGIN
; flat read/write data at each privilege level
        DESC    SEL_D0,     0, 0xFFFFF, ACC_P|ACC_DPL0|ACC_S|T_DATA_RW, F_FLAT
        DESC    SEL_D1,     0, 0xFFFFF, ACC_P|ACC_DPL1|ACC_S|T_DATA_RW, F_FLAT
        DESC    SEL_D2,     0, 0xFFFFF, ACC_P|ACC_DPL2|ACC_S|T_DATA_RW, F_FLAT
        DESC    SEL_D3,     0, 0xFFFFF, ACC_P|ACC_DPL3|ACC_S|T_DATA_RW, F_FLAT
; ring-1 code (32-bit, flat)
        DESC    SEL_R1CODE, 0, 0xFFFFF, ACC_P|ACC_DPL1|ACC_S|T_CODE_XR, F_FLAT
; read-only data, DPL 0 (not a stack)
        DESC    SEL_RO0,    0, 0xFFFFF, ACC_P|ACC_DPL0|ACC_S|T_DATA_RO, F_FLAT
; not present: DPL 0 and DPL 3
        DESC    SEL_NP0,    0, 0xFFFFF, ACC_DPL0|ACC_S|T_DATA_RW, F_FLAT
        DESC    SEL_NP3,    0, 0xFFFFF, ACC_DPL3|ACC_S|T_DATA_RW, F_FLAT
; conforming execute/read code, DPL 0
        DESC    SEL_CONF0,  0, 0xFFFFF, ACC_P|ACC_DPL0|ACC_S|T_CODE_XR_CONF, F_FLAT
; call gate, DPL 3 -> service (ring 0), one dword parameter
        GATE    SEL_SERVICE, SEL_KCODE, service, ACC_P|ACC_DPL3|T_CALLGATE32, 1
        GDT_END

r_cpl           equ     scratch_vars + 0        ; CPL read by ring-3/ring-1 code
r_ds            equ     scratch_vars + 4
r_zf            equ     scratch_vars + 8        ; ZF after ARPL
r_arpl          equ     scratch_vars + 12       ; the selector after ARPL
r_value         equ     scratch_vars + 16

tests_main:
        SAY     "lesson 3: CPL, DPL and RPL on data-segment loads"

; -----------------------------------------------------------------------------
; 1. Where CPL lives: the RPL field of CS.  Ring 0 runs with CS = 0008h,
;    ring 3 with CS = 001Bh (index 3, GDT, RPL 3).
; -----------------------------------------------------------------------------
        mov     ax, cs
        and     eax, 3
        CHECK_EQ "ring0-cs-rpl-is-cpl-0", eax, 0
        TEST    "ring3-runs"
        RUN_R3  r3_read_cpl
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "ring3-cs-rpl-is-cpl-3", [r_cpl], 3

; -----------------------------------------------------------------------------
; 2. DS/ES/FS/GS: DPL >= CPL and DPL >= RPL, else #GP(selector).
;    The error code is the selector with its RPL bits cleared: index and TI.
; -----------------------------------------------------------------------------
        TEST    "ring3-loads-dpl3-data"
        RUN_R3  r3_load_d3
        CHECK_FAULT NONE, ANY, ANY
        TEST    "ring3-loads-dpl0-data-gp"
        RUN_R3  r3_d0
        CHECK_FAULT 13, SEL_D0, r3_load_d0
        TEST    "ring3-rpl0-does-not-raise-privilege-gp"
        RUN_R3  r3_d2
        CHECK_FAULT 13, SEL_D2, r3_load_d2_rpl0

        ; Ring 1: CS = ring-1 code | 1, SS = DPL-1 data | 1.
        mov     dword [user_cs], SEL_R1CODE | 1
        mov     dword [user_ss], SEL_D1 | 1
        mov     dword [user_ds], SEL_D1 | 1
        mov     dword [user_esp], R1_STACK_TOP
        TEST    "ring1-loads-dpl1-and-dpl2-data"
        RUN_R3  r1_code
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "ring1-cs-rpl-is-cpl-1", [r_cpl], 1
        TEST    "ring1-loads-dpl0-data-gp"
        RUN_R3  r1_d0
        CHECK_FAULT 13, SEL_D0, r1_load_d0
        call    reset_user_ctx

        ; Ring 0 may use data of every level ...
        TEST    "ring0-loads-dpl3-data"
        NO_FAULT_AT r0_load_d3, mov es, [sel_d3_rpl0]
        ; ... but a selector with RPL 3 makes ring 0 act as ring 3.
        mov     ax, SEL_D0 | 3
        TEST    "ring0-with-rpl3-loads-dpl0-gp"
        FAULT_AT r0_load_rpl3, 13, SEL_D0, mov es, ax
        mov     ax, SEL_D2 | 2
        TEST    "ring0-rpl2-loads-dpl2"
        EXPECT_NO_FAULT mov es, ax
        mov     ax, SEL_D1 | 2
        TEST    "ring0-rpl2-cannot-load-dpl1-gp"
        EXPECT_FAULT 13, SEL_D1, mov es, ax
        mov     ax, SEL_KDATA
        mov     es, ax

; -----------------------------------------------------------------------------
; 3. Why RPL exists: a ring-3 program calls a ring-0 service through a call
;    gate and passes a selector for the buffer the service should fill.  It
;    passes SEL_D0 -- kernel data.  The service runs at CPL 0 and could load
;    it; ARPL raises the selector's RPL to the caller's CPL (the RPL of the
;    caller's CS, which the gate left on the stack), and the load then fails
;    exactly as it would have for the caller.  (Call gates: lesson 5.)
; -----------------------------------------------------------------------------
        TEST    "service-refuses-kernel-selector-from-ring3"
        RUN_R3  r3_call_service
        mov     dword [exp_cs], SEL_KCODE               ; it faults in the service
        CHECK_FAULT 13, SEL_D0, service_load
        CHECK_EQ "arpl-raised-rpl-to-3", [r_arpl], SEL_D0 | 3
        CHECK_EQ "arpl-set-zf", [r_zf], 1
        CHECK_EQ "service-wrote-nothing", [SERVICE_BUF], 0

; -----------------------------------------------------------------------------
; 4. SS is stricter (SDM 5.7): RPL = CPL, DPL = CPL, writable data, never
;    null.  A stack must be exactly at the current privilege level.  A
;    not-present stack segment raises #SS(selector), not #NP.
; -----------------------------------------------------------------------------
        mov     ax, SEL_D3
        TEST    "ring0-ss-dpl3-data-gp"
        FAULT_AT r0_ss_dpl3, 13, SEL_D3, mov ss, ax
        mov     ax, SEL_D0 | 3
        TEST    "ring0-ss-rpl3-gp"
        FAULT_AT r0_ss_rpl3, 13, SEL_D0, mov ss, ax
        xor     eax, eax
        TEST    "ring0-ss-null-gp0"
        FAULT_AT r0_ss_null, 13, 0, mov ss, ax
        mov     ax, SEL_RO0
        TEST    "ring0-ss-read-only-data-gp"
        FAULT_AT r0_ss_ro, 13, SEL_RO0, mov ss, ax
        mov     ax, SEL_NP0
        TEST    "ring0-ss-not-present-ss-not-np"
        FAULT_AT r0_ss_np, 12, SEL_NP0, mov ss, ax
        mov     ax, SEL_D0
        TEST    "ring0-ss-dpl0-rpl0-loads"
        EXPECT_NO_FAULT mov ss, ax
        mov     ax, SEL_KDATA
        mov     ss, ax

; -----------------------------------------------------------------------------
; 5. The null selector (index 0, TI 0, any RPL) may be loaded into DS/ES/FS/
;    GS at any CPL; the CPU marks the register unusable and any access
;    through it raises #GP(0).
; -----------------------------------------------------------------------------
        TEST    "ring3-null-ds-loads-but-use-gp0"
        RUN_R3  r3_null
        CHECK_FAULT 13, 0, r3_null_use

; -----------------------------------------------------------------------------
; 6. Order of the checks: privilege before presence.  A not-present DPL-0
;    segment gives ring 3 #GP(selector), a not-present DPL-3 one #NP.
; -----------------------------------------------------------------------------
        TEST    "ring3-np-dpl0-gp-before-np"
        RUN_R3  r3_np0
        CHECK_FAULT 13, SEL_NP0, r3_np_dpl0
        TEST    "ring3-np-dpl3-np"
        RUN_R3  r3_np3
        CHECK_FAULT 11, SEL_NP3, r3_np_dpl3

; -----------------------------------------------------------------------------
; 7. Conforming code has no DPL check for data loads (SDM 5.6): ring 3 may
;    read a conforming, readable DPL-0 code segment through DS.
; -----------------------------------------------------------------------------
        TEST    "ring3-reads-conforming-dpl0-code"
        RUN_R3  r3_conf
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "ring3-conforming-read-value", [r_value], 0x10101010

        FINISH

sel_d3_rpl0:    dw      SEL_D3
        align   4
conf_word:      dd      0x10101010

; -----------------------------------------------------------------------------
; Code that runs outside ring 0.  Each ends with INT 30h (back to ring 0).
; -----------------------------------------------------------------------------
r3_read_cpl:
        mov     ax, cs
        and     eax, 3
        mov     [r_cpl], eax
        int     EXIT_VEC

r3_load_d3:
        mov     ax, SEL_D3 | 3
        mov     es, ax                          ; DPL 3 >= CPL 3, RPL 3: fine
        int     EXIT_VEC

r3_d0:
        mov     ax, SEL_D0 | 3
r3_load_d0:
        mov     es, ax                          ; DPL 0 < CPL 3: #GP(0010h+...)
        int     EXIT_VEC

r3_d2:
        mov     ax, SEL_D2                      ; RPL 0, but CPL is still 3
r3_load_d2_rpl0:
        mov     es, ax                          ; #GP(SEL_D2)
        int     EXIT_VEC

r1_code:
        mov     ax, cs
        and     eax, 3
        mov     [r_cpl], eax
        mov     ax, SEL_D1 | 1
r1_load_d1:
        mov     es, ax                          ; DPL 1 >= CPL 1
        mov     ax, SEL_D2 | 1
        mov     es, ax                          ; DPL 2 >= CPL 1
        int     EXIT_VEC

r1_d0:
        mov     ax, SEL_D0 | 1
r1_load_d0:
        mov     es, ax                          ; DPL 0 < CPL 1: #GP
        int     EXIT_VEC

r3_call_service:
        push    dword SEL_D0                    ; "please fill this buffer"
        call    (SEL_SERVICE | 3):0
        int     EXIT_VEC

; The ring-0 service, entered through the call gate.  Its stack:
;   [esp] caller's EIP, [esp+4] caller's CS, [esp+8] the parameter,
;   [esp+12] caller's ESP, [esp+16] caller's SS.
service:
        mov     ax, [esp + 8]                   ; the selector from the caller
        mov     dx, [esp + 4]                   ; the caller's CS: RPL = its CPL
service_arpl:
        arpl    ax, dx                          ; RPL(AX) := max(RPL(AX), RPL(DX))
        setz    bl
        movzx   ebx, bl
        mov     [r_zf], ebx
        movzx   ecx, ax
        mov     [r_arpl], ecx
service_load:
        mov     es, ax                          ; SEL_D0|3 at CPL 0: #GP
        mov     dword [es:SERVICE_BUF], 0xBAD   ; (not reached)
        retf    4

r3_null:
        xor     eax, eax
        mov     ds, ax                          ; null: allowed
r3_null_use:
        mov     eax, [0]                        ; #GP(0)
        int     EXIT_VEC

r3_np0:
        mov     ax, SEL_NP0 | 3
r3_np_dpl0:
        mov     es, ax                          ; #GP(SEL_NP0), not #NP
        int     EXIT_VEC

r3_np3:
        mov     ax, SEL_NP3 | 3
r3_np_dpl3:
        mov     es, ax                          ; #NP(SEL_NP3)
        int     EXIT_VEC

r3_conf:
        mov     ax, SEL_CONF0 | 3
r3_conforming:
        mov     ds, ax                          ; conforming: no DPL check
        mov     eax, [conf_word]                ; base 0: the ROM's dword
        mov     bx, SEL_UDATA | 3
        mov     ds, bx
        mov     [r_value], eax
        int     EXIT_VEC

        ROM_END
