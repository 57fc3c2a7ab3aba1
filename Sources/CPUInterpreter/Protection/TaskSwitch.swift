/// Task switching (SDM vol. 3, 7.3): JMP/CALL to a TSS or task gate, INT through a task
/// gate, IRET with NT = 1. 32-bit and 16-bit (286) TSS formats.
///
///   32-bit TSS: 00 link | 04 ESP0 08 SS0 | 0C ESP1 10 SS1 | 14 ESP2 18 SS2 | 1C CR3 | 20 EIP | 24 EFLAGS
///               28 EAX ECX EDX EBX ESP EBP ESI EDI (4 bytes each) | 48 ES CS SS DS FS GS | 60 LDT | 64 T | 66 I/O map base
///   16-bit TSS: 00 link | 02 SP0 SS0 SP1 SS1 SP2 SS2 | 0E IP | 10 FLAGS | 12 AX CX DX BX SP BP SI DI | 22 ES CS SS DS | 2A LDT
extension CPU {
    enum TaskSwitchReason { case jump, call, interrupt, iret }

    func switchTask(to value: UInt16, reason: TaskSwitchReason, errorCode: UInt32? = nil) throws(Fault) {
        let sel = Selector(value)
        let isIret = reason == .iret
        let fault: (UInt32) -> Fault = { code in isIret ? Fault.invalidTSS(code) : Fault.generalProtection(code) }
        // SDM 3 7.2.2: TSS descriptors are only in the GDT; the selector must be non-null, TI = 0.
        try require(!sel.isNull && !sel.tableIndicator, .tssSelectorInGDT, fault(sel.errorCode),
                    "task switch to \(describe(sel)): a TSS must be named by a non-null GDT selector")
        let d = try readDescriptorChecked(sel, fault: fault)
        let type = d.systemType
        if reason == .iret {
            try require(type == .tss16Busy || type == .tss32Busy, .tssDescriptorAvailable, Fault.invalidTSS(sel.errorCode),
                        "IRET to task \(describe(sel)) type=\(d.typeName) (must be busy)")
        } else {
            try require(type == .tss16Available || type == .tss32Available, .tssDescriptorAvailable,
                        Fault.generalProtection(sel.errorCode), "task switch to \(describe(sel)) type=\(d.typeName) (must be available)")
        }
        // SDM 3 7.3: a TSS that is not present raises #NP(selector), in the old task.
        try require(d.present, .tssPresent, Fault.segmentNotPresent(sel.errorCode), "TSS \(describe(sel)) P=\(d.present ? 1 : 0)")
        let new32 = type == .tss32Available || type == .tss32Busy
        try require(d.limit >= (new32 ? 0x67 : 0x2B), .tssLimit, Fault.invalidTSS(sel.errorCode),
                    "TSS \(describe(sel)) limit=0x\(String(d.limit, radix: 16))")

        // Save the outgoing task's state into its TSS.
        let old32 = trAttr & 0x8 != 0
        var flags = eflags
        if reason == .iret { flags &= ~Flag.nt }
        if old32 {
            try writeSystem(trBase &+ 0x20, 2, eip)
            try writeSystem(trBase &+ 0x24, 2, flags)
            for r in 0..<8 { try writeSystem(trBase &+ 0x28 &+ UInt32(r) * 4, 2, regs[r]) }
            for s in 0..<6 { try writeSystem(trBase &+ 0x48 &+ UInt32(s) * 4, 1, UInt32(segSelector[s])) }
        } else {
            try writeSystem(trBase &+ 0x0E, 1, eip & 0xFFFF)
            try writeSystem(trBase &+ 0x10, 1, flags & 0xFFFF)
            for r in 0..<8 { try writeSystem(trBase &+ 0x12 &+ UInt32(r) * 2, 1, regs[r] & 0xFFFF) }
            for s in 0..<4 { try writeSystem(trBase &+ 0x22 &+ UInt32(s) * 2, 1, UInt32(segSelector[s])) }
        }
        // JMP and IRET leave the old task: clear its busy bit.
        if reason == .jump || reason == .iret, trSelector & 0xFFFC != 0 {
            let a = descriptorAddress(Selector(trSelector)) &+ 5
            try writeSystem(a, 0, try readSystem(a, 0) & ~2)
        }
        // CALL and INT nest: the new task links back to this one.
        if reason == .call || reason == .interrupt {
            try writeSystem(d.base, 1, UInt32(trSelector))
        }
        if reason != .iret {
            let a = descriptorAddress(sel) &+ 5
            try writeSystem(a, 0, try readSystem(a, 0) | 2)
        }
        let oldTR = trSelector
        trSelector = value; trBase = d.base; trLimit = d.limit; trAttr = d.attributes | 2
        taskSwitches &+= 1
        cr0 |= CR0.ts

        // Read the incoming task's state.
        let b = d.base
        var newFlags: UInt32, newEIP: UInt32
        var newRegs = [UInt32](repeating: 0, count: 8)
        var selectors = [UInt16](repeating: 0, count: 6)
        let ldt: UInt16
        if new32 {
            let cr3Value = try readSystem(b &+ 0x1C, 2)
            newEIP = try readSystem(b &+ 0x20, 2)
            newFlags = try readSystem(b &+ 0x24, 2)
            for r in 0..<8 { newRegs[r] = try readSystem(b &+ 0x28 &+ UInt32(r) * 4, 2) }
            for s in 0..<6 { selectors[s] = UInt16(truncatingIfNeeded: try readSystem(b &+ 0x48 &+ UInt32(s) * 4, 1)) }
            ldt = UInt16(truncatingIfNeeded: try readSystem(b &+ 0x60, 1))
            if cr0 & CR0.pg != 0 { cr3 = cr3Value & 0xFFFF_F018; flushTLBForCR3() }
        } else {
            newEIP = try readSystem(b &+ 0x0E, 1)
            newFlags = try readSystem(b &+ 0x10, 1) | (flagsStore & 0xFFFF_0000 & ~Flag.vm)
            // A 386 loading a 16-bit TSS sets the upper words of the general registers to
            // FFFFh (test386's 128 KiB ROM checks it; Bochs does the same).
            for r in 0..<8 { newRegs[r] = 0xFFFF_0000 | (try readSystem(b &+ 0x12 &+ UInt32(r) * 2, 1)) }
            for s in 0..<4 { selectors[s] = UInt16(truncatingIfNeeded: try readSystem(b &+ 0x22 &+ UInt32(s) * 2, 1)) }
            ldt = UInt16(truncatingIfNeeded: try readSystem(b &+ 0x2A, 1))
        }
        if reason == .call || reason == .interrupt { newFlags |= Flag.nt }
        _ = oldTR
        for r in 0..<8 { regs[r] = newRegs[r] }
        eip = newEIP
        // SDM 3 7.3: past the commit point a fault belongs to the new task: it is delivered in
        // the new task's context with the new task's CS:EIP as its return address (as Bochs).
        instructionStart = newEIP
        lazy.op = .none
        flagsStore = (newFlags & 0x003F_7FD5) | 0x2
        flagsLoaded()
        for s in 0..<6 { segSelector[s] = selectors[s] }

        // Load the new task's descriptors; faults from here on belong to the new task (#TS).
        try loadTaskLDT(ldt)
        if flagsStore & Flag.vm != 0 {
            cpl = 3
            for s in 0..<6 { loadRealModeSegment(s, selectors[s]) }
        } else {
            try loadTaskSegments(selectors)
        }
        if let code = errorCode {
            try push(code, new32 ? 2 : 1)
        }
        try require(eip <= segLimit[Seg.cs], .targetWithinCodeLimit, Fault.generalProtection(0),
                    "new task EIP=0x\(String(eip, radix: 16)) CS limit=0x\(String(segLimit[Seg.cs], radix: 16))")
    }

    private func loadTaskLDT(_ value: UInt16) throws(Fault) {
        let sel = Selector(value)
        ldtrSelector = value
        if sel.isNull { ldtrBase = 0; ldtrLimit = 0; return }
        try require(!sel.tableIndicator, .selectorWithinTable, Fault.invalidTSS(sel.errorCode), "task LDT \(describe(sel)) must be in the GDT")
        let d = try readDescriptorChecked(sel, fault: Fault.invalidTSS)
        try require(d.systemType == .ldt && d.present, .selectorWithinTable, Fault.invalidTSS(sel.errorCode),
                    "task LDT \(describe(sel)) type=\(d.typeName) P=\(d.present ? 1 : 0)")
        ldtrBase = d.base; ldtrLimit = d.limit
    }

    /// SDM 7.3 step 13: the new task's CS, SS, DS, ES, FS, GS with #TS for bad descriptors.
    private func loadTaskSegments(_ selectors: [UInt16]) throws(Fault) {
        let csSel = Selector(selectors[Seg.cs])
        let newCPL = csSel.rpl
        let cs = try readDescriptorChecked(csSel, fault: Fault.invalidTSS)
        // SDM 3 7.3, table 7-1: CS must be code, DPL = RPL (conforming: DPL <= RPL), else #TS(CS).
        try require(cs.isCode && (cs.conforming ? cs.dpl <= newCPL : cs.dpl == newCPL), .taskCodeSegment,
                    Fault.invalidTSS(csSel.errorCode), "task CS \(describe(csSel)) type=\(cs.typeName) DPL=\(cs.dpl)")
        try require(cs.present, .codeSegmentPresent, Fault.segmentNotPresent(csSel.errorCode), "task CS \(describe(csSel)) P=\(cs.present ? 1 : 0)")
        try markAccessed(csSel, cs)
        loadSegmentCache(Seg.cs, csSel.value, cs)
        let ss = try checkInnerStackSegment(selectors[Seg.ss], newCPL: newCPL, external: false)
        try markAccessed(Selector(selectors[Seg.ss]), ss)
        loadSegmentCache(Seg.ss, selectors[Seg.ss], ss)
        for s in [Seg.es, Seg.ds, Seg.fs, Seg.gs] {
            let sel = Selector(selectors[s])
            if sel.isNull { loadNullSegment(s, sel.value); continue }
            let d = try readDescriptorChecked(sel, fault: Fault.invalidTSS)
            // SDM 3 7.3, table 7-1: data or readable code, else #TS(selector), in the new task.
            try require(d.isData || (d.isCode && d.readable), .taskDataSegment, Fault.invalidTSS(sel.errorCode),
                        "task \(Seg.names[s]) \(describe(sel)) type=\(d.typeName)")
            if !d.conforming {
                // Data and non-conforming code: DPL >= CPL and DPL >= RPL, else #TS(selector).
                try require(d.dpl >= sel.rpl && d.dpl >= cpl, .taskDataSegment, Fault.invalidTSS(sel.errorCode),
                            "task \(Seg.names[s]) \(describe(sel)) DPL=\(d.dpl) RPL=\(sel.rpl) CPL=\(cpl)")
            }
            try require(d.present, .dataSegmentPresent, Fault.segmentNotPresent(sel.errorCode), "task \(Seg.names[s]) \(describe(sel)) P=\(d.present ? 1 : 0)")
            try markAccessed(sel, d)
            loadSegmentCache(s, sel.value, d)
        }
    }
}
