; =============================================================================
; floppy-write: a floppy boot sector that writes itself to sector 2 and idles
;
; For the SDL window test that closes the window (Tests/PcemuTests/SDLWindowTests.swift):
; pcemu keeps a floppy image in memory and writes it back when the run ends, so the
; copy reaching the file proves that closing the window ended the machine cleanly.
;
; Booted by pcemu's BIOS at 0000:7C00 (DL = boot drive):
; 1. INT 13h AH = 03h: writes this sector (1 sector from 0000:7C00) to cylinder 0,
;    head 0, sector 2 of the boot drive.
; 2. Prints "WROTE" (or "WRITE FAILED" when INT 13h returns CF = 1) and a line feed
;    to port 0xE9.
; 3. Halts with interrupts on, for ever (the BIOS's timer still ticks and turns the
;    floppy motor off 2 s after the write).
;
; Build:  nasm -f bin -o floppy-write.bin floppy-write.asm   (or testroms/build.sh)
; The test pads it to a 1.44 MB image.
; =============================================================================

        bits    16
        cpu     8086
        org     0x7C00

start:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        sti
        cld
        mov     ax, 0x0301              ; write 1 sector
        mov     cx, 0x0002              ; cylinder 0, sector 2
        xor     dh, dh                  ; head 0; DL = the boot drive
        mov     bx, 0x7C00              ; from this sector
        int     0x13
        mov     si, wrote
        jnc     .print
        mov     si, failed
.print: lodsb
        test    al, al
        jz      .idle
        out     0xE9, al
        jmp     .print
.idle:  hlt
        jmp     .idle

wrote:  db      "WROTE", 10, 0
failed: db      "WRITE FAILED", 10, 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
