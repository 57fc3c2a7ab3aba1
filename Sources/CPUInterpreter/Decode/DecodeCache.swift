#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decoded instructions, kept per physical page so each instruction is decoded once
/// (DESIGN.md, "Decode once"). A page that holds code gets a slot in a pool: an array
/// of 4096 decoded instructions indexed by the page offset (length 0 = not decoded),
/// one per (physical page, CS.D). Fetch finds an instruction with one index, no tag
/// compare; the pool is bounded (`poolPages`) and reuses its oldest slot when full.
///
/// Self-modifying code: every physical page holding decoded instructions has a bitmap
/// of the 64-byte blocks they occupy. Writes to such pages leave the TLB fast path, and
/// a write into a block drops the decoded instructions that start in it (and in the
/// block before it, whose last instruction may reach into it). Writes to the page's
/// other blocks (data next to code) cost only the slow path.
struct DecodeCache {
    static let poolPages = 256
    static let physicalPages = 1 << 20
    static let blockShift: UInt32 = 6
    static let poolBytes = poolPages * 4096 * MemoryLayout<Instruction>.stride

    /// `poolPages` × 4096 decoded instructions (anonymous memory: zero pages until used).
    let entries: UnsafeMutablePointer<Instruction>
    /// The mapping `entries` lies in (`poolBytes` + one huge page, for the alignment).
    let reservation: UnsafeMutableRawPointer
    static let hugePage = 2 << 20
    /// `(ppn << 1 | CS.D)` → pool slot + 1 (0: the page has no slot).
    let slotOfPage: UnsafeMutablePointer<UInt16>
    /// Pool slot → its key `(ppn << 1 | CS.D)`, or `UInt32.max` when free.
    let keyOfSlot: UnsafeMutablePointer<UInt32>
    /// The next slot to hand out (round robin once the pool is full).
    let nextSlot: UnsafeMutablePointer<Int>
    /// Per physical page: the 64-byte blocks that hold decoded instructions.
    let codeBlocks: UnsafeMutablePointer<UInt64>
    /// The fetch memos of the last code pages (Execute/FetchMemos.swift), by linear page.
    let memos: UnsafeMutablePointer<FetchMemo>

    init() {
        // Reserved with room to start on a 2 MiB boundary, and the kernel asked to back it with
        // transparent huge pages: a slot is 96 KiB, so the decoded instructions of a dozen code
        // pages span more 4 KiB host pages than the host's first-level TLB holds (user time,
        // medians: realmode -6 to -12 %, pm32 -2 to -3 %, protect -2 to -7 %; docs/performance.md).
        let p = mmap(nil, Self.poolBytes + Self.hugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        precondition(p != MAP_FAILED, "cannot reserve the decode cache")
        reservation = p!
        let aligned = UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: p) + Self.hugePage - 1) & ~(Self.hugePage - 1))!
        #if os(Linux)
        _ = madvise(aligned, Self.poolBytes, MADV_HUGEPAGE)     // advice only: without THP, 4 KiB pages
        #endif
        entries = aligned.bindMemory(to: Instruction.self, capacity: Self.poolPages * 4096)
        // calloc: the OS hands out zero pages lazily; most of these tables is never touched.
        slotOfPage = calloc(2 * Self.physicalPages, MemoryLayout<UInt16>.stride)!.assumingMemoryBound(to: UInt16.self)
        keyOfSlot = .allocate(capacity: Self.poolPages)
        keyOfSlot.initialize(repeating: UInt32.max, count: Self.poolPages)
        nextSlot = .allocate(capacity: 1)
        nextSlot.initialize(to: 0)
        codeBlocks = calloc(Self.physicalPages, MemoryLayout<UInt64>.stride)!.assumingMemoryBound(to: UInt64.self)
        memos = .allocate(capacity: FetchMemo.count)
        memos.initialize(repeating: FetchMemo(vpn: FetchMemo.invalid, csBase: 0, csLimit: 0, ppn: 0, eipBase: 0,
                                              span: 0, code32: false, page: entries, fetchSpan: 0), count: FetchMemo.count)
    }

    /// A struct of raw pointers (no ARC on the hot path); the CPU frees it in its deinit.
    func deallocate() {
        munmap(reservation, Self.poolBytes + Self.hugePage)
        free(slotOfPage); keyOfSlot.deallocate(); nextSlot.deallocate(); free(codeBlocks)
        memos.deallocate()
    }

    @inline(__always) static func key(_ ppn: UInt32, code32: Bool) -> Int {
        Int(ppn) << 1 | (code32 ? 1 : 0)
    }

    /// The decoded instructions of an existing slot for `key`, or nil.
    @inline(__always) func existingPage(_ key: Int) -> UnsafeMutablePointer<Instruction>? {
        let s = Int(slotOfPage[key])
        return s == 0 ? nil : entries + (s - 1) * 4096
    }

    /// Drops the decoded instructions that start in one 64-byte block of page `ppn`.
    func dropBlock(_ ppn: UInt32, _ block: UInt32) {
        for code32 in [false, true] {
            if let page = existingPage(Self.key(ppn, code32: code32)) {
                let first = Int(block) << Int(Self.blockShift)
                (page + first).update(repeating: Instruction(), count: 1 << Int(Self.blockShift))
            }
        }
    }
}

extension CPU {
    @inline(__always) func pageHoldsCode(_ ppn: UInt32) -> Bool {
        icache.codeBlocks[Int(ppn)] != 0
    }

    /// The decoded-instruction array of physical page `ppn` for CS.D = `code32`; takes
    /// a pool slot (reusing the oldest one when the pool is full) if it has none.
    func decodedPage(_ ppn: UInt32, code32: Bool) -> UnsafeMutablePointer<Instruction> {
        let key = DecodeCache.key(ppn, code32: code32)
        if let page = icache.existingPage(key) { return page }
        let slot = icache.nextSlot.pointee
        icache.nextSlot.pointee = (slot + 1) % DecodeCache.poolPages
        let page = icache.entries + slot * 4096
        let old = icache.keyOfSlot[slot]
        if old != UInt32.max {
            // Reuse: forget the old page's instructions (and give their memory back).
            icache.slotOfPage[Int(old)] = 0
            madvise(UnsafeMutableRawPointer(page), 4096 * MemoryLayout<Instruction>.stride, MADV_DONTNEED)
            fetchSpan = 0
            dropFetchMemos()
        }
        icache.keyOfSlot[slot] = UInt32(key)
        icache.slotOfPage[key] = UInt16(slot + 1)
        return page
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
        // Cached page-crossing instructions and remembered descriptors may hold bytes of these
        // blocks (Execute/CrossPageFetch.swift, Protection/InwardTransitionMemos.swift).
        crossPageEpoch &+= 1
        watchEpoch &+= 1
        let bits = icache.codeBlocks[Int(ppn)]
        if bits & (1 << UInt64(block)) != 0 { icache.dropBlock(ppn, block) }
        if block > 0 && bits & (1 << UInt64(block - 1)) != 0 { icache.dropBlock(ppn, block - 1) }
        // The previous block stays marked: its other instructions are still cached.
        icache.codeBlocks[Int(ppn)] = bits & ~(1 << UInt64(block))
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
