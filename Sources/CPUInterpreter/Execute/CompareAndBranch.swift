/// The fused compare-and-branch forms (Decode/CompareBranchFusion.swift): CMP, TEST, INC or
/// DEC, then the Jcc after it, in one dispatch. The run loop has already advanced EIP past both and
/// charged both costs. Between the two the loop would have tested `cycles < fastDeadline`
/// (TF, a debugger hook, a pending interrupt, a stop request and the end of the cycle budget
/// all make that test fail): when it would fail, the Jcc is given back (the handler returns
/// EIP and cycles rewound to it) and runs from its own decode-cache entry after the checks. Counting,
/// cycles and a fault's EIP are those of two separate instructions.
extension CPU {
    /// CMP (`test` false: a - b) or TEST (a AND b) of `size`-bit values, recorded in the lazy
    /// flags as the generic ALU does, then the fused Jcc (`jcc` its word, see fusion).
    /// `boundaryChecked`: the caller has already found that the loop would not stop before
    /// the Jcc, and counted the compare.
    @inline(__always) func compareAndBranch(_ a: UInt32, _ b: UInt32, _ size: Int, test: Bool, jcc: UInt32,
                                            boundaryChecked: Bool = false,
                                            _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let m = sizeMask(size), msb = signBit(size)
        let x = a & m, y = b & m
        let r = test ? x & y : (x &- y) & m
        setLazy(test ? .logic : .sub, size, x, y, r)
        guard boundaryChecked || fusedJccProceeds(jcc, c) else { return jccGivenBack(jcc, next, c) }
        // SDM vol. 2 table B-1, from the compared values: for CMP, CF is x < y, ZF x == y,
        // SF != OF a signed x < y; TEST clears CF and OF. JP/JNP (10, 11) are not fused.
        let taken: Bool
        switch (jcc >> 12) & 0xF {
        case 0: taken = test ? false : (x ^ y) & (x ^ r) & msb != 0                   // JO
        case 1: taken = test ? true : (x ^ y) & (x ^ r) & msb == 0                    // JNO
        case 2: taken = test ? false : x < y                                          // JB
        case 3: taken = test ? true : x >= y                                          // JAE
        case 4: taken = r == 0                                                        // JE
        case 5: taken = r != 0                                                        // JNE
        case 6: taken = test ? r == 0 : x <= y                                        // JBE
        case 7: taken = test ? r != 0 : x > y                                         // JA
        case 8: taken = r & msb != 0                                                  // JS
        case 9: taken = r & msb == 0                                                  // JNS
        case 12: taken = test ? r & msb != 0 : signedLess(x, y, size)                 // JL
        case 13: taken = test ? r & msb == 0 : !signedLess(x, y, size)                // JGE
        case 14: taken = test ? r == 0 || r & msb != 0 : !signedLess(y, x, size)      // JLE
        default: taken = test ? r != 0 && r & msb == 0 : signedLess(y, x, size)       // JG
        }
        guard taken else { return (next, c) }
        // The Jcc's operand size: the compare's for 16- and 32-bit compares, the code
        // segment's default for 8-bit ones (fusion checks both).
        return try fusedJump(jcc, wide: size == 0 ? codeIs32 : size == 2, next, c)
    }

    /// INC (`decrement` false) or DEC of the `size`-bit register `fastDst`, recorded in the
    /// lazy flags as `inc`/`dec` do, then the fused Jcc, which reads no CF (fusion checks).
    @inline(__always) func incDecAndBranch(_ ins: Instruction, _ size: Int, decrement: Bool,
                                           _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let d = ins.fastDst, msb = signBit(size)
        let v = size == 0 ? readReg(d, 0) : regs[d] & sizeMask(size)
        let r = decrement ? dec(v, size) : inc(v, size)
        if size == 2 { regs[d] = r } else { writeReg(d, size, r) }
        let jcc = ins.registerFormJcc
        guard fusedJccProceeds(jcc, c) else { return jccGivenBack(jcc, next, c) }
        // SDM vol. 2, INC/DEC: OF is set when the result crosses the signed limit (INC gives
        // 80..0, DEC gives 7F..F); SF and ZF come from the result.
        let o = r == (decrement ? msb &- 1 : msb)
        let sf = r & msb != 0
        let taken: Bool
        switch (jcc >> 12) & 0xF {
        case 0: taken = o                                                             // JO
        case 1: taken = !o                                                            // JNO
        case 4: taken = r == 0                                                        // JE
        case 5: taken = r != 0                                                        // JNE
        case 8: taken = sf                                                            // JS
        case 9: taken = !sf                                                           // JNS
        case 12: taken = sf != o                                                      // JL
        case 13: taken = sf == o                                                      // JGE
        case 14: taken = r == 0 || sf != o                                            // JLE
        default: taken = r != 0 && sf == o                                            // JG
        }
        guard taken else { return (next, c) }
        // The Jcc's operand size: as for the compares, the code segment's default after an
        // 8-bit INC or DEC (fusion checks it).
        return try fusedJump(jcc, wide: size == 0 ? codeIs32 : size == 2, next, c)
    }

    /// Whether the fused Jcc runs now (`c` the cycles charged for the pair): it does unless
    /// the loop would have stopped between the two instructions, in which case the handler
    /// gives it back (`jccGivenBack`). Counts the first instruction of the pair (the loop
    /// counts the Jcc).
    @inline(__always) func fusedJccProceeds(_ jcc: UInt32, _ c: UInt64) -> Bool {
        // cost 0-7, length 8-11, condition 12-15, displacement 16-31
        fusedSecondProceeds(c, cost: UInt64(jcc & 0xFF))
    }

    /// Whether the last instruction of a fused entry (`cost` cycles of the `c` charged) runs
    /// now: it does unless the loop would have stopped before it, in which case the handler
    /// gives it back (`givenBack`) to run from its own entry after the loop's checks. Counts
    /// the instruction before it (the loop counts the last).
    @inline(__always) func fusedSecondProceeds(_ c: UInt64, cost: UInt64) -> Bool {
        guard c &- cost < fastDeadline else { return false }
        instructionsRetired &+= 1
        return true
    }

    /// The continuation of a fused entry whose last `length` bytes (`cost` cycles) are given
    /// back: EIP and cycles rewound to them. The rewound cycle count is not below the loop's
    /// deadline, so the loop makes its checks before the given-back instruction runs from its
    /// own entry. EIP stays inside the entry's bytes, so the fetch memo still covers it.
    @inline(__always) func givenBack(_ next: UInt64, _ c: UInt64, length: UInt32, cost: UInt64) -> Continuation {
        (next &- UInt64(length), c &- cost)
    }

    /// `givenBack` for the Jcc of a fused entry (its word `jcc`).
    @inline(__always) func jccGivenBack(_ jcc: UInt32, _ next: UInt64, _ c: UInt64) -> Continuation {
        givenBack(next, c, length: (jcc >> 8) & 0xF, cost: UInt64(jcc & 0xFF))
    }

    /// The fused Jcc (its word `jcc`) is taken: `wide` its operand size; `next` is EIP after
    /// the pair.
    @inline(__always) func fusedJump(_ jcc: UInt32, wide: Bool, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let disp = UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: jcc >> 16)))
        let t = (UInt32(truncatingIfNeeded: next) &+ disp) & (wide ? 0xFFFF_FFFF : 0xFFFF)
        // SDM vol. 2, Jcc: a target outside the CS limit raises #GP(0), at the Jcc.
        guard t <= segLimit[Seg.cs] else { try fusedBranchOutsideLimit(jccLength: (jcc >> 8) & 0xF) }
        return branchTo(UInt64(t), c &+ UInt64(costs.branchTakenExtra))
    }

    /// The memory operand of a fused CMP: a fault here is the CMP's, so the Jcc's cycles,
    /// charged with the pair's, are given back before it is delivered.
    @inline(__always) func fusedOperandRead(_ ins: Instruction, _ ea: UInt32) throws(Fault) -> UInt32 {
        do {
            return try readMem(Int(ins.seg), ea, 2)
        } catch {
            cycles &-= UInt64(ins.imm & 0xFF)
            throw error
        }
    }

    /// x < y as signed `size`-bit values.
    @inline(__always) func signedLess(_ x: UInt32, _ y: UInt32, _ size: Int) -> Bool {
        switch size {
        case 0: return Int8(truncatingIfNeeded: x) < Int8(truncatingIfNeeded: y)
        case 1: return Int16(truncatingIfNeeded: x) < Int16(truncatingIfNeeded: y)
        default: return Int32(bitPattern: x) < Int32(bitPattern: y)
        }
    }

    /// #GP(0) for a fused Jcc whose target lies beyond the CS limit, delivered at the Jcc.
    @inline(never) func fusedBranchOutsideLimit(jccLength: UInt32) throws(Fault) -> Never {
        instructionStart = eip &- jccLength
        throw Fault.generalProtection(0)
    }

    @inline(never) func xCmpRR8Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        return try compareAndBranch(readReg(ins.fastDst, 0), readReg(ins.fastSrc, 0), 0, test: false, jcc: ins.registerFormJcc, next, c)
    }
    @inline(never) func xTestRR8Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        return try compareAndBranch(readReg(ins.fastDst, 0), readReg(ins.fastSrc, 0), 0, test: true, jcc: ins.registerFormJcc, next, c)
    }
    @inline(never) func xCmpRR16Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        return try compareAndBranch(regs[ins.fastDst], regs[ins.fastSrc], 1, test: false, jcc: ins.registerFormJcc, next, c)
    }
    @inline(never) func xTestRR16Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        return try compareAndBranch(regs[ins.fastDst], regs[ins.fastSrc], 1, test: true, jcc: ins.registerFormJcc, next, c)
    }
    @inline(never) func xCmpRR32Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        return try compareAndBranch(regs[ins.fastDst], regs[ins.fastSrc], 2, test: false, jcc: ins.registerFormJcc, next, c)
    }
    @inline(never) func xTestRR32Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        return try compareAndBranch(regs[ins.fastDst], regs[ins.fastSrc], 2, test: true, jcc: ins.registerFormJcc, next, c)
    }
    @inline(never) func xCmpRI16Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        return try compareAndBranch(regs[ins.fastDst], ins.imm, 1, test: false, jcc: ins.registerFormJcc, next, c)
    }
    @inline(never) func xCmpRI32Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        return try compareAndBranch(regs[ins.fastDst], ins.imm, 2, test: false, jcc: ins.registerFormJcc, next, c)
    }
    @inline(never) func xIncR16Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try incDecAndBranch(ins, 1, decrement: false, next, c) }
    @inline(never) func xIncR32Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try incDecAndBranch(ins, 2, decrement: false, next, c) }
    @inline(never) func xDecR16Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try incDecAndBranch(ins, 1, decrement: true, next, c) }
    @inline(never) func xDecR32Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation { try incDecAndBranch(ins, 2, decrement: true, next, c) }
    /// INC or DEC of an 8-bit register (`fastOp` 0 or 1), and the same fused with a Jcc.
    @inline(never) func xIncDecR8(_ ins: Instruction) {
        let d = ins.fastDst, v = readReg(d, 0)
        writeReg(d, 0, ins.fastOp == 0 ? inc(v, 0) : dec(v, 0))
    }
    @inline(never) func xIncDecR8Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        try incDecAndBranch(ins, 0, decrement: ins.fastOp != 0, next, c)
    }
    /// SHL/SAL, SHR or SAR (`fastOp`) of the 16-bit register `fastDst` by the constant count
    /// in `imm` (1-31), recorded in the lazy flags as the shift alone records them, then the
    /// fused Jcc. SDM vol. 2, SAL/SAR/SHL/SHR: CF is the last bit shifted out, SF and ZF come
    /// from the result, OF is the value `shiftFast` records (defined for a count of 1).
    @inline(never) func xShiftRI16Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let d = ins.fastDst
        let (r, cf, of) = shiftFastResult(ins.fastOp, regs[d] & 0xFFFF, ins.imm, 1)
        setLazyExplicit(r, 1, cf: cf, of: of)
        writeReg(d, 1, r)
        let jcc = ins.registerFormJcc
        guard fusedJccProceeds(jcc, c) else { return jccGivenBack(jcc, next, c) }
        let zf = r == 0, sf = r & 0x8000 != 0
        let taken: Bool
        switch (jcc >> 12) & 0xF {
        case 0: taken = of                                                            // JO
        case 1: taken = !of                                                           // JNO
        case 2: taken = cf                                                            // JB
        case 3: taken = !cf                                                           // JAE
        case 4: taken = zf                                                            // JE
        case 5: taken = !zf                                                           // JNE
        case 6: taken = cf || zf                                                      // JBE
        case 7: taken = !cf && !zf                                                    // JA
        case 8: taken = sf                                                            // JS
        case 9: taken = !sf                                                           // JNS
        case 12: taken = sf != of                                                     // JL
        case 13: taken = sf == of                                                     // JGE
        case 14: taken = zf || sf != of                                               // JLE
        default: taken = !zf && sf == of                                              // JG
        }
        guard taken else { return (next, c) }
        return try fusedJump(jcc, wide: false, next, c)
    }

    /// CMP r32, [base + disp] (3B) and CMP [base + disp], r32 (39).
    @inline(never) func xCmpLoad32B32Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let m = try fusedOperandRead(ins, effectiveAddressBase32(ins))
        return try compareAndBranch(regs[ins.reg], m, 2, test: false, jcc: ins.imm, next, c)
    }
    @inline(never) func xCmpStore32B32Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let m = try fusedOperandRead(ins, effectiveAddressBase32(ins))
        return try compareAndBranch(m, regs[ins.reg], 2, test: false, jcc: ins.imm, next, c)
    }
}
