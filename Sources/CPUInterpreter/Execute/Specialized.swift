/// Bodies of the specialised handlers (Decode/Specialize.swift says what each form has
/// prepared). Each is the generic handler's rule for one operand size and one operand
/// form, written so that the size folds to a constant when inlined into `execute`.
extension CPU {
    /// The ALU operations 0-7 in opcode order, and 8 = TEST (AND without a result).
    @inline(__always) func aluFast(_ op: Int, _ d: UInt32, _ s: UInt32, _ size: Int) -> UInt32 {
        op == 8 ? alu(4, d, s, size) : alu(op, d, s, size)
    }

    /// ALU reg, reg (both directions; TEST).
    @inline(__always) func aluRegReg(_ ins: Instruction, _ size: Int) {
        let op = ins.fastOp, d = ins.fastDst
        let r = aluFast(op, readReg(d, size), readReg(ins.fastSrc, size), size)
        if op < 7 { writeReg(d, size, r) }
    }

    /// ALU reg, reg with the operation `op` a constant (the per-operation handlers).
    @inline(__always) func aluRegRegOp(_ ins: Instruction, _ size: Int, _ op: Int) {
        let d = ins.fastDst
        let r = aluFast(op, readReg(d, size), readReg(ins.fastSrc, size), size)
        if op < 7 { writeReg(d, size, r) }
    }

    /// ALU reg, imm with the operation `op` a constant.
    @inline(__always) func aluRegImmOp(_ ins: Instruction, _ size: Int, _ op: Int) {
        let d = ins.fastDst
        let r = aluFast(op, readReg(d, size), ins.imm, size)
        if op < 7 { writeReg(d, size, r) }
    }

    /// ALU reg, imm (group 1 with a register, the accumulator forms, TEST AL/eAX).
    @inline(__always) func aluRegImm(_ ins: Instruction, _ size: Int) {
        let op = ins.fastOp, d = ins.fastDst
        let r = aluFast(op, readReg(d, size), ins.imm, size)
        if op < 7 { writeReg(d, size, r) }
    }

    /// ALU reg, mem (02/03 forms).
    @inline(__always) func aluLoad(_ ins: Instruction, _ size: Int) throws(Fault) {
        try aluLoad(ins, size, effectiveAddress(ins))           // Execute/EAForms.swift
    }

    /// ALU mem, `s` (00/01 forms with Gb/Gv, group 1 with an immediate). CMP only reads;
    /// the others check the destination for writing before reading it.
    @inline(__always) func aluStore(_ ins: Instruction, _ size: Int, _ s: UInt32) throws(Fault) {
        try aluStore(ins, size, s, effectiveAddress(ins))       // Execute/EAForms.swift
    }

    /// Jcc with the displacement prepared; `mask` is the operand-size wrap of EIP, `cc` the
    /// condition (a constant in each per-condition handler). `next` and `c` are EIP and the
    /// cycle count after the instruction; the branch hands the run loop its successors
    /// (`Continuation`).
    @inline(__always) func jccFast(_ ins: Instruction, _ mask: UInt32, _ cc: Int,
                                   _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        guard condition(cc) else { return (next, c) }
        let t = (UInt32(truncatingIfNeeded: next) &+ ins.imm) & mask
        // SDM vol. 2, Jcc: a target outside the CS limit raises #GP(0).
        guard t <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        return branchTo(UInt64(t), c &+ UInt64(costs.branchTakenExtra))
    }

    /// The successors a taken near branch hands the run loop: a target below the fetch memo's
    /// base clears `fetchEnd` (the loop's fetch tests only the upper end).
    @inline(__always) func branchTo(_ t: UInt64, _ c: UInt64) -> Continuation {
        checkReloadedPC(t)
        return (t, c)
    }

    /// E2 LOOP: `countMask` is the address-size part of ECX that counts.
    @inline(__always) func loopFast(_ ins: Instruction, _ countMask: UInt32,
                                    _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let count = (regs[Reg.ecx] &- 1) & countMask
        regs[Reg.ecx] = (regs[Reg.ecx] & ~countMask) | count
        guard count != 0 else { return (next, c) }
        let t = try nearTarget(UInt32(truncatingIfNeeded: next) &+ ins.imm, ins.operand32)
        return branchTo(t, c &+ UInt64(costs.branchTakenExtra))
    }

    /// E8 CALL rel16/32.
    @inline(__always) func callRelFast(_ ins: Instruction, _ size: Int, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let ret = UInt32(truncatingIfNeeded: next)
        let target = size == 2 ? ret &+ ins.imm : (ret &+ ins.imm) & 0xFFFF
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        try push(ret, size)
        return branchTo(UInt64(target), c)
    }

    /// LODS without a repeat prefix, as `stringIteration` runs it on the 386 and later (the
    /// 286 advances SI even when the access faults): AL/AX/EAX = [seg:(E)SI], (E)SI ± size.
    @inline(__always) func lodsFast(_ ins: Instruction, _ size: Int) throws(Fault) {
        let a32 = ins.address32
        let si = a32 ? regs[Reg.esi] : regs[Reg.esi] & 0xFFFF
        writeReg(Reg.eax, size, try readMem(Int(ins.seg), si, size))
        advance(Reg.esi, df ? 0 &- UInt32(1 << size) : UInt32(1 << size), a32)
    }

    /// STOS without a repeat prefix (386 and later): [ES:(E)DI] = AL/AX/EAX, (E)DI ± size.
    @inline(__always) func stosFast(_ ins: Instruction, _ size: Int) throws(Fault) {
        let a32 = ins.address32
        let di = a32 ? regs[Reg.edi] : regs[Reg.edi] & 0xFFFF
        try writeMem(Seg.es, di, size, readReg(Reg.eax, size))
        advance(Reg.edi, df ? 0 &- UInt32(1 << size) : UInt32(1 << size), a32)
    }

    /// C3 RET.
    @inline(__always) func retFast(_ size: Int, _ c: UInt64) throws(Fault) -> Continuation {
        let target = try peekStack(0, size)
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        setStackPointer((stackPointer &+ UInt32(1 << size)) & stackMask())
        return branchTo(UInt64(target), c)
    }
}

/// One small out-of-line function per specialised form: inside it the operand size is a
/// constant and every helper inlines (inlined into the big `execute` switch instead, the
/// optimiser stopped inlining at its size limit and passed the size at run time).
extension CPU {
    @inline(never) func xAluRR8(_ ins: Instruction) { aluRegReg(ins, 0) }
    @inline(never) func xAluRR16(_ ins: Instruction) { aluRegReg(ins, 1) }
    @inline(never) func xAluRR32(_ ins: Instruction) { aluRegReg(ins, 2) }
    @inline(never) func xAluLoad8(_ ins: Instruction) throws(Fault) { try aluLoad(ins, 0) }
    @inline(never) func xAluLoad16(_ ins: Instruction) throws(Fault) { try aluLoad(ins, 1) }
    @inline(never) func xAluLoad32(_ ins: Instruction) throws(Fault) { try aluLoad(ins, 2) }
    @inline(never) func xAluStore8(_ ins: Instruction) throws(Fault) { try aluStore(ins, 0, readReg(ins.reg, 0)) }
    @inline(never) func xAluStore16(_ ins: Instruction) throws(Fault) { try aluStore(ins, 1, readReg(ins.reg, 1)) }
    @inline(never) func xAluStore32(_ ins: Instruction) throws(Fault) { try aluStore(ins, 2, regs[ins.reg]) }
    @inline(never) func xAluRI8(_ ins: Instruction) { aluRegImm(ins, 0) }
    @inline(never) func xAluRI16(_ ins: Instruction) { aluRegImm(ins, 1) }
    @inline(never) func xAluRI32(_ ins: Instruction) { aluRegImm(ins, 2) }
    @inline(never) func xAluMI8(_ ins: Instruction) throws(Fault) { try aluStore(ins, 0, ins.imm) }
    @inline(never) func xAluMI16(_ ins: Instruction) throws(Fault) { try aluStore(ins, 1, ins.imm) }
    @inline(never) func xAluMI32(_ ins: Instruction) throws(Fault) { try aluStore(ins, 2, ins.imm) }
    @inline(never) func xMovLoad8(_ ins: Instruction) throws(Fault) { writeReg(ins.reg, 0, try readMem(Int(ins.seg), effectiveAddress(ins), 0)) }
    @inline(never) func xMovLoad16(_ ins: Instruction) throws(Fault) { writeReg(ins.reg, 1, try readMem(Int(ins.seg), effectiveAddress(ins), 1)) }
    @inline(never) func xMovLoad32(_ ins: Instruction) throws(Fault) { regs[ins.reg] = try readMem(Int(ins.seg), effectiveAddress(ins), 2) }
    @inline(never) func xMovStore8(_ ins: Instruction) throws(Fault) { try writeMem(Int(ins.seg), effectiveAddress(ins), 0, readReg(ins.reg, 0)) }
    @inline(never) func xMovStore16(_ ins: Instruction) throws(Fault) { try writeMem(Int(ins.seg), effectiveAddress(ins), 1, regs[ins.reg]) }
    @inline(never) func xMovStore32(_ ins: Instruction) throws(Fault) { try writeMem(Int(ins.seg), effectiveAddress(ins), 2, regs[ins.reg]) }
    @inline(never) func xMovMI8(_ ins: Instruction) throws(Fault) { try writeMem(Int(ins.seg), effectiveAddress(ins), 0, ins.imm) }
    @inline(never) func xMovMI16(_ ins: Instruction) throws(Fault) { try writeMem(Int(ins.seg), effectiveAddress(ins), 1, ins.imm) }
    @inline(never) func xMovMI32(_ ins: Instruction) throws(Fault) { try writeMem(Int(ins.seg), effectiveAddress(ins), 2, ins.imm) }
    @inline(__always) func xJmp16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        branchTo(try nearTarget(UInt32(truncatingIfNeeded: next) &+ ins.imm, false), c)
    }
    @inline(__always) func xJmp32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        branchTo(try nearTarget(UInt32(truncatingIfNeeded: next) &+ ins.imm, true), c)
    }
    @inline(__always) func xLoop16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try loopFast(ins, 0xFFFF, next, c) }
    @inline(__always) func xLoop32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try loopFast(ins, 0xFFFF_FFFF, next, c) }
    @inline(never) func xCallRel16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try callRelFast(ins, 1, next, c) }
    @inline(never) func xCallRel32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try callRelFast(ins, 2, next, c) }
    @inline(never) func xRet16(_ ins: Instruction, _ c: UInt64) throws(Fault) -> Continuation { try retFast(1, c) }
    @inline(never) func xRet32(_ ins: Instruction, _ c: UInt64) throws(Fault) -> Continuation { try retFast(2, c) }
    @inline(__always) func xIncR16(_ ins: Instruction) { writeReg(ins.fastDst, 1, inc(regs[ins.fastDst] & 0xFFFF, 1)) }
    @inline(__always) func xIncR32(_ ins: Instruction) { regs[ins.fastDst] = inc(regs[ins.fastDst], 2) }
    @inline(__always) func xDecR16(_ ins: Instruction) { writeReg(ins.fastDst, 1, dec(regs[ins.fastDst] & 0xFFFF, 1)) }
    @inline(__always) func xDecR32(_ ins: Instruction) { regs[ins.fastDst] = dec(regs[ins.fastDst], 2) }
    @inline(never) func xPushR16(_ ins: Instruction) throws(Fault) { try push(regs[ins.fastDst] & 0xFFFF, 1) }
    @inline(never) func xPushR32(_ ins: Instruction) throws(Fault) { try push(regs[ins.fastDst], 2) }
    @inline(never) func xPopR16(_ ins: Instruction) throws(Fault) { let v = try pop(1); writeReg(ins.fastDst, 1, v) }
    @inline(never) func xPopR32(_ ins: Instruction) throws(Fault) { let v = try pop(2); regs[ins.fastDst] = v }
    @inline(__always) func xLea16(_ ins: Instruction) { writeReg(ins.reg, 1, effectiveAddress(ins)) }
    @inline(__always) func xLea32(_ ins: Instruction) { regs[ins.reg] = effectiveAddress(ins) }
    @inline(__always) func xShiftRI8(_ ins: Instruction) { let d = ins.fastDst; writeReg(d, 0, shift(ins.fastOp, readReg(d, 0), ins.imm, 0)) }
    @inline(__always) func xShiftRI16(_ ins: Instruction) { let d = ins.fastDst; writeReg(d, 1, shift(ins.fastOp, regs[d] & 0xFFFF, ins.imm, 1)) }
    @inline(__always) func xShiftRI32(_ ins: Instruction) { let d = ins.fastDst; regs[d] = shift(ins.fastOp, regs[d], ins.imm, 2) }
    @inline(never) func xMovzxLoad8To32(_ ins: Instruction) throws(Fault) { regs[ins.reg] = try readMem(Int(ins.seg), effectiveAddress(ins), 0) }
    @inline(__always) func xImulRR32(_ ins: Instruction) { let d = ins.fastDst; regs[d] = multiplySigned(regs[d], regs[ins.fastSrc], 2) }
    @inline(__always) func xImulRI32(_ ins: Instruction) { regs[ins.fastDst] = multiplySigned(regs[ins.fastSrc], ins.imm, 2) }
    @inline(never) func xLods8(_ ins: Instruction) throws(Fault) { try lodsFast(ins, 0) }
    @inline(never) func xLods16(_ ins: Instruction) throws(Fault) { try lodsFast(ins, 1) }
    @inline(never) func xLods32(_ ins: Instruction) throws(Fault) { try lodsFast(ins, 2) }
    @inline(never) func xStos8(_ ins: Instruction) throws(Fault) { try stosFast(ins, 0) }
    @inline(never) func xStos16(_ ins: Instruction) throws(Fault) { try stosFast(ins, 1) }
    @inline(never) func xStos32(_ ins: Instruction) throws(Fault) { try stosFast(ins, 2) }
}
