; =============================================================================
; vga-dispi: golden frame of a Bochs VBE ("dispi") mode, 800x600x32, set through
; the dispi ports 01CEh (index) / 01CFh (data) and drawn through the linear
; framebuffer at E0000000h.  A 64 KiB system ROM:
;     pcemu --bios testroms/vga-dispi.bin
;
; 1. Dispi registers: ID = B0C5h, ENABLE = 0, XRES = 800, YRES = 600, BPP = 32,
;    ENABLE = 41h (enabled, linear framebuffer; video memory cleared).
; 2. Unreal mode: a flat 4 GiB data descriptor loaded into ES in protected mode,
;    back to real mode with the 4 GiB limit kept, so a32 stores reach E0000000h.
; 3. Pixel (x, y) is the dword at E0000000h + (y * 800 + x) * 4, bytes B, G, R, 0:
;    blue 80h, green y * 255 / 599, red x * 255 / 799 -- a gradient from blue at
;    the top left to light grey-ish (FE, FE, 80) at the bottom right -- except a
;    white (FFh, FFh, FFh) square 100 x 100 at (350, 250) and a white 1-pixel border.
; Checked by Tests/DisplayTests/VGAROMGoldenTests.swift against
; Tests/DisplayTests/Golden/dispi800x600x32.png (the same frame as the Swift-driven
; test in VGAGoldenTests.swift).
;
; Build:  nasm -f bin -o vga-dispi.bin vga-dispi.asm   (or testroms/build.sh)
; =============================================================================

        cpu     386
        bits    16
        org     0

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
ROM_BASE        equ     0xF0000
LFB             equ     0xE0000000
%define ROM_NAME        "vga-dispi"

draw:
        mov     si, dispi_writes
        mov     cx, dispi_count
.dispi: mov     dx, 0x1CE
        lodsw
        out     dx, ax                  ; index
        inc     dx
        lodsw
        out     dx, ax                  ; data
        loop    .dispi

        lgdt    [gdt_ptr]               ; unreal mode: ES = flat 4 GiB
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        mov     bx, 8
        mov     es, bx
        and     al, 0xFE
        mov     cr0, eax

        mov     edi, LFB
        mov     esi, 799                ; divisors
        xor     ebp, ebp                ; ebp = y
.line:  mov     eax, ebp
        imul    eax, eax, 255
        xor     edx, edx
        mov     ebx, 599
        div     ebx                     ; eax = green
        shl     eax, 8
        or      al, 0x80
        mov     ebx, eax                ; ebx = green << 8 | blue 80h
        xor     ecx, ecx                ; ecx = x
.pixel: mov     eax, 0x00FFFFFF
        test    ebp, ebp
        jz      .put
        cmp     ebp, 599
        je      .put
        jecxz   .put
        cmp     ecx, 799
        je      .put
        cmp     ecx, 350
        jb      .shade
        cmp     ecx, 450
        jae     .shade
        cmp     ebp, 250
        jb      .shade
        cmp     ebp, 350
        jb      .put
.shade: imul    eax, ecx, 255
        xor     edx, edx
        div     esi                     ; eax = red
        shl     eax, 16
        or      eax, ebx
.put:   mov     [es:edi], eax           ; a32 store through the 4 GiB limit
        add     edi, 4
        inc     ecx
        cmp     ecx, 800
        jb      .pixel
        inc     ebp
        cmp     ebp, 600
        jb      .line
        ret

; Index, value pairs for ports 01CEh / 01CFh.
dispi_writes:
        dw      0, 0xB0C5               ; ID
        dw      4, 0x0000               ; ENABLE: off while the mode changes
        dw      1, 800                  ; XRES
        dw      2, 600                  ; YRES
        dw      3, 32                   ; BPP
        dw      4, 0x0041               ; ENABLE: on, linear framebuffer
dispi_count     equ     ($ - dispi_writes) / 4

        align   8
gdt:    dq      0
        dq      0x00CF92000000FFFF      ; 08h: data, base 0, limit 4 GiB, writable
gdt_ptr:
        dw      gdt_ptr - gdt - 1
        dd      ROM_BASE + gdt

%include "vga-rom.inc"
