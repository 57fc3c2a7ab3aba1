; =============================================================================
; vga-modex: golden frame of mode X (320x240, 256 colours, unchained planes), set
; through the registers alone.  A 64 KiB system ROM:
;     pcemu --bios testroms/vga-modex.bin
;
; Sets mode X (vga.inc: mode 13h's table with chain-4 off, byte addressing and
; 480-line timing), loads the RGB 3-3-2 palette (see vga-mode13h.asm), and draws a
; grid of 16 x 16 squares, 20 x 15 pixels each: the square in column c, row r has
; colour c * 16 + r.  It draws plane by plane: with the map mask (SR02) selecting
; plane p, byte y * 80 + k is pixel x = 4k + p of line y.
; Checked by Tests/DisplayTests/VGAROMGoldenTests.swift against
; Tests/DisplayTests/Golden/modeX.png (the same frame as the Swift-driven test in
; VGAGoldenTests.swift).
;
; Build:  nasm -f bin -o vga-modex.bin vga-modex.asm   (or testroms/build.sh)
; =============================================================================

        cpu     386
        bits    16
        org     0

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
%define ROM_NAME        "vga-modex"

draw:
        mov     si, vga_modex
        call    vga_set_mode
        call    vga_load_rgb332_palette
        mov     ax, 0xA000
        mov     es, ax
        xor     si, si                  ; si = plane
.plane: mov     dx, 0x3C4
        mov     cx, si
        mov     ah, 1
        shl     ah, cl
        mov     al, 2                   ; SR02: map mask = this plane
        out     dx, ax
        xor     di, di
        xor     bp, bp                  ; bp = y
.line:  mov     ax, bp
        mov     cl, 15
        div     cl
        mov     bl, al                  ; bl = y / 15 = square row
        mov     cx, si                  ; cx = x
.pixel: mov     ax, cx
        mov     dl, 20
        div     dl                      ; al = x / 20 = square column
        shl     al, 4
        add     al, bl
        stosb
        add     cx, 4
        cmp     cx, 320
        jb      .pixel
        inc     bp
        cmp     bp, 240
        jb      .line
        inc     si
        cmp     si, 4
        jb      .plane
        ret

%include "vga-rom.inc"
