; =============================================================================
; bios-video: a boot floppy program (not a ROM) that calls a BIOS's INT 10h video
; services in every standard mode, the way DOS programs do, and reports on port
; E9h.  The test (Tests/DisplayTests/BIOSVideoTests.swift) writes this image to
; the start of a 1.44 MB floppy image, stores a scenario number in byte 1F0h of
; the boot sector, and boots it with pcemu's own BIOS:
;     pcemu --floppy FLOPPY --debugcon stdout
;
; Scenario 0 (the transcript): for each mode of the list below
;   - 00h set mode; 0Fh (AX, BH); 1Bh (columns, page size, rows, character height,
;     colours, pages, scan-line code); 11h/30h BH=1 (CX, DL)
;   - text modes: 09h 'Q' attribute 1Eh twice at the cursor, 08h reads it back,
;     0Eh 'Z', 03h (cursor)
;   - graphics modes: 0Ch colour C at (7, 3), 0Dh reads (7, 3) and (8, 3); C again
;     with bit 7 (XOR) and 0Dh; 09h 'A' in colour C at (0, 0), whose first two
;     glyph lines are read back through 0Dh as bytes, and 08h (the character);
;     0Eh "AB", CR, LF and 03h;
;     a pixel at the right end of character row 1 scrolled up one row with 06h
;     and down again with 07h, read through 0Dh after each
;   C is 5 masked to the mode's colours (1Bh), 5 in the monochrome mode 0Fh.
; Then 12h BL=10h, 1Ah; 1Ch: size for all states, save in mode 12h (with DAC
; entry 1 changed), restore after a switch to mode 03h, then 0Fh, CRTC 12h and
; DAC entry 1; and glyphs read through the pointers 11h/30h returns
; (BH=3 'A', BH=4 C4h, BH=2 'A', BH=6 'A'); "bios-video done".
;
; Scenario N (1 ... number of modes): sets mode number N-1 of the list and draws
; a picture for the screenshot test, then "bios-video drawn":
;   - text modes: 13h writes "pcemu BIOS mode XX" in attribute 1Fh (0Fh in mode
;     07h) at row 0; row 2 holds 16 full blocks (DBh) in attributes 00h-0Fh at
;     columns 0, 2, 4, ...; 0Eh "tty" then CR LF at the cursor (row 3)
;   - graphics modes: 0Eh "pcemu BIOS mode XX" in colour C at row 0; bars of
;     colour i (i < colours, at most 16) 16 pixels wide (8 in 320-pixel modes),
;     from y = 40 to 59, drawn with 0Ch; a character row of '#' in colour C
;     at row 6 scrolled down one row with 07h (to row 7).
; Every run ends with 10h on port F4h (exit status 0).
;
; Build:  nasm -f bin -o bios-video.bin bios-video.asm   (or testroms/build.sh)
; =============================================================================

        cpu     386
        bits    16
        org     0x7C00

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
SCENARIO        equ     0x7C00 + 0x1F0
BUF             equ     0x0600                  ; 1Bh state buffer (64 bytes)
STATEBUF        equ     0x1000                  ; 1Ch buffer (1 KiB)
SECTORS         equ     (image_end - $$ + 511) / 512

start:
        jmp     0:.cs0
.cs0:   cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        sti
        cld
        mov     ax, 0x0200 + SECTORS - 1        ; the rest of the program
        mov     bx, 0x7E00
        mov     cx, 0x0002
        xor     dh, dh
        int     0x13
        jc      fail
        jmp     main
fail:   mov     si, m_fail
        call    print_str
        mov     al, 0x11
        out     EXIT_PORT, al
        cli
        hlt
        times   0x1F0 - ($ - $$) db 0
        db      0                               ; the scenario (patched by the test)
        times   510 - ($ - $$) db 0
        dw      0xAA55

modes:  db      0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
        db      0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13
NMODES  equ     $ - modes

; variables
mode:   db      0
colour: db      0
cols:   dw      0
rows:   db      0
charh:  dw      0
ncolours: dw    0
istext: db      0

main:
        movzx   bx, byte [SCENARIO]
        test    bx, bx
        jz      transcript
        cmp     bx, NMODES
        ja      finish
        mov     al, [modes+bx-1]
        call    setmode
        cmp     byte [istext], 0
        jne     draw_text
        jmp     draw_gfx

; ---- scenario 0 ----------------------------------------------------------------
transcript:
        xor     bx, bx
.mode:  cmp     bx, NMODES
        jae     .global
        push    bx
        mov     al, [modes+bx]
        call    setmode
        call    report_mode
        cmp     byte [istext], 0
        je      .gfx
        call    text_checks
        jmp     .next
.gfx:   call    gfx_checks
.next:  pop     bx
        inc     bx
        jmp     .mode
.global:
        mov     ax, 0x0003
        int     0x10
        mov     si, m_ega
        call    print_str
        mov     ah, 0x12
        mov     bx, 0xFF10
        mov     cx, 0xFFFF
        int     0x10
        mov     ax, bx
        call    print_hex16
        call    space
        mov     ax, cx
        call    print_hex16
        call    print_nl
        mov     si, m_dcc
        call    print_str
        mov     ax, 0x1A00
        int     0x10
        call    print_hex16
        call    space
        mov     ax, bx
        call    print_hex16
        call    print_nl
        ; 1Ch: size; save in mode 12h (DAC entry 1 = 01h, 02h, 03h), mode 03h,
        ; restore: mode, CRTC 12h and the DAC entry are 12h's again
        mov     si, m_state
        call    print_str
        mov     ax, 0x0012
        int     0x10
        mov     ax, 0x1010
        mov     bx, 1
        mov     dh, 1
        mov     cx, 0x0203
        int     0x10
        mov     ax, 0x1C00
        mov     cx, 7
        int     0x10
        call    print_hex16
        call    space
        mov     ax, bx
        call    print_hex16
        call    space
        mov     ax, 0x1C01
        mov     cx, 7
        mov     bx, STATEBUF
        int     0x10
        call    print_hex16
        call    space
        mov     ax, 0x0003
        int     0x10
        mov     ax, 0x1C02
        mov     cx, 7
        mov     bx, STATEBUF
        int     0x10
        mov     ah, 0x0F
        int     0x10
        call    print_hex16
        call    space
        mov     dx, 0x3D4
        mov     al, 0x12
        out     dx, al
        inc     dx
        in      al, dx
        call    print_hex8
        call    space
        mov     ax, 0x1015
        mov     bx, 1
        int     0x10
        mov     al, dh
        call    print_hex8
        mov     al, ch
        call    print_hex8
        mov     al, cl
        call    print_hex8
        call    print_nl
        mov     ax, 0x0003
        int     0x10
        mov     si, m_fonts
        call    print_str
        mov     bh, 3                           ; 8x8: 'A'
        mov     ax, 'A' * 8
        mov     cx, 8
        call    font_glyph
        mov     bh, 4                           ; 8x8 from 80h: C4h
        mov     ax, (0xC4 - 0x80) * 8
        mov     cx, 8
        call    font_glyph
        mov     bh, 2                           ; 8x14: 'A'
        mov     ax, 'A' * 14
        mov     cx, 14
        call    font_glyph
        mov     bh, 6                           ; 8x16: 'A'
        mov     ax, 'A' * 16
        mov     cx, 16
        call    font_glyph
        call    print_nl
        mov     si, m_done
        jmp     finish_msg

; font_glyph: 11h/30h with BH; prints CX bytes at ES:BP + AX.
font_glyph:
        push    es
        push    ax
        push    cx
        mov     ax, 0x1130
        int     0x10
        pop     cx
        pop     ax
        add     bp, ax
.b:     mov     al, [es:bp]
        call    print_hex8
        inc     bp
        loop    .b
        call    space
        pop     es
        ret

; setmode: AL = mode -> set, and the variables from 0Fh and 1Bh.
setmode:
        mov     [mode], al
        xor     ah, ah
        int     0x10
        mov     di, BUF
        mov     cx, 32
        xor     ax, ax
        rep     stosw
        mov     ah, 0x1B
        xor     bx, bx
        mov     di, BUF
        int     0x10
        mov     ax, [BUF+0x05]
        mov     [cols], ax
        mov     al, [BUF+0x22]
        mov     [rows], al
        mov     ax, [BUF+0x23]
        mov     [charh], ax
        mov     ax, [BUF+0x27]
        mov     [ncolours], ax
        mov     al, 5
        mov     cx, [ncolours]
        jcxz    .c
        dec     cx
        and     al, cl
.c:     mov     [colour], al
        mov     al, [mode]
        cmp     al, 3
        jbe     .text
        cmp     al, 7
        je      .text
        mov     byte [istext], 0
        ret
.text:  mov     byte [istext], 1
        ret

report_mode:
        mov     si, m_mode
        call    print_str
        mov     al, [mode]
        call    print_hex8
        mov     si, m_0f
        call    print_str
        mov     ah, 0x0F
        int     0x10
        call    print_hex16
        mov     al, ' '
        out     DEBUG_PORT, al
        mov     al, bh
        call    print_hex8
        mov     si, m_1b
        call    print_str
        mov     ax, [BUF+0x05]
        call    print_hex16
        call    space
        mov     ax, [BUF+0x07]
        call    print_hex16
        call    space
        mov     al, [BUF+0x22]
        call    print_hex8
        call    space
        mov     ax, [BUF+0x23]
        call    print_hex16
        call    space
        mov     ax, [BUF+0x27]
        call    print_hex16
        call    space
        mov     al, [BUF+0x29]
        call    print_hex8
        call    space
        mov     al, [BUF+0x2A]
        call    print_hex8
        mov     si, m_1130
        call    print_str
        push    es
        push    bp
        mov     ax, 0x1130
        mov     bh, 1
        int     0x10
        pop     bp
        pop     es
        mov     ax, cx
        call    print_hex16
        call    space
        mov     al, dl
        call    print_hex8
        call    print_nl
        ret

text_checks:
        mov     si, m_text
        call    print_str
        mov     ax, 0x0951
        mov     bx, 0x001E
        mov     cx, 2
        int     0x10
        mov     ah, 0x08
        xor     bh, bh
        int     0x10
        call    print_hex16
        call    space
        mov     ax, 0x0E5A
        int     0x10
        mov     ah, 0x03
        xor     bh, bh
        int     0x10
        mov     ax, dx
        call    print_hex16
        call    print_nl
        ret

; readpix: CX, DX -> AL = 0Dh's colour
readpix:
        push    bx
        mov     ah, 0x0D
        xor     bh, bh
        int     0x10
        pop     bx
        ret

gfx_checks:
        mov     si, m_pix
        call    print_str
        mov     ah, 0x0C
        mov     al, [colour]
        xor     bh, bh
        mov     cx, 7
        mov     dx, 3
        int     0x10
        call    readpix
        call    print_hex8
        call    space
        mov     cx, 8
        call    readpix
        call    print_hex8
        call    space
        mov     ah, 0x0C
        mov     al, [colour]
        or      al, 0x80
        xor     bh, bh
        mov     cx, 7
        int     0x10
        call    readpix
        call    print_hex8
        ; 'A' at (0, 0): its first two lines as bytes
        mov     si, m_char
        call    print_str
        mov     ah, 0x09
        mov     al, 'A'
        mov     bl, [colour]
        xor     bh, bh
        mov     cx, 1
        int     0x10
        xor     dx, dx
        call    glyph_line
        call    space
        mov     dx, 1
        call    glyph_line
        call    space
        mov     ah, 0x08                        ; and read back as a character
        xor     bh, bh
        int     0x10
        call    print_hex8
        ; teletype
        mov     si, m_tty
        call    print_str
        mov     bl, [colour]
        mov     al, 'A'
        call    tty
        mov     al, 'B'
        call    tty
        mov     al, 13
        call    tty
        mov     al, 10
        call    tty
        mov     ah, 0x03
        xor     bh, bh
        int     0x10
        mov     ax, dx
        call    print_hex16
        ; scroll: a pixel at the right end of character row 1
        mov     si, m_scroll
        call    print_str
        mov     cx, [cols]
        shl     cx, 3
        dec     cx                              ; CX = x
        mov     dx, [charh]                     ; DX = y (row 1, line 0)
        mov     ah, 0x0C
        mov     al, [colour]
        xor     bh, bh
        int     0x10
        push    cx
        push    dx
        mov     ax, 0x0601
        xor     bh, bh
        xor     cx, cx
        mov     dh, [rows]
        dec     dh
        mov     dl, [cols]
        dec     dl
        int     0x10
        pop     dx
        pop     cx
        push    dx
        xor     dx, dx
        call    readpix
        call    print_hex8
        pop     dx
        call    readpix
        call    print_hex8
        call    space
        push    cx
        push    dx
        mov     ax, 0x0701
        xor     bh, bh
        xor     cx, cx
        mov     dh, [rows]
        dec     dh
        mov     dl, [cols]
        dec     dl
        int     0x10
        pop     dx
        pop     cx
        push    dx
        xor     dx, dx
        call    readpix
        call    print_hex8
        pop     dx
        call    readpix
        call    print_hex8
        call    print_nl
        ret

tty:    mov     ah, 0x0E
        xor     bh, bh
        int     0x10
        ret

; glyph_line: DX = y -> prints the 8 pixels at x 0-7 as a byte (set = non-zero).
glyph_line:
        xor     cx, cx
        xor     bl, bl
.px:    call    readpix
        shl     bl, 1
        test    al, al
        jz      .z
        or      bl, 1
.z:     inc     cx
        cmp     cx, 8
        jb      .px
        mov     al, bl
        call    print_hex8
        ret

; ---- scenario N: pictures --------------------------------------------------------
draw_text:
        mov     al, [mode]
        call    hexbyte
        mov     [t_title_mode], ax
        mov     bl, 0x1F
        cmp     byte [mode], 7
        jne     .attr
        mov     bl, 0x0F
.attr:  mov     ax, 0x1301
        xor     bh, bh
        mov     cx, t_title_len
        xor     dx, dx
        push    cs
        pop     es
        mov     bp, t_title
        int     0x10
        xor     si, si                          ; attribute
.blk:   mov     ah, 0x02
        xor     bh, bh
        mov     dh, 2
        mov     dx, si
        shl     dl, 1
        mov     dh, 2
        int     0x10
        mov     ax, 0x09DB
        mov     bx, si
        mov     cx, 1
        int     0x10
        inc     si
        cmp     si, 16
        jb      .blk
        mov     ah, 0x02
        xor     bh, bh
        mov     dx, 0x0300
        int     0x10
        mov     bl, 0x07
        mov     al, 't'
        call    tty
        mov     al, 't'
        call    tty
        mov     al, 'y'
        call    tty
        mov     al, 13
        call    tty
        mov     al, 10
        call    tty
        jmp     drawn

draw_gfx:
        mov     al, [mode]
        call    hexbyte
        mov     [t_title_mode], ax
        mov     si, t_title
        mov     bl, [colour]
.title: mov     al, [si]
        inc     si
        test    al, al
        jz      .bars
        call    tty
        jmp     .title
.bars:  mov     cx, [ncolours]
        cmp     cx, 16
        jbe     .n
        mov     cx, 16
.n:     jcxz    .mono
        jmp     .bar0
.mono:  mov     cx, 4                           ; mode 0Fh: colours 0-3
.bar0:  xor     bx, bx                          ; BL = colour
.bar:   push    cx
        mov     dx, 40
.line:  mov     cx, bx
        shl     cx, 4
        cmp     word [cols], 40
        jne     .wide
        shr     cx, 1
.wide:  mov     di, 16
        cmp     word [cols], 40
        jne     .px
        mov     di, 8
.px:    mov     ah, 0x0C
        mov     al, bl
        push    bx
        xor     bh, bh
        int     0x10
        pop     bx
        inc     cx
        dec     di
        jnz     .px
        inc     dx
        cmp     dx, 60
        jb      .line
        pop     cx
        inc     bx
        cmp     bx, cx
        jb      .bar
        ; a row of '#' at row 6, scrolled down to row 7
        mov     ah, 0x02
        xor     bh, bh
        mov     dx, 0x0600
        int     0x10
        mov     ax, 0x0923
        mov     bl, [colour]
        xor     bh, bh
        mov     cx, [cols]
        int     0x10
        mov     ax, 0x0701
        xor     bh, bh
        mov     cx, 0x0600
        mov     dh, [rows]
        dec     dh
        mov     dl, [cols]
        dec     dl
        int     0x10
drawn:  mov     si, m_drawn
        jmp     finish_msg

finish: mov     si, m_done
finish_msg:
        call    print_str
        mov     al, 0x10
        out     EXIT_PORT, al
        cli
        hlt

; hexbyte: AL -> AX = two ASCII hex digits (AL first)
hexbyte:
        mov     ah, al
        shr     al, 4
        and     ah, 0x0F
        add     ax, 0x3030
        cmp     al, '9'
        jbe     .h1
        add     al, 7
.h1:    cmp     ah, '9'
        jbe     .h2
        add     ah, 7
.h2:    ret

space:  push    ax
        mov     al, ' '
        out     DEBUG_PORT, al
        pop     ax
        ret

print_hex16:
        xchg    al, ah
        call    print_hex8
        xchg    al, ah
        jmp     print_hex8

%include "debugcon.inc"

t_title:        db      "pcemu BIOS mode "
t_title_mode:   db      "XX"
t_title_len     equ     $ - t_title
                db      0
m_fail:   db      "bios-video: could not read its sectors", 10, 0
m_mode:   db      "mode ", 0
m_0f:     db      ": 0F=", 0
m_1b:     db      " 1B=", 0
m_1130:   db      " 1130=", 0
m_text:   db      "  text 08=", 0
m_pix:    db      "  pixel ", 0
m_char:   db      " char ", 0
m_tty:    db      " tty ", 0
m_scroll: db      " scroll ", 0
m_ega:    db      "12/10: ", 0
m_dcc:    db      "1A: ", 0
m_fonts:  db      "fonts: ", 0
m_state:  db      "1C: ", 0
m_done:   db      "bios-video done", 10, 0
m_drawn:  db      "bios-video drawn", 10, 0

image_end:
