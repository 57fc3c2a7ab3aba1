; =============================================================================
; vga-mode12h: golden frame of VGA mode 12h (640x480, 16 colours, planar), set
; through the registers alone.  A 64 KiB system ROM:
;     pcemu --bios testroms/vga-mode12h.bin
;
; Sets mode 12h (vga.inc: misc, sequencer, CRTC, GC, attribute), loads the EGA
; palette into DAC entries 0-63, and draws with three write modes:
;   - write mode 2 (GR05 = 02h), lines 0-239: each byte of the line gets colour
;     column / 5, i.e. 16 vertical bars 40 pixels wide in colours 0-15 (each byte
;     read first to load the latches, as a program would);
;   - write mode 0 with set/reset (GR01 = 0Fh enable, GR00 = 0Eh): a rectangle of
;     colour 14 (yellow) over x 80-239, y 300-379, whatever byte the CPU writes;
;   - write mode 0 with the XOR function (GR03 = 18h) and a one-bit mask (GR08):
;     the diagonal x = y, 0 <= y < 480, XORed with colour 15, so it inverts the
;     colour of each bar it crosses.
; Then GR03 = 00h, GR08 = FFh.  Checked by Tests/DisplayTests/VGAROMGoldenTests.swift
; against Tests/DisplayTests/Golden/mode12h.png (the same frame as the Swift-driven
; test in VGAGoldenTests.swift).
;
; Build:  nasm -f bin -o vga-mode12h.bin vga-mode12h.asm   (or testroms/build.sh)
; =============================================================================

        cpu     386
        bits    16
        org     0

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
%define ROM_NAME        "vga-mode12h"

draw:
        mov     si, vga_mode12
        call    vga_set_mode
        call    vga_load_ega_palette
        mov     ax, 0xA000
        mov     es, ax
        mov     dx, 0x3CE

        mov     ax, 0x0205              ; GR05: write mode 2
        out     dx, ax
        xor     di, di
        mov     bp, 240                 ; lines
.bars_line:
        xor     bx, bx                  ; byte in the line
.bars_byte:
        mov     al, [es:di]             ; load the latches
        mov     ax, bx
        mov     cl, 5
        div     cl                      ; al = byte / 5 = colour
        stosb
        inc     bx
        cmp     bx, 80
        jb      .bars_byte
        dec     bp
        jnz     .bars_line

        mov     ax, 0x0005              ; GR05: write mode 0
        out     dx, ax
        mov     ax, 0x0F01              ; GR01: set/reset on all planes
        out     dx, ax
        mov     ax, 0x0E00              ; GR00: set/reset colour 14
        out     dx, ax
        mov     di, 300 * 80 + 10
        mov     bp, 80                  ; lines 300-379
.rect:  mov     cx, 20                  ; bytes 10-29: x 80-239
        xor     al, al                  ; the CPU's byte does not matter
        rep     stosb
        add     di, 80 - 20
        dec     bp
        jnz     .rect

        mov     ax, 0x0001              ; GR01: set/reset off
        out     dx, ax
        mov     ax, 0x1803              ; GR03: XOR
        out     dx, ax
        xor     bx, bx                  ; bx = y
.diag:  mov     ax, bx
        imul    di, bx, 80
        shr     ax, 3
        add     di, ax                  ; y * 80 + y / 8
        mov     cl, bl
        and     cl, 7
        mov     ah, 0x80
        shr     ah, cl
        mov     al, 8                   ; GR08: bit mask = the pixel's bit
        out     dx, ax
        mov     al, [es:di]             ; load the latches
        mov     byte [es:di], 0xFF
        inc     bx
        cmp     bx, 480
        jb      .diag
        mov     ax, 0x0003              ; GR03: replace
        out     dx, ax
        mov     ax, 0xFF08              ; GR08: all bits
        out     dx, ax
        ret

%include "vga-rom.inc"
