/// Near and far JMP/CALL/RET, Jcc, LOOP/JCXZ, INT n/INT3/INTO/IRET, BOUND (SDM vol. 2).
/// Protected-mode far transfers go through Protection/FarTransfer.swift.
extension CPU {
    /// 70-7F, 0F 80-8F: Jcc rel8 / rel16/32.
    @inline(__always) func jcc(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let cc = Int(ins.op & 0xF)
        guard condition(cc) else { return }
        let rel = ins.op < 0x100 ? signExtend8(ins.imm) : (ins.operand32 ? ins.imm : signExtend16(ins.imm))
        try jumpNear(eip &+ rel, ins.operand32)
        cycles &+= UInt64(costs.branchTakenExtra)
    }

    /// E9 JMP rel16/32, EB JMP rel8.
    func jmpRelative(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let rel = ins.op == 0xEB ? signExtend8(ins.imm) : (ins.operand32 ? ins.imm : signExtend16(ins.imm))
        try jumpNear(eip &+ rel, ins.operand32)
    }

    /// E8 CALL rel16/32.
    func callRelative(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let rel = ins.operand32 ? ins.imm : signExtend16(ins.imm)
        let target = ins.operand32 ? eip &+ rel : (eip &+ rel) & 0xFFFF
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        try push(eip, ins.vsize)
        eip = target
    }

    /// C3 RET, C2 RET imm16.
    func retNear(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let size = ins.vsize
        let target = try peekStack(0, size)
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        let release = UInt32(1 << size) &+ (ins.op == 0xC2 ? ins.imm & 0xFFFF : 0)
        setStackPointer((stackPointer &+ release) & stackMask())
        eip = target
    }

    /// E0 LOOPNE, E1 LOOPE, E2 LOOP, E3 JCXZ/JECXZ: the counter is CX or ECX by address size.
    func loop(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let a32 = ins.address32
        var count = a32 ? regs[Reg.ecx] : regs[Reg.ecx] & 0xFFFF
        let taken: Bool
        if ins.op == 0xE3 {
            taken = count == 0
        } else {
            count = count &- 1
            if a32 { regs[Reg.ecx] = count } else { setReg16(Reg.ecx, UInt16(truncatingIfNeeded: count)) }
            switch ins.op {
            case 0xE0: taken = count & (a32 ? 0xFFFF_FFFF : 0xFFFF) != 0 && !zf
            case 0xE1: taken = count & (a32 ? 0xFFFF_FFFF : 0xFFFF) != 0 && zf
            default: taken = count & (a32 ? 0xFFFF_FFFF : 0xFFFF) != 0
            }
        }
        if taken {
            try jumpNear(eip &+ signExtend8(ins.imm), ins.operand32)
            cycles &+= UInt64(costs.branchTakenExtra)
        }
    }

    /// FF /2 CALL Ev, FF /4 JMP Ev (near, absolute indirect).
    func indirectNear(_ ins: Instruction, call: Bool) throws(Fault) {
        try checkLock(ins, lockable: false)
        // A copy of the body per operand size (the size constant in the read and the push).
        if ins.vsize == 2 { try indirectNear(ins, call: call, size: 2) } else { try indirectNear(ins, call: call, size: 1) }
    }

    @inline(__always) private func indirectNear(_ ins: Instruction, call: Bool, size: Int) throws(Fault) {
        let target = try readRM(ins, size)
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        if call { try push(eip, size) }
        eip = target
    }

    /// FF /3 CALL Mp, FF /5 JMP Mp (far, indirect through memory).
    func indirectFar(_ ins: Instruction, call: Bool) throws(Fault) {
        try checkLock(ins, lockable: false)
        guard ins.hasMemoryOperand else { throw Fault.invalidOpcode }
        let size = ins.vsize
        let off = effectiveAddress(ins)
        let mask: UInt32 = ins.address32 ? 0xFFFF_FFFF : 0xFFFF
        let offset = try readMem(Int(ins.seg), off, size)
        let selector = UInt16(try readMem(Int(ins.seg), (off &+ UInt32(1 << size)) & mask, 1))
        if call { try farCall(selector, offset, size) } else { try farJump(selector, offset, size) }
    }

    /// 9A CALL ptr16:16/32, EA JMP ptr16:16/32.
    func directFar(_ ins: Instruction, call: Bool) throws(Fault) {
        try checkLock(ins, lockable: false)
        let offset = ins.operand32 ? ins.imm : ins.imm & 0xFFFF
        if call { try farCall(UInt16(ins.imm2), offset, ins.vsize) } else { try farJump(UInt16(ins.imm2), offset, ins.vsize) }
    }

    /// Far JMP: real mode loads CS like a data segment; protected mode checks descriptors and gates.
    func farJump(_ selector: UInt16, _ offset: UInt32, _ size: Int) throws(Fault) {
        if protectedMode && !v86Mode { try protectedFarJump(selector, offset, size); return }
        let target = size == 2 ? offset : offset & 0xFFFF
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        loadRealModeSegment(Seg.cs, selector)
        eip = target
    }

    func farCall(_ selector: UInt16, _ offset: UInt32, _ size: Int) throws(Fault) {
        if protectedMode && !v86Mode {
            // Straight to the direct call `protectedFarCall` tries first.
            if observer == nil && callThroughGateDirectly(selector) { return }
            try protectedFarCall(selector, offset, size)
            return
        }
        let target = size == 2 ? offset : offset & 0xFFFF
        // Push CS and (E)IP first (both checked before SP changes), then check the target.
        let sp = stackPointer, n = UInt32(1 << size), mask = stackMask()
        try writeMem(Seg.ss, (sp &- n) & mask, size, UInt32(segSelector[Seg.cs]))
        try writeMem(Seg.ss, (sp &- 2 &* n) & mask, size, eip)
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        setStackPointer((sp &- 2 &* n) & mask)
        loadRealModeSegment(Seg.cs, selector)
        eip = target
    }

    /// CB RETF, CA RETF imm16.
    func retFar(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let size = ins.vsize
        let release = ins.op == 0xCA ? ins.imm & 0xFFFF : 0
        if protectedMode && !v86Mode {
            // Straight to the direct return `protectedFarReturn` tries first.
            if observer == nil && farReturnDirectly(size, release: release) { return }
            try protectedFarReturn(size, release: release)
            return
        }
        let offset = try peekStack(0, size)
        let selector = UInt16(truncatingIfNeeded: try peekStack(UInt32(1 << size), size))
        let target = size == 2 ? offset : offset & 0xFFFF
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        setStackPointer((stackPointer &+ UInt32(2 << size) &+ release) & stackMask())
        loadRealModeSegment(Seg.cs, selector)
        eip = target
    }

    /// CD INT n, CC INT3, CE INTO, F1 INT1/ICEBP: traps whose saved (E)IP is the next instruction.
    func softwareInterrupt(_ vector: UInt8) throws(Fault) {
        // SDM 20.2: in virtual-8086 mode INT n with IOPL < 3 raises #GP(0).
        if v86Mode && iopl < 3 { throw Fault.generalProtection(0) }
        // Straight to the direct delivery `protectedModeInterrupt` tries first (Protection/DirectTransfers.swift).
        if protectedMode && !v86Mode && observer == nil
            && deliverThroughGateDirectly(vector: vector, errorCode: nil, returnTo: eip, software: true) {
            return
        }
        try interruptOrException(vector: vector, errorCode: nil, returnTo: eip, software: true, external: false)
    }

    /// CF IRET/IRETD.
    func iret(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let size = ins.vsize
        // Straight to the direct return `protectedIret` tries first outside V86 mode with NT = 0.
        if protectedMode && !v86Mode && flagsStore & Flag.nt == 0 && observer == nil
            && returnFromInterruptDirectly(size) {
            return
        }
        if protectedMode { try protectedIret(size); return }
        let offset = try peekStack(0, size)
        let selector = UInt16(truncatingIfNeeded: try peekStack(UInt32(1 << size), size))
        let flags = try peekStack(UInt32(2 << size), size)
        let target = size == 2 ? offset : offset & 0xFFFF
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        setStackPointer((stackPointer &+ UInt32(3 << size)) & stackMask())
        loadRealModeSegment(Seg.cs, selector)
        eip = target
        // Real mode: every writable flag may change (IOPL/NT too on the 386+); VM, VIF, VIP and RF keep their values.
        var writable = model.writableFlagsMask
        if size == 1 { writable &= 0xFFFF }
        materializeFlags()
        flagsStore = (flagsStore & ~writable) | (flags & writable) | 0x2
        flagsLoaded()
    }

    /// 62 BOUND Gv,Ma: #BR unless lower ≤ index ≤ upper (signed).
    func bound(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        guard ins.hasMemoryOperand else { throw Fault.invalidOpcode }
        let size = ins.vsize
        let off = effectiveAddress(ins)
        let mask: UInt32 = ins.address32 ? 0xFFFF_FFFF : 0xFFFF
        let lower = try readMem(Int(ins.seg), off, size)
        let upper = try readMem(Int(ins.seg), (off &+ UInt32(1 << size)) & mask, size)
        let v = readReg(ins.reg, size)
        let inRange: Bool
        if size == 1 {
            let x = Int16(truncatingIfNeeded: v)
            inRange = x >= Int16(truncatingIfNeeded: lower) && x <= Int16(truncatingIfNeeded: upper)
        } else {
            let x = Int32(bitPattern: v)
            inRange = x >= Int32(bitPattern: lower) && x <= Int32(bitPattern: upper)
        }
        if !inRange { throw Fault.boundRange }
    }
}
