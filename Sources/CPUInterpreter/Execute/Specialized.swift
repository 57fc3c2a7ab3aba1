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

    /// ALU reg, imm (group 1 with a register, the accumulator forms, TEST AL/eAX).
    @inline(__always) func aluRegImm(_ ins: Instruction, _ size: Int) {
        let op = ins.fastOp, d = ins.fastDst
        let r = aluFast(op, readReg(d, size), ins.imm, size)
        if op < 7 { writeReg(d, size, r) }
    }

    /// ALU reg, mem (02/03 forms).
    @inline(__always) func aluLoad(_ ins: Instruction, _ size: Int) throws(Fault) {
        let op = ins.fastOp
        let s = try readMem(Int(ins.seg), effectiveAddress(ins), size)
        let r = aluFast(op, readReg(ins.reg, size), s, size)
        if op < 7 { writeReg(ins.reg, size, r) }
    }

    /// ALU mem, `s` (00/01 forms with Gb/Gv, group 1 with an immediate). CMP only reads;
    /// the others check the destination for writing before reading it.
    @inline(__always) func aluStore(_ ins: Instruction, _ size: Int, _ s: UInt32) throws(Fault) {
        let op = ins.fastOp
        let seg = Int(ins.seg), ea = effectiveAddress(ins)
        if op >= 7 {
            _ = aluFast(op, try readMem(seg, ea, size), s, size)
            return
        }
        let la = try linearAddress(seg, ea, size, SegmentAccess.readable | SegmentAccess.writable)
        let d = try readLinear(la, size)
        try writeLinear(la, size, aluFast(op, d, s, size))
    }

    /// Jcc with the displacement prepared; `mask` is the operand-size wrap of EIP.
    @inline(__always) func jccFast(_ ins: Instruction, _ mask: UInt32) throws(Fault) {
        guard condition(Int(ins.op & 0xF)) else { return }
        let t = (eip &+ ins.imm) & mask
        // SDM vol. 2, Jcc: a target outside the CS limit raises #GP(0).
        guard t <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        eip = t
        cycles &+= UInt64(costs.branchTakenExtra)
    }

    /// E2 LOOP: `countMask` is the address-size part of ECX that counts.
    @inline(__always) func loopFast(_ ins: Instruction, _ countMask: UInt32) throws(Fault) {
        let count = (regs[Reg.ecx] &- 1) & countMask
        regs[Reg.ecx] = (regs[Reg.ecx] & ~countMask) | count
        guard count != 0 else { return }
        try jumpNear(eip &+ ins.imm, ins.operand32)
        cycles &+= UInt64(costs.branchTakenExtra)
    }

    /// E8 CALL rel16/32.
    @inline(__always) func callRelFast(_ ins: Instruction, _ size: Int) throws(Fault) {
        let target = size == 2 ? eip &+ ins.imm : (eip &+ ins.imm) & 0xFFFF
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        try push(eip, size)
        eip = target
    }

    /// C3 RET.
    @inline(__always) func retFast(_ size: Int) throws(Fault) {
        let target = try peekStack(0, size)
        guard target <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        setStackPointer((stackPointer &+ UInt32(1 << size)) & stackMask())
        eip = target
    }
}
