/// One decoded instruction, as the decoder leaves it and the decode cache keeps it.
/// A plain struct of integers: copying it costs no ARC traffic.
public struct Instruction: Sendable {
    // Three machine words, so an instruction moves between the decode cache and the
    // handlers in registers without packing and unpacking a dozen small fields:
    //   a: length 0-7 | op 8-23 | modrm 24-31 | prefixes 32-39 | seg 40-43 | scale 44-45 | base 48-55 | index 56-63
    //   b: disp 0-31 | imm 32-63
    //   c: cost 0-7 | imm2 8-23 | handler 24-31
    // The run loop reads length and cost for every instruction: in the low bytes of their
    // words each is one zero-extending move (a field in the middle needs a shift as well).
    // The loop loads the length byte on its own (Execute/Fetch.swift, `fetchWithNext`): it is the
    // entry's first byte in memory on the little-endian hosts pcemu runs on.
    @usableFromInline var a: UInt64 = 0xFFFF_0300_0000_0000   // base = index = none, seg = DS
    @usableFromInline var b: UInt64 = 0
    @usableFromInline var c: UInt32 = 0

    public init() {}

    /// 0x000-0x0FF: one-byte opcodes; 0x100-0x1FF: 0F xx.
    @inlinable public var op: UInt16 {
        get { UInt16(truncatingIfNeeded: a >> 8) }
        set { a = (a & ~(0xFFFF << 8)) | UInt64(newValue) << 8 }
    }
    /// Bytes including prefixes; 0 means the bytes ran out before the instruction ended.
    @inlinable public var length: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: a) }
        set { a = (a & ~0xFF) | UInt64(newValue) }
    }
    @inlinable public var modrm: UInt8 {
        get { UInt8(truncatingIfNeeded: a >> 24) }
        set { a = (a & ~(0xFF << 24)) | UInt64(newValue) << 24 }
    }
    @inlinable public var prefixes: UInt8 {
        get { UInt8(truncatingIfNeeded: a >> 32) }
        set { a = (a & ~(0xFF << 32)) | UInt64(newValue) << 32 }
    }
    /// Segment register of the memory operand (default or override).
    @inlinable public var seg: UInt8 {
        get { UInt8(truncatingIfNeeded: a >> 40) & 0xF }
        set { a = (a & ~(0xF << 40)) | UInt64(newValue & 0xF) << 40 }
    }
    /// Effective-address scale (shift count 0-3).
    @inlinable public var scale: UInt8 {
        get { UInt8(truncatingIfNeeded: a >> 44) & 3 }
        set { a = (a & ~(0x3 << 44)) | UInt64(newValue & 3) << 44 }
    }
    /// Effective-address registers (0xFF: none).
    @inlinable public var base: UInt8 {
        get { UInt8(truncatingIfNeeded: a >> 48) }
        set { a = (a & ~(0xFF << 48)) | UInt64(newValue) << 48 }
    }
    @inlinable public var index: UInt8 {
        get { UInt8(truncatingIfNeeded: a >> 56) }
        set { a = (a & ~(0xFF << 56)) | UInt64(newValue) << 56 }
    }
    @inlinable public var disp: UInt32 {
        @inline(__always) get { UInt32(truncatingIfNeeded: b) }
        set { b = (b & ~0xFFFF_FFFF) | UInt64(newValue) }
    }
    @inlinable public var imm: UInt32 {
        @inline(__always) get { UInt32(truncatingIfNeeded: b >> 32) }
        set { b = (b & 0xFFFF_FFFF) | UInt64(newValue) << 32 }
    }
    /// Second immediate: the selector of a far pointer, or ENTER's nesting level.
    @inlinable public var imm2: UInt32 {
        get { (c >> 8) & 0xFFFF }
        set { c = (c & 0xFF00_00FF) | (newValue & 0xFFFF) << 8 }
    }
    /// Base cycle cost for the CPU model (register or memory form), at most 255.
    @inlinable public var cost: UInt16 {
        @inline(__always) get { UInt16(truncatingIfNeeded: c) & 0xFF }
        set { c = (c & 0xFFFF_FF00) | UInt32(min(newValue, 255)) }
    }
    /// Which handler executes it (`Handler.rawValue`), chosen per CPU model at decode time.
    @inlinable public var handler: UInt8 {
        @inline(__always) get { UInt8(truncatingIfNeeded: c >> 24) }
        set { c = (c & 0x00FF_FFFF) | UInt32(newValue) << 24 }
    }

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
