import CPUInterpreter

/// Registers by name, for expressions (`eax == 5`, `cpl == 3`) and `set REG = VALUE`.
enum RegisterName: Equatable {
    case gpr32(Int), gpr16(Int), gpr8(Int)
    case eip, ip, eflags, flags
    case segment(Int)
    case cr(Int)
    case cpl, iopl
    case flagBit(UInt32)

    static let names32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]
    static let names16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]
    static let names8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]
    static let segmentNames = ["es", "cs", "ss", "ds", "fs", "gs"]
    static let flagBits: [(String, UInt32)] = [
        ("cf", Flag.cf), ("pf", Flag.pf), ("af", Flag.af), ("zf", Flag.zf), ("sf", Flag.sf), ("tf", Flag.tf),
        ("if", Flag.if), ("df", Flag.df), ("of", Flag.of), ("nt", Flag.nt), ("rf", Flag.rf), ("vm", Flag.vm), ("ac", Flag.ac),
    ]

    init?(_ text: String) {
        let n = text.lowercased().hasPrefix("$") ? String(text.lowercased().dropFirst()) : text.lowercased()
        if let i = Self.names32.firstIndex(of: n) { self = .gpr32(i); return }
        if let i = Self.names16.firstIndex(of: n) { self = .gpr16(i); return }
        if let i = Self.names8.firstIndex(of: n) { self = .gpr8(i); return }
        if let i = Self.segmentNames.firstIndex(of: n) { self = .segment(i); return }
        if let f = Self.flagBits.first(where: { $0.0 == n }) { self = .flagBit(f.1); return }
        switch n {
        case "eip", "pc": self = .eip
        case "ip": self = .ip
        case "eflags": self = .eflags
        case "flags": self = .flags
        case "cr0": self = .cr(0)
        case "cr2": self = .cr(2)
        case "cr3": self = .cr(3)
        case "cr4": self = .cr(4)
        case "cpl": self = .cpl
        case "iopl": self = .iopl
        default: return nil
        }
    }

    func read(_ cpu: CPU) -> UInt32 {
        switch self {
        case .gpr32(let r): return cpu.reg32(r)
        case .gpr16(let r): return UInt32(cpu.reg16(r))
        case .gpr8(let r): return UInt32(cpu.reg8(r))
        case .eip: return cpu.eip
        case .ip: return cpu.eip & 0xFFFF
        case .eflags: return cpu.eflags
        case .flags: return cpu.eflags & 0xFFFF
        case .segment(let s): return UInt32(cpu.segSelector[s])
        case .cr(0): return cpu.cr0
        case .cr(2): return cpu.cr2
        case .cr(3): return cpu.cr3
        case .cr: return cpu.cr4
        case .cpl: return UInt32(cpu.cpl)
        case .iopl: return (cpu.eflags >> 12) & 3
        case .flagBit(let b): return cpu.eflags & b != 0 ? 1 : 0
        }
    }
}
