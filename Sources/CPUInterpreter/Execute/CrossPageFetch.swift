/// Instructions that run past the end of their page. The decode cache keeps instructions
/// per physical page and none of them crosses its page end, so these used to be fetched
/// byte by byte through the TLB and decoded on every execution (`fetchSlow`). Now their
/// slot holds the `.crossesPage` marker and the decoded instruction lives in a small
/// cache keyed by linear address and CS.D, together with the two physical pages its bytes
/// came from. The decoded form depends only on the bytes, CS.D and the CPU model, so a hit
/// needs the same bytes: both linear pages mapped for reading by the current TLB set to
/// the same physical pages (paging, A20), every byte within the CS limit, and no write to
/// the instruction's blocks since (its blocks are marked as code, and every drop of decoded
/// code moves `crossPageEpoch` on; Decode/DecodeCache.swift). Anything else (a TLB miss, a
/// limit, another page, a write) takes `fetchSlow`, with its faults, and refills the entry.
struct CrossPageEntry {
    static let count = 16
    var linear: UInt32 = 0
    var code32 = false
    var length = 0                     // 0: empty
    var firstPage: UInt32 = 0          // physical pages of the bytes before and after the page end
    var secondPage: UInt32 = 0
    var epoch: UInt64 = 0              // `crossPageEpoch` when filled
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
        if n != 0 && e.pointee.linear == la && e.pointee.code32 == code32 && e.pointee.epoch == crossPageEpoch,
           let (p1, p2) = crossingPages(la, off, n), p1 == e.pointee.firstPage, p2 == e.pointee.secondPage {
            return e.pointee.ins
        }
        let ins = try fetchSlow()
        let len = Int(ins.length)
        if (la & 0xFFF) + UInt32(len) > 4096, let (p1, p2) = crossingPages(la, off, len) {
            // Writes to either part now leave the TLB fast path and move the epoch on.
            let first = 4096 - Int(la & 0xFFF)
            markCode(p1 << 12 | (la & 0xFFF), length: first)
            markCode(p2 << 12, length: len - first)
            e.pointee = CrossPageEntry(linear: la, code32: code32, length: len, firstPage: p1, secondPage: p2,
                                       epoch: crossPageEpoch, ins: ins)
            if let slot {
                var marker = Instruction()
                marker.handler = Handler.crossesPage.rawValue    // length and cost 0
                slot.pointee = marker
            }
        }
        return ins
    }

    /// The physical pages that hold the `n` bytes at linear `la` (offset `off` in CS), when
    /// they lie within the CS limit and in two pages the current TLB set maps for reading;
    /// else nil.
    @inline(__always)
    func crossingPages(_ la: UInt32, _ off: UInt32, _ n: Int) -> (UInt32, UInt32)? {
        // SDM 5.3: every byte of the instruction lies within the CS limit.
        guard UInt64(off) + UInt64(n) - 1 <= UInt64(segLimit[Seg.cs]) else { return nil }
        let la2 = (la | 0xFFF) &+ 1
        let i1 = TLB.index(la >> 12), i2 = TLB.index(la2 >> 12)
        guard tlb.readTag[i1] == la >> 12, tlb.readTag[i2] == la2 >> 12 else { return nil }
        return (tlb.readPhysPage[i1], tlb.readPhysPage[i2])
    }
}
