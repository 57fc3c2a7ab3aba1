; =============================================================================
; board-determinism.asm -- the board's clocks and interrupts, run twice
;
; A 64 KiB ROM (no BIOS) that programs the AT board's timers and takes their
; interrupts, printing what it reads on the debug console (port 0xE9).  The
; whole-machine test (Tests/PcemuTests/BoardTests.swift) runs it twice and
; expects the same transcript and the same final cycle count, because every
; device in pcemu is clocked from the CPU's cycle counter (DESIGN.md, "Time").
;
; What it does
;   1. Programs the 8259A pair: ICW1-4, master vectors 20h-27h, slave 28h-2Fh,
;      slave on IRQ2; masks everything but IRQ0, IRQ2 (cascade) and IRQ8.
;   2. Programs 8254 counter 0: mode 2 (rate generator), binary, lo/hi,
;      count 1193 -> 1193182 / 1193 = 1000.15 Hz on IRQ0.
;   3. Programs the MC146818: register A = 26h (32.768 kHz base, 1024 Hz
;      periodic rate), register B |= PIE; reads register C to clear flags.
;   4. STI; HLT until TICKS_WANTED IRQ0 interrupts have arrived.
;      The IRQ0 handler counts ticks; on every SAMPLE_EVERY-th tick it latches
;      counter 0 and reads RTC register A (UIP bit), seconds and minutes, and
;      prints one line:
;        tick=00100 pit=XXXX rtcA=26 sec=00 min=00 irq8=00102
;      The IRQ8 handler counts periodic interrupts (reads register C, which
;      acknowledges the RTC, then EOIs slave and master).  Any other vector
;      20h-2Fh counts as "other" (there should be none).
;   5. CLI, turns PIE off, masks the PICs, then polls RTC register A until UIP
;      rises, then until it falls, and reports the seconds before and after the
;      update cycle:  uip: sec 01 -> 02
;   6. Prints the totals and checks them itself:
;        totals: ticks=01200 irq8=NNNNN other=00000
;      irq8 must be within 1200 * 1.024 +- 2 %, and the seconds must have
;      advanced by one across UIP.  "PASS" + exit 10h, or "FAIL ..." + exit 11h.
;
; Guest time: 1200 ticks of 1000.15 Hz = 1.1998 s, so one RTC update (at
; 1.0 s after power-on in pcemu, whose RTC starts at 12:00:00 at cycle 0)
; falls inside the sampled window, and the UIP poll waits for the next one.
;
; Build:  nasm -f bin -o board-determinism.bin board-determinism.asm
; =============================================================================

        cpu     386
        bits    16
        org     0

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4

PIT_COUNT       equ     1193            ; 1.193182 MHz / 1193 = 1000.15 Hz
TICKS_WANTED    equ     1200
SAMPLE_EVERY    equ     100
; Expected periodic interrupts: TICKS_WANTED * 1193 / 1193182 s * 1024 Hz
;   = 1200 * 1193 * 1024 / 1193182 = 1228.6; allow +- 2 %.
IRQ8_MIN        equ     1204
IRQ8_MAX        equ     1253

; Variables in RAM (segment 0, DS = 0), above the IVT and BIOS data area.
VARS            equ     0x0500
ticks           equ     VARS + 0        ; word: IRQ0 count
irq8s           equ     VARS + 2        ; word: IRQ8 count
others          equ     VARS + 4        ; word: any other vector 20h-2Fh
sec_before      equ     VARS + 6        ; byte
sec_after       equ     VARS + 7        ; byte
failed          equ     VARS + 8        ; byte: 0 = all checks passed

start:
        cli
        cld
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7C00
        mov     ds, ax
        mov     es, ax

        ; Clear the variables.
        mov     di, VARS
        mov     cx, 8
        rep     stosw

        mov     si, banner
        call    print_str

        ; --- IVT: vectors 20h-2Fh -> other_isr, then IRQ0 and IRQ8 -------------
        mov     di, 0x20 * 4
        mov     cx, 16
.ivt:   mov     word [di], other_isr
        mov     word [di + 2], 0xF000
        add     di, 4
        loop    .ivt
        mov     word [0x20 * 4], irq0_isr
        mov     word [0x28 * 4], irq8_isr

        ; --- 8259A pair -------------------------------------------------------
        mov     al, 0x11                ; ICW1: edge, cascade, ICW4 needed
        out     0x20, al
        out     0xA0, al
        mov     al, 0x20                ; ICW2: master vectors 20h-27h
        out     0x21, al
        mov     al, 0x28                ; ICW2: slave vectors 28h-2Fh
        out     0xA1, al
        mov     al, 0x04                ; ICW3 master: slave on IR2
        out     0x21, al
        mov     al, 0x02                ; ICW3 slave: cascade identity 2
        out     0xA1, al
        mov     al, 0x01                ; ICW4: 8086 mode, normal EOI
        out     0x21, al
        out     0xA1, al
        mov     al, 0xFA                ; OCW1 master: IRQ0 and IRQ2 open
        out     0x21, al
        mov     al, 0xFE                ; OCW1 slave: IRQ8 open
        out     0xA1, al

        ; --- 8254 counter 0: mode 2, 1 kHz -----------------------------------
        mov     al, 0x34                ; SC=00 RW=11 (lo/hi) M=010 BCD=0
        out     0x43, al
        mov     al, PIT_COUNT & 0xFF
        out     0x40, al
        mov     al, PIT_COUNT >> 8
        out     0x40, al

        ; --- MC146818: 1024 Hz periodic interrupt -----------------------------
        mov     al, 0x0A
        out     0x70, al
        mov     al, 0x26                ; DV=010 (32.768 kHz), RS=0110 (1024 Hz)
        out     0x71, al
        mov     al, 0x0C                ; read C: clear stale flags
        out     0x70, al
        in      al, 0x71
        mov     al, 0x0B
        out     0x70, al
        in      al, 0x71
        or      al, 0x40                ; PIE
        mov     ah, al
        mov     al, 0x0B
        out     0x70, al
        mov     al, ah
        out     0x71, al

        ; --- wait for the ticks ----------------------------------------------
        sti
.wait:  hlt
        cmp     word [ticks], TICKS_WANTED
        jb      .wait
        cli

        ; --- quiet the board --------------------------------------------------
        mov     al, 0x0B
        out     0x70, al
        in      al, 0x71
        and     al, ~0x40 & 0xFF        ; PIE off
        mov     ah, al
        mov     al, 0x0B
        out     0x70, al
        mov     al, ah
        out     0x71, al
        mov     al, 0xFF
        out     0x21, al
        out     0xA1, al

        ; --- watch one update cycle -------------------------------------------
        ; Wait for UIP = 1 (the update is at most 1 s away), read the seconds
        ; after it falls again.  The seconds before are read while UIP = 0
        ; just before it rises, as the data sheet allows.
        xor     ecx, ecx
.uip_lo:
        mov     al, 0x00
        out     0x70, al
        in      al, 0x71
        mov     bl, al                  ; seconds while UIP was still 0
        mov     al, 0x0A
        out     0x70, al
        in      al, 0x71
        inc     ecx
        cmp     ecx, 0x01000000         ; give up after 16 M polls
        jae     .uip_timeout
        test    al, 0x80
        jz      .uip_lo
.uip_hi:
        mov     al, 0x0A
        out     0x70, al
        in      al, 0x71
        inc     ecx
        cmp     ecx, 0x01000000
        jae     .uip_timeout
        test    al, 0x80
        jnz     .uip_hi
        mov     al, 0x00
        out     0x70, al
        in      al, 0x71
        mov     [sec_after], al
        mov     [sec_before], bl
        mov     si, uip_msg
        call    print_str
        mov     al, [sec_before]
        call    print_hex8
        mov     si, arrow_msg
        call    print_str
        mov     al, [sec_after]
        call    print_hex8
        call    print_nl
        ; BCD seconds: after = before + 1 (x9 -> (x+1)0 and 59 -> 00).
        mov     al, [sec_before]
        add     al, 1
        daa
        cmp     al, 0x60
        jne     .sec_cmp
        xor     al, al
.sec_cmp:
        cmp     al, [sec_after]
        je      .totals
        mov     si, fail_sec
        call    print_str
        mov     byte [failed], 1
        jmp     .totals
.uip_timeout:
        mov     si, fail_uip
        call    print_str
        mov     byte [failed], 1

.totals:
        mov     si, totals_msg
        call    print_str
        mov     ax, [ticks]
        call    print_dec5
        mov     si, irq8_msg
        call    print_str
        mov     ax, [irq8s]
        call    print_dec5
        mov     si, other_msg
        call    print_str
        mov     ax, [others]
        call    print_dec5
        call    print_nl

        mov     ax, [irq8s]
        cmp     ax, IRQ8_MIN
        jb      .bad_rate
        cmp     ax, IRQ8_MAX
        ja      .bad_rate
        jmp     .check_other
.bad_rate:
        mov     si, fail_rate
        call    print_str
        mov     byte [failed], 1
.check_other:
        cmp     word [others], 0
        je      .verdict
        mov     si, fail_other
        call    print_str
        mov     byte [failed], 1
.verdict:
        cmp     byte [failed], 0
        jne     .fail
        mov     si, pass_msg
        call    print_str
        mov     al, 0x10
        out     EXIT_PORT, al
        jmp     halt
.fail:
        mov     si, fail_msg
        call    print_str
        mov     al, 0x11
        out     EXIT_PORT, al
halt:   cli
        hlt
        jmp     halt

; =============================================================================
; Interrupt handlers (IF = 0 inside: real-mode interrupts clear it).
; =============================================================================
irq0_isr:
        push    ax
        push    dx
        push    si
        push    ds
        xor     ax, ax
        mov     ds, ax
        inc     word [ticks]
        mov     ax, [ticks]
        xor     dx, dx
        mov     si, SAMPLE_EVERY
        div     si
        test    dx, dx
        jnz     .eoi
        ; tick=NNNNN
        mov     si, tick_msg
        call    print_str
        mov     ax, [ticks]
        call    print_dec5
        ; pit=XXXX (counter latch command for counter 0, then LSB, MSB)
        mov     si, pit_msg
        call    print_str
        mov     al, 0x00
        out     0x43, al
        in      al, 0x40
        mov     ah, al
        in      al, 0x40
        xchg    al, ah
        call    print_hex16
        ; rtcA=XX sec=XX min=XX
        mov     si, rtca_msg
        call    print_str
        mov     al, 0x0A
        out     0x70, al
        in      al, 0x71
        call    print_hex8
        mov     si, sec_msg
        call    print_str
        mov     al, 0x00
        out     0x70, al
        in      al, 0x71
        call    print_hex8
        mov     si, min_msg
        call    print_str
        mov     al, 0x02
        out     0x70, al
        in      al, 0x71
        call    print_hex8
        ; irq8=NNNNN
        mov     si, irq8_msg
        call    print_str
        mov     ax, [irq8s]
        call    print_dec5
        call    print_nl
.eoi:
        mov     al, 0x20                ; non-specific EOI to the master
        out     0x20, al
        pop     ds
        pop     si
        pop     dx
        pop     ax
        iret

irq8_isr:
        push    ax
        push    ds
        xor     ax, ax
        mov     ds, ax
        inc     word [irq8s]
        mov     al, 0x0C                ; read register C: acknowledges the RTC
        out     0x70, al
        in      al, 0x71
        mov     al, 0x20
        out     0xA0, al                ; EOI slave, then master (cascade IR2)
        out     0x20, al
        pop     ds
        pop     ax
        iret

other_isr:
        push    ax
        push    ds
        xor     ax, ax
        mov     ds, ax
        inc     word [others]
        mov     al, 0x20
        out     0xA0, al
        out     0x20, al
        pop     ds
        pop     ax
        iret

; =============================================================================
; Output helpers.  All preserve every register.
; =============================================================================

%include "debugcon.inc"

; print_hex16: AX as four hex digits.
print_hex16:
        push    ax
        xchg    al, ah
        call    print_hex8
        xchg    al, ah
        call    print_hex8
        pop     ax
        ret

; print_dec5: AX as five decimal digits with leading zeros.
print_dec5:
        push    ax
        push    bx
        push    cx
        push    dx
        mov     bx, 10
        mov     cx, 5
.div:   xor     dx, dx
        div     bx
        push    dx
        loop    .div
        mov     cx, 5
.put:   pop     ax
        add     al, '0'
        out     DEBUG_PORT, al
        loop    .put
        pop     dx
        pop     cx
        pop     bx
        pop     ax
        ret

; =============================================================================
; Strings
; =============================================================================
banner:         db      "board-determinism: PIC, PIT 1 kHz, RTC 1024 Hz", 10, 0
tick_msg:       db      "tick=", 0
pit_msg:        db      " pit=", 0
rtca_msg:       db      " rtcA=", 0
sec_msg:        db      " sec=", 0
min_msg:        db      " min=", 0
irq8_msg:       db      " irq8=", 0
other_msg:      db      " other=", 0
totals_msg:     db      "totals: ticks=", 0
uip_msg:        db      "uip: sec ", 0
arrow_msg:      db      " -> ", 0
fail_sec:       db      "FAIL: seconds did not advance by one across UIP", 10, 0
fail_uip:       db      "FAIL: UIP never rose and fell", 10, 0
fail_rate:      db      "FAIL: IRQ8 count is not 1024 Hz x elapsed time (+-2%)", 10, 0
fail_other:     db      "FAIL: unexpected interrupts", 10, 0
pass_msg:       db      "PASS", 10, 0
fail_msg:       db      "FAIL", 10, 0

; =============================================================================
; Reset vector
; =============================================================================
%include "resetvector.inc"
        RESET_VECTOR "DETERM"
