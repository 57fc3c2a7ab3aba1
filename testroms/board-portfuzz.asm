; =============================================================================
; board-portfuzz.asm -- random values to every I/O port, and the board survives
;
; A 64 KiB ROM (no BIOS) for the whole-machine test in
; Tests/PcemuTests/BoardTests.swift.  With interrupts disabled it walks the
; whole I/O space, port 0000h to FFFFh, PASSES times.  At each port it takes
; the next number of a 32-bit linear congruential generator
;       x = x * 1103515245 + 12345   (mod 2^32)
; and uses its top four bits to choose the access size (12/16 byte, 2/16 word,
; 2/16 dword) and its rotated bits as the value; it writes that value to the
; port, then reads the port back with the same size and folds what it read
; into a checksum (c = rol(c, 5) xor value).  Then DENSE_PASSES passes of
; 65536 accesses each go to random ports among 000h-3FFh (all the legacy
; devices) and the ELCR (4D0h-4D1h), so that devices also see sequences of
; writes (a command byte, then its parameters) rather than one write each.
; After each pass it prints
;       PORTFUZZ pass N checksum XXXXXXXX
; and at the end "PORTFUZZ done" and exits with 10h on port F4h.  The
; checksums depend on the devices' timing and contents; they are printed for
; comparing runs, not checked.
;
; The emulator is expected to survive whatever the devices make of this.  The
; ROM only avoids what would end or restart the run, which is not a crash:
;   - the exit ports: F4h-F7h (QEMU's isa-debug-exit with iosize=4 answers on
;     all four) and 8900h (Bochs's "Shutdown" string), and E9h (the debug
;     console that carries this ROM's own output): not written, only read;
;   - the reset sources: port 92h bit 0 (fast reset) is written as 0; 8042
;     commands F0h-FFh (pulse output lines; bit 0 is the reset line) become FFh
;     (pulse nothing), and command D1h (write output port, whose next data byte
;     could clear the reset bit) becomes D0h (read output port); port CF9h bits
;     1-2 (reset type and reset) are written as 0;
;   - a word or dword access whose bytes cover one of these ports is demoted to
;     a byte access at its first port (pcemu splits an access to an unmapped
;     port into bytes, so a word at 91h would otherwise reach 92h);
;   - a dword written to CF8h gets bit 31 clear, so configuration cycles stay
;     disabled (pcemu has no PCI device; QEMU does, and random configuration
;     writes there would remap RAM and ROM under the running code).
;
; The fuzz loop keeps all of its state in registers and uses no RAM and no
; stack, so stray DMA into RAM (the floppy controller is fuzzed too) cannot
; derail it.  Before printing (which uses the stack) both DMA controllers get a
; master clear and all channels are masked.
;
; Registers in the loop: DX port, BX access size, ESI generator state,
; EDI checksum, CX pass number (ECX[31:16]: accesses left in a dense pass),
; EAX value, BP scratch.
;
; Build:  nasm -f bin -o board-portfuzz.bin board-portfuzz.asm
; =============================================================================

        cpu     386
        bits    16
        org     0

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
PASSES          equ     4
DENSE_PASSES    equ     4               ; phase 2: 65536 random accesses each
%ifndef SEED                            ; nasm -DSEED=n tries another sequence
SEED            equ     0x1BADB002
%endif

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

        mov     esi, SEED
        xor     edi, edi
        xor     cx, cx                  ; pass number

; --- one access: DX = port ---------------------------------------------------
; Draws the next random number, chooses size and value, writes (unless the
; port is protected), reads back, folds the result into EDI.  Uses no memory.
%macro  ACCESS 0
        imul    esi, esi, 1103515245
        add     esi, 12345
        mov     eax, esi
        ror     eax, 11                 ; value: well-mixed upper bits in AL
        mov     ebx, esi
        shr     ebx, 28                 ; 0..15 chooses the size
        cmp     bl, 12
        jb      %%size1
        cmp     bl, 14
        jb      %%size2
        mov     bx, 4
        jmp     %%check
%%size2:
        mov     bx, 2
        jmp     %%check
%%size1:
        mov     bx, 1
        ; Does the access cover a protected port?
        ; (P - DX) mod 2^16 < size  <=>  port P is one of the bytes touched.
%%check:
        PROTECT 0x0064, %%hit
        PROTECT 0x0092, %%hit
        PROTECT 0x00E9, %%hit
        PROTECT 0x00F4, %%hit
        PROTECT 0x00F5, %%hit
        PROTECT 0x00F6, %%hit
        PROTECT 0x00F7, %%hit
        PROTECT 0x0CF9, %%hit
        PROTECT 0x8900, %%hit
        jmp     %%write
%%hit:
        cmp     bx, 1
        je      %%sanitize
        mov     bx, 1                   ; demote to a byte access at DX
        jmp     %%check
%%sanitize:                             ; a byte access to a protected port
        cmp     dx, 0x64
        jne     %%not64
        cmp     al, 0xF0
        jb      %%not_pulse
        mov     al, 0xFF                ; pulse no output line
        jmp     %%write
%%not_pulse:
        cmp     al, 0xD1
        jne     %%write
        mov     al, 0xD0                ; read output port instead
        jmp     %%write
%%not64:
        cmp     dx, 0x92
        jne     %%not92
        and     al, 0xFE                ; fast reset bit stays 0
        jmp     %%write
%%not92:
        cmp     dx, 0xCF9
        jne     %%read                  ; E9h, F4h-F7h, 8900h: read only
        and     al, 0xF9                ; no reset, no reset type
%%write:
        cmp     bx, 2
        je      %%w2
        ja      %%w4
        out     dx, al
        jmp     %%read
%%w2:   out     dx, ax
        jmp     %%read
%%w4:   cmp     dx, 0xCF8
        jne     %%w4out
        and     eax, 0x7FFFFFFF         ; configuration space stays disabled
%%w4out:
        out     dx, eax
%%read:
        cmp     bx, 2
        je      %%r2
        ja      %%r4
        in      al, dx
        movzx   eax, al
        jmp     %%fold
%%r2:   in      ax, dx
        movzx   eax, ax
        jmp     %%fold
%%r4:   in      eax, dx
%%fold: rol     edi, 5
        xor     edi, eax
%endmacro

; PROTECT port, label: jump to label when the access at DX of BX bytes covers port.
%macro  PROTECT 2
        mov     bp, %1
        sub     bp, dx
        cmp     bp, bx
        jb      %2
%endmacro

; QUIET: stop DMA (master clear and mask both 8237s) and take a fresh stack,
; before anything touches RAM.
%macro  QUIET 0
        out     0x0D, al                ; master clear, controller 1
        out     0xDA, al                ; master clear, controller 2
        mov     al, 0x0F
        out     0x0F, al                ; mask channels 0-3
        out     0xDE, al                ; mask channels 4-7
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7C00
%endmacro

; --- phase 1: every port in order, PASSES times ------------------------------
pass:
        xor     dx, dx                  ; port 0000h
port_loop:
        ACCESS
        inc     dx
        jnz     port_loop
        QUIET
        call    report
        cmp     cx, PASSES
        jb      pass

; --- phase 2: dense random accesses to the ISA device range ------------------
; Ports 000h-3FFh (every legacy device) and, one time in 64, the ELCR at
; 4D0h-4D1h, in random order, so that devices see sequences of writes
; (command bytes followed by parameters) rather than one write each.
; DENSE_PASSES passes of 65536 accesses; ECX[31:16] counts them down.
        QUIET
        mov     si, dense_msg
        call    print_str
dense_pass:
        and     ecx, 0xFFFF             ; 65536 accesses: 0 - 1 wraps to FFFFh
dense_loop:
        imul    esi, esi, 1103515245
        add     esi, 12345
        mov     edx, esi
        shr     edx, 16
        test    dh, 0xFC                ; top 6 bits zero: one time in 64
        jnz     .isa
        and     dx, 1
        or      dx, 0x4D0
        jmp     .go
.isa:   and     dx, 0x3FF
.go:    ACCESS
        sub     ecx, 0x10000
        test    ecx, 0xFFFF0000
        jnz     dense_loop
        QUIET
        call    report
        cmp     cx, PASSES + DENSE_PASSES
        jb      dense_pass

        mov     si, done_msg
        call    print_str
        mov     al, 0x10
        out     EXIT_PORT, al
.halt:  cli
        hlt
        jmp     .halt

; =============================================================================
; Output helpers (preserve every register).
; =============================================================================

; report: "PORTFUZZ pass N checksum XXXXXXXX" with N = ++CX.
report:
        push    eax
        inc     cx
        mov     si, pass_msg
        call    print_str
        mov     al, cl
        add     al, '0'
        out     DEBUG_PORT, al
        mov     si, sum_msg
        call    print_str
        mov     eax, edi
        call    print_hex32
        mov     al, 10
        out     DEBUG_PORT, al
        pop     eax
        ret

%include "debugcon.inc"

; print_hex32: EAX as eight upper-case hex digits.
print_hex32:
        push    eax
        push    ebx
        push    cx
        mov     ebx, eax
        mov     cx, 8
.nib:   rol     ebx, 4
        mov     al, bl
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'A' - '0' - 10
.out:   out     DEBUG_PORT, al
        loop    .nib
        pop     cx
        pop     ebx
        pop     eax
        ret

banner:         db      "PORTFUZZ: random values to every I/O port, 4 passes", 10, 0
pass_msg:       db      "PORTFUZZ pass ", 0
sum_msg:        db      " checksum ", 0
done_msg:       db      "PORTFUZZ done", 10, 0
dense_msg:      db      "PORTFUZZ dense passes: 65536 random accesses each to ports 000h-3FFh, 4D0h-4D1h", 10, 0

; =============================================================================
; Reset vector
; =============================================================================
%include "resetvector.inc"
        RESET_VECTOR "FUZZ"
