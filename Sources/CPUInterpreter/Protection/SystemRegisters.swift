/// LGDT LIDT SGDT SIDT LLDT SLDT LTR STR SMSW LMSW CLTS, MOV CRn/DRn, INVLPG, INVD/WBINVD
/// (SDM vol. 2; vol. 3, 2.4-2.5).
extension CPU {
    /// 0F 01: group 7.
    func group7(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        switch ins.reg {
        case 0, 1: // SGDT, SIDT: 16-bit limit then 32-bit base (the 286 and 16-bit forms store base 24 bits + FFh/00h)
            guard ins.hasMemoryOperand else { throw Fault.invalidOpcode }
            let off = effectiveAddress(ins)
            let mask: UInt32 = ins.address32 ? 0xFFFF_FFFF : 0xFFFF
            let (base, limit) = ins.reg == 0 ? (gdtrBase, gdtrLimit) : (idtrBase, idtrLimit)
            try checkWritable(Int(ins.seg), (off &+ 2) & mask, 2)
            try writeMem(Int(ins.seg), off, 1, limit)
            var stored = base
            if model == .i286 { stored = (base & 0x00FF_FFFF) | 0xFF00_0000 }
            else if !ins.operand32 && model == .i386 { stored = base & 0x00FF_FFFF }
            try writeMem(Int(ins.seg), (off &+ 2) & mask, 2, stored)
        case 2, 3: // LGDT, LIDT
            guard ins.hasMemoryOperand else { throw Fault.invalidOpcode }
            try requireCPL0()
            let off = effectiveAddress(ins)
            let mask: UInt32 = ins.address32 ? 0xFFFF_FFFF : 0xFFFF
            let limit = try readMem(Int(ins.seg), off, 1)
            var base = try readMem(Int(ins.seg), (off &+ 2) & mask, 2)
            // SDM: with a 16-bit operand size only 24 bits of the base are loaded.
            if !ins.operand32 { base &= 0x00FF_FFFF }
            if ins.reg == 2 { gdtrBase = base; gdtrLimit = limit } else { idtrBase = base; idtrLimit = limit }
        case 4: // SMSW: the low word of CR0 (a 32-bit register destination gets all of CR0 on the 386+)
            let v = model == .i286 ? (cr0 & 0xFFFF) | 0xFFF0 : cr0
            if ins.hasMemoryOperand { try writeRM(ins, 1, v) } else { writeReg(ins.rm, ins.vsize, v) }
        case 6: // LMSW: sets PE MP EM TS; cannot clear PE
            try requireCPL0()
            let v = try readRM(ins, 1)
            let newLow = (cr0 & 0xFFF0) | (v & 0xF) | (cr0 & CR0.pe)
            try writeCR0((cr0 & 0xFFFF_0000) | newLow)
        case 7: // INVLPG (486+)
            guard model.has486Instructions, ins.hasMemoryOperand else { throw Fault.invalidOpcode }
            try requireCPL0()
            let la = segBase[Int(ins.seg)] &+ effectiveAddress(ins)
            flushTLB(linearPage: la >> 12)
        default:
            throw Fault.invalidOpcode
        }
    }

    /// 0F 00: group 6 (SLDT STR LLDT LTR VERR VERW), protected mode only.
    func group6(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        guard protectedMode && !v86Mode else { throw Fault.invalidOpcode }
        switch ins.reg {
        case 0: try storeSelector(ins, ldtrSelector)
        case 1: try storeSelector(ins, trSelector)
        case 2: try requireCPL0(); try loadLDTR(UInt16(truncatingIfNeeded: try readRM(ins, 1)))
        case 3: try requireCPL0(); try loadTaskRegister(UInt16(truncatingIfNeeded: try readRM(ins, 1)))
        case 4, 5: try verifySegment(ins, write: ins.reg == 5)
        default: throw Fault.invalidOpcode
        }
    }

    private func storeSelector(_ ins: Instruction, _ v: UInt16) throws(Fault) {
        if ins.hasMemoryOperand { try writeRM(ins, 1, UInt32(v)) } else { writeReg(ins.rm, ins.vsize, UInt32(v)) }
    }

    /// LLDT (SDM vol. 2): null is allowed (LDT unusable); otherwise an LDT descriptor in the GDT.
    func loadLDTR(_ value: UInt16) throws(Fault) {
        let sel = Selector(value)
        if sel.isNull { ldtrSelector = value; ldtrBase = 0; ldtrLimit = 0; return }
        try require(!sel.tableIndicator, .selectorWithinTable, Fault.generalProtection(sel.errorCode),
                    "LLDT \(describe(sel)): must reference the GDT")
        let d = try readDescriptorChecked(sel)
        try require(d.systemType == .ldt, .selectorWithinTable, Fault.generalProtection(sel.errorCode),
                    "LLDT \(describe(sel)) type=\(d.typeName)")
        try require(d.present, .dataSegmentPresent, Fault.segmentNotPresent(sel.errorCode), "LLDT \(describe(sel)) P=\(d.present ? 1 : 0)")
        ldtrSelector = value; ldtrBase = d.base; ldtrLimit = d.limit
    }

    /// LTR (SDM vol. 2): an available TSS in the GDT; marks it busy.
    func loadTaskRegister(_ value: UInt16) throws(Fault) {
        let sel = Selector(value)
        try require(!sel.isNull && !sel.tableIndicator, .selectorWithinTable, Fault.generalProtection(sel.errorCode),
                    "LTR \(describe(sel)): must be a non-null GDT selector")
        let d = try readDescriptorChecked(sel)
        let available = d.systemType == .tss16Available || d.systemType == .tss32Available
        try require(available, .tssDescriptorAvailable, Fault.generalProtection(sel.errorCode),
                    "LTR \(describe(sel)) type=\(d.typeName)")
        try require(d.present, .dataSegmentPresent, Fault.segmentNotPresent(sel.errorCode), "LTR \(describe(sel)) P=\(d.present ? 1 : 0)")
        try writeSystem(descriptorAddress(sel) &+ 5, 0, UInt32(d.accessByte | 2))
        trSelector = value; trBase = d.base; trLimit = d.limit; trAttr = d.attributes | 2
    }

    /// Writes CR0, keeping the bits the model has and reacting to PE/PG/WP changes.
    func writeCR0(_ value: UInt32) throws(Fault) {
        var v = value
        if model == .i286 {
            // The 286 MSW: PE cannot be cleared once set; only the low 4 bits exist.
            v = (v & 0xF) | (cr0 & CR0.pe) | 0xFFF0
        } else {
            // SDM 2.5: PG without PE, or NW without CD, raise #GP(0).
            if v & CR0.pg != 0 && v & CR0.pe == 0 { throw Fault.generalProtection(0) }
            if model >= .i486 && v & CR0.nw != 0 && v & CR0.cd == 0 { throw Fault.generalProtection(0) }
            v |= CR0.et
            if model == .i386 { v &= 0x8000_001F }
        }
        let old = cr0
        cr0 = v
        if (old ^ v) & (CR0.pe | CR0.pg | CR0.wp) != 0 {
            flushTLB()
            for s in 0..<6 { updateSegmentAccess(s) }
        }
        if v & CR0.pe == 0 { cpl = 0 }
    }

    /// 0F 20/22 MOV r32,CRn / CRn,r32; 0F 21/23 MOV r32,DRn / DRn,r32 (386+, CPL 0).
    func movControlRegister(_ ins: Instruction) throws(Fault) {
        try requireCPL0()
        let r = ins.reg
        switch ins.op {
        case 0x120:
            let v: UInt32
            switch r {
            case 0: v = cr0
            case 2: v = cr2
            case 3: v = cr3
            case 4 where model >= .pentium: v = cr4
            default: throw Fault.invalidOpcode
            }
            regs[ins.rm] = v
        case 0x122:
            let v = regs[ins.rm]
            switch r {
            case 0: try writeCR0(v)
            case 2: cr2 = v
            case 3: cr3 = v & 0xFFFF_F018; flushTLBForCR3()
            case 4 where model >= .pentium:
                guard v & ~UInt32(0x1FF) == 0 else { throw Fault.generalProtection(0) }
                if (cr4 ^ v) & (CR4.pse | CR4.pge) != 0 { flushTLB() }
                cr4 = v
            default: throw Fault.invalidOpcode
            }
        case 0x121:
            regs[ins.rm] = debugRegisters[r]
        case 0x123:
            debugRegisters[r] = regs[ins.rm]
        default:
            // MOV TRn (386/486 test registers): accepted, with no effect.
            guard model <= .i486 else { throw Fault.invalidOpcode }
            if ins.op == 0x124 { regs[ins.rm] = 0 }
        }
    }

    /// 0F 06 CLTS.
    func clts() throws(Fault) {
        try requireCPL0()
        cr0 &= ~CR0.ts
    }
}
