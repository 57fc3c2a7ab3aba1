import CPUInterpreter

/// The lessons of docs/lessons (ROMs and walk-throughs in testroms/lessons, embedded in
/// ROMImages): what each is called and which protection rules it makes both pass and fail
/// (LessonTests checks that each lesson really does).
struct LessonInfo: Sendable {
    let number: Int
    let slug: String
    let title: String
    /// One line: what the student sees happen.
    let teaches: String
    let rules: [Rule]

    var page: String { "docs/lessons/\(slug).md" }
    var source: String { "testroms/lessons/\(slug).asm" }
    var script: String { "testroms/lessons/\(slug).dbg" }
}

enum Lessons {
    static let all: [LessonInfo] = [
        LessonInfo(number: 1, slug: "01-protected-mode", title: "From real mode to protected mode",
                   teaches: "the reset state, real-mode addressing, A20, CR0.PE, the first far jump and a GDT limit fault",
                   rules: [.selectorWithinTable]),
        LessonInfo(number: 2, slug: "02-descriptors", title: "Segment descriptors, limits and the hidden caches (unreal mode)",
                   teaches: "base, limit, G, types and expand-down; the hidden cache outliving the GDT; unreal mode",
                   rules: [.dataSegmentIsReadable, .dataSegmentPresent]),
        LessonInfo(number: 3, slug: "03-privilege-data", title: "CPL, DPL and RPL on data-segment loads",
                   teaches: "how CPL, RPL and DPL decide data and stack loads; ARPL; why RPL exists",
                   rules: [.dataSegmentPrivilege, .dataSegmentPresent, .ssRPLEqualsCPL, .ssDPLEqualsCPL,
                           .ssIsWritableData, .ssPresent, .selectorNotNullForSS]),
        LessonInfo(number: 4, slug: "04-conforming-code", title: "Conforming and non-conforming code",
                   teaches: "who may far-call or return to which code segment, and why conforming code is no way inward",
                   rules: [.nonConformingCodeRPLAndCPL, .conformingCodeDPLAtMostCPL, .returnCodeSelectorNotNull, .returnRPLAtLeastCPL, .returnSegmentIsCode,
                           .returnCodeSegmentPrivilege, .farTargetIsCodeOrGate, .codeSegmentPresent,
                           .targetWithinCodeLimit, .privilegedInstructionAtCPL0]),
        LessonInfo(number: 5, slug: "05-call-gates", title: "Call gates and the inner-stack switch through the TSS",
                   teaches: "the way inward: a call gate, the stack switch through the TSS and the copied parameters",
                   rules: [.callGateDPL, .callGatePresent, .callGateTargetIsCode, .callGateTargetPrivilege,
                           .innerStackValid]),
        LessonInfo(number: 6, slug: "06-interrupts", title: "Interrupts, traps and the IDT, with error codes",
                   teaches: "how the IDT delivers faults, traps and INT n, with their error codes and stack switches",
                   rules: [.vectorWithinIDT, .idtEntryIsGate, .softwareInterruptGateDPL, .gatePresent,
                           .handlerIsCodeSegment, .handlerPrivilege]),
        LessonInfo(number: 7, slug: "07-io-permission", title: "IOPL and the I/O permission bitmap",
                   teaches: "who may execute IN/OUT/CLI: IOPL, then the TSS's I/O permission bitmap",
                   rules: [.ioPrivilegeLevel, .ioPermissionBitmap]),
        LessonInfo(number: 8, slug: "08-paging", title: "Paging: U/S, R/W, WP and the #PF error code",
                   teaches: "page tables: present, user/supervisor, read/write, CR0.WP, and what the #PF error code says",
                   rules: [.pagePresent, .pageUserAccess, .pageWritable]),
        LessonInfo(number: 9, slug: "09-tasks", title: "Task switching",
                   teaches: "JMP, CALL and IRET through TSS descriptors and task gates: the busy bit, NT and the back link",
                   rules: [.tssSelectorInGDT, .tssDescriptorAvailable, .tssPresent, .tssLimit, .taskGateDPL, .taskCodeSegment, .taskDataSegment]),
        LessonInfo(number: 10, slug: "10-virtualization", title: "Why classic x86 is not virtualizable (Popek and Goldberg)",
                   teaches: "instructions that read privileged state at ring 3 without a fault, and why that defeats trap-and-emulate",
                   rules: [.privilegedInstructionAtCPL0]),
    ]
}
