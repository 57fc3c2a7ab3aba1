; =============================================================================
; sdl-echo: a colour pattern on a VGA text screen, and keyboard echo
;
; The ROM for the SDL window test (Tests/PcemuTests/SDLWindowTests.swift). It is
; the whole "BIOS": 64 KiB mapped at F0000, entered at F000:FFF0.
;
; 1. Programs the VGA for 80x25 text (mode 3 timing: 720x400, 9-dot characters)
;    through its registers alone -- no video BIOS -- with these differences from a
;    BIOS's mode 3: attribute bit 7 means a bright background (AR10 = 04h, blink
;    off), the cursor is off (CR0A = 20h), the palette registers are the identity
;    and DAC entries 0-15 hold the 16 CGA colours.
; 2. Clears the font plane (plane 2, 8 KiB), so every character is blank and each
;    cell shows its background colour only.
; 3. Draws the pattern:
;      rows 0-11   16 vertical bars, 5 columns (45 pixels) each; bar n has
;                  background colour n (0 black, 1 blue, ..., 15 white)
;      row 12      white (colour 15) across the screen
;      rows 13-24  black; from row 14 every byte received from the keyboard is
;                  shown as two cells (high nibble, low nibble as colours) and
;                  a black gap cell, 26 bytes a row
; 4. Sets the 8042 command byte to 20h: keyboard on, no translation (the keyboard's
;    own scan code set 2 reaches port 60h), no interrupts, mouse off; empties the
;    output buffer; prints "READY" and CR LF to port 0xE9.
; 5. Polls port 64h; for every keyboard byte read from port 60h prints two hex
;    digits and a space to port 0xE9 and shows it on screen. A make code 76h
;    (Escape pressed, not after F0h) ends the run: CR LF "BYE" CR LF to port 0xE9,
;    then 10h to port 0xF4 (clean exit).
;
; Build:  nasm -f bin -o sdl-echo.bin sdl-echo.asm   (or testroms/build.sh)
; =============================================================================

        bits    16
        cpu     8086
        org     0

start:
        cli
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7000
        push    cs
        pop     ds
        cld

; ----- 1. VGA registers ------------------------------------------------------
        mov     dx, 0x3C2               ; misc output: colour I/O, RAM on,
        mov     al, 0x67                ; 28.322 MHz (720 dots), 400-line polarity
        out     dx, al

        mov     dx, 0x3C4               ; sequencer, under synchronous reset
        mov     ax, 0x0100
        out     dx, ax
        mov     si, seq_table
        mov     bl, 1
.seq:   mov     al, bl
        mov     ah, [si]
        out     dx, ax
        inc     si
        inc     bl
        cmp     bl, 5
        jb      .seq
        mov     ax, 0x0300              ; end reset
        out     dx, ax

        mov     dx, 0x3D4               ; CRTC: unprotect CR00-07, then all 25
        mov     ax, 0x0E11
        out     dx, ax
        mov     si, crtc_table
        xor     bl, bl
.crtc:  mov     al, bl
        mov     ah, [si]
        out     dx, ax
        inc     si
        inc     bl
        cmp     bl, 25
        jb      .crtc

        mov     dx, 0x3CE               ; graphics controller
        mov     si, gc_table
        xor     bl, bl
.gc:    mov     al, bl
        mov     ah, [si]
        out     dx, ax
        inc     si
        inc     bl
        cmp     bl, 9
        jb      .gc

        mov     dx, 0x3DA               ; attribute controller: flip-flop to index
        in      al, dx
        mov     dx, 0x3C0
        mov     si, attr_table
        xor     bl, bl
.attr:  mov     al, bl
        out     dx, al
        mov     al, [si]
        out     dx, al
        inc     si
        inc     bl
        cmp     bl, 21
        jb      .attr

        mov     dx, 0x3C6               ; DAC: PEL mask, entries 0-15
        mov     al, 0xFF
        out     dx, al
        mov     dx, 0x3C8
        xor     al, al
        out     dx, al
        inc     dx
        mov     si, dac_table
        mov     cx, 48
.dac:   lodsb
        out     dx, al
        loop    .dac

; ----- 2. Clear the font plane -----------------------------------------------
        mov     dx, 0x3C4
        mov     ax, 0x0402              ; map mask: plane 2
        out     dx, ax
        mov     ax, 0x0604              ; sequential addressing
        out     dx, ax
        mov     dx, 0x3CE
        mov     ax, 0x0204              ; read map 2
        out     dx, ax
        mov     ax, 0x0005              ; write mode 0, no odd/even
        out     dx, ax
        mov     ax, 0x0406              ; A0000, 64 KiB, graphics off
        out     dx, ax
        mov     ax, 0xA000
        mov     es, ax
        xor     di, di
        xor     ax, ax
        mov     cx, 0x1000
        rep     stosw
        mov     dx, 0x3C4               ; back to text addressing
        mov     ax, 0x0302              ; planes 0 and 1
        out     dx, ax
        mov     ax, 0x0204              ; odd/even
        out     dx, ax
        mov     dx, 0x3CE
        mov     ax, 0x0004
        out     dx, ax
        mov     ax, 0x1005
        out     dx, ax
        mov     ax, 0x0E06              ; B8000, 32 KiB, odd/even chain
        out     dx, ax

        mov     dx, 0x3DA               ; picture on (palette address source)
        in      al, dx
        mov     dx, 0x3C0
        mov     al, 0x20
        out     dx, al

; ----- 3. The pattern ----------------------------------------------------------
        mov     ax, 0xB800
        mov     es, ax
        xor     di, di
        xor     dx, dx                  ; dh = row
.row:   xor     dl, dl                  ; dl = column
.cell:  mov     al, 0x20
        cmp     dh, 12
        jb      .bars
        mov     ah, 0xF0                ; row 12: white
        je      .put
        mov     ah, 0x07                ; rows 13-24: black
        jmp     .put
.bars:  push    dx
        mov     al, dl
        xor     ah, ah
        mov     bl, 5
        div     bl                      ; al = column / 5 = bar
        mov     cl, 4
        shl     al, cl
        or      al, 0x0F
        mov     ah, al
        mov     al, 0x20
        pop     dx
.put:   stosw
        inc     dl
        cmp     dl, 80
        jb      .cell
        inc     dh
        cmp     dh, 25
        jb      .row

; ----- 4. The 8042 -------------------------------------------------------------
        call    wait_input_empty
        mov     al, 0x60                ; write command byte
        out     0x64, al
        call    wait_input_empty
        mov     al, 0x20
        out     0x60, al
        mov     cx, 64
.drain: in      al, 0x64
        test    al, 1
        jz      .drained
        in      al, 0x60
        loop    .drain
.drained:
        mov     si, ready_msg
        call    print

; ----- 5. Echo -----------------------------------------------------------------
        xor     bp, bp                  ; bytes shown on screen
        xor     bh, bh                  ; previous byte
poll:   in      al, 0x64
        test    al, 1
        jz      poll
        mov     ah, al
        in      al, 0x60
        test    ah, 0x20                ; a mouse byte: not ours
        jnz     poll
        mov     bl, al
        call    print_hex
        call    show
        cmp     bl, 0x76                ; Escape make (not its break F0 76)
        jne     .next
        cmp     bh, 0xF0
        jne     bye
.next:  mov     bh, bl
        jmp     poll

bye:    mov     si, bye_msg
        call    print
        mov     al, 0x10
        out     0xF4, al
        cli
.halt:  hlt
        jmp     .halt

; Waits until the 8042's input buffer is empty (status bit 1 clear).
wait_input_empty:
        in      al, 0x64
        test    al, 2
        jnz     wait_input_empty
        ret

; Prints the zero-terminated string at ds:si to port 0xE9.
print:  lodsb
        test    al, al
        jz      .done
        out     0xE9, al
        jmp     print
.done:  ret

; Prints bl as two hex digits and a space.
print_hex:
        mov     al, bl
        mov     cl, 4
        shr     al, cl
        call    hex_digit
        mov     al, bl
        and     al, 0x0F
        call    hex_digit
        mov     al, ' '
        out     0xE9, al
        ret
hex_digit:
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'A' - '9' - 1
.out:   out     0xE9, al
        ret

; Shows byte bl at position bp (row 14 + bp / 26, column bp % 26 * 3) as two
; colour cells; wraps to the start after 11 rows.
show:   push    bx
        mov     ax, bp
        mov     cl, 26
        div     cl                      ; al = row offset, ah = column / 3
        mov     cl, ah
        xor     ah, ah
        add     al, 14
        mov     dl, 160
        mul     dl                      ; ax = row * 160
        mov     di, ax
        mov     al, cl
        mov     dl, 6
        mul     dl                      ; column * 3 cells * 2 bytes
        add     di, ax
        mov     al, bl
        mov     cl, 4
        shr     al, cl
        shl     al, cl                  ; high nibble as background
        mov     ah, al
        mov     al, 0x20
        stosw
        mov     al, bl
        shl     al, cl                  ; low nibble as background
        mov     ah, al
        mov     al, 0x20
        stosw
        inc     bp
        cmp     bp, 26 * 11
        jb      .done
        xor     bp, bp
.done:  pop     bx
        ret

; ----- Tables --------------------------------------------------------------------
seq_table:      db      0x00, 0x03, 0x00, 0x02                  ; SR01-SR04
crtc_table:     db      0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F  ; CR00-07
                db      0x00, 0x4F, 0x20, 0x0E, 0x00, 0x00, 0x00, 0x00  ; CR08-0F (cursor off)
                db      0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3  ; CR10-17
                db      0xFF                                            ; CR18
gc_table:       db      0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF    ; GR00-08
attr_table:     db      0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07  ; AR00-0F: identity
                db      0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F
                db      0x04, 0x00, 0x0F, 0x08, 0x00                    ; AR10-14
dac_table:      db      0x00, 0x00, 0x00,  0x00, 0x00, 0x2A,  0x00, 0x2A, 0x00,  0x00, 0x2A, 0x2A
                db      0x2A, 0x00, 0x00,  0x2A, 0x00, 0x2A,  0x2A, 0x15, 0x00,  0x2A, 0x2A, 0x2A
                db      0x15, 0x15, 0x15,  0x15, 0x15, 0x3F,  0x15, 0x3F, 0x15,  0x15, 0x3F, 0x3F
                db      0x3F, 0x15, 0x15,  0x3F, 0x15, 0x3F,  0x3F, 0x3F, 0x15,  0x3F, 0x3F, 0x3F
ready_msg:      db      "READY", 13, 10, 0
bye_msg:        db      13, 10, "BYE", 13, 10, 0

        times   0xFFF0 - ($ - $$) db 0xFF
reset_vector:
        jmp     0xF000:start
        db      "SDLECHO"
        times   0x10000 - ($ - $$) db 0xFF
