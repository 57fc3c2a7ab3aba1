; =============================================================================
; pm-segments.asm -- protected-mode segment loads and segment limit checks
;
; What this ROM teaches
;   In protected mode a segment register holds a *selector*; loading it makes
;   the CPU fetch and check the descriptor and cache it.  The checks depend on
;   which register is loaded (SS is strict, DS/ES/FS/GS are lenient about null
;   selectors), and every later memory access is checked against the cached
;   type and limit.  Each failing check raises an exception whose error code
;   names the offending selector (index | TI; the RPL bits are replaced by the
;   EXT/IDT bits, which are 0 here) or is 0 for limit/type violations on use.
;
; Every check prints "PASS name" or "FAIL name expected ... got ..." on port
; 0xE9; the run ends with "DONE n passed m failed".  Build: nasm -f bin.
; =============================================================================

%include "pmtest.inc"

; -----------------------------------------------------------------------------
; GDT: the standard entries, then this ROM's descriptors.
; -----------------------------------------------------------------------------
SMALL_BASE      equ     SCRATCH                 ; 0x10000
STK_BASE        equ     SCRATCH + 0x8000        ; small ring-0 stack segment
STK3_BASE       equ     SCRATCH + 0x4000        ; small ring-3 stack segment
HIGH_MARK       equ     0x00200000              ; a dword above 1 MiB

        GDT_BEGIN
; read-only data, flat
        DESC    SEL_RO,     0, 0xFFFFF, ACC_P|ACC_S|T_DATA_RO, F_FLAT
; read/write data, flat, NOT present
        DESC    SEL_NP,     0, 0xFFFFF, ACC_S|T_DATA_RW, F_FLAT
; execute-only code, flat
        DESC    SEL_XO,     0, 0xFFFFF, ACC_P|ACC_S|T_CODE_XO, F_FLAT
; execute/read code, base SCRATCH, 64 KiB
        DESC    SEL_XR,     SMALL_BASE, 0xFFFF, ACC_P|ACC_S|T_CODE_XR, F_D
; conforming execute/read code, DPL 0, base SCRATCH
        DESC    SEL_CONF,   SMALL_BASE, 0xFFFF, ACC_P|ACC_S|T_CODE_XR_CONF, F_D
; read/write data, base SCRATCH, limit 0xFFF (4 KiB, byte granular)
        DESC    SEL_SMALL,  SMALL_BASE, 0x0FFF, ACC_P|ACC_S|T_DATA_RW, F_D
; expand-down data, B=0: valid offsets 0x1000..0xFFFF
        DESC    SEL_ED16,   SMALL_BASE, 0x0FFF, ACC_P|ACC_S|T_DATA_RW_DOWN, F_16
; expand-down data, B=1: valid offsets 0x100000..0xFFFFFFFF (base 0)
        DESC    SEL_ED32,   0, 0xFFFFF, ACC_P|ACC_S|T_DATA_RW_DOWN, F_D
; ring-0 stack segment, limit 0xFFF
        DESC    SEL_STK,    STK_BASE, 0x0FFF, ACC_P|ACC_S|T_DATA_RW, F_D
; ring-3 stack segment, limit 0xFFF
        DESC    SEL_STK3,   STK3_BASE, 0x0FFF, ACC_P|ACC_DPL3|ACC_S|T_DATA_RW, F_D
; the LDT: 3 descriptors at LDT_BASE
        DESC    SEL_LDT,    LDT_BASE, 3*8 - 1, ACC_P|T_LDT, 0
; a flat data segment nobody loads before section 8 (accessed bit clear)
        DESC    SEL_NOACC,  0, 0xFFFFF, ACC_P|ACC_S|T_DATA_RW, F_FLAT
; the last descriptor: flat data
        DESC    SEL_LAST,   0, 0xFFFFF, ACC_P|ACC_S|T_DATA_RW, F_FLAT
        GDT_END

; LDT contents (copied to LDT_BASE).  Selector = index*8 | 4 (TI=1) | RPL.
LSEL_DATA       equ     0x04            ; index 0: flat data (NOT a null selector)
LSEL_NP         equ     0x0C            ; index 1: data, not present
LSEL_DATA3      equ     0x14            ; index 2: flat data, DPL 3
LSEL_BEYOND     equ     0x1C            ; index 3: past the LDT limit (0x17)
ldt_template:
        SEGDESC 0, 0xFFFFF, ACC_P|ACC_S|T_DATA_RW, F_FLAT
        SEGDESC 0, 0xFFFFF, ACC_S|T_DATA_RW, F_FLAT
        SEGDESC 0, 0xFFFFF, ACC_P|ACC_DPL3|ACC_S|T_DATA_RW, F_FLAT
ldt_template_end:

; Far pointers for LDS/LSS (offset dword, then selector word)
fp_np:          dd      0x12345678
                dw      SEL_NP
fp_good:        dd      0x0000CAFE
                dw      SEL_KDATA
fp_nullss:      dd      0x00001000
                dw      0

; Variables of this ROM
saved_esp       equ     scratch_vars + 0
rm_vec          equ     scratch_vars + 4        ; real-mode fault vector
rm_ip           equ     scratch_vars + 8        ; real-mode faulting IP
rm_rec_ip       equ     scratch_vars + 12       ; where the RM handler resumes
rm_eax          equ     scratch_vars + 16

tests_main:
        ; Fill the scratch area with recognisable values.
        mov     dword [SMALL_BASE], 0x11223344          ; offset 0 of SEL_SMALL
        mov     dword [SMALL_BASE + 0xFFC], 0xA5A5A5A5  ; last dword of it
        mov     dword [SMALL_BASE + 0x1000], 0x55667788 ; first ED16 dword
        mov     dword [HIGH_MARK], 0x5EED1234

; =============================================================================
; 1. Null selectors
; =============================================================================
        ; Rule: DS/ES/FS/GS may be loaded with a null selector (index 0, TI 0,
        ; any RPL) -- no check is made at load time.
        TEST    "null-sel-load-ds"
        xor     eax, eax
        EXPECT_NO_FAULT mov ds, ax

        ; Rule: a memory access through a segment register holding a null
        ; selector raises #GP(0).  (DS is still null from the previous test.)
        TEST    "null-ds-use-gp0"
        EXPECT_FAULT 13, 0, mov eax, [ds:SCRATCH]
        CHECK_EQ "null-ds-use-regs-kept", [fault_ds], 0

        ; Rule: the RPL of a null selector does not matter (0x0003 is null).
        TEST    "null-sel-rpl3-load-es"
        mov     ax, 3
        EXPECT_NO_FAULT mov es, ax
        TEST    "null-es-stosb-gp0"
        mov     edi, SCRATCH
        EXPECT_FAULT 13, 0, stosb                       ; writes ES:EDI
        CHECK_EQ "null-es-stosb-edi-kept", [fault_edi], SCRATCH
        mov     ax, SEL_KDATA
        mov     es, ax

        ; Rule: SS can never be null: MOV SS, 0 -> #GP(0), SS unchanged.
        TEST    "null-ss-gp0"
        xor     eax, eax
        EXPECT_FAULT 13, 0, mov ss, ax
        CHECK_EQ "null-ss-ss-kept", [fault_ss], SEL_KDATA

        ; Rule: the same holds for LSS; ESP is not modified either.
        TEST    "null-ss-lss-gp0"
        EXPECT_FAULT 13, 0, lss esp, [fp_nullss]

; =============================================================================
; 2. Descriptor table limit
; =============================================================================
        ; Rule: a selector whose index lies beyond the GDT limit -> #GP(sel).
        ; The error code carries index and TI; its low two bits are EXT/IDT,
        ; so the RPL (3 here) does not appear.
        TEST    "gdt-limit-ds-gp-sel"
        mov     ax, GDT_SIZE | 3
        EXPECT_FAULT 13, GDT_SIZE, mov ds, ax
        CHECK_EQ "gdt-limit-ds-kept", [fault_ds], SEL_KDATA

        ; Rule: the last descriptor inside the limit loads normally.
        TEST    "gdt-limit-last-ok"
        mov     ax, SEL_LAST
        EXPECT_NO_FAULT mov fs, ax

        ; Rule: the same check applies to SS (#GP(sel), not #SS).
        TEST    "gdt-limit-ss-gp-sel"
        mov     ax, GDT_SIZE + 8
        EXPECT_FAULT 13, GDT_SIZE + 8, mov ss, ax

; =============================================================================
; 3. SS-specific rules: RPL = CPL, DPL = CPL, writable data, present
; =============================================================================
        ; Rule: valid ring-0 writable data with RPL 0 loads into SS.
        TEST    "ss-kdata-ok"
        mov     ax, SEL_KDATA
        EXPECT_NO_FAULT mov ss, ax

        ; Rule: SS selector RPL must equal CPL -> #GP(sel).
        TEST    "ss-rpl-ne-cpl-gp"
        mov     ax, SEL_KDATA | 1
        EXPECT_FAULT 13, SEL_KDATA, mov ss, ax

        ; Rule: SS descriptor DPL must equal CPL (DPL 3 data at CPL 0) -> #GP.
        TEST    "ss-dpl-ne-cpl-gp"
        mov     ax, SEL_UDATA
        EXPECT_FAULT 13, SEL_UDATA, mov ss, ax

        ; Rule: SS must be a writable data segment: read-only -> #GP(sel).
        TEST    "ss-readonly-gp"
        mov     ax, SEL_RO
        EXPECT_FAULT 13, SEL_RO, mov ss, ax

        ; Rule: ... and code segments are never valid stacks -> #GP(sel).
        TEST    "ss-code-gp"
        mov     ax, SEL_KCODE
        EXPECT_FAULT 13, SEL_KCODE, mov ss, ax

        ; Rule: a not-present stack segment raises #SS(sel), not #NP.
        TEST    "ss-not-present-ss"
        mov     ax, SEL_NP
        EXPECT_FAULT 12, SEL_NP, mov ss, ax
        CHECK_EQ "ss-not-present-ss-kept", [fault_ss], SEL_KDATA

; =============================================================================
; 4. DS/ES/FS/GS rules
; =============================================================================
        ; Rule: a not-present data segment -> #NP(sel); register unchanged.
        TEST    "ds-not-present-np"
        mov     ax, SEL_NP
        EXPECT_FAULT 11, SEL_NP, mov ds, ax
        CHECK_EQ "ds-not-present-ds-kept", [fault_ds], SEL_KDATA

        ; Rule: same for GS.
        TEST    "gs-not-present-np"
        mov     ax, SEL_NP
        EXPECT_FAULT 11, SEL_NP, mov gs, ax

        ; Rule: the privilege check comes before the presence check: with
        ; RPL 2 > DPL 0 the same not-present descriptor gives #GP(sel).
        TEST    "gs-np-privilege-first-gp"
        mov     ax, SEL_NP | 2
        EXPECT_FAULT 13, SEL_NP, mov gs, ax

        ; Rule: execute-only code cannot be loaded into a data register.
        TEST    "ds-exec-only-gp"
        mov     ax, SEL_XO
        EXPECT_FAULT 13, SEL_XO, mov ds, ax

        ; Rule: readable code may be loaded into DS and read through it.
        TEST    "ds-readable-code-ok"
        mov     ax, SEL_XR
        EXPECT_NO_FAULT mov ds, ax
        TEST    "ds-readable-code-read"
        EXPECT_NO_FAULT mov ebx, [0]                    ; DS = SEL_XR
        mov     ax, SEL_KDATA
        mov     ds, ax
        CHECK_EQ "ds-readable-code-value", ebx, 0x11223344

        ; Rule: code segments are never writable: write via DS -> #GP(0).
        TEST    "ds-code-write-gp0"
        mov     ax, SEL_XR
        mov     ds, ax
        EXPECT_FAULT 13, 0, mov [0], eax
        mov     ax, SEL_KDATA
        mov     ds, ax

        ; Rule: writing through a CS override is a write to a code segment
        ; -> #GP(0) (reading it is fine, since SEL_KCODE is readable).
        TEST    "cs-override-read-ok"
        EXPECT_NO_FAULT mov eax, [cs:SCRATCH]
        TEST    "cs-override-write-gp0"
        EXPECT_FAULT 13, 0, mov [cs:SCRATCH], eax

        ; Rule: execute-only code cannot even be read through CS -> #GP(0).
        ; (We jump into the flat execute-only segment SEL_XO to try it.)
        TEST    "xo-read-via-cs-gp0"
        jmp     SEL_XO:.in_xo
.in_xo:
        EXPECT_FAULT 13, 0, mov eax, [cs:SCRATCH]       ; back in KCODE now

        ; Rule: data segment privilege: DPL >= max(CPL, RPL).  At CPL 0 an
        ; RPL of 3 on a DPL-0 segment fails -> #GP(sel).
        TEST    "ds-rpl-gt-dpl-gp"
        mov     ax, SEL_KDATA | 3
        EXPECT_FAULT 13, SEL_KDATA, mov ds, ax

        ; Rule: ... while DPL 3 data is fine at CPL 0 with RPL 3.
        TEST    "ds-dpl3-at-cpl0-ok"
        mov     ax, SEL_UDATA | 3
        EXPECT_NO_FAULT mov es, ax
        mov     ax, SEL_KDATA
        mov     es, ax

        ; Rule: from ring 3, DPL-0 data (DPL < CPL) -> #GP(sel).
        TEST    "r3-ds-dpl0-gp"
        mov     ax, SEL_KDATA | 3
        EXPECT_FAULT_R3 13, SEL_KDATA, mov ds, ax

        ; Rule: from ring 3, DPL-3 data loads fine.
        TEST    "r3-ds-dpl3-ok"
        mov     ax, SEL_UDATA | 3
        EXPECT_NO_FAULT_R3 mov fs, ax

        ; Rule: from ring 3, non-conforming readable DPL-0 code -> #GP(sel).
        TEST    "r3-ds-code-dpl0-gp"
        mov     ax, SEL_XR | 3
        EXPECT_FAULT_R3 13, SEL_XR, mov ds, ax

        ; Rule: conforming readable code skips the privilege check, so ring 3
        ; may load it into DS even though its DPL is 0.
        TEST    "r3-ds-conforming-ok"
        mov     ax, SEL_CONF | 3
        EXPECT_NO_FAULT_R3 mov ds, ax

; =============================================================================
; 5. Other instructions that load segment registers: POP, LDS, LSS
; =============================================================================
        ; Rule: POP DS with a bad selector faults before ESP changes.
        TEST    "pop-ds-np"
        push    dword SEL_NP
        mov     ebx, esp                                ; ESP before the POP
        EXPECT_FAULT 11, SEL_NP, pop ds
        CHECK_EQ "pop-ds-np-esp-kept", [fault_esp], ebx
        add     esp, 4

        ; Rule: POP ES with a good selector works and increments ESP.
        TEST    "pop-es-ok"
        push    dword SEL_KDATA
        EXPECT_NO_FAULT pop es

        ; Rule: LDS faults on the selector; neither DS nor ESI is modified.
        TEST    "lds-np"
        mov     esi, 0xABCDEF01
        EXPECT_FAULT 11, SEL_NP, lds esi, [fp_np]
        CHECK_EQ "lds-np-esi-kept", [fault_esi], 0xABCDEF01
        CHECK_EQ "lds-np-ds-kept", [fault_ds], SEL_KDATA

        ; Rule: LES with a good far pointer loads both parts.
        TEST    "les-ok"
        EXPECT_NO_FAULT les edi, [fp_good]
        CHECK_EQ "les-ok-offset", edi, 0xCAFE
        mov     ax, SEL_KDATA
        mov     es, ax

; =============================================================================
; 6. LDT selectors (TI = 1)
; =============================================================================
        mov     esi, ldt_template
        mov     edi, LDT_BASE
        mov     ecx, ldt_template_end - ldt_template
        rep     movsb

        ; Rule: with a null LDTR every TI=1 selector is invalid -> #GP(sel).
        TEST    "ldt-null-ldtr-gp"
        xor     eax, eax
        lldt    ax
        mov     ax, LSEL_DATA
        EXPECT_FAULT 13, LSEL_DATA, mov ds, ax

        ; Rule: LLDT needs an LDT descriptor (a data one -> #GP(sel)).
        TEST    "lldt-not-ldt-gp"
        mov     ax, SEL_KDATA
        EXPECT_FAULT 13, SEL_KDATA, lldt ax

        ; Rule: LLDT is privileged: at ring 3 -> #GP(0).
        TEST    "r3-lldt-gp0"
        mov     ax, SEL_LDT
        EXPECT_FAULT_R3 13, 0, lldt ax

        ; Rule: LDT index 0 is an ordinary descriptor, not a null selector.
        TEST    "ldt-index0-ok"
        mov     ax, SEL_LDT
        lldt    ax
        mov     ax, LSEL_DATA
        EXPECT_NO_FAULT mov es, ax
        TEST    "ldt-index0-use"
        EXPECT_NO_FAULT mov eax, [es:SCRATCH]
        mov     ax, SEL_KDATA
        mov     es, ax

        ; Rule: not-present LDT data -> #NP(sel); the error code has TI=1.
        TEST    "ldt-not-present-np"
        mov     ax, LSEL_NP
        EXPECT_FAULT 11, LSEL_NP, mov fs, ax

        ; Rule: a selector past the LDT limit -> #GP(sel) with TI=1.
        TEST    "ldt-limit-gp"
        mov     ax, LSEL_BEYOND | 3
        EXPECT_FAULT 13, LSEL_BEYOND, mov gs, ax

        ; Rule: a DPL-3 LDT data segment loads from ring 3.
        TEST    "r3-ldt-dpl3-ok"
        mov     ax, LSEL_DATA3 | 3
        EXPECT_NO_FAULT_R3 mov ds, ax
        xor     eax, eax
        lldt    ax

; =============================================================================
; 7. Limit and type checks on use
; =============================================================================
        mov     ax, SEL_SMALL
        mov     ds, ax                  ; DS: base SCRATCH, limit 0xFFF

        ; Rule: a dword whose last byte is at the limit is inside the segment.
        TEST    "limit-read-last-dword-ok"
        EXPECT_NO_FAULT mov ebx, [0xFFC]
        CHECK_EQ "limit-read-last-dword-value", ebx, 0xA5A5A5A5
        mov     ax, SEL_SMALL
        mov     ds, ax

        ; Rule: any byte of the access beyond the limit -> #GP(0).
        TEST    "limit-read-straddle-gp0"
        EXPECT_FAULT 13, 0, mov ebx, [0xFFD]
        mov     ax, SEL_SMALL
        mov     ds, ax
        TEST    "limit-read-past-gp0"
        EXPECT_FAULT 13, 0, mov bl, [0x1000]
        mov     ax, SEL_KDATA
        mov     ds, ax

        ; Rule: read-only data can be read ...
        TEST    "readonly-read-ok"
        mov     ax, SEL_RO
        mov     es, ax
        EXPECT_NO_FAULT mov eax, [es:SCRATCH]
        ; ... but a write through it -> #GP(0).
        TEST    "readonly-write-gp0"
        EXPECT_FAULT 13, 0, mov [es:SCRATCH], eax
        mov     ax, SEL_KDATA
        mov     es, ax

        ; Expand-down, B=0 (16-bit): valid offsets are limit+1 .. 0xFFFF.
        mov     ax, SEL_ED16
        mov     fs, ax
        ; Rule: offset just above the limit is the first valid byte.
        TEST    "expdown16-above-limit-ok"
        EXPECT_NO_FAULT mov ebx, [fs:0x1000]
        CHECK_EQ "expdown16-value", ebx, 0x55667788
        ; Rule: offsets at or below the limit are outside -> #GP(0).
        TEST    "expdown16-at-limit-gp0"
        EXPECT_FAULT 13, 0, mov bl, [fs:0x0FFF]
        ; Rule: the upper bound is 0xFFFF when B=0.
        TEST    "expdown16-top-ok"
        mov     ax, SEL_ED16
        mov     fs, ax
        EXPECT_NO_FAULT mov ebx, [fs:0xFFFC]
        TEST    "expdown16-past-64k-gp0"
        EXPECT_FAULT 13, 0, mov ebx, [fs:0xFFFD]

        ; Expand-down, B=1 (32-bit): valid offsets limit+1 .. 0xFFFFFFFF.
        mov     ax, SEL_ED32
        mov     gs, ax
        TEST    "expdown32-above-limit-ok"
        EXPECT_NO_FAULT mov ebx, [gs:HIGH_MARK]
        CHECK_EQ "expdown32-value", ebx, 0x5EED1234
        TEST    "expdown32-straddle-gp0"
        EXPECT_FAULT 13, 0, mov ebx, [gs:0x0FFFFE]
        mov     ax, SEL_KDATA
        mov     fs, ax
        mov     gs, ax

        ; Rule: stack-segment accesses beyond the SS limit raise #SS(0), not
        ; #GP.  (Ring 0, via EBP so that ESP itself stays valid and the CPU
        ; can push the exception frame.)
        mov     [saved_esp], esp
        mov     ax, SEL_STK
        mov     ss, ax
        mov     esp, 0x0F00
        TEST    "ss-limit-read-ok"
        mov     ebp, 0x0FFC
        EXPECT_NO_FAULT mov eax, [ebp]
        TEST    "ss-limit-read-ss0"
        mov     ebp, 0x0FFE
        EXPECT_FAULT 12, 0, mov eax, [ebp]
        mov     ax, SEL_KDATA
        mov     ss, ax
        mov     esp, [saved_esp]

        ; Rule: a PUSH below/above the stack limit also raises #SS(0) and
        ; leaves ESP unchanged.  Done at ring 3: the exception then switches
        ; to the ring-0 stack from the TSS, so the frame can be pushed.
        TEST    "r3-push-in-limit-ok"
        mov     dword [user_ss], SEL_STK3 | 3
        mov     dword [user_esp], 0x1000
        EXPECT_NO_FAULT_R3 push eax
        TEST    "r3-push-past-limit-ss0"
        mov     dword [user_esp], 0x1004
        EXPECT_FAULT_R3 12, 0, push eax
        CHECK_EQ "r3-push-past-limit-esp-kept", [fault_esp], 0x1004
        CHECK_EQ "r3-push-past-limit-ss-kept", [fault_ss], SEL_STK3 | 3
        call    reset_user_ctx

; =============================================================================
; 8. Accessed bit
; =============================================================================
        ; Rule: loading a segment register sets the descriptor's accessed bit
        ; in the GDT (in memory) if it was clear.
        CHECK_MASK "accessed-bit-clear-before", [GDT_BASE + SEL_NOACC + 4], 0x100, 0
        mov     ax, SEL_NOACC
        mov     es, ax
        CHECK_MASK "accessed-bit-set-by-load", [GDT_BASE + SEL_NOACC + 4], 0x100, 0x100
        mov     ax, SEL_KDATA
        mov     es, ax

; =============================================================================
; 9. Real mode limits and "unreal" mode
; =============================================================================
        ; A real-mode IVT entry for vector 13 (#GP) and a stack for it.
        mov     word [RM_IVT + 13*4], R16(rm_gp_handler)
        mov     word [RM_IVT + 13*4 + 2], 0xF000

        ; Rule: real mode still checks the (cached) 64 KiB limit: a 32-bit
        ; address above 0xFFFF -> exception 13.  We leave protected mode with
        ; a 64 KiB data descriptor in DS, as a normal switch back would.
        TEST    "realmode-64k-limit-gp"
        mov     [saved_esp], esp
        mov     dword [rm_vec], NONE
        mov     dword [rm_eax], 0
        jmp     SEL_CODE16:R16(rm_part1)
        bits    16
rm_part1:
        mov     ax, SEL_DATA16
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     eax, cr0
        and     al, 0xFE                        ; clear PE
        mov     cr0, eax
        jmp     0xF000:R16(.real)
.real:
        xor     ax, ax
        mov     ds, ax
        mov     ss, ax
        mov     sp, 0x7000
        lidt    [cs:R16(rm_idtr)]
        mov     word [rm_rec_ip], R16(.after)
        xor     eax, eax
.insn:
        mov     eax, [dword HIGH_MARK]          ; offset 0x200000 > 0xFFFF
.after:
        mov     [rm_eax], eax
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword SEL_KCODE:.back32
        bits    32
.back32:
        mov     ax, SEL_KDATA
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, [saved_esp]
        lidt    [idtr_image]
        ; report
        push    dword R16(rm_part1.insn)
        push    dword [rm_ip]
        push    dword 13
        push    dword [rm_vec]
        call    check_rm
        CHECK_EQ "realmode-64k-limit-no-load", [rm_eax], 0

        ; Rule: real mode segment loads change only selector and base; the
        ; limit cached while in protected mode stays.  Leaving PM with a
        ; 4 GiB DS ("unreal mode") lets real-mode code read above 1 MiB.
        TEST    "unreal-4g-limit-read"
        mov     [saved_esp], esp
        mov     dword [rm_vec], NONE
        mov     dword [rm_eax], 0
        mov     ax, SEL_KDATA                   ; 4 GiB limit stays in DS
        mov     ds, ax
        jmp     SEL_CODE16:R16(rm_part2)
        bits    16
rm_part2:
        mov     ax, SEL_DATA16
        mov     ss, ax                          ; only SS gets 64 KiB
        mov     eax, cr0
        and     al, 0xFE
        mov     cr0, eax
        jmp     0xF000:R16(.real)
.real:
        xor     ax, ax
        mov     ds, ax                          ; base 0, limit still 4 GiB
        mov     ss, ax
        mov     sp, 0x7000
        lidt    [cs:R16(rm_idtr)]
        mov     word [rm_rec_ip], R16(.after)
        xor     eax, eax
        mov     eax, [dword HIGH_MARK]
.after:
        mov     [dword rm_eax], eax
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword SEL_KCODE:.back32
        bits    32
.back32:
        mov     ax, SEL_KDATA
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, [saved_esp]
        lidt    [idtr_image]
        push    dword ANY
        push    dword [rm_ip]
        push    dword NONE
        push    dword [rm_vec]
        call    check_rm
        CHECK_EQ "unreal-4g-limit-value", [rm_eax], 0x5EED1234

        ; Rule: every segment load reads the descriptor as it is now. Load ES
        ; with SEL_SMALL twice, clear the descriptor's P bit, load it again:
        ; #NP(selector).
        TEST    "reload-after-descriptor-made-not-present-np"
        mov     ax, SEL_SMALL
        mov     es, ax
        mov     es, ax
        and     byte [GDT_BASE + SEL_SMALL + 5], 0x7F
        EXPECT_FAULT 11, SEL_SMALL, mov es, ax
        or      byte [GDT_BASE + SEL_SMALL + 5], 0x80

        FINISH

; check_rm(got_vec, exp_vec, got_ip, exp_ip): PASS/FAIL for the real-mode part
check_rm:
        pushad
        mov     eax, [esp + 32 + 4]             ; got vector
        mov     edx, [esp + 32 + 8]             ; expected vector
        cmp     eax, edx
        jne     .fail
        mov     ebx, [esp + 32 + 16]            ; expected IP
        cmp     ebx, ANY
        je      .pass
        cmp     ebx, [esp + 32 + 12]
        jne     .fail
.pass:
        call    record_pass
        jmp     .out
.fail:
        call    record_fail_start
        PRINT   "expected vector "
        mov     eax, edx
        call    print_hex32
        PRINT   " at F000:"
        mov     eax, [esp + 32 + 16]
        call    print_hex16
        PRINT   " got vector "
        mov     eax, [esp + 32 + 4]
        call    print_hex32
        PRINT   " at F000:"
        mov     eax, [esp + 32 + 12]
        call    print_hex16
        call    print_nl
.out:
        popad
        ret     16

; Real-mode #GP handler: record the vector and the faulting IP, then make the
; IRET resume at [rm_rec_ip] (we fix up the saved IP in the frame).
        bits    16
rm_gp_handler:
        push    bp
        mov     bp, sp
        push    ax
        mov     word [ss:rm_vec], 13
        mov     word [ss:rm_vec + 2], 0
        mov     ax, [bp + 2]                    ; saved IP
        mov     [ss:rm_ip], ax
        mov     word [ss:rm_ip + 2], 0
        mov     ax, [ss:rm_rec_ip]
        mov     [bp + 2], ax                    ; resume at the recovery IP
        pop     ax
        pop     bp
        iret
        bits    32

rm_idtr:
        dw      0x3FF
        dd      RM_IVT

        ROM_END
