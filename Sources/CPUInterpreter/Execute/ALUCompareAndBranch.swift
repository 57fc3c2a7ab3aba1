/// The fused ALU/CMP/Jcc forms (CMP of a register with an immediate or a register) (Decode/ALUCompareBranchFusion.swift): the run loop has
/// advanced EIP past all three and charged all three costs. Between the ALU instruction and
/// the CMP the loop would have tested `cycles < fastDeadline`: when that would fail, the ALU
/// instruction runs alone, with its flags, and the handler returns EIP and cycles rewound to
/// the CMP, whose own entry runs after the checks. The CMP/Jcc boundary is the pair's
/// (Execute/CompareAndBranch.swift). The ALU's flags are not recorded when the CMP follows:
/// CMP sets every flag they would have set.
extension CPU {
    @inline(__always) func aluCompareAndBranch(_ ins: Instruction, _ size: Int, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let jcc = ins.registerFormJcc
        // The common case, tested first: the loop would not stop before the Jcc, so it would
        // not stop before the CMP either (the cycles charged up to the CMP are fewer). The
        // rest lives in its own function, so this one needs few registers.
        guard _fastPath(c &- UInt64(jcc & 0xFF) < fastDeadline) else { return try aluCompareAndBranchSplit(ins, size, next, c) }
        let f = ins.aluCompareFields
        let d = Int((f >> 5) & 7)
        let m = sizeMask(size)
        let a = regs[d] & m
        // The source: a register (ADD, SUB) or the addend (an immediate, +1 INC, -1 DEC).
        let b = f & 0x10 != 0 ? UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: ins.disp))) : regs[Int((f >> 8) & 7)]
        // ADD and SUB add the source, SUB subtracts a register; an immediate SUB, INC and DEC
        // add their addend.
        let r = (f & 0x1F == 1 ? a &- b : a &+ b) & m
        if size == 2 { regs[d] = r } else { writeReg(d, 1, r) }
        instructionsRetired &+= 2            // the ALU instruction and the CMP
        return try compareAndBranch(regs[Int((f >> 11) & 7)], compareSource(ins, f), size, test: false, jcc: jcc,
                                    boundaryChecked: true, next, c)
    }

    /// The CMP's second operand: its immediate, or its register (the register form, bit 14).
    @inline(__always) func compareSource(_ ins: Instruction, _ f: UInt32) -> UInt32 {
        f & 0x4000 != 0 ? regs[Int((f >> 15) & 7)] : ins.imm
    }

    /// `aluCompareAndBranch` when the loop would have stopped before the Jcc or the CMP.
    @inline(never) func aluCompareAndBranchSplit(_ ins: Instruction, _ size: Int, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let f = ins.aluCompareFields
        let jcc = ins.registerFormJcc
        let kind = f & 0xF, d = Int((f >> 5) & 7)
        let m = sizeMask(size)
        let a = regs[d] & m
        // The source: a register (ADD, SUB) or the addend (an immediate, +1 INC, -1 DEC).
        let addend = UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: ins.disp)))
        let b = f & 0x10 != 0 ? addend : regs[Int((f >> 8) & 7)]
        // ADD and SUB add the source, SUB subtracts a register; an immediate SUB, INC and DEC
        // add their addend.
        let r = (kind == 1 && f & 0x10 == 0 ? a &- b : a &+ b) & m
        let restCost = UInt64((ins.disp >> 16) & 0xFF) &+ UInt64(jcc & 0xFF)
        guard c &- restCost < fastDeadline else {
            aluAlone(kind, d, a, f & 0x10 != 0 ? (kind == 1 ? 0 &- addend : addend) & m : b & m, size)
            return givenBack(next, c, length: ((ins.disp >> 24) & 0xF) &+ ((jcc >> 8) & 0xF), cost: restCost)
        }
        if size == 2 { regs[d] = r } else { writeReg(d, 1, r) }
        instructionsRetired &+= 1                // the ALU instruction
        return try compareAndBranch(regs[Int((f >> 11) & 7)], compareSource(ins, f), size, test: false, jcc: jcc, next, c)
    }

    /// The ALU instruction of a split entry, as its own handler runs it (flags included):
    /// `b` the register or immediate operand.
    @inline(never) func aluAlone(_ kind: UInt32, _ d: Int, _ a: UInt32, _ b: UInt32, _ size: Int) {
        let r: UInt32
        switch kind {
        case 1: r = alu(5, a, b, size)       // SUB
        case 2: r = inc(a, size)
        case 3: r = dec(a, size)
        default: r = alu(0, a, b, size)      // ADD
        }
        writeReg(d, size, r)
    }

    @inline(never) func xAluCmpRI16Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try aluCompareAndBranch(ins, 1, next, c) }
    @inline(never) func xAluCmpRI32Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try aluCompareAndBranch(ins, 2, next, c) }
}
