/// Two-instruction register idioms fused at decode time into one decode-cache entry whose
/// handler runs both (Execute/RegisterIdioms.swift), so the pair costs one dispatch:
/// - copy and shift: MOV r, s then SHL, SHR or SAR r, imm (hashes and bit fields:
///   `mov edx, eax; shl edx, 13`);
/// - add with carry-around: ADD r, s then ADC r, imm (ones'-complement and Fletcher sums:
///   `add bx, ax; adc bx, 0`).
/// Both are 16- or 32-bit register forms of one operand size with the same destination;
/// neither instruction can fault or move EIP.
///
/// What the entry keeps: length and cost, the pair's (the run loop advances EIP past both
/// and charges both); the first instruction's registers (`fastDst`, `fastSrc`); the second's
/// count or immediate in `imm`; and in `imm2` the shift operation (bits 0-3, where `fastOp`
/// lies), the second instruction's length (4-7) and cost (8-15), which the handler gives
/// back when the run loop would have stopped between the two. The pair is at most 15 bytes
/// in one page, as every fused entry (what the fetch memo and the decode cache's block
/// invalidation assume of one entry). An ADD that starts a fused ADD/CMP/Jcc triple keeps
/// that fusion (Decode/ALUCompareBranchFusion.swift runs first).
extension CPU {
    /// Fuses `ins` with the instruction in the `avail` bytes at `next` when the two form one
    /// of the idioms above.
    func fuseRegisterIdiom(_ ins: inout Instruction, next: UnsafePointer<UInt8>, avail: Int) {
        let first = unsafeBitCast(ins.handler, to: Handler.self)
        let size: Int
        switch first {
        case .movRR16, .addRR16: size = 1
        case .movRR32, .addRR32: size = 2
        default: return
        }
        guard let second = followingInstruction(next, avail: avail), second.fastDst == ins.fastDst,
              Int(ins.length) + Int(second.length) <= 15, Int(ins.cost) + Int(second.cost) <= 255 else { return }
        let fused: Handler, shift: UInt32
        switch (first, unsafeBitCast(second.handler, to: Handler.self)) {
        case (.movRR16, .shlRI16), (.movRR32, .shlRI32): shift = 4
        case (.movRR16, .shrRI16), (.movRR32, .shrRI32): shift = 5
        case (.movRR16, .sarRI16), (.movRR32, .sarRI32): shift = 7
        case (.addRR16, .adcRI16), (.addRR32, .adcRI32): shift = 0
        default: return
        }
        if first == .movRR16 || first == .movRR32 {
            fused = size == 1 ? .movShiftRI16 : .movShiftRI32
        } else {
            fused = size == 1 ? .addAdcRI16 : .addAdcRI32
        }
        ins.imm = second.imm
        ins.imm2 = shift | UInt32(second.length) << 4 | UInt32(second.cost) << 8
        ins.length += second.length
        ins.cost += second.cost
        ins.handler = fused.rawValue
    }
}
