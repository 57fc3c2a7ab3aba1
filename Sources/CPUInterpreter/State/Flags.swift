/// EFLAGS bit positions (SDM vol. 1, 3.4.3).
public enum Flag {
    public static let cf: UInt32 = 1 << 0
    public static let pf: UInt32 = 1 << 2
    public static let af: UInt32 = 1 << 4
    public static let zf: UInt32 = 1 << 6
    public static let sf: UInt32 = 1 << 7
    public static let tf: UInt32 = 1 << 8
    public static let `if`: UInt32 = 1 << 9
    public static let df: UInt32 = 1 << 10
    public static let of: UInt32 = 1 << 11
    public static let iopl: UInt32 = 3 << 12
    public static let nt: UInt32 = 1 << 14
    public static let rf: UInt32 = 1 << 16
    public static let vm: UInt32 = 1 << 17
    public static let ac: UInt32 = 1 << 18
    public static let vif: UInt32 = 1 << 19
    public static let vip: UInt32 = 1 << 20
    public static let id: UInt32 = 1 << 21
    /// The six arithmetic status flags that lazy evaluation covers.
    public static let arithmetic: UInt32 = cf | pf | af | zf | sf | of
}

/// What the last flag-setting operation was, so flags are computed only when read.
enum LazyOp: UInt8 {
    case none = 0     // flagsStore holds the real arithmetic flags
    case add          // ADD ADC (carry-in is folded into the formulas)
    case sub          // SUB SBB CMP NEG
    case logic        // AND OR XOR TEST: CF = OF = AF = 0
    case inc          // like add, but CF kept from before
    case dec          // like sub, but CF kept from before
}

/// The last arithmetic instruction's result and its operands as an addition
/// `x + y (+ carry in) = z`, so that reading a flag needs neither the operation nor the
/// operand size, and recording one needs no computation: ADD/ADC record (d, s, r); SUB,
/// SBB, CMP and NEG record the addition that undoes them, r + s (+ borrow) = d, whose
/// carry out is their borrow and whose overflow is theirs. CF is the carry out of the top
/// bit, `(x & y) | ((x | y) & ~z)` at `msb`; OF `(x ^ z) & (y ^ z)` at `msb`; AF the
/// carry into bit 4, bit 4 of `x ^ y ^ z`; SF ZF PF come from `res`. CF and OF depend only
/// on the `msb` bits of x, y, z and AF only on bit 4, so an instruction that sets CF or OF
/// on its own (INC/DEC keep CF, rotates, MUL, logic) writes those bits: msb bits
/// (c, c, c XOR o) give CF = c and OF = o. Values are masked to the size.
struct LazyFlags {
    var op: LazyOp = .none
    var res: UInt32 = 0
    var x: UInt32 = 0
    var y: UInt32 = 0
    var z: UInt32 = 0
    var msb: UInt32 = 0x80
}

@inline(__always) func sizeMask(_ size: Int) -> UInt32 {
    size == 0 ? 0xFF : size == 1 ? 0xFFFF : 0xFFFF_FFFF
}
@inline(__always) func signBit(_ size: Int) -> UInt32 {
    size == 0 ? 0x80 : size == 1 ? 0x8000 : 0x8000_0000
}
@inline(__always) func signExtend8(_ v: UInt32) -> UInt32 { UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: v))) }
@inline(__always) func signExtend16(_ v: UInt32) -> UInt32 { UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: v))) }
/// Even parity of the low byte (PF), without a table: fold to a nibble, look up in 0x6996.
@inline(__always) func parityFlag(_ v: UInt32) -> UInt32 {
    let b = v & 0xFF
    let n = (b ^ (b >> 4)) & 0xF
    return ((0x6996 >> n) & 1) == 0 ? Flag.pf : 0
}

extension CPU {
    // MARK: Setting results

    @inline(__always) func setLazy(_ op: LazyOp, _ size: Int, _ d: UInt32, _ s: UInt32, _ r: UInt32) {
        lazy.op = op; lazy.res = r; lazy.msb = signBit(size)
        switch op {
        case .add, .inc:
            lazy.x = d; lazy.y = s; lazy.z = r
        case .sub, .dec:
            lazy.x = r; lazy.y = s; lazy.z = d          // r + s (+ borrow) = d
        case .logic, .none:
            lazy.x = 0; lazy.y = 0; lazy.z = 0          // CF = OF = AF = 0
        }
    }

    /// Replaces the record's CF and OF (its `msb` bits of x, y, z), keeping AF and the result.
    @inline(__always) func setLazyCarryOverflow(_ c: Bool, _ o: Bool) {
        let m = lazy.msb
        let cm = c ? m : 0, om = o ? m : 0
        lazy.x = (lazy.x & ~m) | cm
        lazy.y = (lazy.y & ~m) | cm
        lazy.z = (lazy.z & ~m) | (cm ^ om)
    }

    /// Records `res` (SF ZF PF read from it later) with CF and OF given and AF clear, as a
    /// lazy record: no parity or EFLAGS update now.
    @inline(__always) func setLazyExplicit(_ res: UInt32, _ size: Int, cf: Bool, of: Bool) {
        let msb = signBit(size)
        let cm = cf ? msb : 0, om = of ? msb : 0
        lazy.op = .logic; lazy.res = res & sizeMask(size); lazy.msb = msb
        lazy.x = cm; lazy.y = cm; lazy.z = cm ^ om
    }

    /// Sets SF ZF PF from `res`, CF and OF from the arguments, AF cleared unless given.
    @inline(__always) func setFlagsSZP(_ res: UInt32, _ size: Int, cf: Bool, of: Bool, af: Bool = false) {
        let r = res & sizeMask(size)
        var f = flagsStore & ~Flag.arithmetic
        if cf { f |= Flag.cf }
        if of { f |= Flag.of }
        if af { f |= Flag.af }
        if r == 0 { f |= Flag.zf }
        if r & signBit(size) != 0 { f |= Flag.sf }
        f |= parityFlag(r)
        flagsStore = f
        lazy.op = .none
    }

    // MARK: Reading flags

    @inline(__always) var cf: Bool {
        lazy.op == .none ? flagsStore & Flag.cf != 0
            : ((lazy.x & lazy.y) | ((lazy.x | lazy.y) & ~lazy.z)) & lazy.msb != 0
    }
    @inline(__always) var zf: Bool {
        lazy.op == .none ? flagsStore & Flag.zf != 0 : lazy.res == 0
    }
    @inline(__always) var sf: Bool {
        lazy.op == .none ? flagsStore & Flag.sf != 0 : lazy.res & lazy.msb != 0
    }
    @inline(__always) var of: Bool {
        lazy.op == .none ? flagsStore & Flag.of != 0 : (lazy.x ^ lazy.z) & (lazy.y ^ lazy.z) & lazy.msb != 0
    }
    @inline(__always) var pf: Bool {
        lazy.op == .none ? flagsStore & Flag.pf != 0 : parityFlag(lazy.res) != 0
    }
    @inline(__always) var af: Bool {
        lazy.op == .none ? flagsStore & Flag.af != 0 : (lazy.x ^ lazy.y ^ lazy.z) & 0x10 != 0
    }
    @inline(__always) var df: Bool { flagsStore & Flag.df != 0 }

    /// Computes the arithmetic flags into `flagsStore` and drops the lazy record.
    @inline(__always) func materializeFlags() {
        guard lazy.op != .none else { return }
        var f = flagsStore & ~Flag.arithmetic
        if cf { f |= Flag.cf }
        if pf { f |= Flag.pf }
        if af { f |= Flag.af }
        if zf { f |= Flag.zf }
        if sf { f |= Flag.sf }
        if of { f |= Flag.of }
        flagsStore = f
        lazy.op = .none
    }

    /// Loads the `writable` bits of EFLAGS from `v` (IRET, POPF). Every such mask covers the six
    /// arithmetic flags, so their lazy record is dropped instead of computed first.
    @inline(__always) func loadFlags(_ v: UInt32, writable: UInt32) {
        lazy.op = .none
        flagsStore = (flagsStore & ~writable) | (v & writable) | 0x2
        flagsLoaded()
    }

    /// The whole EFLAGS register as software sees it.
    public var eflags: UInt32 {
        get { materializeFlags(); return flagsStore }
        set { lazy.op = .none; flagsStore = (newValue & 0x003F_7FD5) | 0x2; updateAfterFlagsWrite(); flagsLoaded() }
    }

    @inline(__always) func setCF(_ v: Bool) {
        materializeFlags()
        if v { flagsStore |= Flag.cf } else { flagsStore &= ~Flag.cf }
    }
    @inline(__always) func setFlag(_ bit: UInt32, _ v: Bool) {
        if bit & Flag.arithmetic != 0 { materializeFlags() }
        if v { flagsStore |= bit } else { flagsStore &= ~bit }
    }

    /// Jcc/SETcc/CMOVcc condition `cc` (low nibble of the opcode), SDM vol. 2 table B-1.
    @inline(__always) func condition(_ cc: Int) -> Bool {
        let r: Bool
        switch cc >> 1 {
        case 0: r = of
        case 1: r = cf
        case 2: r = zf
        case 3: r = cf || zf
        case 4: r = sf
        case 5: r = pf
        case 6: r = sf != of
        default: r = zf || (sf != of)
        }
        return cc & 1 == 0 ? r : !r
    }
}
