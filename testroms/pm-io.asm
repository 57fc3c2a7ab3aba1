; =============================================================================
; pm-io.asm -- IOPL, the I/O permission bitmap, and IF-sensitive instructions
;
; What this ROM teaches
;   In protected mode, IN/OUT/INS/OUTS are always allowed when CPL <= IOPL
;   (EFLAGS bits 12-13).  Otherwise the CPU consults the I/O permission
;   bitmap in the current TSS: one bit per port, 0 = allowed.  Every port
;   touched by the access (1, 2 or 4 consecutive ports) must be allowed, and
;   bitmap bytes beyond the TSS limit count as "denied".  Any refusal is
;   #GP(0).  CLI and STI need CPL <= IOPL, with no bitmap fallback.  POPF is
;   never refused: it silently leaves IF alone when CPL > IOPL and IOPL alone
;   when CPL > 0.
;
; The TSS (SEL_TSS at TSS_BASE) has its bitmap at offset 0x68; this ROM
; allows ports 0x80, 0x84-0x88 and 0x8F and denies everything else.  The
; ports are only read, except port 0x80 (the POST-code port), which is
; written.
;
; Every check prints "PASS name" / "FAIL name expected ... got ..." on port
; 0xE9, and the run ends with "DONE n passed m failed".
; =============================================================================

%include "pmtest.inc"

IOMAP           equ     TSS_BASE + TSS_IOMAP_OFS

        GDT_BEGIN
        GDT_END

; set_tss_limit: AX = new raw limit of the main TSS; reloads TR.
set_tss_limit:
        mov     [GDT_BASE + SEL_TSS], ax                ; limit 15..0
        mov     ax, SEL_TSS
        call    reload_tr
        ret

tests_main:
        ; Open the allowed ports in the bitmap (bit = 0 means allowed).
        ; byte 0x10: ports 0x80-0x87, allow 0x80 and 0x84-0x87
        mov     byte [IOMAP + 0x10], ~(0x01 | 0xF0) & 0xFF
        ; byte 0x11: ports 0x88-0x8F, allow 0x88 and 0x8F
        mov     byte [IOMAP + 0x11], ~(0x01 | 0x80) & 0xFF

; =============================================================================
; 1. Ring 3 with IOPL = 0: the bitmap decides
; =============================================================================
        ; Rule: a port whose bit is 0 is accessible at CPL 3 > IOPL 0.
        TEST    "r3-in-allowed-port-ok"
        EXPECT_NO_FAULT_R3 in al, 0x80
        TEST    "r3-out-allowed-port-ok"
        EXPECT_NO_FAULT_R3 out 0x80, al

        ; Rule: a port whose bit is 1 -> #GP(0).
        TEST    "r3-in-denied-port-gp0"
        EXPECT_FAULT_R3 13, 0, in al, 0x81
        TEST    "r3-out-denied-port-gp0"
        EXPECT_FAULT_R3 13, 0, out 0x81, al
        ; (the same through DX, for a port far up in the bitmap)
        TEST    "r3-in-dx-denied-gp0"
        mov     edx, 0x8000
        EXPECT_FAULT_R3 13, 0, in al, dx

        ; Rule: a word access checks two bits; one of them set -> #GP(0).
        TEST    "r3-in-word-half-denied-gp0"
        EXPECT_FAULT_R3 13, 0, in ax, 0x80              ; 0x81 denied
        TEST    "r3-in-word-both-allowed-ok"
        EXPECT_NO_FAULT_R3 in ax, 0x84
        ; Rule: the two bits may sit in different bitmap bytes.
        TEST    "r3-in-word-across-bytes-ok"
        EXPECT_NO_FAULT_R3 in ax, 0x87                  ; 0x87 and 0x88
        TEST    "r3-in-word-across-bytes-gp0"
        EXPECT_FAULT_R3 13, 0, in ax, 0x8F              ; 0x90 denied

        ; Rule: a dword access checks four bits.
        TEST    "r3-in-dword-allowed-ok"
        EXPECT_NO_FAULT_R3 in eax, 0x84                 ; 0x84-0x87
        TEST    "r3-in-dword-partly-denied-gp0"
        EXPECT_FAULT_R3 13, 0, in eax, 0x86             ; 0x89 denied

        ; Rule: string I/O (INS/OUTS) is checked the same way.
        TEST    "r3-insb-allowed-ok"
        mov     edx, 0x80
        mov     edi, USER_STACK_TOP - 0x100
        EXPECT_NO_FAULT_R3 insb
        TEST    "r3-outsb-denied-gp0"
        mov     edx, 0x81
        mov     esi, USER_STACK_TOP - 0x100
        EXPECT_FAULT_R3 13, 0, outsb
        CHECK_EQ "r3-outsb-denied-esi-kept", [fault_esi], USER_STACK_TOP - 0x100

        ; Rule: ring 0 (CPL <= IOPL) ignores the bitmap.
        TEST    "r0-in-denied-port-ok"
        EXPECT_NO_FAULT in al, 0x81

; =============================================================================
; 2. The bitmap must lie inside the TSS limit
; =============================================================================
        ; Rule: the CPU reads the two bitmap bytes starting at the port's
        ; byte; if they reach beyond the TSS limit, access is denied even
        ; where the bit in memory is 0.  Port 0x80 -> bitmap byte 0x10 at
        ; TSS offset 0x78 (and 0x79 for the second byte).
        TEST    "r3-bitmap-within-limit-ok"
        mov     ax, TSS_IOMAP_OFS + 0x11                ; 0x79: both inside
        call    set_tss_limit
        EXPECT_NO_FAULT_R3 in al, 0x80
        TEST    "r3-bitmap-beyond-limit-gp0"
        mov     ax, TSS_IOMAP_OFS + 0x0F                ; 0x77: byte 0x10 out
        call    set_tss_limit
        EXPECT_FAULT_R3 13, 0, in al, 0x80
        mov     ax, TSS_LIMIT & 0xFFFF
        call    set_tss_limit

        ; Rule: an I/O map base at or beyond the TSS limit means "no bitmap":
        ; every port is denied at CPL > IOPL.
        TEST    "r3-iomap-base-beyond-limit-gp0"
        mov     word [TSS_BASE + 0x66], 0x3000
        EXPECT_FAULT_R3 13, 0, in al, 0x80
        mov     word [TSS_BASE + 0x66], TSS_IOMAP_OFS
        TEST    "r3-iomap-base-restored-ok"
        EXPECT_NO_FAULT_R3 in al, 0x80

; =============================================================================
; 3. CLI / STI / POPF at ring 3 with IOPL 0
; =============================================================================
        ; Rule: CLI and STI need CPL <= IOPL -> #GP(0) at ring 3, IOPL 0.
        TEST    "r3-cli-iopl0-gp0"
        EXPECT_FAULT_R3 13, 0, cli
        TEST    "r3-sti-iopl0-gp0"
        EXPECT_FAULT_R3 13, 0, sti

        ; Rule: POPF at CPL 3 > IOPL does not fault and does not change IF
        ; or IOPL; the other flags (CF here) are loaded normally.
        TEST    "r3-popf-iopl0-no-fault"
        RUN_R3  r3_popf_set_if_iopl
        CHECK_FAULT NONE, ANY, ANY
        CHECK_MASK "r3-popf-iopl0-if-unchanged", [fault_eax], EFLAGS_IF, 0
        CHECK_MASK "r3-popf-iopl0-iopl-unchanged", [fault_eax], EFLAGS_IOPL, 0
        CHECK_MASK "r3-popf-iopl0-cf-loaded", [fault_eax], EFLAGS_CF, EFLAGS_CF

        ; Rule: IOPL 1 is still below CPL 3: I/O goes through the bitmap.
        TEST    "r3-iopl1-denied-port-gp0"
        mov     dword [user_eflags], 0x1002
        EXPECT_FAULT_R3 13, 0, in al, 0x81

; =============================================================================
; 4. Ring 3 with IOPL = 3: everything allowed
; =============================================================================
        mov     dword [user_eflags], 0x3002
        ; Rule: CPL <= IOPL: the bitmap is not consulted.
        TEST    "r3-iopl3-in-denied-port-ok"
        EXPECT_NO_FAULT_R3 in al, 0x81
        TEST    "r3-iopl3-out-ok"
        EXPECT_NO_FAULT_R3 out 0x80, al
        ; Rule: CLI/STI are allowed at CPL <= IOPL.
        TEST    "r3-iopl3-cli-ok"
        EXPECT_NO_FAULT_R3 cli
        TEST    "r3-iopl3-sti-ok"
        EXPECT_NO_FAULT_R3 sti
        ; Rule: POPF at CPL 3 with IOPL 3 may change IF, but IOPL only
        ; changes at CPL 0.
        TEST    "r3-popf-iopl3-no-fault"
        RUN_R3  r3_popf_set_if_clear_iopl
        CHECK_FAULT NONE, ANY, ANY
        CHECK_MASK "r3-popf-iopl3-if-changed", [fault_eax], EFLAGS_IF, EFLAGS_IF
        CHECK_MASK "r3-popf-iopl3-iopl-kept", [fault_eax], EFLAGS_IOPL, EFLAGS_IOPL3
        call    reset_user_ctx

        ; Rule: at CPL 0, POPF changes IOPL.
        pushfd
        or      dword [esp], EFLAGS_IOPL3
        popfd
        pushfd
        pop     eax
        push    dword 2
        popfd
        CHECK_MASK "r0-popf-sets-iopl", eax, EFLAGS_IOPL, EFLAGS_IOPL3

        FINISH

; Ring 3: try to set IF, IOPL=3 and CF with POPF; report EFLAGS in EAX.
r3_popf_set_if_iopl:
        pushfd
        or      dword [esp], EFLAGS_IF | EFLAGS_IOPL3 | EFLAGS_CF
        popfd
        pushfd
        pop     eax
        int     EXIT_VEC

; Ring 3 (IOPL 3): try to set IF and clear IOPL; report EFLAGS in EAX.
r3_popf_set_if_clear_iopl:
        pushfd
        or      dword [esp], EFLAGS_IF
        and     dword [esp], ~EFLAGS_IOPL
        popfd
        pushfd
        pop     eax
        cli                                     ; allowed: IOPL is still 3
        int     EXIT_VEC

        ROM_END
