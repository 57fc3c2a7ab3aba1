/// Guest memory accesses by linear address: the TLB hit path and the slow path
/// (page walk, A20 and address-line masking, MMIO, page-crossing accesses).
extension CPU {
    /// Drops every translation (both privilege sets).
    public func flushTLB() { supervisorTLB.flush(); userTLB.flush(); invalidateFetchMemo(); watchEpoch &+= 1 }

    /// INVLPG: drops one linear page from both sets.
    func flushTLB(linearPage vpn: UInt32) {
        supervisorTLB.flush(linearPage: vpn); userTLB.flush(linearPage: vpn); invalidateFetchMemo(); watchEpoch &+= 1
    }

    /// A CR3 load: global pages stay when CR4.PGE is set.
    func flushTLBForCR3() {
        if cr4 & CR4.pge != 0 {
            supervisorTLB.flushNonGlobal(); userTLB.flushNonGlobal(); invalidateFetchMemo(); watchEpoch &+= 1
        } else {
            flushTLB()
        }
    }

    /// The TLB set of the current privilege (CPL 3: user; else supervisor).
    @inline(__always) func selectTLB() { tlb = cpl == 3 ? userTLB : supervisorTLB; invalidateFetchMemo() }

    // MARK: Fast paths

    @inline(__always) func readLinear(_ la: UInt32, _ size: Int) throws(Fault) -> UInt32 {
        let i = TLB.index(la >> 12)
        if tlb.readTag[i] == TLB.lastPage(la, size) {
            // A TLB entry maps guest RAM: never null (no check in release builds).
            let p = UnsafeRawPointer(bitPattern: tlb.readAddend[i] &+ Int(la)).unsafelyUnwrapped
            switch size {
            case 0: return UInt32(p.load(as: UInt8.self))
            case 1: return UInt32(p.loadUnaligned(as: UInt16.self))
            default: return p.loadUnaligned(as: UInt32.self)
            }
        }
        return try readLinearSlow(la, size)
    }

    @inline(__always) func writeLinear(_ la: UInt32, _ size: Int, _ v: UInt32) throws(Fault) {
        let i = TLB.index(la >> 12)
        if tlb.writeTag[i] == TLB.lastPage(la, size) {
            store(UnsafeMutableRawPointer(bitPattern: tlb.writeAddend[i] &+ Int(la)).unsafelyUnwrapped, size, v)
            return
        }
        try writeLinearSlow(la, size, v)
    }

    /// Stores the low `1 << size` bytes of `v` at a host address (unaligned is fine on x86 hosts).
    @inline(__always) func store(_ p: UnsafeMutableRawPointer, _ size: Int, _ v: UInt32) {
        switch size {
        case 0: p.storeBytes(of: UInt8(truncatingIfNeeded: v), as: UInt8.self)
        case 1: p.storeBytes(of: UInt16(truncatingIfNeeded: v), toByteOffset: 0, as: UInt16.self)
        default: p.storeBytes(of: v, toByteOffset: 0, as: UInt32.self)
        }
    }

    // MARK: Slow paths

    /// Linear → physical for one byte's page, with the paging checks when CR0.PG is set.
    @inline(never)
    func translate(_ la: UInt32, write: Bool) throws(Fault) -> UInt32 {
        var pa = la
        if cr0 & CR0.pg != 0 {
            pa = try pageWalk(la, write: write, user: cpl == 3)
        }
        return pa & physicalAddressMask
    }

    @inline(never)
    func readLinearSlow(_ la: UInt32, _ size: Int) throws(Fault) -> UInt32 {
        let v = try readLinearUncached(la, size)
        if let w = memoryWatcher, !fetchingInstruction { w.accessed(linear: la, bytes: 1 << size, write: false, value: v) }
        return v
    }

    @inline(__always)
    func readLinearUncached(_ la: UInt32, _ size: Int) throws(Fault) -> UInt32 {
        let n = 1 << size
        if (la & 0xFFF) + UInt32(n) <= 4096 {
            let pa = try translate(la, write: false)
            if let host = memory.hostPage(containing: pa, write: false) {
                fillReadTLB(la, host: host, pa: pa)
                let p = UnsafeRawPointer(host + Int(pa & 0xFFF))
                switch size {
                case 0: return UInt32(p.load(as: UInt8.self))
                case 1: return UInt32(p.loadUnaligned(as: UInt16.self))
                default: return p.loadUnaligned(as: UInt32.self)
                }
            }
            var v: UInt32 = 0
            for k in 0..<n { v |= UInt32(memory.readPhysical(pa &+ UInt32(k))) << (8 * k) }
            return v
        }
        // Crosses a page: translate both pages before reading anything.
        let first = try translate(la, write: false)
        let second = try translate((la | 0xFFF) &+ 1, write: false)
        var v: UInt32 = 0
        for k in 0..<n {
            let a = la &+ UInt32(k)
            let pa = (a & 0xFFF) >= (la & 0xFFF) && k < 4096 - Int(la & 0xFFF) ? first &+ UInt32(k) : second &+ (a & 0xFFF)
            v |= UInt32(memory.readPhysical(pa & physicalAddressMask)) << (8 * k)
        }
        return v
    }

    @inline(never)
    func writeLinearSlow(_ la: UInt32, _ size: Int, _ v: UInt32) throws(Fault) {
        try writeLinearUncached(la, size, v)
        if let w = memoryWatcher { w.accessed(linear: la, bytes: 1 << size, write: true, value: v) }
    }

    @inline(__always)
    func writeLinearUncached(_ la: UInt32, _ size: Int, _ v: UInt32) throws(Fault) {
        let n = 1 << size
        if (la & 0xFFF) + UInt32(n) <= 4096 {
            // A page holding decoded code keeps its translation with the code bit set in the
            // tag: no page walk, but every store checks for self-modifying code.
            let vpn = la >> 12
            let i = TLB.index(vpn)
            if tlb.writeTag[i] == vpn | TLB.codeBit {
                let pa = (tlb.writePhysPage[i] << 12) | (la & 0xFFF)
                codeWritten(physicalAddress: pa)
                if n > 1 { codeWritten(physicalAddress: pa &+ UInt32(n - 1)) }
                store(UnsafeMutableRawPointer(bitPattern: tlb.writeAddend[i] &+ Int(la))!, size, v)
                return
            }
            let pa = try translate(la, write: true)
            codeWritten(physicalAddress: pa)
            if n > 1 { codeWritten(physicalAddress: pa &+ UInt32(n - 1)) }
            if let host = memory.hostPage(containing: pa, write: true) {
                fillWriteTLB(la, host: host, pa: pa)
                store(UnsafeMutableRawPointer(host + Int(pa & 0xFFF)), size, v)
                return
            }
            for k in 0..<n { memory.writePhysical(pa &+ UInt32(k), UInt8(truncatingIfNeeded: v >> (8 * k))) }
            return
        }
        let first = try translate(la, write: true)
        let second = try translate((la | 0xFFF) &+ 1, write: true)
        let inFirst = 4096 - Int(la & 0xFFF)
        for k in 0..<n {
            let pa = (k < inFirst ? first &+ UInt32(k) : second &+ UInt32(k - inFirst)) & physicalAddressMask
            codeWritten(physicalAddress: pa)
            memory.writePhysical(pa, UInt8(truncatingIfNeeded: v >> (8 * k)))
        }
    }

    /// Caches a read that just succeeded at the current privilege.
    func fillReadTLB(_ la: UInt32, host: UnsafeMutablePointer<UInt8>, pa: UInt32) {
        let vpn = la >> 12
        if let w = memoryWatcher, w.watches(linearPage: vpn, write: false) { return }
        let i = TLB.index(vpn)
        // Evicting the translation of a page with watched bytes: the memos read through it
        // must not outlive it (Protection/InwardTransitionMemos.swift), just as after INVLPG.
        if tlb.readTag[i] != TLB.invalidTag && pageHoldsCode(tlb.readPhysPage[i]) { watchEpoch &+= 1 }
        tlb.readTag[i] = vpn
        tlb.noteFill(i)
        tlb.readAddend[i] = Int(bitPattern: host) &- Int(la & ~0xFFF)
        tlb.readPhysPage[i] = pa >> 12
        tlb.readGlobal[i] = cr0 & CR0.pg != 0 && lastWalkGlobal
    }

    /// Caches a write that just succeeded at the current privilege (the walk set D).
    func fillWriteTLB(_ la: UInt32, host: UnsafeMutablePointer<UInt8>, pa: UInt32) {
        let vpn = la >> 12
        if let w = memoryWatcher, w.watches(linearPage: vpn, write: true) { return }
        let i = TLB.index(vpn)
        tlb.writeTag[i] = pageHoldsCode(pa >> 12) ? vpn | TLB.codeBit : vpn
        tlb.noteFill(i)
        tlb.writeAddend[i] = Int(bitPattern: host) &- Int(la & ~0xFFF)
        tlb.writePhysPage[i] = pa >> 12
        tlb.writeGlobal[i] = cr0 & CR0.pg != 0 && lastWalkGlobal
    }

    // MARK: Physical helpers for system structures (IVT, descriptor tables, TSS)

    func readPhysical(_ pa: UInt32, _ size: Int) -> UInt32 {
        let a = pa & physicalAddressMask
        if size == 2 && a & 3 == 0, let host = memory.hostPage(containing: a, write: false) {
            return UnsafeRawPointer(host + Int(a & 0xFFF)).loadUnaligned(as: UInt32.self)
        }
        var v: UInt32 = 0
        for k in 0..<(1 << size) { v |= UInt32(memory.readPhysical((pa &+ UInt32(k)) & physicalAddressMask)) << (8 * k) }
        return v
    }
}

/// CR0 bits (SDM vol. 3, 2.5).
public enum CR0 {
    public static let pe: UInt32 = 1 << 0
    public static let mp: UInt32 = 1 << 1
    public static let em: UInt32 = 1 << 2
    public static let ts: UInt32 = 1 << 3
    public static let et: UInt32 = 1 << 4
    public static let ne: UInt32 = 1 << 5
    public static let wp: UInt32 = 1 << 16
    public static let am: UInt32 = 1 << 18
    public static let nw: UInt32 = 1 << 29
    public static let cd: UInt32 = 1 << 30
    public static let pg: UInt32 = 1 << 31
}
