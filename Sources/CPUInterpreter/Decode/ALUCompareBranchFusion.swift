/// Three-instruction fusion at decode time: ADD or SUB of two 16- or 32-bit registers (or of
/// a register and an immediate that fits in 16 signed bits), or INC or DEC of a register,
/// followed by CMP of a register of the same size with an immediate or another register,
/// and a Jcc that fuses with it (Decode/CompareBranchFusion.swift): the loop-counter idiom
/// `add di, bx; cmp di, 1000; jb top`, `inc ecx; cmp ecx, 64; jl top` or `inc esi; cmp esi,
/// edi; jb top` becomes one decode-cache entry
/// (Execute/ALUCompareAndBranch.swift). The three cost one dispatch instead of two.
///
/// The entry keeps: length and cost, the three instructions' together; `registerFormJcc`,
/// the Jcc word of the CMP/Jcc pair; `imm`, the CMP immediate (register form: unused); `disp`, the addend of an
/// immediate, INC or DEC form (bits 0-15, sign-extended when it runs) and the CMP's own
/// cost (bits 16-23) and length (bits 24-27); `aluCompareFields` (bits 8-31 of the first word, where opcode and ModRM lie),
/// the ALU operation, its registers and the CMP's register or registers. At most 15 bytes in all, so what
/// the fetch memo and the decode cache's block invalidation assume of one entry still holds.
extension CPU {
    /// Fuses `ins`, an ALU, INC or DEC register form, with a CMP register, immediate and a
    /// Jcc in the `avail` bytes at `next`; true when it did.
    func fuseALUCompareAndBranch(_ ins: inout Instruction, next: UnsafePointer<UInt8>, avail: Int) -> Bool {
        let h = unsafeBitCast(ins.handler, to: Handler.self)
        // kind: 0 ADD, 1 SUB (of a register or an immediate), 2 INC, 3 DEC (as in
        // `aluCompareFields`).
        let size: Int, kind: UInt32, immediate: Bool
        switch h {
        case .addRR16, .subRR16: size = 1; kind = h == .addRR16 ? 0 : 1; immediate = false
        case .addRR32, .subRR32: size = 2; kind = h == .addRR32 ? 0 : 1; immediate = false
        case .addRI16, .subRI16: size = 1; kind = h == .addRI16 ? 0 : 1; immediate = true
        case .addRI32, .subRI32: size = 2; kind = h == .addRI32 ? 0 : 1; immediate = true
        case .incR16, .decR16: size = 1; kind = h == .incR16 ? 2 : 3; immediate = false
        case .incR32, .decR32: size = 2; kind = h == .incR32 ? 2 : 3; immediate = false
        default: return false
        }
        // What is added to the destination when the CMP follows: the immediate (negated for
        // SUB; 1 or -1 for INC and DEC), kept in 16 signed bits.
        var addend: Int32 = 0
        if immediate {
            let v = size == 2 ? Int32(bitPattern: ins.imm) : Int32(Int16(truncatingIfNeeded: ins.imm))
            addend = kind == 1 ? 0 &- v : v
        } else if kind >= 2 {
            addend = kind == 2 ? 1 : -1
        }
        guard addend >= Int32(Int16.min) && addend <= Int32(Int16.max) else { return false }
        guard var cmp = followingInstruction(next, avail: avail) else { return false }
        // CMP r, imm or CMP r, r of the same size.
        let registerForm: Bool
        switch unsafeBitCast(cmp.handler, to: Handler.self) {
        case .cmpRI16 where size == 1, .cmpRI32 where size == 2: registerForm = false
        case .cmpRR16 where size == 1, .cmpRR32 where size == 2: registerForm = true
        default: return false
        }
        let cmpLength = UInt32(cmp.length), cmpCost = UInt32(cmp.cost)
        fuseCompareAndBranch(&cmp, next: next + Int(cmp.length), avail: avail - Int(cmp.length))
        let fused: Handler = registerForm ? (size == 1 ? .cmpRR16Jcc : .cmpRR32Jcc) : (size == 1 ? .cmpRI16Jcc : .cmpRI32Jcc)
        guard cmp.handler == fused.rawValue,
              Int(ins.length) + Int(cmp.length) <= 15, Int(ins.cost) + Int(cmp.cost) <= 255 else { return false }
        // The source: a register (ADD, SUB of registers) or the addend (bit 4); the CMP's
        // second operand: its immediate or, with bit 14, a register (bits 15-17).
        let fields = kind | (immediate || kind >= 2 ? 0x10 : 0) | UInt32(ins.fastDst) << 5 | UInt32(ins.fastSrc) << 8
            | UInt32(cmp.fastDst) << 11 | (registerForm ? 0x4000 | UInt32(cmp.fastSrc) << 15 : 0)
        ins.aluCompareFields = fields
        ins.registerFormJcc = cmp.registerFormJcc
        ins.imm = cmp.imm
        ins.disp = UInt32(UInt16(truncatingIfNeeded: addend)) | cmpCost << 16 | cmpLength << 24
        ins.length += cmp.length
        ins.cost += cmp.cost
        ins.handler = (size == 1 ? Handler.aluCmpRI16Jcc : Handler.aluCmpRI32Jcc).rawValue
        return true
    }
}

extension Instruction {
    /// A fused ALU/CMP/Jcc entry's fields, in bits 8-31 of the first word: the ALU operation
    /// (bits 0-3: 0 ADD, 1 SUB, 2 INC, 3 DEC), the addend in `disp` as source (bit 4), the ALU
    /// destination (5-7) and source (8-10) registers, the CMP's register (11-13), and for
    /// CMP r, r (bit 14) its second register (15-17).
    @inline(__always) var aluCompareFields: UInt32 {
        get { UInt32(truncatingIfNeeded: a >> 8) & 0xFF_FFFF }
        set { a = (a & ~0xFFFF_FF00) | UInt64(newValue & 0xFF_FFFF) << 8 }
    }
}
