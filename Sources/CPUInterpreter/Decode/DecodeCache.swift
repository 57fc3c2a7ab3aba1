#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decoded instructions, kept per physical address so each instruction is decoded
/// once (DESIGN.md, "Decode once"). Direct-mapped on the physical address.
///
/// Self-modifying code: every physical page holding decoded instructions has a bitmap
/// of the 64-byte blocks they occupy. Such pages never get a write-TLB entry, so every
/// guest write to them takes the slow path, which drops the decoded instructions of the
/// written block (and of the block before it, whose last instruction may reach into
/// it). Writes to the page's other blocks (data next to code) cost only the slow path.
struct DecodeCache {
    static let entryCount = 1 << 15
    static let physicalPages = 1 << 20
    static let blockShift: UInt32 = 6

    let entries: UnsafeMutablePointer<Instruction>
    /// `(physical address << 1) | CS.D | valid (bit 40)`; 0 = empty.
    let tags: UnsafeMutablePointer<UInt64>
    /// Per physical page: the 64-byte blocks that hold decoded instructions.
    let codeBlocks: UnsafeMutablePointer<UInt64>

    init() {
        entries = .allocate(capacity: Self.entryCount)
        entries.initialize(repeating: Instruction(), count: Self.entryCount)
        tags = .allocate(capacity: Self.entryCount)
        tags.initialize(repeating: 0, count: Self.entryCount)
        // calloc: the OS hands out zero pages lazily; most of the 8 MiB is never touched.
        codeBlocks = calloc(Self.physicalPages, MemoryLayout<UInt64>.stride)!.assumingMemoryBound(to: UInt64.self)
    }

    /// A struct of raw pointers (no ARC on the hot path); the CPU frees it in its deinit.
    func deallocate() {
        entries.deallocate(); tags.deallocate(); free(codeBlocks)
    }

    @inline(__always) static func slot(_ pa: UInt32) -> Int { Int(pa) & (entryCount - 1) }
    @inline(__always) static func tag(_ pa: UInt32, code32: Bool) -> UInt64 {
        UInt64(pa) << 1 | (code32 ? 1 : 0) | (1 << 40)
    }

    /// Drops the decoded instructions that start in one 64-byte block of page `ppn`.
    func dropBlock(_ ppn: UInt32, _ block: UInt32) {
        let start = (ppn << 12) | (block << Self.blockShift)
        for k in 0..<(1 << Int(Self.blockShift)) {
            let pa = start + UInt32(k)
            let s = Self.slot(pa)
            if tags[s] >> 1 & 0xFFFF_FFFF == UInt64(pa) { tags[s] = 0 }
        }
    }
}

extension CPU {
    @inline(__always) func pageHoldsCode(_ ppn: UInt32) -> Bool {
        icache.codeBlocks[Int(ppn)] != 0
    }

    /// A guest write reached physical address `pa` through the slow path: if decoded
    /// instructions live in its block (or may reach into it from the block before),
    /// forget them.
    @inline(__always) func codeWritten(physicalAddress pa: UInt32) {
        let ppn = pa >> 12
        let bits = icache.codeBlocks[Int(ppn)]
        guard bits != 0 else { return }
        let block = (pa & 0xFFF) >> DecodeCache.blockShift
        let mask: UInt64 = (1 << UInt64(block)) | (block > 0 ? 1 << UInt64(block - 1) : 0)
        guard bits & mask != 0 else { return }
        invalidateCodeBlocks(ppn, block: block, mask: mask)
    }

    @inline(never) func invalidateCodeBlocks(_ ppn: UInt32, block: UInt32, mask: UInt64) {
        let bits = icache.codeBlocks[Int(ppn)]
        if bits & (1 << UInt64(block)) != 0 { icache.dropBlock(ppn, block) }
        if block > 0 && bits & (1 << UInt64(block - 1)) != 0 { icache.dropBlock(ppn, block - 1) }
        // The previous block stays marked: its other instructions are still cached.
        icache.codeBlocks[Int(ppn)] = bits & ~(1 << UInt64(block))
        fetchPageTag = TLB.invalidTag
    }

    /// The board wrote guest RAM behind the CPU's back (DMA, disk loads): forget any
    /// instructions decoded from that range.
    public func physicalMemoryChanged(from start: UInt32, count: Int) {
        guard count > 0 else { return }
        let end = UInt64(start) + UInt64(count)
        var a = UInt64(start) & ~63
        while a < end {
            codeWritten(physicalAddress: UInt32(truncatingIfNeeded: a))
            a += 64
        }
    }

    /// Records that an instruction of `length` bytes at `pa` is cached: from now on writes
    /// to its page take the slow path.
    @inline(__always) func markCode(_ pa: UInt32, length: Int) {
        let ppn = pa >> 12
        let first = (pa & 0xFFF) >> DecodeCache.blockShift
        let last = ((pa & 0xFFF) + UInt32(length) - 1) >> DecodeCache.blockShift
        let bits = icache.codeBlocks[Int(ppn)]
        let mark: UInt64 = (1 << UInt64(first)) | (1 << UInt64(min(last, 63)))
        if bits & mark != mark {
            if bits == 0 { supervisorTLB.dropWrites(toPhysicalPage: ppn); userTLB.dropWrites(toPhysicalPage: ppn) }
            icache.codeBlocks[Int(ppn)] = bits | mark
        }
    }
}
