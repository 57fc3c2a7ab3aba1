/// Every protection rule the CPU checks is a value, with the SDM text it comes from,
/// so the explain trace can never drift from the code that decides (DESIGN.md).
public enum Rule: String, CaseIterable, Sendable {
    // Segment-register loads (SDM vol. 2, MOV/POP/LDS: "protected mode" pseudo-code; vol. 3, 5.5-5.7)
    case selectorNotNullForSS
    case selectorWithinTable
    case ssRPLEqualsCPL
    case ssIsWritableData
    case ssDPLEqualsCPL
    case ssPresent
    case dataSegmentIsReadable
    case dataSegmentPrivilege
    case dataSegmentPresent
    // Far transfers (SDM vol. 2, JMP/CALL/RET; vol. 3, 5.8)
    case farTargetIsCodeOrGate
    case nonConformingCodeRPLAndCPL
    case conformingCodeDPLAtMostCPL
    case codeSegmentPresent
    case callGateDPL
    case callGatePresent
    case callGateTargetIsCode
    case callGateTargetPrivilege
    case returnCodeSelectorNotNull
    case returnRPLAtLeastCPL
    case returnSegmentIsCode
    case returnCodeSegmentPrivilege
    case targetWithinCodeLimit
    case innerStackValid
    // Interrupts and exceptions (SDM vol. 3, 6.10-6.12)
    case vectorWithinIDT
    case idtEntryIsGate
    case softwareInterruptGateDPL
    case gatePresent
    case handlerIsCodeSegment
    case handlerPrivilege
    // Tasks (SDM vol. 3, ch. 7)
    case tssSelectorInGDT
    case tssDescriptorAvailable
    case tssLimit
    case taskGateDPL
    case taskCodeSegment
    case taskDataSegment
    case tssPresent
    // I/O (SDM vol. 1, 18.5)
    case ioPrivilegeLevel
    case ioPermissionBitmap
    // Privileged instructions (SDM vol. 3, 5.9)
    case privilegedInstructionAtCPL0
    // Paging (SDM vol. 3, 4.6-4.7)
    case pagePresent
    case pageUserAccess
    case pageWritable

    /// The SDM rule, in one line, with where it is written.
    public var sdm: String {
        switch self {
        case .selectorNotNullForSS: return "SDM 2 MOV/POP SS: a null selector cannot be loaded into SS, else #GP(0)"
        case .selectorWithinTable: return "SDM 3 3.4.2: selector index must lie within the GDT/LDT limit, else #GP(selector)"
        case .ssRPLEqualsCPL: return "SDM 3 5.7: SS selector's RPL must equal CPL, else #GP(selector)"
        case .ssIsWritableData: return "SDM 3 5.7: SS must be a writable data segment, else #GP(selector)"
        case .ssDPLEqualsCPL: return "SDM 3 5.7: SS descriptor's DPL must equal CPL, else #GP(selector)"
        case .ssPresent: return "SDM 2 MOV SS: stack segment must be present, else #SS(selector)"
        case .dataSegmentIsReadable: return "SDM 3 5.6: DS/ES/FS/GS need a data or readable code segment, else #GP(selector)"
        case .dataSegmentPrivilege: return "SDM 3 5.6: data or non-conforming code needs DPL >= CPL and DPL >= RPL, else #GP(selector)"
        case .dataSegmentPresent: return "SDM 2 MOV: segment must be present, else #NP(selector)"
        case .farTargetIsCodeOrGate: return "SDM 2 JMP/CALL: far target must be code, call gate, task gate or TSS, else #GP(selector)"
        case .nonConformingCodeRPLAndCPL: return "SDM 3 5.8.1: non-conforming code needs RPL <= CPL and DPL = CPL, else #GP(selector)"
        case .conformingCodeDPLAtMostCPL: return "SDM 3 5.8.1.2: conforming code needs DPL <= CPL, else #GP(selector)"
        case .codeSegmentPresent: return "SDM 2 JMP/CALL: code segment must be present, else #NP(selector)"
        case .callGateDPL: return "SDM 3 5.8.4: call gate needs DPL >= CPL and DPL >= RPL, else #GP(gate selector)"
        case .callGatePresent: return "SDM 3 5.8.4: call gate must be present, else #NP(gate selector)"
        case .callGateTargetIsCode: return "SDM 3 5.8.4: call gate must point to a code segment, else #GP(code selector)"
        case .callGateTargetPrivilege: return "SDM 3 5.8.4: gate target DPL must be <= CPL (= CPL for JMP to non-conforming), else #GP(code selector)"
        case .returnCodeSelectorNotNull: return "SDM 2 RET, IRET: the return CS selector must not be null, else #GP(0)"
        case .returnRPLAtLeastCPL: return "SDM 2 RET, IRET: return CS RPL must be >= CPL, else #GP(selector)"
        case .returnSegmentIsCode: return "SDM 2 RET, IRET: the return CS selector must name a code segment, else #GP(selector)"
        case .returnCodeSegmentPrivilege: return "SDM 2 RET: non-conforming return code needs DPL = RPL (conforming: DPL <= RPL), else #GP(selector)"
        case .targetWithinCodeLimit: return "SDM 2 JMP/CALL/RET: target EIP must be within the code segment limit, else #GP(0)"
        case .innerStackValid: return "SDM 3 5.8.5: the inner stack from the TSS must be a present writable segment with DPL = new CPL, else #TS(selector)"
        case .vectorWithinIDT: return "SDM 3 6.10: the vector's gate must lie within the IDT limit, else #GP(vector*8+2)"
        case .idtEntryIsGate: return "SDM 3 6.11: an IDT entry must be an interrupt, trap or task gate, else #GP(vector*8+2)"
        case .softwareInterruptGateDPL: return "SDM 3 6.12.1.1: INT n/INT3/INTO need gate DPL >= CPL, else #GP(vector*8+2)"
        case .gatePresent: return "SDM 3 6.12.1, 7.3: the gate must be present, else #NP(vector*8+2) for an IDT gate, #NP(selector) for a task gate named by JMP or CALL"
        case .handlerIsCodeSegment: return "SDM 3 6.12.1: the gate must point to a code segment, else #GP(selector)"
        case .handlerPrivilege: return "SDM 3 6.12.1.1: handler code DPL must be <= CPL, else #GP(selector)"
        case .tssSelectorInGDT: return "SDM 3 7.2.2, 7.3: TSS descriptors live only in the GDT, so the TSS selector (of a task gate or the back link) must be non-null with TI = 0, else #GP(selector) (IRET: #TS(selector))"
        case .tssDescriptorAvailable: return "SDM 3 7.3: the target TSS must be an available TSS descriptor, else #GP(selector) (IRET: #TS)"
        case .tssLimit: return "SDM 3 7.2.2: TSS limit must be >= 67h (32-bit) or 2Bh (16-bit), else #TS(selector)"
        case .taskCodeSegment: return "SDM 3 7.3 (table 7-1): the new task's CS must be a code segment with DPL = RPL (conforming: DPL <= RPL), else #TS(selector), in the new task"
        case .taskDataSegment: return "SDM 3 7.3 (table 7-1): the new task's DS/ES/FS/GS must be null, data or readable code (data and non-conforming code: DPL >= CPL and DPL >= RPL), else #TS(selector), in the new task"
        case .tssPresent: return "SDM 3 7.3: the TSS descriptor must be present, else #NP(selector)"
        case .taskGateDPL: return "SDM 3 7.3: task gate and TSS need DPL >= CPL and DPL >= RPL, else #GP(selector)"
        case .ioPrivilegeLevel: return "SDM 1 18.5.1: I/O instructions need CPL <= IOPL (else the bitmap decides)"
        case .ioPermissionBitmap: return "SDM 1 18.5.2: every port byte must be 0 in the TSS I/O bitmap, else #GP(0)"
        case .privilegedInstructionAtCPL0: return "SDM 3 5.9: privileged instructions need CPL = 0, else #GP(0)"
        case .pagePresent: return "SDM 3 4.7: page-directory and page-table entries must be present, else #PF(P=0)"
        case .pageUserAccess: return "SDM 3 4.6: user-mode accesses need U/S = 1 at both levels, else #PF(P=1)"
        case .pageWritable: return "SDM 3 4.6: writes need R/W = 1 (user mode, or CR0.WP = 1), else #PF(P=1)"
        }
    }
}

/// What one check compared, and what it decided.
public struct ProtectionCheck: Sendable {
    public let rule: Rule
    public let passed: Bool
    /// Values compared, e.g. "selector=0x0023 (index 4, GDT, RPL 3) CPL=3 DPL=0".
    public let facts: String
    /// The exception raised when the check failed.
    public let fault: Fault?
    public let instructionAddress: UInt32
}

/// Receives every protection check as it happens (the explain trace, the debugger).
public protocol ProtectionObserver: AnyObject {
    func observe(_ check: ProtectionCheck)
    /// An exception or interrupt reached its handler (after its checks passed).
    func delivered(_ delivery: InterruptDelivery)
}

extension ProtectionObserver {
    public func delivered(_ delivery: InterruptDelivery) {}
}

extension CPU {
    /// One protection check. With no observer this is a branch on a nil pointer.
    @inline(__always)
    func require(_ ok: Bool, _ rule: Rule, _ fault: @autoclosure () -> Fault,
                 _ facts: @autoclosure () -> String) throws(Fault) {
        if let o = observer {
            o.observe(ProtectionCheck(rule: rule, passed: ok, facts: facts(), fault: ok ? nil : fault(),
                                      instructionAddress: instructionStart))
        }
        if !ok { throw fault() }
    }

    /// "selector=0x0023 (index 4, GDT, RPL 3)".
    func describe(_ sel: Selector) -> String {
        let hex = String(sel.value, radix: 16, uppercase: true)
        return "selector=0x" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            + " (index \(sel.index), \(sel.tableIndicator ? "LDT" : "GDT"), RPL \(sel.rpl))"
    }
}
