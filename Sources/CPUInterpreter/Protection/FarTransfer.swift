/// Protected-mode far JMP, CALL and RET: direct to code segments, through call gates
/// (with the inner-stack switch and parameter copy), and to tasks (SDM vol. 2 JMP/CALL/RET;
/// vol. 3, 5.8).
extension CPU {
    enum TransferKind { case jump, call }

    func protectedFarJump(_ selector: UInt16, _ offset: UInt32, _ size: Int) throws(Fault) {
        try farTransfer(.jump, selector, offset, size)
    }

    func protectedFarCall(_ selector: UInt16, _ offset: UInt32, _ size: Int) throws(Fault) {
        // A call through a call gate to an inner level that passes every check (DirectTransfers.swift).
        if observer == nil && callThroughGateDirectly(selector) { return }
        try farTransfer(.call, selector, offset, size)
    }

    private func farTransfer(_ kind: TransferKind, _ value: UInt16, _ offset: UInt32, _ size: Int) throws(Fault) {
        let sel = Selector(value)
        try require(!sel.isNull, .farTargetIsCodeOrGate, Fault.generalProtection(0), "far \(kind) to \(describe(sel))")
        let d = try readDescriptorChecked(sel)
        if d.isCode {
            try checkDirectCodeTarget(sel, d)
            let target = size == 2 ? offset : offset & 0xFFFF
            // SDM CALL: the stack must hold the return address (#SS(0)) before EIP is checked.
            if kind == .call { try checkStackRoom(stackPointer, 2 << UInt32(size), fault: Fault.stackFault(0)) }
            try require(target <= d.limit, .targetWithinCodeLimit, Fault.generalProtection(0),
                        "EIP=0x\(String(target, radix: 16)) limit=0x\(String(d.limit, radix: 16))")
            if kind == .call { try pushReturnAddress(size) }
            try markAccessed(sel, d)
            loadSegmentCache(Seg.cs, (value & ~3) | UInt16(cpl), d)
            eip = target
            return
        }
        switch d.systemType {
        case .callGate16?, .callGate32?:
            try callGate(kind, sel, d)
        case .taskGate?:
            try require(d.dpl >= cpl && d.dpl >= sel.rpl, .taskGateDPL, Fault.generalProtection(sel.errorCode),
                        "task gate \(describe(sel)) DPL=\(d.dpl) CPL=\(cpl) RPL=\(sel.rpl)")
            try require(d.present, .gatePresent, Fault.segmentNotPresent(sel.errorCode), "task gate \(describe(sel)) P=\(d.present ? 1 : 0)")
            try switchTask(to: d.gateSelector, reason: kind == .call ? .call : .jump)
        case .tss16Available?, .tss32Available?, .tss16Busy?, .tss32Busy?:
            try require(d.dpl >= cpl && d.dpl >= sel.rpl, .taskGateDPL, Fault.generalProtection(sel.errorCode),
                        "TSS \(describe(sel)) DPL=\(d.dpl) CPL=\(cpl) RPL=\(sel.rpl)")
            try switchTask(to: value, reason: kind == .call ? .call : .jump)
        default:
            try require(false, .farTargetIsCodeOrGate, Fault.generalProtection(sel.errorCode),
                        "far \(kind) to \(describe(sel)) type=\(d.typeName)")
        }
    }

    /// SDM 5.8.1: direct transfers stay at CPL: non-conforming code needs RPL ≤ CPL and
    /// DPL = CPL; conforming code needs DPL ≤ CPL. Not present: #NP(selector).
    private func checkDirectCodeTarget(_ sel: Selector, _ d: Descriptor) throws(Fault) {
        if d.conforming {
            try require(d.dpl <= cpl, .conformingCodeDPLAtMostCPL, Fault.generalProtection(sel.errorCode),
                        "\(describe(sel)) conforming DPL=\(d.dpl) CPL=\(cpl)")
        } else {
            try require(sel.rpl <= cpl && d.dpl == cpl, .nonConformingCodeRPLAndCPL, Fault.generalProtection(sel.errorCode),
                        "\(describe(sel)) RPL=\(sel.rpl) CPL=\(cpl) DPL=\(d.dpl)")
        }
        try require(d.present, .codeSegmentPresent, Fault.segmentNotPresent(sel.errorCode), "\(describe(sel)) P=\(d.present ? 1 : 0)")
    }

    /// Pushes CS and (E)IP, checking room for both first.
    private func pushReturnAddress(_ size: Int) throws(Fault) {
        let n = UInt32(1 << size)
        try checkStackRoom(stackPointer, 2 * n, fault: Fault.stackFault(0))
        var pushes = beginFrame(2 * n)
        try framePush(&pushes, UInt32(segSelector[Seg.cs]), size)
        try framePush(&pushes, eip, size)
        endFrame(pushes)
    }

    /// SDM 5.8.4-5.8.5: a far JMP or CALL through a call gate.
    private func callGate(_ kind: TransferKind, _ gateSel: Selector, _ gate: Descriptor) throws(Fault) {
        try require(gate.dpl >= cpl && gate.dpl >= gateSel.rpl, .callGateDPL, Fault.generalProtection(gateSel.errorCode),
                    "call gate \(describe(gateSel)) DPL=\(gate.dpl) CPL=\(cpl) RPL=\(gateSel.rpl)")
        try require(gate.present, .callGatePresent, Fault.segmentNotPresent(gateSel.errorCode),
                    "call gate \(describe(gateSel)) P=\(gate.present ? 1 : 0)")
        let codeSel = Selector(gate.gateSelector)
        try require(!codeSel.isNull, .callGateTargetIsCode, Fault.generalProtection(0), "call gate target \(describe(codeSel))")
        let code = try readDescriptorChecked(codeSel)
        try require(code.isCode, .callGateTargetIsCode, Fault.generalProtection(codeSel.errorCode),
                    "gate target \(describe(codeSel)) type=\(code.typeName)")
        // SDM 5.8.4: CALL may go to DPL ≤ CPL; JMP only to conforming DPL ≤ CPL or non-conforming DPL = CPL.
        let allowed = kind == .call || code.conforming ? code.dpl <= cpl : code.dpl == cpl
        try require(allowed, .callGateTargetPrivilege, Fault.generalProtection(codeSel.errorCode),
                    "gate target \(describe(codeSel)) DPL=\(code.dpl) CPL=\(cpl) \(code.conforming ? "conforming" : "non-conforming") \(kind)")
        try require(code.present, .codeSegmentPresent, Fault.segmentNotPresent(codeSel.errorCode), "\(describe(codeSel)) P=\(code.present ? 1 : 0)")
        let gate32 = gate.systemType == .callGate32
        let size = gate32 ? 2 : 1
        let target = gate32 ? gate.gateOffset : gate.gateOffset & 0xFFFF
        if kind == .call && !code.conforming && code.dpl < cpl {
            // SDM CALL (more privilege): the new stack is checked before the target EIP.
            try callToInnerLevel(codeSel, code, target: target, size: size, parameters: gate.gateParameterCount)
            return
        }
        if kind == .call { try checkStackRoom(stackPointer, 2 << UInt32(size), fault: Fault.stackFault(0)) }
        try require(target <= code.limit, .targetWithinCodeLimit, Fault.generalProtection(0),
                    "EIP=0x\(String(target, radix: 16)) limit=0x\(String(code.limit, radix: 16))")
        if kind == .call { try pushReturnAddress(size) }
        try markAccessed(codeSel, code)
        loadSegmentCache(Seg.cs, (gate.gateSelector & ~3) | UInt16(cpl), code)
        eip = target
    }

    /// SDM 5.8.5: switch to the inner stack from the TSS, copy the gate's parameters,
    /// push the caller's SS:ESP and CS:EIP.
    private func callToInnerLevel(_ codeSel: Selector, _ code: Descriptor, target: UInt32, size: Int, parameters: UInt32) throws(Fault) {
        let newCPL = code.dpl
        let (ssValue, newESP) = try innerStack(for: newCPL)
        let ssDesc = try checkInnerStackSegment(ssValue, newCPL: newCPL, external: false)
        let n = UInt32(1 << size)
        // Read the parameters from the caller's stack before anything changes.
        let oldSS = segSelector[Seg.ss], oldESP = regs[Reg.esp], oldCS = segSelector[Seg.cs], returnEIP = eip
        // At most 31 parameters (a 5-bit count): a buffer on the host stack, nothing allocated per call.
        try withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 32) { (params) throws(Fault) in
            for i in 0..<Int(parameters) { params[i] = try peekStack(UInt32(i) &* n, size) }
            let savedSS = snapshot(Seg.ss), savedCS = snapshot(Seg.cs), savedCPL = cpl
            do throws(Fault) {
                try markAccessed(Selector(ssValue), ssDesc)
                loadSegmentCache(Seg.ss, ssValue, ssDesc)
                cpl = newCPL            // pushes to the inner stack are accesses at the new privilege
                regs[Reg.esp] = ssDesc.defaultBig ? newESP : (regs[Reg.esp] & 0xFFFF_0000) | (newESP & 0xFFFF)
                // SDM: the new stack must hold SS, ESP, the parameters, CS and EIP, else #SS(SS selector).
                try checkStackRoom(stackPointer, (4 + parameters) * n, fault: Fault.stackFault(UInt32(ssValue & 0xFFFC)))
                try require(target <= code.limit, .targetWithinCodeLimit, Fault.generalProtection(0),
                            "EIP=0x\(String(target, radix: 16)) limit=0x\(String(code.limit, radix: 16))")
                var pushes = beginFrame((4 + parameters) * n)
                try framePush(&pushes, UInt32(oldSS), size)
                try framePush(&pushes, oldESP, size)
                for i in stride(from: Int(parameters) - 1, through: 0, by: -1) { try framePush(&pushes, params[i], size) }
                try framePush(&pushes, UInt32(oldCS), size)
                try framePush(&pushes, returnEIP, size)
                endFrame(pushes)
                try markAccessed(codeSel, code)
                loadSegmentCache(Seg.cs, (codeSel.value & ~3) | UInt16(newCPL), code)
                eip = target
            } catch {
                restore(Seg.ss, savedSS); restore(Seg.cs, savedCS); cpl = savedCPL
                regs[Reg.esp] = oldESP
                throw error
            }
        }
    }

    /// RETF in protected mode (SDM vol. 2 RET: "PROTECTED-MODE").
    func protectedFarReturn(_ size: Int, release: UInt32) throws(Fault) {
        // A return that passes every check, decided before anything changes (DirectTransfers.swift).
        if observer == nil && farReturnDirectly(size, release: release) { return }
        let n = UInt32(1 << size)
        let offset = try peekStack(0, size)
        let value = UInt16(truncatingIfNeeded: try peekStack(n, size))
        let sel = Selector(value)
        try require(!sel.isNull, .returnCodeSelectorNotNull, Fault.generalProtection(0), "return to CS \(describe(sel))")
        try require(sel.rpl >= cpl, .returnRPLAtLeastCPL, Fault.generalProtection(sel.errorCode),
                    "return CS \(describe(sel)) RPL=\(sel.rpl) CPL=\(cpl)")
        let d = try readDescriptorChecked(sel)
        try require(d.isCode, .returnSegmentIsCode, Fault.generalProtection(sel.errorCode),
                    "return CS \(describe(sel)) type=\(d.typeName)")
        try require(d.conforming ? d.dpl <= sel.rpl : d.dpl == sel.rpl, .returnCodeSegmentPrivilege,
                    Fault.generalProtection(sel.errorCode),
                    "return CS \(describe(sel)) DPL=\(d.dpl) RPL=\(sel.rpl) \(d.conforming ? "conforming" : "non-conforming")")
        try require(d.present, .codeSegmentPresent, Fault.segmentNotPresent(sel.errorCode), "return CS \(describe(sel)) P=\(d.present ? 1 : 0)")
        let target = size == 2 ? offset : offset & 0xFFFF
        if sel.rpl == cpl {
            try require(target <= d.limit, .targetWithinCodeLimit, Fault.generalProtection(0),
                        "EIP=0x\(String(target, radix: 16)) limit=0x\(String(d.limit, radix: 16))")
            setStackPointer((stackPointer &+ 2 &* n &+ release) & stackMask())
            try markAccessed(sel, d)
            loadSegmentCache(Seg.cs, value, d)
            eip = target
            return
        }
        // Return to an outer level: the caller's SS:ESP sit above the parameters.
        let newESP = try peekStack(2 &* n &+ release, size)
        let ssValue = UInt16(truncatingIfNeeded: try peekStack(3 &* n &+ release, size))
        let ssDesc = try checkOuterStackSegment(ssValue, rpl: sel.rpl)
        try require(target <= d.limit, .targetWithinCodeLimit, Fault.generalProtection(0),
                    "EIP=0x\(String(target, radix: 16)) limit=0x\(String(d.limit, radix: 16))")
        try markAccessed(sel, d)
        try markAccessed(Selector(ssValue), ssDesc)
        loadSegmentCache(Seg.cs, value, d)
        eip = target
        loadSegmentCache(Seg.ss, ssValue, ssDesc)
        let esp = (size == 2 ? newESP : newESP & 0xFFFF) &+ release
        if ssDesc.defaultBig { regs[Reg.esp] = esp } else { setReg16(Reg.esp, UInt16(truncatingIfNeeded: esp)) }
        nullInaccessibleDataSegments()
    }
}
