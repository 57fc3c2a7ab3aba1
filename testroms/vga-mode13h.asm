; =============================================================================
; vga-mode13h: golden frame of VGA mode 13h (320x200, 256 colours, chain-4), set
; through the registers alone.  A 64 KiB system ROM:
;     pcemu --bios testroms/vga-mode13h.bin
;
; Sets mode 13h (vga.inc), loads an RGB 3-3-2 palette into all 256 DAC entries
; (red (i >> 5) * 9, green (i >> 2 & 7) * 9, blue (i & 3) * 21), and fills the
; screen through the chain-4 window at A0000: pixel (x, y) gets colour
; (x + 2y) mod 256 -- diagonal bands sweeping the palette -- except the outermost
; pixels, colour FFh (white), a frame round the edge.
; Checked by Tests/DisplayTests/VGAROMGoldenTests.swift against
; Tests/DisplayTests/Golden/mode13h.png (the same frame as the Swift-driven test in
; VGAGoldenTests.swift); Tests/PcemuTests/ScreenshotTests.swift takes it with
; --screenshot.
;
; Build:  nasm -f bin -o vga-mode13h.bin vga-mode13h.asm   (or testroms/build.sh)
; =============================================================================

        cpu     386
        bits    16
        org     0

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
%define ROM_NAME        "vga-mode13h"

draw:
        mov     si, vga_mode13
        call    vga_set_mode
        call    vga_load_rgb332_palette
        mov     ax, 0xA000
        mov     es, ax
        xor     di, di
        xor     dx, dx                  ; dx = y
.line:  xor     cx, cx                  ; cx = x
.pixel: mov     al, 0xFF
        test    dx, dx
        jz      .put
        cmp     dx, 199
        je      .put
        jcxz    .put
        cmp     cx, 319
        je      .put
        mov     al, dl
        add     al, al
        add     al, cl                  ; (x + 2y) mod 256
.put:   stosb
        inc     cx
        cmp     cx, 320
        jb      .pixel
        inc     dx
        cmp     dx, 200
        jb      .line
        ret

%include "vga-rom.inc"
