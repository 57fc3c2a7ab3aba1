; disktest.asm - a boot image that exercises the BIOS disk services.
; Build: nasm -f bin -o disktest.bin disktest.asm; then bios/tests/mkdisk.py
; writes it into an image whose sectors from LBA 16 on start with their LBA.
; Output goes to port E9h; exit via port F4h (10h = all passed).
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
    ; stage 2: sectors 2-9 of track 0 -> 0000:7E00
    mov ax, 0x0208
    mov bx, 0x7E00
    mov cx, 0x0002
    xor dh, dh
    int 0x13
    jc fail0
    jmp stage2
fail0:
    mov si, m_stage
    call print
    mov al, 0x11
    out 0xF4, al
    hlt
print:
    lodsb
    test al, al
    jz .d
    out 0xE9, al
    jmp print
.d: ret
m_stage db "DISKTEST stage 2 load failed", 10, 0
drive db 0
    times 510-($-$$) db 0
    dw 0xAA55

; ---------------------------------------------------------------- stage 2
stage2:
    mov si, m_hello
    call print
    mov al, [drive]
    call hex8
    call nl
    ; geometry
    mov ah, 0x08
    mov dl, [drive]
    int 0x13
    jc bad08
    mov [cyls], ch
    mov al, cl
    shr al, 6
    mov [cyls+1], al
    inc word [cyls]
    and cl, 0x3F
    mov [spt], cl
    inc dh
    mov [heads], dh
    mov si, m_geo
    call print
    mov ax, [cyls]
    call hex16
    mov al, '/'
    out 0xE9, al
    mov al, [heads]
    call hex8
    mov al, '/'
    out 0xE9, al
    mov al, [spt]
    call hex8
    call nl

    ; CHS reads of LBA 16..(16+count) in several shapes
    mov eax, 16
    mov cx, 1
    call chs_test
    mov eax, 17
    mov cx, 5
    call chs_test
    movzx eax, byte [spt]           ; a whole track from a track start
    shl eax, 1
    movzx ecx, byte [spt]
    call chs_test
    movzx eax, byte [spt]           ; across heads / cylinders
    imul ax, 3
    sub ax, 3
    mov cx, 7
    call chs_test

    ; DMA boundary (floppy): 2 sectors at 0x0FF00 cross 64 KiB
    cmp byte [drive], 0x80
    jae .nodma
    mov si, m_dma
    call print
    push es
    mov ax, 0x0FF0
    mov es, ax
    xor bx, bx
    mov ax, 0x0202
    mov cx, 0x0001
    mov dh, 1
    mov dl, [drive]
    int 0x13
    pop es
    call hex16
    call nl
.nodma:

    ; EDD
    cmp byte [drive], 0x80
    jb .noedd
    mov ah, 0x41
    mov bx, 0x55AA
    mov dl, [drive]
    int 0x13
    jc bad41
    cmp bx, 0xAA55
    jne bad41
    mov si, m_edd
    call print
    mov al, ah
    call hex8
    call nl
    ; 48h
    mov word [params], 0x1E
    mov ah, 0x48
    mov dl, [drive]
    mov si, params
    int 0x13
    jc bad48
    mov si, m_48
    call print
    mov eax, [params+16]
    call hex32
    call nl
    ; 42h read of 100 sectors from LBA 40 to 1000:0000
    mov word [dap+2], 100
    mov word [dap+4], 0
    mov word [dap+6], 0x1000
    mov dword [dap+8], 40
    mov ah, 0x42
    mov dl, [drive]
    mov si, dap
    int 0x13
    jc bad42
    mov eax, 40
    mov cx, 100
    mov bx, 0x1000
    call check_markers
    jc bad42
    mov si, m_42
    call print
    ; 43h write LBA 2000 (marker 0xC0FFEE00) and read it back
    push es
    mov ax, 0x2000
    mov es, ax
    mov dword [es:0], 0xC0FFEE00
    pop es
    mov word [dap+2], 1
    mov word [dap+4], 0
    mov word [dap+6], 0x2000
    mov dword [dap+8], 2000
    mov ax, 0x4300
    mov dl, [drive]
    mov si, dap
    int 0x13
    jc bad43
    push es
    mov ax, 0x3000
    mov es, ax
    mov dword [es:0], 0
    pop es
    mov word [dap+6], 0x3000
    mov ah, 0x42
    mov dl, [drive]
    mov si, dap
    int 0x13
    jc bad43
    push es
    mov ax, 0x3000
    mov es, ax
    cmp dword [es:0], 0xC0FFEE00
    pop es
    jne bad43
    mov si, m_43
    call print
.noedd:
    mov si, m_ok
    call print
    mov al, 0x10
    out 0xF4, al
    cli
    hlt

bad08: mov si, m_bad08
    jmp failmsg
bad41: mov si, m_bad41
    jmp failmsg
bad42: mov si, m_bad42
    jmp failmsg
bad43: mov si, m_bad43
    jmp failmsg
bad48: mov si, m_bad48
failmsg:
    call print
    mov al, ah
    call hex8
    call nl
    mov al, 0x11
    out 0xF4, al
    cli
    hlt

; chs_test: EAX = LBA, CX = count; read with AH=02 to 1000:0000 and check.
chs_test:
    push eax
    push cx
    mov si, m_chs
    push eax
    call print
    pop eax
    call hex32
    mov al, '+'
    out 0xE9, al
    mov ax, cx
    call hex16
    mov al, ' '
    out 0xE9, al
    pop cx
    pop eax
    push eax
    push cx
    ; LBA -> CHS
    xor edx, edx
    movzx ebx, byte [spt]
    div ebx                         ; eax = track, edx = sector - 1
    inc dl
    mov cl, dl
    xor edx, edx
    movzx ebx, byte [heads]
    div ebx                         ; eax = cylinder, edx = head
    mov dh, dl
    mov ch, al
    shl ah, 6
    or cl, ah
    pop ax                          ; count
    push ax
    mov ah, 0x02
    mov dl, [drive]
    push es
    mov bx, 0x1000
    mov es, bx
    xor bx, bx
    int 0x13
    pop es
    pop cx
    pop ebx
    jc .err
    push ax
    mov eax, ebx
    mov bx, 0x1000
    call check_markers
    pop ax
    jc .mism
    mov si, m_pass
    call print
    ret
.err:
    mov si, m_err
    call print
    mov al, ah
    call hex8
    call nl
    ret
.mism:
    mov si, m_mism
    call print
    ret

; check_markers: EAX = first LBA, CX = count, BX = segment. CF on mismatch.
check_markers:
    push es
.l:
    mov es, bx
    cmp [es:0], eax
    jne .bad
    inc eax
    add bx, 0x20
    loop .l
    pop es
    clc
    ret
.bad:
    pop es
    stc
    ret

nl:
    mov al, 10
    out 0xE9, al
    ret
hex32:
    push eax
    shr eax, 16
    call hex16
    pop eax
hex16:
    xchg al, ah
    call hex8
    xchg al, ah
hex8:
    push ax
    shr al, 4
    call .n
    pop ax
    push ax
    call .n
    pop ax
    ret
.n:
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .p
    add al, 7
.p:
    out 0xE9, al
    ret

m_hello db "DISKTEST drive ", 0
m_geo   db "DISKTEST geometry C/H/S ", 0
m_chs   db "DISKTEST CHS read LBA ", 0
m_pass  db "ok", 10, 0
m_err   db "error ", 0
m_mism  db "data mismatch", 10, 0
m_dma   db "DISKTEST 64K-crossing read (expect 0900h-ish AX): ", 0
m_edd   db "DISKTEST EDD version ", 0
m_48    db "DISKTEST 48h sectors ", 0
m_42    db "DISKTEST 42h read 100 sectors ok", 10, 0
m_43    db "DISKTEST 43h write + readback ok", 10, 0
m_ok    db "DISKTEST done", 10, 0
m_bad08 db "DISKTEST FAIL 08h ", 0
m_bad41 db "DISKTEST FAIL 41h ", 0
m_bad42 db "DISKTEST FAIL 42h ", 0
m_bad43 db "DISKTEST FAIL 43h ", 0
m_bad48 db "DISKTEST FAIL 48h ", 0
    align 4
cyls    dw 0
heads   db 0
spt     db 0
dap     db 0x10, 0
        dw 0, 0, 0
        dq 0
params  times 0x20 db 0
    times 512*9-($-$$) db 0
