/// One decoded instruction, as the decoder leaves it and the decode cache keeps it.
/// A plain struct of integers: copying it costs no ARC traffic.
public struct Instruction: Sendable {
    /// 0x000-0x0FF: one-byte opcodes; 0x100-0x1FF: 0F xx.
    public var op: UInt16 = 0
    /// Bytes including prefixes; 0 means the bytes ran out before the instruction ended.
    public var length: UInt8 = 0
    public var modrm: UInt8 = 0
    public var prefixes: UInt8 = 0
    /// Segment register of the memory operand (default or override).
    public var seg: UInt8 = 3
    /// Effective-address registers (0xFF: none) and scale (shift count).
    public var base: UInt8 = 0xFF
    public var index: UInt8 = 0xFF
    public var scale: UInt8 = 0
    /// Base cycle cost for the CPU model (register or memory form).
    public var cost: UInt16 = 0
    public var disp: UInt32 = 0
    public var imm: UInt32 = 0
    /// Second immediate: the selector of a far pointer, or ENTER's nesting level.
    public var imm2: UInt32 = 0

    public init() {}

    @inline(__always) public var reg: Int { Int(modrm >> 3) & 7 }
    @inline(__always) public var rm: Int { Int(modrm) & 7 }
    @inline(__always) public var hasMemoryOperand: Bool { prefixes & Prefix.memory != 0 }
    @inline(__always) public var operand32: Bool { prefixes & Prefix.operand32 != 0 }
    @inline(__always) public var address32: Bool { prefixes & Prefix.address32 != 0 }
    /// Operand size for "v" operands: 1 (16-bit) or 2 (32-bit).
    @inline(__always) public var vsize: Int { prefixes & Prefix.operand32 != 0 ? 2 : 1 }
}

/// Bits of `Instruction.prefixes`. Operand/address size are the effective sizes
/// (CS.D combined with 66/67), not the raw prefixes.
public enum Prefix {
    public static let operand32: UInt8 = 1
    public static let address32: UInt8 = 2
    public static let lock: UInt8 = 4
    public static let rep: UInt8 = 8        // F3: REP / REPE
    public static let repne: UInt8 = 16     // F2: REPNE
    public static let memory: UInt8 = 32    // ModRM names a memory operand
    public static let segmentOverride: UInt8 = 64
    public static let operandPrefix: UInt8 = 128   // a 66 prefix was present
}
