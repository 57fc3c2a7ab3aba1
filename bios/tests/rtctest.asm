; rtctest.asm - a boot sector that exercises the RTC alarm: INT 1Ah 06h/07h and
; INT 4Ah called from IRQ8. Results on port E9h ("RTCTEST ..."), then
; out 0xF4, 0x10 (success) or 0x11 (a check failed).
    bits 16
    org 0x7C00
start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    mov word [0x4A*4], alarm_handler
    mov word [0x4A*4+2], 0
    sti
    ; set the clock to 10:20:30 (BCD), then the alarm 3 seconds later
    mov ch, 0x10
    mov cl, 0x20
    mov dh, 0x30
    xor dl, dl
    mov ah, 0x03
    int 0x1A
    mov ch, 0x10
    mov cl, 0x20
    mov dh, 0x33
    mov ah, 0x06
    int 0x1A
    jc fail                         ; no alarm was set: CF must be clear
    mov si, m_set
    call print
    ; a second alarm while one is pending: CF = 1
    mov ah, 0x06
    int 0x1A
    jnc fail
    mov si, m_busy
    call print
    ; wait for INT 4Ah, at most 10 seconds (182 ticks)
    xor ah, ah
    int 0x1A
    mov [t0], dx
.wait:
    cmp byte [fired], 0
    jne .fired
    hlt
    xor ah, ah
    int 0x1A
    sub dx, [t0]
    cmp dx, 182
    jb .wait
    mov si, m_nofire
    call print
    jmp fail
.fired:
    mov si, m_fired
    call print
    mov al, [fired_h]
    call hex8
    mov al, [fired_m]
    call hex8
    mov al, [fired_s]
    call hex8
    call nl
    ; cancel it; a new alarm is accepted again
    mov ah, 0x07
    int 0x1A
    jc fail
    mov ch, 0x23
    mov cl, 0x59
    mov dh, 0x59
    mov ah, 0x06
    int 0x1A
    jc fail
    mov ah, 0x07
    int 0x1A
    mov si, m_reset
    call print
    mov si, m_done
    call print
    mov al, 0x10
    out 0xF4, al
    cli
    hlt

fail:
    mov si, m_fail
    call print
    mov al, 0x11
    out 0xF4, al
    cli
    hlt

; INT 4Ah: note the time the alarm came (INT 1Ah 02h).
alarm_handler:
    push ax
    push cx
    push dx
    push ds
    xor ax, ax
    mov ds, ax
    mov ah, 0x02
    int 0x1A
    mov [fired_h], ch
    mov [fired_m], cl
    mov [fired_s], dh
    mov byte [fired], 1
    pop ds
    pop dx
    pop cx
    pop ax
    iret

%include "report.inc"              ; print, nl, hex32, hex16, hex8 (port E9h)

m_set    db "RTCTEST alarm set for 102033", 10, 0
m_busy   db "RTCTEST second alarm refused (CF=1)", 10, 0
m_nofire db "RTCTEST no INT 4Ah within 10 s", 10, 0
m_fired  db "RTCTEST INT 4Ah at ", 0
m_reset  db "RTCTEST alarm reset, a new one accepted", 10, 0
m_done   db "RTCTEST done", 10, 0
m_fail   db "RTCTEST FAIL", 10, 0
t0       dw 0
fired    db 0
fired_h  db 0
fired_m  db 0
fired_s  db 0
    times 510-($-$$) db 0
    dw 0xAA55
