/// Memory accesses by segment:offset, with the limit and rights checks of the
/// segment's hidden descriptor cache (SDM vol. 3, 5.3 "Limit checking", 5.4 "Type checking").
enum SegmentAccess {
    static let readable: UInt8 = 1
    static let writable: UInt8 = 2
    static let expandDown: UInt8 = 4
    static let big: UInt8 = 8            // D/B: upper bound 4 GiB for expand-down
}

extension CPU {
    /// Recomputes the hot-path access bits of segment `s` from its cache.
    @inline(__always) func updateSegmentAccess(_ s: Int) {
        if s == Seg.cs { invalidateFetchMemo() }
        segmentRulesForV86 = v86Mode
        let a = segAttr[s]
        var acc: UInt8
        if !protectedMode || v86Mode {
            acc = SegmentAccess.readable | SegmentAccess.writable
        } else if a & 0x90 != 0x90 {                           // not present, or a system segment
            acc = 0
        } else if a & 0x08 != 0 {                              // code: readable if R (bit 1)
            acc = UInt8(truncatingIfNeeded: a >> 1) & SegmentAccess.readable
        } else {                                               // data: readable; W (bit 1) and E (bit 2)
            acc = SegmentAccess.readable | (UInt8(truncatingIfNeeded: a) & (SegmentAccess.writable | SegmentAccess.expandDown))
        }
        // D/B (attribute bit 14) → `big` (bit 3).
        acc |= UInt8(truncatingIfNeeded: a >> 11) & SegmentAccess.big
        segAccess[s] = acc
        // The expand-up fast path: offsets 0 ... limit (SDM 5.3).
        let end = acc & SegmentAccess.expandDown == 0 ? UInt64(segLimit[s]) + 1 : 0
        segReadEnd[s] = acc & SegmentAccess.readable != 0 ? end : 0
        segWriteEnd[s] = acc & SegmentAccess.writable != 0 ? end : 0
    }

    /// #SS(0) for stack-segment accesses, #GP(0) otherwise (SDM vol. 3, 6.15).
    /// The 286 in real mode raises #GP(0) for both (recorded on a real 80C286).
    @inline(__always) func segmentFault(_ s: Int) -> Fault {
        s == Seg.ss && (model != .i286 || protectedMode) ? Fault.stackFault(0) : Fault.generalProtection(0)
    }

    /// Linear address of `off` in segment `s` for an access of `1 << size` bytes.
    @inline(__always) func linearAddress(_ s: Int, _ off: UInt32, _ size: Int, _ need: UInt8) throws(Fault) -> UInt32 {
        // SDM 5.3: an expand-up access is valid when off .. off+size-1 ≤ limit. The end is 0
        // when the segment lacks the right; a writable (data) segment is also readable, so
        // read-modify-write checks the write end.
        let end = need & SegmentAccess.writable != 0 ? segWriteEnd[s] : segReadEnd[s]
        if UInt64(off) &+ UInt64(1 << size) <= end { return segBase[s] &+ off }
        return try linearAddressSlow(s, off, size, need)
    }

    @inline(never)
    func linearAddressSlow(_ s: Int, _ off: UInt32, _ size: Int, _ need: UInt8) throws(Fault) -> UInt32 {
        let acc = segAccess[s]
        // SDM 5.4: reading an execute-only code segment or writing a read-only segment → #GP(0)
        // (#SS(0) for SS); so is any access through a null or not-present segment.
        guard acc & need == need else { throw segmentFault(s) }
        let last = UInt32((1 << size) - 1)
        if acc & SegmentAccess.expandDown != 0 {
            // SDM 5.3: expand-down: valid offsets are limit+1 … 0xFFFF (B = 0) or 0xFFFFFFFF (B = 1).
            let upper: UInt32 = acc & SegmentAccess.big != 0 ? 0xFFFF_FFFF : 0xFFFF
            guard off > segLimit[s], off <= upper, upper - off >= last else { throw segmentFault(s) }
            return segBase[s] &+ off
        }
        throw segmentFault(s)
    }

    @inline(__always) func readMem(_ s: Int, _ off: UInt32, _ size: Int) throws(Fault) -> UInt32 {
        try readLinear(linearAddress(s, off, size, SegmentAccess.readable), size)
    }
    @inline(__always) func writeMem(_ s: Int, _ off: UInt32, _ size: Int, _ v: UInt32) throws(Fault) {
        try writeLinear(linearAddress(s, off, size, SegmentAccess.writable), size, v)
    }
    /// The host address of a `1 << size`-byte access to `s:off` when the segment check
    /// (SDM 5.3) and the TLB (one page, mapped for the access) both pass on their fast paths,
    /// else nil: then the caller runs the access in full (`readMem`, `writeMem`), with the
    /// slow paths and their faults. Nothing is changed either way, and neither path calls
    /// a function, so the dispatch switch can inline them (Execute/EAForms.swift).
    @inline(__always) func fastReadAddress(_ s: Int, _ off: UInt32, _ size: Int) -> UnsafeRawPointer? {
        guard UInt64(off) &+ UInt64(1 << size) <= segReadEnd[s] else { return nil }
        let la = segBase[s] &+ off
        let i = TLB.index(la >> 12)
        guard tlb.readTag[i] == TLB.lastPage(la, size) else { return nil }
        return UnsafeRawPointer(bitPattern: tlb.readAddend[i] &+ Int(la))
    }
    @inline(__always) func fastWriteAddress(_ s: Int, _ off: UInt32, _ size: Int) -> UnsafeMutableRawPointer? {
        guard UInt64(off) &+ UInt64(1 << size) <= segWriteEnd[s] else { return nil }
        let la = segBase[s] &+ off
        let i = TLB.index(la >> 12)
        guard tlb.writeTag[i] == TLB.lastPage(la, size) else { return nil }
        return UnsafeMutableRawPointer(bitPattern: tlb.writeAddend[i] &+ Int(la))
    }

    @inline(__always) func read8(_ s: Int, _ off: UInt32) throws(Fault) -> UInt32 { try readMem(s, off, 0) }
    @inline(__always) func read16(_ s: Int, _ off: UInt32) throws(Fault) -> UInt32 { try readMem(s, off, 1) }
    @inline(__always) func read32(_ s: Int, _ off: UInt32) throws(Fault) -> UInt32 { try readMem(s, off, 2) }

    /// Checks that a write to `off` would pass, without writing (read-modify-write
    /// instructions check the destination before touching anything).
    @inline(__always) func checkWritable(_ s: Int, _ off: UInt32, _ size: Int) throws(Fault) {
        _ = try linearAddress(s, off, size, SegmentAccess.writable)
    }

    // MARK: The stack (SS, with SP or ESP by SS.B)

    @inline(__always) var stackPointer: UInt32 {
        stackIs32 ? regs[Reg.esp] : regs[Reg.esp] & 0xFFFF
    }
    @inline(__always) func setStackPointer(_ v: UInt32) {
        if stackIs32 { regs[Reg.esp] = v } else { regs[Reg.esp] = (regs[Reg.esp] & 0xFFFF_0000) | (v & 0xFFFF) }
    }
    @inline(__always) func stackMask() -> UInt32 { stackIs32 ? 0xFFFF_FFFF : 0xFFFF }

    /// PUSH of a word (size 1) or doubleword (size 2); SP changes only if the write succeeds.
    /// The common case inline: the slot within SS's expand-up write end (SDM 5.3, 5.4) and in a
    /// page the TLB maps for writing, which are `writeMem`'s own hit tests; anything else goes
    /// to `pushSlow`, which starts over with nothing changed. (One out-of-line call at the end
    /// lets the callers keep no registers across the slow paths.)
    @inline(__always) func push(_ v: UInt32, _ size: Int) throws(Fault) {
        let big = stackIs32
        let esp = regs[Reg.esp]
        let sp = big ? esp &- UInt32(1 << size) : (esp &- UInt32(1 << size)) & 0xFFFF
        if UInt64(sp) &+ UInt64(1 << size) <= segWriteEnd[Seg.ss] {
            let la = segBase[Seg.ss] &+ sp
            let i = TLB.index(la >> 12)
            if tlb.writeTag[i] == TLB.lastPage(la, size) {
                store(UnsafeMutableRawPointer(bitPattern: tlb.writeAddend[i] &+ Int(la)).unsafelyUnwrapped, size, v)
                regs[Reg.esp] = big ? sp : (esp & 0xFFFF_0000) | sp
                return
            }
        }
        try pushSlow(v, size)
    }
    @inline(never) func pushSlow(_ v: UInt32, _ size: Int) throws(Fault) {
        let sp = (stackPointer &- UInt32(1 << size)) & stackMask()
        try writeMem(Seg.ss, sp, size, v)
        setStackPointer(sp)
    }
    /// POP of a word or doubleword; SP changes only if the read succeeds. The common case
    /// inline as in `push` (`readMem`'s hit tests), else `popSlow`.
    @inline(__always) func pop(_ size: Int) throws(Fault) -> UInt32 {
        let big = stackIs32
        let esp = regs[Reg.esp]
        let sp = big ? esp : esp & 0xFFFF
        if UInt64(sp) &+ UInt64(1 << size) <= segReadEnd[Seg.ss] {
            let la = segBase[Seg.ss] &+ sp
            let i = TLB.index(la >> 12)
            if tlb.readTag[i] == TLB.lastPage(la, size) {
                let p = UnsafeRawPointer(bitPattern: tlb.readAddend[i] &+ Int(la)).unsafelyUnwrapped
                let v: UInt32
                switch size {
                case 0: v = UInt32(p.load(as: UInt8.self))
                case 1: v = UInt32(p.loadUnaligned(as: UInt16.self))
                default: v = p.loadUnaligned(as: UInt32.self)
                }
                let next = sp &+ UInt32(1 << size)
                regs[Reg.esp] = big ? next : (esp & 0xFFFF_0000) | (next & 0xFFFF)
                return v
            }
        }
        return try popSlow(size)
    }
    @inline(never) func popSlow(_ size: Int) throws(Fault) -> UInt32 {
        let sp = stackPointer
        let v = try readMem(Seg.ss, sp, size)
        setStackPointer((sp &+ UInt32(1 << size)) & stackMask())
        return v
    }
    /// Reads the stack at SP + `offset` without moving SP.
    @inline(__always) func peekStack(_ offset: UInt32, _ size: Int) throws(Fault) -> UInt32 {
        try readMem(Seg.ss, (stackPointer &+ offset) & stackMask(), size)
    }
}
