; =============================================================================
; Lesson 2 -- segment descriptors, limits and the hidden caches (unreal mode)
;                                                   (docs/lessons/02-descriptors.md)
;
; A descriptor gives a segment its base, its limit (with the G bit: bytes or
; 4 KiB units), its type (data read-only / read-write / expand-down, code
; execute-only / execute-read) and D/B.  Loading a segment register copies
; the descriptor into the register's *hidden cache*; every later access is
; checked against that cache, not against the table.  So a changed GDT entry
; does not matter until the register is reloaded -- and a cache filled in
; protected mode survives the switch back to real mode ("unreal mode").
;
; Set-up (testroms/pmtest.inc): 32-bit protected mode, ring 0, flat DS/ES/SS,
; an IDT whose handlers record each exception and resume the lesson.
;
; Marks (labels the walk-through stops at; `pcemu lesson 2`):
;   step_limit        DS = a 4 KiB segment: the last dword inside, one past
;   limit_fault       MOV EAX,[0FFEh]: a dword crossing the limit -> #GP(0)
;   step_granularity  G = 1: limit field 1 means 1FFFh bytes
;   step_types        read-only data, execute-only and execute/read code
;   xo_load           MOV DS, execute-only code -> #GP(selector)
;   step_expand_down  an expand-down segment: offsets *above* the limit
;   r3_stack_push     ring 3 pushes past its expand-down stack -> #SS(0)
;   step_cache        the hidden cache outlives a change to the GDT
;   cache_stale_read  DS still reads the old base after the GDT changed
;   cache_reload      reloading DS picks up the new base
;   cache_np_read     P cleared in the GDT: the loaded DS still works
;   np_reload         descriptor marked not present: reload -> #NP(selector)
;   step_unreal       leave protected mode with a 4 GiB limit cached in FS
;   unreal_read       real mode reads above 1 MiB through FS
;   real_limit_fault  a normal real-mode segment (64 KiB): #GP (vector 13)
;
; Output: "PASS name" / "FAIL name expected ... got ..." per check on port
; 0xE9, then "DONE n passed m failed".  Assemble with testroms/build.sh.
; =============================================================================

%include "pmtest.inc"
%include "lesson.inc"

WIN_A           equ     0x20000         ; two 64 KiB windows of RAM with
WIN_B           equ     0x30000         ; different contents
STK3_BASE       equ     0x50000         ; the ring-3 expand-down stack
HIGH_DATA       equ     0x200000        ; 2 MiB: out of reach of real mode

        GDT_BEGIN
; data, read/write, base WIN_A, limit FFFh bytes (G=0)
        DESC    SEL_SMALL,  WIN_A, 0x00FFF, ACC_P|ACC_S|T_DATA_RW, F_D
; the same with G=1 and limit field 1: (1 << 12) | FFFh = 1FFFh bytes
        DESC    SEL_PAGES,  WIN_A, 0x00001, ACC_P|ACC_S|T_DATA_RW, F_G|F_D
; data, read-only
        DESC    SEL_RO,     WIN_A, 0x0FFFF, ACC_P|ACC_S|T_DATA_RO, F_D
; code, execute-only, and code, execute/read
        DESC    SEL_XO,     WIN_A, 0x0FFFF, ACC_P|ACC_S|T_CODE_XO, F_D
        DESC    SEL_XR,     WIN_A, 0x0FFFF, ACC_P|ACC_S|T_CODE_XR, F_D
; data, expand-down, B=1, limit FFFh: valid offsets 1000h..FFFFFFFFh
        DESC    SEL_DOWN,   WIN_A - 0x1000, 0x00FFF, ACC_P|ACC_S|T_DATA_RW_DOWN, F_D
; ring-3 stack: expand-down, B=1, limit FFFh, DPL 3
        DESC    SEL_STK3,   STK3_BASE, 0x00FFF, ACC_P|ACC_DPL3|ACC_S|T_DATA_RW_DOWN, F_D
; the descriptor this lesson rewrites: base WIN_A, 64 KiB
        DESC    SEL_CACHE,  WIN_A, 0x0FFFF, ACC_P|ACC_S|T_DATA_RW, F_D
        GDT_END

saved_esp       equ     scratch_vars + 0
rm_vec          equ     scratch_vars + 4        ; vector seen in real mode
rm_ip           equ     scratch_vars + 8        ; IP it was raised at
rm_resume       equ     scratch_vars + 12       ; where the handler continues
rm_high         equ     scratch_vars + 16       ; read through FS, base 0
rm_high2        equ     scratch_vars + 20       ; read through FS, base 10000h
rm_gs_value     equ     scratch_vars + 24       ; what the faulting load left
lsl_value       equ     scratch_vars + 28

tests_main:
        SAY     "lesson 2: descriptors, limits, hidden caches"
        mov     dword [WIN_A], 0xAAAA0000
        mov     dword [WIN_A + 0xFFC], 0xAAAA0FFC
        mov     dword [WIN_A + 0x1FFC], 0xAAAA1FFC
        mov     dword [WIN_B], 0xBBBB0000
        mov     dword [HIGH_DATA], 0x4D494221            ; "!BIM"

; -----------------------------------------------------------------------------
; 1. The limit: the last valid offset.  Every byte of an access must lie
;    within it (SDM vol. 3, 5.3).  Violations raise #GP(0) -- error code 0,
;    because no selector is to blame, only the offset.
; -----------------------------------------------------------------------------
step_limit:
        mov     ax, SEL_SMALL
        lsl     ebx, ax                                 ; LSL: the byte limit
        mov     [lsl_value], ebx
        CHECK_EQ "lsl-small-segment-limit-is-fff", [lsl_value], 0xFFF
        mov     ax, SEL_SMALL
        mov     ds, ax
        TEST    "last-dword-inside-the-limit-reads"
        EXPECT_NO_FAULT mov eax, [0xFFC]                ; bytes FFC..FFF
        CHECK_EQ "last-dword-value", eax, 0xAAAA0FFC
        mov     ax, SEL_SMALL
        mov     ds, ax
        TEST    "dword-crossing-the-limit-gp0"
        FAULT_AT limit_fault, 13, 0, mov eax, [0xFFE]  ; bytes FFE..1001
        mov     ax, SEL_SMALL
        mov     ds, ax
        TEST    "byte-just-past-the-limit-gp0"
        EXPECT_FAULT 13, 0, mov al, [0x1000]
        mov     ax, SEL_KDATA
        mov     ds, ax

step_granularity:
        ; G = 1: the 20-bit limit counts 4 KiB pages; the byte limit is
        ; (field << 12) | FFFh.  Field 1 -> 1FFFh.
        mov     ax, SEL_PAGES
        lsl     ebx, ax
        mov     [lsl_value], ebx
        CHECK_EQ "lsl-g1-limit-field-1-is-1fff", [lsl_value], 0x1FFF
        mov     ax, SEL_PAGES
        mov     ds, ax
        TEST    "g1-offset-1ffc-reads"
        EXPECT_NO_FAULT mov eax, [0x1FFC]
        CHECK_EQ "g1-offset-1ffc-value", eax, 0xAAAA1FFC
        mov     ax, SEL_PAGES
        mov     ds, ax
        TEST    "g1-offset-2000-gp0"
        EXPECT_FAULT 13, 0, mov al, [0x2000]
        mov     ax, SEL_KDATA
        mov     ds, ax

; -----------------------------------------------------------------------------
; 2. The type.  Loading checks that DS/ES/FS/GS get data or *readable* code
;    (SDM 5.6, #GP(selector) at the load); each access checks that reads hit
;    readable and writes hit writable segments (#GP(0) at the access).
; -----------------------------------------------------------------------------
step_types:
        mov     ax, SEL_RO
        mov     es, ax
        TEST    "read-only-data-reads"
        EXPECT_NO_FAULT mov eax, [es:0]
        mov     ax, SEL_RO
        mov     es, ax
        TEST    "read-only-data-write-gp0"
        EXPECT_FAULT 13, 0, mov [es:0], eax
        TEST    "execute-only-code-into-ds-gp-selector"
        mov     ax, SEL_XO
        FAULT_AT xo_load, 13, SEL_XO, mov ds, ax
        mov     ax, SEL_XR
        mov     es, ax
        TEST    "execute-read-code-reads-through-es"
        EXPECT_NO_FAULT mov eax, [es:0]
        mov     ax, SEL_XR
        mov     es, ax
        TEST    "code-segment-is-never-writable-gp0"
        EXPECT_FAULT 13, 0, mov [es:0], eax
        mov     ax, SEL_KDATA
        mov     es, ax

; -----------------------------------------------------------------------------
; 3. Expand-down: the limit is the *lowest invalid* offset; valid offsets are
;    limit+1 .. FFFFFFFFh (B=1).  Made for stacks that grow down: their limit
;    can be lowered to give a stack more room.
; -----------------------------------------------------------------------------
step_expand_down:
        mov     ax, SEL_DOWN                            ; base WIN_A - 1000h
        mov     fs, ax
        TEST    "expand-down-offset-1000-reads"
        EXPECT_NO_FAULT mov eax, [fs:0x1000]            ; linear WIN_A
        CHECK_EQ "expand-down-offset-1000-value", eax, 0xAAAA0000
        mov     ax, SEL_DOWN
        mov     fs, ax
        TEST    "expand-down-offset-800-gp0"
        EXPECT_FAULT 13, 0, mov eax, [fs:0x800]
        mov     ax, SEL_KDATA
        mov     fs, ax

        ; A stack segment's limit faults are #SS(0), not #GP(0).  Ring 3 runs
        ; on SEL_STK3 with ESP = 1004h: the first PUSH writes 1000h..1003h,
        ; the second would write FFCh..FFFh -- below the valid range.
        ; (At ring 3, so the CPU can deliver #SS on the ring-0 stack.)
        mov     dword [user_ss], SEL_STK3 | 3
        mov     dword [user_esp], 0x1004
        TEST    "ring3-push-below-expand-down-limit-ss0"
        RUN_R3  r3_stack
        CHECK_FAULT 12, 0, r3_stack_push
        CHECK_EQ "ss0-fault-leaves-esp-at-1000", [fault_esp], 0x1000
        call    reset_user_ctx

; -----------------------------------------------------------------------------
; 4. The hidden cache.  MOV DS copies the descriptor into DS's cache; the CPU
;    does not look at the GDT again until DS is reloaded (SDM vol. 3, 3.4.3).
; -----------------------------------------------------------------------------
step_cache:
        mov     ax, SEL_KDATA
        mov     es, ax                                  ; ES: flat, to edit the GDT
        mov     ax, SEL_CACHE
        mov     ds, ax                                  ; cache: base 20000h
        mov     byte [es:GDT_BASE + SEL_CACHE + 4], WIN_B >> 16 ; GDT: base 30000h
cache_stale_read:
        mov     ebx, [0]                                ; still WIN_A's dword
cache_reload:
        mov     ax, SEL_CACHE
        mov     ds, ax                                  ; reload: base 30000h
        mov     ecx, [0]                                ; WIN_B's dword
        mov     ax, SEL_KDATA
        mov     ds, ax
        CHECK_EQ "stale-cache-reads-old-base-20000", ebx, 0xAAAA0000
        CHECK_EQ "reloaded-cache-reads-new-base-30000", ecx, 0xBBBB0000
        ; Clear the Present bit: the loaded DS keeps working; a reload faults.
        mov     ax, SEL_CACHE
        mov     ds, ax
        and     byte [es:GDT_BASE + SEL_CACHE + 5], 0x7F        ; P = 0
cache_np_read:
        mov     ebx, [0]                                ; cached: fine
        mov     ax, SEL_KDATA
        mov     ds, ax
        CHECK_EQ "cached-segment-works-after-p-cleared", ebx, 0xBBBB0000
        TEST    "reload-of-not-present-segment-np-selector"
        mov     ax, SEL_CACHE
        FAULT_AT np_reload, 11, SEL_CACHE, mov ds, ax
        mov     ax, SEL_KDATA
        mov     ds, ax

; -----------------------------------------------------------------------------
; 5. Unreal mode.  Real-mode segment loads write only the selector and the
;    base (selector * 16); limit and attributes stay as cached.  Leave
;    protected mode with FS holding a 4 GiB data segment and real-mode code
;    can address all memory through FS.  GS gets a 64 KiB segment, as a
;    normal return to real mode would: it faults beyond FFFFh.
; -----------------------------------------------------------------------------
step_unreal:
        mov     word [RM_IVT + 13*4], R16(rm_gp_handler)        ; IVT[13]
        mov     word [RM_IVT + 13*4 + 2], 0xF000
        mov     dword [rm_vec], NONE
        mov     dword [rm_gs_value], 0
        mov     [saved_esp], esp
        mov     ax, SEL_KDATA                           ; FS: base 0, 4 GiB
        mov     fs, ax
        jmp     SEL_CODE16:R16(rm_enter)                ; 16-bit code first
        bits    16
rm_enter:
        mov     ax, SEL_DATA16                          ; 64 KiB, byte granular
        mov     ds, ax
        mov     es, ax
        mov     gs, ax
        mov     ss, ax
        mov     eax, cr0
        and     al, 0xFE                                ; CR0.PE = 0
        mov     cr0, eax
        jmp     0xF000:R16(rm_real)                     ; CS: real-mode value
rm_real:
        xor     ax, ax
        mov     ds, ax
        mov     ss, ax
        mov     sp, 0x7000
        lidt    [cs:R16(rm_idtr)]                       ; the IVT at 0
unreal_read:
        mov     eax, [fs:dword HIGH_DATA]               ; offset 200000h: fine
        mov     [rm_high], eax
        mov     ax, 0x1000
        mov     fs, ax                                  ; base 10000h, limit still 4 GiB
        mov     eax, [fs:dword HIGH_DATA - 0x10000]
        mov     [rm_high2], eax
        mov     word [rm_resume], R16(rm_after)
real_limit_fault:
        mov     eax, [gs:dword 0x10000]                 ; GS limit FFFFh: #GP
        mov     [rm_gs_value], eax                      ; (skipped)
rm_after:
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword SEL_KCODE:pm_back
        bits    32
pm_back:
        mov     ax, SEL_KDATA
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, [saved_esp]
        lidt    [idtr_image]
        CHECK_EQ "unreal-fs-reads-200000-from-real-mode", [rm_high], 0x4D494221
        CHECK_EQ "real-mode-load-of-fs-keeps-the-4g-limit", [rm_high2], 0x4D494221
        CHECK_EQ "real-mode-64k-gs-faults-vector-13", [rm_vec], 13
        CHECK_EQ "real-mode-fault-ip-is-the-mov", [rm_ip], R16(real_limit_fault)
        CHECK_EQ "real-mode-faulting-load-did-not-happen", [rm_gs_value], 0
        FINISH

; ring-3 code for step 3: two pushes on a stack that has room for one
r3_stack:
        push    eax                                     ; ESP 1004h -> 1000h
r3_stack_push:
        push    eax                                     ; 1000h -> FFCh: #SS(0)
        int     EXIT_VEC

; Real-mode #GP handler (vector 13 through the IVT; no error code in real
; mode): record the vector and IP, resume at [rm_resume].
        bits    16
rm_gp_handler:
        push    bp
        mov     bp, sp
        push    ax
        mov     word [ss:rm_vec], 13
        mov     word [ss:rm_vec + 2], 0
        mov     ax, [bp + 2]                            ; saved IP
        mov     [ss:rm_ip], ax
        mov     word [ss:rm_ip + 2], 0
        mov     ax, [ss:rm_resume]
        mov     [bp + 2], ax
        pop     ax
        pop     bp
        iret
        bits    32

rm_idtr:
        dw      0x3FF
        dd      RM_IVT

        ROM_END
