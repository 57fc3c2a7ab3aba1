; =============================================================================
; Lesson 7 -- IOPL and the I/O permission bitmap        (docs/lessons/07-io-permission.md)
;
; IN, OUT, INS and OUTS are allowed when CPL <= IOPL (EFLAGS bits 12-13).
; Otherwise the CPU consults the I/O permission bitmap of the current 32-bit
; TSS: the bitmap starts at the offset in the TSS word at 66h, one bit per
; port, and *every* bit of the ports an access touches must be 0; a bitmap
; byte beyond the TSS limit counts as all ones (SDM vol. 1, 18.5).  Failure
; is #GP(0).  CLI and STI need CPL <= IOPL -- no bitmap for them -- and POPF
; changes IOPL only at CPL 0 (silently otherwise; see lesson 10).
;
; Set-up (testroms/pmtest.inc): 32-bit protected mode at ring 0 with IOPL 0;
; the TSS at 4000h has its bitmap at offset 68h, 2000h bytes covering all
; 65,536 ports, every bit 1 (deny); RUN_R3 runs code at ring 3.
;
; Marks (labels the walk-through stops at; `pcemu lesson 7`):
;   r0_out            ring 0, IOPL 0: CPL <= IOPL, no bitmap needed (port 80h)
;   r3_out_denied     ring 3 writes port E9h, bitmap bit 1: #GP(0)
;   r3_out_allowed    bit for E9h cleared: ring 3 prints through port E9h
;   r3_in_word        IN AX from 307h: 307h allowed, 308h not: #GP(0)
;   r3_in_byte        IN AL from 307h alone: allowed
;   r3_iopl3_in       IOPL 3: ring 3 may use any port, bitmap or not
;   r3_cli            CLI at ring 3 with IOPL 0: #GP(0)
;   r3_cli_iopl3      ... and with IOPL 3: allowed
;   r3_popf_iopl      ring 3 POPF trying to set IOPL 3: silently ignored
;   r3_out_beyond     bitmap offset beyond the TSS limit: every port denied
;
; Output: "PASS name" / "FAIL name expected ... got ..." per check on port
; 0xE9, then "DONE n passed m failed".  Assemble with testroms/build.sh.
; =============================================================================

%include "pmtest.inc"
%include "lesson.inc"

IOMAP           equ     TSS_BASE + TSS_IOMAP_OFS        ; the bitmap
PORT_A          equ     0x307           ; no device: IN reads FFh
PORT_B          equ     0x308

        GDT_BEGIN
        GDT_END

r_flags         equ     scratch_vars + 0
r_in            equ     scratch_vars + 4

; ALLOW port: clear the port's bit in the bitmap
%macro ALLOW 1
        and     byte [IOMAP + ((%1) >> 3)], ~(1 << ((%1) & 7)) & 0xFF
%endmacro

tests_main:
        SAY     "lesson 7: IOPL and the I/O permission bitmap"

; -----------------------------------------------------------------------------
; 1. Ring 0, IOPL 0: CPL <= IOPL, the bitmap is not consulted.
; -----------------------------------------------------------------------------
        TEST    "ring0-out-with-iopl0"
        mov     al, 0x07
        NO_FAULT_AT r0_out, out 0x80, al        ; POST-code port: 07h

; -----------------------------------------------------------------------------
; 2. Ring 3, IOPL 0: the bitmap decides, port by port.
; -----------------------------------------------------------------------------
        TEST    "ring3-out-e9-bitmap-denies-gp0"
        RUN_R3  r3_denied
        CHECK_FAULT 13, 0, r3_out_denied
        ALLOW   DEBUG_PORT
        TEST    "ring3-out-e9-bitmap-allows"
        RUN_R3  r3_allowed
        CHECK_FAULT NONE, ANY, ANY

        ; A word access checks two bits -- here in two bitmap bytes (307h is
        ; bit 7 of byte 60h, 308h bit 0 of byte 61h).
        ALLOW   PORT_A
        TEST    "ring3-in-word-307-needs-308-too-gp0"
        RUN_R3  r3_word
        CHECK_FAULT 13, 0, r3_in_word
        TEST    "ring3-in-byte-307-allowed"
        RUN_R3  r3_byte
        CHECK_FAULT NONE, ANY, ANY
        CHECK_EQ "ring3-in-byte-read-ff", [r_in], 0xFF

; -----------------------------------------------------------------------------
; 3. IOPL 3: CPL 3 <= IOPL 3, every port, whatever the bitmap says.
;    (Only ring 0 can set IOPL: here through the EFLAGS image RUN_R3 IRETs.)
; -----------------------------------------------------------------------------
        mov     dword [user_eflags], EFLAGS_IOPL3 | 2
        TEST    "ring3-iopl3-in-from-denied-port-allowed"
        RUN_R3  r3_iopl3
        CHECK_FAULT NONE, ANY, ANY
        mov     dword [user_eflags], 2

; -----------------------------------------------------------------------------
; 4. CLI/STI: IOPL only.  POPF at ring 3 cannot change IOPL (nor IF when
;    CPL > IOPL): no fault, the bits just stay.
; -----------------------------------------------------------------------------
        TEST    "ring3-cli-iopl0-gp0"
        RUN_R3  r3_cli0
        CHECK_FAULT 13, 0, r3_cli
        mov     dword [user_eflags], EFLAGS_IOPL3 | EFLAGS_IF | 2
        TEST    "ring3-cli-iopl3-allowed"
        RUN_R3  r3_cli3
        CHECK_FAULT NONE, ANY, ANY
        CHECK_MASK "ring3-cli-iopl3-cleared-if", [r_flags], EFLAGS_IF, 0
        mov     dword [user_eflags], 2
        TEST    "ring3-popf-iopl3-no-fault"
        RUN_R3  r3_popf
        CHECK_FAULT NONE, ANY, ANY
        CHECK_MASK "ring3-popf-left-iopl-0", [r_flags], EFLAGS_IOPL, 0

; -----------------------------------------------------------------------------
; 5. The bitmap offset beyond the TSS limit: there is no bitmap, and ring 3
;    may use no port at all (the bit for E9h is still 0, but out of reach).
; -----------------------------------------------------------------------------
        mov     word [TSS_BASE + 0x66], TSS_LIMIT + 1
        TEST    "ring3-bitmap-beyond-tss-limit-gp0"
        RUN_R3  r3_beyond
        CHECK_FAULT 13, 0, r3_out_beyond
        mov     word [TSS_BASE + 0x66], TSS_IOMAP_OFS

        FINISH

; -----------------------------------------------------------------------------
; Ring-3 code (each ends with INT 30h)
; -----------------------------------------------------------------------------
r3_denied:
        mov     al, '!'
r3_out_denied:
        out     DEBUG_PORT, al                  ; bit E9h = 1: #GP(0)
        int     EXIT_VEC

r3_allowed:
        mov     esi, r3_message
r3_print_next:
        mov     al, [esi]
        test    al, al
        jz      r3_print_done
r3_out_allowed:
        out     DEBUG_PORT, al                  ; bit E9h = 0: allowed
        inc     esi
        jmp     r3_print_next
r3_print_done:
        int     EXIT_VEC
r3_message:     db      "ring 3 prints through port E9h", 10, 0

r3_word:
        mov     dx, PORT_A
r3_in_word:
        in      ax, dx                          ; ports 307h and 308h
        int     EXIT_VEC

r3_byte:
        mov     dx, PORT_A
        xor     eax, eax
r3_in_byte:
        in      al, dx                          ; port 307h only
        mov     [r_in], eax
        int     EXIT_VEC

r3_iopl3:
        mov     dx, PORT_B                      ; denied in the bitmap
r3_iopl3_in:
        in      al, dx                          ; but IOPL 3 >= CPL 3
        int     EXIT_VEC

r3_cli0:
r3_cli:
        cli                                     ; CPL 3 > IOPL 0: #GP(0)
        int     EXIT_VEC

r3_cli3:
r3_cli_iopl3:
        cli                                     ; IOPL 3: fine
        pushfd
        pop     dword [r_flags]
        int     EXIT_VEC

r3_popf:
        pushfd
        or      dword [esp], EFLAGS_IOPL3       ; ask for IOPL 3 ...
r3_popf_iopl:
        popfd                                   ; ... ignored at CPL 3
        pushfd
        pop     dword [r_flags]
        int     EXIT_VEC

r3_beyond:
        mov     al, '!'
r3_out_beyond:
        out     DEBUG_PORT, al                  ; no bitmap in reach: #GP(0)
        int     EXIT_VEC

        ROM_END
