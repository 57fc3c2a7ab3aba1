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
        try loadProtectedSegment(s, value)
    }

    func loadProtectedSegment(_ s: Int, _ value: UInt16) throws(Fault) {
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

    /// Reads the descriptor after checking the selector lies within its table.
    func readDescriptorChecked(_ sel: Selector, fault: (UInt32) -> Fault = Fault.generalProtection) throws(Fault) -> Descriptor {
        let limit = sel.tableIndicator ? (ldtrSelector & 0xFFFC == 0 ? 0 : ldtrLimit) : gdtrLimit
        let inTable = (sel.tableIndicator ? ldtrSelector & 0xFFFC != 0 : true)
            && (UInt32(sel.index) << 3) &+ 7 <= limit
        try require(inTable, .selectorWithinTable, fault(sel.errorCode),
                    "\(describe(sel)) table limit=0x\(String(limit, radix: 16))")
        return try readDescriptor(sel, orFault: fault)
    }
}
