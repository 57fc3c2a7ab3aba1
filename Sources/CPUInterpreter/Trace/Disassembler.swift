/// Intel-syntax disassembler (the style of `objdump -M intel`), for the debugger and traces.
///
/// Lengths and operands come from the interpreter's own `Decoder` (one source of truth:
/// what is printed is what the CPU would execute); this file adds only the names — a
/// table of mnemonics and operand forms per opcode, with the ModRM reg field for groups
/// (Intel SDM vol. 2, appendix A opcode maps, and the x87 map of A.5).
///
/// Conventions (those of GNU objdump, so its output can serve as a golden reference):
/// mnemonic padded to 6 columns; `BYTE/WORD/DWORD/FWORD/QWORD/TBYTE PTR` on memory
/// operands; a segment shown only when overridden, except `ds:` on absolute addresses;
/// immediates in hex, sign-extended ones at the operand size; branch targets absolute;
/// prefixes the instruction does not use are named in front of it (`es`, `data16`,
/// `addr16`, `lock`, `repz`, `repnz`); `(bad)` for encodings the CPU model rejects.
public struct Disassembler: Sendable {
    public let model: CPUModel
    private let box: DecoderBox

    public init(model: CPUModel = .p6) {
        self.model = model
        box = DecoderBox(model: model)
    }

    /// Disassembles the instruction at the start of `bytes`, which sits at `address`
    /// (offset in CS: branch targets are printed absolute). `code32`: CS.D. Returns its
    /// length and its text; length 0 with "(bad)" when `bytes` ended inside the
    /// instruction or it is longer than the model allows (the CPU raises #GP).
    public func disassemble(_ bytes: [UInt8], at address: UInt32, code32: Bool) -> (length: Int, text: String) {
        let d = instruction(bytes, at: address, code32: code32)
        return (d.length, d.text)
    }

    /// As `disassemble`, plus whether the CPU model accepts the encoding (false: it raises #UD
    /// whatever the mode — including LOCK on an instruction that cannot take it —, or the
    /// instruction is longer than the model's limit, or the bytes ran out). #UD that depends
    /// on the mode (group 6, LAR, LSL, ARPL in real mode; x87 with CR0.EM) is not counted.
    public func instruction(_ bytes: [UInt8], at address: UInt32, code32: Bool) -> Disassembly {
        guard !bytes.isEmpty else { return Disassembly(length: 0, text: "(bad)", accepted: false) }
        var tooLong = false
        let ins = bytes.withUnsafeBufferPointer { buf in
            box.decoder.decode(buf.baseAddress!, avail: buf.count, code32: code32, tooLong: &tooLong)
        }
        if tooLong { return Disassembly(length: 0, text: "(bad)", accepted: false) }
        if ins.length == 0 { return Disassembly(length: 0, text: "(bad)", accepted: false) }
        var f = InstructionFormatter(ins: ins, bytes: bytes, address: address, code32: code32, model: model)
        let text = f.format()
        return Disassembly(length: Int(ins.length), text: text, accepted: f.accepted)
    }
}

public struct Disassembly: Sendable, Equatable {
    public let length: Int
    public let text: String
    /// The CPU model executes this encoding (no #UD from the opcode itself).
    public let accepted: Bool
}

/// Owns the decoder's tables for the life of the disassembler.
private final class DecoderBox: @unchecked Sendable {   // immutable after init
    let decoder: Decoder
    init(model: CPUModel) { decoder = Decoder(model: model) }
    deinit { decoder.deallocate() }
}

// MARK: - Names

enum DisassemblyTables {
    static let reg8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]
    static let reg16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]
    static let reg32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]
    static let sreg = ["es", "cs", "ss", "ds", "fs", "gs", "?", "?"]
    static let cc = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]
    static let alu = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]
    static let shifts = ["rol", "ror", "rcl", "rcr", "shl", "shr", "shl", "sar"]

    /// Mnemonic and operand form of every opcode (0x000-0x0FF one-byte map, 0x100-0x1FF 0F map).
    /// Mnemonic suffixes: `~` adds w/d when a 66 prefix is present, `!` adds w/d always,
    /// `a/b` picks a by 16-bit and b by 32-bit operand size. "" = not an instruction;
    /// "#grpN" = named by ModRM reg (see `group`).
    /// Operands (SDM appendix A letters): E/G ModRM r/m and reg; b w d v sizes; `Ibs` an
    /// 8-bit immediate sign-extended to the operand size; J relative target; A far pointer;
    /// O moffs; M memory only (Mp far pointer, Ma BOUND pair, Mq qword, Mb byte); `Ev/w`
    /// register at operand size or WORD memory; Z register in the opcode's low 3 bits;
    /// X ds:[esi], Y es:[edi]; R/C/D/T ModRM rm as a 32-bit register and reg as CRn/DRn/TRn.
    static let forms: [String] = {
        var t = [String](repeating: "", count: 512)
        for (i, name) in alu.enumerated() {
            let b = i * 8
            t[b] = "\(name) Eb,Gb"; t[b + 1] = "\(name) Ev,Gv"; t[b + 2] = "\(name) Gb,Eb"
            t[b + 3] = "\(name) Gv,Ev"; t[b + 4] = "\(name) AL,Ib"; t[b + 5] = "\(name) eAX,Iv"
        }
        t[0x06] = "push~ ES"; t[0x07] = "pop~ ES"; t[0x0E] = "push~ CS"
        t[0x16] = "push~ SS"; t[0x17] = "pop~ SS"; t[0x1E] = "push~ DS"; t[0x1F] = "pop~ DS"
        t[0x27] = "daa"; t[0x2F] = "das"; t[0x37] = "aaa"; t[0x3F] = "aas"
        for r in 0..<8 {
            t[0x40 + r] = "inc Zv"; t[0x48 + r] = "dec Zv"; t[0x50 + r] = "push Zv"; t[0x58 + r] = "pop Zv"
            t[0xB0 + r] = "mov Zb,Ib"; t[0xB8 + r] = "mov Zv,Iv"
            if r > 0 { t[0x90 + r] = "xchg Zv,eAX" }
        }
        t[0x60] = "pusha~"; t[0x61] = "popa~"; t[0x62] = "bound Gv,Ma"; t[0x63] = "arpl Ew,Gw"
        t[0x68] = "push~ Iv"; t[0x69] = "imul Gv,Ev,Iv"; t[0x6A] = "push~ Ibs"; t[0x6B] = "imul Gv,Ev,Ibs"
        t[0x6C] = "ins Yb,DX"; t[0x6D] = "ins Yv,DX"; t[0x6E] = "outs DX,Xb"; t[0x6F] = "outs DX,Xv"
        for c in 0..<16 {
            t[0x70 + c] = "j\(cc[c]) Jb"
            t[0x180 + c] = "j\(cc[c]) Jv"
            t[0x190 + c] = "set\(cc[c]) Eb"
            t[0x140 + c] = "cmov\(cc[c]) Gv,Ev"
        }
        t[0x80] = "#grp1 Eb,Ib"; t[0x81] = "#grp1 Ev,Iv"; t[0x82] = "#grp1 Eb,Ib"; t[0x83] = "#grp1 Ev,Ibs"
        t[0x84] = "test Eb,Gb"; t[0x85] = "test Ev,Gv"; t[0x86] = "xchg Eb,Gb"; t[0x87] = "xchg Ev,Gv"
        t[0x88] = "mov Eb,Gb"; t[0x89] = "mov Ev,Gv"; t[0x8A] = "mov Gb,Eb"; t[0x8B] = "mov Gv,Ev"
        t[0x8C] = "mov Ev/w,Sw"; t[0x8D] = "lea Gv,M"; t[0x8E] = "mov Sw,Ev/w"; t[0x8F] = "#grp1a Ev"
        t[0x90] = "nop"; t[0x98] = "cbw/cwde"; t[0x99] = "cwd/cdq"; t[0x9A] = "call Ap"; t[0x9B] = "fwait"
        t[0x9C] = "pushf~"; t[0x9D] = "popf~"; t[0x9E] = "sahf"; t[0x9F] = "lahf"
        t[0xA0] = "mov AL,Ob"; t[0xA1] = "mov eAX,Ov"; t[0xA2] = "mov Ob,AL"; t[0xA3] = "mov Ov,eAX"
        t[0xA4] = "movs Yb,Xb"; t[0xA5] = "movs Yv,Xv"; t[0xA6] = "cmps Xb,Yb"; t[0xA7] = "cmps Xv,Yv"
        t[0xA8] = "test AL,Ib"; t[0xA9] = "test eAX,Iv"; t[0xAA] = "stos Yb,AL"; t[0xAB] = "stos Yv,eAX"
        t[0xAC] = "lods AL,Xb"; t[0xAD] = "lods eAX,Xv"; t[0xAE] = "scas AL,Yb"; t[0xAF] = "scas eAX,Yv"
        t[0xC0] = "#grp2 Eb,Ib"; t[0xC1] = "#grp2 Ev,Ib"; t[0xC2] = "ret~ Iw"; t[0xC3] = "ret~"
        t[0xC4] = "les Gv,Mp"; t[0xC5] = "lds Gv,Mp"; t[0xC6] = "#grp11 Eb,Ib"; t[0xC7] = "#grp11 Ev,Iv"
        t[0xC8] = "enter~ Iw,Ib2"; t[0xC9] = "leave~"; t[0xCA] = "retf~ Iw"; t[0xCB] = "retf~"
        t[0xCC] = "int3"; t[0xCD] = "int Ib"; t[0xCE] = "into"; t[0xCF] = "iret~"
        t[0xD0] = "#grp2 Eb,1"; t[0xD1] = "#grp2 Ev,1"; t[0xD2] = "#grp2 Eb,CL"; t[0xD3] = "#grp2 Ev,CL"
        t[0xD4] = "aam Ib"; t[0xD5] = "aad Ib"; t[0xD6] = "salc"; t[0xD7] = "xlat XL"
        t[0xE0] = "loopne Jb"; t[0xE1] = "loope Jb"; t[0xE2] = "loop Jb"; t[0xE3] = "jecxz Jb"
        t[0xE4] = "in AL,Ib"; t[0xE5] = "in eAX,Ib"; t[0xE6] = "out Ib,AL"; t[0xE7] = "out Ib,eAX"
        t[0xE8] = "call~ Jv"; t[0xE9] = "jmp~ Jv"; t[0xEA] = "jmp Ap"; t[0xEB] = "jmp Jb"
        t[0xEC] = "in AL,DX"; t[0xED] = "in eAX,DX"; t[0xEE] = "out DX,AL"; t[0xEF] = "out DX,eAX"
        t[0xF1] = "int1"; t[0xF4] = "hlt"; t[0xF5] = "cmc"; t[0xF6] = "#grp3 Eb"; t[0xF7] = "#grp3 Ev"
        t[0xF8] = "clc"; t[0xF9] = "stc"; t[0xFA] = "cli"; t[0xFB] = "sti"; t[0xFC] = "cld"; t[0xFD] = "std"
        t[0xFE] = "#grp4 Eb"; t[0xFF] = "#grp5"
        // 0F map
        let x = 0x100
        t[x + 0x00] = "#grp6"; t[x + 0x01] = "#grp7"; t[x + 0x02] = "lar Gv,Ev/w"; t[x + 0x03] = "lsl Gv,Ev/w"
        t[x + 0x06] = "clts"; t[x + 0x08] = "invd"; t[x + 0x09] = "wbinvd"; t[x + 0x0B] = "ud2"
        t[x + 0x20] = "mov R,C"; t[x + 0x21] = "mov R,D"; t[x + 0x22] = "mov C,R"; t[x + 0x23] = "mov D,R"
        t[x + 0x24] = "mov R,T"; t[x + 0x26] = "mov T,R"
        t[x + 0x30] = "wrmsr"; t[x + 0x31] = "rdtsc"; t[x + 0x32] = "rdmsr"
        t[x + 0xA0] = "push~ FS"; t[x + 0xA1] = "pop~ FS"; t[x + 0xA2] = "cpuid"; t[x + 0xA3] = "bt Ev,Gv"
        t[x + 0xA4] = "shld Ev,Gv,Ib"; t[x + 0xA5] = "shld Ev,Gv,CL"
        t[x + 0xA8] = "push~ GS"; t[x + 0xA9] = "pop~ GS"; t[x + 0xAB] = "bts Ev,Gv"
        t[x + 0xAC] = "shrd Ev,Gv,Ib"; t[x + 0xAD] = "shrd Ev,Gv,CL"; t[x + 0xAF] = "imul Gv,Ev"
        t[x + 0xB0] = "cmpxchg Eb,Gb"; t[x + 0xB1] = "cmpxchg Ev,Gv"; t[x + 0xB2] = "lss Gv,Mp"
        t[x + 0xB3] = "btr Ev,Gv"; t[x + 0xB4] = "lfs Gv,Mp"; t[x + 0xB5] = "lgs Gv,Mp"
        t[x + 0xB6] = "movzx Gv,Eb"; t[x + 0xB7] = "movzx Gv,Ew"; t[x + 0xBA] = "#grp8 Ev,Ib"
        t[x + 0xBB] = "btc Ev,Gv"; t[x + 0xBC] = "bsf Gv,Ev"; t[x + 0xBD] = "bsr Gv,Ev"
        t[x + 0xBE] = "movsx Gv,Eb"; t[x + 0xBF] = "movsx Gv,Ew"
        t[x + 0xC0] = "xadd Eb,Gb"; t[x + 0xC1] = "xadd Ev,Gv"; t[x + 0xC7] = "#grp9"
        for r in 0..<8 { t[x + 0xC8 + r] = "bswap Zv" }
        return t
    }()

    /// Group members by ModRM reg; "" = #UD. A member may carry its own operands
    /// (after a space); otherwise the opcode's operands apply.
    static func group(_ name: Substring, reg: Int, memory: Bool, model: CPUModel) -> String {
        switch name {
        case "#grp1": return alu[reg]
        case "#grp1a": return reg == 0 ? "pop" : ""
        case "#grp2": return shifts[reg]
        case "#grp3": return ["test Eb,Ib", "test Eb,Ib", "not", "neg", "mul", "imul", "div", "idiv"][reg]
        case "#grp4": return reg < 2 ? ["inc", "dec"][reg] : ""
        case "#grp5":
            switch reg {
            case 0: return "inc Ev"
            case 1: return "dec Ev"
            case 2: return "call Ev"
            case 3: return memory ? "call Mp" : ""
            case 4: return "jmp Ev"
            case 5: return memory ? "jmp Mp" : ""
            case 6: return "push Ev"
            default: return model == .i286 ? "push Ev" : ""
            }
        case "#grp11": return reg == 0 ? "mov" : ""
        case "#grp6":
            return ["sldt Ev/w", "str Ev/w", "lldt Ew", "ltr Ew", "verr Ew", "verw Ew", "", ""][reg]
        case "#grp7":
            switch reg {
            case 0, 1, 2, 3: return memory ? ["sgdt! M", "sidt! M", "lgdt! M", "lidt! M"][reg] : ""
            case 4: return "smsw Ev/w"
            case 6: return "lmsw Ew"
            case 7: return memory && model >= .i486 ? "invlpg Mb" : ""
            default: return ""
            }
        case "#grp8": return reg >= 4 ? ["bt", "bts", "btr", "btc"][reg - 4] : ""
        case "#grp9": return reg == 1 && memory ? "cmpxchg8b Mq" : ""
        default: return ""
        }
    }

    // x87 (SDM vol. 2, appendix A.5): memory forms by escape and reg, with the operand size.
    static let fpuMemory: [[(String, String)]] = [
        [("fadd", "d"), ("fmul", "d"), ("fcom", "d"), ("fcomp", "d"), ("fsub", "d"), ("fsubr", "d"), ("fdiv", "d"), ("fdivr", "d")],
        [("fld", "d"), ("(bad)", ""), ("fst", "d"), ("fstp", "d"), ("fldenv", "e"), ("fldcw", "w"), ("fnstenv", "e"), ("fnstcw", "w")],
        [("fiadd", "d"), ("fimul", "d"), ("ficom", "d"), ("ficomp", "d"), ("fisub", "d"), ("fisubr", "d"), ("fidiv", "d"), ("fidivr", "d")],
        [("fild", "d"), ("(bad)", ""), ("fist", "d"), ("fistp", "d"), ("(bad)", ""), ("fld", "t"), ("(bad)", ""), ("fstp", "t")],
        [("fadd", "q"), ("fmul", "q"), ("fcom", "q"), ("fcomp", "q"), ("fsub", "q"), ("fsubr", "q"), ("fdiv", "q"), ("fdivr", "q")],
        [("fld", "q"), ("(bad)", ""), ("fst", "q"), ("fstp", "q"), ("frstor", "e"), ("(bad)", ""), ("fnsave", "e"), ("fnstsw", "w")],
        [("fiadd", "w"), ("fimul", "w"), ("ficom", "w"), ("ficomp", "w"), ("fisub", "w"), ("fisubr", "w"), ("fidiv", "w"), ("fidivr", "w")],
        [("fild", "w"), ("(bad)", ""), ("fist", "w"), ("fistp", "w"), ("fbld", "t"), ("fild", "q"), ("fbstp", "t"), ("fistp", "q")],
    ]

    /// x87 register forms: escape (0-7), ModRM byte (mod = 3). "" = reserved.
    static func fpuRegister(_ esc: Int, _ modrm: UInt8) -> String {
        let reg = Int(modrm >> 3) & 7, i = Int(modrm & 7)
        let sti = "st(\(i))"
        let arith = ["fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"]
        switch esc {
        case 0: return reg == 2 || reg == 3 ? "\(arith[reg]) \(sti)" : "\(arith[reg]) st,\(sti)"
        case 1:
            switch reg {
            case 0: return "fld \(sti)"
            case 1: return "fxch \(sti)"
            case 2: return i == 0 ? "fnop" : ""
            case 3: return ""
            case 4: return ["fchs", "fabs", "", "", "ftst", "fxam", "", ""][i]
            case 5: return ["fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz", ""][i]
            case 6: return ["f2xm1", "fyl2x", "fptan", "fpatan", "fxtract", "fprem1", "fdecstp", "fincstp"][i]
            default: return ["fprem", "fyl2xp1", "fsqrt", "fsincos", "frndint", "fscale", "fsin", "fcos"][i]
            }
        case 2:
            if reg < 4 { return "\(["fcmovb", "fcmove", "fcmovbe", "fcmovu"][reg]) st,\(sti)" }
            return reg == 5 && i == 1 ? "fucompp" : ""
        case 3:
            switch reg {
            case 0, 1, 2, 3: return "\(["fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"][reg]) st,\(sti)"
            case 4: return ["fneni(8087 only)", "fndisi(8087 only)", "fnclex", "fninit",
                            "fnsetpm(287 only)", "frstpm(287 only)", "", ""][i]
            case 5: return "fucomi st,\(sti)"
            case 6: return "fcomi st,\(sti)"
            default: return ""
            }
        case 4:
            let names = ["fadd", "fmul", "", "", "fsubr", "fsub", "fdivr", "fdiv"]
            return names[reg].isEmpty ? "" : "\(names[reg]) \(sti),st"
        case 5: return ["ffree \(sti)", "", "fst \(sti)", "fstp \(sti)", "fucom \(sti)", "fucomp \(sti)", "", ""][reg]
        case 6:
            if reg == 3 { return i == 1 ? "fcompp" : "" }
            let names = ["faddp", "fmulp", "", "", "fsubrp", "fsubp", "fdivrp", "fdivp"]
            return names[reg].isEmpty ? "" : "\(names[reg]) \(sti),st"
        default:
            switch reg {
            case 0: return "ffreep \(sti)"
            case 4: return i == 0 ? "fnstsw ax" : ""
            case 5: return "fucomip st,\(sti)"
            case 6: return "fcomip st,\(sti)"
            default: return ""
            }
        }
    }
}

// MARK: - Formatting one instruction

private struct InstructionFormatter {
    let ins: Instruction
    let bytes: [UInt8]
    let address: UInt32
    let code32: Bool
    let model: CPUModel
    var accepted = true
    // Which prefixes the instruction consumed (the rest are named in front of it).
    var usesOperandSize = false
    var usesAddressSize = false
    var usesSegment = false
    var forceAddressPrefix = false   // objdump names 67 on moffs and eiz-only forms anyway

    init(ins: Instruction, bytes: [UInt8], address: UInt32, code32: Bool, model: CPUModel) {
        self.ins = ins; self.bytes = bytes; self.address = address; self.code32 = code32; self.model = model
    }

    private var o32: Bool { ins.operand32 }
    private var a32: Bool { ins.address32 }
    private var isMemory: Bool { ins.hasMemoryOperand }

    mutating func format() -> String {
        let op = Int(ins.op)
        if ins.handler == Handler.invalid.rawValue {   // not an instruction on this model
            accepted = false
            return assemble(op == 0x10B ? "ud2" : "(bad)", [], stringOp: 0)
        }
        if op >= 0xD8 && op <= 0xDF { return formatFPU(op - 0xD8) }
        var spec = Substring(DisassemblyTables.forms[op])
        guard !spec.isEmpty else { accepted = false; return assemble("(bad)", [], stringOp: 0) }
        var mnemonic: Substring
        var operands: Substring
        if let sp = spec.firstIndex(of: " ") {
            mnemonic = spec[..<sp]; operands = spec[spec.index(after: sp)...]
        } else {
            mnemonic = spec; operands = ""
        }
        if mnemonic.hasPrefix("#") {
            let member = DisassemblyTables.group(mnemonic, reg: ins.reg, memory: isMemory, model: model)
            guard !member.isEmpty else { accepted = false; return assemble("(bad)", [], stringOp: 0) }
            spec = Substring(member)
            if let sp = spec.firstIndex(of: " ") {
                mnemonic = spec[..<sp]; operands = spec[spec.index(after: sp)...]
            } else {
                mnemonic = spec
            }
            if op == 0xF7 && mnemonic == "test" { operands = "Ev,Iv" }
        }
        guard checkAccepted(op) else { accepted = false; return assemble("(bad)", [], stringOp: 0) }
        if ins.prefixes & Prefix.lock != 0 && model != .i286 && !(isMemory && lockable(op)) {
            accepted = false   // #UD, but named like objdump does: "lock" and the instruction
        }

        // Operands first: they record which prefixes are used.
        var parts: [String] = []
        if !operands.isEmpty {
            for o in operands.split(separator: ",") { parts.append(operand(o)) }
        }
        var name = String(mnemonic)
        if name.hasSuffix("~") {
            name.removeLast()
            usesOperandSize = true
            if hasRawPrefix(0x66) { name += o32 ? "d" : "w" }
        } else if name.hasSuffix("!") {
            name.removeLast()
            usesOperandSize = true
            name += o32 ? "d" : "w"
        } else if let slash = name.firstIndex(of: "/") {
            usesOperandSize = true
            name = o32 ? String(name[name.index(after: slash)...]) : String(name[..<slash])
        }
        if op == 0xE3 { usesAddressSize = true; name = a32 ? "jecxz" : "jcxz" }
        if op == 0x90 && ins.prefixes & Prefix.rep != 0 { name = "pause" }
        if op == 0x90 && name == "nop" && hasRawPrefix(0x66) {
            usesOperandSize = true
            name = "xchg"; parts = [o32 ? "eax" : "ax", o32 ? "eax" : "ax"]
        }
        return assemble(name, parts, stringOp: stringKind(op))
    }

    /// Encodings the decoder accepts but the execution of the CPU model rejects with #UD
    /// regardless of state (the checks of the handlers in Instructions/ and Protection/).
    private func checkAccepted(_ op: Int) -> Bool {
        switch op {
        case 0x62, 0x8D, 0xC4, 0xC5, 0x1B2, 0x1B4, 0x1B5: return isMemory
        case 0x8C: return ins.reg < (model == .i286 ? 4 : 6)
        case 0x8E: return ins.reg != 1 && ins.reg < (model == .i286 ? 4 : 6)
        case 0x120, 0x122: return ins.reg == 0 || ins.reg == 2 || ins.reg == 3 || (ins.reg == 4 && model >= .pentium)
        default: return true
        }
    }

    /// LOCK is legal only on these read-modify-write forms, with a memory destination
    /// (SDM vol. 2, LOCK); elsewhere the 386 and later raise #UD.
    private func lockable(_ op: Int) -> Bool {
        switch op {
        case 0x00...0x3F: return op & 7 < 2 && op >> 3 != 7
        case 0x80...0x83: return ins.reg != 7
        case 0x86, 0x87, 0x1B0, 0x1B1, 0x1C0, 0x1C1, 0x1AB, 0x1B3, 0x1BB: return true
        case 0xF6, 0xF7: return ins.reg == 2 || ins.reg == 3
        case 0xFE, 0xFF: return ins.reg < 2
        case 0x1BA: return ins.reg >= 5
        case 0x1C7: return ins.reg == 1
        default: return false
        }
    }

    private func stringKind(_ op: Int) -> Int {
        switch op {
        case 0x6C, 0x6D, 0x6E, 0x6F, 0xA4, 0xA5, 0xAA, 0xAB, 0xAC, 0xAD: return 1   // rep
        case 0xA6, 0xA7, 0xAE, 0xAF: return 2                                     // repz / repnz
        default: return 0
        }
    }

    // MARK: x87

    private mutating func formatFPU(_ esc: Int) -> String {
        if ins.prefixes & Prefix.lock != 0 && model != .i286 { accepted = false }   // #UD
        if isMemory {
            let (name, size) = DisassemblyTables.fpuMemory[esc][ins.reg]
            var n = name
            if size == "e" && hasRawPrefix(0x66) { usesOperandSize = true; n += o32 ? "d" : "w" }
            let m = memoryOperand(size: size == "e" ? "" : size)
            return assemble(n, [m], stringOp: 0)
        }
        let text = DisassemblyTables.fpuRegister(esc, ins.modrm)
        if text.isEmpty { return assemble("(bad)", [], stringOp: 0) }
        if let sp = text.firstIndex(of: " ") {
            return assemble(String(text[..<sp]), [String(text[text.index(after: sp)...])], stringOp: 0)
        }
        return assemble(text, [], stringOp: 0)
    }

    // MARK: Prefixes and layout

    /// The prefix bytes in front of the opcode (the decoder's prefix set for the model).
    private var rawPrefixes: ArraySlice<UInt8> {
        let is286 = model == .i286
        var n = 0
        while n < bytes.count {
            switch bytes[n] {
            case 0x26, 0x2E, 0x36, 0x3E, 0xF0, 0xF2, 0xF3: n += 1
            case 0x64, 0x65, 0x66, 0x67: if is286 { return bytes[0..<n] } else { n += 1 }
            case 0xF1: if is286 { n += 1 } else { return bytes[0..<n] }
            default: return bytes[0..<n]
            }
        }
        return bytes[0..<n]
    }

    private func hasRawPrefix(_ b: UInt8) -> Bool { rawPrefixes.contains(b) }

    /// Names the prefixes in the order they appear; the instruction's own uses of
    /// segment, operand- and address-size prefixes are silent (the last segment wins).
    private func assemble(_ name: String, _ operands: [String], stringOp: Int) -> String {
        let raw = rawPrefixes
        let lastSeg = raw.lastIndex { [0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65].contains($0) }
        var seenOpsize = false, seenAddr = false
        var words: [String] = []
        for i in raw.indices {
            let b = raw[i]
            switch b {
            case 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65:
                if i != lastSeg || !usesSegment {
                    words.append(["es", "cs", "ss", "ds", "fs", "gs"][[0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65].firstIndex(of: b)!])
                }
            case 0x66:
                if seenOpsize || !usesOperandSize { words.append(code32 ? "data16" : "data32") }
                seenOpsize = true
            case 0x67:
                if seenAddr || !usesAddressSize || forceAddressPrefix { words.append(code32 ? "addr16" : "addr32") }
                seenAddr = true
            case 0xF0, 0xF1: words.append("lock")
            case 0xF2: words.append("repnz")
            case 0xF3:
                if name == "pause" { break }
                words.append(stringOp == 1 ? "rep" : "repz")
            default: break
            }
        }
        words.append(name)
        let head = words.joined(separator: " ")
        if operands.isEmpty { return head }
        let pad = head.count < 6 ? String(repeating: " ", count: 6 - head.count) : ""
        return head + pad + " " + operands.joined(separator: ",")
    }

    // MARK: Operands

    private func reg(_ n: Int, _ size: Int) -> String {
        switch size {
        case 0: return DisassemblyTables.reg8[n & 7]
        case 1: return DisassemblyTables.reg16[n & 7]
        default: return DisassemblyTables.reg32[n & 7]
        }
    }

    private func hex<T: BinaryInteger>(_ v: T) -> String { "0x" + String(v, radix: 16) }

    private var vsize: Int { o32 ? 2 : 1 }

    private mutating func operand(_ o: Substring) -> String {
        switch o {
        case "Eb": return rm(size: "b", regSize: 0)
        case "Ew": return rm(size: "w", regSize: 1)
        case "Ev": usesOperandSize = true; return rm(size: o32 ? "d" : "w", regSize: vsize)
        case "Ev/w":
            if isMemory { return rm(size: "w", regSize: 1) }
            usesOperandSize = true; return reg(ins.rm, vsize)
        case "Gb": return reg(ins.reg, 0)
        case "Gw": return reg(ins.reg, 1)
        case "Gv": usesOperandSize = true; return reg(ins.reg, vsize)
        case "Zb": return reg(Int(ins.op) & 7, 0)
        case "Zv": usesOperandSize = true; return reg(Int(ins.op) & 7, vsize)
        case "AL": return "al"
        case "eAX": usesOperandSize = true; return o32 ? "eax" : "ax"
        case "DX": return "dx"
        case "CL": return "cl"
        case "1": return "1"
        case "ES": return "es"
        case "CS": return "cs"
        case "SS": return "ss"
        case "DS": return "ds"
        case "FS": return "fs"
        case "GS": return "gs"
        case "Sw": return DisassemblyTables.sreg[ins.reg]
        case "Ib": return hex(ins.imm & 0xFF)
        case "Iw": return hex(ins.imm & 0xFFFF)
        case "Ib2": return hex(ins.imm2 & 0xFF)
        case "Iv": usesOperandSize = true; return hex(o32 ? ins.imm : ins.imm & 0xFFFF)
        case "Ibs":
            usesOperandSize = true
            let v = signExtend8(ins.imm & 0xFF)
            return hex(o32 ? v : v & 0xFFFF)
        case "Jb", "Jv":
            if o == "Jv" { usesOperandSize = true }
            let rel = o == "Jb" ? signExtend8(ins.imm & 0xFF) : (o32 ? ins.imm : UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: ins.imm))))
            let target = address &+ UInt32(ins.length) &+ rel
            return hex(o32 ? target : target & 0xFFFF)
        case "Ap":
            usesOperandSize = true
            return "\(hex(ins.imm2 & 0xFFFF)):\(hex(o32 ? ins.imm : ins.imm & 0xFFFF))"
        case "Ob", "Ov":
            if o == "Ov" { usesOperandSize = true }
            usesSegment = true; usesAddressSize = true; forceAddressPrefix = true
            return "\(DisassemblyTables.sreg[Int(ins.seg)]):\(hex(ins.disp))"
        case "M": return rm(size: "", regSize: vsize)
        case "Mb": return rm(size: "b", regSize: 0)
        case "Mq": return rm(size: "q", regSize: 2)
        case "Mp": usesOperandSize = true; return rm(size: o32 ? "f" : "d", regSize: vsize)
        case "Ma": usesOperandSize = true; return rm(size: o32 ? "q" : "d", regSize: vsize)
        case "R": return DisassemblyTables.reg32[ins.rm]
        case "C": return "cr\(ins.reg)"
        case "D": return "dr\(ins.reg)"
        case "T": return "tr\(ins.reg)"
        case "Xb", "Xv", "Yb", "Yv", "XL":
            usesAddressSize = true
            let size: String
            switch o {
            case "Xb", "Yb", "XL": size = "BYTE PTR "
            default: usesOperandSize = true; size = o32 ? "DWORD PTR " : "WORD PTR "
            }
            if o.hasPrefix("Y") { return size + "es:[\(a32 ? "edi" : "di")]" }
            usesSegment = true
            let r = o == "XL" ? (a32 ? "ebx" : "bx") : (a32 ? "esi" : "si")
            return size + "\(DisassemblyTables.sreg[Int(ins.seg)]):[\(r)]"
        default:
            return "?"
        }
    }

    private static func ptr(_ size: String) -> String {
        switch size {
        case "b": return "BYTE PTR "
        case "w": return "WORD PTR "
        case "d": return "DWORD PTR "
        case "f": return "FWORD PTR "
        case "q": return "QWORD PTR "
        case "t": return "TBYTE PTR "
        default: return ""
        }
    }

    /// The ModRM r/m operand: a register of `regSize`, or memory of `size`.
    private mutating func rm(size: String, regSize: Int) -> String {
        guard isMemory else { return reg(ins.rm, regSize) }
        return memoryOperand(size: size)
    }

    private mutating func memoryOperand(size: String) -> String {
        usesSegment = true
        usesAddressSize = true
        let mod = ins.modrm >> 6
        let override = ins.prefixes & Prefix.segmentOverride != 0
        let segName = DisassemblyTables.sreg[Int(ins.seg)]
        let names = a32 ? DisassemblyTables.reg32 : DisassemblyTables.reg16
        let hasSIB = a32 && ins.rm == 4
        let hasBase = ins.base != 0xFF
        let hasIndex = ins.index != 0xFF
        var s = Self.ptr(size)
        if !hasBase && !hasIndex && !hasSIB {
            if a32 && !code32 { forceAddressPrefix = true }   // objdump names addr32 on [disp32]
            return s + "\(segName):\(hex(a32 ? ins.disp : ins.disp & 0xFFFF))"
        }
        if override { s += segName + ":" }
        var inner = ""
        if hasBase { inner = names[Int(ins.base)] }
        if hasSIB {
            // objdump names a SIB without index "eiz", except plain [esp].
            let scale = 1 << Int(ins.scale)
            if hasIndex || ins.scale != 0 || !hasBase || ins.base != 4 {
                let idx = hasIndex ? names[Int(ins.index)] : "eiz"
                inner += (inner.isEmpty ? "" : "+") + "\(idx)*\(scale)"
            }
            if !hasBase && !hasIndex && !code32 { forceAddressPrefix = true }
        } else if hasIndex {
            inner += "+" + names[Int(ins.index)]
        }
        if mod == 1 || mod == 2 || (hasSIB && !hasBase) {
            let d: Int = a32 ? Int(Int32(bitPattern: ins.disp)) : Int(Int16(truncatingIfNeeded: ins.disp))
            inner += d < 0 ? "-" + hex(-d) : "+" + hex(d)
        }
        return s + "[" + inner + "]"
    }
}
