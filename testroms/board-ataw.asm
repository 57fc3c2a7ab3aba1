; =============================================================================
; board-ataw.asm -- ATA PIO write, flush and read back, without a BIOS
;
; A 64 KiB ROM for the disk-image tests in Tests/PcemuTests/BoardTests.swift:
; pcemu --bios board-ataw.bin --hda IMG [--snapshot] --no-reboot.  It talks to
; the primary ATA channel's master directly (command block 1F0h-1F7h, control
; 3F6h), polling the status register with interrupts disabled (nIEN = 1):
;
;   1. Device Control = 02h (nIEN); select the master (Device = A0h); wait
;      for BSY = 0 and DRDY = 1.  Check the signature left in the LBA Mid/High
;      registers since power-on: 00h/00h is an ATA device (14h/EBh would be
;      ATAPI).
;   2. IDENTIFY DEVICE (ECh): wait for DRQ, read 256 words.  Check word 0
;      bit 15 = 0 (ATA device), word 49 bit 9 (LBA supported), word 255's
;      integrity byte when present (A5h, and all 512 bytes summing to 0), and
;      print the model (words 27-46) and the LBA28 capacity (words 60-61).
;   3. WRITE SECTORS (30h), LBA 5, count 1: wait for DRQ, write 256 words of
;      the pattern below, wait for BSY = 0, check ERR = DF = DRQ = 0.
;   4. FLUSH CACHE (E7h): wait for BSY = 0, check ERR = DF = 0.
;   5. READ SECTORS (20h), LBA 4, count 3: per sector wait for DRQ and read
;      256 words.  Sector 4 and 6 must be all zeros (the image starts zeroed),
;      sector 5 must be the pattern: the guest sees its own write.
;   6. Print PASS and write 10h to port F4h; on any failure print
;      "FAIL: <step>" and write 11h.
;
; The pattern: byte i of the sector is pattern_text[i mod 20], where
; pattern_text = "PCEMU-SNAPSHOT-TEST" followed by a line feed (20 bytes).
; The Swift test builds the same 512 bytes and looks for them in the image
; file at offset 5 * 512.
;
; Build:  nasm -f bin -o board-ataw.bin board-ataw.asm
; =============================================================================

        cpu     386
        bits    16
        org     0

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4

ATA_DATA        equ     0x1F0
ATA_ERROR       equ     0x1F1
ATA_COUNT       equ     0x1F2
ATA_LBA0        equ     0x1F3
ATA_LBA1        equ     0x1F4
ATA_LBA2        equ     0x1F5
ATA_DEVICE      equ     0x1F6
ATA_CMD         equ     0x1F7           ; write: command, read: status
ATA_CTRL        equ     0x3F6           ; write: device control, read: alt status

ST_BSY          equ     0x80
ST_DRDY         equ     0x40
ST_DF           equ     0x20
ST_DRQ          equ     0x08
ST_ERR          equ     0x01

LBA             equ     5

; Buffers in RAM, segment 0.
IDENT_BUF       equ     0x1000          ; 512 bytes of IDENTIFY data
PATTERN_BUF     equ     0x1200          ; 512 bytes written
READ_BUF        equ     0x1400          ; 3 * 512 bytes read (LBA 4, 5, 6)

start:
        cli
        cld
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7C00
        mov     ds, ax
        mov     es, ax
        mov     si, banner
        call    print_str

        ; --- 1. select the master, interrupts off, signature ------------------
        mov     dx, ATA_CTRL
        mov     al, 0x02                ; nIEN: we poll
        out     dx, al
        mov     dx, ATA_DEVICE
        mov     al, 0xA0                ; master, CHS-style "obsolete" bits set
        out     dx, al
        call    delay400
        call    wait_not_busy
        jc      fail_busy
        test    al, ST_DRDY
        jz      fail_notready
        mov     dx, ATA_LBA1
        in      al, dx
        mov     ah, al
        mov     dx, ATA_LBA2
        in      al, dx
        mov     si, sig_msg
        call    print_str
        xchg    al, ah                  ; AL = LBA Mid, AH = LBA High
        call    print_hex8
        push    ax
        mov     al, ' '
        out     DEBUG_PORT, al
        pop     ax
        xchg    al, ah
        call    print_hex8
        call    print_nl
        test    ax, ax                  ; 0000h: ATA device
        jnz     fail_signature

        ; --- 2. IDENTIFY DEVICE -----------------------------------------------
        mov     dx, ATA_CMD
        mov     al, 0xEC
        out     dx, al
        call    delay400
        call    wait_drq
        jc      fail_identify
        mov     di, IDENT_BUF
        mov     cx, 256
        mov     dx, ATA_DATA
        rep     insw
        call    wait_not_busy           ; the block is read: DRQ must be gone
        jc      fail_identify
        test    al, ST_DRQ | ST_ERR
        jnz     fail_identify
        test    word [IDENT_BUF + 0 * 2], 0x8000
        jnz     fail_identify           ; bit 15 = 1: not an ATA device
        test    word [IDENT_BUF + 49 * 2], 0x0200
        jz      fail_identify           ; no LBA
        ; Word 255: when bits 7:0 are A5h, bits 15:8 make the 512 bytes sum to 0.
        mov     si, integrity_none
        cmp     byte [IDENT_BUF + 510], 0xA5
        jne     .no_integrity
        mov     si, IDENT_BUF
        mov     cx, 512
        xor     bl, bl
.sum:   lodsb
        add     bl, al
        loop    .sum
        test    bl, bl
        jnz     fail_integrity
        mov     si, integrity_ok
.no_integrity:
        call    print_str
        ; Model: words 27-46, two characters a word, the first in the high byte.
        mov     si, model_msg
        call    print_str
        mov     si, IDENT_BUF + 27 * 2
        mov     cx, 20
.model: lodsw
        xchg    al, ah
        out     DEBUG_PORT, al
        xchg    al, ah
        out     DEBUG_PORT, al
        loop    .model
        mov     si, sectors_msg
        call    print_str
        mov     eax, [IDENT_BUF + 60 * 2]
        call    print_dec32
        call    print_nl
        cmp     dword [IDENT_BUF + 60 * 2], LBA + 2
        jb      fail_small              ; need LBA 4-6

        ; --- 3. WRITE SECTORS at LBA 5 ----------------------------------------
        ; The pattern: pattern_text repeated, 512 bytes.
        mov     di, PATTERN_BUF
        xor     bx, bx
.fill:  mov     al, [cs:pattern_text + bx]
        stosb
        inc     bx
        cmp     bx, pattern_len
        jb      .next
        xor     bx, bx
.next:  cmp     di, PATTERN_BUF + 512
        jb      .fill

        mov     eax, LBA
        mov     bl, 1
        call    set_lba
        mov     dx, ATA_CMD
        mov     al, 0x30                ; WRITE SECTORS
        out     dx, al
        call    delay400
        call    wait_drq
        jc      fail_write
        mov     si, PATTERN_BUF
        mov     cx, 256
        mov     dx, ATA_DATA
        rep     outsw
        call    delay400
        call    wait_not_busy
        jc      fail_write
        test    al, ST_ERR | ST_DF | ST_DRQ
        jnz     fail_write
        mov     si, write_ok
        call    print_str

        ; --- 4. FLUSH CACHE ----------------------------------------------------
        mov     dx, ATA_CMD
        mov     al, 0xE7
        out     dx, al
        call    delay400
        call    wait_not_busy
        jc      fail_flush
        test    al, ST_ERR | ST_DF | ST_DRQ
        jnz     fail_flush
        mov     si, flush_ok
        call    print_str

        ; --- 5. READ SECTORS at LBA 4, 5, 6 ------------------------------------
        mov     di, READ_BUF            ; poison the buffer first
        mov     cx, 3 * 512 / 2
        mov     ax, 0xDEAD
        rep     stosw
        mov     eax, LBA - 1
        mov     bl, 3
        call    set_lba
        mov     dx, ATA_CMD
        mov     al, 0x20                ; READ SECTORS
        out     dx, al
        mov     di, READ_BUF
        mov     bp, 3                   ; one DRQ block per sector
.block: call    delay400
        call    wait_drq
        jc      fail_read
        mov     cx, 256
        mov     dx, ATA_DATA
        rep     insw
        dec     bp
        jnz     .block
        call    delay400
        call    wait_not_busy
        jc      fail_read
        test    al, ST_ERR | ST_DF | ST_DRQ
        jnz     fail_read

        mov     si, PATTERN_BUF         ; sector 5 = the pattern
        mov     di, READ_BUF + 512
        mov     cx, 512
        repe    cmpsb
        jne     fail_compare
        mov     di, READ_BUF            ; sector 4 = zeros
        mov     cx, 512
        xor     al, al
        repe    scasb
        jne     fail_neighbour
        mov     di, READ_BUF + 1024     ; sector 6 = zeros
        mov     cx, 512
        repe    scasb
        jne     fail_neighbour
        mov     si, read_ok
        call    print_str

        mov     si, pass_msg
        call    print_str
        mov     al, 0x10
        out     EXIT_PORT, al
        jmp     halt

; --- failures ----------------------------------------------------------------
fail_busy:      mov     si, f_busy
                jmp     fail
fail_notready:  mov     si, f_notready
                jmp     fail
fail_signature: mov     si, f_signature
                jmp     fail
fail_identify:  mov     si, f_identify
                jmp     fail
fail_integrity: mov     si, f_integrity
                jmp     fail
fail_small:     mov     si, f_small
                jmp     fail
fail_write:     mov     si, f_write
                jmp     fail
fail_flush:     mov     si, f_flush
                jmp     fail
fail_read:      mov     si, f_read
                jmp     fail
fail_compare:   mov     si, f_compare
                jmp     fail
fail_neighbour: mov     si, f_neighbour
fail:
        push    si
        mov     si, fail_msg
        call    print_str
        pop     si
        call    print_str
        mov     si, status_msg          ; status and error registers at the failure
        call    print_str
        mov     dx, ATA_CMD
        in      al, dx
        call    print_hex8
        mov     si, error_msg
        call    print_str
        mov     dx, ATA_ERROR
        in      al, dx
        call    print_hex8
        call    print_nl
        mov     al, 0x11
        out     EXIT_PORT, al
halt:   cli
        hlt
        jmp     halt

; =============================================================================
; ATA helpers
; =============================================================================

; set_lba: EAX = LBA (28 bits), BL = sector count; master, LBA mode.
set_lba:
        push    eax
        push    dx
        mov     dx, ATA_COUNT
        xchg    al, bl
        out     dx, al                  ; count
        xchg    al, bl
        inc     dx
        out     dx, al                  ; LBA 7:0
        shr     eax, 8
        inc     dx
        out     dx, al                  ; LBA 15:8
        shr     eax, 8
        inc     dx
        out     dx, al                  ; LBA 23:16
        shr     eax, 8
        and     al, 0x0F
        or      al, 0xE0                ; LBA mode, master, LBA 27:24
        inc     dx
        out     dx, al
        pop     dx
        pop     eax
        ret

; delay400: read the alternate status four times (~400 ns on real hardware),
; so that the status register is valid after a command or device selection.
delay400:
        push    ax
        push    dx
        mov     dx, ATA_CTRL
        in      al, dx
        in      al, dx
        in      al, dx
        in      al, dx
        pop     dx
        pop     ax
        ret

; wait_not_busy: poll Status until BSY = 0.  AL = status; CF = 1 on timeout.
wait_not_busy:
        push    ecx
        push    dx
        mov     ecx, 0x00400000
        mov     dx, ATA_CMD
.poll:  in      al, dx
        test    al, ST_BSY
        jz      .ok
        dec     ecx
        jnz     .poll
        stc
        jmp     .out
.ok:    clc
.out:   pop     dx
        pop     ecx
        ret

; wait_drq: wait for BSY = 0, then require DRQ = 1 and ERR = DF = 0.
; AL = status; CF = 1 on timeout or error.
wait_drq:
        call    wait_not_busy
        jc      .bad
        test    al, ST_ERR | ST_DF
        jnz     .bad
        test    al, ST_DRQ
        jz      .bad
        clc
        ret
.bad:   stc
        ret

; =============================================================================
; Output helpers (preserve every register).
; =============================================================================
%include "debugcon.inc"

; print_dec32: EAX in decimal, no leading zeros.
print_dec32:
        push    eax
        push    ebx
        push    cx
        push    edx
        mov     ebx, 10
        xor     cx, cx
.div:   xor     edx, edx
        div     ebx
        push    dx
        inc     cx
        test    eax, eax
        jnz     .div
.put:   pop     ax
        add     al, '0'
        out     DEBUG_PORT, al
        loop    .put
        pop     edx
        pop     cx
        pop     ebx
        pop     eax
        ret

; =============================================================================
; Strings
; =============================================================================
banner:         db      "board-ataw: primary master, PIO, no BIOS", 10, 0
sig_msg:        db      "signature (LBA Mid, LBA High): ", 0
integrity_ok:   db      "IDENTIFY: integrity word A5h, checksum ok", 10, 0
integrity_none: db      "IDENTIFY: no integrity word", 10, 0
model_msg:      db      "IDENTIFY: model '", 0
sectors_msg:    db      "' LBA28 sectors ", 0
write_ok:       db      "WRITE SECTORS LBA 5: ok", 10, 0
flush_ok:       db      "FLUSH CACHE: ok", 10, 0
read_ok:        db      "READ SECTORS LBA 4-6: LBA 5 matches, LBA 4 and 6 zero", 10, 0
pass_msg:       db      "PASS", 10, 0
fail_msg:       db      "FAIL: ", 0
status_msg:     db      " (status ", 0
error_msg:      db      ", error ", 0
f_busy:         db      "BSY never cleared", 0
f_notready:     db      "master not ready (DRDY = 0): no disk?", 0
f_signature:    db      "signature is not an ATA device", 0
f_identify:     db      "IDENTIFY DEVICE", 0
f_integrity:    db      "IDENTIFY integrity checksum", 0
f_small:        db      "disk smaller than 7 sectors", 0
f_write:        db      "WRITE SECTORS", 0
f_flush:        db      "FLUSH CACHE", 0
f_read:         db      "READ SECTORS", 0
f_compare:      db      "LBA 5 read back differs from what was written", 0
f_neighbour:    db      "LBA 4 or 6 is not zero", 0
pattern_text:   db      "PCEMU-SNAPSHOT-TEST", 10
pattern_len     equ     $ - pattern_text

; =============================================================================
; Reset vector
; =============================================================================
%include "resetvector.inc"
        RESET_VECTOR "ATAW"
