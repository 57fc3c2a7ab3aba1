/// Bodies of the per-operation ALU forms, the per-condition Jcc forms and the
/// per-operation SHL/SHR/SAR forms (Decode/Specialize.swift picks them): the operation or
/// condition is a constant in each body, so the lazy-flag record, the condition test and
/// the shift compile without a switch. The register forms are inlined into the dispatch
/// switch (Execute/Dispatch.swift says why); the Jcc forms stay calls.
extension CPU {
    @inline(__always) func xAddRR8(_ ins: Instruction) { aluRegRegOp(ins, 0, 0) }
    @inline(__always) func xOrRR8(_ ins: Instruction) { aluRegRegOp(ins, 0, 1) }
    @inline(__always) func xAndRR8(_ ins: Instruction) { aluRegRegOp(ins, 0, 4) }
    @inline(__always) func xSubRR8(_ ins: Instruction) { aluRegRegOp(ins, 0, 5) }
    @inline(__always) func xXorRR8(_ ins: Instruction) { aluRegRegOp(ins, 0, 6) }
    @inline(__always) func xCmpRR8(_ ins: Instruction) { aluRegRegOp(ins, 0, 7) }
    @inline(__always) func xTestRR8(_ ins: Instruction) { aluRegRegOp(ins, 0, 8) }
    @inline(__always) func xAddRR16(_ ins: Instruction) { aluRegRegOp(ins, 1, 0) }
    @inline(__always) func xOrRR16(_ ins: Instruction) { aluRegRegOp(ins, 1, 1) }
    @inline(__always) func xAndRR16(_ ins: Instruction) { aluRegRegOp(ins, 1, 4) }
    @inline(__always) func xSubRR16(_ ins: Instruction) { aluRegRegOp(ins, 1, 5) }
    @inline(__always) func xXorRR16(_ ins: Instruction) { aluRegRegOp(ins, 1, 6) }
    @inline(__always) func xCmpRR16(_ ins: Instruction) { aluRegRegOp(ins, 1, 7) }
    @inline(__always) func xTestRR16(_ ins: Instruction) { aluRegRegOp(ins, 1, 8) }
    @inline(__always) func xAddRR32(_ ins: Instruction) { aluRegRegOp(ins, 2, 0) }
    @inline(__always) func xOrRR32(_ ins: Instruction) { aluRegRegOp(ins, 2, 1) }
    @inline(__always) func xAndRR32(_ ins: Instruction) { aluRegRegOp(ins, 2, 4) }
    @inline(__always) func xSubRR32(_ ins: Instruction) { aluRegRegOp(ins, 2, 5) }
    @inline(__always) func xXorRR32(_ ins: Instruction) { aluRegRegOp(ins, 2, 6) }
    @inline(__always) func xCmpRR32(_ ins: Instruction) { aluRegRegOp(ins, 2, 7) }
    @inline(__always) func xTestRR32(_ ins: Instruction) { aluRegRegOp(ins, 2, 8) }
    @inline(__always) func xAddRI16(_ ins: Instruction) { aluRegImmOp(ins, 1, 0) }
    @inline(__always) func xOrRI16(_ ins: Instruction) { aluRegImmOp(ins, 1, 1) }
    @inline(__always) func xAndRI16(_ ins: Instruction) { aluRegImmOp(ins, 1, 4) }
    @inline(__always) func xSubRI16(_ ins: Instruction) { aluRegImmOp(ins, 1, 5) }
    @inline(__always) func xXorRI16(_ ins: Instruction) { aluRegImmOp(ins, 1, 6) }
    @inline(__always) func xCmpRI16(_ ins: Instruction) { aluRegImmOp(ins, 1, 7) }
    @inline(__always) func xTestRI16(_ ins: Instruction) { aluRegImmOp(ins, 1, 8) }
    @inline(__always) func xAddRI32(_ ins: Instruction) { aluRegImmOp(ins, 2, 0) }
    @inline(__always) func xOrRI32(_ ins: Instruction) { aluRegImmOp(ins, 2, 1) }
    @inline(__always) func xAndRI32(_ ins: Instruction) { aluRegImmOp(ins, 2, 4) }
    @inline(__always) func xSubRI32(_ ins: Instruction) { aluRegImmOp(ins, 2, 5) }
    @inline(__always) func xXorRI32(_ ins: Instruction) { aluRegImmOp(ins, 2, 6) }
    @inline(__always) func xCmpRI32(_ ins: Instruction) { aluRegImmOp(ins, 2, 7) }
    @inline(__always) func xTestRI32(_ ins: Instruction) { aluRegImmOp(ins, 2, 8) }
    @inline(never) func xJo16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 0, next, c) }
    @inline(never) func xJno16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 1, next, c) }
    @inline(never) func xJb16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 2, next, c) }
    @inline(never) func xJae16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 3, next, c) }
    @inline(never) func xJe16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 4, next, c) }
    @inline(never) func xJne16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 5, next, c) }
    @inline(never) func xJbe16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 6, next, c) }
    @inline(never) func xJa16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 7, next, c) }
    @inline(never) func xJs16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 8, next, c) }
    @inline(never) func xJns16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 9, next, c) }
    @inline(never) func xJp16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 10, next, c) }
    @inline(never) func xJnp16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 11, next, c) }
    @inline(never) func xJl16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 12, next, c) }
    @inline(never) func xJge16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 13, next, c) }
    @inline(never) func xJle16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 14, next, c) }
    @inline(never) func xJg16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF, 15, next, c) }
    @inline(never) func xJo32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 0, next, c) }
    @inline(never) func xJno32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 1, next, c) }
    @inline(never) func xJb32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 2, next, c) }
    @inline(never) func xJae32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 3, next, c) }
    @inline(never) func xJe32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 4, next, c) }
    @inline(never) func xJne32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 5, next, c) }
    @inline(never) func xJbe32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 6, next, c) }
    @inline(never) func xJa32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 7, next, c) }
    @inline(never) func xJs32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 8, next, c) }
    @inline(never) func xJns32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 9, next, c) }
    @inline(never) func xJp32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 10, next, c) }
    @inline(never) func xJnp32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 11, next, c) }
    @inline(never) func xJl32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 12, next, c) }
    @inline(never) func xJge32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 13, next, c) }
    @inline(never) func xJle32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 14, next, c) }
    @inline(never) func xJg32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try jccFast(ins, 0xFFFF_FFFF, 15, next, c) }
    @inline(__always) func xAdcRI16(_ ins: Instruction) { aluRegImmOp(ins, 1, 2) }
    @inline(__always) func xAdcRI32(_ ins: Instruction) { aluRegImmOp(ins, 2, 2) }
    @inline(__always) func xShlRI16(_ ins: Instruction) { let d = ins.fastDst; writeReg(d, 1, shiftFast(4, regs[d] & 0xFFFF, ins.imm, 1)) }
    @inline(__always) func xShrRI16(_ ins: Instruction) { let d = ins.fastDst; writeReg(d, 1, shiftFast(5, regs[d] & 0xFFFF, ins.imm, 1)) }
    @inline(__always) func xSarRI16(_ ins: Instruction) { let d = ins.fastDst; writeReg(d, 1, shiftFast(7, regs[d] & 0xFFFF, ins.imm, 1)) }
    @inline(__always) func xShlRI32(_ ins: Instruction) { let d = ins.fastDst; regs[d] = shiftFast(4, regs[d], ins.imm, 2) }
    @inline(__always) func xShrRI32(_ ins: Instruction) { let d = ins.fastDst; regs[d] = shiftFast(5, regs[d], ins.imm, 2) }
    @inline(__always) func xSarRI32(_ ins: Instruction) { let d = ins.fastDst; regs[d] = shiftFast(7, regs[d], ins.imm, 2) }

    /// Group 3 /4-/7 of a register: `fastOp` is the ModRM reg field, `fastDst` the register.
    @inline(__always) func mulDivRegister(_ ins: Instruction, _ size: Int) throws(Fault) {
        let s = readReg(ins.fastDst, size)
        switch ins.fastOp {
        case 4: try multiplyUnsigned(s, size)
        case 5: try multiplySigned(s, size)
        case 6: try divideUnsigned(s, size)
        default: try divideSigned(s, size)
        }
    }
    @inline(never) func xMulDivR8(_ ins: Instruction) throws(Fault) { try mulDivRegister(ins, 0) }
    @inline(never) func xMulDivR16(_ ins: Instruction) throws(Fault) { try mulDivRegister(ins, 1) }
    @inline(never) func xMulDivR32(_ ins: Instruction) throws(Fault) { try mulDivRegister(ins, 2) }
}
