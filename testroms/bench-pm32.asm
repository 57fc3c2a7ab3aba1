; =============================================================================
; pcemu 32-bit protected-mode + paging CPU benchmark ROM
;
; Measures the 32-bit flat protected-mode path with paging turned on: every
; instruction fetch and data access goes through 4 KiB page translation
; (identity map of the first 8 MiB), over a 3 MiB data area at 1-4 MiB, so
; the TLB sees many distinct pages.  The workload is CPU-only and
; deterministic; it touches no devices except the debug console (port 0xE9)
; and the exit ports.  Every phase folds its results into one 32-bit
; checksum, printed at the end, so a wrong instruction anywhere shows up as a
; different checksum.
;
; Start-up (once): real mode -> copy the GDT to RAM -> protected mode (flat
; 4 GiB code/data) -> IDT for exceptions 0-31 (a fault prints "BENCH FAULT"
; and exits with status 0x11) -> page directory + 2 page tables built in RAM
; -> CR0.PG -> REP STOSD clears the whole 1-4 MiB data area.
;
; One outer iteration runs these phases, in order:
;   1. xorshift fill   xorshift32 writes 32768 dwords (128 KiB) at 1 MiB
;   2. strided RMW     32768 XOR-to-memory / ADD-from-memory at a stride of
;                      4124 bytes (a new page nearly every access), wrapping
;                      over 2 MiB
;   3. CRC-32          builds the 256-entry table (poly 0xEDB88320), then
;                      table-driven CRC-32 over 64 KiB
;   4. quicksort       REP MOVSD copies 4096 dwords, recursive Hoare
;                      quicksort (unsigned), then checks the order
;   5. sieve           REP STOSD clears a 32768-bit bitmap, BTS marks the
;                      composites, BT counts and sums the primes
;   6. MUL/DIV         8192 rounds of MUL, DIV, CDQ, IDIV, IMUL
;   7. fib             recursive fib(20), argument on the stack (21891 calls)
;   8. strings         REP STOSD 64 Ki dwords, REP MOVSD 32 Ki dwords,
;                      REPE CMPSD (equal), poke one dword, REPE CMPSD again
;
; The outer iteration count is the assembler define ITERS (>= 1):
;   nasm -f bin -o bench-pm32.bin bench-pm32.asm            (default)
;   nasm -f bin -DITERS=1 -o bench1.bin bench-pm32.asm      (quick)
; Add -DTRACE_FOLD to print every value folded into the checksum (debugging).
; With the default (78) one run executes about 200.6 million instructions,
; counting every repetition of a REP-prefixed instruction as one instruction:
; about 2.56 million per iteration on average (it varies a little with the
; data, through the quicksort; about 0.14 million are REP repetitions), plus
; 0.81 million for the start-up (0.79 million REP STOSD repetitions).
;
; Output:
;   BENCH start
;   BENCH result checksum=0xXXXXXXXX
; then 0x10 is written to port 0xF4 (QEMU isa-debug-exit: exit status 33)
; and "Shutdown" to port 0x8900 (Bochs), then CLI; HLT.
;
; Only 386 instructions are used (enforced by `cpu 386` below).
;
; Physical memory map (identity-mapped, so linear = physical):
;   0x01000  GDT (copied from the ROM)      0x02000  IDT (32 gates)
;   0x03000  variables                      0x10000  page directory
;   0x11000  2 page tables (8 MiB)          0x90000  top of stack
;   0x100000 xorshift buffer, 128 KiB       0x100000-0x2FFFFF strided RMW
;   0x200000 REP MOVSD copy, 128 KiB        0x280000 REP STOSD area, 256 KiB
;   0x300000 sort array, 16 KiB             0x310000 CRC-32 table, 1 KiB
;   0x320000 sieve bitmap, 4 KiB            0xF0000  this ROM (64 KiB)
; =============================================================================

        cpu     386
        org     0xF0000                 ; labels are linear addresses

%ifndef ITERS
%define ITERS 78                        ; ~200 million instructions in total
%endif
%if ITERS < 1
%error "ITERS must be at least 1"
%endif

%define R16(x)  ((x) - $$)              ; offset inside the ROM (CS = F000)

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
EXIT_CODE       equ     0x10
EXIT_FAULT      equ     0x11
BOCHS_PORT      equ     0x8900

SEL_CODE        equ     0x08
SEL_DATA        equ     0x10

GDT_RAM         equ     0x01000
IDT_RAM         equ     0x02000
VARS            equ     0x03000
PAGE_DIR        equ     0x10000
PAGE_TABLES     equ     0x11000         ; two tables, back to back
STACK_TOP       equ     0x90000

DATA_START      equ     0x100000        ; cleared once at start-up
DATA_END        equ     0x400000
BUF             equ     0x100000
RMW_BASE        equ     0x100000
RMW_MASK        equ     0x1FFFFC        ; 2 MiB window, dword aligned
COPY            equ     0x200000
STOS_AREA       equ     0x280000
SORT            equ     0x300000
CRC_TAB         equ     0x310000
SIEVE           equ     0x320000

FILL_DWORDS     equ     32768
RMW_ROUNDS      equ     32768
RMW_STRIDE      equ     4124            ; 4 KiB + 28: a new page each time
CRC_BYTES       equ     65536
SORT_DWORDS     equ     4096
SIEVE_N         equ     32768           ; bits
MULDIV_ROUNDS   equ     8192
FIB_N           equ     20
STOS_DWORDS     equ     65536
MOVS_DWORDS     equ     32768

; variables (kernel data, flat)
CHK             equ     VARS + 0        ; running checksum
SEED            equ     VARS + 4        ; xorshift state, carried over
ITER_LEFT       equ     VARS + 8
RMW_POS         equ     VARS + 12       ; strided RMW offset, carried over

; =============================================================================
; 16-bit start-up (entered from the reset vector with CS = F000)
; =============================================================================
        bits    16
start16:
        cli
        cld
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7000
        mov     es, ax
        mov     ax, cs
        mov     ds, ax
        mov     si, R16(gdt_template)   ; copy the GDT into RAM, so the CPU
        mov     di, GDT_RAM             ; can set accessed bits if it wants
        mov     cx, GDT_BYTES
        rep movsb
        o32 lgdt [cs:R16(gdtr_value)]
        mov     eax, cr0
        or      al, 1                   ; PE
        mov     cr0, eax
        jmp     dword SEL_CODE:pm_entry

; =============================================================================
; 32-bit code
; =============================================================================
        bits    32
pm_entry:
        mov     ax, SEL_DATA
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, STACK_TOP

        ; IDT: 32 interrupt gates (DPL 0) to the fault stubs
        mov     edi, IDT_RAM
        mov     edx, fault_stubs
        mov     ecx, 32
.idt:
        mov     eax, edx
        and     eax, 0xFFFF
        or      eax, SEL_CODE << 16     ; selector:offset 15..0
        stosd
        mov     eax, edx
        and     eax, 0xFFFF0000
        or      eax, 0x8E00             ; P, DPL 0, 32-bit interrupt gate
        stosd
        add     edx, FAULT_STUB_SIZE
        loop    .idt
        lidt    [idtr_value]

        ; paging: identity map 0..8 MiB with 4 KiB pages
        mov     edi, PAGE_DIR
        xor     eax, eax
        mov     ecx, 1024
        rep stosd                       ; empty page directory
        mov     dword [PAGE_DIR + 0], (PAGE_TABLES + 0x0000) | 3
        mov     dword [PAGE_DIR + 4], (PAGE_TABLES + 0x1000) | 3
        mov     edi, PAGE_TABLES
        mov     eax, 3                  ; present, writable, supervisor
        mov     ecx, 2048
.pte:
        stosd
        add     eax, 4096
        loop    .pte
        mov     eax, PAGE_DIR
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000         ; PG
        mov     cr0, eax
        jmp     .paged                  ; (a jump after turning on paging)
.paged:

        ; a defined starting state for the whole data area
        mov     edi, DATA_START
        xor     eax, eax
        mov     ecx, (DATA_END - DATA_START) / 4
        rep stosd

        mov     dword [CHK], 0x12345678
        mov     dword [SEED], 2463534242
        mov     dword [ITER_LEFT], ITERS
        mov     dword [RMW_POS], 0

        mov     esi, msg_start
        call    print_str

; =============================================================================
; Outer loop
; =============================================================================
iteration:

; --- 1. xorshift32 fill: x ^= x<<13; x ^= x>>17; x ^= x<<5 ------------------
        mov     edi, BUF
        mov     edx, [SEED]
        mov     ecx, FILL_DWORDS
.fill:
        mov     eax, edx
        shl     eax, 13
        xor     edx, eax
        mov     eax, edx
        shr     eax, 17
        xor     edx, eax
        mov     eax, edx
        shl     eax, 5
        xor     edx, eax
        mov     [edi], edx
        add     edi, 4
        dec     ecx
        jnz     .fill
        mov     [SEED], edx
        mov     eax, edx
        call    fold

; --- 2. strided read-modify-write over 2 MiB ----------------------------------
        mov     esi, [RMW_POS]
        mov     eax, [CHK]
        mov     ecx, RMW_ROUNDS
.rmw:
        add     esi, RMW_STRIDE
        and     esi, RMW_MASK
        xor     [RMW_BASE + esi], eax   ; read-modify-write
        add     eax, [RMW_BASE + esi]
        rol     eax, 3
        add     eax, ecx
        dec     ecx
        jnz     .rmw
        mov     [RMW_POS], esi
        call    fold                    ; EAX
        mov     eax, esi
        call    fold

; --- 3. CRC-32: table, then bytewise over 64 KiB ------------------------------
        mov     edi, CRC_TAB
        xor     edx, edx                ; EDX = table index n
.crc_tab:
        mov     eax, edx
        mov     ecx, 8
.crc_bit:
        shr     eax, 1
        jnc     .crc_nox
        xor     eax, 0xEDB88320
.crc_nox:
        loop    .crc_bit
        stosd
        inc     edx
        cmp     edx, 256
        jb      .crc_tab

        mov     esi, BUF
        mov     eax, 0xFFFFFFFF
        mov     ecx, CRC_BYTES
.crc:
        movzx   ebx, byte [esi]
        inc     esi
        xor     bl, al
        shr     eax, 8
        xor     eax, [CRC_TAB + ebx*4]
        dec     ecx
        jnz     .crc
        not     eax
        call    fold

; --- 4. recursive quicksort of 4096 unsigned dwords ---------------------------
        mov     esi, BUF + 4096         ; copy from somewhere in the buffer
        mov     edi, SORT
        mov     ecx, SORT_DWORDS
        rep movsd
        mov     esi, SORT
        mov     edi, SORT + (SORT_DWORDS - 1) * 4
        call    qsort

        ; verify: EDX = descents (must be 0), EBX = sum of all elements
        mov     esi, SORT
        xor     edx, edx
        mov     ebx, [esi]
        mov     ecx, SORT_DWORDS - 1
.sort_check:
        mov     eax, [esi + 4]
        add     ebx, eax
        cmp     [esi], eax
        jbe     .sort_ok
        inc     edx
.sort_ok:
        add     esi, 4
        dec     ecx
        jnz     .sort_check
        mov     eax, edx
        call    fold
        mov     eax, ebx
        call    fold
        mov     eax, [SORT]                             ; smallest
        call    fold
        mov     eax, [SORT + SORT_DWORDS * 2]           ; median
        call    fold
        mov     eax, [SORT + (SORT_DWORDS - 1) * 4]     ; largest
        call    fold

; --- 5. bitmap sieve of Eratosthenes below 32768 with BT/BTS ------------------
        mov     edi, SIEVE
        xor     eax, eax
        mov     ecx, SIEVE_N / 32
        rep stosd                       ; bit clear = still a prime candidate
        mov     ebx, 2                  ; EBX = p
.sieve_p:
        mov     eax, ebx
        imul    eax, ebx                ; p*p
        cmp     eax, SIEVE_N
        jae     .sieve_count
        bt      [SIEVE], ebx
        jc      .sieve_next             ; p is composite
.sieve_mark:
        bts     [SIEVE], eax            ; bit string beyond the first dword
        add     eax, ebx
        cmp     eax, SIEVE_N
        jb      .sieve_mark
.sieve_next:
        inc     ebx
        jmp     .sieve_p

.sieve_count:                           ; EBX = count, EDX = sum of primes
        xor     ebx, ebx
        xor     edx, edx
        mov     ecx, 2
.sieve_scan:
        bt      [SIEVE], ecx
        jc      .sieve_skip
        inc     ebx
        add     edx, ecx
.sieve_skip:
        inc     ecx
        cmp     ecx, SIEVE_N
        jb      .sieve_scan
        mov     eax, ebx                ; 3512 primes below 32768
        call    fold
        mov     eax, edx
        call    fold

; --- 6. MUL / DIV / IDIV / IMUL -----------------------------------------------
        mov     ebx, [CHK]              ; accumulator, seeded by the work so far
        xor     ebp, ebp
        mov     edi, -1234567           ; signed divisor
        mov     ecx, MULDIV_ROUNDS
.muldiv:
        mov     eax, ebx
        mul     ecx                     ; EDX:EAX = acc * n, so EDX < n
        add     eax, 0x9E3779B9
        adc     edx, 0                  ; EDX <= n < n+1: no divide overflow
        lea     esi, [ecx + 1]
        div     esi                     ; EAX = quotient, EDX = remainder
        rol     ebx, 7
        add     ebx, eax
        xor     ebx, edx
        mov     eax, ebx
        cdq
        idiv    edi                     ; signed: remainder in EDX
        add     ebp, edx
        imul    eax, edx                ; quotient * remainder (low 32 bits)
        xor     ebp, eax
        dec     ecx
        jnz     .muldiv
        mov     eax, ebx
        call    fold
        mov     eax, ebp
        call    fold

; --- 7. recursive fib ---------------------------------------------------------
        push    dword FIB_N
        call    fib
        add     esp, 4
        call    fold                    ; fib(20) = 6765

; --- 8. REP STOSD, REP MOVSD, REPE CMPSD --------------------------------------
        mov     edi, STOS_AREA
        mov     eax, [CHK]
        mov     ecx, STOS_DWORDS
        rep stosd                       ; 256 KiB
        mov     eax, [STOS_AREA + STOS_DWORDS * 2]
        call    fold

        mov     esi, BUF
        mov     edi, COPY
        mov     ecx, MOVS_DWORDS
        rep movsd                       ; 128 KiB

        mov     esi, BUF
        mov     edi, COPY
        mov     ecx, MOVS_DWORDS
        repe cmpsd                      ; identical: runs to ECX = 0
        mov     eax, ecx
        call    fold
        mov     eax, esi
        call    fold

        mov     ebx, [CHK]              ; poke one dword of the second half
        and     ebx, (MOVS_DWORDS / 2 - 1) * 4
        not     dword [COPY + MOVS_DWORDS * 2 + ebx]
        mov     esi, BUF + MOVS_DWORDS * 2
        mov     edi, COPY + MOVS_DWORDS * 2
        mov     ecx, MOVS_DWORDS / 2
        repe cmpsd                      ; stops just after the poked dword
        mov     eax, ecx
        call    fold
        mov     eax, edi
        call    fold

; --- end of iteration ---------------------------------------------------------
        dec     dword [ITER_LEFT]
        jnz     iteration

        mov     esi, msg_result
        call    print_str
        mov     eax, [CHK]
        call    print_hex32
        mov     esi, msg_crlf
        call    print_str
        mov     al, EXIT_CODE
        jmp     exit

; =============================================================================
; Subroutines
; =============================================================================

; fold: mix EAX into the checksum (all registers preserved):
;   C = (rotl32(C, 5) ^ EAX) * 0x01000193  (mod 2^32)
fold:
%ifdef TRACE_FOLD                       ; -DTRACE_FOLD: print every folded value
        pushad
        call    print_hex32
        mov     esi, msg_crlf
        call    print_str
        popad
%endif
        push    edx
        mov     edx, [CHK]
        rol     edx, 5
        xor     edx, eax
        imul    edx, edx, 0x01000193
        mov     [CHK], edx
        pop     edx
        ret

; qsort: sort the unsigned dwords [ESI] .. [EDI] (inclusive) in place.
; Hoare partition around the middle element; recurses on both halves.
; Clobbers EAX, EBX, ECX, EDX, ESI, EDI.
qsort:
        cmp     esi, edi
        jae     .done                   ; 0 or 1 element
        mov     eax, edi
        sub     eax, esi
        shr     eax, 3                  ; half the element count
        mov     edx, [esi + eax*4]      ; pivot
        mov     ebx, esi                ; i
        mov     ecx, edi                ; j
.scan_i:
        cmp     [ebx], edx
        jae     .scan_j
        add     ebx, 4
        jmp     .scan_i
.scan_j:
        cmp     [ecx], edx
        jbe     .check
        sub     ecx, 4
        jmp     .scan_j
.check:
        cmp     ebx, ecx
        ja      .split
        mov     eax, [ebx]              ; swap a[i], a[j]
        xchg    eax, [ecx]
        mov     [ebx], eax
        add     ebx, 4
        sub     ecx, 4
        cmp     ebx, ecx
        jbe     .scan_i
.split:                                 ; now [ESI..ECX] <= pivot <= [EBX..EDI]
        push    edi
        push    ebx
        mov     edi, ecx
        call    qsort
        pop     esi
        pop     edi
        call    qsort
.done:
        ret

; fib: EAX = fib(n), n = dword argument on the stack (caller pops it).
fib:
        push    ebp
        mov     ebp, esp
        push    ebx
        mov     eax, [ebp + 8]
        cmp     eax, 2
        jb      .done                   ; fib(0) = 0, fib(1) = 1
        dec     eax
        push    eax
        call    fib                     ; fib(n-1)
        mov     ebx, eax
        dec     dword [esp]
        call    fib                     ; fib(n-2)
        add     esp, 4
        add     eax, ebx
.done:
        pop     ebx
        pop     ebp
        ret

; print_str: print the zero-terminated string at ESI (AL, ESI clobbered).
print_str:
        lodsb
        test    al, al
        jz      .done
        out     DEBUG_PORT, al
        jmp     print_str
.done:
        ret

; print_hex32: print EAX as eight upper-case hex digits (EAX, EBX, ECX clobbered).
print_hex32:
        mov     ebx, eax
        mov     ecx, 8
.nibble:
        rol     ebx, 4
        mov     al, bl
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'A' - '0' - 10
.out:
        out     DEBUG_PORT, al
        loop    .nibble
        ret

; exit: write AL to the QEMU exit port, "Shutdown" to the Bochs port, halt.
exit:
        out     EXIT_PORT, al
        mov     dx, BOCHS_PORT
        mov     esi, msg_shutdown
.shut:
        lodsb
        test    al, al
        jz      .halt
        out     dx, al
        jmp     .shut
.halt:
        cli
        hlt
        jmp     .halt

; Exception stubs: each pushes its vector number and jumps to fault_common,
; which prints "BENCH FAULT vector=VV eip/err=XXXXXXXX" and exits with 0x11.
FAULT_STUB_SIZE equ     16
%macro FAULT_STUB 1
%%stub:
        push    dword %1
        jmp     near fault_common
        times   FAULT_STUB_SIZE - ($ - %%stub) db 0xCC
%endmacro
        align   16
fault_stubs:
%assign vec 0
%rep 32
        FAULT_STUB vec
%assign vec vec + 1
%endrep

fault_common:
        mov     ax, SEL_DATA
        mov     ds, ax
        mov     es, ax
        mov     esi, msg_fault
        call    print_str
        mov     eax, [esp]              ; vector
        call    print_hex32
        mov     esi, msg_fault2
        call    print_str
        mov     eax, [esp + 4]          ; error code or EIP
        call    print_hex32
        mov     al, ' '
        out     DEBUG_PORT, al
        mov     eax, [esp + 8]          ; EIP or CS
        call    print_hex32
        mov     esi, msg_crlf
        call    print_str
        mov     al, EXIT_FAULT
        jmp     exit

; =============================================================================
; Data (in the ROM)
; =============================================================================
        align   8
gdt_template:
        dq      0                                       ; null
        dq      0x00CF9B000000FFFF      ; 0x08 code: base 0, 4 GiB, 32-bit, DPL 0
        dq      0x00CF93000000FFFF      ; 0x10 data: base 0, 4 GiB, writable
GDT_BYTES       equ     $ - gdt_template

gdtr_value:
        dw      GDT_BYTES - 1
        dd      GDT_RAM
idtr_value:
        dw      32 * 8 - 1
        dd      IDT_RAM

msg_start:      db      "BENCH start", 13, 10, 0
msg_result:     db      "BENCH result checksum=0x", 0
msg_crlf:       db      13, 10, 0
msg_fault:      db      "BENCH FAULT vector=", 0
msg_fault2:     db      " stack=", 0
msg_shutdown:   db      "Shutdown", 0

; =============================================================================
; Reset vector at F000:FFF0
; =============================================================================
        times   0xFFF0 - ($ - $$) db 0xFF
        bits    16
        jmp     0xF000:R16(start16)
        times   0x10000 - ($ - $$) db 0xFF
