/// Loading SS, DS, ES, FS and GS in protected mode: every check of SDM vol. 2
/// (MOV — "IF SS is loaded" / "IF DS, ES, FS, or GS is loaded with non-null selector")
/// in the order the pseudo-code performs them.
extension CPU {
    /// MOV Sreg, POP Sreg, LDS/LES/LSS/LFS/LGS: real/V86 mode loads the base only.
    @inline(__always) func loadSegmentRegister(_ s: Int, _ value: UInt16) throws(Fault) {
        if !protectedMode || v86Mode {
            loadRealModeSegment(s, value)
            return
        }
        // The common case, with nobody to narrate to: a usable data segment into DS/ES/FS/GS
        // whose accessed bit is set already (SDM 3 3.4.5.1: nothing to write back).
        // (Protection/ValidatedDataLoads.swift.)
        if s != Seg.ss && observer == nil && loadDataSegmentValidated(s, value) { return }
        try loadProtectedSegment(s, value)
    }

    func loadProtectedSegment(_ s: Int, _ value: UInt16) throws(Fault) {
        // A usable data segment into DS/ES/FS/GS whose accessed bit is still clear.
        if s != Seg.ss && observer == nil, let d = usableDataSegment(value) {
            try markAccessed(Selector(value), d)
            loadSegmentCache(s, value, d)
            return
        }
        let sel = Selector(value)
        if s == Seg.ss {
            try require(!sel.isNull, .selectorNotNullForSS, Fault.generalProtection(0),
                        "SS ← \(describe(sel))")
            let d = try readDescriptorChecked(sel)
            try require(sel.rpl == cpl, .ssRPLEqualsCPL, Fault.generalProtection(sel.errorCode),
                        "\(describe(sel)) RPL=\(sel.rpl) CPL=\(cpl)")
            try require(d.writable, .ssIsWritableData, Fault.generalProtection(sel.errorCode),
                        "\(describe(sel)) type=\(d.typeName)")
            try require(d.dpl == cpl, .ssDPLEqualsCPL, Fault.generalProtection(sel.errorCode),
                        "\(describe(sel)) DPL=\(d.dpl) CPL=\(cpl)")
            try require(d.present, .ssPresent, Fault.stackFault(sel.errorCode),
                        "\(describe(sel)) P=\(d.present ? 1 : 0)")
            try markAccessed(sel, d)
            loadSegmentCache(s, value, d)
            return
        }
        if sel.isNull {
            loadNullSegment(s, value)
            return
        }
        let d = try readDescriptorChecked(sel)
        try require(d.isData || (d.isCode && d.readable), .dataSegmentIsReadable,
                    Fault.generalProtection(sel.errorCode),
                    "\(Seg.names[s]) ← \(describe(sel)) type=\(d.typeName)")
        if !d.conforming {
            try require(d.dpl >= sel.rpl && d.dpl >= cpl, .dataSegmentPrivilege,
                        Fault.generalProtection(sel.errorCode),
                        "\(describe(sel)) RPL=\(sel.rpl) CPL=\(cpl) DPL=\(d.dpl)")
        }
        try require(d.present, .dataSegmentPresent, Fault.segmentNotPresent(sel.errorCode),
                    "\(describe(sel)) P=\(d.present ? 1 : 0)")
        try markAccessed(sel, d)
        loadSegmentCache(s, value, d)
    }

    /// The descriptor a non-null selector for DS/ES/FS/GS names, when every check of the full
    /// load above passes and the descriptor reads straight from a page the TLB maps; nil
    /// otherwise, and the full load reads it again, checks in order, narrates and faults.
    /// Nothing here has a side effect, so falling back changes nothing.
    @inline(__always) func usableDataSegment(_ value: UInt16) -> Descriptor? {
        let sel = Selector(value)
        guard !sel.isNull, let d = probeDescriptor(sel), usableDataSegment(sel, d) else { return nil }
        return d
    }

    /// The checks of the full load above on a descriptor read without side effects.
    @inline(__always) func usableDataSegment(_ sel: Selector, _ d: Descriptor) -> Bool {
        // SDM 3 5.6: a data segment or a readable code segment.
        guard d.isData || (d.isCode && d.readable) else { return false }
        // SDM 3 5.6: data and non-conforming code need DPL >= CPL and DPL >= RPL.
        guard d.conforming || (d.dpl >= sel.rpl && d.dpl >= cpl) else { return false }
        // SDM 2 MOV: the segment must be present.
        return d.present
    }

    /// The descriptor `sel` names when it lies within its table (SDM 3 3.4.2) and
    /// `probeSystem64` finds its 8 bytes in a TLB-mapped page; nil otherwise (no side effect).
    @inline(__always) func probeDescriptor(_ sel: Selector) -> Descriptor? {
        guard let q = probeDescriptorBytes(sel) else { return nil }
        return Descriptor(low: UInt32(truncatingIfNeeded: q), high: UInt32(truncatingIfNeeded: q >> 32))
    }

    /// `probeDescriptor`'s 8 bytes as one little-endian word.
    @inline(__always) func probeDescriptorBytes(_ sel: Selector) -> UInt64? {
        let base: UInt32, limit: UInt32
        if sel.tableIndicator {
            guard ldtrSelector & 0xFFFC != 0 else { return nil }
            base = ldtrBase; limit = ldtrLimit
        } else {
            base = gdtrBase; limit = gdtrLimit
        }
        let offset = UInt32(sel.index) << 3
        guard offset &+ 7 <= limit else { return nil }
        return probeSystem64(base &+ offset)
    }

    /// Reads the descriptor after checking the selector lies within its table.
    @inline(__always)
    func readDescriptorChecked(_ sel: Selector, fault: (UInt32) -> Fault = Fault.generalProtection) throws(Fault) -> Descriptor {
        // Within the table and in a TLB-mapped page, with nobody to narrate the check to.
        if observer == nil, let d = probeDescriptor(sel) { return d }
        return try readDescriptorCheckedSlow(sel, fault: fault)
    }

    @inline(never)
    func readDescriptorCheckedSlow(_ sel: Selector, fault: (UInt32) -> Fault) throws(Fault) -> Descriptor {
        let limit = sel.tableIndicator ? (ldtrSelector & 0xFFFC == 0 ? 0 : ldtrLimit) : gdtrLimit
        let inTable = (sel.tableIndicator ? ldtrSelector & 0xFFFC != 0 : true)
            && (UInt32(sel.index) << 3) &+ 7 <= limit
        try require(inTable, .selectorWithinTable, fault(sel.errorCode),
                    "\(describe(sel)) table limit=0x\(String(limit, radix: 16))")
        return try readDescriptor(sel, orFault: fault)
    }
}
