/// Protected-mode interrupt and exception delivery through the IDT: interrupt, trap and
/// task gates, the stack switch to an inner level, the virtual-8086 frame, error codes
/// (SDM vol. 3, 6.10-6.13; vol. 2 INT n "PROTECTED-MODE").
extension CPU {
    func protectedModeInterrupt(vector: UInt8, errorCode: UInt32?, returnTo: UInt32, software: Bool, external: Bool) throws(Fault) {
        // Interrupt and trap gates that pass every check, decided before anything changes (DirectTransfers.swift).
        if observer == nil && !v86Mode
            && deliverThroughGateDirectly(vector: vector, errorCode: errorCode, returnTo: returnTo, software: software) {
            return
        }
        // EXT (bit 0 of error codes raised while delivering) is set unless INT n/INT3/INTO caused it.
        let ext: UInt32 = software ? 0 : 1
        let idtCode = UInt32(vector) &* 8 &+ 2 &+ ext
        let entry = UInt32(vector) &* 8
        try require(entry &+ 7 <= idtrLimit, .vectorWithinIDT, Fault.generalProtection(idtCode),
                    "vector \(vector): IDT entry at +0x\(String(entry, radix: 16)), IDT limit=0x\(String(idtrLimit, radix: 16))")
        let gate = try readSystemDescriptor(idtrBase &+ entry)
        let type = gate.systemType
        let isGate = type == .interruptGate16 || type == .interruptGate32 || type == .trapGate16
            || type == .trapGate32 || type == .taskGate
        try require(isGate, .idtEntryIsGate, Fault.generalProtection(idtCode), "vector \(vector): IDT entry type=\(gate.typeName)")
        if software {
            try require(gate.dpl >= cpl, .softwareInterruptGateDPL, Fault.generalProtection(idtCode),
                        "INT \(vector): gate DPL=\(gate.dpl) CPL=\(cpl)")
        }
        try require(gate.present, .gatePresent, Fault.segmentNotPresent(idtCode), "vector \(vector): gate P=\(gate.present ? 1 : 0)")

        if type == .taskGate {
            let fromCS = segSelector[Seg.cs]
            try switchTask(to: gate.gateSelector, reason: .interrupt, errorCode: errorCode)
            if observer != nil {
                reportTaskGateDelivery(vector: vector, errorCode: errorCode, software: software, external: external,
                                       fromCS: fromCS, returnTo: returnTo, gate: gate)
            }
            return
        }
        let codeSel = Selector(gate.gateSelector)
        try require(!codeSel.isNull, .handlerIsCodeSegment, Fault.generalProtection(ext), "vector \(vector): handler CS \(describe(codeSel))")
        let code = try readDescriptorChecked(codeSel) { Fault.generalProtection($0 | ext) }
        try require(code.isCode, .handlerIsCodeSegment, Fault.generalProtection(codeSel.errorCode | ext),
                    "vector \(vector): handler \(describe(codeSel)) type=\(code.typeName)")
        try require(code.dpl <= cpl, .handlerPrivilege, Fault.generalProtection(codeSel.errorCode | ext),
                    "vector \(vector): handler \(describe(codeSel)) DPL=\(code.dpl) CPL=\(cpl)")
        try require(code.present, .codeSegmentPresent, Fault.segmentNotPresent(codeSel.errorCode | ext),
                    "vector \(vector): handler \(describe(codeSel)) P=\(code.present ? 1 : 0)")
        let gate32 = type == .interruptGate32 || type == .trapGate32
        let size = gate32 ? 2 : 1
        let target = gate32 ? gate.gateOffset : gate.gateOffset & 0xFFFF
        let flags = eflags
        let toInner = !code.conforming && code.dpl < cpl

        // SDM 6.12.1 / 20.3.1.1: from virtual-8086 mode the handler must be a ring-0 non-conforming segment.
        if v86Mode {
            try require(toInner && code.dpl == 0, .handlerPrivilege, Fault.generalProtection(codeSel.errorCode | ext),
                        "vector \(vector) from V86: handler \(describe(codeSel)) must be non-conforming DPL 0 (DPL=\(code.dpl))")
        }
        let savedSS = snapshot(Seg.ss), savedCS = snapshot(Seg.cs), savedCPL = cpl, savedESP = regs[Reg.esp]
        let enteredFromV86 = v86Mode
        // Only an exit from virtual-8086 mode touches ES/DS/FS/GS (no array: nothing allocated per delivery).
        let savedData = enteredFromV86 ? (snapshot(Seg.es), snapshot(Seg.ds), snapshot(Seg.fs), snapshot(Seg.gs)) : nil
        var tssStack: (UInt16, UInt32)? = nil
        do throws(Fault) {
            var pushes: FramePushes
            if toInner {
                let newCPL = code.dpl
                let (ssValue, newESP) = try innerStack(for: newCPL)
                tssStack = (ssValue, newESP)
                let ssDesc = try checkInnerStackSegment(ssValue, newCPL: newCPL, external: !software)
                let oldSS = UInt32(segSelector[Seg.ss]), oldESP = regs[Reg.esp]
                let wasV86 = v86Mode
                try markAccessed(Selector(ssValue), ssDesc)
                if wasV86 { flagsStore &= ~Flag.vm }      // segment rules of protected mode from here on
                loadSegmentCache(Seg.ss, ssValue, ssDesc)
                cpl = newCPL            // pushes to the inner stack are accesses at the new privilege
                regs[Reg.esp] = ssDesc.defaultBig ? newESP : (regs[Reg.esp] & 0xFFFF_0000) | (newESP & 0xFFFF)
                let n = UInt32(1 << size)
                let frame = (wasV86 ? 9 : 5) + (errorCode != nil ? 1 : 0)
                try checkStackRoom(stackPointer, UInt32(frame) * n, fault: Fault.stackFault(UInt32(ssValue & 0xFFFC) | ext))
                pushes = beginFrame(UInt32(frame) * n)
                if let d = savedData {      // GS FS DS ES, GS pushed first
                    for sel in [d.3.selector, d.2.selector, d.1.selector, d.0.selector] { try framePush(&pushes, UInt32(sel), size) }
                }
                try framePush(&pushes, oldSS, size)
                try framePush(&pushes, oldESP, size)
                if wasV86 {
                    for s in [Seg.es, Seg.ds, Seg.fs, Seg.gs] { loadNullSegment(s, 0) }
                }
            } else {
                let n = UInt32(1 << size)
                let frame = 3 + (errorCode != nil ? 1 : 0)
                try checkStackRoom(stackPointer, UInt32(frame) * n, fault: Fault.stackFault(ext))
                pushes = beginFrame(UInt32(frame) * n)
            }
            try framePush(&pushes, flags & (size == 2 ? 0xFFFF_FFFF : 0xFFFF), size)
            try framePush(&pushes, UInt32(savedCS.selector), size)
            try framePush(&pushes, returnTo, size)
            if let code = errorCode { try framePush(&pushes, code, size) }
            endFrame(pushes)
            try require(target <= code.limit, .targetWithinCodeLimit, Fault.generalProtection(0),
                        "handler EIP=0x\(String(target, radix: 16)) limit=0x\(String(code.limit, radix: 16))")
            try markAccessed(codeSel, code)
            loadSegmentCache(Seg.cs, (gate.gateSelector & ~3) | UInt16(toInner ? code.dpl : cpl), code)
            eip = target
            // SDM 6.12.1.2: TF, NT, RF and VM are cleared; an interrupt gate also clears IF.
            var clear = Flag.tf | Flag.nt | Flag.rf | Flag.vm
            if type == .interruptGate16 || type == .interruptGate32 { clear |= Flag.if }
            flagsStore &= ~clear
            updateAfterFlagsWrite()
            if observer != nil {
                reportGateDelivery(vector: vector, errorCode: errorCode, software: software, external: external,
                                   fromCS: savedCS.selector, returnTo: returnTo, gate: gate, flags: flags, size: size,
                                   oldCPL: savedCPL, innerStack: tssStack, outerStack: (savedSS.selector, savedESP),
                                   v86Selectors: toInner ? savedData.map { [$0.0.selector, $0.1.selector, $0.2.selector, $0.3.selector] } : nil)
            }
        } catch {
            flagsStore = (flagsStore & ~Flag.vm) | (flags & Flag.vm)
            restore(Seg.ss, savedSS); restore(Seg.cs, savedCS); cpl = savedCPL; regs[Reg.esp] = savedESP
            if let d = savedData { restore(Seg.es, d.0); restore(Seg.ds, d.1); restore(Seg.fs, d.2); restore(Seg.gs, d.3) }
            throw error
        }
    }
}
