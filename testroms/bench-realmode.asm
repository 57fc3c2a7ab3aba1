; =============================================================================
; pcemu real-mode CPU benchmark ROM
;
; A deterministic, CPU-only 16-bit workload for `pcemu bench`.  It touches no
; devices except the debug console (port 0xE9) and the exit port (0xF4).
; Every phase folds its results into one 32-bit checksum, printed at the end,
; so a wrong instruction anywhere shows up as a different checksum.
;
; One outer iteration runs these phases, in order:
;   1. LCG fill      16-bit LCG (MUL) writes 16384 words (32 KiB) with STOSW
;   2. LODSW sum     32-bit sum + rotating XOR over the 32 KiB buffer
;   3. sort          REP MOVSW copies 256 words, insertion sort, verify order
;   4. sieve         REP STOSB init, sieve of Eratosthenes below 8192, count/sum
;   5. MUL/DIV       1024 rounds of MUL, DIV, CWD, IDIV, IMUL
;   6. CRC-16        CRC-16/CCITT over 2048 bytes, one near CALL/RET per byte
;   7. strings       REP MOVSW 32 KiB, REPE CMPSW (equal), poke one word,
;                    REPE CMPSW again (stops at the difference)
;   8. PUSH/POP/INT  1024 rounds of PUSH/PUSHF/INT 60h/POPF/POP; the INT 60h
;                    handler (installed in the IVT at 0000:0180) reads the
;                    caller's stack through BP and returns with IRET
;
; The outer iteration count is the assembler define ITERS (1..65535):
;   nasm -f bin -o bench-realmode.bin bench-realmode.asm            (default)
;   nasm -f bin -DITERS=1 -o bench1.bin bench-realmode.asm          (quick)
; With the default one run executes roughly 200 million instructions (about
; 506 thousand per iteration, counting a REP-prefixed instruction once;
; about 555 thousand if every REP repetition counts as one instruction).
;
; Output:
;   BENCH start
;   BENCH result checksum=0xXXXXXXXX
; then 0x10 is written to port 0xF4 (QEMU isa-debug-exit: exit status 33).
;
; Only 8086 instructions are used (enforced by `cpu 8086` below).
;
; Memory map (all below 640 KiB):
;   0000:0180  INT 60h vector          0000:0500  variables (through SS:)
;   0000:7C00  top of stack            1000:0000  32 KiB LCG buffer
;   2000:0000  32 KiB copy target      3000:0000  256-word sort array
;   3100:0000  8 KiB sieve
; =============================================================================

        cpu     8086
        bits    16
        org     0                       ; image offset = offset in segment F000

%ifndef ITERS
%define ITERS 396                       ; ~200 million instructions in total
%endif
%if ITERS < 1 || ITERS > 65535
%error "ITERS must be between 1 and 65535"
%endif

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
EXIT_CODE       equ     0x10

BUF_SEG         equ     0x1000          ; LCG data, 16384 words
DST_SEG         equ     0x2000          ; REP MOVSW destination, 16384 words
SORT_SEG        equ     0x3000          ; 256 words to sort
SIEVE_SEG       equ     0x3100          ; 8192 bytes, one per number

BUF_WORDS       equ     16384
SORT_WORDS      equ     256
SIEVE_N         equ     8192
CRC_BYTES       equ     2048
MULDIV_ROUNDS   equ     1024
INT_ROUNDS      equ     1024

; Variables, addressed as SS:absolute (SS = 0 throughout).
CHK_LO          equ     0x0500          ; running 32-bit checksum, low word
CHK_HI          equ     0x0502          ;                          high word
SEED            equ     0x0504          ; LCG state, carried across iterations
ITER_LEFT       equ     0x0506          ; outer iterations still to run

; -----------------------------------------------------------------------------
start:
        cli
        cld
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7C00
        mov     ds, ax
        mov     es, ax

        ; Install our INT 60h handler: IVT entry 0x60 is at 0000:0180.
        mov     word [0x60*4], int60_handler
        mov     word [0x60*4+2], 0xF000

        ; Initial state.
        mov     word [ss:CHK_LO], 0x5678
        mov     word [ss:CHK_HI], 0x1234
        mov     word [ss:SEED], 1
        mov     word [ss:ITER_LEFT], ITERS

        push    cs                      ; strings live in the ROM
        pop     ds
        mov     si, msg_start
        call    print_str

; =============================================================================
; Outer loop
; =============================================================================
iteration:

; --- 1. LCG fill: x = x * 25173 + 13849 (mod 2^16), 16384 words -------------
        mov     ax, BUF_SEG
        mov     es, ax
        xor     di, di
        mov     si, [ss:SEED]
        mov     bx, 25173
        mov     cx, BUF_WORDS
.lcg:
        mov     ax, si
        mul     bx                      ; DX:AX = x * 25173 (DX discarded)
        add     ax, 13849
        mov     si, ax
        stosw
        loop    .lcg
        mov     [ss:SEED], si
        mov     ax, si
        call    fold

; --- 2. LODSW checksum: DX:BX = 32-bit sum, BP = rotating XOR ----------------
        mov     ax, BUF_SEG
        mov     ds, ax
        xor     si, si
        xor     bx, bx
        xor     dx, dx
        xor     bp, bp
        mov     cx, BUF_WORDS
.sum:
        lodsw
        add     bx, ax
        adc     dx, 0
        xor     bp, ax
        rol     bp, 1
        loop    .sum
        mov     ax, bx
        call    fold
        mov     ax, dx
        call    fold
        mov     ax, bp
        call    fold

; --- 3. Insertion sort of 256 unsigned words ---------------------------------
        ; copy the first 256 words of the LCG buffer (DS = BUF_SEG still)
        mov     ax, SORT_SEG
        mov     es, ax
        xor     si, si
        xor     di, di
        mov     cx, SORT_WORDS
        rep movsw
        mov     ds, ax                  ; DS = ES = SORT_SEG

        mov     si, 2                   ; SI = 2*i, i = 1..255
.sort_outer:
        mov     ax, [si]                ; key = a[i]
        mov     di, si
.sort_inner:
        mov     bx, [di-2]
        cmp     bx, ax
        jbe     .sort_place             ; a[j-1] <= key: stop shifting
        mov     [di], bx                ; a[j] = a[j-1]
        sub     di, 2
        jnz     .sort_inner
.sort_place:
        mov     [di], ax
        add     si, 2
        cmp     si, SORT_WORDS*2
        jb      .sort_outer

        ; verify: DX = number of descents (must be 0), BX = sum of a[0..254]
        xor     si, si
        xor     bx, bx
        xor     dx, dx
        mov     cx, SORT_WORDS-1
.sort_check:
        mov     ax, [si]
        cmp     ax, [si+2]
        jbe     .sort_ok
        inc     dx
.sort_ok:
        add     bx, ax
        add     si, 2
        loop    .sort_check
        mov     ax, dx
        call    fold
        mov     ax, bx
        call    fold
        mov     ax, [0]                 ; smallest
        call    fold
        mov     ax, [SORT_WORDS]        ; a[128], the median-ish element
        call    fold
        mov     ax, [SORT_WORDS*2-2]    ; largest
        call    fold

; --- 4. Sieve of Eratosthenes below 8192 -------------------------------------
        mov     ax, SIEVE_SEG
        mov     ds, ax
        mov     es, ax
        xor     di, di
        mov     al, 1
        mov     cx, SIEVE_N
        rep stosb                       ; everything is "prime" to begin with
        mov     byte [0], 0
        mov     byte [1], 0
        mov     bx, 2                   ; BX = p
.sieve_p:
        mov     ax, bx
        mul     bx                      ; AX = p*p (fits: p < 91)
        cmp     ax, SIEVE_N
        jae     .sieve_count
        cmp     byte [bx], 0
        je      .sieve_next             ; p already crossed out
        mov     di, ax                  ; cross out p*p, p*p+p, ...
.sieve_mark:
        mov     byte [di], 0
        add     di, bx
        cmp     di, SIEVE_N
        jb      .sieve_mark
.sieve_next:
        inc     bx
        jmp     .sieve_p

.sieve_count:                           ; BX = count, BP:DX = sum of primes
        xor     si, si
        xor     bx, bx
        xor     dx, dx
        xor     bp, bp
        mov     cx, SIEVE_N
.sieve_scan:
        lodsb
        test    al, al
        jz      .sieve_skip
        inc     bx
        mov     ax, si
        dec     ax                      ; the number itself = SI - 1
        add     dx, ax
        adc     bp, 0
.sieve_skip:
        loop    .sieve_scan
        mov     ax, bx                  ; 1028 primes below 8192
        call    fold
        mov     ax, dx
        call    fold
        mov     ax, bp
        call    fold

; --- 5. MUL / DIV / IMUL / IDIV ----------------------------------------------
        mov     bx, [ss:CHK_LO]         ; BX = accumulator, seeded by the work so far
        xor     bp, bp
        mov     si, 37                  ; signed divisor
        mov     cx, MULDIV_ROUNDS
.muldiv:
        mov     ax, bx
        mul     cx                      ; DX:AX = acc * n, so DX < n
        add     ax, 0x9E37
        adc     dx, 0                   ; still DX <= n < n+1: no divide overflow
        mov     di, cx
        inc     di
        div     di                      ; AX = quotient, DX = remainder
        xor     bx, ax
        add     bx, dx
        mov     ax, bx
        cwd
        idiv    si                      ; signed AX / 37, remainder in DX
        add     bp, dx
        mov     ax, dx
        imul    si                      ; DX:AX = remainder * 37 (signed)
        xor     bp, ax
        loop    .muldiv
        mov     ax, bx
        call    fold
        mov     ax, bp
        call    fold

; --- 6. CRC-16/CCITT over 2048 bytes, near CALL per byte ---------------------
        mov     ax, BUF_SEG
        mov     ds, ax
        xor     si, si
        mov     dx, 0xFFFF
        mov     cx, CRC_BYTES
.crc:
        lodsb
        call    crc_byte
        loop    .crc
        mov     ax, dx
        call    fold

; --- 7. REP MOVSW, REPE CMPSW ------------------------------------------------
        mov     ax, DST_SEG             ; DS = BUF_SEG still
        mov     es, ax
        xor     si, si
        xor     di, di
        mov     cx, BUF_WORDS
        rep movsw                       ; copy 32 KiB

        xor     si, si
        xor     di, di
        mov     cx, BUF_WORDS
        repe cmpsw                      ; identical: runs to CX = 0
        mov     ax, cx
        call    fold
        mov     ax, si
        call    fold

        mov     bx, [ss:CHK_LO]         ; poke one word of the copy
        and     bx, BUF_WORDS-1
        shl     bx, 1
        not     word [es:bx]
        xor     si, si
        xor     di, di
        mov     cx, BUF_WORDS
        repe cmpsw                      ; stops just after the poked word
        mov     ax, cx
        call    fold
        mov     ax, di
        call    fold

; --- 8. PUSH/POP and software interrupts -------------------------------------
        xor     bx, bx
        mov     cx, INT_ROUNDS
.int_loop:
        push    bx
        push    cx
        pushf
        mov     ax, cx
        int     0x60                    ; AX = f(AX, caller's BX)
        popf
        pop     cx
        pop     dx
        add     dx, ax
        mov     bx, dx
        loop    .int_loop
        mov     ax, bx
        call    fold

; --- end of iteration ---------------------------------------------------------
        dec     word [ss:ITER_LEFT]
        jz      finish
        jmp     iteration

finish:
        mov     ax, cs
        mov     ds, ax
        mov     si, msg_result
        call    print_str
        mov     ax, [ss:CHK_HI]
        call    print_hex16
        mov     ax, [ss:CHK_LO]
        call    print_hex16
        mov     si, msg_crlf
        call    print_str
        mov     al, EXIT_CODE
        out     EXIT_PORT, al
.forever:
        cli
        hlt
        jmp     .forever

; =============================================================================
; Subroutines
; =============================================================================

; fold: mix AX into the 32-bit checksum C (all registers preserved):
;   C = rotl32(C, 1);  C.lo ^= AX;  C.hi += C.lo  (mod 2^16)
fold:
        push    bx
        push    dx
        mov     bx, [ss:CHK_LO]
        mov     dx, [ss:CHK_HI]
        shl     bx, 1
        rcl     dx, 1
        adc     bx, 0                   ; bit 31 wraps around to bit 0
        xor     bx, ax
        add     dx, bx
        mov     [ss:CHK_LO], bx
        mov     [ss:CHK_HI], dx
        pop     dx
        pop     bx
        ret

; crc_byte: DX = CRC-16/CCITT (poly 0x1021) of DX updated with byte AL.
crc_byte:
        push    cx
        xor     dh, al
        mov     cx, 8
.bit:
        shl     dx, 1
        jnc     .no_xor
        xor     dx, 0x1021
.no_xor:
        loop    .bit
        pop     cx
        ret

; INT 60h handler: AX = rotl(AX, 3) ^ (caller's BX) ^ 0xA5C3.
; Stack after `push bp`: [bp] old BP, [bp+2] IP, [bp+4] CS, [bp+6] FLAGS,
; then the caller's pushes: [bp+8] FLAGS (pushf), [bp+10] CX, [bp+12] BX.
int60_handler:
        push    bp
        mov     bp, sp
        push    cx
        mov     cl, 3
        rol     ax, cl
        xor     ax, [bp+12]
        xor     ax, 0xA5C3
        pop     cx
        pop     bp
        iret

; print_str: print the zero-terminated string at DS:SI (AX, SI clobbered).
print_str:
        lodsb
        test    al, al
        jz      .done
        out     DEBUG_PORT, al
        jmp     print_str
.done:
        ret

; print_hex16: print AX as four upper-case hex digits (AX, BX, CX clobbered).
print_hex16:
        mov     bx, ax
        mov     ch, 4
.nibble:
        mov     cl, 4
        rol     bx, cl
        mov     al, bl
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'A' - '0' - 10
.out:
        out     DEBUG_PORT, al
        dec     ch
        jnz     .nibble
        ret

msg_start:      db      "BENCH start", 13, 10, 0
msg_result:     db      "BENCH result checksum=0x", 0
msg_crlf:       db      13, 10, 0

; =============================================================================
; Reset vector at F000:FFF0
; =============================================================================
        times   0xFFF0 - ($ - $$) db 0xFF
        jmp     0xF000:start
        times   0x10000 - ($ - $$) db 0xFF
