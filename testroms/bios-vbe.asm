; =============================================================================
; bios-vbe: a boot floppy program (not a ROM) that calls a BIOS's VESA BIOS
; Extensions through INT 10h, the way boot loaders and DOS programs do, and
; reports on port E9h.  The test (Tests/DisplayTests/BIOSVBETests.swift)
; writes this image to the start of a 1.44 MB floppy image and boots it with
; pcemu's own BIOS:
;     pcemu --floppy FLOPPY --debugcon stdout
; The same floppy boots with --bios /usr/share/bochs/BIOS-bochs-legacy
; --vgabios /usr/share/vgabios/vgabios.bin, for comparison of 4F00h/4F01h.
;
;  1. 4F00h with "VBE2" (512-byte buffer): status, signature, version,
;     capabilities, 64 KiB blocks, the mode list; 4F01h for every listed mode:
;     attributes, window A, granularity, size, segment, bytes a line, size,
;     bits a pixel, memory model, image pages, colour fields, framebuffer.
;  2. 4F01h/4F02h for mode 1FFh (none): status; 4F00h without "VBE2".
;  3. In mode 03h: 4F03h, 4F08h (set 8 bits, get, back to 6), 4F05h (invalid).
;  4. The first listed mode of 640x480, 8 bits, set banked (4F02h): 4F03h;
;     4F05h bank 1 by INT 10h and bank 0 by the far call of the mode
;     information, a byte written through each; 4F06h get, set 1024 pixels,
;     maximum; 4F07h set (0, 10), get, an impossible start (fails, start kept),
;     ECX form; 4F04h size (dispi registers; all states), save, change,
;     restore; 4F09h set and get entry 2;
;     4F08h 8 bits and 4F09h in 8-bit form; 4F0Ah and its 32-bit code called
;     in protected mode (bank 3, start address, palette entry 3); a VGA mode
;     set (03h) leaves the VBE mode, then the 8-bit mode comes back with bit 15
;     (memory kept).
;  5. The first listed mode of 640x480 with 32 bits a pixel and a linear
;     framebuffer, set with bit 14: 4F03h; 4F05h (fails: linear); 4F08h (fails:
;     direct colour); a picture through the framebuffer at PhysBasePtr
;     (unreal mode), pixel (x, y) = red x / 3, green y / 2, blue (x + y) & FFh,
;     with a white 16 x 16 square at (600, 440).
;  6. "bios-vbe done", 10h to port F4h.
;
; Build:  nasm -f bin -o bios-vbe.bin bios-vbe.asm   (or testroms/build.sh)
; =============================================================================

        cpu     386
        bits    16
        org     0x7C00

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
MODELIST        equ     0x0700                  ; copied mode list (words)
CTRL            equ     0x2000                  ; 512-byte controller information
INFO            equ     0x2400                  ; 256-byte mode information
STATE           equ     0x2600                  ; 4F04h buffer
PAL             equ     0x2700                  ; palette entries
MAXMODES        equ     64
SECTORS         equ     (image_end - $$ + 511) / 512

start:
        jmp     0:.cs0                          ; CS = 0 whatever the BIOS used
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
        times   510 - ($ - $$) db 0
        dw      0xAA55

nmodes:         dw      0
mode8:          dw      0xFFFF
mode32:         dw      0xFFFF
lfb:            dd      0
winfunc:        dd      0

main:
        ; ---- 1. controller and mode information
        mov     di, CTRL
        mov     cx, 512
        xor     al, al
        rep     stosb
        mov     dword [CTRL], "VBE2"
        mov     ax, 0x4F00
        mov     di, CTRL
        int     0x10
        mov     si, m_4f00
        call    print_str
        call    hex16
        call    space
        mov     eax, [CTRL]
        call    print_4chars
        call    space
        mov     ax, [CTRL+4]
        call    hex16
        call    space
        mov     eax, [CTRL+0x0A]
        call    hex32
        call    space
        mov     ax, [CTRL+0x12]
        call    hex16
        mov     si, m_oem
        call    print_str
        push    ds
        lds     si, [CTRL+0x06]
        call    print_far
        pop     ds
        call    print_nl
        ; the mode list
        push    ds
        lds     si, [CTRL+0x0E]
        mov     di, MODELIST
        xor     cx, cx
.copy:  lodsw
        cmp     ax, 0xFFFF
        je      .copied
        mov     [es:di], ax
        add     di, 2
        inc     cx
        cmp     cx, MAXMODES
        jb      .copy
.copied:
        pop     ds
        mov     [nmodes], cx
        xor     bx, bx
.info:  cmp     bx, [nmodes]
        jae     .infodone
        push    bx
        shl     bx, 1
        mov     cx, [MODELIST+bx]
        call    modeinfo
        pop     bx
        inc     bx
        jmp     .info
.infodone:

        ; ---- 2. a mode that does not exist; 4F00h without "VBE2"
        mov     si, m_none
        call    print_str
        mov     ax, 0x4F01
        mov     cx, 0x01FF
        mov     di, INFO
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F02
        mov     bx, 0x41FF
        int     0x10
        call    hex16
        call    space
        mov     di, CTRL
        mov     cx, 256
        xor     al, al
        rep     stosb
        mov     ax, 0x4F00
        mov     di, CTRL
        int     0x10
        call    hex16
        call    space
        mov     ax, [CTRL+4]
        call    hex16
        call    print_nl

        ; ---- 3. in VGA mode 03h
        mov     ax, 0x0003
        int     0x10
        mov     si, m_vga
        call    print_str
        mov     ax, 0x4F03
        int     0x10
        call    hex16
        call    space
        mov     ax, bx
        call    hex16
        call    space
        mov     ax, 0x4F08
        mov     bx, 0x0800
        int     0x10
        call    hex16
        call    space
        mov     al, bh
        call    print_hex8
        call    space
        mov     ax, 0x4F08
        mov     bx, 0x0001
        int     0x10
        mov     al, bh
        call    print_hex8
        call    space
        mov     ax, 0x4F08
        mov     bx, 0x0600
        int     0x10
        mov     al, bh
        call    print_hex8
        call    space
        mov     ax, 0x4F05
        mov     bx, 0x0100
        int     0x10
        call    hex16
        call    print_nl

        ; ---- 4. the 8-bit 640x480 mode, banked
        mov     ax, [mode8]
        cmp     ax, 0xFFFF
        je      no8
        mov     cx, ax
        mov     ax, 0x4F01
        mov     di, INFO
        int     0x10
        mov     eax, [INFO+0x0C]
        mov     [winfunc], eax
        mov     si, m_set8
        call    print_str
        mov     ax, 0x4F02
        mov     bx, [mode8]
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F03
        int     0x10
        call    hex16
        call    space
        mov     ax, bx
        call    hex16
        call    print_nl
        ; banks: 1 by INT 10h, 0 by the far call
        mov     si, m_bank
        call    print_str
        mov     ax, 0x4F05
        xor     bx, bx
        mov     dx, 1
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F05
        mov     bx, 0x0100
        int     0x10
        mov     ax, dx
        call    hex16
        call    space
        push    es
        push    word 0xA000
        pop     es
        mov     byte [es:0x0000], 0x2A          ; video memory 10000h
        pop     es
        xor     bx, bx
        xor     dx, dx
        call    far [winfunc]
        call    hex16
        call    space
        push    es
        push    word 0xA000
        pop     es
        mov     byte [es:0x0005], 0x0F          ; video memory 5
        mov     al, [es:0x0000]                 ; bank 0: not the 2Ah
        pop     es
        call    print_hex8
        call    space
        mov     ax, 0x4F05
        xor     bx, bx
        mov     dx, 0x7FFF                      ; past the memory
        int     0x10
        call    hex16
        call    print_nl
        ; scan line length
        mov     si, m_line
        call    print_str
        mov     ax, 0x4F06
        mov     bx, 0x0001
        int     0x10
        call    regs_bcd
        mov     ax, 0x4F06
        mov     bx, 0x0000
        mov     cx, 1024
        int     0x10
        call    regs_bcd
        mov     ax, 0x4F06
        mov     bx, 0x0002
        mov     cx, 640
        int     0x10
        call    regs_bcd
        mov     ax, 0x4F06
        mov     bx, 0x0003
        int     0x10
        call    regs_bcd
        call    print_nl
        ; display start
        mov     si, m_start
        call    print_str
        mov     ax, 0x4F07
        xor     bx, bx
        xor     cx, cx
        mov     dx, 10
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F07
        mov     bx, 0x0001
        int     0x10
        call    regs_cd
        mov     ax, 0x4F07
        xor     bx, bx
        xor     cx, cx
        mov     dx, 0xFFF0                      ; no full page from there
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F07
        mov     bx, 0x0001
        int     0x10
        call    regs_cd
        mov     ax, 0x4F07
        mov     bx, 0x0002
        mov     ecx, 640 * 7 + 16               ; line 7, pixel 16
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F07
        mov     bx, 0x0001
        int     0x10
        call    regs_cd
        mov     ax, 0x4F07
        xor     bx, bx
        xor     cx, cx
        xor     dx, dx
        int     0x10
        call    print_nl
        ; state: size, save, change the start, restore
        mov     si, m_state
        call    print_str
        mov     ax, 0x4F04
        xor     dl, dl
        mov     cx, 0x0008
        int     0x10
        call    hex16
        call    space
        mov     ax, bx
        call    hex16
        call    space
        mov     ax, 0x4F04
        xor     dl, dl
        mov     cx, 0x000F
        int     0x10
        call    hex16
        call    space
        mov     ax, bx
        call    hex16
        call    space
        mov     ax, 0x4F04
        mov     dl, 1
        mov     cx, 0x0008
        mov     bx, STATE
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F07
        xor     bx, bx
        mov     cx, 8
        mov     dx, 20
        int     0x10
        mov     ax, 0x4F04
        mov     dl, 2
        mov     cx, 0x0008
        mov     bx, STATE
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F07
        mov     bx, 0x0001
        int     0x10
        call    regs_cd
        call    print_nl
        ; palette: entry 2 set and read back, in 6 and in 8 bits
        mov     si, m_pal
        call    print_str
        mov     dword [PAL], 0x00300A15         ; blue 15h, green 0Ah, red 30h
        mov     ax, 0x4F09
        xor     bx, bx
        mov     cx, 1
        mov     dx, 2
        mov     di, PAL
        int     0x10
        call    hex16
        call    space
        mov     dword [PAL+4], 0xEEEEEEEE
        mov     ax, 0x4F09
        mov     bx, 0x0001
        mov     cx, 1
        mov     dx, 2
        mov     di, PAL+4
        int     0x10
        mov     eax, [PAL+4]
        call    hex32
        call    space
        mov     ax, 0x4F08
        mov     bx, 0x0800
        int     0x10
        call    hex16
        call    space
        mov     dword [PAL], 0x00C050FF
        mov     ax, 0x4F09
        xor     bx, bx
        mov     cx, 1
        mov     dx, 2
        mov     di, PAL
        int     0x10
        mov     ax, 0x4F09
        mov     bx, 0x0001
        mov     cx, 1
        mov     dx, 2
        mov     di, PAL+4
        int     0x10
        mov     eax, [PAL+4]
        call    hex32
        call    space
        mov     ax, 0x4F09
        mov     bx, 0x0002                      ; secondary palette
        int     0x10
        call    hex16
        mov     ax, 0x4F08
        mov     bx, 0x0600
        int     0x10
        call    print_nl
        ; the protected-mode interface
        call    pmi
        ; a VGA mode leaves the VBE mode; bit 15 brings it back with memory kept
        mov     si, m_back
        call    print_str
        mov     ax, 0x0003
        int     0x10
        mov     ax, 0x4F03
        int     0x10
        mov     ax, bx
        call    hex16
        call    space
        mov     ax, 0x4F02
        mov     bx, [mode8]
        or      bx, 0x8000
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F03
        int     0x10
        mov     ax, bx
        call    hex16
        call    space
        mov     ax, 0x4F05
        xor     bx, bx
        mov     dx, 1
        int     0x10
        push    es
        push    word 0xA000
        pop     es
        mov     al, [es:0x0000]                 ; the 2Ah written before
        pop     es
        call    print_hex8
        call    print_nl
        jmp     part5
no8:    mov     si, m_no8
        call    print_str

        ; ---- 5. 640x480x32 through the linear framebuffer
part5:
        mov     ax, [mode32]
        cmp     ax, 0xFFFF
        je      no32
        mov     cx, ax
        mov     ax, 0x4F01
        mov     di, INFO
        int     0x10
        mov     eax, [INFO+0x28]
        mov     [lfb], eax
        mov     si, m_set32
        call    print_str
        mov     ax, 0x4F02
        mov     bx, [mode32]
        or      bx, 0x4000
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F03
        int     0x10
        mov     ax, bx
        call    hex16
        call    space
        mov     ax, 0x4F05
        xor     bx, bx
        xor     dx, dx
        int     0x10
        call    hex16
        call    space
        mov     ax, 0x4F08
        mov     bx, 0x0800
        int     0x10
        call    hex16
        call    print_nl
        ; the picture
        mov     ebx, [lfb]
        movzx   ebp, word [INFO+0x10]           ; bytes a line
        call    unreal
        xor     edx, edx                        ; y
.line:  mov     edi, edx
        imul    edi, ebp
        add     edi, ebx
        xor     ecx, ecx                        ; x
.pixel: mov     eax, ecx
        push    edx
        xor     edx, edx
        push    ecx
        mov     ecx, 3
        div     ecx                             ; red = x / 3
        pop     ecx
        pop     edx
        shl     eax, 8
        push    edx
        shr     edx, 1
        mov     al, dl                          ; green = y / 2
        pop     edx
        shl     eax, 8
        mov     al, cl
        add     al, dl                          ; blue = (x + y) & FFh
        cmp     ecx, 600
        jb      .put
        cmp     ecx, 616
        jae     .put
        cmp     edx, 440
        jb      .put
        cmp     edx, 456
        jae     .put
        mov     eax, 0x00FFFFFF
.put:   mov     [es:edi], eax
        add     edi, 4
        inc     ecx
        cmp     ecx, 640
        jb      .pixel
        inc     edx
        cmp     edx, 480
        jb      .line
        xor     ax, ax
        mov     es, ax
        sti
        jmp     finish
no32:   mov     si, m_no32
        call    print_str

finish:
        mov     si, m_done
        call    print_str
        mov     al, 0x10
        out     EXIT_PORT, al
        cli
        hlt

; modeinfo: CX = mode -> "mode XXXX: ..." and the candidates for parts 4 and 5.
modeinfo:
        push    cx
        mov     di, INFO
        mov     cx, 256
        xor     al, al
        rep     stosb
        pop     cx
        push    cx
        mov     ax, 0x4F01
        mov     di, INFO
        int     0x10
        pop     cx
        push    ax
        mov     si, m_mode
        call    print_str
        mov     ax, cx
        call    hex16
        mov     si, m_ax
        call    print_str
        pop     ax
        call    hex16
        call    space
        mov     ax, [INFO+0x00]                 ; attributes
        call    hex16
        call    space
        mov     al, [INFO+0x02]                 ; window A
        call    print_hex8
        call    space
        mov     ax, [INFO+0x04]                 ; granularity
        call    hex16
        call    space
        mov     ax, [INFO+0x06]                 ; size
        call    hex16
        call    space
        mov     ax, [INFO+0x08]                 ; segment
        call    hex16
        call    space
        mov     ax, [INFO+0x10]                 ; bytes a line
        call    hex16
        call    space
        mov     ax, [INFO+0x12]
        call    dec16
        mov     al, 'x'
        out     DEBUG_PORT, al
        mov     ax, [INFO+0x14]
        call    dec16
        mov     al, 'x'
        out     DEBUG_PORT, al
        movzx   ax, byte [INFO+0x19]
        call    dec16
        call    space
        mov     al, [INFO+0x1B]                 ; memory model
        call    print_hex8
        call    space
        mov     al, [INFO+0x1D]                 ; image pages - 1
        call    print_hex8
        call    space
        mov     si, 0x1F                        ; colour fields
.f:     mov     al, [INFO+si]
        call    print_hex8
        inc     si
        cmp     si, 0x27
        jb      .f
        call    space
        mov     eax, [INFO+0x28]
        call    hex32
        call    print_nl
        ; candidates: 640x480, 8 or 32 bits, the first of each
        cmp     word [INFO+0x12], 640
        jne     .r
        cmp     word [INFO+0x14], 480
        jne     .r
        cmp     byte [INFO+0x19], 8
        jne     .b32
        cmp     word [mode8], 0xFFFF
        jne     .r
        mov     [mode8], cx
        ret
.b32:   cmp     byte [INFO+0x19], 32
        jne     .r
        test    byte [INFO+0x00], 0x80
        jz      .r
        cmp     word [mode32], 0xFFFF
        jne     .r
        mov     [mode32], cx
.r:     ret

; pmi: 4F0Ah and its code, called from a 32-bit protected-mode segment.
pmi:
        mov     si, m_pmi
        call    print_str
        push    es
        mov     ax, 0x4F0A
        xor     bx, bx
        int     0x10
        mov     [pm_seg], es
        mov     [pm_off], di
        mov     [pm_len], cx
        pop     es
        call    hex16
        cmp     ax, 0x004F
        jne     .done
        call    space
        ; the table's entries must lie inside it
        push    ds
        mov     ds, [pm_seg]
        mov     si, [cs:pm_off]
        mov     cx, 4
        xor     bx, bx
.chk:   lodsw
        cmp     ax, [cs:pm_len]
        jae     .bad
        test    ax, ax
        jz      .bad
        inc     bx
.bad:   loop    .chk
        pop     ds
        mov     ax, bx
        call    print_hex8                      ; 04: all four inside
        call    space
        ; linear address of the table
        movzx   eax, word [pm_seg]
        shl     eax, 4
        movzx   ebx, word [pm_off]
        add     eax, ebx
        mov     [pm_lin], eax
        mov     dword [PAL], 0x000B2C0D         ; blue 0Dh, green 2Ch, red 0Bh
        cli
        lgdt    [gdt_ptr]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     0x18:.pm32
        bits    32
.pm32:  mov     ax, 0x08
        mov     ds, ax
        mov     es, ax
        mov     esi, [pm_lin]
        ; set window: bank 3
        movzx   eax, word [esi+0]
        add     eax, esi
        xor     ebx, ebx
        mov     edx, 3
        call    eax
        ; display start: line 5 (640 bytes a line) in units of 4 bytes
        mov     esi, [pm_lin]
        movzx   eax, word [esi+2]
        add     eax, esi
        xor     ebx, ebx
        mov     ecx, (640 * 5) / 4
        xor     edx, edx
        call    eax
        ; palette entry 3
        mov     esi, [pm_lin]
        movzx   eax, word [esi+4]
        add     eax, esi
        xor     ebx, ebx
        mov     ecx, 1
        mov     edx, 3
        mov     edi, PAL
        call    eax
        jmp     0x20:.pm16
        bits    16
.pm16:  mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     eax, cr0
        and     al, 0xFE
        mov     cr0, eax
        jmp     0:.rm
.rm:    xor     ax, ax
        mov     ds, ax
        mov     es, ax
        sti
        mov     ax, 0x4F05
        mov     bx, 0x0100
        int     0x10
        mov     ax, dx
        call    hex16
        call    space
        mov     ax, 0x4F07
        mov     bx, 0x0001
        int     0x10
        call    regs_cd
        mov     ax, 0x4F09
        mov     bx, 0x0001
        mov     cx, 1
        mov     dx, 3
        mov     di, PAL+4
        int     0x10
        mov     eax, [PAL+4]
        call    hex32
.done:  call    print_nl
        ret

pm_seg: dw      0
pm_off: dw      0
pm_len: dw      0
pm_lin: dd      0

; regs_bcd: "AX BX CX DX " (AX as returned)
regs_bcd:
        call    hex16
        mov     al, '/'
        out     DEBUG_PORT, al
        mov     ax, bx
        call    hex16
        mov     al, '/'
        out     DEBUG_PORT, al
regs_cd:
        mov     ax, cx
        call    hex16
        mov     al, '/'
        out     DEBUG_PORT, al
        mov     ax, dx
        call    hex16
        call    space
        ret

; unreal: ES gets base 0 and a flat 4 GiB limit (protected mode for one
; descriptor load).  Interrupts stay off: a handler's POP ES would reload ES in
; real mode.
unreal:
        cli
        lgdt    [gdt_ptr]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        mov     ax, 8
        mov     es, ax
        mov     eax, cr0
        and     al, 0xFE
        mov     cr0, eax
        ret

hex16:  push    ax
        xchg    al, ah
        call    print_hex8
        xchg    al, ah
        call    print_hex8
        pop     ax
        ret

hex32:  push    eax
        rol     eax, 16
        call    hex16
        rol     eax, 16
        call    hex16
        pop     eax
        ret

; dec16: AX in decimal
dec16:  push    ax
        push    bx
        push    cx
        push    dx
        mov     bx, 10
        xor     cx, cx
.d:     xor     dx, dx
        div     bx
        push    dx
        inc     cx
        test    ax, ax
        jnz     .d
.o:     pop     ax
        add     al, '0'
        out     DEBUG_PORT, al
        loop    .o
        pop     dx
        pop     cx
        pop     bx
        pop     ax
        ret

space:  push    ax
        mov     al, ' '
        out     DEBUG_PORT, al
        pop     ax
        ret

; print_4chars: EAX as four characters
print_4chars:
        push    eax
        push    cx
        mov     cx, 4
.c:     out     DEBUG_PORT, al
        shr     eax, 8
        loop    .c
        pop     cx
        pop     eax
        ret

; print_far: zero-terminated string at DS:SI
print_far:
        push    ax
.n:     lodsb
        test    al, al
        jz      .e
        out     DEBUG_PORT, al
        jmp     .n
.e:     pop     ax
        ret

%include "debugcon.inc"

        align   8
gdt:    dq      0
        dq      0x00CF92000000FFFF              ; 08h: data, base 0, 4 GiB
        dq      0x000092000000FFFF              ; 10h: data, base 0, 64 KiB (16-bit)
        dq      0x00CF9A000000FFFF              ; 18h: code, 32-bit, base 0, 4 GiB
        dq      0x00009A000000FFFF              ; 20h: code, 16-bit, base 0, 64 KiB
gdt_ptr:
        dw      gdt_ptr - gdt - 1
        dd      gdt

m_fail:   db      "bios-vbe: could not read its sectors", 10, 0
m_4f00:   db      "4F00 ", 0
m_oem:    db      " oem ", 0
m_mode:   db      "mode ", 0
m_ax:     db      ": ", 0
m_none:   db      "none: ", 0
m_vga:    db      "vga: ", 0
m_set8:   db      "set8: ", 0
m_bank:   db      "bank: ", 0
m_line:   db      "line: ", 0
m_start:  db      "start: ", 0
m_state:  db      "state: ", 0
m_pal:    db      "pal: ", 0
m_pmi:    db      "pmi: ", 0
m_back:   db      "back: ", 0
m_set32:  db      "set32: ", 0
m_no8:    db      "no 640x480x8 mode", 10, 0
m_no32:   db      "no 640x480x32 mode with a linear framebuffer", 10, 0
m_done:   db      "bios-vbe done", 10, 0

image_end:
