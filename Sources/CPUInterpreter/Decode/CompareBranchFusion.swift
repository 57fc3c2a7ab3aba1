/// Compare-and-branch fusion at decode time: a specialised CMP or TEST of registers (or
/// CMP of a register and an immediate, or of a 32-bit register and [base + disp]), an
/// INC or DEC of a register, or a SHL, SHR or SAR of a 16-bit register by a constant
/// (CRC loops: SHL DX, 1; JNC), followed directly by a Jcc in the same page becomes one
/// decode-cache entry whose handler runs both (Execute/CompareAndBranch.swift). The pair
/// costs one dispatch instead of two, and the Jcc's condition comes from the values
/// instead of the lazy flag record.
///
/// What the fused entry keeps: length and cost are the pair's (so the run loop advances EIP
/// and charges cycles for both); `fastDst`/`fastSrc`, the CMP immediate and the memory
/// operand's fields stay where the first instruction's form has them. The Jcc goes in one
/// 32-bit word: its cost (bits 0-7), length (8-11), condition (12-15) and displacement
/// (16-31; fused only when it fits in 16 signed bits). The register forms keep that word in
/// the upper half of the first word (`registerFormJcc`, where the addressing fields they do
/// not use lie), the memory forms, which have no immediate, in `imm`.
/// The Jcc's operand size is the first instruction's (16 and 32 bits) or the code
/// segment's default (8-bit compares): other pairs are not fused. JP and JNP (PF) are never
/// fused, nor, after INC or DEC, a Jcc that reads CF (which INC and DEC keep from before).
/// The pair is at most 15 bytes, the longest single instruction, so what the fetch memo
/// assumes about cached lengths near a CS limit still holds; it lies within one page and
/// spans at most two 64-byte blocks, and a write into either drops the entry
/// (Decode/DecodeCache.swift drops the block written and the one before it).
extension CPU {
    /// Fuses `ins` with the instruction in the `avail` bytes at `next`, if that is a Jcc.
    func fuseCompareAndBranch(_ ins: inout Instruction, next: UnsafePointer<UInt8>, avail: Int) {
        // An ALU instruction, then CMP and a Jcc: one entry for the three.
        if fuseALUCompareAndBranch(&ins, next: next, avail: avail) { return }
        // A load, then CMP and a Jcc: likewise.
        if fuseLoadCompareAndBranch(&ins, next: next, avail: avail) { return }
        if fuseLodsTestAndBranch(&ins, next: next, avail: avail) { return }
        let fused: Handler, size: Int
        var incDec = false, memory = false
        switch unsafeBitCast(ins.handler, to: Handler.self) {
        case .cmpRR8: fused = .cmpRR8Jcc; size = 0
        case .testRR8: fused = .testRR8Jcc; size = 0
        case .cmpRR16: fused = .cmpRR16Jcc; size = 1
        case .testRR16: fused = .testRR16Jcc; size = 1
        case .cmpRR32: fused = .cmpRR32Jcc; size = 2
        case .testRR32: fused = .testRR32Jcc; size = 2
        case .cmpRI16: fused = .cmpRI16Jcc; size = 1
        case .cmpRI32: fused = .cmpRI32Jcc; size = 2
        case .incR16: fused = .incR16Jcc; size = 1; incDec = true
        case .incR32: fused = .incR32Jcc; size = 2; incDec = true
        case .decR16: fused = .decR16Jcc; size = 1; incDec = true
        case .decR32: fused = .decR32Jcc; size = 2; incDec = true
        case .incDecR8: fused = .incDecR8Jcc; size = 0; incDec = true
        case .shlRI16, .shrRI16, .sarRI16: fused = .shiftRI16Jcc; size = 1
        case .aluLoad32B32 where ins.fastOp == 7: fused = .cmpLoad32B32Jcc; size = 2; memory = true
        case .aluStore32B32 where ins.fastOp == 7: fused = .cmpStore32B32Jcc; size = 2; memory = true
        default: return
        }
        guard let jcc = followingInstruction(next, avail: avail) else { return }
        // Jo16...Jg16, Jo32...Jg32: 32 consecutive handlers in condition-code order. JP and
        // JNP (cc 10, 11) read PF and are not fused; nor is a Jcc with LOCK (#UD, generic).
        let j = UInt32(jcc.handler) &- UInt32(Handler.jo16.rawValue)
        let disp = Int32(bitPattern: jcc.imm)
        // JB JAE JBE JA (cc 2, 3, 6, 7) read CF, which INC and DEC leave as it was.
        let readsCF = j & 8 == 0 && j & 2 != 0
        // A 16- or 32-bit form fuses with a Jcc of its own operand size only, an 8-bit one
        // with a Jcc of the code segment's default size.
        guard j < 32 && j & 14 != 10 && (j >= 16) == (size == 0 ? codeIs32 : size == 2),
              !(incDec && readsCF),
              Int(ins.length) + Int(jcc.length) <= 15,
              Int(ins.cost) + Int(jcc.cost) <= 255,
              disp >= Int32(Int16.min) && disp <= Int32(Int16.max) else { return }
        let word = UInt32(jcc.cost) | UInt32(jcc.length) << 8 | (j & 15) << 12
            | UInt32(UInt16(truncatingIfNeeded: disp)) << 16
        if memory { ins.imm = word } else { ins.registerFormJcc = word }
        ins.length += jcc.length
        ins.cost += jcc.cost
        ins.handler = fused.rawValue
    }

    /// The instruction in the `avail` bytes at `next`, decoded, costed and specialised as the
    /// fetch does, when it is whole there; nil otherwise (too long, or cut off).
    func followingInstruction(_ next: UnsafePointer<UInt8>, avail: Int) -> Instruction? {
        guard avail > 0 else { return nil }
        var tooLong = false
        var ins = decoder.decode(next, avail: min(avail, 16), code32: codeIs32, tooLong: &tooLong)
        guard !tooLong && ins.length != 0 else { return nil }
        ins.cost = costs.cost(of: ins)
        specialize(&ins)
        return ins
    }
}

extension Instruction {
    /// A fused register form's Jcc word (cost, length, condition, displacement), in bits 32-63
    /// of `a`: the prefix and addressing fields, which no register form reads.
    @inline(__always) var registerFormJcc: UInt32 {
        get { UInt32(truncatingIfNeeded: a >> 32) }
        set { a = (a & 0xFFFF_FFFF) | UInt64(newValue) << 32 }
    }
}
