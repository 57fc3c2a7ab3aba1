/// Three-instruction fusion at decode time: MOV of a 16-bit register from memory (16-bit
/// addressing), then CMP of two 16-bit registers and a Jcc that fuses with it
/// (Decode/CompareBranchFusion.swift): the search and insertion-sort idiom
/// `mov dx, [di-2]; cmp dx, ax; jbe done` becomes one decode-cache entry
/// (Execute/LoadCompareAndBranch.swift), one dispatch instead of two. Likewise LODSB (no
/// REP, 386 and later), then TEST AL, AL or OR AL, AL (the same flags; AL is unchanged) and
/// a Jcc: the string-scanning idiom `lodsb; test al, al; jz done`.
///
/// The entry keeps the MOV's fields where its specialised form has them (ModRM register,
/// segment, base, index, `disp`); length and cost, the three instructions' together; in `imm`
/// (unused by a load) the Jcc word of the CMP/Jcc pair; and in `imm2` the CMP's registers
/// (bits 0-2 destination, 3-5 source), length (6-9) and cost (10-15), which the handler
/// gives back when the run loop would have stopped before the CMP. At most 15 bytes in all,
/// so what the fetch memo and the decode cache's block invalidation assume of one entry
/// still holds.
extension CPU {
    /// Fuses `ins`, a specialised MOV r16, m16 with 16-bit addressing, with a CMP r16, r16
    /// and a Jcc in the `avail` bytes at `next`; true when it did.
    func fuseLoadCompareAndBranch(_ ins: inout Instruction, next: UnsafePointer<UInt8>, avail: Int) -> Bool {
        guard ins.handler == Handler.movLoad16A16.rawValue,
              var cmp = followingInstruction(next, avail: avail), cmp.handler == Handler.cmpRR16.rawValue else { return false }
        let cmpLength = UInt32(cmp.length), cmpCost = UInt32(cmp.cost)
        fuseCompareAndBranch(&cmp, next: next + Int(cmp.length), avail: avail - Int(cmp.length))
        guard cmp.handler == Handler.cmpRR16Jcc.rawValue, cmpCost < 64,
              Int(ins.length) + Int(cmp.length) <= 15, Int(ins.cost) + Int(cmp.cost) <= 255 else { return false }
        ins.imm = cmp.registerFormJcc
        ins.imm2 = UInt32(cmp.fastDst) | UInt32(cmp.fastSrc) << 3 | cmpLength << 6 | cmpCost << 10
        ins.length += cmp.length
        ins.cost += cmp.cost
        ins.handler = Handler.loadCmpRR16Jcc.rawValue
        return true
    }

    /// Fuses `ins`, a specialised LODSB, with TEST AL, AL or OR AL, AL and a Jcc in the
    /// `avail` bytes at `next`; true when it did. The entry keeps the LODSB's fields (segment,
    /// address size), the Jcc word in `imm`, and in `imm2` the TEST's length (bits 0-3) and
    /// cost (4-11).
    func fuseLodsTestAndBranch(_ ins: inout Instruction, next: UnsafePointer<UInt8>, avail: Int) -> Bool {
        guard ins.handler == Handler.lods8.rawValue, var test = followingInstruction(next, avail: avail),
              test.handler == Handler.testRR8.rawValue || test.handler == Handler.orRR8.rawValue,
              test.fastDst == Reg.eax, test.fastSrc == Reg.eax else { return false }
        let testLength = UInt32(test.length), testCost = UInt32(test.cost)
        // OR AL, AL sets the flags TEST AL, AL sets and leaves AL as it was.
        test.handler = Handler.testRR8.rawValue
        fuseCompareAndBranch(&test, next: next + Int(test.length), avail: avail - Int(test.length))
        guard test.handler == Handler.testRR8Jcc.rawValue,
              Int(ins.length) + Int(test.length) <= 15, Int(ins.cost) + Int(test.cost) <= 255 else { return false }
        ins.imm = test.registerFormJcc
        ins.imm2 = testLength | testCost << 4
        ins.length += test.length
        ins.cost += test.cost
        ins.handler = Handler.lodsTestAL8Jcc.rawValue
        return true
    }
}
