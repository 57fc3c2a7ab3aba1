/// A cache of validated DS/ES/FS/GS loads (MOV Sreg, POP Sreg and the like) in protected mode
/// outside virtual-8086 mode, with no observer attached.
///
/// Whether a load of a non-null selector passes every check of `loadProtectedSegment` and needs
/// no descriptor write (SDM vol. 2 MOV; vol. 3 3.4.5.1, 5.6), and what it then stores in the
/// hidden cache, depend only on the selector, the 8 descriptor bytes and CPL. An entry keeps
/// those three and the cache fields the load stored. A load reads the descriptor bytes as
/// before (within the table, through the TLB: `probeDescriptorBytes`) and, when selector,
/// bytes and CPL equal an entry's, stores the entry's fields instead of checking and decoding
/// again. Anything else takes the checked path; it fills the entry only when the fast path
/// passed (so an entry exists only for present, accessed, usable descriptors). Entries never
/// go stale: a changed descriptor, table or CPL no longer matches the key.
///
/// A GDT selector's entry also skips the descriptor read: its fill watches the 8 bytes
/// (Protection/DescriptorWatch.swift) and records the epoch and the GDTR. While those are
/// unchanged, the bytes the read would return are the ones the entry was made from.
struct ValidatedDataLoad {
    var raw: UInt64 = 0
    var readEnd: UInt64 = 0
    var writeEnd: UInt64 = 0
    var base: UInt32 = 0
    var limit: UInt32 = 0
    /// 0 (a null selector, which never looks here): an empty entry.
    var selector: UInt16 = 0
    var attr: UInt16 = 0
    var access: UInt8 = 0
    /// CPL at the fill; for a watched GDT selector also the epoch and GDTR (else epoch 0:
    /// the descriptor must be read and compared).
    var context = DescriptorMemoContext()

    /// Entries, chosen by the low bits of the selector's index.
    static let count = 16
}

extension CPU {
    @inline(__always) var validatedDataLoads: UnsafeMutablePointer<ValidatedDataLoad> {
        (segBlock + SegmentBlock.validatedDataLoads).assumingMemoryBound(to: ValidatedDataLoad.self)
    }

    /// DS, ES, FS or GS ← `value` when the load passes every check with nothing to write back
    /// (the accessed bit already set); false having changed nothing otherwise.
    @inline(__always) func loadDataSegmentValidated(_ s: Int, _ value: UInt16) -> Bool {
        let sel = Selector(value)
        // SDM 3 3.4.2: a null selector loads an unusable segment (the checked path does it).
        guard !sel.isNull else { return false }
        let e = validatedDataLoads + Int((value >> 3) & UInt16(ValidatedDataLoad.count - 1))
        // Watched GDT bytes, unchanged since the entry was made through the same GDTR (the
        // selector's TI bit is part of `value`, so only GDT selectors have an epoch).
        if e.pointee.selector == value && e.pointee.context.holds(for: self) {
            loadValidated(s, e)
            return true
        }
        // SDM 3 3.4.2: the selector must lie within its table (`probeDescriptorBytes` checks, else nil).
        guard let q = probeDescriptorBytes(sel) else { return false }
        if e.pointee.raw == q && e.pointee.selector == value && e.pointee.context.cpl == cpl {
            loadValidated(s, e)
        } else {
            let d = Descriptor(low: UInt32(truncatingIfNeeded: q), high: UInt32(truncatingIfNeeded: q >> 32))
            // The checks of `usableDataSegment` (SegmentLoad.swift), and SDM 3 3.4.5.1: the accessed
            // bit is set already, so no descriptor write is due.
            guard usableDataSegment(sel, d), d.high & 0x100 != 0 else { return false }
            loadDataSegmentCache(s, value, d)
            e.pointee = ValidatedDataLoad(raw: q, readEnd: segReadEnd[s], writeEnd: segWriteEnd[s], base: segBase[s],
                                          limit: segLimit[s], selector: value, attr: segAttr[s], access: segAccess[s])
        }
        e.pointee.context = DescriptorMemoContext(self, watched: watchGDTDescriptor(sel))
        return true
    }

    /// The hidden cache of `s` ← entry `e`'s fields, and the selector.
    @inline(__always) private func loadValidated(_ s: Int, _ e: UnsafeMutablePointer<ValidatedDataLoad>) {
        segSelector[s] = e.pointee.selector
        segBase[s] = e.pointee.base
        segLimit[s] = e.pointee.limit
        segAttr[s] = e.pointee.attr
        segAccess[s] = e.pointee.access
        segReadEnd[s] = e.pointee.readEnd
        segWriteEnd[s] = e.pointee.writeEnd
        segmentRulesForV86 = false
    }
}
