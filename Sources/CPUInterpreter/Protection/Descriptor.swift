/// Segment selectors and descriptors (SDM vol. 3, 3.4.2 and 3.4.5).
///
///   selector: index[15:3] TI[2] RPL[1:0]
///   descriptor: limit[15:0] base[23:0] access(P DPL S type) limit[19:16] AVL L D/B G base[31:24]
public struct Selector: Equatable, Sendable {
    public let value: UInt16
    @inlinable public init(_ value: UInt16) { self.value = value }
    @inlinable @inline(__always) public var rpl: UInt8 { UInt8(value & 3) }
    @inlinable @inline(__always) public var tableIndicator: Bool { value & 4 != 0 }   // 1 = LDT
    @inlinable @inline(__always) public var index: UInt16 { value >> 3 }
    @inlinable @inline(__always) public var isNull: Bool { value & 0xFFFC == 0 }
    /// The error code that names this selector (EXT = 0, IDT = 0).
    @inlinable @inline(__always) public var errorCode: UInt32 { UInt32(value & 0xFFFC) }
}

public struct Descriptor: Equatable, Sendable {
    public let low: UInt32
    public let high: UInt32
    @inlinable public init(low: UInt32, high: UInt32) { self.low = low; self.high = high }

    @inlinable @inline(__always) public var base: UInt32 { (low >> 16) | ((high & 0xFF) << 16) | (high & 0xFF00_0000) }
    /// The raw 20-bit limit.
    @inlinable @inline(__always) public var rawLimit: UInt32 { (low & 0xFFFF) | (high & 0x000F_0000) }
    /// Byte-granular limit (G = 1: 4 KiB units, low 12 bits all ones).
    @inlinable @inline(__always) public var limit: UInt32 { granularity ? (rawLimit << 12) | 0xFFF : rawLimit }
    /// Descriptor bits 40-55: what `CPU.segAttr` caches.
    @inlinable @inline(__always) public var attributes: UInt16 { UInt16(truncatingIfNeeded: (high >> 8) & 0xF0FF) }
    @inlinable @inline(__always) public var accessByte: UInt8 { UInt8(truncatingIfNeeded: high >> 8) }
    @inlinable @inline(__always) public var present: Bool { high & 0x8000 != 0 }
    @inlinable @inline(__always) public var dpl: UInt8 { UInt8((high >> 13) & 3) }
    /// S: 1 = code or data segment, 0 = system descriptor.
    @inlinable @inline(__always) public var isCodeOrData: Bool { high & 0x1000 != 0 }
    @inlinable @inline(__always) public var type: UInt8 { UInt8((high >> 8) & 0xF) }
    @inlinable @inline(__always) public var isCode: Bool { isCodeOrData && type & 8 != 0 }
    @inlinable @inline(__always) public var isData: Bool { isCodeOrData && type & 8 == 0 }
    @inlinable @inline(__always) public var conforming: Bool { isCode && type & 4 != 0 }
    @inlinable @inline(__always) public var readable: Bool { isCode ? type & 2 != 0 : true }
    @inlinable @inline(__always) public var writable: Bool { isData && type & 2 != 0 }
    @inlinable @inline(__always) public var defaultBig: Bool { high & 0x0040_0000 != 0 }
    @inlinable @inline(__always) public var granularity: Bool { high & 0x0080_0000 != 0 }

    // Gate fields (call, interrupt, trap and task gates).
    @inlinable @inline(__always) public var gateSelector: UInt16 { UInt16(truncatingIfNeeded: low >> 16) }
    @inlinable @inline(__always) public var gateOffset: UInt32 { (low & 0xFFFF) | (high & 0xFFFF_0000) }
    @inlinable @inline(__always) public var gateParameterCount: UInt32 { high & 0x1F }

    /// System descriptor types (S = 0), SDM vol. 3, table 3-2.
    public enum SystemType: UInt8 {
        case tss16Available = 1, ldt = 2, tss16Busy = 3, callGate16 = 4, taskGate = 5
        case interruptGate16 = 6, trapGate16 = 7, tss32Available = 9, tss32Busy = 11
        case callGate32 = 12, interruptGate32 = 14, trapGate32 = 15
    }
    @inlinable @inline(__always) public var systemType: SystemType? { isCodeOrData ? nil : SystemType(rawValue: type) }

    /// A short name for the type, for the debugger and the explain trace.
    public var typeName: String {
        if isCodeOrData {
            if isCode {
                return (conforming ? "code conforming" : "code") + (readable ? " exec/read" : " exec-only")
            }
            return "data " + (writable ? "read/write" : "read-only") + (type & 4 != 0 ? " expand-down" : "")
        }
        switch systemType {
        case .tss16Available?: return "16-bit TSS (available)"
        case .ldt?: return "LDT"
        case .tss16Busy?: return "16-bit TSS (busy)"
        case .callGate16?: return "16-bit call gate"
        case .taskGate?: return "task gate"
        case .interruptGate16?: return "16-bit interrupt gate"
        case .trapGate16?: return "16-bit trap gate"
        case .tss32Available?: return "32-bit TSS (available)"
        case .tss32Busy?: return "32-bit TSS (busy)"
        case .callGate32?: return "32-bit call gate"
        case .interruptGate32?: return "32-bit interrupt gate"
        case .trapGate32?: return "32-bit trap gate"
        case nil: return "reserved system type \(type)"
        }
    }
}

extension CPU {
    /// Reads the descriptor a selector names from the GDT or LDT. A selector beyond the
    /// table limit raises `fault(selector error code)` (SDM vol. 3, 3.4.2), normally #GP.
    func readDescriptor(_ sel: Selector, orFault fault: (UInt32) -> Fault) throws(Fault) -> Descriptor {
        let tableBase: UInt32, tableLimit: UInt32
        if sel.tableIndicator {
            // An LDT reference with a null LDTR is out of bounds.
            guard ldtrSelector & 0xFFFC != 0 else { throw fault(sel.errorCode) }
            tableBase = ldtrBase; tableLimit = ldtrLimit
        } else {
            tableBase = gdtrBase; tableLimit = gdtrLimit
        }
        let offset = UInt32(sel.index) << 3
        guard offset &+ 7 <= tableLimit else { throw fault(sel.errorCode) }
        return try readSystemDescriptor(tableBase &+ offset)
    }

    /// The 8 bytes of a descriptor or gate at linear address `la`, read as a supervisor access:
    /// one host load when the supervisor TLB set maps the page for reading and the 8 bytes do
    /// not cross its end, else two 4-byte `readSystem` reads (which walk, fill the TLB or fault).
    @inline(__always) func readSystemDescriptor(_ la: UInt32) throws(Fault) -> Descriptor {
        if let q = probeSystem64(la) {
            return Descriptor(low: UInt32(truncatingIfNeeded: q), high: UInt32(truncatingIfNeeded: q >> 32))
        }
        return Descriptor(low: try readSystem(la, 2), high: try readSystem(la &+ 4, 2))
    }

    /// 8 bytes at `la` when the supervisor TLB set holds a read translation for its page and
    /// they lie within that page; nil otherwise. `readSystem` reads through the supervisor set
    /// at every CPL (directly at CPL 3, as the current set at CPL 0-2), so a hit here returns
    /// what its reads would return, with no side effect (no walk, no fill, no fault).
    @inline(__always) func probeSystem64(_ la: UInt32) -> UInt64? {
        let vpn = la >> 12
        let i = TLB.index(vpn)
        guard supervisorTLB.readTag[i] == vpn && la & 0xFFF <= 4096 - 8 else { return nil }
        return UnsafeRawPointer(bitPattern: supervisorTLB.readAddend[i] &+ Int(la)).unsafelyUnwrapped
            .loadUnaligned(as: UInt64.self)
    }

    /// Address of the descriptor in its table, for setting the accessed and busy bits.
    func descriptorAddress(_ sel: Selector) -> UInt32 {
        (sel.tableIndicator ? ldtrBase : gdtrBase) &+ (UInt32(sel.index) << 3)
    }

    /// Reads system structures (descriptor tables, TSS, IVT) as a supervisor access.
    func readSystem(_ la: UInt32, _ size: Int) throws(Fault) -> UInt32 {
        if cpl != 3 { return try readLinear(la, size) }    // already a supervisor access
        // At CPL 3, a hit in the supervisor TLB set is a supervisor access the page tables allowed.
        let vpn = la >> 12
        let i = TLB.index(vpn)
        if supervisorTLB.readTag[i] == vpn && (la & 0xFFF) <= 4096 - UInt32(1 << size) {
            let p = UnsafeRawPointer(bitPattern: supervisorTLB.readAddend[i] &+ Int(la))!
            switch size {
            case 0: return UInt32(p.load(as: UInt8.self))
            case 1: return UInt32(p.loadUnaligned(as: UInt16.self))
            default: return p.loadUnaligned(as: UInt32.self)
            }
        }
        let saved = cpl
        cpl = 0
        defer { cpl = saved }
        return try readLinear(la, size)
    }
    func writeSystem(_ la: UInt32, _ size: Int, _ v: UInt32) throws(Fault) {
        if cpl != 3 { try writeLinear(la, size, v); return }
        let saved = cpl
        cpl = 0
        defer { cpl = saved }
        try writeLinear(la, size, v)
    }

    /// Sets the accessed bit of a code/data descriptor (SDM vol. 3, 3.4.5.1).
    func markAccessed(_ sel: Selector, _ d: Descriptor) throws(Fault) {
        guard d.high & 0x100 == 0 else { return }
        try writeSystem(descriptorAddress(sel) &+ 5, 0, UInt32(d.accessByte | 1))
    }

    /// Loads a segment register's hidden cache from a descriptor.
    func loadSegmentCache(_ s: Int, _ sel: UInt16, _ d: Descriptor) {
        segSelector[s] = sel
        segBase[s] = d.base
        segLimit[s] = d.limit
        segAttr[s] = d.attributes | 0x1   // the accessed bit was just set
        updateSegmentAccess(s)
        if s == Seg.cs { cpl = UInt8(sel & 3) }
    }

    /// A null selector in DS/ES/FS/GS: the register is loaded but unusable (SDM vol. 3, 3.4.2).
    func loadNullSegment(_ s: Int, _ sel: UInt16) {
        segSelector[s] = sel
        segBase[s] = 0
        segLimit[s] = 0
        segAttr[s] = 0          // not present: every access raises #GP(0)
        updateSegmentAccess(s)
    }

    /// Real mode and virtual-8086 mode: base = selector · 16; the limit and attributes stay
    /// as they are in real mode (so "unreal mode" works) and are forced in V86 mode.
    @inline(__always) func loadRealModeSegment(_ s: Int, _ sel: UInt16) {
        segSelector[s] = sel
        // The fetch memo depends on the CS base, limit and D bit: outside V86 mode a real-mode
        // load changes only the base, so a CS load with the same base (INT and IRET within one
        // segment) keeps it.
        if s == Seg.cs && (v86Mode || segBase[s] != UInt32(sel) << 4) { invalidateFetchMemo() }
        segBase[s] = UInt32(sel) << 4
        if v86Mode {
            segLimit[s] = 0xFFFF
            segAttr[s] = s == Seg.cs ? 0xFB : 0xF3
            updateSegmentAccess(s)
        }
    }
}
