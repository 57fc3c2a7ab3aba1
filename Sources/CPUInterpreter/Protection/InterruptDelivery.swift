/// How an exception or interrupt reached its handler: the table entry, the gate, the stack
/// and what was pushed (SDM vol. 3, 6.12; vol. 2 INT n). The CPU reports one to its
/// `ProtectionObserver` after each successful delivery; the explain trace narrates it.
public struct InterruptDelivery: Sendable {
    public enum Source: Sendable, Equatable {
        /// A fault or trap the CPU raised (with its error code, if the vector has one).
        case exception
        /// INT n, INT3, INTO, INT1.
        case softwareInterrupt
        /// The INTR line (the PIC's vector).
        case hardwareInterrupt
    }

    public let vector: UInt8
    public let source: Source
    public let errorCode: UInt32?
    /// CS and EIP of the faulting or interrupted instruction, and the EIP saved for IRET.
    public let fromSelector: UInt16
    public let instructionAddress: UInt32
    public let returnAddress: UInt32
    /// Real mode: the IVT entry; protected mode: the IDT gate.
    public let realMode: Bool
    public let entryAddress: UInt32
    /// The gate's type name and DPL (protected mode).
    public let gateType: String
    public let gateDPL: UInt8
    /// The handler's CS:EIP (for a task gate: the new task's).
    public let handlerSelector: UInt16
    public let handlerOffset: UInt32
    /// A task gate: the TSS selector switched to.
    public let taskSelector: UInt16?
    /// An inner-level handler: CPL before and after, and SS:ESP read from the TSS.
    public let stackSwitch: (fromCPL: UInt8, toCPL: UInt8, selector: UInt16, pointer: UInt32)?
    /// Pushed in this order, each `pushWidth` bytes wide.
    public let pushed: [(name: String, value: UInt32)]
    public let pushWidth: Int
    /// SS:ESP after the pushes.
    public let stackSelector: UInt16
    public let stackPointer: UInt32
    /// EFLAGS bits the delivery cleared, by name.
    public let clearedFlags: [String]
}

extension CPU {
    /// Reports a finished protected-mode delivery through an interrupt or trap gate.
    func reportGateDelivery(vector: UInt8, errorCode: UInt32?, software: Bool, external: Bool, fromCS: UInt16,
                            returnTo: UInt32, gate: Descriptor, flags: UInt32, size: Int, oldCPL: UInt8,
                            innerStack: (UInt16, UInt32)?, outerStack: (UInt16, UInt32), v86Selectors: [UInt16]?) {
        guard let o = observer else { return }
        var pushed: [(name: String, value: UInt32)] = []
        if let sels = v86Selectors {      // ES DS FS GS, pushed GS first
            for (k, name) in ["ES", "DS", "FS", "GS"].enumerated().reversed() { pushed.append((name, UInt32(sels[k]))) }
        }
        if innerStack != nil {
            pushed.append(("SS", UInt32(outerStack.0)))
            pushed.append(("ESP", outerStack.1))
        }
        pushed.append(("EFLAGS", flags & (size == 2 ? 0xFFFF_FFFF : 0xFFFF)))
        pushed.append(("CS", UInt32(fromCS)))
        pushed.append(("EIP", size == 2 ? returnTo : returnTo & 0xFFFF))
        if let code = errorCode { pushed.append(("error code", code)) }
        var cleared = ["TF", "NT", "RF", "VM"]
        if gate.systemType == .interruptGate16 || gate.systemType == .interruptGate32 { cleared.insert("IF", at: 0) }
        o.delivered(InterruptDelivery(
            vector: vector, source: software ? .softwareInterrupt : external ? .hardwareInterrupt : .exception,
            errorCode: errorCode, fromSelector: fromCS, instructionAddress: instructionStart, returnAddress: returnTo,
            realMode: false, entryAddress: idtrBase &+ UInt32(vector) &* 8, gateType: gate.typeName, gateDPL: gate.dpl,
            handlerSelector: segSelector[Seg.cs], handlerOffset: eip, taskSelector: nil,
            stackSwitch: innerStack.map { (oldCPL, cpl, $0.0, $0.1) },
            pushed: pushed, pushWidth: 1 << size, stackSelector: segSelector[Seg.ss], stackPointer: regs[Reg.esp],
            clearedFlags: cleared))
    }

    /// Reports a delivery through a task gate (the error code, if any, went on the new task's stack).
    func reportTaskGateDelivery(vector: UInt8, errorCode: UInt32?, software: Bool, external: Bool, fromCS: UInt16,
                                returnTo: UInt32, gate: Descriptor) {
        guard let o = observer else { return }
        o.delivered(InterruptDelivery(
            vector: vector, source: software ? .softwareInterrupt : external ? .hardwareInterrupt : .exception,
            errorCode: errorCode, fromSelector: fromCS, instructionAddress: instructionStart, returnAddress: returnTo,
            realMode: false, entryAddress: idtrBase &+ UInt32(vector) &* 8, gateType: gate.typeName, gateDPL: gate.dpl,
            handlerSelector: segSelector[Seg.cs], handlerOffset: eip, taskSelector: gate.gateSelector, stackSwitch: nil,
            pushed: errorCode.map { [("error code", $0)] } ?? [], pushWidth: trAttr & 0x8 != 0 ? 4 : 2,
            stackSelector: segSelector[Seg.ss], stackPointer: regs[Reg.esp], clearedFlags: []))
    }

    /// Reports a real-mode delivery through the IVT.
    func reportRealModeDelivery(vector: UInt8, fromCS: UInt16, returnTo: UInt32, flags: UInt32, external: Bool, software: Bool) {
        guard let o = observer else { return }
        o.delivered(InterruptDelivery(
            vector: vector, source: software ? .softwareInterrupt : external ? .hardwareInterrupt : .exception,
            errorCode: nil, fromSelector: fromCS, instructionAddress: instructionStart, returnAddress: returnTo,
            realMode: true, entryAddress: idtrBase &+ UInt32(vector) &* 4, gateType: "IVT entry", gateDPL: 0,
            handlerSelector: segSelector[Seg.cs], handlerOffset: eip, taskSelector: nil, stackSwitch: nil,
            pushed: [("FLAGS", flags & 0xFFFF), ("CS", UInt32(fromCS)), ("IP", returnTo & 0xFFFF)], pushWidth: 2,
            stackSelector: segSelector[Seg.ss], stackPointer: regs[Reg.esp], clearedFlags: ["IF", "TF", "AC", "RF"]))
    }
}
