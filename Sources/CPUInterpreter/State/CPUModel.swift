/// The CPU models pcemu can be, and the software-visible ways they differ.
///
/// Sources: Intel 80286 Programmer's Reference Manual (1987), Intel386 Programmer's
/// Reference Manual (1986), Intel486 Programmer's Reference Manual (1992), Pentium
/// Processor Family Developer's Manual vol. 3 (1995), Intel SDM vol. 2/3.
public enum CPUModel: String, CaseIterable, Sendable {
    case i286 = "286"
    case i386 = "386"
    case i486 = "486"
    case pentium = "pentium"
    case p6 = "p6"

    /// Accepts the names users type: 286, 80286, i386, 486, pentium, p5, p6, pentiumpro.
    public init?(name: String) {
        switch name.lowercased() {
        case "286", "80286", "i286": self = .i286
        case "386", "80386", "i386": self = .i386
        case "486", "80486", "i486": self = .i486
        case "pentium", "586", "p5", "i586": self = .pentium
        case "p6", "686", "pentiumpro", "pentium-pro", "i686": self = .p6
        default: return nil
        }
    }

    /// The 286 has no 32-bit registers, no FS/GS, no 66/67 prefixes and no 0F 80+ opcodes.
    @inlinable public var has32Bit: Bool { self != .i286 }

    /// Longest legal instruction: 10 bytes on the 286, 15 on the 386 and later.
    @inlinable public var maxInstructionLength: Int { self == .i286 ? 10 : 15 }

    /// EFLAGS bits that POPF may change at CPL 0 (and in real mode).
    /// 286: bits 12-15 stay 0 in real mode. 386: adds IOPL and NT (bits 12-14).
    /// 486: AC (bit 18). Pentium and P6: ID (bit 21). RF and VM are never set by POPF.
    @inlinable public var writableFlagsMask: UInt32 {
        switch self {
        case .i286: return 0x0FD5
        case .i386: return 0x7FD5
        case .i486: return 0x4_7FD5
        case .pentium, .p6: return 0x24_7FD5
        }
    }

    /// 486 and later: BSWAP, XADD, CMPXCHG, INVD/WBINVD, INVLPG. Pentium: CPUID, RDTSC,
    /// CMPXCHG8B, RDMSR/WRMSR. P6: CMOVcc (and the late 486s have CPUID too, which we leave out).
    @inlinable public var has486Instructions: Bool { self >= .i486 }
    @inlinable public var hasCPUID: Bool { self >= .pentium }
    @inlinable public var hasCMOV: Bool { self == .p6 }

    /// The clock rate the cycle counter stands for (a typical part of each family):
    /// 286 at 12 MHz, 386DX at 33 MHz, 486DX2 at 66 MHz, Pentium at 100 MHz, Pentium Pro at 200 MHz.
    public var cyclesPerSecond: UInt64 {
        switch self {
        case .i286: return 12_000_000
        case .i386: return 33_000_000
        case .i486: return 66_000_000
        case .pentium: return 100_000_000
        case .p6: return 200_000_000
        }
    }

    /// Family/model/stepping for CPUID leaf 1 and for EDX after reset.
    public var resetEDX: UInt32 {
        switch self {
        case .i286: return 0
        case .i386: return 0x0308
        case .i486: return 0x0402
        case .pentium: return 0x0543
        case .p6: return 0x0619
        }
    }

    var order: Int {
        switch self {
        case .i286: return 0
        case .i386: return 1
        case .i486: return 2
        case .pentium: return 3
        case .p6: return 4
        }
    }
}

extension CPUModel: Comparable {
    public static func < (a: CPUModel, b: CPUModel) -> Bool { a.order < b.order }
}
