; mousetest.asm - a floppy boot image that exercises INT 15h C2xxh (the PS/2 mouse)
; and the BIOS's IRQ12 handler. Mouse packets are made with the 8042's command D3h
; ("write the next byte to the output buffer as if it came from the mouse"), so
; they reach the BIOS through IRQ12 exactly as the mouse's own bytes do.
; Results on port E9h, one "MOUSETEST" line a call; exit via port F4h (10h).
    bits 16
    org 0x7C00
start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    sti
    mov ax, 0x0203                  ; the rest: sectors 2-4
    mov bx, 0x7E00
    mov cx, 0x0002
    xor dh, dh
    int 0x13
    jc $
    jmp main
    times 510-($-$$) db 0
    dw 0xAA55

; report: print "MOUSETEST <name> AH xx CF x" (name at SI) from the saved AX/FLAGS.
%macro CALL15 2                     ; AX, name
    mov ax, %1
    int 0x15
    pushf
    mov si, %2
    call report
%endmacro

main:
    ; C201h reset: BL = AAh, BH = device ID 00h
    mov bx, 0x1234
    CALL15 0xC201, m_reset
    call bxout
    call nl
    ; C200h enable without a handler: AH = 05h
    mov bh, 1
    CALL15 0xC200, m_enable_nohandler
    call nl
    ; C207h install the handler
    mov bx, handler
    CALL15 0xC207, m_install
    call nl
    ; C205h initialise, 3-byte packets
    mov bh, 3
    CALL15 0xC205, m_init
    call nl
    ; C202h 40 reports/s, C203h 8 counts/mm, C206h/02 scaling 2:1
    mov bh, 2
    CALL15 0xC202, m_rate
    call nl
    mov bh, 3
    CALL15 0xC203, m_res
    call nl
    mov bh, 2
    CALL15 0xC206, m_scale
    call nl
    ; C206h/00 status: BL = 10h (stream, disabled, 2:1), CL = 03h, DL = 28h (40)
    mov bh, 0
    xor cx, cx
    xor dx, dx
    CALL15 0xC206, m_status
    call statout
    ; C204h type: BH = 00h
    mov bh, 0xFF
    CALL15 0xC204, m_type
    mov si, m_bh
    call print
    mov al, bh
    call hex8
    call nl
    ; bad input and a bad function
    mov bh, 7
    CALL15 0xC202, m_badrate
    call nl
    CALL15 0xC208, m_badfn
    call nl
    ; C200h enable; status now has bit 5 (reporting) set
    mov bh, 1
    CALL15 0xC200, m_enable
    call nl
    mov bh, 0
    CALL15 0xC206, m_status
    call statout
    ; two packets through IRQ12; the first is preceded by a byte without bit 3,
    ; which the BIOS drops as out of step
    mov al, 0x00
    call inject
    mov al, 0x09                    ; left button
    call inject
    mov al, 0x05                    ; X = +5
    call inject
    mov al, 0xFD                    ; Y = -3 (sign in the first byte: not set here)
    call inject
    mov al, 0x38                    ; X and Y negative
    call inject
    mov al, 0xF0
    call inject
    mov al, 0x10
    call inject
    mov si, m_packets
    call print
    mov al, [calls]
    call hex8
    call nl
    mov si, packets
    mov cx, [calls]
    and cx, 3
    jz .nopk
.pk:
    push cx
    push si
    mov si, m_packet
    call print
    pop si
    mov cx, 4
.w: mov al, ' '
    out 0xE9, al
    lodsw
    call hex16
    loop .w
    call nl
    pop cx
    loop .pk
.nopk:
    ; the timer still runs: both PICs had their EOI
    mov eax, [0x46C]
    mov [t0], eax
.tick:
    hlt
    mov eax, [0x46C]
    cmp eax, [t0]
    je .tick
    mov si, m_ticks
    call print
    ; C200h disable; status bit 5 clear again
    mov bh, 0
    CALL15 0xC200, m_disable
    call nl
    mov bh, 0
    CALL15 0xC206, m_status
    call statout
    ; C207h 0000:0000 removes the handler: enable fails with 05h again
    xor bx, bx
    mov es, bx
    CALL15 0xC207, m_remove
    call nl
    push ds
    pop es
    mov bh, 1
    CALL15 0xC200, m_enable_nohandler
    call nl
    mov si, m_done
    call print
    mov al, 0x10
    out 0xF4, al
    cli
    hlt

; The far-called handler: [bp+6] = 0, [bp+8] = Y, [bp+10] = X, [bp+12] = status.
handler:
    push bp
    mov bp, sp
    push ax
    push bx
    push ds
    xor ax, ax
    mov ds, ax
    movzx bx, byte [calls]
    and bx, 3
    shl bx, 3
    mov ax, [bp+12]
    mov [packets+bx], ax
    mov ax, [bp+10]
    mov [packets+bx+2], ax
    mov ax, [bp+8]
    mov [packets+bx+4], ax
    mov ax, [bp+6]
    mov [packets+bx+6], ax
    inc byte [calls]
    pop ds
    pop bx
    pop ax
    pop bp
    retf

; inject: AL goes into the 8042's output buffer as mouse data (command D3h);
; wait until IRQ12 has taken it.
inject:
    push ax
.w1:
    in al, 0x64
    test al, 0x02
    jnz .w1
    mov al, 0xD3
    out 0x64, al
.w2:
    in al, 0x64
    test al, 0x02
    jnz .w2
    pop ax
    out 0x60, al
    mov cx, 0xFFFF
.w3:
    in al, 0x64
    test al, 0x01
    loopnz .w3
    ret

; report: SI = name; the caller's AX and, on the stack, its FLAGS after INT 15h.
report:
    push bp
    mov bp, sp
    push ax
    call print
    mov si, m_ah
    call print
    mov al, ah
    call hex8
    mov si, m_cf
    call print
    mov al, [bp+4]
    and al, 1
    call hex8
    pop ax
    pop bp
    ret 2
bxout:
    mov si, m_bx
    call print
    mov ax, bx
    jmp hex16
statout:
    mov si, m_bl
    call print
    mov al, bl
    call hex8
    mov si, m_cl
    call print
    mov al, cl
    call hex8
    mov si, m_dl
    call print
    mov al, dl
    call hex8
    jmp nl

%include "report.inc"              ; print, nl, hex32, hex16, hex8 (port E9h)

m_reset db "MOUSETEST C201 reset", 0
m_enable_nohandler db "MOUSETEST C200 enable without handler", 0
m_install db "MOUSETEST C207 install", 0
m_init  db "MOUSETEST C205 init 3", 0
m_rate  db "MOUSETEST C202 rate 40", 0
m_res   db "MOUSETEST C203 resolution 8", 0
m_scale db "MOUSETEST C206 scaling 2:1", 0
m_status db "MOUSETEST C206 status", 0
m_type  db "MOUSETEST C204 type", 0
m_badrate db "MOUSETEST C202 rate 7", 0
m_badfn db "MOUSETEST C208", 0
m_enable db "MOUSETEST C200 enable", 0
m_disable db "MOUSETEST C200 disable", 0
m_remove db "MOUSETEST C207 remove", 0
m_packets db "MOUSETEST handler calls ", 0
m_packet db "MOUSETEST packet status/X/Y/0", 0
m_ticks db "MOUSETEST timer ticks after the packets", 10, 0
m_done  db "MOUSETEST done", 10, 0
m_ah    db " AH ", 0
m_cf    db " CF ", 0
m_bx    db " BX ", 0
m_bl    db " BL ", 0
m_bh    db " BH ", 0
m_cl    db " CL ", 0
m_dl    db " DL ", 0
    align 4
t0      dd 0
calls   dw 0
packets times 32 db 0
    times 512*4-($-$$) db 0
