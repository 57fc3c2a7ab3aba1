; cdtest.asm - El Torito no-emulation boot image: checks DL, INT 13h 4B01h
; and a 42h read of the primary volume descriptor. Output on port E9h.
; Build an ISO: xorriso -as mkisofs -o cd.iso -b cdtest.bin -no-emul-boot -boot-load-size 4 DIR
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
    mov [drive], dl
    mov si, m_drive
    call print
    mov al, dl
    call hex8
    call nl
    ; 4B01h: specification packet
    mov ax, 0x4B01
    mov dl, [drive]
    mov si, spec
    int 0x13
    jc fail
    mov si, m_spec
    call print
    mov al, [spec+1]
    call hex8
    mov al, ' '
    out 0xE9, al
    mov al, [spec+2]
    call hex8
    call nl
    ; 42h: LBA 16 (primary volume descriptor) to 0000:1000
    mov ah, 0x42
    mov dl, [drive]
    mov si, dap
    int 0x13
    jc fail
    cmp dword [0x1001], 'CD00'
    jne fail
    mov si, m_ok
    call print
    mov al, 0x10
    out 0xF4, al
    cli
    hlt
fail:
    mov si, m_fail
    call print
    mov al, ah
    call hex8
    call nl
    mov al, 0x11
    out 0xF4, al
    cli
    hlt
print:
    lodsb
    test al, al
    jz .d
    out 0xE9, al
    jmp print
.d: ret
nl: mov al, 10
    out 0xE9, al
    ret
hex8:
    push ax
    shr al, 4
    call .n
    pop ax
    and al, 0x0F
.n: and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .p
    add al, 7
.p: out 0xE9, al
    ret
m_drive db "CDTEST boot drive ", 0
m_spec  db "CDTEST 4B01 media/drive ", 0
m_ok    db "CDTEST 42h read of the volume descriptor ok", 10, 0
m_fail  db "CDTEST FAIL ", 0
drive   db 0
dap     db 0x10, 0
        dw 1, 0x1000, 0
        dq 16
spec    times 0x13 db 0
    times 2048-($-$$) db 0
