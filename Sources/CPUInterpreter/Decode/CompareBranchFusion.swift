/// Compare-and-branch fusion at decode time: a specialised CMP or TEST of registers (or
/// CMP of a register and an immediate) followed directly by a Jcc in the same page becomes
/// one decode-cache entry whose handler runs both (Execute/CompareAndBranch.swift). The pair
/// costs one dispatch instead of two, and the Jcc's condition comes from the compared values
/// instead of the lazy flag record.
///
/// What the fused entry keeps: length and cost are the pair's (so the run loop advances EIP
/// and charges cycles for both); `fastDst`/`fastSrc` and the CMP immediate stay where the
/// compare form has them; bits 16-31 of `disp` hold the Jcc's displacement (fused only
/// when it fits in 16 signed bits) and `imm2` the Jcc's cost (bits 0-7), length (bits 8-11)
/// and condition (bits 12-15). The Jcc's operand size is the compare's (16 and 32 bits) or
/// the code segment's default (8-bit compares): other pairs are not fused. The pair is at most
/// 15 bytes, the longest single instruction, so what the fetch memo assumes about cached
/// lengths near a CS limit still holds; it lies within one page and spans at most two
/// 64-byte blocks, and a write into either drops the entry (Decode/DecodeCache.swift drops
/// the block written and the one before it).
extension CPU {
    /// Fuses `ins` with the instruction in the `avail` bytes at `next`, if that is a Jcc.
    func fuseCompareAndBranch(_ ins: inout Instruction, next: UnsafePointer<UInt8>, avail: Int) {
        let fused: Handler, size: Int
        switch unsafeBitCast(ins.handler, to: Handler.self) {
        case .cmpRR8: fused = .cmpRR8Jcc; size = 0
        case .testRR8: fused = .testRR8Jcc; size = 0
        case .cmpRR16: fused = .cmpRR16Jcc; size = 1
        case .testRR16: fused = .testRR16Jcc; size = 1
        case .cmpRR32: fused = .cmpRR32Jcc; size = 2
        case .testRR32: fused = .testRR32Jcc; size = 2
        case .cmpRI16: fused = .cmpRI16Jcc; size = 1
        case .cmpRI32: fused = .cmpRI32Jcc; size = 2
        default: return
        }
        guard avail > 0 else { return }
        var tooLong = false
        var jcc = decoder.decode(next, avail: min(avail, 16), code32: codeIs32, tooLong: &tooLong)
        guard !tooLong && jcc.length != 0 else { return }
        jcc.cost = costs.cost(of: jcc)
        specialize(&jcc)
        // Jo16...Jg16, Jo32...Jg32: 32 consecutive handlers in condition-code order. JP and
        // JNP (cc 10, 11) read PF and are not fused; nor is a Jcc with LOCK (#UD, generic).
        let j = UInt32(jcc.handler) &- UInt32(Handler.jo16.rawValue)
        let disp = Int32(bitPattern: jcc.imm)
        // A 16- or 32-bit compare fuses with a Jcc of its own operand size only, an 8-bit one
        // with a Jcc of the code segment's default size.
        guard j < 32 && j & 14 != 10 && (j >= 16) == (size == 0 ? codeIs32 : size == 2),
              Int(ins.length) + Int(jcc.length) <= 15,
              Int(ins.cost) + Int(jcc.cost) <= 255,
              disp >= Int32(Int16.min) && disp <= Int32(Int16.max) else { return }
        ins.disp = (ins.disp & 0xFFFF) | UInt32(UInt16(truncatingIfNeeded: disp)) << 16
        ins.imm2 = UInt32(jcc.cost) | UInt32(jcc.length) << 8 | (j & 15) << 12
        ins.length += jcc.length
        ins.cost += jcc.cost
        ins.handler = fused.rawValue
    }
}
