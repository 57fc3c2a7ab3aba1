; =============================================================================
; Lesson 8 -- paging: U/S, R/W, WP and the #PF error code   (docs/lessons/08-paging.md)
;
; With CR0.PG = 1 a linear address is split 10 | 10 | 12: the page directory
; entry (CR3 + 4 * bits 31..22) names a page table, whose entry (4 * bits
; 21..12) names the 4 KiB page frame.  Each entry has P (present), R/W
; (writable) and U/S (user).  The rights of both levels combine: user code
; needs U/S = 1 in the PDE *and* the PTE, user writes need R/W = 1 in both;
; supervisor code (CPL 0-2) may access every present page and write read-only
; ones -- unless CR0.WP = 1 (486 and later) (SDM vol. 3, 4.6).  A refused
; access raises #PF with CR2 = the linear address and an error code
;     bit 0 P    0: not present          1: protection violation
;     bit 1 W/R  0: read                 1: write
;     bit 2 U/S  0: supervisor (CPL<3)   1: user (CPL 3)       (SDM 4.7)
; The CPU sets the Accessed bit of both entries it used and the Dirty bit of
; the PTE on a write.  It also caches translations in the TLB: after
; changing an entry, software must flush it (INVLPG, or reload CR3).
;
; Set-up (testroms/pmtest.inc): 32-bit protected mode at ring 0; RUN_R3 runs
; code at ring 3.  This lesson builds the page tables and turns paging on.
; The first 4 MiB are identity mapped, user and writable (the ROM, the
; stacks, the tables), so that everything keeps working.  CPUs before the
; 486 have no CR0.WP and no INVLPG: those checks print SKIP there.
;
; Marks (labels the walk-through stops at; `pcemu lesson 8`):
;   paging_on         MOV CR0 with PG = 1
;   r3_read_rw        ring 3 reads and writes a user page: A and D get set
;   r3_write_ro       ring 3 writes a read-only user page: #PF(7)
;   r3_read_sup       ring 3 reads a supervisor page: #PF(5)
;   r3_read_np        ring 3 reads a not-present page: #PF(4)
;   r0_write_np       ring 0 writes a not-present page: #PF(2)
;   r3_read_pde_sup   user PTE under a supervisor PDE: #PF(5)
;   r0_write_ro_wp0   ring 0 writes a read-only page, WP = 0: allowed
;   r0_write_ro_wp1   ... with WP = 1: #PF(3)
;   tlb_stale_read    the PTE changed, the TLB still has the old frame
;   tlb_fresh_read    after INVLPG the new frame is used
;
; Output: "PASS name" / "FAIL name expected ... got ..." per check on port
; 0xE9 ("SKIP name" where the CPU lacks the feature), then "DONE n passed m
; failed".  Assemble with testroms/build.sh.
; =============================================================================

%include "pmtest.inc"
%include "lesson.inc"

PD              equ     0x100000        ; page directory
PT0             equ     0x101000        ; 0-4 MiB: identity, user, writable
PT1             equ     0x102000        ; 4-8 MiB: the lesson's pages
PT2             equ     0x103000        ; 8-12 MiB: under a supervisor PDE

PG_P            equ     0x001
PG_RW           equ     0x002
PG_US           equ     0x004
PG_A            equ     0x020
PG_D            equ     0x040

; linear pages (in PT1 unless noted) and the frames behind them
PAGE_RW         equ     0x400000        ; user, writable     -> PHYS_RW
PAGE_RO         equ     0x401000        ; user, read-only    -> PHYS_RO
PAGE_SUP        equ     0x402000        ; supervisor         -> PHYS_SUP
PAGE_NP         equ     0x403000        ; not present
PAGE_REMAP      equ     0x404000        ; user, -> PHYS_A, later PHYS_B
PAGE_PDE_SUP    equ     0x800000        ; PT2[0]: user PTE, supervisor PDE
PHYS_RW         equ     0x300000
PHYS_RO         equ     0x301000
PHYS_SUP        equ     0x302000
PHYS_A          equ     0x303000
PHYS_B          equ     0x304000

        GDT_BEGIN
        GDT_END

is_486          equ     scratch_vars + 0
r_value         equ     scratch_vars + 4

tests_main:
        SAY     "lesson 8: paging, U/S, R/W, WP and #PF"
        call    detect_486
        call    build_page_tables
        mov     dword [PHYS_RO], 0x0000AB1E
        mov     dword [PHYS_A], 0xAAAAAAAA
        mov     dword [PHYS_B], 0xBBBBBBBB
        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000                 ; CR0.PG (WP stays 0)
paging_on:
        mov     cr0, eax
        jmp     pg_flush                        ; (the next fetch is paged)
pg_flush:

; -----------------------------------------------------------------------------
; 1. A user page: ring 3 reads and writes; the CPU records it in the PTE.
; -----------------------------------------------------------------------------
        CHECK_MASK "pte-accessed-dirty-clear-before", [PT1 + 0*4], PG_A|PG_D, 0
        TEST    "ring3-reads-and-writes-user-rw-page"
        RUN_R3  r3_rw
        CHECK_FAULT NONE, ANY, ANY
        CHECK_MASK "cpu-set-pte-accessed-and-dirty", [PT1 + 0*4], PG_A|PG_D, PG_A|PG_D
        CHECK_MASK "cpu-set-pde-accessed", [PD + 1*4], PG_A, PG_A
        CHECK_EQ "ring3-write-reached-the-frame", [PHYS_RW], 0x600D600D

; -----------------------------------------------------------------------------
; 2. Protection violations (P = 1 in the error code).
; -----------------------------------------------------------------------------
        TEST    "ring3-write-read-only-page-pf7"
        RUN_R3  r3_wro
        CHECK_FAULT 14, 7, r3_write_ro
        mov     eax, cr2
        CHECK_EQ "pf7-cr2-is-the-address", eax, PAGE_RO + 0x10
        TEST    "ring3-read-supervisor-page-pf5"
        RUN_R3  r3_rsup
        CHECK_FAULT 14, 5, r3_read_sup
        mov     eax, cr2
        CHECK_EQ "pf5-cr2-is-the-address", eax, PAGE_SUP + 0x20
        TEST    "ring3-user-pte-under-supervisor-pde-pf5"
        RUN_R3  r3_rpde
        CHECK_FAULT 14, 5, r3_read_pde_sup
        TEST    "ring0-reads-supervisor-page"
        EXPECT_NO_FAULT mov eax, [PAGE_SUP + 0x20]

; -----------------------------------------------------------------------------
; 3. Not present (P = 0): the error code still says who and what.
; -----------------------------------------------------------------------------
        TEST    "ring3-read-not-present-pf4"
        RUN_R3  r3_rnp
        CHECK_FAULT 14, 4, r3_read_np
        mov     eax, cr2
        CHECK_EQ "pf4-cr2-is-the-address", eax, PAGE_NP + 0x30
        TEST    "ring0-write-not-present-pf2"
        FAULT_AT r0_write_np, 14, 2, mov dword [PAGE_NP + 0x40], eax
        mov     eax, cr2
        CHECK_EQ "pf2-cr2-is-the-address", eax, PAGE_NP + 0x40

; -----------------------------------------------------------------------------
; 4. CR0.WP: may the supervisor write read-only pages?  WP = 0: yes (the
;    386 rule, used by early Unix kernels for copy-on-write); WP = 1: no.
; -----------------------------------------------------------------------------
        cmp     dword [is_486], 0
        jne     wp_test
        SKIP    "ring0-write-ro-page-wp0-allowed (386: no CR0.WP)"
        SKIP    "ring0-write-ro-page-wp1-pf3 (386: no CR0.WP)"
        jmp     wp_done
wp_test:
        TEST    "ring0-write-ro-page-wp0-allowed"
        NO_FAULT_AT r0_write_ro_wp0, mov dword [PAGE_RO + 0x10], 0x0000AB1E
        mov     eax, cr0
        or      eax, 0x00010000                 ; CR0.WP
        mov     cr0, eax
        TEST    "ring0-write-ro-page-wp1-pf3"
        FAULT_AT r0_write_ro_wp1, 14, 3, mov dword [PAGE_RO + 0x10], 0
        mov     eax, cr0
        and     eax, ~0x00010000
        mov     cr0, eax
wp_done:

; -----------------------------------------------------------------------------
; 5. The TLB.  Point PAGE_REMAP at another frame without flushing: the CPU
;    may (and pcemu, like the CPUs it models, does) keep using the cached
;    translation.  INVLPG drops it.
; -----------------------------------------------------------------------------
        mov     eax, [PAGE_REMAP]                       ; cache the translation
        mov     dword [PT1 + 4*4], PHYS_B | PG_P|PG_RW|PG_US
tlb_stale_read:
        mov     ebx, [PAGE_REMAP]
        CHECK_EQ "tlb-still-maps-the-old-frame", ebx, 0xAAAAAAAA
        cmp     dword [is_486], 0
        jne     do_invlpg
        SKIP    "invlpg-makes-the-cpu-read-the-new-pte (386: no INVLPG)"
        jmp     tlb_done
do_invlpg:
        invlpg  [PAGE_REMAP]
tlb_fresh_read:
        mov     ebx, [PAGE_REMAP]
        CHECK_EQ "invlpg-makes-the-cpu-read-the-new-pte", ebx, 0xBBBBBBBB
tlb_done:

        mov     eax, cr0
        and     eax, 0x7FFFFFFF                 ; paging off again
        mov     cr0, eax
        FINISH

; -----------------------------------------------------------------------------
; Ring-3 code (each ends with INT 30h)
; -----------------------------------------------------------------------------
r3_rw:
r3_read_rw:
        mov     eax, [PAGE_RW]
        mov     dword [PAGE_RW], 0x600D600D
        int     EXIT_VEC

r3_wro:
        mov     eax, [PAGE_RO + 0x10]           ; reading is fine
r3_write_ro:
        mov     [PAGE_RO + 0x10], eax           ; #PF(7): P, W, U
        int     EXIT_VEC

r3_rsup:
r3_read_sup:
        mov     eax, [PAGE_SUP + 0x20]          ; #PF(5): P, U
        int     EXIT_VEC

r3_rpde:
r3_read_pde_sup:
        mov     eax, [PAGE_PDE_SUP]             ; PTE U=1, PDE U=0: #PF(5)
        int     EXIT_VEC

r3_rnp:
r3_read_np:
        mov     eax, [PAGE_NP + 0x30]           ; #PF(4): U
        int     EXIT_VEC

; -----------------------------------------------------------------------------
; build_page_tables: PD with three page tables (see the constants above)
; -----------------------------------------------------------------------------
build_page_tables:
        pushad
        mov     edi, PD                         ; clear PD, PT0, PT1, PT2
        xor     eax, eax
        mov     ecx, 4 * 1024
        rep     stosd
        mov     edi, PT0                        ; identity 0-4 MiB
        mov     eax, PG_P|PG_RW|PG_US
        mov     ecx, 1024
.id:
        stosd
        add     eax, 0x1000
        loop    .id
        mov     dword [PT1 + 0*4], PHYS_RW  | PG_P|PG_RW|PG_US
        mov     dword [PT1 + 1*4], PHYS_RO  | PG_P|PG_US
        mov     dword [PT1 + 2*4], PHYS_SUP | PG_P|PG_RW
        mov     dword [PT1 + 3*4], 0                            ; not present
        mov     dword [PT1 + 4*4], PHYS_A   | PG_P|PG_RW|PG_US
        mov     dword [PT2 + 0*4], PHYS_RW  | PG_P|PG_RW|PG_US
        mov     dword [PD + 0*4], PT0 | PG_P|PG_RW|PG_US
        mov     dword [PD + 1*4], PT1 | PG_P|PG_RW|PG_US
        mov     dword [PD + 2*4], PT2 | PG_P|PG_RW              ; supervisor
        popad
        ret

; detect_486: is_486 = 1 if EFLAGS.AC can be toggled (486 and later)
detect_486:
        pushad
        mov     dword [is_486], 0
        pushfd
        pop     eax
        mov     ecx, eax
        xor     eax, 0x00040000                 ; flip AC
        push    eax
        popfd
        pushfd
        pop     eax
        push    ecx
        popfd
        xor     eax, ecx
        test    eax, 0x00040000
        jz      .done
        mov     dword [is_486], 1
.done:
        popad
        ret

        ROM_END
