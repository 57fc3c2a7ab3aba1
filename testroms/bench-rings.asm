; =============================================================================
; pcemu privilege-transition benchmark ROM
;
; Measures the cost of protection-heavy code: ring 3 <-> ring 0 transitions
; through an interrupt gate (INT 0x80 / IRETD) and a call gate (far CALL /
; RETF 8 with 2 copied dword parameters), segment register loads with their
; descriptor and privilege checks, stack switches through the TSS (SS0:ESP0),
; and paging with per-page U/S protection, including a TLB flush by
; MOV CR3 every 16th iteration.  The workload is deterministic and CPU-only;
; it touches no devices except the debug console (port 0xE9) and the exit
; ports.  Everything computed at both privilege levels is folded into one
; 32-bit checksum, printed at the end.
;
; Set-up (ring 0, once): real mode -> GDT copied to RAM -> 32-bit protected
; mode -> IDT (exceptions 0-31, INT 0x80 as a DPL-3 interrupt gate) -> TSS
; (SS0:ESP0) + LTR -> page directory and 2 page tables identity-mapping 8 MiB
; with 4 KiB pages, all supervisor-only except the user code page(s) (in this
; ROM), the user data page and the user stack page -> CR0.PG -> IRETD to
; ring 3.
;
; One iteration of the ring-3 loop:
;   * user arithmetic: LCG step, read-modify-write of a user data dword
;   * INT 0x80 SYS_MIX: the ring-0 handler saves DS/ES, loads kernel
;     selectors, mixes the arguments into kernel state (supervisor page),
;     restores the user selectors and returns with IRETD
;   * far CALL through the DPL-3 call gate (2 dword parameters) to a ring-0
;     procedure that updates kernel state and returns with RETF 8
;   * user arithmetic: an 8-round loop over the user data page
;   * INT 0x80 SYS_COUNT and INT 0x80 SYS_MIX again
;   * every 16th iteration (iteration numbers 0, 16, 32, ...): INT 0x80
;     SYS_CR3, which reloads CR3 with the same page directory
; After the loop ring 3 reads a supervisor-only page; the #PF handler records
; the error code (expect 5) and CR2, and resumes ring 3 after the probe.
; Then INT 0x80 SYS_EXIT folds the user checksum, the kernel state, the
; #PF record and the ring-3 frame it sees into the final checksum, prints it
; and exits.
;
; The iteration count is the assembler define ITERS (>= 1):
;   nasm -f bin -o bench-rings.bin bench-rings.asm            (default)
;   nasm -f bin -DITERS=1 -o bench1.bin bench-rings.asm       (quick)
; With the default (1330000) one run executes about 199.9 million
; instructions: 150.3 per iteration on average (149 in an iteration without
; SYS_CR3, 170 with it), each INT, IRETD, far CALL or RETF counting as one,
; plus about 14 thousand for the set-up and the exit.  Per iteration that is
; 3 INT 0x80 + 3 IRETD (4 + 4 every 16th iteration), 1 far CALL + 1 RETF 8
; through the call gate, and 14 DS/ES loads (MOV/POP) in the ring-0 code.
;
; Output:
;   BENCH start
;   BENCH result checksum=0xXXXXXXXX
; then 0x10 is written to port 0xF4 (QEMU isa-debug-exit: exit status 33)
; and "Shutdown" to port 0x8900 (Bochs), then CLI; HLT.  An unexpected
; exception prints "BENCH FAULT ..." and exits with 0x11 instead.
;
; Only 386 instructions are used (enforced by `cpu 386` below).
;
; Physical memory map (identity-mapped, so linear = physical):
;   0x01000  GDT (copied from the ROM)      0x02000  IDT (256 gates)
;   0x03000  TSS                            0x04000  kernel variables
;   0x10000  page directory                 0x11000  2 page tables (8 MiB)
;   0x70000  top of the set-up stack        0x80000  TSS.ESP0 (ring-0 stack)
;   0x400000 user data page (U/S = 1)       0x401000 user stack page (U/S = 1)
;   0xF0000  this ROM; the page(s) holding user_code have U/S = 1
; =============================================================================

        cpu     386
        org     0xF0000                 ; labels are linear addresses

%ifndef ITERS
%define ITERS 1330000                   ; ~200 million instructions in total
%endif
%if ITERS < 1
%error "ITERS must be at least 1"
%endif

ROM_BASE        equ     0xF0000
%define R16(x)  ((x) - $$)              ; offset inside the ROM (CS = F000)
%define LIN(x)  ((x) - $$ + ROM_BASE)   ; a label as a plain number

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
EXIT_CODE       equ     0x10
EXIT_FAULT      equ     0x11
BOCHS_PORT      equ     0x8900

; selectors
SEL_KCODE       equ     0x08
SEL_KDATA       equ     0x10
SEL_UCODE       equ     0x18 | 3
SEL_UDATA       equ     0x20 | 3
SEL_TSS         equ     0x28
SEL_GATE        equ     0x30 | 3

GDT_RAM         equ     0x01000
IDT_RAM         equ     0x02000
TSS_RAM         equ     0x03000
KVARS           equ     0x04000         ; supervisor-only page
PAGE_DIR        equ     0x10000
PAGE_TABLES     equ     0x11000         ; two tables, back to back
SETUP_STACK     equ     0x70000
KSTACK_TOP      equ     0x80000         ; TSS.ESP0
USER_DATA       equ     0x400000
USER_STACK_PAGE equ     0x401000
USER_STACK_TOP  equ     0x402000

; kernel variables
KSTATE          equ     KVARS + 0       ; SYS_MIX state
KCOUNT          equ     KVARS + 4       ; SYS_COUNT calls
KGATE           equ     KVARS + 8       ; call-gate state
KCR3            equ     KVARS + 12      ; CR3 reloads
PF_ERR          equ     KVARS + 16      ; #PF error code of the probe
PF_CR2          equ     KVARS + 20      ; CR2 of the probe
CHK             equ     KVARS + 24      ; final checksum

; user data
USER_ARR        equ     USER_DATA       ; 256 dwords

; system calls (EAX = number; arguments in EBX, ECX; result in EAX;
; every other register is preserved)
SYS_MIX         equ     0
SYS_COUNT       equ     1
SYS_CR3         equ     2
SYS_EXIT        equ     3
SYS_MAX         equ     4

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
        mov     si, R16(gdt_template)   ; the GDT must be in RAM: LTR writes
        mov     di, GDT_RAM             ; the busy bit into the TSS descriptor
        mov     cx, GDT_BYTES
        rep movsb
        o32 lgdt [cs:R16(gdtr_value)]
        mov     eax, cr0
        or      al, 1                   ; PE
        mov     cr0, eax
        jmp     dword SEL_KCODE:pm_entry

; =============================================================================
; 32-bit ring-0 set-up
; =============================================================================
        bits    32
pm_entry:
        mov     ax, SEL_KDATA
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, SETUP_STACK

        ; IDT: all 256 gates not present, then 0-31 and 0x80
        mov     edi, IDT_RAM
        xor     eax, eax
        mov     ecx, 256 * 2
        rep stosd
        mov     edi, IDT_RAM
        mov     edx, fault_stubs
        mov     ebx, 0x8E00             ; P, DPL 0, 32-bit interrupt gate
        mov     ecx, 32
.idt:
        call    set_gate
        add     edx, FAULT_STUB_SIZE
        loop    .idt
        mov     edi, IDT_RAM + 14 * 8
        mov     edx, pf_handler
        call    set_gate                ; #PF has its own handler
        mov     edi, IDT_RAM + 0x80 * 8
        mov     edx, syscall_entry
        mov     ebx, 0xEE00             ; P, DPL 3, 32-bit interrupt gate
        call    set_gate
        lidt    [idtr_value]

        ; TSS: only SS0:ESP0 matter; no I/O bitmap (base beyond the limit)
        mov     edi, TSS_RAM
        xor     eax, eax
        mov     ecx, 104 / 4
        rep stosd
        mov     dword [TSS_RAM + 4], KSTACK_TOP         ; ESP0
        mov     dword [TSS_RAM + 8], SEL_KDATA          ; SS0
        mov     word [TSS_RAM + 0x66], 104              ; I/O map base
        mov     ax, SEL_TSS
        ltr     ax

        ; kernel variables and the user data page
        mov     edi, KVARS
        xor     eax, eax
        mov     ecx, 1024
        rep stosd
        mov     dword [KSTATE], 0x12345678
        mov     dword [KGATE], 0x0F1E2D3C
        mov     edi, USER_DATA
        mov     ecx, 1024
        mov     eax, 0x6A09E667
.udata:
        stosd
        add     eax, 0x3C6EF372
        rol     eax, 3
        loop    .udata

        ; paging: identity map 0..8 MiB with 4 KiB pages.  The PDEs allow
        ; user access; each PTE decides (U/S = 0: supervisor only).
        mov     edi, PAGE_DIR
        xor     eax, eax
        mov     ecx, 1024
        rep stosd
        mov     dword [PAGE_DIR + 0], (PAGE_TABLES + 0x0000) | 7
        mov     dword [PAGE_DIR + 4], (PAGE_TABLES + 0x1000) | 7
        mov     edi, PAGE_TABLES
        mov     eax, 3                  ; present, writable, supervisor
        mov     ecx, 2048
.pte:
        stosd
        add     eax, 4096
        loop    .pte
        ; user pages: U/S = 1
        or      dword [PAGE_TABLES + (USER_DATA >> 12) * 4], 4
        or      dword [PAGE_TABLES + (USER_STACK_PAGE >> 12) * 4], 4
        mov     eax, LIN(user_code) >> 12
.ucode:
        or      dword [PAGE_TABLES + eax*4], 4
        inc     eax
        cmp     eax, (LIN(user_code_end) + 4095) >> 12
        jb      .ucode

        mov     eax, PAGE_DIR
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000         ; PG
        mov     cr0, eax
        jmp     .paged
.paged:
        mov     esi, msg_start
        call    print_str

        ; enter ring 3 with IRETD
        xor     eax, eax
        mov     fs, ax
        mov     gs, ax
        push    dword SEL_UDATA         ; SS
        push    dword USER_STACK_TOP    ; ESP
        push    dword 0x00000002        ; EFLAGS: IF = 0, IOPL = 0
        push    dword SEL_UCODE         ; CS
        push    dword user_code         ; EIP
        mov     ax, SEL_UDATA
        mov     ds, ax
        mov     es, ax
        iretd

; set_gate: write the gate at EDI: handler EDX, selector SEL_KCODE, type/DPL
; word EBX (e.g. 0x8E00).  EDI advances by 8; EAX clobbered.
set_gate:
        mov     eax, edx
        and     eax, 0xFFFF
        or      eax, SEL_KCODE << 16
        stosd
        mov     eax, edx
        and     eax, 0xFFFF0000
        or      eax, ebx
        stosd
        ret

; =============================================================================
; Ring 0: INT 0x80 system calls (DPL-3 interrupt gate)
; Entered on the TSS stack: [ESP] EIP, CS, EFLAGS, ESP, SS of ring 3.
; =============================================================================
syscall_entry:
        push    ds
        push    es
        push    edx
        mov     dx, SEL_KDATA           ; kernel selectors
        mov     ds, dx
        mov     es, dx
        cmp     eax, SYS_MAX
        jae     bad_syscall
        jmp     [sys_table + eax*4]

sys_mix:                                ; state = (rotl(state,7) ^ EBX) + ECX
        mov     edx, [KSTATE]
        rol     edx, 7
        xor     edx, ebx
        add     edx, ecx
        mov     [KSTATE], edx
        mov     eax, edx
        jmp     sys_return

sys_count:                              ; EAX = ++count ^ EBX
        inc     dword [KCOUNT]
        mov     eax, [KCOUNT]
        xor     eax, ebx
        jmp     sys_return

sys_cr3:                                ; reload CR3 (flushes the TLB)
        mov     edx, cr3
        mov     cr3, edx
        inc     dword [KCR3]
        mov     eax, [KCR3]
        add     eax, edx
        ; fall through

sys_return:
        pop     edx
        pop     es                      ; back to the user selectors
        pop     ds
        iretd

bad_syscall:
        push    dword 0x80
        jmp     fault_common

sys_exit:                               ; EBX = the user checksum
        ; stack: [ESP] EDX, ES, DS, EIP, CS, EFLAGS, ESP, SS
        mov     dword [CHK], 0x811C9DC5
        mov     eax, ebx
        call    fold
        mov     eax, [KSTATE]
        call    fold
        mov     eax, [KCOUNT]
        call    fold
        mov     eax, [KGATE]
        call    fold
        mov     eax, [KCR3]
        call    fold
        mov     eax, [PF_ERR]           ; 5: user-mode read, protection
        call    fold
        mov     eax, [PF_CR2]           ; the supervisor address read
        call    fold
        ; (only the low 16 bits of a pushed selector's slot are defined)
        movzx   eax, word [esp + 4]     ; user ES, saved by PUSH ES
        call    fold
        movzx   eax, word [esp + 16]    ; user CS
        call    fold
        mov     eax, [esp + 20]         ; user EFLAGS, less the status flags
        and     eax, ~0x8D5             ; (AF is undefined after XOR)
        call    fold
        mov     eax, [esp + 24]         ; user ESP
        call    fold
        movzx   eax, word [esp + 28]    ; user SS
        call    fold
        mov     eax, esp                ; = TSS.ESP0 - 32
        call    fold
        str     ax
        movzx   eax, ax
        call    fold

        mov     esi, msg_result
        call    print_str
        mov     eax, [CHK]
        call    print_hex32
        mov     esi, msg_crlf
        call    print_str
        mov     al, EXIT_CODE
        jmp     exit

; =============================================================================
; Ring 0: call-gate procedure, 2 dword parameters copied from the ring-3 stack
; [ESP] EIP, CS, param 2 (pushed last), param 1, ring-3 ESP, ring-3 SS
; Returns EAX; every other register preserved.
; =============================================================================
gate_proc:
        push    ds
        mov     ax, SEL_KDATA
        mov     ds, ax
        mov     eax, [esp + 12]         ; param 2
        imul    eax, eax, 0x9E3779B1
        add     eax, [esp + 16]         ; param 1
        add     [KGATE], eax
        rol     dword [KGATE], 1
        xor     eax, [KGATE]
        pop     ds
        retf    8

; =============================================================================
; Ring 0: #PF handler.  The probe at user_probe is expected to fault: record
; the error code and CR2 and resume ring 3 at user_probe_done.  Any other
; page fault is reported like the other exceptions.
; =============================================================================
pf_handler:
        ; [ESP] error code, EIP, CS, EFLAGS, ESP, SS
        push    ds
        push    eax
        mov     ax, SEL_KDATA
        mov     ds, ax
        cmp     dword [esp + 12], user_probe
        jne     .unexpected
        mov     eax, [esp + 8]
        mov     [PF_ERR], eax
        mov     eax, cr2
        mov     [PF_CR2], eax
        mov     dword [esp + 12], user_probe_done
        pop     eax
        pop     ds
        add     esp, 4                  ; drop the error code
        iretd
.unexpected:
        pop     eax
        pop     ds
        push    dword 14
        jmp     fault_common

; =============================================================================
; Ring-0 subroutines
; =============================================================================

; fold: mix EAX into the checksum (kernel DS; all registers preserved):
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
; which prints "BENCH FAULT vector=VV stack=XXXXXXXX XXXXXXXX" (the error
; code or EIP, then EIP or CS) and exits with 0x11.
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
        mov     ax, SEL_KDATA
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
; Data (in the ROM, supervisor-only)
; =============================================================================
        align   8
sys_table:
        dd      sys_mix, sys_count, sys_cr3, sys_exit

gdt_template:
        dq      0                       ; null
        dq      0x00CF9B000000FFFF      ; 0x08 kernel code: flat, 32-bit, DPL 0
        dq      0x00CF93000000FFFF      ; 0x10 kernel data: flat, DPL 0
        dq      0x00CFFB000000FFFF      ; 0x18 user code: flat, 32-bit, DPL 3
        dq      0x00CFF3000000FFFF      ; 0x20 user data: flat, DPL 3
        ; 0x28 TSS: 32-bit available TSS, base TSS_RAM, limit 103
        dw      104 - 1
        dw      TSS_RAM & 0xFFFF
        db      (TSS_RAM >> 16) & 0xFF
        db      0x89                    ; P, DPL 0, type 9
        db      0x00
        db      TSS_RAM >> 24
        ; 0x30 call gate: DPL 3, 32-bit, 2 dword parameters -> gate_proc
        dw      LIN(gate_proc) & 0xFFFF
        dw      SEL_KCODE
        db      2                       ; parameter count
        db      0xEC                    ; P, DPL 3, type 0xC
        dw      LIN(gate_proc) >> 16
GDT_BYTES       equ     $ - gdt_template

gdtr_value:
        dw      GDT_BYTES - 1
        dd      GDT_RAM
idtr_value:
        dw      256 * 8 - 1
        dd      IDT_RAM

msg_start:      db      "BENCH start", 13, 10, 0
msg_result:     db      "BENCH result checksum=0x", 0
msg_crlf:       db      13, 10, 0
msg_fault:      db      "BENCH FAULT vector=", 0
msg_fault2:     db      " stack=", 0
msg_shutdown:   db      "Shutdown", 0

; =============================================================================
; Ring 3 code: on its own page(s), the only ROM pages with U/S = 1.
; Registers: ESI = LCG state, EDI = user checksum, EBP = iteration number.
; =============================================================================
        align   4096
user_code:
        mov     esi, 12345
        mov     edi, 0x9E3779B9
        xor     ebp, ebp
.iter:
        ; user arithmetic: LCG step, read-modify-write of a user dword
        imul    esi, esi, 1103515245
        add     esi, 12345
        mov     eax, esi
        shr     eax, 22                 ; 0..1023
        and     eax, 0x3FC              ; dword index into 1 KiB
        add     [USER_ARR + eax], esi
        rol     edi, 5
        xor     edi, [USER_ARR + eax]

        ; system call: mix
        mov     eax, SYS_MIX
        mov     ebx, edi
        mov     ecx, ebp
        int     0x80
        add     edi, eax

        ; call gate with 2 dword parameters
        push    esi                     ; param 1
        push    ebp                     ; param 2
        call    SEL_GATE:0              ; (the offset is ignored)
        xor     edi, eax

        ; user arithmetic: 8 rounds over the user data page
        mov     ecx, 8
.rounds:
        mov     eax, [USER_ARR + 512 + ecx*4]
        add     eax, edi
        rol     eax, cl
        mov     [USER_ARR + 512 + ecx*4], eax
        xor     edi, eax
        loop    .rounds

        ; system call: count
        mov     eax, SYS_COUNT
        mov     ebx, esi
        int     0x80
        rol     edi, 3
        add     edi, eax

        ; system call: mix again
        mov     eax, SYS_MIX
        mov     ebx, esi
        mov     ecx, edi
        int     0x80
        xor     edi, eax

        ; every 16th iteration: CR3 reload
        test    ebp, 15
        jnz     .no_cr3
        mov     eax, SYS_CR3
        int     0x80
        add     edi, eax
.no_cr3:
        inc     ebp
        cmp     ebp, ITERS
        jb      .iter

        ; probe: reading a supervisor-only page must fault (#PF, error 5)
        mov     eax, 0x600DF00D
user_probe:
        mov     eax, [KVARS]
user_probe_done:
        xor     edi, eax                ; EAX unchanged by the skipped read

        mov     eax, SYS_EXIT
        mov     ebx, edi
        int     0x80
.stuck:
        jmp     .stuck                  ; (SYS_EXIT does not return)
user_code_end:

; =============================================================================
; Reset vector at F000:FFF0
; =============================================================================
        times   0xFFF0 - ($ - $$) db 0xFF
        bits    16
        jmp     0xF000:R16(start16)
        times   0x10000 - ($ - $$) db 0xFF
