; =============================================================================
; pm-paging.asm -- 32-bit paging (4 KiB pages, and 4 MiB pages with PSE)
;
; What this ROM teaches
;   With CR0.PG=1 every linear address goes through the page directory
;   (CR3) and a page table.  An access that the entries do not allow raises
;   #PF with CR2 = the faulting linear address and an error code:
;       bit 0  P    0 = the page (or its table) was not present,
;                   1 = present, but the access broke a protection rule
;       bit 1  W/R  1 = the access was a write
;       bit 2  U/S  1 = the access came from CPL 3
;   Rights combine over both levels: a page is user-accessible only if the
;   PDE *and* the PTE have U/S=1, writable from ring 3 only if both have
;   R/W=1.  Ring 0 may write read-only pages unless CR0.WP=1.  The CPU sets
;   the Accessed bit of the PDE and PTE it uses, and the Dirty bit of the PTE
;   on a write.  Changed entries must be flushed from the TLB (INVLPG or a
;   CR3 reload).  With CR4.PSE (Pentium), a PDE with PS=1 maps 4 MiB directly.
;
; CPU generations: CR0.WP and INVLPG arrived with the 486 (detected by the
; EFLAGS.AC flag), 4 MiB pages with the Pentium (CPUID.01h:EDX bit 3).  The
; checks a CPU cannot run print "SKIP name (reason)" and are not counted.
;
; Every check prints "PASS name" / "FAIL name expected ... got ..." on port
; 0xE9, and the run ends with "DONE n passed m failed".
; =============================================================================

%include "pmtest.inc"

PD              equ     0x200000        ; page directory
PT0             equ     0x201000        ; 0-4 MiB: identity, user, writable
PT1             equ     0x202000        ; 4-8 MiB: the test pages below
PT2             equ     0x203000        ; 8-12 MiB: under a supervisor PDE
PT5             equ     0x204000        ; 20-24 MiB: accessed/dirty test

PG_P            equ     0x001
PG_RW           equ     0x002
PG_US           equ     0x004
PG_A            equ     0x020
PG_D            equ     0x040
PG_PS           equ     0x080

PAGE_SUP        equ     0x400000        ; supervisor, writable
PAGE_RO         equ     0x401000        ; user, read-only
PAGE_NP         equ     0x402000        ; not present
PAGE_REMAP      equ     0x404000        ; remapped for the INVLPG test
PHYS_A          equ     0x600000        ;   first target
PHYS_B          equ     0x601000        ;   second target
PAGE_SUPDIR     equ     0x800000        ; user PTE under a supervisor PDE
PAGE_NOPDE      equ     0x1000000       ; its PDE is not present
PAGE_AD         equ     0x1400000       ; accessed/dirty test page
BIG_LIN         equ     0x0C00000       ; 4 MiB page (PDE 3) ...
BIG_PHYS        equ     0x1000000       ; ... mapped to 16 MiB, user, RO

        GDT_BEGIN
        GDT_END

has_pse         equ     scratch_vars + 0
is_486          equ     scratch_vars + 4        ; CR0.WP and INVLPG exist

tests_main:
        call    build_page_tables
        mov     dword [PHYS_A], 0xAAAA0001
        mov     dword [PHYS_B], 0xBBBB0002
        mov     dword [BIG_PHYS + 0x1234], 0x4D4D4D4D
        mov     dword [PAGE_RO + 0x10], 0x0F0F0F0F
        call    detect_486
        call    detect_pse
        cmp     dword [has_pse], 0
        je      .no_pse_yet
        mov     eax, cr4
        or      eax, 0x10                       ; CR4.PSE
        mov     cr4, eax
        mov     dword [PD + (BIG_LIN >> 22)*4], BIG_PHYS | PG_PS | PG_US | PG_P
.no_pse_yet:
        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000                 ; CR0.PG (WP stays 0)
        mov     cr0, eax
        jmp     .paging
.paging:

; =============================================================================
; 1. Not-present pages: P=0 in the error code, W/R and U/S tell the access
; =============================================================================
        ; Rule: a present page is simply accessed.
        TEST    "present-page-read-ok"
        EXPECT_NO_FAULT mov eax, [PAGE_SUP + 0x10]

        ; Rule: supervisor read of a not-present page -> #PF(0), CR2 = addr.
        TEST    "np-r0-read-pf0"
        EXPECT_FAULT 14, 0, mov eax, [PAGE_NP + 0xABC]
        mov     eax, cr2
        CHECK_EQ "np-r0-read-cr2", eax, PAGE_NP + 0xABC
        ; Rule: supervisor write -> #PF(2).
        TEST    "np-r0-write-pf2"
        EXPECT_FAULT 14, 2, mov [PAGE_NP + 0x124], eax
        mov     eax, cr2
        CHECK_EQ "np-r0-write-cr2", eax, PAGE_NP + 0x124
        ; Rule: user read -> #PF(4).
        TEST    "np-r3-read-pf4"
        EXPECT_FAULT_R3 14, 4, mov eax, [PAGE_NP + 0x8]
        mov     eax, cr2
        CHECK_EQ "np-r3-read-cr2", eax, PAGE_NP + 0x8
        ; Rule: user write -> #PF(6).
        TEST    "np-r3-write-pf6"
        EXPECT_FAULT_R3 14, 6, mov [PAGE_NP + 0xFFC], eax
        mov     eax, cr2
        CHECK_EQ "np-r3-write-cr2", eax, PAGE_NP + 0xFFC
        ; Rule: a not-present PDE is reported the same way (P=0).
        TEST    "np-pde-r0-read-pf0"
        EXPECT_FAULT 14, 0, mov eax, [PAGE_NOPDE + 0x10]
        mov     eax, cr2
        CHECK_EQ "np-pde-r0-read-cr2", eax, PAGE_NOPDE + 0x10

; =============================================================================
; 2. User/supervisor and read/write protection
; =============================================================================
        ; Rule: ring 0 may read and write a supervisor page.
        TEST    "sup-page-r0-write-ok"
        EXPECT_NO_FAULT mov [PAGE_SUP + 0x20], eax
        ; Rule: ring 3 on a supervisor page -> #PF(5) read, #PF(7) write.
        TEST    "sup-page-r3-read-pf5"
        EXPECT_FAULT_R3 14, 5, mov eax, [PAGE_SUP + 0x30]
        mov     eax, cr2
        CHECK_EQ "sup-page-r3-read-cr2", eax, PAGE_SUP + 0x30
        TEST    "sup-page-r3-write-pf7"
        EXPECT_FAULT_R3 14, 7, mov [PAGE_SUP + 0x40], eax

        ; Rule: ring 3 may read a user read-only page ...
        TEST    "ro-page-r3-read-ok"
        EXPECT_NO_FAULT_R3 mov ebx, [PAGE_RO + 0x10]
        CHECK_EQ "ro-page-r3-read-value", [fault_ebx], 0x0F0F0F0F
        ; ... but a write -> #PF(7).
        TEST    "ro-page-r3-write-pf7"
        EXPECT_FAULT_R3 14, 7, mov [PAGE_RO + 0x10], eax
        mov     eax, cr2
        CHECK_EQ "ro-page-r3-write-cr2", eax, PAGE_RO + 0x10

        ; Rule: a user PTE under a supervisor PDE is a supervisor page.
        TEST    "sup-pde-r0-read-ok"
        EXPECT_NO_FAULT mov eax, [PAGE_SUPDIR]
        TEST    "sup-pde-r3-read-pf5"
        EXPECT_FAULT_R3 14, 5, mov eax, [PAGE_SUPDIR]

; =============================================================================
; 3. CR0.WP: supervisor writes to read-only pages (486 and later)
; =============================================================================
        cmp     dword [is_486], 0
        jne     .wp
        SKIP    "wp0-r0-write-ro-ok (386: no CR0.WP)"
        SKIP    "wp1-r0-write-ro-pf3 (386: no CR0.WP)"
        SKIP    "wp1-r0-write-rw-ok (386: no CR0.WP)"
        jmp     .wp_done
.wp:
        ; Rule: with WP=0, ring 0 writes read-only pages freely.
        TEST    "wp0-r0-write-ro-ok"
        mov     eax, 0x12345678
        EXPECT_NO_FAULT mov [PAGE_RO + 0x20], eax
        CHECK_EQ "wp0-r0-write-ro-stored", [PAGE_RO + 0x20], 0x12345678
        ; Rule: with WP=1 the same write -> #PF(3) (present, write, CPL 0).
        mov     eax, cr0
        or      eax, 0x00010000                 ; CR0.WP
        mov     cr0, eax
        TEST    "wp1-r0-write-ro-pf3"
        EXPECT_FAULT 14, 3, mov [PAGE_RO + 0x24], eax
        mov     eax, cr2
        CHECK_EQ "wp1-r0-write-ro-cr2", eax, PAGE_RO + 0x24
        ; Rule: WP does not affect writable pages.
        TEST    "wp1-r0-write-rw-ok"
        EXPECT_NO_FAULT mov [PAGE_SUP + 0x24], eax
        mov     eax, cr0
        and     eax, ~0x00010000
        mov     cr0, eax
.wp_done:

; =============================================================================
; 4. Accessed and dirty bits
; =============================================================================
        ; Rule: the CPU sets A in the PDE and PTE on the first access and D
        ; in the PTE on the first write; a read leaves D clear.
        mov     eax, cr3
        mov     cr3, eax                        ; nothing cached for PAGE_AD
        CHECK_MASK "ad-bits-clear-before", [PT5], PG_A | PG_D, 0
        CHECK_MASK "ad-pde-accessed-clear-before", [PD + (PAGE_AD >> 22)*4], PG_A, 0
        mov     eax, [PAGE_AD]
        CHECK_MASK "ad-read-sets-pte-accessed", [PT5], PG_A, PG_A
        CHECK_MASK "ad-read-sets-pde-accessed", [PD + (PAGE_AD >> 22)*4], PG_A, PG_A
        CHECK_MASK "ad-read-leaves-dirty-clear", [PT5], PG_D, 0
        mov     [PAGE_AD], eax
        CHECK_MASK "ad-write-sets-pte-dirty", [PT5], PG_D, PG_D

; =============================================================================
; 5. TLB maintenance: INVLPG and CR3 reload
; =============================================================================
        ; Whether the CPU keeps using a stale entry before the flush is
        ; model-specific, so only the state after the flush is checked.
        ; Rule: after changing a PTE, reloading CR3 flushes the (non-global)
        ; TLB: the CPU uses the new entry.
        mov     eax, [PAGE_REMAP]                       ; now cached: PHYS_A
        CHECK_EQ "remap-initial-target", eax, 0xAAAA0001
        mov     dword [PT1 + ((PAGE_REMAP >> 12) & 0x3FF)*4], PHYS_B | PG_US | PG_RW | PG_P
        mov     eax, cr3
        mov     cr3, eax
        mov     eax, [PAGE_REMAP]
        CHECK_EQ "cr3-reload-sees-new-target", eax, 0xBBBB0002

        cmp     dword [is_486], 0
        jne     .invlpg
        SKIP    "invlpg-sees-new-target (386: no INVLPG)"
        SKIP    "invlpg-sees-not-present-pf0 (386: no INVLPG)"
        SKIP    "r3-invlpg-gp0 (386: no INVLPG)"
        jmp     .invlpg_done
.invlpg:
        ; Rule: INVLPG of one address (486+) does the same for that page.
        mov     dword [PT1 + ((PAGE_REMAP >> 12) & 0x3FF)*4], PHYS_A | PG_US | PG_RW | PG_P
        invlpg  [PAGE_REMAP]
        mov     eax, [PAGE_REMAP]
        CHECK_EQ "invlpg-sees-new-target", eax, 0xAAAA0001
        ; Rule: after clearing P and INVLPG, the access faults -> #PF(0).
        mov     dword [PT1 + ((PAGE_REMAP >> 12) & 0x3FF)*4], 0
        invlpg  [PAGE_REMAP]
        TEST    "invlpg-sees-not-present-pf0"
        EXPECT_FAULT 14, 0, mov eax, [PAGE_REMAP]
        mov     dword [PT1 + ((PAGE_REMAP >> 12) & 0x3FF)*4], PHYS_A | PG_US | PG_RW | PG_P
        invlpg  [PAGE_REMAP]
        ; Rule: INVLPG is privileged: at ring 3 -> #GP(0).
        TEST    "r3-invlpg-gp0"
        EXPECT_FAULT_R3 13, 0, invlpg [PAGE_REMAP]
.invlpg_done:

; =============================================================================
; 6. 4 MiB pages (CR4.PSE, Pentium and later)
; =============================================================================
        cmp     dword [has_pse], 0
        jne     .pse
        SKIP    "pse-4m-read (no CPUID.01h:EDX.PSE)"
        SKIP    "pse-4m-r3-write-pf7 (no CPUID.01h:EDX.PSE)"
        SKIP    "pse-4m-dirty (no CPUID.01h:EDX.PSE)"
        jmp     .pse_done
.pse:
        ; Rule: with CR4.PSE=1 a PDE with PS=1 maps 4 MiB: linear bits 21..0
        ; are the offset into the physical 4 MiB frame.
        mov     eax, [BIG_LIN + 0x1234]
        CHECK_EQ "pse-4m-read", eax, 0x4D4D4D4D
        ; Rule: the PDE's own U/S and R/W apply: user RO -> ring-3 write
        ; -> #PF(7) with CR2 = the address.
        TEST    "pse-4m-r3-write-pf7"
        EXPECT_FAULT_R3 14, 7, mov [BIG_LIN + 0x1238], eax
        mov     eax, cr2
        CHECK_EQ "pse-4m-r3-write-cr2", eax, BIG_LIN + 0x1238
        ; Rule: for a 4 MiB page the Accessed and Dirty bits live in the PDE.
        mov     [BIG_LIN + 0x123C], eax         ; ring 0, WP=0: allowed
        CHECK_MASK "pse-4m-dirty", [PD + (BIG_LIN >> 22)*4], PG_A | PG_D, PG_A | PG_D
.pse_done:

        FINISH

; -----------------------------------------------------------------------------
; build_page_tables: see the PAGE_* constants above.  All entries start with
; A = D = 0.
; -----------------------------------------------------------------------------
build_page_tables:
        pushad
        mov     edi, PD                         ; clear PD and the 4 tables
        mov     ecx, 5 * 1024
        xor     eax, eax
        rep     stosd
        ; PT0: identity map 0-4 MiB, user, writable
        mov     edi, PT0
        mov     eax, PG_US | PG_RW | PG_P
        mov     ecx, 1024
.pt0:
        stosd
        add     eax, 0x1000
        loop    .pt0
        mov     dword [PD + 0*4], PT0 | PG_US | PG_RW | PG_P
        ; PT1: 4-8 MiB, only the test pages
        mov     dword [PD + 1*4], PT1 | PG_US | PG_RW | PG_P
        mov     dword [PT1 + 0*4], PAGE_SUP | PG_RW | PG_P
        mov     dword [PT1 + 1*4], PAGE_RO | PG_US | PG_P
        mov     dword [PT1 + 2*4], 0                            ; PAGE_NP
        mov     dword [PT1 + 4*4], PHYS_A | PG_US | PG_RW | PG_P   ; PAGE_REMAP
        ; PT2: 8-12 MiB under a supervisor PDE; the PTE itself says user
        mov     dword [PD + 2*4], PT2 | PG_RW | PG_P
        mov     dword [PT2 + 0*4], PAGE_SUPDIR | PG_US | PG_RW | PG_P
        ; PT5: 20-24 MiB, the accessed/dirty page
        mov     dword [PD + 5*4], PT5 | PG_US | PG_RW | PG_P
        mov     dword [PT5 + 0*4], PAGE_AD | PG_US | PG_RW | PG_P
        popad
        ret

; detect_486: is_486 = 1 if EFLAGS.AC (bit 18) can be set -- a 386 keeps
; it 0.  The 486 added CR0.WP and INVLPG.
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
        popfd                                   ; restore EFLAGS
        xor     eax, ecx
        test    eax, 0x00040000
        jz      .done
        mov     dword [is_486], 1
.done:
        popad
        ret

; detect_pse: has_pse = 1 if CPUID exists and CPUID.01h:EDX bit 3 is set
detect_pse:
        pushad
        mov     dword [has_pse], 0
        pushfd                                  ; can EFLAGS.ID be toggled?
        pop     eax
        mov     ecx, eax
        xor     eax, EFLAGS_ID
        push    eax
        popfd
        pushfd
        pop     eax
        push    ecx
        popfd
        xor     eax, ecx
        test    eax, EFLAGS_ID
        jz      .done                           ; no CPUID instruction
        xor     eax, eax
        cpuid
        cmp     eax, 1
        jb      .done
        mov     eax, 1
        cpuid
        test    edx, 0x8                        ; PSE
        jz      .done
        mov     dword [has_pse], 1
.done:
        popad
        ret

        ROM_END
