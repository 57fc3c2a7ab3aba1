; =============================================================================
; Lesson 9 -- hardware task switching                         (docs/lessons/09-tasks.md)
;
; A task is the state in a TSS.  A far JMP or CALL to a TSS descriptor (or
; to a task gate that names one), an INT through a task gate, and an IRET
; with EFLAGS.NT = 1 switch tasks: the CPU writes the registers into the
; current TSS, loads every register -- segment registers, EFLAGS, EIP, the
; LDT, CR3 with paging -- from the new one, and sets CR0.TS
; (SDM vol. 3, 7.3).  The busy bit in the TSS descriptor keeps a task from
; being entered twice:
;     JMP          old task not busy, new task busy;
;     CALL / INT   old task stays busy, new TSS's link := old TR, NT := 1;
;     IRET, NT=1   back to the link task; the task left becomes not busy.
; Because the whole state comes from the TSS, the new task runs at whatever
; CPL its CS says -- a DPL-3 task gate lets ring 3 start a ring-0 task.
;
; Set-up (testroms/pmtest.inc): 32-bit protected mode at ring 0; the main
; task's TSS (selector 0028h) is loaded in TR.  This lesson adds tasks B and
; C (ring 0, own stacks) and task gates.
;
; Marks (labels the walk-through stops at; `pcemu lesson 9`):
;   jmp_to_b          JMP 0040h:0 -- to task B's TSS
;   task_b_entry      task B runs, with the registers from its TSS
;   b_jmp_back        task B JMPs back to the main task
;   call_to_c         CALL 0048h:0 -- a nested task
;   task_c_entry      task C: NT = 1, link = 0028h
;   c_iret            IRET with NT = 1: back to the caller
;   jmp_busy          JMP to the busy main TSS: #GP(0028h)
;   jmp_small         a TSS whose limit is below 67h: #TS(sel)
;   jmp_tg_ldt        JMP through a task gate whose TSS selector has TI = 1
;                     (the LDT): #GP(TSS selector), TSS descriptors are GDT-only
;   r3_call_tg3       ring 3 CALLs a DPL-3 task gate: task C at ring 0
;   r3_call_tg0       ring 3 CALLs a DPL-0 task gate: #GP(sel)
;   jmp_data_cs       JMP to a TSS whose CS is a data segment: #TS(CS) in
;                     the new task, which is already committed
;   jmp_np            JMP to a TSS that is not present: #NP(sel), old task
;   jmp_bad_ds        JMP to a TSS whose DS names a TSS: #TS(DS) in the
;                     new task, after its CS and SS were loaded
;
; Output: "PASS name" / "FAIL name expected ... got ..." per check on port
; 0xE9, then "DONE n passed m failed".  Assemble with testroms/build.sh.
; =============================================================================

%include "pmtest.inc"
%include "lesson.inc"

TSS_B_BASE      equ     0x8000
TSS_C_BASE      equ     0x8100
TSS_S_BASE      equ     0x8200
TSS_D_BASE      equ     0x8300
TSS_E_BASE      equ     0x8400
TASK_B_STACK    equ     0x9E000
TASK_C_STACK    equ     0x9D000
TASK_D_STACK    equ     0x9C000
TASK_E_STACK    equ     0x9B000
TSS_BUSY        equ     0x8B            ; access byte: P, type 1011 (busy 32-bit TSS)
TSS_AVAIL       equ     0x89            ; access byte: P, type 1001 (available)

        GDT_BEGIN
        DESC    SEL_TSS_B, TSS_B_BASE, 0x67, ACC_P|T_TSS32, 0           ; 0040h
        DESC    SEL_TSS_C, TSS_C_BASE, 0x67, ACC_P|T_TSS32, 0           ; 0048h
        DESC    SEL_TSS_SMALL, TSS_S_BASE, 0x50, ACC_P|T_TSS32, 0       ; limit < 67h
        TASKGATE SEL_TG3, SEL_TSS_C, ACC_P|ACC_DPL3|T_TASKGATE
        TASKGATE SEL_TG0, SEL_TSS_C, ACC_P|ACC_DPL0|T_TASKGATE
        DESC    SEL_TSS_D, TSS_D_BASE, 0x67, ACC_P|T_TSS32, 0           ; 0068h
        DESC    SEL_TSS_NP, TSS_S_BASE, 0x67, T_TSS32, 0                ; 0070h, P = 0
        DESC    SEL_TSS_E, TSS_E_BASE, 0x67, ACC_P|T_TSS32, 0           ; 0078h
        TASKGATE SEL_TG_LDT, SEL_TSS_C | 4, ACC_P|ACC_DPL0|T_TASKGATE  ; 0080h: TI = 1
        GDT_END

t_tr            equ     scratch_vars + 0        ; what a task saw on entry
t_eax           equ     scratch_vars + 4
t_esp           equ     scratch_vars + 8
t_flags         equ     scratch_vars + 12
t_link          equ     scratch_vars + 16
t_own_acc       equ     scratch_vars + 20
t_main_acc      equ     scratch_vars + 24
t_cr0           equ     scratch_vars + 28
t_cs            equ     scratch_vars + 32
r_cs_after      equ     scratch_vars + 36

tests_main:
        SAY     "lesson 9: task switching"
        mov     edi, TSS_B_BASE
        mov     eax, task_b_entry
        mov     ebx, TASK_B_STACK
        mov     edx, 0xB0B0B0B0
        call    make_task_tss
        mov     edi, TSS_S_BASE
        call    make_task_tss
        call    init_task_c
        movzx   eax, byte [GDT_BASE + SEL_TSS + 5]
        CHECK_EQ "main-tss-busy-since-ltr", eax, TSS_BUSY

; -----------------------------------------------------------------------------
; 1. JMP to a TSS.  Task B gets its registers from TSS B; the main task's go
;    to the main TSS and come back when B jumps back.
; -----------------------------------------------------------------------------
        mov     ebx, 0x1234ABCD                 ; main's registers survive
        mov     esi, 0x5A5A5A5A                 ; in the main TSS
jmp_to_b:
        jmp     SEL_TSS_B:0                     ; the offset is ignored
        clts
        CHECK_EQ "jmp-task-b-eax-from-its-tss", [t_eax], 0xB0B0B0B0
        CHECK_EQ "jmp-task-b-esp-from-its-tss", [t_esp], TASK_B_STACK
        CHECK_EQ "jmp-task-b-tr", [t_tr], SEL_TSS_B
        CHECK_EQ "jmp-task-b-busy", [t_own_acc], TSS_BUSY
        CHECK_EQ "jmp-left-main-not-busy", [t_main_acc], TSS_AVAIL
        CHECK_MASK "jmp-task-b-nt-clear", [t_flags], EFLAGS_NT, 0
        CHECK_MASK "task-switch-sets-cr0-ts", [t_cr0], 8, 8
        CHECK_EQ "main-ebx-restored-from-main-tss", ebx, 0x1234ABCD
        CHECK_EQ "main-esi-restored-from-main-tss", esi, 0x5A5A5A5A
        movzx   eax, byte [GDT_BASE + SEL_TSS_B + 5]
        CHECK_EQ "b-left-by-jmp-not-busy", eax, TSS_AVAIL

; -----------------------------------------------------------------------------
; 2. CALL to a TSS: nesting.  C sees NT = 1 and its link field = 0028h; the
;    main task stays busy; C's IRET follows the link back.
; -----------------------------------------------------------------------------
        mov     ebx, 0x600DCA11
call_to_c:
        call    SEL_TSS_C:0
        clts
        CHECK_EQ "call-task-c-tr", [t_tr], SEL_TSS_C
        CHECK_EQ "call-task-c-eax-from-its-tss", [t_eax], 0xC0C0C0C0
        CHECK_MASK "call-task-c-nt-set", [t_flags], EFLAGS_NT, EFLAGS_NT
        CHECK_EQ "call-task-c-link-is-main-tss", [t_link], SEL_TSS
        CHECK_EQ "call-main-stays-busy", [t_main_acc], TSS_BUSY
        CHECK_EQ "iret-back-main-ebx-restored", ebx, 0x600DCA11
        movzx   eax, byte [GDT_BASE + SEL_TSS_C + 5]
        CHECK_EQ "iret-back-c-not-busy", eax, TSS_AVAIL
        pushfd
        pop     eax
        CHECK_MASK "iret-back-main-nt-clear", eax, EFLAGS_NT, 0

; -----------------------------------------------------------------------------
; 3. A task may not be entered while busy; a TSS must be at least 68h bytes;
;    a TSS descriptor lives only in the GDT, so a task gate's TSS selector
;    must have TI = 0.
; -----------------------------------------------------------------------------
        TEST    "jmp-to-busy-main-tss-gp"
        FAULT_AT jmp_busy, 13, SEL_TSS, jmp SEL_TSS:0
        TEST    "tss-limit-below-67h-ts"
        FAULT_AT jmp_small, 10, SEL_TSS_SMALL, jmp SEL_TSS_SMALL:0
        TEST    "task-gate-naming-an-ldt-selector-gp"
        FAULT_AT jmp_tg_ldt, 13, SEL_TSS_C | 4, jmp SEL_TG_LDT:0
        str     ax
        movzx   eax, ax
        CHECK_EQ "failed-switch-keeps-tr", eax, SEL_TSS

; -----------------------------------------------------------------------------
; 4. Task gates from ring 3: the gate's DPL decides who may use it, the new
;    task's TSS decides its privilege.  Ring 3 enters task C, which runs at
;    ring 0, and C's IRET returns to ring 3.
; -----------------------------------------------------------------------------
        call    init_task_c
        TEST    "ring3-call-dpl3-task-gate-runs-task-c"
        RUN_R3  r3_tg3
        CHECK_FAULT NONE, ANY, ANY
        clts
        CHECK_EQ "task-c-runs-at-ring0-cs-0008", [t_cs], SEL_KCODE
        CHECK_EQ "task-c-link-is-main-tss", [t_link], SEL_TSS
        CHECK_EQ "back-in-ring3-after-iret", [r_cs_after], SEL_UCODE | 3
        TEST    "ring3-call-dpl0-task-gate-gp"
        RUN_R3  r3_tg0
        CHECK_FAULT 13, SEL_TG0, r3_call_tg0

; -----------------------------------------------------------------------------
; 5. Past the commit point a fault belongs to the new task.  TSS D is sound
;    (available, limit 67h) but its CS field names the flat data segment.
;    The CPU checks CS only after it has saved the main task, cleared main's
;    busy bit, made D busy, loaded TR, EIP, EFLAGS and the registers from
;    TSS D: that is the commit point (SDM vol. 3, 7.3).  So the #TS(0010h)
;    is raised in task D: the CS:EIP it saves are D's (0010h:task_d_entry),
;    not the JMP's, on D's stack.  The main task is left available, so a JMP
;    back to it resumes it after its JMP.
; -----------------------------------------------------------------------------
        mov     edi, TSS_D_BASE
        mov     eax, task_d_entry
        mov     ebx, TASK_D_STACK
        mov     edx, 0xD0D0D0D0
        call    make_task_tss
        mov     dword [TSS_D_BASE + 0x4C], SEL_KDATA    ; CS := a data segment
        mov     ebx, 0x0BADC0DE                         ; main's, kept in its TSS
        TEST    "jmp-tss-with-data-cs-ts-in-new-task"
        ARM_PUSHED data_cs_fault
        mov     word [exp_cs], SEL_KDATA                ; saved CS: task D's
jmp_data_cs:
        jmp     SEL_TSS_D:0
        jmp     back_in_main                            ; main resumes here
data_cs_fault:
        lea     esp, [esp+4]                            ; drop the DS slot
        mov     [t_eax], eax                            ; EAX as the fault found it
        CHECK_FAULT 10, SEL_KDATA, task_d_entry
        str     ax
        movzx   eax, ax
        CHECK_EQ "fault-after-commit-runs-in-task-d", eax, SEL_TSS_D
        CHECK_EQ "fault-after-commit-registers-from-tss-d", [t_eax], 0xD0D0D0D0
        movzx   eax, byte [GDT_BASE + SEL_TSS + 5]
        CHECK_EQ "fault-after-commit-main-left-available", eax, TSS_AVAIL
        jmp     SEL_TSS:0                               ; back to the main task
back_in_main:
        str     ax
        movzx   eax, ax
        CHECK_EQ "jmp-back-to-main-after-fault", eax, SEL_TSS
        CHECK_EQ "main-ebx-kept-across-faulting-switch", ebx, 0x0BADC0DE

; -----------------------------------------------------------------------------
; 6. Before the commit point the old task takes the fault; after it, the new
;    one.  A TSS descriptor that is not present is refused before anything
;    is saved: #NP(0070h) in the main task.  TSS E is sound and so are its
;    CS and SS, but its DS names a TSS descriptor -- neither data nor
;    readable code: #TS(0028h), raised in task E, which already runs on its
;    own CS:EIP and stack.
; -----------------------------------------------------------------------------
        TEST    "jmp-to-not-present-tss-np"
        FAULT_AT jmp_np, 11, SEL_TSS_NP, jmp SEL_TSS_NP:0
        mov     edi, TSS_E_BASE
        mov     eax, task_e_entry
        mov     ebx, TASK_E_STACK
        mov     edx, 0xE0E0E0E0
        call    make_task_tss
        mov     dword [TSS_E_BASE + 0x54], SEL_TSS      ; DS := a TSS descriptor
        TEST    "jmp-tss-with-tss-as-ds-ts-in-new-task"
        ARM_PUSHED bad_ds_fault
jmp_bad_ds:
        jmp     SEL_TSS_E:0
        jmp     back_from_e                             ; main resumes here
bad_ds_fault:
        lea     esp, [esp+4]                            ; drop the DS slot
        CHECK_FAULT 10, SEL_TSS, task_e_entry           ; saved CS = 0008h
        str     ax
        movzx   eax, ax
        CHECK_EQ "bad-ds-fault-runs-in-task-e", eax, SEL_TSS_E
        jmp     SEL_TSS:0                               ; back to the main task
back_from_e:
        str     ax
        movzx   eax, ax
        CHECK_EQ "jmp-back-to-main-after-bad-ds", eax, SEL_TSS

        FINISH

; -----------------------------------------------------------------------------
; Ring-3 code (each ends with INT 30h)
; -----------------------------------------------------------------------------
r3_tg3:
r3_call_tg3:
        call    SEL_TG3 | 3:0                   ; a task switch from ring 3
        mov     ax, cs
        movzx   eax, ax
        mov     [r_cs_after], eax
        int     EXIT_VEC

r3_tg0:
r3_call_tg0:
        call    SEL_TG0 | 3:0                   ; gate DPL 0 < CPL 3: #GP
        int     EXIT_VEC

; -----------------------------------------------------------------------------
; The tasks.  Their saved EIP points after the switch back, so the next entry
; (without re-initialising the TSS) loops to the top.
; -----------------------------------------------------------------------------
task_b_entry:
        mov     [t_eax], eax
        mov     [t_esp], esp
        call    record_task_state
        movzx   eax, byte [GDT_BASE + SEL_TSS_B + 5]
        mov     [t_own_acc], eax
b_jmp_back:
        jmp     SEL_TSS:0                       ; back to the main task
        jmp     task_b_entry

task_d_entry:                                   ; never runs: its CS is data
        hlt

task_e_entry:                                   ; never runs: its DS is bad
        hlt

task_c_entry:
        mov     [t_eax], eax
        call    record_task_state
        movzx   eax, byte [GDT_BASE + SEL_TSS_C + 5]
        mov     [t_own_acc], eax
        movzx   eax, word [TSS_C_BASE + 0]      ; the link field
        mov     [t_link], eax
c_iret:
        iretd                                   ; NT = 1: task return
        jmp     task_c_entry

; record_task_state: t_tr, t_flags, t_cr0, t_cs, t_main_acc
record_task_state:
        pushfd
        pop     dword [t_flags]
        str     ax
        movzx   eax, ax
        mov     [t_tr], eax
        mov     eax, cr0
        mov     [t_cr0], eax
        mov     ax, cs
        movzx   eax, ax
        mov     [t_cs], eax
        movzx   eax, byte [GDT_BASE + SEL_TSS + 5]
        mov     [t_main_acc], eax
        ret

init_task_c:
        pushad
        mov     edi, TSS_C_BASE
        mov     eax, task_c_entry
        mov     ebx, TASK_C_STACK
        mov     edx, 0xC0C0C0C0
        call    make_task_tss
        popad
        ret

; make_task_tss: EDI = TSS base, EAX = EIP, EBX = ESP, EDX = EAX of the task.
;   A ring-0 task: CS = 0008h, the other segment registers 0010h, IF = 0.
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

        ROM_END
