/// The fused MOV-load/CMP/Jcc form (Decode/LoadCompareBranchFusion.swift): the run loop has
/// advanced EIP past all three and charged all three costs. A fault of the load is the
/// MOV's: the CMP's and the Jcc's cycles are given back before it is delivered. Between the
/// MOV and the CMP the loop would have tested `cycles < fastDeadline`: when that would fail,
/// the MOV runs alone, and EIP and cycles are rewound to the CMP, whose own entry runs after
/// the checks (the handler returns them rewound). The CMP/Jcc boundary is the pair's
/// (Execute/CompareAndBranch.swift). The LODSB/TEST/Jcc form (the same file) follows the same rules.
extension CPU {
    @inline(never) func xLoadCmpRR16Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let f = ins.imm2, jcc = ins.imm
        // The cycles of the CMP and the Jcc, charged with the MOV's.
        let restCost = UInt64(f >> 10) &+ UInt64(jcc & 0xFF)
        let v: UInt32
        do {
            v = try readMem(Int(ins.seg), effectiveAddress16(ins), 1)
        } catch {
            cycles &-= restCost
            throw error
        }
        writeReg(ins.reg, 1, v)
        // The common case, tested once: the loop would not stop before the Jcc, so it would
        // not stop before the CMP either (the cycles charged up to the CMP are fewer).
        guard _fastPath(c &- UInt64(jcc & 0xFF) < fastDeadline) else {
            return try secondOfTripleSplit(cmpLength: (f >> 6) & 0xF, cmpCost: UInt64(f >> 10), a: regs[Int(f & 7)],
                                           b: regs[Int((f >> 3) & 7)], size: 1, test: false, jcc: jcc, next, c)
        }
        instructionsRetired &+= 2            // the MOV and the CMP
        return try compareAndBranch(regs[Int(f & 7)], regs[Int((f >> 3) & 7)], 1, test: false, jcc: jcc, boundaryChecked: true, next, c)
    }

    /// A load triple whose first instruction has run, when the loop would have stopped before
    /// its Jcc: the compare (`a` and `b`, CMP or TEST) runs and the Jcc is given back, or, when
    /// the loop would have stopped before the compare too, both are given back (EIP and
    /// cycles returned rewound to the compare).
    @inline(never) func secondOfTripleSplit(cmpLength: UInt32, cmpCost: UInt64, a: UInt32, b: UInt32, size: Int,
                                            test: Bool, jcc: UInt32, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let restCost = cmpCost &+ UInt64(jcc & 0xFF)
        guard c &- restCost < fastDeadline else {
            return givenBack(next, c, length: cmpLength &+ ((jcc >> 8) & 0xF), cost: restCost)
        }
        instructionsRetired &+= 1                // the first instruction
        return try compareAndBranch(a, b, size, test: test, jcc: jcc, next, c)
    }

    @inline(never) func xLodsTestAL8Jcc(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        let f = ins.imm2, jcc = ins.imm
        // The cycles of the TEST and the Jcc, charged with the LODSB's.
        let restCost = UInt64((f >> 4) & 0xFF) &+ UInt64(jcc & 0xFF)
        do {
            try lodsFast(ins, 0)
        } catch {
            cycles &-= restCost
            throw error
        }
        let al = readReg(Reg.eax, 0)
        guard _fastPath(c &- UInt64(jcc & 0xFF) < fastDeadline) else {
            return try secondOfTripleSplit(cmpLength: f & 0xF, cmpCost: UInt64((f >> 4) & 0xFF), a: al, b: al,
                                           size: 0, test: true, jcc: jcc, next, c)
        }
        instructionsRetired &+= 2            // the LODSB and the TEST
        return try compareAndBranch(al, al, 0, test: true, jcc: jcc, boundaryChecked: true, next, c)
    }
}
