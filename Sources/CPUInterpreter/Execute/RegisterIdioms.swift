/// The fused register idioms (Decode/RegisterIdiomFusion.swift): the run loop has advanced
/// EIP past both instructions and charged both costs. Between the two the loop would have
/// tested `cycles < fastDeadline`: when that would fail, the first instruction runs alone and
/// the second is given back (the handler returns EIP and cycles rewound to it) to run from its
/// own decode-cache entry after the checks, as the fused compare-and-branch forms do
/// (Execute/CompareAndBranch.swift). Counting, cycles and state are those of two separate
/// instructions.
extension CPU {
    /// Whether the second instruction of a fused idiom runs now (its cost and length in `imm2`).
    @inline(__always) private func idiomSecondProceeds(_ ins: Instruction, _ c: UInt64) -> Bool {
        fusedSecondProceeds(c, cost: UInt64(ins.imm2 >> 8))
    }

    /// The continuation of an idiom: after both, or rewound to the second.
    @inline(__always) private func idiomContinuation(_ ins: Instruction, ran: Bool, _ next: UInt64, _ c: UInt64) -> Continuation {
        ran ? (next, c) : givenBack(next, c, length: (ins.imm2 >> 4) & 0xF, cost: UInt64(ins.imm2 >> 8))
    }

    /// MOV r, s then SHL (4), SHR (5) or SAR (7) r by the count in `imm`, as `xShlRI16`...
    /// `xSarRI32` shift.
    @inline(__always) private func copyAndShift(_ ins: Instruction, _ size: Int, _ next: UInt64, _ c: UInt64) -> Continuation {
        let d = ins.fastDst
        let v = regs[ins.fastSrc] & sizeMask(size)
        var r = v
        let ran = idiomSecondProceeds(ins, c)
        if ran {
            switch ins.fastOp {
            case 4: r = shiftFast(4, v, ins.imm, size)
            case 5: r = shiftFast(5, v, ins.imm, size)
            default: r = shiftFast(7, v, ins.imm, size)
            }
        }
        if size == 2 { regs[d] = r } else { writeReg(d, 1, r) }
        return idiomContinuation(ins, ran: ran, next, c)
    }

    /// ADD r, s then ADC r, imm: the carry of the ADD feeds the ADC directly, and the flags
    /// are the ADC's, recorded as `alu` records them.
    @inline(__always) private func addThenAddCarry(_ ins: Instruction, _ size: Int, _ next: UInt64, _ c: UInt64) -> Continuation {
        let d = ins.fastDst, m = sizeMask(size)
        let x = regs[d] & m, y = regs[ins.fastSrc] & m
        let sum = (x &+ y) & m
        var r = sum
        let ran = idiomSecondProceeds(ins, c)
        if ran {
            r = (sum &+ ins.imm &+ (sum < x ? 1 : 0)) & m
            setLazy(.add, size, sum, ins.imm, r)
        } else {
            setLazy(.add, size, x, y, sum)
        }
        if size == 2 { regs[d] = r } else { writeReg(d, 1, r) }
        return idiomContinuation(ins, ran: ran, next, c)
    }

    @inline(never) func xMovShiftRI16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) -> Continuation { copyAndShift(ins, 1, next, c) }
    @inline(never) func xMovShiftRI32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) -> Continuation { copyAndShift(ins, 2, next, c) }
    @inline(never) func xAddAdcRI16(_ ins: Instruction, _ next: UInt64, _ c: UInt64) -> Continuation { addThenAddCarry(ins, 1, next, c) }
    @inline(never) func xAddAdcRI32(_ ins: Instruction, _ next: UInt64, _ c: UInt64) -> Continuation { addThenAddCarry(ins, 2, next, c) }
}
