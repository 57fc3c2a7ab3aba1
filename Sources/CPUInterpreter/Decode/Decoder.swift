/// Decodes one instruction from raw bytes (SDM vol. 2, ch. 2: prefixes, opcode,
/// ModRM, SIB, displacement, immediate). It never touches guest memory: the caller
/// hands it the bytes it could fetch, and a result of length 0 means "needed more".
struct Decoder {
    let table: UnsafeMutablePointer<UInt8>
    /// `Handler` of each opcode on this model.
    let handlers: UnsafeMutablePointer<UInt8>
    let model: CPUModel

    init(model: CPUModel) {
        self.model = model
        table = .allocate(capacity: 512)
        for (i, v) in Operands.table.enumerated() { table[i] = v }
        handlers = .allocate(capacity: 512)
        for (i, h) in Handler.table(for: model).enumerated() { handlers[i] = h.rawValue }
    }

    func deallocate() { table.deallocate(); handlers.deallocate() }

    /// Decodes from `p` (at most `avail` bytes readable). `code32`: CS.D.
    /// Sets `tooLong` when the instruction exceeds the model's length limit.
    @inline(__always)
    func decode(_ p: UnsafePointer<UInt8>, avail: Int, code32: Bool, tooLong: inout Bool) -> Instruction {
        var ins = Instruction()
        var n = 0
        var opsize32 = code32, addrsize32 = code32
        var pfx: UInt8 = 0
        var seg: UInt8 = 0xFF
        let limit = model.maxInstructionLength
        let is286 = model == .i286
        var b: UInt8 = 0
        // Prefixes: any number, in any order; the last segment override wins.
        while true {
            guard n < avail else { return ins }
            if n >= limit { tooLong = true; return ins }
            b = p[n]; n += 1
            switch b {
            case 0x26: seg = 0
            case 0x2E: seg = 1
            case 0x36: seg = 2
            case 0x3E: seg = 3
            case 0x64 where !is286: seg = 4
            case 0x65 where !is286: seg = 5
            case 0x66 where !is286: opsize32 = !code32; pfx |= Prefix.operandPrefix
            case 0x67 where !is286: addrsize32 = !code32
            case 0xF0: pfx |= Prefix.lock
            case 0xF1 where is286: pfx |= Prefix.lock    // the 286 decodes F1 as a LOCK alias
            case 0xF2: pfx = (pfx & ~Prefix.rep) | Prefix.repne
            case 0xF3: pfx = (pfx & ~Prefix.repne) | Prefix.rep
            default: break
            }
            if !isPrefix(b, is286) { break }
        }
        var op = Int(b)
        if b == 0x0F {
            guard n < avail else { return ins }
            if n >= limit { tooLong = true; return ins }
            op = 0x100 | Int(p[n]); n += 1
        }
        if opsize32 { pfx |= Prefix.operand32 }
        if addrsize32 { pfx |= Prefix.address32 }
        ins.op = UInt16(op)
        ins.handler = handlers[op]
        let form = table[op]
        var segDefault: UInt8 = 3
        if form & Operands.modrm != 0 {
            guard n < avail else { return ins }
            let m = p[n]; n += 1
            ins.modrm = m
            // MOV to/from CRn, DRn, TRn (0F 20-26) ignore the mod field: always registers.
            let mod = op >= 0x120 && op <= 0x126 ? 3 : m >> 6, rm = m & 7
            if mod != 3 {
                pfx |= Prefix.memory
                if !addrsize32 {
                    // 16-bit forms: BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP (disp16 if mod 0), BX
                    switch rm {
                    case 0: ins.base = 3; ins.index = 6
                    case 1: ins.base = 3; ins.index = 7
                    case 2: ins.base = 5; ins.index = 6; segDefault = 2
                    case 3: ins.base = 5; ins.index = 7; segDefault = 2
                    case 4: ins.base = 6
                    case 5: ins.base = 7
                    case 6: if mod != 0 { ins.base = 5; segDefault = 2 }
                    default: ins.base = 3
                    }
                    if mod == 1 {
                        guard n < avail else { return ins }
                        ins.disp = signExtend8(UInt32(p[n])); n += 1
                    } else if mod == 2 || (mod == 0 && rm == 6) {
                        guard n + 2 <= avail else { return ins }
                        ins.disp = UInt32(p[n]) | UInt32(p[n + 1]) << 8; n += 2
                    }
                } else {
                    var baseReg = rm
                    if rm == 4 {
                        guard n < avail else { return ins }
                        let sib = p[n]; n += 1
                        ins.scale = sib >> 6
                        let idx = (sib >> 3) & 7
                        if idx != 4 { ins.index = idx }
                        baseReg = sib & 7
                        if baseReg == 5 && mod == 0 {
                            baseReg = 0xFF    // disp32, no base
                        }
                    } else if rm == 5 && mod == 0 {
                        baseReg = 0xFF
                    }
                    if baseReg != 0xFF {
                        ins.base = baseReg
                        if baseReg == 4 || baseReg == 5 { segDefault = 2 }
                    }
                    if mod == 1 {
                        guard n < avail else { return ins }
                        ins.disp = signExtend8(UInt32(p[n])); n += 1
                    } else if mod == 2 || baseReg == 0xFF {
                        guard n + 4 <= avail else { return ins }
                        ins.disp = UInt32(p[n]) | UInt32(p[n + 1]) << 8 | UInt32(p[n + 2]) << 16 | UInt32(p[n + 3]) << 24
                        n += 4
                    }
                }
            }
        }
        if seg != 0xFF { ins.seg = seg; pfx |= Prefix.segmentOverride } else { ins.seg = segDefault }
        // Immediates
        let vbytes = opsize32 ? 4 : 2
        switch form & 0x0F {
        case Operands.ib:
            guard n < avail else { return ins }
            ins.imm = UInt32(p[n]); n += 1
        case Operands.iw:
            guard n + 2 <= avail else { return ins }
            ins.imm = UInt32(p[n]) | UInt32(p[n + 1]) << 8; n += 2
        case Operands.iv:
            guard n + vbytes <= avail else { return ins }
            ins.imm = readLE(p + n, vbytes); n += vbytes
        case Operands.farPointer:
            guard n + vbytes + 2 <= avail else { return ins }
            ins.imm = readLE(p + n, vbytes); n += vbytes
            ins.imm2 = UInt32(p[n]) | UInt32(p[n + 1]) << 8; n += 2
        case Operands.moffs:
            let abytes = addrsize32 ? 4 : 2
            guard n + abytes <= avail else { return ins }
            ins.disp = readLE(p + n, abytes); n += abytes
            pfx |= Prefix.memory
        case Operands.enter:
            guard n + 3 <= avail else { return ins }
            ins.imm = UInt32(p[n]) | UInt32(p[n + 1]) << 8
            ins.imm2 = UInt32(p[n + 2]); n += 3
        case Operands.groupF6:
            if (ins.modrm >> 3) & 7 < 2 {
                let k = op == 0xF6 ? 1 : vbytes
                guard n + k <= avail else { return ins }
                ins.imm = readLE(p + n, k); n += k
            }
        default: break
        }
        if n > limit { tooLong = true; return ins }
        ins.prefixes = pfx
        ins.length = UInt8(n)
        return ins
    }

    @inline(__always) private func isPrefix(_ b: UInt8, _ is286: Bool) -> Bool {
        switch b {
        case 0x26, 0x2E, 0x36, 0x3E, 0xF0, 0xF2, 0xF3: return true
        case 0x64, 0x65, 0x66, 0x67: return !is286
        case 0xF1: return is286
        default: return false
        }
    }

    @inline(__always) private func readLE(_ p: UnsafePointer<UInt8>, _ k: Int) -> UInt32 {
        switch k {
        case 1: return UInt32(p[0])
        case 2: return UInt32(p[0]) | UInt32(p[1]) << 8
        default: return UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
        }
    }
}
