/// Inner stacks from the TSS and the checks on a new stack segment (SDM vol. 3, 5.8.5,
/// 6.12.1, 7.2.1), shared by call gates, interrupts and returns to outer levels.
extension CPU {
    /// A segment register with its hidden cache, saved so a failed transfer can be undone.
    struct SegmentSnapshot {
        let selector: UInt16, base: UInt32, limit: UInt32, attr: UInt16
    }

    func snapshot(_ s: Int) -> SegmentSnapshot {
        SegmentSnapshot(selector: segSelector[s], base: segBase[s], limit: segLimit[s], attr: segAttr[s])
    }

    func restore(_ s: Int, _ snap: SegmentSnapshot) {
        segSelector[s] = snap.selector; segBase[s] = snap.base; segLimit[s] = snap.limit; segAttr[s] = snap.attr
        updateSegmentAccess(s)
    }

    /// SS:ESP for privilege level `level` from the current TSS (32-bit or 16-bit format).
    /// SDM 7.2.1: the TSS must be large enough, else #TS(TSS selector).
    func innerStack(for level: UInt8) throws(Fault) -> (selector: UInt16, pointer: UInt32) {
        let is32 = trAttr & 0x8 != 0           // types 9/11: 32-bit TSS
        let offset: UInt32 = is32 ? UInt32(level) * 8 + 4 : UInt32(level) * 4 + 2
        let width: UInt32 = is32 ? 4 : 2
        try require(offset + width + 1 <= trLimit, .innerStackValid,
                    Fault.invalidTSS(UInt32(trSelector & 0xFFFC)),
                    "TSS \(describe(Selector(trSelector))) limit=0x\(String(trLimit, radix: 16)) needs SS\(level):ESP\(level) at +0x\(String(offset, radix: 16))")
        if is32 {
            // ESP at +offset, SS at +offset+4: one host load when both lie in a mapped page.
            if let q = probeSystem64(trBase &+ offset) {
                return (UInt16(truncatingIfNeeded: q >> 32), UInt32(truncatingIfNeeded: q))
            }
            let esp = try readSystem(trBase &+ offset, 2)
            let ss = try readSystem(trBase &+ offset &+ 4, 1)
            return (UInt16(truncatingIfNeeded: ss), esp)
        }
        let sp = try readSystem(trBase &+ offset, 1)
        let ss = try readSystem(trBase &+ offset &+ 2, 1)
        return (UInt16(truncatingIfNeeded: ss), sp)
    }

    /// Validates the stack segment of an inner-level transfer (call gate, interrupt) and
    /// returns its descriptor. SDM 5.8.5 / 6.12.1: failures raise #TS(selector), a
    /// not-present segment #SS(selector).
    func checkInnerStackSegment(_ value: UInt16, newCPL: UInt8, external: Bool) throws(Fault) -> Descriptor {
        let sel = Selector(value)
        let ext: UInt32 = external ? 1 : 0
        try require(!sel.isNull, .innerStackValid, Fault.invalidTSS(ext), "new SS \(describe(sel))")
        let d = try readDescriptorChecked(sel) { Fault.invalidTSS($0 | ext) }
        try require(sel.rpl == newCPL && d.dpl == newCPL && d.writable, .innerStackValid,
                    Fault.invalidTSS(sel.errorCode | ext),
                    "new SS \(describe(sel)) RPL=\(sel.rpl) DPL=\(d.dpl) new CPL=\(newCPL) type=\(d.typeName)")
        try require(d.present, .innerStackValid, Fault.stackFault(sel.errorCode | ext), "new SS \(describe(sel)) P=\(d.present ? 1 : 0)")
        return d
    }

    /// Validates the SS popped by a return to an outer level (RET, IRET): SDM vol. 2
    /// RET: RPL must equal the return CS's RPL, a writable data segment whose DPL equals
    /// that RPL, else #GP(selector); not present: #SS(selector).
    func checkOuterStackSegment(_ value: UInt16, rpl: UInt8) throws(Fault) -> Descriptor {
        let sel = Selector(value)
        try require(!sel.isNull, .selectorNotNullForSS, Fault.generalProtection(0), "return SS \(describe(sel))")
        let d = try readDescriptorChecked(sel)
        try require(sel.rpl == rpl && d.writable && d.dpl == rpl, .ssDPLEqualsCPL,
                    Fault.generalProtection(sel.errorCode),
                    "return SS \(describe(sel)) RPL=\(sel.rpl) DPL=\(d.dpl) type=\(d.typeName) return CPL=\(rpl)")
        try require(d.present, .ssPresent, Fault.stackFault(sel.errorCode), "return SS \(describe(sel)) P=\(d.present ? 1 : 0)")
        return d
    }

    /// SDM vol. 2 RET/IRET: after a return to an outer level, DS ES FS GS holding a
    /// segment the new CPL may not use (data or non-conforming code with DPL < CPL) are nulled.
    /// The four registers in a straight line (ES, DS, FS, GS, in that order).
    @inline(__always) func nullInaccessibleDataSegments() {
        nullIfInaccessible(Seg.es)
        nullIfInaccessible(Seg.ds)
        nullIfInaccessible(Seg.fs)
        nullIfInaccessible(Seg.gs)
    }

    @inline(__always) private func nullIfInaccessible(_ s: Int) {
        let a = segAttr[s]
        let dpl = UInt8((a >> 5) & 3)
        let isCodeOrData = a & 0x10 != 0
        let conformingCode = a & 0x0C == 0x0C
        if segSelector[s] & 0xFFFC != 0 && (!isCodeOrData || (!conformingCode && dpl < cpl)) {
            loadNullSegment(s, 0)
        }
    }

    /// The pushes of one frame (an interrupt's, a call gate's, a far call's return address):
    /// stored straight into guest RAM when `beginFrame` found that none of them can fault,
    /// else pushed one at a time.
    struct FramePushes {
        /// Host address of the frame's lowest byte; nil: push by push.
        let host: UnsafeMutableRawPointer?
        /// Bytes of the frame not yet stored (the next value goes just below them).
        var remaining: Int
        let bytes: UInt32
    }

    /// Starts a frame of `bytes` bytes below SP, after the caller checked the room for it.
    /// The frame is stored directly when what makes each of its pushes succeed holds for the
    /// whole of it: SS an expand-up writable segment (SDM 5.3, 5.4) holding every byte below
    /// SP without wrap-around, and all the bytes in one page that the current TLB set maps for
    /// writing (plain RAM without decoded code, the page rights checked at this privilege).
    /// Such pushes cannot fault, so storing them at once is what pushing them one by one does.
    @inline(__always) func beginFrame(_ bytes: UInt32) -> FramePushes {
        let top = stackPointer
        if segAccess[Seg.ss] & (SegmentAccess.writable | SegmentAccess.expandDown) == SegmentAccess.writable
            && top >= bytes && top &- 1 <= segLimit[Seg.ss] {
            let low = segBase[Seg.ss] &+ (top &- bytes)
            let vpn = low >> 12
            let i = TLB.index(vpn)
            if (segBase[Seg.ss] &+ (top &- 1)) >> 12 == vpn && tlb.writeTag[i] == vpn {
                return FramePushes(host: UnsafeMutableRawPointer(bitPattern: tlb.writeAddend[i] &+ Int(low)),
                                   remaining: Int(bytes), bytes: bytes)
            }
        }
        return FramePushes(host: nil, remaining: Int(bytes), bytes: bytes)
    }

    /// The next push of a frame.
    @inline(__always) func framePush(_ f: inout FramePushes, _ v: UInt32, _ size: Int) throws(Fault) {
        guard let p = f.host else { try push(v, size); return }
        f.remaining &-= 1 << size
        store(p + f.remaining, size, v)
    }

    /// Ends a frame: a direct frame moves SP below it now (push by push moved it already).
    @inline(__always) func endFrame(_ f: FramePushes) {
        if f.host != nil { setStackPointer(stackPointer &- f.bytes) }
    }

    /// Checks that `bytes` below `top` fit the (current) stack segment for writing.
    func checkStackRoom(_ top: UInt32, _ bytes: UInt32, fault: Fault) throws(Fault) {
        let mask = stackMask()
        do throws(Fault) {
            _ = try linearAddress(Seg.ss, (top &- bytes) & mask, 0, SegmentAccess.writable)
            _ = try linearAddress(Seg.ss, (top &- 1) & mask, 0, SegmentAccess.writable)
        } catch {
            throw fault
        }
    }
}
