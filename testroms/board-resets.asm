; =============================================================================
; board-resets.asm -- the four ways the AT board resets the CPU
;
; A 64 KiB ROM (no BIOS) that resets the machine four times, each time a
; different way, and counts its boots in a CMOS NVRAM byte (7Eh), which keeps
; its value across a reset like the battery-backed RAM it models.  The
; whole-machine test (Tests/PcemuTests/BoardTests.swift) expects the
; transcript below on port 0xE9 and a clean exit.
;
;   boot 0: 8042 command FEh (pulse output port bit 0, the AT's CPU reset line)
;   boot 1: port 92h bit 0 going from 0 to 1 ("fast reset", PS/2 system control port A)
;   boot 2: port CF9h bit 2 going from 0 to 1 (the reset control register of PCI chipsets)
;   boot 3: a triple fault (IDT limit 0: INT3 -> #GP -> #DF -> shutdown), which the
;           board turns into a reset as a real AT's shutdown decoder does
;   boot 4: prints "resets done" and exits through port F4h (value 10h).
;
; After every reset it also checks what a CPU reset must give: real mode (CR0.PE
; clear), and port 92h bit 0 clear again, and prints one line a boot:
;   boot=00 cr0pe=0 p92=00 via 8042
;
; Build:  nasm -f bin -o board-resets.bin board-resets.asm
; =============================================================================

        cpu     386
        bits    16
        org     0

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
COUNTER         equ     0x7E            ; CMOS NVRAM byte used as the boot counter

start:
        cli
        mov     al, COUNTER | 0x80      ; NMI stays masked while we use the index port
        out     0x70, al
        in      al, 0x71
        mov     bl, al                  ; BL = boots so far
        inc     al
        mov     ah, al
        mov     al, COUNTER | 0x80
        out     0x70, al
        mov     al, ah
        out     0x71, al

        mov     si, boot_msg
        call    print_str
        mov     al, bl
        call    print_hex8
        mov     si, pe_msg
        call    print_str
        mov     eax, cr0
        and     al, 1
        add     al, '0'
        out     DEBUG_PORT, al
        mov     si, p92_msg
        call    print_str
        in      al, 0x92
        and     al, 1
        call    print_hex8

        cmp     bl, 0
        je      via_8042
        cmp     bl, 1
        je      via_port92
        cmp     bl, 2
        je      via_cf9
        cmp     bl, 3
        je      via_triple_fault
        mov     si, done_msg
        call    print_str
        mov     al, 0x10
        out     EXIT_PORT, al
        cli
        hlt

via_8042:
        mov     si, m8042
        call    print_str
.wait:  in      al, 0x64                ; wait until the input buffer is empty
        test    al, 2
        jnz     .wait
        mov     al, 0xFE                ; pulse output port bit 0 (reset)
        out     0x64, al
        jmp     stuck

via_port92:
        mov     si, m92
        call    print_str
        in      al, 0x92
        or      al, 1
        out     0x92, al
        jmp     stuck

via_cf9:
        mov     si, mcf9
        call    print_str
        mov     dx, 0xCF9
        mov     al, 0x02                ; bit 1: hard reset type; bit 2 clear
        out     dx, al
        mov     al, 0x06                ; bit 2 rising: reset
        out     dx, al
        jmp     stuck

via_triple_fault:
        mov     si, mtriple
        call    print_str
        lidt    [cs:null_idt]
        int3                            ; no IDT entry: #GP, then #DF, then shutdown

stuck:  ; a reset that did not happen ends here
        mov     si, stuck_msg
        call    print_str
        mov     al, 0x11
        out     EXIT_PORT, al
        cli
        hlt

%include "debugcon.inc"

null_idt:       dw      0
                dd      0
boot_msg:       db      "boot=", 0
pe_msg:         db      " cr0pe=", 0
p92_msg:        db      " p92=", 0
m8042:          db      " via 8042", 10, 0
m92:            db      " via port 92h", 10, 0
mcf9:           db      " via port CF9h", 10, 0
mtriple:        db      " via triple fault", 10, 0
done_msg:       db      " resets done", 10, 0
stuck_msg:      db      "FAIL: the machine did not reset", 10, 0

; =============================================================================
; Reset vector
; =============================================================================
%include "resetvector.inc"
        RESET_VECTOR "RESETS"
