; =============================================================================
; pm-tasks.asm -- hardware task switching through TSS descriptors and task
;                 gates
;
; What this ROM teaches
;   A far JMP or CALL whose selector names a TSS descriptor (or a task gate
;   pointing at one), an INT through a task gate, and an IRET with EFLAGS.NT
;   set, all switch tasks: the CPU saves the current registers into the
;   current TSS, loads every register from the new TSS, and sets CR0.TS.
;   The TSS descriptor's "busy" bit marks tasks that are running or nested:
;     JMP  : old task not busy, new task busy, no link.
;     CALL / INT : old task stays busy, new task busy, new TSS's link field
;            := old TSS selector, NT := 1 in the new task.
;     IRET with NT=1 : back to the link task (which must be busy); the task
;            being left becomes not busy.
;   A busy target of JMP/CALL -> #GP(TSS selector); a TSS whose limit is
;   below 0x67 -> #TS(TSS selector); not present -> #NP(TSS selector).
;
; Every check prints "PASS name" / "FAIL name expected ... got ..." on port
; 0xE9, and the run ends with "DONE n passed m failed".
; =============================================================================

%include "pmtest.inc"

TSS_B_BASE      equ     0x8000          ; task B (reached by JMP)
TSS_C_BASE      equ     0x8100          ; task C (reached by CALL/INT)
TSS_S_BASE      equ     0x8200          ; a TSS with a too-small limit
TASK_B_STACK    equ     0x9E000
TASK_C_STACK    equ     0x9D000
V_TASK          equ     0x50            ; IDT task gate -> task C

TSS_BUSY        equ     0x8B            ; access byte: P, type 1011
TSS_AVAIL       equ     0x89            ; access byte: P, type 1001

        GDT_BEGIN
        DESC    SEL_TSS_B, TSS_B_BASE, 0x67, ACC_P|T_TSS32, 0
        DESC    SEL_TSS_C, TSS_C_BASE, 0x67, ACC_P|T_TSS32, 0
        DESC    SEL_TSS_SMALL, TSS_S_BASE, 0x60, ACC_P|T_TSS32, 0   ; < 0x67
        DESC    SEL_TSS_NP, TSS_B_BASE, 0x67, T_TSS32, 0            ; P=0
        TASKGATE SEL_TG_C, SEL_TSS_C, ACC_P|ACC_DPL0|T_TASKGATE
        GDT_END

; variables written by the tasks
t_tr            equ     scratch_vars + 0        ; TR inside the task
t_eax           equ     scratch_vars + 4        ; EAX on entry
t_flags         equ     scratch_vars + 8        ; EFLAGS on entry
t_cr0           equ     scratch_vars + 12
t_link          equ     scratch_vars + 16       ; link field of its TSS
t_own_acc       equ     scratch_vars + 20       ; its TSS descriptor access
t_main_acc      equ     scratch_vars + 24       ; main TSS descriptor access
t_esp           equ     scratch_vars + 28
t_runs          equ     scratch_vars + 32

; make_task_tss: EDI = TSS base, EAX = EIP, EBX = ESP, EDX = initial EAX
make_task_tss:
        push    eax
        push    ecx
        push    edi
        push    eax
        xor     eax, eax
        mov     ecx, 0x68
        rep     stosb
        pop     eax
        pop     edi
        mov     [edi + 0x20], eax                       ; EIP
        mov     dword [edi + 0x24], 0x00000002          ; EFLAGS
        mov     [edi + 0x28], edx                       ; EAX
        mov     [edi + 0x38], ebx                       ; ESP
        mov     dword [edi + 0x4C], SEL_KCODE           ; CS
        mov     dword [edi + 0x48], SEL_KDATA           ; ES
        mov     dword [edi + 0x50], SEL_KDATA           ; SS
        mov     dword [edi + 0x54], SEL_KDATA           ; DS
        mov     dword [edi + 0x58], SEL_KDATA           ; FS
        mov     dword [edi + 0x5C], SEL_KDATA           ; GS
        mov     word [edi + 0x66], 0x68                 ; no I/O bitmap
        pop     ecx
        pop     eax
        ret

tests_main:
        mov     edi, TSS_B_BASE
        mov     eax, task_b_entry
        mov     ebx, TASK_B_STACK
        mov     edx, 0xB0B0B0B0
        call    make_task_tss
        mov     edi, TSS_C_BASE
        mov     eax, task_c_entry
        mov     ebx, TASK_C_STACK
        mov     edx, 0xC0C0C0C0
        call    make_task_tss
        mov     edi, TSS_S_BASE
        mov     eax, task_b_entry
        mov     ebx, TASK_B_STACK
        call    make_task_tss
        ; IDT vector V_TASK: task gate to task C
        mov     word [IDT_BASE + V_TASK*8 + 0], 0
        mov     word [IDT_BASE + V_TASK*8 + 2], SEL_TSS_C
        mov     byte [IDT_BASE + V_TASK*8 + 4], 0
        mov     byte [IDT_BASE + V_TASK*8 + 5], ACC_P|ACC_DPL0|T_TASKGATE
        mov     word [IDT_BASE + V_TASK*8 + 6], 0

        CHECK_EQ "main-tss-busy-after-ltr", [GDT_BASE + SEL_TSS + 4], 0x00008B00

; =============================================================================
; 1. JMP to a TSS descriptor
; =============================================================================
        ; Rule: JMP to an available TSS switches tasks: state goes to the old
        ; TSS, comes from the new one; new TSS busy, old one no longer busy;
        ; no back link, NT stays 0; CR0.TS is set.  Task B jumps straight
        ; back, and the main task resumes after its JMP with its registers.
        TEST    "jmp-tss-no-fault"
        mov     ebx, 0x1234ABCD
        mov     esi, 0x5A5A5A5A
        EXPECT_NO_FAULT jmp SEL_TSS_B:0
        mov     eax, cr0
        clts
        CHECK_EQ "jmp-tss-main-ebx-restored", ebx, 0x1234ABCD
        CHECK_EQ "jmp-tss-main-esi-restored", esi, 0x5A5A5A5A
        CHECK_EQ "jmp-tss-task-eax-loaded", [t_eax], 0xB0B0B0B0
        CHECK_EQ "jmp-tss-task-esp-loaded", [t_esp], TASK_B_STACK
        CHECK_EQ "jmp-tss-task-tr", [t_tr], SEL_TSS_B
        CHECK_EQ "jmp-tss-new-busy", [t_own_acc], TSS_BUSY
        CHECK_EQ "jmp-tss-old-not-busy", [t_main_acc], TSS_AVAIL
        CHECK_MASK "jmp-tss-nt-clear", [t_flags], EFLAGS_NT, 0
        CHECK_EQ "jmp-tss-no-link", [t_link], 0
        CHECK_MASK "jmp-tss-sets-cr0-ts", [t_cr0], 0x8, 0x8
        CHECK_MASK "jmp-back-sets-cr0-ts", eax, 0x8, 0x8
        str     ax
        movzx   eax, ax
        CHECK_EQ "jmp-back-tr-main", eax, SEL_TSS
        CHECK_EQ "jmp-back-main-busy", [GDT_BASE + SEL_TSS + 4], 0x00008B00
        CHECK_EQ "jmp-back-b-not-busy", [GDT_BASE + SEL_TSS_B + 4], 0x00008900

; =============================================================================
; 2. CALL through a task gate, IRET back (nested task)
; =============================================================================
        ; Rule: CALL through a task gate: the old task stays busy, the new
        ; TSS gets link = old TSS selector, and the new task runs with NT=1.
        TEST    "call-taskgate-no-fault"
        mov     ebx, 0x600DCA11
        EXPECT_NO_FAULT call SEL_TG_C:0
        clts
        CHECK_EQ "call-taskgate-task-tr", [t_tr], SEL_TSS_C
        CHECK_EQ "call-taskgate-task-eax-loaded", [t_eax], 0xC0C0C0C0
        CHECK_MASK "call-taskgate-nt-set", [t_flags], EFLAGS_NT, EFLAGS_NT
        CHECK_EQ "call-taskgate-link", [t_link], SEL_TSS
        CHECK_EQ "call-taskgate-new-busy", [t_own_acc], TSS_BUSY
        CHECK_EQ "call-taskgate-old-stays-busy", [t_main_acc], TSS_BUSY
        ; Rule: IRET with NT=1 returns to the link task; the task left
        ; becomes not busy; the caller resumes with its own EFLAGS (NT=0).
        CHECK_EQ "iret-nt-back-ebx-restored", ebx, 0x600DCA11
        pushfd
        pop     eax
        CHECK_MASK "iret-nt-back-main-nt-clear", eax, EFLAGS_NT, 0
        str     ax
        movzx   eax, ax
        CHECK_EQ "iret-nt-back-tr-main", eax, SEL_TSS
        CHECK_EQ "iret-nt-back-c-not-busy", [GDT_BASE + SEL_TSS_C + 4], 0x00008900
        CHECK_EQ "iret-nt-back-main-busy", [GDT_BASE + SEL_TSS + 4], 0x00008B00

        ; Rule: INT n through an IDT task gate nests the same way.
        TEST    "int-taskgate-no-fault"
        mov     dword [t_runs], 0
        EXPECT_NO_FAULT int V_TASK
        clts
        CHECK_EQ "int-taskgate-ran-task-c", [t_runs], 1
        CHECK_MASK "int-taskgate-nt-set", [t_flags], EFLAGS_NT, EFLAGS_NT
        CHECK_EQ "int-taskgate-link", [t_link], SEL_TSS

; =============================================================================
; 3. Faulting task switches
; =============================================================================
        ; Rule: CALL (or JMP) to a busy TSS -> #GP(TSS selector).  The main
        ; task is busy: it is running.
        TEST    "call-busy-tss-gp"
        EXPECT_FAULT 13, SEL_TSS, call SEL_TSS:0
        TEST    "jmp-busy-tss-gp"
        EXPECT_FAULT 13, SEL_TSS, jmp SEL_TSS:0

        ; Rule: a 32-bit TSS must have a limit of at least 0x67 -> #TS(sel),
        ; raised in the old task, which keeps running (TR unchanged).
        TEST    "jmp-tss-limit-small-ts"
        EXPECT_FAULT 10, SEL_TSS_SMALL, jmp SEL_TSS_SMALL:0
        str     ax
        movzx   eax, ax
        CHECK_EQ "jmp-tss-limit-small-tr-kept", eax, SEL_TSS
        CHECK_EQ "jmp-tss-limit-small-not-busy", [GDT_BASE + SEL_TSS_SMALL + 4], 0x00008900

        ; Rule: a not-present TSS descriptor -> #NP(sel).
        TEST    "jmp-tss-not-present-np"
        EXPECT_FAULT 11, SEL_TSS_NP, jmp SEL_TSS_NP:0

        ; Rule: IRET with NT=1 needs a busy link task; here the link names
        ; the available TSS B -> #TS(link selector).
        TEST    "iret-nt-link-not-busy-ts"
        mov     word [TSS_BASE + 0], SEL_TSS_B          ; main's link field
        pushfd
        or      dword [esp], EFLAGS_NT
        popfd
        EXPECT_FAULT 10, SEL_TSS_B, iretd
        mov     word [TSS_BASE + 0], 0

        ; Rule: from ring 3, a TSS descriptor or task gate with DPL 0 may not
        ; be used: #GP(selector).
        TEST    "r3-jmp-tss-dpl0-gp"
        EXPECT_FAULT_R3 13, SEL_TSS_B, jmp SEL_TSS_B | 3:0
        TEST    "r3-call-taskgate-dpl0-gp"
        EXPECT_FAULT_R3 13, SEL_TG_C, call SEL_TG_C | 3:0

        FINISH

; =============================================================================
; The tasks.  Each records what it sees and switches back.  Their saved EIP
; points after the switch, so a second entry loops to the top.
; =============================================================================
task_b_entry:
        mov     [t_eax], eax
        mov     [t_esp], esp
        call    record_task_state
        movzx   eax, byte [GDT_BASE + SEL_TSS_B + 5]
        mov     [t_own_acc], eax
        movzx   eax, word [TSS_B_BASE + 0]
        mov     [t_link], eax
        clts
        jmp     SEL_TSS:0                       ; back to the main task
        jmp     task_b_entry

task_c_entry:
        mov     [t_eax], eax
        mov     [t_esp], esp
        call    record_task_state
        movzx   eax, byte [GDT_BASE + SEL_TSS_C + 5]
        mov     [t_own_acc], eax
        movzx   eax, word [TSS_C_BASE + 0]
        mov     [t_link], eax
        inc     dword [t_runs]
        clts
        iretd                                   ; NT=1: task return
        jmp     task_c_entry

; record_task_state: t_tr, t_flags, t_cr0, t_main_acc
record_task_state:
        pushfd
        pop     dword [t_flags]
        str     ax
        movzx   eax, ax
        mov     [t_tr], eax
        mov     eax, cr0
        mov     [t_cr0], eax
        movzx   eax, byte [GDT_BASE + SEL_TSS + 5]
        mov     [t_main_acc], eax
        ret

        ROM_END
