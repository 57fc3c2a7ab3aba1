; svctest.asm - a floppy boot image that exercises INT 10h/11h/12h/15h/16h/1Ah,
; last INT 15h 89h (it ends in protected mode).
; Results on port E9h ("SVCTEST ... ok"/"FAIL"), the screen is left for a dump.
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
    mov ax, 0x0208                  ; the rest: sectors 2-9
    mov bx, 0x7E00
    mov cx, 0x0002
    xor dh, dh
    int 0x13
    jc $
    jmp main
    times 510-($-$$) db 0
    dw 0xAA55

main:
    ; INT 12h / 11h
    int 0x12
    mov si, m_int12
    call print
    call hex16
    call nl
    int 0x11
    mov si, m_int11
    call print
    call hex16
    call nl
    ; INT 15h 88h, E801h
    mov ah, 0x88
    int 0x15
    mov si, m_88
    call print
    call hex16
    call nl
    mov ax, 0xE801
    int 0x15
    mov si, m_e801
    call print
    call hex16
    mov al, ' '
    out 0xE9, al
    mov ax, bx
    call hex16
    call nl
    ; E820
    xor ebx, ebx
.e820:
    mov eax, 0xE820
    mov edx, 0x534D4150
    mov ecx, 24
    mov di, e820buf
    int 0x15
    jc .e820done
    mov si, m_e820
    call print
    mov eax, [e820buf]
    call hex32
    mov al, ' '
    out 0xE9, al
    mov eax, [e820buf+8]
    call hex32
    mov al, ' '
    out 0xE9, al
    mov al, [e820buf+16]
    call hex8
    call nl
    test ebx, ebx
    jnz .e820
.e820done:
    ; C0h
    mov ah, 0xC0
    int 0x15
    mov si, m_c0
    call print
    mov al, [es:bx+2]
    call hex8
    call nl
    push ds
    pop es
    ; INT 1Ah
    mov ah, 0x02
    int 0x1A
    mov si, m_time
    call print
    mov ax, cx
    call hex16
    mov al, dh
    call hex8
    call nl
    mov ah, 0x04
    int 0x1A
    mov si, m_date
    call print
    mov ax, cx
    call hex16
    mov ax, dx
    call hex16
    call nl
    ; 86h: 110 ms should be 2 ticks
    xor ah, ah
    int 0x1A
    mov [t0], dx
    mov ah, 0x86
    mov cx, 1
    mov dx, 0xADB0                  ; 110000 us
    int 0x15
    xor ah, ah
    int 0x1A
    sub dx, [t0]
    mov si, m_wait
    call print
    mov ax, dx
    call hex16
    call nl
    ; 87h: 256 words from 7C00h to 110000h, then back to 20000h
    mov word [gdt+0x10], 0xFFFF
    mov dword [gdt+0x12], 0x93007C00
    mov word [gdt+0x18], 0xFFFF
    mov dword [gdt+0x1A], 0x93110000
    mov ah, 0x87
    mov cx, 256
    mov si, gdt
    int 0x15
    jc .movefail
    mov dword [gdt+0x12], 0x93110000
    mov dword [gdt+0x1A], 0x93020000
    mov ah, 0x87
    mov cx, 256
    mov si, gdt
    int 0x15
    jc .movefail
    push es
    mov ax, 0x2000
    mov es, ax
    mov si, 0x7C00
    xor di, di
    mov cx, 256
    repe cmpsw
    pop es
    jne .movefail
    mov si, m_87ok
    call print
    jmp .a20
.movefail:
    mov si, m_87fail
    call print
.a20:
    mov ax, 0x2402
    int 0x15
    mov si, m_a20
    call print
    call hex16
    call nl
    ; INT 16h: empty buffer, then 05h store and 00h read
    mov ah, 0x01
    int 0x16
    mov si, m_kbempty
    jz .e
    mov si, m_kbnotempty
.e: call print
    mov ah, 0x05
    mov cx, 0x1E61
    int 0x16
    mov ah, 0x11
    int 0x16
    jz .kbfail
    xor ah, ah
    int 0x16
    cmp ax, 0x1E61
    jne .kbfail
    mov si, m_kbok
    call print
    jmp .video
.kbfail:
    mov si, m_kbfail
    call print
.video:
    ; INT 10h
    mov ax, 0x0003
    int 0x10
    mov cx, 30                      ; 30 lines: the screen scrolls
.lines:
    mov si, m_line
    call tty
    mov ax, 31
    sub ax, cx
    call tty_dec
    mov si, m_crlf
    call tty
    loop .lines
    ; a window scrolled up by 1 in blue
    mov ax, 0x0601
    mov bh, 0x1F
    mov cx, 0x0205                  ; row 2, col 5
    mov dx, 0x0630                  ; row 6, col 48
    int 0x10
    ; write string with attribute at row 3, col 8
    mov ax, 0x1301
    mov bx, 0x001E
    mov cx, m_strlen
    mov dx, 0x0308
    mov bp, m_str
    int 0x10
    ; 09h: 10 red '*' at row 10 col 60
    mov ah, 0x02
    xor bh, bh
    mov dx, 0x0A3C
    int 0x10
    mov ax, 0x092A
    mov bx, 0x004C
    mov cx, 10
    int 0x10
    ; 08h read it back
    mov ah, 0x08
    xor bh, bh
    int 0x10
    cmp ax, 0x4C2A
    jne .vfail
    ; 03h
    mov ah, 0x03
    xor bh, bh
    int 0x10
    cmp dx, 0x0A3C
    jne .vfail
    ; 0Fh
    mov ah, 0x0F
    int 0x10
    cmp ax, 0x5003
    jne .vfail
    ; 07h: scroll rows 12-14 down by one, cyan
    mov ax, 0x0701
    mov bh, 0x30
    mov cx, 0x0C00
    mov dx, 0x0E4F
    int 0x10
    ; 1130h
    mov ax, 0x1130
    mov bh, 6
    push es
    push bp
    int 0x10
    pop bp
    pop es
    cmp cx, 16
    jne .vfail
    mov si, m_vok
    call print
    jmp .done
.vfail:
    mov si, m_vfail
    call print
.done:
    ; 89h: protected mode, IRQ0-7 at vectors 20h-27h, IRQ8-15 at 28h-2Fh; the IDT
    ; at 0600h: vector 20h counts timer ticks, every other vector counts strays
    mov di, 0x0600
    xor cx, cx
.idt:
    mov ax, pm_stray
    cmp cx, 0x20
    jne .gate
    mov ax, pm_irq0
.gate:
    stosw
    mov ax, 0x30
    stosw
    mov ax, 0x8600                  ; present, DPL 0, 286 interrupt gate
    stosw
    xor ax, ax
    stosw
    inc cx
    cmp cx, 0x30
    jb .idt
    mov dword [0x7000], 0
    mov si, gdt89
    mov bx, 0x2028
    mov ah, 0x89
    int 0x15
    pushf
    pop word [r_flags]
    mov [r_ax], ax
    mov si, m_89
    call print
    mov al, [r_ax+1]
    call hex8
    mov si, m_cf
    call print
    mov al, [r_flags]
    and al, 1
    call hex8
    mov si, m_cs
    call print
    mov ax, cs
    call hex16
    mov si, m_ds
    call print
    mov ax, ds
    call hex16
    mov si, m_es
    call print
    mov ax, es
    call hex16
    mov si, m_ss
    call print
    mov ax, ss
    call hex16
    mov si, m_if
    call print
    mov al, [r_flags+1]
    shr al, 1
    and al, 1
    call hex8
    call nl
    smsw ax
    test al, 1
    jz .done89                      ; still in real mode: the lines above say why
    mov si, m_89masks
    call print
    in al, 0x21
    call hex8
    mov al, ' '
    out 0xE9, al
    in al, 0xA1
    call hex8
    call nl
    ; A20: ES (20h) has base 100000h; with A20 off [es:7000h] would be [7000h]
    mov dword [es:0x7000], 0x89ABCDEF
    mov si, m_a20on
    cmp dword [0x7000], 0
    je .a20msg
    mov si, m_a20off
.a20msg:
    call print
    ; IRQ0 must arrive at vector 20h (and nowhere else)
    mov al, 0xFE
    out 0x21, al
    sti
.tick:
    hlt
    cmp byte [pm_ticks], 2
    jb .tick
    cli
    mov si, m_irq0ok
    cmp byte [pm_strays], 0
    je .irqmsg
    mov si, m_irq0fail
.irqmsg:
    call print
.done89:
    mov si, m_done
    call print
    mov al, 0x10
    out 0xF4, al
    cli
    hlt

pm_irq0:                            ; protected mode: vector 20h
    push ax
    inc byte [pm_ticks]
    mov al, 0x20
    out 0x20, al
    pop ax
    iret
pm_stray:                           ; any other vector
    push ax
    inc byte [pm_strays]
    mov al, 0x20
    out 0x20, al
    pop ax
    iret

tty:                                ; CS:SI string via INT 10h 0Eh
    push ax
    push bx
.l: lodsb
    test al, al
    jz .d
    mov ah, 0x0E
    mov bx, 7
    int 0x10
    jmp .l
.d: pop bx
    pop ax
    ret
tty_dec:                            ; AX < 100
    push cx
    mov cl, 10
    div cl
    push ax
    add al, '0'
    mov ah, 0x0E
    int 0x10
    pop ax
    mov al, ah
    add al, '0'
    mov ah, 0x0E
    int 0x10
    pop cx
    ret
%include "report.inc"              ; print, nl, hex32, hex16, hex8 (port E9h)

m_int12 db "SVCTEST int12 ", 0
m_int11 db "SVCTEST int11 ", 0
m_88    db "SVCTEST 88h ", 0
m_e801  db "SVCTEST E801 ", 0
m_e820  db "SVCTEST E820 ", 0
m_c0    db "SVCTEST C0 model ", 0
m_time  db "SVCTEST time ", 0
m_date  db "SVCTEST date ", 0
m_wait  db "SVCTEST 86h 110ms = ticks ", 0
m_87ok  db "SVCTEST 87h block move ok", 10, 0
m_87fail db "SVCTEST 87h block move FAIL", 10, 0
m_a20   db "SVCTEST 2402 ", 0
m_kbempty db "SVCTEST int16 01 empty ok", 10, 0
m_kbnotempty db "SVCTEST int16 01 not empty FAIL", 10, 0
m_kbok  db "SVCTEST int16 05/11/00 ok", 10, 0
m_kbfail db "SVCTEST int16 05/11/00 FAIL", 10, 0
m_vok   db "SVCTEST int10 ok", 10, 0
m_vfail db "SVCTEST int10 FAIL", 10, 0
m_done  db "SVCTEST done", 10, 0
m_line  db "line ", 0
m_crlf  db 13, 10, 0
m_str   db "Write string (13h) in yellow on blue"
m_strlen equ $ - m_str
m_89    db "SVCTEST 89h AH ", 0
m_cf    db " CF ", 0
m_cs    db " CS ", 0
m_ds    db " DS ", 0
m_es    db " ES ", 0
m_ss    db " SS ", 0
m_if    db " IF ", 0
m_89masks db "SVCTEST 89h PIC masks ", 0
m_a20on db "SVCTEST 89h A20 on", 10, 0
m_a20off db "SVCTEST 89h A20 off FAIL", 10, 0
m_irq0ok db "SVCTEST 89h IRQ0 at vector 20h ok", 10, 0
m_irq0fail db "SVCTEST 89h IRQ0 at a vector other than 20h FAIL", 10, 0
t0      dw 0
r_ax    dw 0
r_flags dw 0
pm_ticks db 0
pm_strays db 0
    align 8
gdt89:  dq 0
        dw 0x3F, gdt89, 0, 0            ; 08h: this GDT
        dw 0x17F, 0x0600, 0, 0          ; 10h: the IDT, 30h gates
        dw 0xFFFF, 0, 0x9300, 0         ; 18h: DS, base 0
        dw 0xFFFF, 0, 0x9310, 0         ; 20h: ES, base 100000h
        dw 0xFFFF, 0, 0x9300, 0         ; 28h: SS, base 0
        dw 0xFFFF, 0, 0x9B00, 0         ; 30h: CS, base 0
        dq 0                            ; 38h: the BIOS fills it in
    align 8
gdt     times 0x30 db 0
e820buf times 24 db 0
    times 512*9-($-$$) db 0
