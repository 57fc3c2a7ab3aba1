/// Instructions that run past the end of their page. The decode cache keeps instructions
/// per physical page and none of them crosses its page end, so these used to be fetched
/// byte by byte through the TLB and decoded on every execution (`fetchSlow`). Now their
/// slot holds the `.crossesPage` marker and the decoded instruction lives in a small
/// cache keyed by linear address and CS.D, together with its bytes. A hit re-reads those
/// bytes through the current TLB (both pages mapped for reading, within the CS limit) and
/// compares them: the decoded form depends only on the bytes, CS.D and the CPU model, so
/// a match is the instruction `fetchSlow` would decode, whatever changed in between
/// (paging, A20, self-modifying code, a reused decode-cache page). Anything else (a TLB
/// miss, a limit, different bytes) takes `fetchSlow`, with its faults, and refills the entry.
struct CrossPageEntry {
    static let count = 16
    var linear: UInt32 = 0
    var code32 = false
    var length = 0                     // 0: empty
    var low: UInt64 = 0                // bytes 0-7 of the instruction, little-endian
    var high: UInt64 = 0               // bytes 8-15
    var ins = Instruction()
}

extension CPU {
    /// The instruction at CS:EIP, known to run past the end of its page (and not past the
    /// CS limit at the page end). `slot`: its decode-cache slot, which gets the marker.
    @inline(never)
    func fetchCrossingPage(slot: UnsafeMutablePointer<Instruction>?) throws(Fault) -> Instruction {
        let off = eip
        let la = segBase[Seg.cs] &+ off
        let code32 = codeIs32
        let e = crossPage + Int((la ^ (la >> 12)) & UInt32(CrossPageEntry.count - 1))
        let n = e.pointee.length
        if n != 0 && e.pointee.linear == la && e.pointee.code32 == code32,
           let (lo, hi) = crossingBytes(la, off, n), lo == e.pointee.low, hi == e.pointee.high {
            return e.pointee.ins
        }
        let ins = try fetchSlow()
        let len = Int(ins.length)
        if (la & 0xFFF) + UInt32(len) > 4096, let (lo, hi) = crossingBytes(la, off, len) {
            e.pointee = CrossPageEntry(linear: la, code32: code32, length: len, low: lo, high: hi, ins: ins)
            if let slot {
                var marker = Instruction()
                marker.handler = Handler.crossesPage.rawValue    // length and cost 0
                slot.pointee = marker
            }
        }
        return ins
    }

    /// The `n` bytes at linear `la` (offset `off` in CS), when they lie within the CS limit
    /// and in at most two pages the current TLB set maps for reading; else nil.
    @inline(__always)
    func crossingBytes(_ la: UInt32, _ off: UInt32, _ n: Int) -> (UInt64, UInt64)? {
        // SDM 5.3: every byte of the instruction lies within the CS limit.
        guard UInt64(off) + UInt64(n) - 1 <= UInt64(segLimit[Seg.cs]) else { return nil }
        let first = 4096 - Int(la & 0xFFF)
        let la2 = la &+ UInt32(first)
        let i1 = TLB.index(la >> 12), i2 = TLB.index(la2 >> 12)
        guard tlb.readTag[i1] == la >> 12, tlb.readTag[i2] == la2 >> 12 else { return nil }
        let p1 = UnsafePointer<UInt8>(bitPattern: tlb.readAddend[i1] &+ Int(la))!
        let p2 = UnsafePointer<UInt8>(bitPattern: tlb.readAddend[i2] &+ Int(la2))!
        var lo: UInt64 = 0, hi: UInt64 = 0
        for j in 0..<n {
            let b = UInt64(j < first ? p1[j] : p2[j - first])
            if j < 8 { lo |= b << UInt64(j * 8) } else { hi |= b << UInt64((j - 8) * 8) }
        }
        return (lo, hi)
    }
}
