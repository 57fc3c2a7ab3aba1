/// After decoding and costing, the commonest instructions get a specialised handler:
/// operand size and register/memory form are fixed by the handler, and what the generic
/// handler would re-derive on every execution is prepared once here (DESIGN.md, "Decode
/// once"). An instruction with a LOCK prefix keeps its generic handler (which raises #UD
/// or performs the locked read-modify-write), so none of the specialised handlers checks LOCK.
///
/// The specialised forms reuse fields the generic ones would otherwise decode again:
/// - `imm`: sign-extended and masked to the operand size (80-83, 04-3D, A8/A9, B0-BF,
///   C6/C7); the sign-extended displacement of Jcc, JMP, CALL and LOOP.
/// - `fastOp` (in `imm2`): the ALU operation, 0-7 in opcode order, 8 for TEST.
/// - `fastDst`/`fastSrc` (in `disp`, register forms only): destination and source register.
extension CPU {
    func specialize(_ ins: inout Instruction) {
        guard ins.prefixes & Prefix.lock == 0 else { return }
        let op = Int(ins.op)
        let mem = ins.hasMemoryOperand
        let v: Int = ins.operand32 ? 2 : 1              // "v" operand size
        let w = op & 1 == 0 ? 0 : v                     // byte/word-or-dword pair
        let sized: (Handler, Handler, Handler) -> Handler = { b, h, d in w == 0 ? b : (w == 1 ? h : d) }
        let vsized: (Handler, Handler) -> Handler = { h, d in v == 1 ? h : d }
        var h: Handler? = nil
        switch op {
        case 0x00...0x3F where op & 7 < 4:              // ALU Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev
            ins.fastOp = (op >> 3) & 7
            if !mem {
                let toRM = op & 2 == 0
                ins.setFastRegisters(dst: toRM ? ins.rm : ins.reg, src: toRM ? ins.reg : ins.rm)
                h = sized(.aluRR8, .aluRR16, .aluRR32)
            } else if op & 2 != 0 {
                h = sized(.aluLoad8, .aluLoad16, .aluLoad32)
            } else {
                h = sized(.aluStore8, .aluStore16, .aluStore32)
            }
        case 0x00...0x3F where op & 7 == 4 || op & 7 == 5:     // ALU AL,Ib / eAX,Iv
            ins.fastOp = (op >> 3) & 7
            ins.setFastRegisters(dst: Reg.eax, src: 0)
            ins.imm &= sizeMask(w)
            h = sized(.aluRI8, .aluRI16, .aluRI32)
        case 0xA8, 0xA9:                                 // TEST AL,Ib / eAX,Iv
            ins.fastOp = 8
            ins.setFastRegisters(dst: Reg.eax, src: 0)
            ins.imm &= sizeMask(w)
            h = sized(.aluRI8, .aluRI16, .aluRI32)
        case 0x80...0x83:                                // group 1
            let size = op == 0x80 || op == 0x82 ? 0 : v
            ins.fastOp = ins.reg
            ins.imm = (op == 0x83 ? signExtend8(ins.imm) : ins.imm) & sizeMask(size)
            if !mem {
                ins.setFastRegisters(dst: ins.rm, src: 0)
                h = size == 0 ? .aluRI8 : (size == 1 ? .aluRI16 : .aluRI32)
            } else {
                h = size == 0 ? .aluMI8 : (size == 1 ? .aluMI16 : .aluMI32)
            }
        case 0x84...0x85 where !mem:                      // TEST Eb,Gb / Ev,Gv (registers)
            ins.fastOp = 8
            ins.setFastRegisters(dst: ins.rm, src: ins.reg)
            h = sized(.aluRR8, .aluRR16, .aluRR32)
        case 0x88...0x8B:                                // MOV
            if !mem {
                let toRM = op & 2 == 0
                ins.setFastRegisters(dst: toRM ? ins.rm : ins.reg, src: toRM ? ins.reg : ins.rm)
                h = sized(.movRR8, .movRR16, .movRR32)
            } else if op & 2 != 0 {
                h = sized(.movLoad8, .movLoad16, .movLoad32)
            } else {
                h = sized(.movStore8, .movStore16, .movStore32)
            }
        case 0xB0...0xB7:
            ins.setFastRegisters(dst: op & 7, src: 0)
            h = .movRI8
        case 0xB8...0xBF:
            ins.setFastRegisters(dst: op & 7, src: 0)
            h = vsized(.movRI16, .movRI32)
        case 0xC6...0xC7 where ins.reg == 0:
            ins.imm &= sizeMask(w)
            if mem {
                h = sized(.movMI8, .movMI16, .movMI32)
            } else {
                ins.setFastRegisters(dst: ins.rm, src: 0)
                h = sized(.movRI8, .movRI16, .movRI32)
            }
        case 0x70...0x7F:
            ins.imm = signExtend8(ins.imm)
            h = Handler(rawValue: vsized(.jo16, .jo32).rawValue + UInt8(op & 0xF))
        case 0x180...0x18F:
            ins.imm = v == 2 ? ins.imm : signExtend16(ins.imm)
            h = Handler(rawValue: vsized(.jo16, .jo32).rawValue + UInt8(op & 0xF))
        case 0xEB:
            ins.imm = signExtend8(ins.imm)
            h = vsized(.jmp16, .jmp32)
        case 0xE9:
            ins.imm = v == 2 ? ins.imm : signExtend16(ins.imm)
            h = vsized(.jmp16, .jmp32)
        case 0xE8:
            ins.imm = v == 2 ? ins.imm : signExtend16(ins.imm)
            h = vsized(.callRel16, .callRel32)
        case 0xC3:
            h = vsized(.ret16, .ret32)
        case 0xAA...0xAB where ins.prefixes & (Prefix.rep | Prefix.repne) == 0 && model != .i286:
            h = sized(.stos8, .stos16, .stos32)          // STOS without REP (386 and later)
        case 0xAC...0xAD where ins.prefixes & (Prefix.rep | Prefix.repne) == 0 && model != .i286:
            h = sized(.lods8, .lods16, .lods32)          // LODS without REP (386 and later)
        case 0xE2:
            ins.imm = signExtend8(ins.imm)
            h = ins.address32 ? .loop32 : .loop16
        case 0x40...0x47:
            ins.setFastRegisters(dst: op & 7, src: 0)
            h = vsized(.incR16, .incR32)
        case 0x48...0x4F:
            ins.setFastRegisters(dst: op & 7, src: 0)
            h = vsized(.decR16, .decR32)
        case 0xFE where !mem && ins.reg <= 1:           // INC/DEC r8
            ins.fastOp = ins.reg
            ins.setFastRegisters(dst: ins.rm, src: 0)
            h = .incDecR8
        case 0x50...0x57:
            ins.setFastRegisters(dst: op & 7, src: 0)
            h = vsized(.pushR16, .pushR32)
        case 0x58...0x5F:
            ins.setFastRegisters(dst: op & 7, src: 0)
            h = vsized(.popR16, .popR32)
        case 0xC0, 0xC1, 0xD0, 0xD1:                    // shifts and rotates of a register by 1 or imm8
            // The count is a constant: a zero count (flags untouched) stays generic; the
            // 286's per-bit cycles (C0/C1) fold into the cost.
            let count = (op >= 0xD0 ? 1 : ins.imm) & 0x1F
            guard !mem && count != 0 else { break }
            ins.cost = ins.cost &+ UInt16(costs.shiftExtra(op: ins.op, count: count))
            ins.fastOp = ins.reg
            ins.imm = count
            ins.setFastRegisters(dst: ins.rm, src: 0)
            h = sized(.shiftRI8, .shiftRI16, .shiftRI32)
        case 0x1B6 where v == 2:                         // MOVZX r32, r/m8
            if mem { h = .movzxLoad8To32 } else { ins.setFastRegisters(dst: ins.reg, src: ins.rm); h = .movzxR8To32 }
        case 0x1AF where v == 2 && !mem:                 // IMUL r32, r32
            ins.setFastRegisters(dst: ins.reg, src: ins.rm)
            h = .imulRR32
        case 0x69 where v == 2 && !mem, 0x6B where v == 2 && !mem:   // IMUL r32, r32, imm32 / imm8
            if op == 0x6B { ins.imm = signExtend8(ins.imm) }
            ins.setFastRegisters(dst: ins.reg, src: ins.rm)
            h = .imulRI32
        case 0xF6...0xF7 where !mem && ins.reg >= 4:      // MUL IMUL DIV IDIV of a register
            ins.fastOp = ins.reg
            ins.setFastRegisters(dst: ins.rm, src: 0)
            h = sized(.mulDivR8, .mulDivR16, .mulDivR32)
        case 0x1A3...0x1BB where op & 7 == 3 && mem && v == 2:  // BT BTS BTR BTC m32, r32 (A3 AB B3 BB)
            ins.fastOp = (op >> 3) & 3
            h = .bitTestMR32
        case 0x8D where mem:
            h = vsized(.lea16, .lea32)
        case 0x06, 0x0E, 0x16, 0x1E, 0x1A0, 0x1A8:       // PUSH Sreg
            ins.setFastRegisters(dst: op < 0x100 ? op >> 3 : (op == 0x1A0 ? Seg.fs : Seg.gs), src: 0)
            h = vsized(.pushSreg16, .pushSreg32)
        case 0x07, 0x1F, 0x1A1, 0x1A9:                   // POP ES/DS/FS/GS (POP SS stays generic)
            ins.setFastRegisters(dst: op < 0x100 ? op >> 3 : (op == 0x1A1 ? Seg.fs : Seg.gs), src: 0)
            h = vsized(.popSreg16, .popSreg32)
        case 0x8E where !mem && (ins.reg == Seg.es || ins.reg == Seg.ds || (ins.reg >= Seg.fs && ins.reg <= Seg.gs && model != .i286)):
            // MOV ES/DS/FS/GS, r16 (MOV CS is #UD, MOV SS sets the interrupt shadow: generic).
            ins.setFastRegisters(dst: ins.reg, src: ins.rm)
            h = .movSregR
        default:
            break
        }
        // The register ALU forms of ADD OR AND SUB XOR CMP TEST: one handler per operation.
        if let form = h, let k = Self.perOperationIndex[ins.fastOp] {
            switch form {
            case .aluRR8: h = Handler(rawValue: Handler.addRR8.rawValue + k)
            case .aluRR16: h = Handler(rawValue: Handler.addRR16.rawValue + k)
            case .aluRR32: h = Handler(rawValue: Handler.addRR32.rawValue + k)
            case .aluRI16: h = Handler(rawValue: Handler.addRI16.rawValue + k)
            case .aluRI32: h = Handler(rawValue: Handler.addRI32.rawValue + k)
            default: break
            }
        }
        // ADC of a 16- or 32-bit register and an immediate (ADD's carry-in form).
        if (h == .aluRI16 || h == .aluRI32) && ins.fastOp == 2 { h = h == .aluRI16 ? .adcRI16 : .adcRI32 }
        // SHL/SAL, SHR and SAR of a 16- or 32-bit register: one handler per operation.
        if h == .shiftRI16 || h == .shiftRI32, let k = Self.perShiftIndex[ins.fastOp] {
            h = Handler(rawValue: (h == .shiftRI16 ? Handler.shlRI16 : Handler.shlRI32).rawValue + k)
        }
        // Memory forms whose effective address needs no scale or no index (see eaForm).
        if let form = h, let f = Self.eaForm(form, ins) { h = f }
        // Only where the model has the opcode at all (the generic table says so).
        if let h, ins.handler != Handler.invalid.rawValue { ins.handler = h.rawValue }
    }
}

extension CPU {
    /// ALU operation (0-7 in opcode order, 8 = TEST) → position in each per-operation
    /// group of handlers (add, or, and, sub, xor, cmp, test); nil for ADC and SBB.
    static let perOperationIndex: [UInt8?] = [0, 1, nil, nil, 2, 3, 4, 5, 6, nil, nil, nil, nil, nil, nil, nil]

    /// The variant of a memory form with its effective-address form fixed: 16-bit
    /// addressing (no scale: base + index + disp wrapped to 16 bits), or 32-bit addressing
    /// without an index register (base + disp); nil when there is none.
    static func eaForm(_ h: Handler, _ ins: Instruction) -> Handler? {
        if !ins.address32 {
            switch h {
            case .movLoad16: return .movLoad16A16
            case .movStore16: return .movStore16A16
            case .movMI8: return .movMI8A16
            default: return nil
            }
        }
        guard ins.index == 0xFF else { return nil }
        switch h {
        case .movLoad32: return .movLoad32B32
        case .movStore32: return .movStore32B32
        case .movMI8: return .movMI8B32
        case .movzxLoad8To32: return .movzxLoad8To32B32
        case .aluLoad32: return .aluLoad32B32
        case .aluStore32: return .aluStore32B32
        default: return nil
        }
    }

    /// Group 2 operation (ROL ROR RCL RCR SHL SHR SAL SAR) → position in each per-shift
    /// group of handlers (shl, shr, sar); nil for the rotates.
    static let perShiftIndex: [UInt8?] = [nil, nil, nil, nil, 0, 1, 0, 2, nil, nil, nil, nil, nil, nil, nil, nil]
}

extension Instruction {
    /// ALU operation of a specialised ALU form (0-7 in opcode order, 8 = TEST).
    @inline(__always) var fastOp: Int {
        get { Int(c >> 8) & 0xF }
        set { c = (c & ~0xF00) | UInt32(newValue & 0xF) << 8 }
    }
    /// Destination and source registers of a specialised register form.
    @inline(__always) var fastDst: Int { Int(truncatingIfNeeded: b) & 7 }
    @inline(__always) var fastSrc: Int { Int(truncatingIfNeeded: b >> 8) & 7 }
    @inline(__always) mutating func setFastRegisters(dst: Int, src: Int) {
        disp = UInt32(dst) | UInt32(src) << 8
    }
}
