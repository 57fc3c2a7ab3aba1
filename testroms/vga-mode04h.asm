; =============================================================================
; vga-mode04h: golden frame of CGA mode 04h (320x200, 4 colours, two banks), set
; through the registers alone.  A 64 KiB system ROM:
;     pcemu --bios testroms/vga-mode04h.bin
;
; Sets mode 04h (vga.inc: CGA shift mode GR05 = 30h, even/odd line banks via
; CR17, attribute AR00-AR03 = 00h, 13h, 15h, 17h: BIOS palette 1, high
; intensity), loads the 200-line DAC table, and draws four horizontal stripes of
; 50 lines in colours 0-3 (black, light cyan, light magenta, white), crossed every
; 80 pixels by a 2-pixel column of colour 3.  Line y lives in the bank at
; B8000 + (y & 1) * 2000h, at (y / 2) * 80 bytes, 4 pixels a byte (bits 7-6 first).
; Checked by Tests/DisplayTests/VGAROMGoldenTests.swift against
; Tests/DisplayTests/Golden/mode04h.png (the same frame as the Swift-driven test in
; VGAGoldenTests.swift).
;
; Build:  nasm -f bin -o vga-mode04h.bin vga-mode04h.asm   (or testroms/build.sh)
; =============================================================================

        cpu     386
        bits    16
        org     0

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
%define ROM_NAME        "vga-mode04h"

draw:
        mov     si, vga_mode04
        call    vga_set_mode
        call    vga_load_cga_palette
        mov     ax, 0xB800
        mov     es, ax
        xor     dx, dx                  ; dx = y
.line:  mov     di, dx
        shr     di, 1
        imul    di, di, 80              ; (y / 2) * 80
        test    dl, 1
        jz      .even
        add     di, 0x2000              ; odd lines: the second bank
.even:  mov     ax, dx
        mov     cl, 50
        div     cl                      ; al = stripe colour 0-3
        mov     ah, 0x55
        mul     ah                      ; al = the colour in all four pixels
        mov     bl, al
        xor     cx, cx                  ; cx = byte in the line
.byte:  mov     ax, cx
        push    dx
        xor     dx, dx
        mov     bp, 20
        div     bp                      ; dx = byte mod 20
        mov     al, bl
        test    dx, dx
        pop     dx
        jnz     .put
        and     al, 0x0F
        or      al, 0xF0                ; pixels 0-1 of every 20th byte: colour 3
.put:   stosb
        inc     cx
        cmp     cx, 80
        jb      .byte
        inc     dx
        cmp     dx, 200
        jb      .line
        ret

%include "vga-rom.inc"
