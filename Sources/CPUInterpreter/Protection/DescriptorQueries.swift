/// LAR LSL VERR VERW ARPL: the unprivileged instructions that inspect descriptors
/// and selectors without faulting (SDM vol. 2). They report through ZF.
extension CPU {
    /// The descriptor a query may look at, or nil (ZF = 0) — a query never faults on the selector.
    private func queryDescriptor(_ value: UInt16) throws(Fault) -> (Selector, Descriptor)? {
        let sel = Selector(value)
        if sel.isNull { return nil }
        let limit = sel.tableIndicator ? (ldtrSelector & 0xFFFC == 0 ? 0 : ldtrLimit) : gdtrLimit
        if sel.tableIndicator && ldtrSelector & 0xFFFC == 0 { return nil }
        guard (UInt32(sel.index) << 3) &+ 7 <= limit else { return nil }
        return (sel, try readDescriptor(sel, orFault: Fault.generalProtection))
    }

    /// Non-conforming segments and system descriptors must be visible at CPL and RPL.
    private func visible(_ sel: Selector, _ d: Descriptor) -> Bool {
        d.conforming || (d.dpl >= cpl && d.dpl >= sel.rpl)
    }

    /// 0F 02 LAR, 0F 03 LSL.
    func loadAccessRightsOrLimit(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        guard protectedMode && !v86Mode else { throw Fault.invalidOpcode }
        let value = UInt16(truncatingIfNeeded: try readRM(ins, 1))
        materializeFlags()
        guard let (sel, d) = try queryDescriptor(value) else { setFlag(Flag.zf, false); return }
        let isLAR = ins.op == 0x102
        var typeOK = d.isCodeOrData
        if !typeOK, let t = d.systemType {
            switch t {
            case .tss16Available, .tss16Busy, .tss32Available, .tss32Busy, .ldt: typeOK = true
            case .callGate16, .callGate32, .taskGate: typeOK = isLAR
            default: typeOK = false
            }
        }
        guard typeOK && visible(sel, d) else { setFlag(Flag.zf, false); return }
        if isLAR {
            writeReg(ins.reg, ins.vsize, d.high & (ins.operand32 ? 0x00FF_FF00 : 0xFF00))
        } else {
            writeReg(ins.reg, ins.vsize, d.limit)
        }
        setFlag(Flag.zf, true)
    }

    /// 0F 00 /4 VERR, /5 VERW.
    func verifySegment(_ ins: Instruction, write: Bool) throws(Fault) {
        let value = UInt16(truncatingIfNeeded: try readRM(ins, 1))
        materializeFlags()
        guard let (sel, d) = try queryDescriptor(value), d.isCodeOrData else { setFlag(Flag.zf, false); return }
        let ok = (write ? d.writable : d.readable) && (d.conforming && !write || visible(sel, d))
        setFlag(Flag.zf, ok)
    }

    /// 63 ARPL Ew,Gw: raises the destination selector's RPL to the source's (ZF = 1 if changed).
    func arpl(_ ins: Instruction) throws(Fault) {
        guard protectedMode && !v86Mode else { throw Fault.invalidOpcode }
        try checkLock(ins, lockable: false)
        let src = readReg(ins.reg, 1)
        // A real 386 reads the destination and writes it only when the RPL changes, so an
        // unchanged selector in a read-only segment does not fault (test386 checks this;
        // Bochs checks writability first).
        let d = try readRM(ins, 1)
        let changed = d & 3 < src & 3
        if changed { try writeRM(ins, 1, (d & ~3) | (src & 3)) }
        setFlag(Flag.zf, changed)
    }
}
