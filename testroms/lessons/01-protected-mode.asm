; =============================================================================
; Lesson 1 -- from real mode to protected mode          (docs/lessons/01-protected-mode.md)
;
; The whole switch, with nothing hidden in a framework: the CPU starts at the
; reset vector in real mode, we show real-mode addressing (segment * 16 +
; offset), build a GDT and an IDT in RAM, load GDTR and IDTR, set CR0.PE, and
; make the far jump that loads CS from the GDT.  From then on a segment
; register holds a *selector* -- an index into the GDT -- and the CPU takes
; base, limit and rights from the descriptor it names.  The last step loads a
; selector that lies beyond the GDT limit: #GP(selector), delivered through
; the new IDT.
;
; Marks (labels the walk-through stops at; `pcemu lesson 1`):
;   reset_vector      F000:FFF0, the first instruction after RESET
;   real_mode_start   real mode, CS base F0000 after the first far jump
;   step_aliasing     two segment:offset pairs naming one byte
;   step_a20          the A20 gate: is 1 MiB really 1 MiB?
;   step_tables       GDT and IDT copied to RAM, LGDT and LIDT
;   step_set_pe       MOV CR0 with PE = 1
;   step_still_16bit  PE is set, but CS still holds its real-mode cache
;   step_far_jump     JMP 0008:pm32 -- CS is loaded from the GDT
;   pm32              first instruction of 32-bit protected mode
;   step_selectors    DS, ES, SS loaded with selectors
;   step_gp           a selector beyond the GDT limit -> #GP(0040h)
;   gp_handler        the #GP handler reached through the IDT
;
; Output: one line per check on port 0xE9 ("PASS name" / "FAIL name ..."),
; then "DONE n passed m failed"; the run ends through port 0xF4 (0x10 = all
; passed, 0x11 = a failure) and "Shutdown" on port 0x8900 (Bochs).
; Assemble with testroms/build.sh.
; =============================================================================

        cpu     386
        org     0xF0000                 ; the 64 KiB ROM ends at physical FFFFFh
%define R16(x)  ((x) - $$)              ; offset of a label inside the ROM (CS = F000h)
%define LIN(x)  ((x) - $$ + 0xF0000)    ; a label's linear address as a plain number

DEBUG_PORT      equ     0xE9
EXIT_PORT       equ     0xF4
BOCHS_SHUTDOWN  equ     0x8900

GDT_RAM         equ     0x0800          ; where the GDT is copied (the CPU writes to it)
IDT_RAM         equ     0x0C00          ; 32 gates, 8 bytes each
STACK_TOP       equ     0x7C00
RM_SEG          equ     0x1234          ; a real-mode segment ...
RM_OFS          equ     0x0005          ; ... and offset: linear 12345h
MARK_BYTE       equ     0x5A

; Variables in RAM (low memory, cleared at start)
passed          equ     0x0600          ; dword
failed          equ     0x0604          ; dword
gp_error        equ     0x0608          ; error code seen by the #GP handler
gp_eip          equ     0x060C          ; EIP it points at
gp_resume       equ     0x0610          ; where the handler continues

; Selectors: index * 8 + TI (0 = GDT) * 4 + RPL
SEL_CODE32      equ     0x08            ; GDT[1]: code, base 0, 4 GiB, 32-bit, DPL 0
SEL_DATA32      equ     0x10            ; GDT[2]: data, base 0, 4 GiB, DPL 0
SEL_WINDOW      equ     0x18            ; GDT[3]: data, base 12340h, limit FFFFh
SEL_BEYOND      equ     0x40            ; GDT[8]: beyond the GDT limit (4 entries)

; =============================================================================
; 16-bit real mode
; =============================================================================
        bits    16
real_mode_start:
        ; The far jump at the reset vector brought us here: CS = F000h, and
        ; now also CS base = F0000h (at RESET the base was FFFF0000h).
        cli                             ; no interrupts: there is no IVT/IDT yet
        cld
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax                  ; real mode: base = selector * 16 = 0
        mov     sp, STACK_TOP
        mov     di, passed              ; clear the variables
        mov     cx, 8
        rep     stosw
        mov     si, R16(msg_hello)
        call    print16

step_aliasing:
        ; Real mode: linear address = segment * 16 + offset.  1234h:0005h is
        ; linear 12345h, and so is 1000h:2345h -- two names for one byte.
        mov     ax, RM_SEG
        mov     ds, ax
        mov     byte [RM_OFS], MARK_BYTE        ; write through 1234:0005
        mov     ax, 0x1000
        mov     es, ax
        mov     al, [es:0x2345]                 ; read through 1000:2345
        cmp     al, MARK_BYTE
        mov     si, R16(n_alias)
        call    verdict16

step_a20:
        ; The 21st address line: an 8086 wraps FFFF:0010 around to 0:0000;
        ; PCs gate line A20 so old programs still see the wrap.  Port 92h bit 1
        ; ("fast A20") opens the gate; then FFFF:0510 is linear 100500h,
        ; not 000500h.
        in      al, 0x92
        or      al, 0x02                        ; A20 on
        and     al, 0xFE                        ; (bit 0 would reset the CPU)
        out     0x92, al
        xor     ax, ax
        mov     ds, ax
        mov     ax, 0xFFFF
        mov     es, ax
        mov     byte [0x0500], 0x11             ; linear 000500h
        mov     byte [es:0x0510], 0x22          ; linear 100500h (A20 open)
        cmp     byte [0x0500], 0x11             ; still 11h: no wrap
        mov     si, R16(n_a20)
        call    verdict16

step_tables:
        ; The CPU sets the Accessed bit of a descriptor when it loads it, so
        ; the GDT lives in RAM: copy the template from the ROM.  The IDT gets
        ; one gate, for #GP (vector 13); the other 31 entries stay zero.
        mov     ax, cs
        mov     ds, ax                          ; DS = F000h: the ROM
        xor     ax, ax
        mov     es, ax
        mov     si, R16(gdt_template)
        mov     di, GDT_RAM
        mov     cx, gdt_template_end - gdt_template
        rep     movsb
        mov     di, IDT_RAM
        mov     cx, 32 * 8 / 2
        xor     ax, ax
        rep     stosw
        mov     si, R16(gp_gate_template)
        mov     di, IDT_RAM + 13 * 8
        mov     cx, 8
        rep     movsb
        xor     ax, ax
        mov     ds, ax
        o32 lgdt [cs:R16(gdtr_value)]           ; GDTR: base 800h, limit 1Fh
        o32 lidt [cs:R16(idtr_value)]           ; IDTR: base C00h, limit FFh

step_set_pe:
        ; Protected mode is one bit: CR0.PE.  Interrupts stay off (CLI above)
        ; until there is an IDT that can take them.
        mov     eax, cr0
        or      al, 1                           ; CR0.PE
        mov     cr0, eax

step_still_16bit:
        ; PE is 1, yet this is still 16-bit code running with CS's real-mode
        ; cache (base F0000h, 64 KiB, 16-bit).  The CS register holds F000h,
        ; which as a selector would be GDT index 1E00h -- far beyond our GDT.
        ; Nothing has looked at the GDT yet: only loading a segment register
        ; does.
        smsw    ax                              ; low word of CR0
        and     ax, 1
        cmp     ax, 1
        mov     si, R16(n_pe)
        call    verdict16
        mov     ax, cs
        cmp     ax, 0xF000
        mov     si, R16(n_cs_stale)
        call    verdict16

step_far_jump:
        ; The far jump loads CS with selector 0008h: GDT entry 1, a 32-bit
        ; code segment with base 0 and DPL 0.  CPL becomes 0 (CS.RPL), the
        ; default operand size becomes 32 bits, and the instruction queue
        ; is flushed.
        jmp     dword SEL_CODE32:pm32

; print16: zero-terminated string at CS:SI -> port E9h
print16:
        push    ax
.next:
        mov     al, [cs:si]
        test    al, al
        jz      .done
        out     DEBUG_PORT, al
        inc     si
        jmp     .next
.done:
        pop     ax
        ret

; verdict16: ZF = the check held; CS:SI = its name.  Prints PASS/FAIL name.
verdict16:
        push    si
        mov     si, R16(s_pass)
        jz      .ok
        mov     si, R16(s_fail)
        inc     dword [ss:failed]
        jmp     .print
.ok:
        inc     dword [ss:passed]
.print:
        call    print16
        pop     si
        call    print16
        mov     si, R16(s_nl)
        jmp     print16

; =============================================================================
; 32-bit protected mode
; =============================================================================
        bits    32
pm32:
        ; CS = 0008h now.  DS, ES and SS still hold real-mode values and
        ; caches; load them with selectors before using them.
step_selectors:
        mov     ax, SEL_DATA32
        mov     ds, ax                          ; GDT[2]: base 0, limit 4 GiB
        mov     es, ax
        mov     ss, ax
        mov     esp, STACK_TOP
        ; A selector is an index, not a paragraph: DS = 0010h means base 0
        ; (from the descriptor), not 100h.  The byte written in real mode
        ; through 1234:0005 is at linear 12345h.
        cmp     byte [0x12345], MARK_BYTE
        mov     esi, n_flat
        call    verdict32
        ; GDT[3] has base 12340h: through it, offset 5 is that same byte.
        mov     ax, SEL_WINDOW
        mov     fs, ax
        cmp     byte [fs:RM_OFS], MARK_BYTE
        mov     esi, n_window
        call    verdict32
        ; Loading DS set the Accessed bit (bit 40, type bit 0) of GDT[2].
        test    byte [GDT_RAM + SEL_DATA32 + 5], 0x01
        setnz   al
        cmp     al, 1
        mov     esi, n_accessed
        call    verdict32

step_gp:
        ; GDTR.limit is 1Fh: four descriptors.  Selector 0040h names entry 8,
        ; beyond the limit: the load raises #GP with the selector as error
        ; code, and the CPU delivers it through IDT[13] to gp_handler.
        mov     dword [gp_resume], after_gp
        mov     dword [gp_error], 0xFFFFFFFF
        mov     ax, SEL_BEYOND
gp_here:
        mov     gs, ax                          ; -> #GP(0040h)
after_gp:
        cmp     dword [gp_error], SEL_BEYOND
        mov     esi, n_gp_code
        call    verdict32
        cmp     dword [gp_eip], gp_here         ; a fault: EIP of the instruction
        mov     esi, n_gp_eip
        call    verdict32

finish:
        mov     esi, s_done
        call    print32
        mov     eax, [passed]
        call    print_dec
        mov     esi, s_passed
        call    print32
        mov     eax, [failed]
        call    print_dec
        mov     esi, s_failed
        call    print32
        mov     al, 0x10                        ; success
        cmp     dword [failed], 0
        je      .exit
        mov     al, 0x11                        ; failure
.exit:
        out     EXIT_PORT, al
        mov     esi, s_shutdown                 ; Bochs ends on "Shutdown"
        mov     dx, BOCHS_SHUTDOWN
.sd:    lodsb
        test    al, al
        jz      .halt
        out     dx, al
        jmp     .sd
.halt:
        cli
        hlt
        jmp     .halt

; gp_handler: #GP pushed the error code, then EIP, CS, EFLAGS were below it.
gp_handler:
        mov     eax, [esp]                      ; error code
        mov     [gp_error], eax
        mov     eax, [esp + 4]                  ; saved EIP: the faulting instruction
        mov     [gp_eip], eax
        add     esp, 4                          ; drop the error code
        mov     eax, [gp_resume]
        mov     [esp], eax                      ; resume after it
        iretd

; print32: zero-terminated string at DS:ESI (flat)
print32:
        push    eax
.next:
        lodsb
        test    al, al
        jz      .done
        out     DEBUG_PORT, al
        jmp     .next
.done:
        pop     eax
        ret

; verdict32: ZF = the check held; ESI = its name.
verdict32:
        push    esi
        mov     esi, s_pass
        jz      .ok
        mov     esi, s_fail
        inc     dword [failed]
        jmp     .print
.ok:
        inc     dword [passed]
.print:
        call    print32
        pop     esi
        call    print32
        mov     esi, s_nl
        jmp     print32

; print_dec: EAX in decimal
print_dec:
        pushad
        mov     ebx, 10
        xor     ecx, ecx
.div:
        xor     edx, edx
        div     ebx
        push    edx
        inc     ecx
        test    eax, eax
        jnz     .div
.emit:
        pop     eax
        add     al, '0'
        out     DEBUG_PORT, al
        loop    .emit
        popad
        ret

; =============================================================================
; Tables and strings
; =============================================================================
; A segment descriptor (SDM vol. 3, 3.4.5): base, 20-bit limit, access byte
; (P, DPL, S, type), flags nibble (G, D/B, L, AVL).
%macro SEGDESC 4
        dw      (%2) & 0xFFFF
        dw      (%1) & 0xFFFF
        db      ((%1) >> 16) & 0xFF
        db      (%3)
        db      (((%2) >> 16) & 0x0F) | ((%4) << 4)
        db      ((%1) >> 24) & 0xFF
%endmacro

        align   8, db 0
gdt_template:
        dq      0                                       ; 00: the null descriptor
        SEGDESC 0, 0xFFFFF, 0x9A, 0xC                   ; 08: code, execute/read, DPL 0, G=1, D=1
        SEGDESC 0, 0xFFFFF, 0x92, 0xC                   ; 10: data, read/write, DPL 0, G=1, B=1
        SEGDESC RM_SEG * 16, 0xFFFF, 0x92, 0x0          ; 18: data, base 12340h, limit FFFFh, byte granular
gdt_template_end:

gp_gate_template:                                       ; 32-bit interrupt gate, DPL 0
        dw      LIN(gp_handler) & 0xFFFF                    ; offset 15..0
        dw      SEL_CODE32                              ; handler's code segment
        db      0
        db      0x8E                                    ; P=1, DPL 0, type 1110 (32-bit interrupt gate)
        dw      LIN(gp_handler) >> 16                       ; offset 31..16

gdtr_value:
        dw      gdt_template_end - gdt_template - 1     ; limit
        dd      GDT_RAM                                 ; base (linear)
idtr_value:
        dw      32 * 8 - 1
        dd      IDT_RAM

msg_hello:      db      "lesson 1: real mode -> protected mode", 10, 0
n_alias:        db      "real-mode-1234:0005-and-1000:2345-are-one-byte", 0
n_a20:          db      "a20-open-ffff:0510-does-not-wrap-to-0:0500", 0
n_pe:           db      "cr0-pe-set", 0
n_cs_stale:     db      "cs-still-holds-f000-until-the-far-jump", 0
n_flat:         db      "ds-selector-0010-means-gdt-entry-2-base-0", 0
n_window:       db      "fs-selector-0018-base-12340-offset-5-reads-the-real-mode-byte", 0
n_accessed:     db      "loading-ds-set-the-accessed-bit-in-the-gdt", 0
n_gp_code:      db      "selector-0040-beyond-gdt-limit-gp-error-code-0040", 0
n_gp_eip:       db      "gp-is-a-fault-saved-eip-points-at-the-mov", 0
s_pass:         db      "PASS ", 0
s_fail:         db      "FAIL ", 0
s_nl:           db      10, 0
s_done:         db      "DONE ", 0
s_passed:       db      " passed ", 0
s_failed:       db      " failed", 10, 0
s_shutdown:     db      "Shutdown", 0

; =============================================================================
; The reset vector: physical FFFF0h (also FFFFFFF0h; CS base is FFFF0000h
; after RESET, the ROM appears at both places).
; =============================================================================
        times   0xFFF0 - ($ - $$) db 0xFF
        bits    16
reset_vector:
        jmp     0xF000:R16(real_mode_start)
        times   0x10000 - ($ - $$) db 0xFF
