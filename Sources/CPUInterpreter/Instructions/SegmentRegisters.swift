/// MOV Sreg, PUSH Sreg, POP Sreg (SDM vol. 2).
extension CPU {
    /// 8C: MOV Ew,Sreg. A register destination with a 32-bit operand gets the selector zero-extended.
    func movFromSegment(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        guard ins.reg < (model == .i286 ? 4 : 6) else { throw Fault.invalidOpcode }
        let v = UInt32(segSelector[ins.reg])
        if ins.hasMemoryOperand { try writeRM(ins, 1, v) } else { writeReg(ins.rm, ins.vsize, v) }
    }

    /// 8E: MOV Sreg,Ew. Loading CS this way is #UD; loading SS blocks interrupts for one instruction.
    func movToSegment(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let s = ins.reg
        guard s != Seg.cs, s < (model == .i286 ? 4 : 6) else { throw Fault.invalidOpcode }
        try loadSegmentRegister(s, UInt16(truncatingIfNeeded: try readRM(ins, 1)))
        if s == Seg.ss { interruptShadow = true }
    }

    func pushSegment(_ s: Int, _ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        try push(UInt32(segSelector[s]), ins.vsize)
    }

    /// POP Sreg: the stack pointer moves only if the segment load succeeds.
    func popSegment(_ s: Int, _ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let v = try peekStack(0, ins.vsize)
        // The increment uses the stack size before the load (POP SS may change SS.B).
        let wasBig = stackIs32
        let newSP = (stackPointer &+ UInt32(1 << ins.vsize)) & stackMask()
        try loadSegmentRegister(s, UInt16(truncatingIfNeeded: v))
        if wasBig { regs[Reg.esp] = newSP } else { setReg16(Reg.esp, UInt16(truncatingIfNeeded: newSP)) }
        if s == Seg.ss { interruptShadow = true }
    }

    // Specialised forms (Decode/Specialize.swift): no LOCK prefix, the operand size fixed.

    @inline(never) func xPushSreg16(_ ins: Instruction) throws(Fault) { try push(UInt32(segSelector[ins.fastDst]), 1) }
    @inline(never) func xPushSreg32(_ ins: Instruction) throws(Fault) { try push(UInt32(segSelector[ins.fastDst]), 2) }
    @inline(never) func xPopSreg16(_ ins: Instruction) throws(Fault) { try popDataSegment(ins.fastDst, 1) }
    @inline(never) func xPopSreg32(_ ins: Instruction) throws(Fault) { try popDataSegment(ins.fastDst, 2) }
    @inline(never) func xMovSregR(_ ins: Instruction) throws(Fault) {
        try loadSegmentRegister(ins.fastDst, UInt16(truncatingIfNeeded: regs[ins.fastSrc]))
    }

    /// POP ES/DS/FS/GS: SP moves only if the load succeeds; SS (and so SS.B) stays as it is.
    @inline(__always) private func popDataSegment(_ s: Int, _ size: Int) throws(Fault) {
        let sp = stackPointer
        let v = try readMem(Seg.ss, sp, size)
        try loadSegmentRegister(s, UInt16(truncatingIfNeeded: v))
        setStackPointer((sp &+ UInt32(1 << size)) & stackMask())
    }
}
