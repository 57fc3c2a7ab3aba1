/// Hidden-cache loads for descriptors whose kind the caller has already established, in
/// protected mode outside virtual-8086 mode: CS from a present code segment, SS from a
/// present writable data segment, DS/ES/FS/GS from a present data or readable code segment.
/// Each stores exactly what `loadSegmentCache` stores for such a descriptor (Descriptor.swift,
/// `updateSegmentAccess` in Memory/SegmentedAccess.swift), with the access bits and the
/// limit ends written down for the known kind instead of derived through the general chain.
extension CPU {
    /// The fields every load stores: selector, base, byte-granular limit, attributes with the
    /// accessed bit (the caller found it set or set it), and the hot-path access bits and ends.
    @inline(__always)
    private func storeSegmentCache(_ s: Int, _ sel: UInt16, _ d: Descriptor, _ attr: UInt16, limit: UInt32,
                                   access: UInt8, readEnd: UInt64, writeEnd: UInt64) {
        segSelector[s] = sel
        segBase[s] = d.base
        segLimit[s] = limit
        segAttr[s] = attr
        segAccess[s] = access
        segReadEnd[s] = readEnd
        segWriteEnd[s] = writeEnd
        segmentRulesForV86 = false      // outside virtual-8086 mode (the callers' condition)
    }

    /// CS ← a present code segment (S = 1, type bit 3 set, P = 1), CPL ← RPL of `sel`.
    /// `limit` is `d.limit` (the callers have computed it for their own checks).
    @inline(__always) func loadCodeSegmentCache(_ sel: UInt16, _ d: Descriptor, limit: UInt32) {
        let attr = d.attributes | 1
        // SDM 3 5.4: code is readable only with R (type bit 1), never writable; D (bit 14) → big.
        let readable = UInt8(truncatingIfNeeded: attr >> 1) & SegmentAccess.readable
        let end = UInt64(limit) &+ 1
        storeSegmentCache(Seg.cs, sel, d, attr, limit: limit,
                          access: readable | (UInt8(truncatingIfNeeded: attr >> 11) & SegmentAccess.big),
                          readEnd: readable != 0 ? end : 0, writeEnd: 0)
        invalidateFetchMemo()
        cpl = UInt8(sel & 3)
    }

    /// SS ← a present writable data segment (S = 1, type bit 3 clear, W set, P = 1).
    /// `limit` is `d.limit`.
    @inline(__always) func loadStackSegmentCache(_ sel: UInt16, _ d: Descriptor, limit: UInt32) {
        let attr = d.attributes | 1
        // SDM 3 5.3: an expand-down segment (E, type bit 2) leaves the expand-up fast path.
        let expandDown = UInt8(truncatingIfNeeded: attr) & SegmentAccess.expandDown
        let end = expandDown == 0 ? UInt64(limit) &+ 1 : 0
        storeSegmentCache(Seg.ss, sel, d, attr, limit: limit,
                          access: SegmentAccess.readable | SegmentAccess.writable | expandDown
                              | (UInt8(truncatingIfNeeded: attr >> 11) & SegmentAccess.big),
                          readEnd: end, writeEnd: end)
    }

    /// DS, ES, FS or GS ← a present data segment or readable code segment.
    @inline(__always) func loadDataSegmentCache(_ s: Int, _ sel: UInt16, _ d: Descriptor) {
        let attr = d.attributes | 1
        let big = UInt8(truncatingIfNeeded: attr >> 11) & SegmentAccess.big
        let limit = d.limit
        let limitEnd = UInt64(limit) &+ 1
        if attr & 0x08 != 0 {
            // Readable code: readable, not writable (SDM 3 5.4).
            storeSegmentCache(s, sel, d, attr, limit: limit, access: SegmentAccess.readable | big, readEnd: limitEnd, writeEnd: 0)
        } else {
            // Data: readable; W (type bit 1) and E (type bit 2) as the descriptor has them.
            let we = UInt8(truncatingIfNeeded: attr) & (SegmentAccess.writable | SegmentAccess.expandDown)
            let end = we & SegmentAccess.expandDown == 0 ? limitEnd : 0
            storeSegmentCache(s, sel, d, attr, limit: limit, access: SegmentAccess.readable | we | big,
                              readEnd: end, writeEnd: we & SegmentAccess.writable != 0 ? end : 0)
        }
    }
}
