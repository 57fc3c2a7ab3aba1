; =============================================================================
; pcemu demo ROM
;
; This is the tiny program pcemu runs when started without arguments.  It is a
; complete 64 KiB "BIOS" image, but it does almost nothing a real BIOS does: it
; only shows that a real-mode x86 CPU is alive, can call subroutines, do
; arithmetic, and talk to the outside world through an I/O port.
;
; How it gets control
;   The image is mapped so that its last byte sits at physical address 0xFFFFF
;   (and again just below 4 GiB).  After reset the CPU executes the instruction
;   at F000:FFF0, sixteen bytes before the end of the image.  We put a far jump
;   to `start` there.  Because the image begins at physical 0xF0000, an offset
;   inside this file is also the offset inside segment 0xF000 -- hence `org 0`.
;
; How it talks
;   Every byte written to I/O port 0xE9 (the "debug console" used by Bochs and
;   QEMU) is printed by the emulator.  There is no BIOS and no video card.
;
; How it stops
;   Writing 0x10 to I/O port 0xF4 asks the emulator to exit (the QEMU
;   isa-debug-exit convention; QEMU then exits with status (0x10<<1)|1 = 33).
;   If nobody listens on that port we simply halt forever with interrupts off.
;
; What it prints (exactly):
;   pcemu demo ROM: real-mode x86 running.
;   First 10 Fibonacci numbers: 0 1 1 2 3 5 8 13 21 34
;   Sum of 1..100 = 5050
;   CRC-16/CCITT of the banner line = 0x9168
;   Halting.
;
; The numbers are computed at run time, so wrong arithmetic, flags or control
; flow in the emulated CPU shows up as wrong output.  (The CRC value can be
; checked on a host, e.g. in Python:
;   binascii.crc_hqx(b"pcemu demo ROM: real-mode x86 running.\r\n", 0xFFFF) )
;
; Only 8086 instructions are used, so this also runs on the oldest CPU models.
;
; Build:  nasm -f bin -o demo.bin demo.asm   (or ./build.sh)
; =============================================================================

        cpu     8086
        bits    16
        org     0                       ; offset 0 of the image = F000:0000

DEBUG_PORT      equ     0xE9            ; write a byte here to print it
EXIT_PORT       equ     0xF4            ; write 0x10 here to exit the emulator
EXIT_CODE       equ     0x10

; -----------------------------------------------------------------------------
; Entry point (reached from the reset vector at the end of the image).
; -----------------------------------------------------------------------------
start:
        cli                             ; no interrupt handlers exist: keep IF=0
        cld                             ; string instructions count upward

        ; Stack: 0000:7C00 grows down into ordinary RAM (RAM is below 640 KiB).
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7C00

        ; Data: our strings live inside the ROM itself, so DS = CS = 0xF000.
        mov     ax, cs
        mov     ds, ax
        xor     ax, ax
        mov     es, ax                  ; ES is unused; give it a sane value

        ; --- 1. Banner ------------------------------------------------------
        mov     si, banner
        call    print_str

        ; --- 2. Fibonacci: a(0)=0, a(1)=1, a(n)=a(n-1)+a(n-2) ---------------
        mov     si, fib_msg
        call    print_str
        xor     ax, ax                  ; AX = a(n)
        mov     bx, 1                   ; BX = a(n+1)
        mov     cx, 10                  ; how many numbers to print
.fib_loop:
        call    print_dec               ; print AX in decimal (keeps registers)
        cmp     cx, 1
        je      .fib_done               ; no trailing space after the last one
        push    ax
        mov     al, ' '
        call    print_char
        pop     ax
        mov     dx, ax                  ; advance the pair (a, b) -> (b, a+b)
        add     dx, bx
        mov     ax, bx
        mov     bx, dx
.fib_done:
        loop    .fib_loop
        mov     si, crlf
        call    print_str

        ; --- 3. Sum of 1..100 with a LOOP counting down ---------------------
        mov     si, sum_msg
        call    print_str
        xor     ax, ax
        mov     cx, 100
.sum_loop:
        add     ax, cx                  ; 100 + 99 + ... + 1
        loop    .sum_loop
        call    print_dec
        mov     si, crlf
        call    print_str

        ; --- 4. CRC-16/CCITT (poly 0x1021, init 0xFFFF) of the banner --------
        mov     si, crc_msg
        call    print_str
        mov     si, banner
        mov     cx, banner_len
        call    crc16_ccitt             ; result in AX
        call    print_hex16
        mov     si, crlf
        call    print_str

        ; --- 5. Goodbye -----------------------------------------------------
        mov     si, halt_msg
        call    print_str

; Ask the emulator to exit; if that port does nothing, halt for good.
exit:
        mov     al, EXIT_CODE
        out     EXIT_PORT, al
.forever:
        cli
        hlt
        jmp     .forever

; =============================================================================
; Subroutines.  All of them preserve every register except where noted.
; =============================================================================

; print_char: write the byte in AL to the debug console.
print_char:
        out     DEBUG_PORT, al
        ret

; print_str: print the zero-terminated string at DS:SI.
print_str:
        push    ax
        push    si
.next:
        lodsb                           ; AL = [DS:SI], SI += 1
        test    al, al
        jz      .done
        out     DEBUG_PORT, al
        jmp     .next
.done:
        pop     si
        pop     ax
        ret

; print_dec: print AX as an unsigned decimal number (0..65535).
; Digits are produced least significant first by repeated division by 10, so
; they are pushed on the stack and popped in the right order.
print_dec:
        push    ax
        push    bx
        push    cx
        push    dx
        mov     bx, 10
        xor     cx, cx                  ; CX = number of digits pushed
.divide:
        xor     dx, dx                  ; DX:AX / 10 -> AX quotient, DX remainder
        div     bx
        push    dx
        inc     cx
        test    ax, ax
        jnz     .divide
.emit:
        pop     ax
        add     al, '0'
        out     DEBUG_PORT, al
        loop    .emit
        pop     dx
        pop     cx
        pop     bx
        pop     ax
        ret

; print_hex16: print AX as "0x" followed by four upper-case hex digits.
print_hex16:
        push    ax
        push    bx
        push    cx
        mov     bx, ax
        mov     al, '0'
        out     DEBUG_PORT, al
        mov     al, 'x'
        out     DEBUG_PORT, al
        mov     cx, 4                   ; four nibbles, most significant first
.nibble:
        push    cx
        mov     cl, 4
        rol     bx, cl                  ; bring the top nibble to the bottom
        pop     cx
        mov     al, bl
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'A' - '0' - 10      ; 10..15 -> 'A'..'F'
.out:
        out     DEBUG_PORT, al
        loop    .nibble
        pop     cx
        pop     bx
        pop     ax
        ret

; crc16_ccitt: CRC-16/CCITT-FALSE of CX bytes at DS:SI, bit by bit.
;   In:  DS:SI = data, CX = length.   Out: AX = CRC.   Clobbers SI, CX.
crc16_ccitt:
        push    bx
        push    dx
        mov     dx, 0xFFFF              ; initial value
.byte:
        lodsb
        xor     dh, al                  ; feed the byte into the top 8 bits
        mov     bl, 8                   ; eight bits per byte
.bit:
        shl     dx, 1                   ; shift out the top bit into CF...
        jnc     .no_xor
        xor     dx, 0x1021              ; ...and if it was 1, apply the polynomial
.no_xor:
        dec     bl
        jnz     .bit
        loop    .byte
        mov     ax, dx
        pop     dx
        pop     bx
        ret

; =============================================================================
; Read-only data (lives in the ROM, addressed through DS = 0xF000).
; =============================================================================
banner:         db      "pcemu demo ROM: real-mode x86 running.", 13, 10, 0
banner_len      equ     $ - banner - 1  ; length without the terminating zero
fib_msg:        db      "First 10 Fibonacci numbers: ", 0
sum_msg:        db      "Sum of 1..100 = ", 0
crc_msg:        db      "CRC-16/CCITT of the banner line = ", 0
halt_msg:       db      "Halting.", 13, 10, 0
crlf:           db      13, 10, 0

; =============================================================================
; Reset vector.  The CPU starts at F000:FFF0, i.e. 16 bytes before the end of
; the image.  A 5-byte far jump takes us to `start`.
; =============================================================================
        times   0xFFF0 - ($ - $$) db 0xFF   ; fill unused ROM like an erased EPROM
reset_vector:
        jmp     0xF000:start
        db      "PCEMU", 0              ; marker, purely informational
        times   0x10000 - ($ - $$) db 0xFF  ; image is exactly 64 KiB
