/// Decoded instructions, kept per physical address so each instruction is decoded
/// once (DESIGN.md, "Decode once"). Direct-mapped; an entry is valid while its
/// physical page's generation is unchanged. Any write to a page that holds decoded
/// code goes through the slow path (such pages never get a write-TLB entry) and
/// bumps the generation, so self-modifying code is always re-decoded.
final class DecodeCache {
    static let entryCount = 1 << 15
    static let physicalPages = 1 << 20

    let entries: UnsafeMutablePointer<Instruction>
    let tagAddress: UnsafeMutablePointer<UInt32>
    /// Bit 0: decoded with CS.D = 1; bits 1…: the page generation at decode time.
    let tagKey: UnsafeMutablePointer<UInt32>
    /// Per physical page: generation (bits 1…) and "holds decoded code" (bit 0).
    let pageState: UnsafeMutablePointer<UInt32>

    init() {
        entries = .allocate(capacity: Self.entryCount)
        entries.initialize(repeating: Instruction(), count: Self.entryCount)
        tagAddress = .allocate(capacity: Self.entryCount)
        tagAddress.initialize(repeating: 0xFFFF_FFFF, count: Self.entryCount)
        tagKey = .allocate(capacity: Self.entryCount)
        tagKey.initialize(repeating: 0, count: Self.entryCount)
        pageState = .allocate(capacity: Self.physicalPages)
        pageState.initialize(repeating: 0, count: Self.physicalPages)
    }
    deinit {
        entries.deallocate(); tagAddress.deallocate(); tagKey.deallocate(); pageState.deallocate()
    }

    @inline(__always) func slot(_ pa: UInt32) -> Int { Int(pa) & (Self.entryCount - 1) }

    @inline(__always) func key(_ pa: UInt32, code32: Bool) -> UInt32 {
        (pageState[Int(pa >> 12)] & ~1) | (code32 ? 1 : 0)
    }

    /// Forgets everything (a new CPU model table, or the board replaced RAM contents).
    func invalidateAll() {
        for i in 0..<Self.physicalPages where pageState[i] != 0 { pageState[i] = (pageState[i] & ~1) &+ 2 }
    }
}

extension CPU {
    @inline(__always) func pageHoldsCode(_ ppn: UInt32) -> Bool {
        icache.pageState[Int(ppn)] & 1 != 0
    }

    /// A guest write reached physical address `pa` through the slow path.
    @inline(__always) func codeWritten(physicalAddress pa: UInt32) {
        let ppn = Int(pa >> 12)
        let s = icache.pageState[ppn]
        if s & 1 != 0 { icache.pageState[ppn] = (s & ~1) &+ 2 }
    }

    /// The board wrote guest RAM behind the CPU's back (DMA, disk loads): forget any
    /// instructions decoded from that range.
    public func physicalMemoryChanged(from start: UInt32, count: Int) {
        guard count > 0 else { return }
        var page = start >> 12
        let last = UInt32(truncatingIfNeeded: (UInt64(start) + UInt64(count) - 1) >> 12)
        while page <= last {
            codeWritten(physicalAddress: page << 12)
            if page == 0xFFFFF { break }
            page += 1
        }
    }

    /// Marks a physical page as holding decoded code: from now on writes to it take the
    /// slow path.
    @inline(never) func markCodePage(_ ppn: UInt32) {
        icache.pageState[Int(ppn)] |= 1
        tlb.dropWrites(toPhysicalPage: ppn)
    }
}
