; =============================================================================
; Lesson 10 -- why the classic x86 is not virtualizable     (docs/lessons/10-virtualization.md)
;
; Popek and Goldberg (1974): a virtual machine monitor can run guests by
; "trap and emulate" -- run the guest deprivileged, let every privileged
; instruction trap to the monitor, emulate it -- if every *sensitive*
; instruction (one that reads or changes the machine's control state, or
; behaves differently depending on it) is *privileged* (traps when run
; outside the most privileged mode).  The classic x86 breaks the condition.
; A guest kernel moved to ring 1 (as VMware's and Xen's early monitors did)
; or guest user code at ring 3 can run these without any trap:
;     SGDT, SIDT, SLDT, STR, SMSW   read the monitor's GDTR, IDTR, LDTR, TR, CR0
;     PUSHF / POPF                 read the real IF/IOPL; POPF silently drops
;                                  changes to IF and IOPL
;     LAR, LSL, VERR, VERW         reveal descriptors' DPL, limits, rights
;     MOV r, CS / SS               the RPL shows the real CPL
; The monitor never sees them: nothing traps, so nothing can be emulated.
; (Binary translation and paravirtualization worked around this; VT-x and
; AMD-V fixed it in hardware in 2005-2006; UMIP in CR4 (2017) finally makes
; SGDT/SIDT/SLDT/SMSW/STR fault at CPL > 0.  The CPUs pcemu models have
; neither.)
;
; Set-up (testroms/pmtest.inc): the "monitor" is the ring-0 framework, with
; its GDT at 1000h, IDT at 2000h, TSS 0028h.  The "guest kernel" runs at
; ring 1 with its own code and data segments (the data segment truncated
; below 4 GiB - 4 MiB, as monitors did to protect themselves), IF = 1 and
; IOPL 0.  RUN_R3 runs the guest at ring 1 or 3; any trap returns to the
; monitor, which records it.
;
; Marks (labels the walk-through stops at; `pcemu lesson 10`):
;   r1_lgdt           guest kernel LGDT: privileged, traps #GP(0)   -- good
;   r1_mov_cr0        MOV CR0, EAX: traps #GP(0)                   -- good
;   r1_hlt            HLT: traps #GP(0)                            -- good
;   r1_cli            CLI (CPL 1 > IOPL 0): traps #GP(0)            -- good
;   r1_sgdt           SGDT: no trap, the monitor's GDTR             -- bad
;   r1_sidt           SIDT: no trap, the monitor's IDTR             -- bad
;   r1_sldt           SLDT: no trap                                 -- bad
;   r1_str            STR: no trap, the monitor's TSS               -- bad
;   r1_smsw           SMSW: no trap, CR0.PE and friends             -- bad
;   r1_popf           POPF clearing IF: no trap, IF stays 1         -- bad
;   r1_read_cs        MOV AX, CS: RPL 1, "I am not in ring 0"       -- bad
;   r1_lar            LAR: own code segment has DPL 1               -- bad
;   r1_lsl            LSL: the data segment's truncated limit       -- bad
;   r1_verr           VERR on the monitor's data: ZF = 0, no trap   -- bad
;   r3_sidt           ring 3 SIDT ("red pill"): no trap             -- bad
;
; Output: "PASS name" / "FAIL name expected ... got ..." per check on port
; 0xE9, then "DONE n passed m failed".  Assemble with testroms/build.sh.
; =============================================================================

%include "pmtest.inc"
%include "lesson.inc"

G1_STACK_TOP    equ     0x58000         ; the guest kernel's stack
G_LIMIT         equ     0xFFBFF         ; 4 KiB units: 4 GiB - 4 MiB - 1

        GDT_BEGIN
; the guest kernel's segments: ring 1, code flat, data truncated
        DESC    SEL_G1CODE, 0, 0xFFFFF, ACC_P|ACC_DPL1|ACC_S|T_CODE_XR, F_FLAT
        DESC    SEL_G1DATA, 0, G_LIMIT, ACC_P|ACC_DPL1|ACC_S|T_DATA_RW, F_FLAT
        GDT_END

r_gdtr          equ     scratch_vars + 0        ; 6 bytes (SGDT)
r_idtr          equ     scratch_vars + 8        ; 6 bytes (SIDT)
r_ldtr          equ     scratch_vars + 16
r_tr            equ     scratch_vars + 20
r_msw           equ     scratch_vars + 24
r_flags         equ     scratch_vars + 28
r_cs            equ     scratch_vars + 32
r_ss            equ     scratch_vars + 36
r_lar           equ     scratch_vars + 40
r_lsl           equ     scratch_vars + 44
r_verr_zf       equ     scratch_vars + 48
r_verw_zf       equ     scratch_vars + 52
r3_idtr         equ     scratch_vars + 56       ; 6 bytes

tests_main:
        SAY     "lesson 10: sensitive but unprivileged -- x86 before VT-x"
        ; the guest kernel: ring 1, IF = 1, IOPL 0
        mov     dword [user_cs], SEL_G1CODE | 1
        mov     dword [user_ss], SEL_G1DATA | 1
        mov     dword [user_ds], SEL_G1DATA | 1
        mov     dword [user_esp], G1_STACK_TOP
        mov     dword [user_eflags], EFLAGS_IF | 2

; -----------------------------------------------------------------------------
; 1. What Popek and Goldberg need: privileged instructions trap.  They do.
; -----------------------------------------------------------------------------
        TEST    "guest-kernel-lgdt-traps"
        RUN_R3  r1_lgdt
        CHECK_FAULT 13, 0, r1_lgdt
        TEST    "guest-kernel-mov-cr0-traps"
        RUN_R3  r1_cr0
        CHECK_FAULT 13, 0, r1_mov_cr0
        TEST    "guest-kernel-hlt-traps"
        RUN_R3  r1_hlt
        CHECK_FAULT 13, 0, r1_hlt
        TEST    "guest-kernel-cli-traps"
        RUN_R3  r1_cli
        CHECK_FAULT 13, 0, r1_cli

; -----------------------------------------------------------------------------
; 2. What breaks it: sensitive instructions that run at ring 1 untrapped.
; -----------------------------------------------------------------------------
        TEST    "guest-kernel-sensitive-instructions-do-not-trap"
        RUN_R3  r1_sensitive
        CHECK_FAULT NONE, ANY, ANY
        movzx   eax, word [r_gdtr]
        CHECK_EQ "sgdt-reveals-the-monitors-gdt-limit", eax, GDT_SIZE - 1
        CHECK_EQ "sgdt-reveals-the-monitors-gdt-base", [r_gdtr + 2], GDT_BASE
        CHECK_EQ "sidt-reveals-the-monitors-idt-base", [r_idtr + 2], IDT_BASE
        CHECK_EQ "sldt-reveals-ldtr", [r_ldtr], 0
        CHECK_EQ "str-reveals-the-monitors-tss", [r_tr], SEL_TSS
        CHECK_MASK "smsw-reveals-cr0-pe", [r_msw], 1, 1
        CHECK_MASK "popf-silently-kept-if-1", [r_flags], EFLAGS_IF, EFLAGS_IF
        CHECK_MASK "pushf-reveals-iopl-0", [r_flags], EFLAGS_IOPL, 0
        CHECK_EQ "cs-rpl-reveals-cpl-1", [r_cs], SEL_G1CODE | 1
        CHECK_EQ "ss-rpl-reveals-cpl-1", [r_ss], SEL_G1DATA | 1
        CHECK_MASK "lar-reveals-own-code-dpl-1", [r_lar], 0x6000, 0x2000
        CHECK_EQ "lsl-reveals-truncated-data-limit", [r_lsl], (G_LIMIT << 12) | 0xFFF
        CHECK_EQ "verr-monitor-data-zf0-without-trap", [r_verr_zf], 0
        CHECK_EQ "verw-own-data-zf1", [r_verw_zf], 1

; -----------------------------------------------------------------------------
; 3. Even user code sees through the monitor: SIDT at ring 3 (the "red pill"
;    test for being inside a virtual machine).
; -----------------------------------------------------------------------------
        call    reset_user_ctx
        TEST    "ring3-sidt-does-not-trap"
        RUN_R3  r3_redpill
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "ring3-sidt-reveals-the-monitors-idt-base", [r3_idtr + 2], IDT_BASE

        FINISH

; -----------------------------------------------------------------------------
; The guest kernel (ring 1).  Each piece ends with INT 30h, a DPL-3 gate.
; -----------------------------------------------------------------------------
r1_lgdt:
        lgdt    [guest_gdtr]                    ; privileged: #GP(0)
        int     EXIT_VEC
r1_cr0:
        mov     eax, 0x00000011                 ; PE | ET
r1_mov_cr0:
        mov     cr0, eax
        int     EXIT_VEC
r1_hlt:
        hlt
        int     EXIT_VEC
r1_cli:
        cli                                     ; CPL 1 > IOPL 0: #GP(0)
        int     EXIT_VEC

r1_sensitive:
r1_sgdt:
        sgdt    [r_gdtr]
r1_sidt:
        sidt    [r_idtr]
r1_sldt:
        sldt    eax
        mov     [r_ldtr], eax
r1_str:
        str     eax
        movzx   eax, ax
        mov     [r_tr], eax
r1_smsw:
        smsw    eax
        mov     [r_msw], eax
        pushfd                                  ; the guest kernel wants IF = 0
        and     dword [esp], ~EFLAGS_IF
r1_popf:
        popfd                                   ; CPL 1 > IOPL 0: IF unchanged
        pushfd
        pop     dword [r_flags]
r1_read_cs:
        mov     ax, cs
        movzx   eax, ax
        mov     [r_cs], eax
        mov     ax, ss
        movzx   eax, ax
        mov     [r_ss], eax
        mov     cx, cs
r1_lar:
        lar     eax, cx                         ; access rights of CS
        mov     [r_lar], eax
        mov     cx, ds
r1_lsl:
        lsl     eax, cx                         ; byte limit of DS
        mov     [r_lsl], eax
        mov     cx, SEL_KDATA
r1_verr:
        verr    cx                              ; DPL 0 < CPL 1: ZF = 0
        setz    al
        movzx   eax, al
        mov     [r_verr_zf], eax
        mov     cx, SEL_G1DATA | 1
        verw    cx                              ; own data: ZF = 1
        setz    al
        movzx   eax, al
        mov     [r_verw_zf], eax
        int     EXIT_VEC

guest_gdtr:
        dw      0x17
        dd      0x9000

; ring 3
r3_redpill:
r3_sidt:
        sidt    [r3_idtr]
        int     EXIT_VEC

        ROM_END
