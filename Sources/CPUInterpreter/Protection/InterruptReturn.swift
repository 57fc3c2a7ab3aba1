/// IRET/IRETD in protected and virtual-8086 mode: to the same level, to an outer level,
/// back to virtual-8086 mode, and out of a nested task (SDM vol. 2 IRET).
extension CPU {
    func protectedIret(_ size: Int) throws(Fault) {
        let n = UInt32(1 << size)
        if v86Mode {
            // SDM 20.2.7: IRET in V86 mode is IOPL-sensitive; with IOPL = 3 it works as in
            // real mode but cannot change IOPL.
            try require(iopl == 3, .ioPrivilegeLevel, Fault.generalProtection(0), "IRET in V86 mode with IOPL=\(iopl)")
            let offset = try peekStack(0, size)
            let cs = UInt16(truncatingIfNeeded: try peekStack(n, size))
            let flags = try peekStack(2 &* n, size)
            let target = size == 2 ? offset : offset & 0xFFFF
            guard target <= 0xFFFF else { throw Fault.generalProtection(0) }
            setStackPointer((stackPointer &+ 3 &* n) & stackMask())
            loadRealModeSegment(Seg.cs, cs)
            eip = target
            var writable = model.writableFlagsMask & ~Flag.iopl
            if size == 1 { writable &= 0xFFFF }
            materializeFlags()
            flagsStore = (flagsStore & ~writable) | (flags & writable) | 0x2
            flagsLoaded()
            return
        }
        if flagsStore & Flag.nt != 0 {
            // SDM 7.3: IRET with NT = 1 returns to the task named by the back link.
            let link = UInt16(truncatingIfNeeded: try readSystem(trBase, 1))
            try switchTask(to: link, reason: .iret)
            return
        }
        // A return that passes every check, decided before anything changes (DirectTransfers.swift).
        if observer == nil && returnFromInterruptDirectly(size) { return }
        let offset = try peekStack(0, size)
        let value = UInt16(truncatingIfNeeded: try peekStack(n, size))
        let flags = try peekStack(2 &* n, size)
        if size == 2 && flags & Flag.vm != 0 && cpl == 0 {
            try returnToVirtual8086(offset: offset, cs: value, flags: flags)
            return
        }
        let sel = Selector(value)
        try require(!sel.isNull, .returnCodeSelectorNotNull, Fault.generalProtection(0), "IRET to CS \(describe(sel))")
        try require(sel.rpl >= cpl, .returnRPLAtLeastCPL, Fault.generalProtection(sel.errorCode),
                    "IRET CS \(describe(sel)) RPL=\(sel.rpl) CPL=\(cpl)")
        let d = try readDescriptorChecked(sel)
        try require(d.isCode, .returnSegmentIsCode, Fault.generalProtection(sel.errorCode),
                    "IRET CS \(describe(sel)) type=\(d.typeName)")
        try require(d.conforming ? d.dpl <= sel.rpl : d.dpl == sel.rpl, .returnCodeSegmentPrivilege,
                    Fault.generalProtection(sel.errorCode), "IRET CS \(describe(sel)) DPL=\(d.dpl) RPL=\(sel.rpl)")
        try require(d.present, .codeSegmentPresent, Fault.segmentNotPresent(sel.errorCode), "IRET CS \(describe(sel)) P=\(d.present ? 1 : 0)")
        let target = size == 2 ? offset : offset & 0xFFFF
        let oldCPL = cpl
        if sel.rpl == cpl {
            try require(target <= d.limit, .targetWithinCodeLimit, Fault.generalProtection(0),
                        "EIP=0x\(String(target, radix: 16)) limit=0x\(String(d.limit, radix: 16))")
            setStackPointer((stackPointer &+ 3 &* n) & stackMask())
            try markAccessed(sel, d)
            loadSegmentCache(Seg.cs, value, d)
            eip = target
            writeFlagsOnReturn(flags, size: size, privilege: oldCPL)
            return
        }
        let newESP = try peekStack(3 &* n, size)
        let ssValue = UInt16(truncatingIfNeeded: try peekStack(4 &* n, size))
        let ssDesc = try checkOuterStackSegment(ssValue, rpl: sel.rpl)
        try require(target <= d.limit, .targetWithinCodeLimit, Fault.generalProtection(0),
                    "EIP=0x\(String(target, radix: 16)) limit=0x\(String(d.limit, radix: 16))")
        try markAccessed(sel, d)
        try markAccessed(Selector(ssValue), ssDesc)
        loadSegmentCache(Seg.cs, value, d)
        eip = target
        writeFlagsOnReturn(flags, size: size, privilege: oldCPL)
        loadSegmentCache(Seg.ss, ssValue, ssDesc)
        let esp = size == 2 ? newESP : newESP & 0xFFFF
        if ssDesc.defaultBig { regs[Reg.esp] = esp } else { setReg16(Reg.esp, UInt16(truncatingIfNeeded: esp)) }
        nullInaccessibleDataSegments()
    }

    /// SDM vol. 2 IRET: IOPL changes only at CPL 0, IF only when CPL ≤ IOPL (using the CPL
    /// before the return); a 16-bit IRET changes only the low word; VM stays as it is.
    @inline(__always) func writeFlagsOnReturn(_ flags: UInt32, size: Int, privilege: UInt8) {
        var writable = (model == .i286 ? 0x7FD5 : model.writableFlagsMask) | (model == .i286 ? 0 : Flag.rf)
        if privilege > 0 { writable &= ~Flag.iopl }
        if UInt32(privilege) > iopl { writable &= ~Flag.if }
        if size == 1 { writable &= 0xFFFF }
        loadFlags(flags, writable: writable)
        updateAfterFlagsWrite()
    }

    /// SDM vol. 2 IRET "RETURN-TO-VIRTUAL-8086-MODE": pop EIP CS EFLAGS ESP SS ES DS FS GS
    /// (32 bits each), load the segments real-mode style, CPL = 3.
    private func returnToVirtual8086(offset: UInt32, cs: UInt16, flags: UInt32) throws(Fault) {
        let esp = try peekStack(12, 2), ss = try peekStack(16, 2)
        let es = try peekStack(20, 2), ds = try peekStack(24, 2), fs = try peekStack(28, 2), gs = try peekStack(32, 2)
        materializeFlags()
        let writable = model.writableFlagsMask | Flag.rf | Flag.vm
        flagsStore = (flagsStore & ~writable) | (flags & writable) | 0x2
        flagsLoaded()
        for (s, v) in [(Seg.cs, cs), (Seg.ss, UInt16(truncatingIfNeeded: ss)), (Seg.es, UInt16(truncatingIfNeeded: es)),
                       (Seg.ds, UInt16(truncatingIfNeeded: ds)), (Seg.fs, UInt16(truncatingIfNeeded: fs)),
                       (Seg.gs, UInt16(truncatingIfNeeded: gs))] {
            loadRealModeSegment(s, v)
        }
        regs[Reg.esp] = esp
        eip = offset & 0xFFFF
        cpl = 3
    }
}
