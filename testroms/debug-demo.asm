; debug-demo.asm - a small tour of protected mode for the debugger's own tests.
;
; Every stage gives one of the debugger's commands something to show:
;   1. real mode: copies a GDT and an IDT to RAM, builds two TSSs, LGDT/LIDT, sets
;      CR0.PE (break mode) and jumps to flat 32-bit ring-0 code.
;   2. loads DS/ES/SS (flat) and FS (base 5000h, limit FFh), LTR, then rewrites FS's
;      GDT entry (limit FFFh, DPL 3): FS's hidden cache is now stale (sregs).
;   3. calls a procedure three times (next steps over it), which increments the dword
;      at 5000h (watch w 0x5000 4), copies 16 bytes with REP MOVSB, writes the POST code
;      port 80h (break io 0x80).
;   4. builds a page directory and a page table (identity map of 4 MiB; page 6000h
;      read-only, supervisor) and sets CR0.PG (break mode; page 0x6000).
;   5. JMPs to task B through its TSS (break task); task B prints and JMPs back.
;   6. IRETs to ring 3 (break cpl), calls ring 0 through a DPL-3 trap gate (INT 30h),
;      then executes CLI at CPL 3 with IOPL 0: #GP(0) (break exception 13), whose
;      handler prints and exits through port F4h with 10h (success).
; Output on port E9h.

        cpu     386
        org     0xF0000                 ; the ROM's last 64 KiB below 1 MiB; code runs flat

GDTADDR equ     0x1000
IDTADDR equ     0x2000
TSS_A   equ     0x3000                  ; the first task (ring-0 stack for ring 3)
TSS_B   equ     0x3100
COUNTER equ     0x5000
COPY    equ     0x5100
PAGEDIR equ     0x10000
PAGETAB equ     0x11000
STACK0  equ     0x9000
STACK3  equ     0x8000
STACKB  equ     0xA000

KCODE   equ     0x08
KDATA   equ     0x10
UCODE   equ     0x18 | 3
UDATA   equ     0x20 | 3
TSSA    equ     0x28
TSSB    equ     0x30
SMALL   equ     0x38                    ; data, base 5000h, limit FFh

        bits    16
start:
        cli
        xor     ax, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7000
        mov     ax, 0xF000
        mov     ds, ax
        mov     si, gdt - $$
        mov     di, GDTADDR
        mov     cx, gdt_end - gdt
        rep     movsb
        mov     si, idt - $$
        mov     di, IDTADDR
        mov     cx, idt_end - idt
        rep     movsb
        xor     ax, ax
        mov     ds, ax
        mov     di, TSS_A               ; both TSSs zeroed
        mov     cx, 0x200
        rep     stosb
        mov     dword [TSS_A + 4], STACK0
        mov     word [TSS_A + 8], KDATA
        mov     word [TSS_A + 0x66], 0x68
        mov     dword [TSS_A + 0x1C], PAGEDIR   ; CR3 of both tasks
        mov     dword [TSS_B + 0x1C], PAGEDIR
        mov     dword [TSS_B + 0x20], task_b
        mov     dword [TSS_B + 0x24], 0x2
        mov     dword [TSS_B + 0x38], STACKB
        mov     word [TSS_B + 0x48], KDATA      ; ES
        mov     word [TSS_B + 0x4C], KCODE      ; CS
        mov     word [TSS_B + 0x50], KDATA      ; SS
        mov     word [TSS_B + 0x54], KDATA      ; DS
        mov     word [TSS_B + 0x66], 0x68
        o32 lgdt [cs:gdt_ptr - $$]
        o32 lidt [cs:idt_ptr - $$]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword KCODE:pm32

        bits    32
pm32:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, STACK0
        mov     ax, TSSA
        ltr     ax
        mov     ax, SMALL
        mov     fs, ax
        mov     word [GDTADDR + SMALL], 0x0FFF          ; limit FFh -> FFFh
        mov     byte [GDTADDR + SMALL + 5], 0xF2        ; DPL 0 -> 3: FS's cache is stale
        mov     esi, msg_pm
        call    print

        mov     ecx, 3
.again: call    bump
        loop    .again
        mov     esi, COUNTER
        mov     edi, COPY
        mov     ecx, 16
        rep     movsb
        mov     al, 0x42
        out     0x80, al

        mov     edi, PAGETAB            ; identity map 0-4 MiB, user read/write
        mov     eax, 0x007
        mov     ecx, 1024
.pte:   stosd
        add     eax, 0x1000
        loop    .pte
        mov     dword [PAGETAB + 6 * 4], 0x6001         ; page 6000h: read-only, supervisor
        mov     edi, PAGEDIR
        xor     eax, eax
        mov     ecx, 1024
        rep     stosd
        mov     dword [PAGEDIR], PAGETAB | 0x007
        mov     eax, PAGEDIR
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax

        jmp     TSSB:0                  ; task switch to B and back
        mov     esi, msg_back
        call    print

        push    dword UDATA             ; IRET to ring 3
        push    dword STACK3
        push    dword 0x2
        push    dword UCODE
        push    dword user
        iret

user:
        mov     ax, UDATA
        mov     ds, ax
        mov     eax, 5
        int     0x30                    ; ring 0 through the DPL-3 trap gate
        cli                             ; CPL 3 > IOPL 0: #GP(0)
        jmp     $

bump:                                   ; the procedure `next` steps over
        inc     dword [COUNTER]
        ret

task_b:
        mov     esi, msg_task
        call    print
        jmp     TSSA:0

syscall:                                ; INT 30h from ring 3
        push    esi
        mov     esi, msg_sys
        call    print
        pop     esi
        iret

gp_handler:                             ; #GP from ring 3: error code 0
        mov     ax, KDATA
        mov     ds, ax
        cmp     dword [esp], 0
        jne     .fail
        mov     esi, msg_gp
        call    print
        mov     al, 0x10
        out     0xF4, al
.fail:  mov     al, 0x11
        out     0xF4, al
        hlt

print:                                  ; zero-terminated string at ESI
        push    eax
        push    esi
.next:  mov     al, [esi]
        test    al, al
        jz      .done
        out     0xE9, al
        inc     esi
        jmp     .next
.done:  pop     esi
        pop     eax
        ret

msg_pm:   db "protected mode", 10, 0
msg_task: db "task B", 10, 0
msg_back: db "back in task A", 10, 0
msg_sys:  db "system call from ring 3", 10, 0
msg_gp:   db "#GP from ring 3, done", 10, 0

%macro  descriptor 4                    ; base, limit (20 bits), access byte, flags nibble
        dw      (%2) & 0xFFFF
        dw      (%1) & 0xFFFF
        db      ((%1) >> 16) & 0xFF
        db      %3
        db      ((%4) << 4) | (((%2) >> 16) & 0x0F)
        db      ((%1) >> 24) & 0xFF
%endmacro
%macro  gate 3                          ; selector, handler label, type/access byte
        dw      ((%2) - $$ + 0xF0000) & 0xFFFF
        dw      %1
        db      0
        db      %3
        dw      (((%2) - $$ + 0xF0000) >> 16) & 0xFFFF
%endmacro

        align   8
gdt:
        dq      0
        descriptor 0, 0xFFFFF, 0x9A, 0xC                ; 08 ring-0 code, flat, 32-bit
        descriptor 0, 0xFFFFF, 0x92, 0xC                ; 10 ring-0 data, flat
        descriptor 0, 0xFFFFF, 0xFA, 0xC                ; 18 ring-3 code, flat, 32-bit
        descriptor 0, 0xFFFFF, 0xF2, 0xC                ; 20 ring-3 data, flat
        descriptor TSS_A, 0x67, 0x89, 0x0               ; 28 32-bit TSS, task A
        descriptor TSS_B, 0x67, 0x89, 0x0               ; 30 32-bit TSS, task B
        descriptor COUNTER, 0xFF, 0x92, 0x4             ; 38 data, base 5000h, limit FFh
gdt_end:

idt:
%rep 13
        dq      0
%endrep
        gate    KCODE, gp_handler, 0x8E                 ; 13: #GP, interrupt gate, DPL 0
%rep 0x30 - 14
        dq      0
%endrep
        gate    KCODE, syscall, 0xEF                    ; 30h: trap gate, DPL 3
idt_end:

gdt_ptr: dw gdt_end - gdt - 1
         dd GDTADDR
idt_ptr: dw idt_end - idt - 1
         dd IDTADDR

        times   0xFFF0 - ($ - $$) db 0xF4
        bits    16
        jmp     0xF000:start - $$
        times   0x10000 - ($ - $$) db 0xF4
