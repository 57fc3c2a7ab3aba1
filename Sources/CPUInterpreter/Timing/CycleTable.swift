#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cycle costs per CPU model, from Intel's published instruction timings
/// (docs/timings.tsv and docs/timings-sources.md name the documents). Each
/// instruction is charged its base cost when decoded; data-dependent parts (taken
/// branches, REP iterations, 286 shift counts, ENTER nesting) are added as it runs.
///
/// Simplifications, all documented in docs/timings-sources.md: no prefix penalties,
/// no pipelining or pairing, cache hits, multiply/divide at Intel's default (midpoint) figure.
struct CycleTable {
    /// Indexed by `key(op, reg, operand32, memory)`.
    let table: UnsafeMutablePointer<UInt16>
    static let entries = 512 * 32

    /// Extra cycles when Jcc/LOOP/JCXZ is taken (taken minus not-taken figure).
    let branchTakenExtra: UInt32
    /// Per-iteration cost of REP MOVS, STOS, LODS, CMPS, SCAS, INS, OUTS.
    let repMovs, repStos, repLods, repCmps, repScas, repIns, repOuts: UInt32
    let model: CPUModel

    @inline(__always) static func key(_ op: Int, _ reg: Int, _ o32: Bool, _ mem: Bool) -> Int {
        (op << 5) | (reg << 2) | (o32 ? 2 : 0) | (mem ? 1 : 0)
    }

    /// A row of the timing table: the cost in each model, 286 386 486 Pentium P6 (0 = absent).
    typealias Costs = (Int, Int, Int, Int, Int)

    init(model: CPUModel) {
        self.model = model
        table = calloc(Self.entries, MemoryLayout<UInt16>.stride)!.assumingMemoryBound(to: UInt16.self)
        let column: (Costs) -> Int = { c in
            switch model {
            case .i286: return c.0
            case .i386: return c.1
            case .i486: return c.2
            case .pentium: return c.3
            case .p6: return c.4
            }
        }
        let t = table
        // set(opcodes, reg or all, register form, memory form, size: nil = both, true = 32-bit only)
        func set(_ ops: [Int], reg: Int? = nil, _ r: Costs, _ m: Costs? = nil, o32: Bool? = nil) {
            for op in ops {
                for g in (reg.map { [$0] } ?? Array(0..<8)) {
                    for size in [false, true] where o32 == nil || o32 == size {
                        t[Self.key(op, g, size, false)] = UInt16(max(1, column(r)))
                        t[Self.key(op, g, size, true)] = UInt16(max(1, column(m ?? r)))
                    }
                }
            }
        }
        for op in 0..<512 { set([op], (2, 2, 1, 1, 1)) }       // default for anything not listed

        // ALU: op r/m,r / op r,r/m / op acc,imm (ADD ADC SUB SBB AND OR XOR share costs)
        let aluRM = [0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31]
        let aluR = aluRM.map { $0 + 2 }
        let aluAcc = [0x04, 0x05, 0x0C, 0x0D, 0x14, 0x15, 0x1C, 0x1D, 0x24, 0x25, 0x2C, 0x2D, 0x34, 0x35, 0x3C, 0x3D, 0xA8, 0xA9]
        set(aluRM, (2, 2, 1, 1, 1), (7, 7, 3, 3, 2))
        set(aluR, (2, 2, 1, 1, 1), (7, 6, 2, 2, 1))
        set(aluAcc, (3, 2, 1, 1, 1))
        set([0x38, 0x39], (2, 2, 1, 1, 1), (7, 5, 2, 2, 1))
        set([0x3A, 0x3B], (2, 2, 1, 1, 1), (6, 6, 2, 2, 1))
        set([0x80, 0x81, 0x82, 0x83], (3, 2, 1, 1, 1), (7, 7, 3, 3, 2))
        set([0x80, 0x81, 0x82, 0x83], reg: 7, (3, 2, 1, 1, 1), (6, 5, 2, 2, 1))
        set([0x84, 0x85], (2, 2, 1, 1, 1), (6, 5, 2, 2, 1))
        // Group 3
        set([0xF6, 0xF7], reg: 0, (3, 2, 1, 1, 1), (6, 5, 2, 2, 1))
        set([0xF6, 0xF7], reg: 1, (3, 2, 1, 1, 1), (6, 5, 2, 2, 1))
        set([0xF6, 0xF7], reg: 2, (2, 2, 1, 1, 1), (7, 6, 3, 3, 2))
        set([0xF6, 0xF7], reg: 3, (2, 2, 1, 1, 1), (7, 6, 3, 3, 2))
        for g in [4, 5] {
            set([0xF6], reg: g, (13, 12, 16, 11, 4), (16, 15, 16, 11, 4))
            set([0xF7], reg: g, (21, 16, 20, 11, 4), (24, 19, 20, 11, 4), o32: false)
            set([0xF7], reg: g, (0, 24, 28, 10, 4), (0, 27, 28, 10, 4), o32: true)
        }
        set([0xF6], reg: 6, (14, 14, 16, 17, 19), (17, 17, 16, 17, 19))
        set([0xF7], reg: 6, (22, 22, 24, 25, 23), (25, 25, 24, 25, 23), o32: false)
        set([0xF7], reg: 6, (0, 38, 40, 41, 39), (0, 41, 40, 41, 39), o32: true)
        set([0xF6], reg: 7, (17, 19, 19, 22, 19), (20, 22, 20, 22, 19))
        set([0xF7], reg: 7, (25, 27, 27, 30, 23), (28, 30, 28, 30, 23), o32: false)
        set([0xF7], reg: 7, (0, 43, 43, 46, 39), (0, 46, 44, 46, 39), o32: true)
        set([0x0AF + 0x100], (0, 16, 20, 10, 4), (0, 19, 20, 10, 4), o32: false)
        set([0x0AF + 0x100], (0, 24, 28, 10, 4), (0, 27, 28, 10, 4), o32: true)
        set([0x69, 0x6B], (21, 24, 28, 10, 4), (24, 27, 28, 10, 4))
        // INC DEC NEG NOT PUSH POP
        set(Array(0x40...0x4F), (2, 2, 1, 1, 1))
        set([0xFE, 0xFF], reg: 0, (2, 2, 1, 1, 1), (7, 6, 3, 3, 2))
        set([0xFE, 0xFF], reg: 1, (2, 2, 1, 1, 1), (7, 6, 3, 3, 2))
        set(Array(0x50...0x57), (3, 2, 1, 1, 1))
        set(Array(0x58...0x5F), (5, 4, 1, 1, 1))
        set([0xFF], reg: 6, (3, 2, 1, 1, 1), (5, 5, 4, 2, 2))
        set([0x8F], (5, 4, 1, 1, 1), (5, 5, 6, 3, 3))
        set([0x68, 0x6A], (3, 2, 1, 1, 1))
        set([0x06, 0x0E, 0x16, 0x1E, 0x1A0, 0x1A8], (3, 2, 3, 1, 2))
        set([0x07, 0x17, 0x1F, 0x1A1, 0x1A9], (5, 7, 3, 3, 3))
        set([0x60], (17, 18, 11, 5, 6)); set([0x61], (19, 24, 9, 5, 4))
        set([0x9C], (3, 4, 4, 9, 6)); set([0x9D], (5, 5, 9, 6, 6))
        set([0x9F], (2, 2, 3, 2, 1)); set([0x9E], (2, 3, 2, 2, 1))
        // MOV XCHG LEA LDS CBW MOVZX
        set([0x88, 0x89], (2, 2, 1, 1, 1), (3, 2, 1, 1, 1))
        set([0x8A, 0x8B], (2, 2, 1, 1, 1), (5, 4, 1, 1, 1))
        set(Array(0xB0...0xBF), (2, 2, 1, 1, 1))
        set([0xC6, 0xC7], (2, 2, 1, 1, 1), (3, 2, 1, 1, 1))
        set([0xA0, 0xA1], (5, 4, 1, 1, 1)); set([0xA2, 0xA3], (3, 2, 1, 1, 1))
        set([0x8C], (2, 2, 3, 1, 1), (3, 2, 3, 1, 1))
        set([0x8E], (2, 2, 3, 2, 5), (5, 5, 3, 3, 5))
        set([0x86, 0x87], (3, 3, 3, 3, 1), (5, 5, 5, 3, 3))
        set(Array(0x91...0x97), (3, 3, 3, 2, 1)); set([0x90], (3, 3, 1, 1, 1))
        set([0x8D], (3, 2, 1, 1, 1))
        set([0xC4, 0xC5, 0x1B2, 0x1B4, 0x1B5], (7, 7, 6, 4, 4))
        set([0x98], (2, 3, 3, 3, 1)); set([0x99], (2, 2, 3, 2, 1))
        set([0x1B6, 0x1B7, 0x1BE, 0x1BF], (0, 3, 3, 3, 1), (0, 6, 3, 3, 1))
        // Flags, HLT
        set([0xF5, 0xF8, 0xF9], (2, 2, 2, 2, 1)); set([0xFA], (3, 3, 5, 7, 3)); set([0xFB], (2, 3, 5, 7, 6))
        set([0xFC, 0xFD], (2, 2, 2, 2, 2)); set([0xF4], (2, 5, 4, 4, 4))
        // Control transfer (Jcc/LOOP/JCXZ: the not-taken cost; taken adds branchTakenExtra)
        set([0xE9, 0xEB], (10, 10, 3, 1, 1))
        set([0xFF], reg: 4, (10, 10, 5, 2, 1), (14, 13, 5, 2, 1))
        set([0xEA], (14, 15, 17, 3, 8)); set([0xFF], reg: 5, (15, 17, 17, 3, 8), (15, 17, 17, 3, 8))
        set(Array(0x70...0x7F) + Array(0x180...0x18F), (3, 3, 1, 1, 1))
        set([0xE0, 0xE1, 0xE2], (4, 11, 6, 6, 4)); set([0xE3], (4, 5, 5, 6, 1))
        set([0xE8], (10, 10, 3, 1, 2))
        set([0xFF], reg: 2, (10, 10, 5, 2, 2), (14, 13, 5, 2, 3))
        set([0x9A], (16, 20, 18, 4, 11)); set([0xFF], reg: 3, (16, 22, 18, 4, 11), (16, 22, 18, 4, 11))
        set([0xC3], (14, 13, 5, 2, 2)); set([0xC2], (14, 13, 5, 3, 2))
        set([0xCB], (18, 21, 13, 4, 9)); set([0xCA], (18, 21, 14, 4, 9))
        set([0xCD], (26, 37, 30, 16, 16)); set([0xCC], (26, 33, 26, 13, 13)); set([0xCE], (3, 3, 3, 4, 2))
        set([0xCF], (20, 22, 15, 8, 8))
        set([0xC8], (11, 10, 14, 11, 5)); set([0xC9], (5, 4, 5, 3, 1))
        set([0x62], (13, 10, 7, 8, 5)); set([0x63], (10, 20, 9, 7, 7))
        // String instructions: reg slot 0 = single, 1 = with REP (base cost; iterations add repX)
        set([0xA4, 0xA5], reg: 0, (5, 7, 7, 4, 2)); set([0xA4, 0xA5], reg: 1, (5, 5, 12, 3, 3))
        set([0xAA, 0xAB], reg: 0, (3, 4, 5, 3, 1)); set([0xAA, 0xAB], reg: 1, (4, 5, 7, 3, 3))
        set([0xAC, 0xAD], reg: 0, (5, 5, 5, 2, 1)); set([0xAC, 0xAD], reg: 1, (5, 5, 7, 7, 10))
        set([0xA6, 0xA7], reg: 0, (8, 10, 8, 5, 2)); set([0xA6, 0xA7], reg: 1, (5, 5, 7, 9, 4))
        set([0xAE, 0xAF], reg: 0, (7, 7, 6, 4, 1)); set([0xAE, 0xAF], reg: 1, (5, 5, 7, 8, 4))
        set([0x6C, 0x6D], reg: 0, (5, 15, 17, 9, 9)); set([0x6C, 0x6D], reg: 1, (5, 13, 16, 11, 11))
        set([0x6E, 0x6F], reg: 0, (5, 14, 17, 13, 13)); set([0x6E, 0x6F], reg: 1, (5, 5, 17, 13, 13))
        // I/O (real-mode figures)
        set([0xE4, 0xE5], (5, 12, 14, 7, 7)); set([0xE6, 0xE7], (3, 10, 16, 12, 12))
        set([0xEC, 0xED], (5, 13, 14, 7, 7)); set([0xEE, 0xEF], (3, 11, 16, 12, 12))
        // BCD, XLAT, SALC
        set([0xD7], (5, 5, 4, 4, 1)); set([0x37, 0x3F], (3, 4, 3, 3, 1))
        set([0xD5], (14, 19, 14, 10, 4)); set([0xD4], (16, 17, 15, 18, 15))
        set([0x27, 0x2F], (3, 4, 2, 3, 1)); set([0xD6], (2, 2, 2, 2, 2))
        // Shifts and rotates (286 by-count forms add one cycle per count in shiftExtra)
        set([0xD0, 0xD1], (2, 3, 3, 1, 1), (7, 7, 4, 3, 2))
        set([0xD0, 0xD1], reg: 2, (2, 9, 3, 1, 1), (7, 10, 4, 3, 2))
        set([0xD0, 0xD1], reg: 3, (2, 9, 3, 1, 1), (7, 10, 4, 3, 2))
        set([0xD2, 0xD3], (5, 3, 3, 4, 1), (8, 7, 4, 4, 2))
        set([0xC0, 0xC1], (5, 3, 2, 1, 1), (8, 7, 4, 3, 2))
        for g in [2, 3] {
            set([0xD2, 0xD3, 0xC0, 0xC1], reg: g, (5, 9, 19, 16, 2), (8, 10, 19, 16, 2))
        }
        set([0x1A4, 0x1AC], (0, 3, 2, 4, 1), (0, 7, 3, 4, 2))
        set([0x1A5, 0x1AD], (0, 3, 3, 4, 1), (0, 7, 4, 5, 2))
        // Bit instructions
        set([0x1A3], (0, 3, 3, 4, 1), (0, 12, 8, 9, 1))
        set([0x1AB, 0x1B3, 0x1BB], (0, 6, 6, 7, 1), (0, 13, 13, 13, 1))
        set([0x1BA], reg: 4, (0, 3, 3, 4, 1), (0, 6, 3, 4, 1))
        for g in 5...7 { set([0x1BA], reg: g, (0, 6, 6, 7, 1), (0, 8, 8, 8, 1)) }
        set([0x1BC], (0, 34, 24, 24, 1), (0, 37, 24, 24, 1))
        set([0x1BD], (0, 34, 55, 39, 1), (0, 37, 55, 39, 1))
        set(Array(0x190...0x19F), (0, 4, 4, 1, 1), (0, 5, 3, 1, 1))
        // 486, Pentium and P6 additions
        set(Array(0x1C8...0x1CF), (0, 0, 1, 1, 1))
        set([0x1C0, 0x1C1], (0, 0, 3, 3, 3), (0, 0, 4, 4, 4))
        set([0x1B0, 0x1B1], (0, 0, 6, 5, 5), (0, 0, 8, 6, 6))
        set([0x1C7], (0, 0, 0, 10, 10))
        set(Array(0x140...0x14F), (0, 0, 0, 0, 1))
        set([0x1A2], (0, 0, 0, 14, 12)); set([0x131], (0, 0, 0, 7, 11))
        // System instructions (real-mode or CPL 0 figures)
        set([0x100], (17, 20, 11, 10, 10)); set([0x101], (11, 11, 11, 6, 6))
        set([0x102, 0x103], (14, 15, 11, 8, 8)); set([0x106], (2, 5, 7, 10, 10))
        set(Array(0x120...0x123), (0, 6, 4, 4, 4)); set([0x108, 0x109], (0, 0, 4, 15, 15))
        set([0x9B], (3, 6, 1, 1, 1))

        func per(_ c: Costs) -> UInt32 { UInt32(column(c)) }
        branchTakenExtra = per((7, 7, 2, 0, 0))
        repMovs = per((4, 4, 3, 1, 2)); repStos = per((3, 5, 4, 1, 2)); repLods = per((4, 4, 4, 1, 2))
        repCmps = per((9, 9, 7, 4, 3)); repScas = per((8, 8, 5, 4, 2))
        repIns = per((4, 6, 8, 3, 3)); repOuts = per((4, 12, 5, 3, 3))
    }

    func deallocate() { free(table) }

    /// The base cost of a decoded instruction.
    @inline(__always) func cost(of ins: Instruction) -> UInt16 {
        let op = Int(ins.op)
        var reg = 0
        if Operands.table[op] & Operands.modrm != 0 {
            reg = ins.reg
        } else if ins.prefixes & (Prefix.rep | Prefix.repne) != 0 && Self.isString(op) {
            reg = 1
        }
        return table[Self.key(op, reg, ins.operand32, ins.hasMemoryOperand)]
    }

    static func isString(_ op: Int) -> Bool { (0xA4...0xA7).contains(op) || (0xAA...0xAF).contains(op) || (0x6C...0x6F).contains(op) }

    func repIteration(_ ins: Instruction) -> UInt32 {
        switch ins.op {
        case 0xA4, 0xA5: return repMovs
        case 0xAA, 0xAB: return repStos
        case 0xAC, 0xAD: return repLods
        case 0xA6, 0xA7: return repCmps
        case 0xAE, 0xAF: return repScas
        case 0x6C, 0x6D: return repIns
        default: return repOuts
        }
    }

    /// The 286 charges one cycle per bit shifted for the by-CL and by-immediate forms (5 + n).
    @inline(__always) func shiftExtra(op: UInt16, count: UInt32) -> UInt32 {
        model == .i286 && op != 0xD0 && op != 0xD1 ? count : 0
    }

    /// ENTER with nesting level L > 1: 286 4(L-1), 386 4(L-1), 486 3L, Pentium 2L, P6 4L.
    func enterExtra(level: UInt32) -> UInt32 {
        guard level > 1 else { return 0 }
        switch model {
        case .i286, .i386: return 4 * (level - 1)
        case .i486: return 3 * level
        case .pentium: return 2 * level
        case .p6: return 4 * level
        }
    }

    /// The cost of an interrupt taken by INTO (the INT n figure).
    var interruptCost: UInt32 { UInt32(table[Self.key(0xCD, 0, false, false)]) }

    /// Public view for tests and the debugger: the base cost of a form.
    func cost(op: Int, reg: Int = 0, operand32: Bool = false, memory: Bool = false) -> Int {
        Int(table[Self.key(op, reg, operand32, memory)])
    }
}
