/// Instruction fetch: CS:EIP → the decoded instruction, through a memo of the current
/// code page. The memo maps a range of EIP values (one linear page, cut at the CS limit)
/// to that page's decoded-instruction array, so a hit is a subtraction, a compare and a
/// load: no CS limit check, TLB probe or tag compare per instruction. An empty slot holds
/// the `.notDecoded` handler (length and cost 0), which decodes the instruction, caches it
/// and runs it, so a hit does not test the slot either. The memo is rebuilt on a miss and
/// dropped whenever what it was derived from changes: a CS load, a TLB flush or a switch
/// between the supervisor and user TLB sets, or the reuse of a pool slot.
/// Instructions that cross a page end or the CS limit, and code outside plain RAM/ROM,
/// take `fetchSlow`, which reads byte by byte through the TLB.
extension CPU {
    /// The instruction at EIP = `pc` (the run loop's copy of EIP, Execute/Interpreter.swift)
    /// and the EIP after it. On a hit the entry's address comes from EIP directly
    /// (`fetchEntryBias`) and its length byte (the entry's first byte) is loaded on its own, so
    /// the next EIP waits for one byte load and an add: that chain, from one instruction's EIP
    /// to the next one's, bounds how fast straight-line code runs.
    @inline(__always)
    func fetchWithNext(at pc: UInt64) throws(Fault) -> (Instruction, UInt64) {
        // `pc` is never below the memo's base here (`fetchEnd`), so the upper end is the test.
        // Every cached instruction that starts below it ends inside the memo's range (see
        // `fetchMiss`), so a hit needs no length check.
        if _fastPath(pc < fetchEnd) {
            let address = fetchEntryBias &+ Int(truncatingIfNeeded: pc) &* MemoryLayout<Instruction>.stride
            let length = UnsafePointer<UInt8>(bitPattern: address).unsafelyUnwrapped.pointee
            let next = pc &+ UInt64(length)
            return (UnsafePointer<Instruction>(bitPattern: address).unsafelyUnwrapped.pointee, next)
        }
        // After a taken branch the stored EIP is still the branch's fall-through
        // (Execute/Interpreter.swift, `executeNext`): the miss path reads EIP.
        eipStore = UInt32(truncatingIfNeeded: pc)
        let ins = try fetchMiss()
        return (ins, UInt64(eip) &+ UInt64(ins.length))
    }

    /// Drops the fetch memo (CS, translation or TLB set changed).
    @inline(__always) func invalidateFetchMemo() { fetchSpan = 0 }

    /// After a miss (every CS load, far transfer and page change drops the memo): takes a kept
    /// memo of the page of CS:EIP when `fetchRebuild` would reuse it and its slot holds a decoded
    /// instruction that fits; else `fetchRebuild`. The same tests as there, in a small function
    /// (the rebuild and decode path needs many registers: its prologue and spills cost more than
    /// the tests).
    @inline(never)
    func fetchMiss() throws(Fault) -> Instruction {
        let off = eip
        let lim = segLimit[Seg.cs]
        let base = segBase[Seg.cs]
        let la = base &+ off
        let vpn = la >> 12
        let i = TLB.index(vpn)
        let m = icache.memos + Int(vpn & UInt32(FetchMemo.count - 1))
        // SDM 5.3: within the CS limit; the page mapped by the current TLB set to the memo's
        // physical page; the memo built from the same CS base, limit and D bit (FetchMemos.swift).
        if off <= lim && tlb.readTag[i] == vpn && m.pointee.vpn == vpn && m.pointee.ppn == tlb.readPhysPage[i]
            && m.pointee.csBase == base && m.pointee.csLimit == lim && m.pointee.code32 == codeIs32
            && off &- m.pointee.eipBase < m.pointee.span {
            let k = off &- m.pointee.eipBase
            let cached = m.pointee.page[Int(k)]
            if cached.length != 0 && k + UInt32(cached.length) <= m.pointee.span {
                setFetchMemo(eipBase: m.pointee.eipBase, page: m.pointee.page)
                fetchSpan = UInt64(m.pointee.fetchSpan)
                return cached
            }
        }
        return try fetchRebuild()
    }

    /// Rebuilds the memo for the page of CS:EIP and decodes the instruction if needed.
    @inline(never)
    func fetchRebuild() throws(Fault) -> Instruction {
        let off = eip
        let lim = segLimit[Seg.cs]
        // SDM 5.3: fetching beyond the CS limit raises #GP(0) (fetchSlow raises it).
        guard off <= lim else { return try fetchSlow() }
        let la = segBase[Seg.cs] &+ off
        let vpn = la >> 12
        let i = TLB.index(vpn)
        if tlb.readTag[i] != vpn {
            // Fill the TLB (the page walk and its checks); a fault is raised by fetchSlow.
            do throws(Fault) { _ = try readLinear(la, 0) } catch { return try fetchSlow() }
            guard tlb.readTag[i] == vpn else { return try fetchSlow() }   // MMIO: no host page
        }
        let ppn = tlb.readPhysPage[i]
        let pa = (ppn << 12) | (la & 0xFFF)
        let code32 = codeIs32
        let base = segBase[Seg.cs]
        // A kept memo built from the same inputs is the one the code below would build
        // (Execute/FetchMemos.swift).
        let m = icache.memos + FetchMemo.slot(vpn: vpn, csBase: base)
        let span: UInt32
        if m.pointee.vpn == vpn && m.pointee.ppn == ppn && m.pointee.csBase == base && m.pointee.csLimit == lim
            && m.pointee.code32 == code32 && off &- m.pointee.eipBase < m.pointee.span {
            span = m.pointee.span
            setFetchMemo(eipBase: m.pointee.eipBase, page: m.pointee.page)
            fetchSpan = UInt64(m.pointee.fetchSpan)
        } else {
            let page = decodedPage(ppn, code32: code32)
            // The memo: EIP values from max(0, EIP at the page start) up to the page end or the limit.
            let pageOff = la & 0xFFF
            let startEIP = off >= pageOff ? off - pageOff : 0
            let startOff = pageOff - (off - startEIP)
            let toPageEnd = UInt64(4096 - startOff)
            let toLimit = UInt64(lim) - UInt64(startEIP) + 1
            span = UInt32(min(toPageEnd, toLimit))
            setFetchMemo(eipBase: startEIP, page: page + Int(startOff))
            // No cached instruction crosses its page end (those take fetchSlow). One decoded under
            // a CS with a higher limit may cross this CS's limit: when the limit cuts the page,
            // the memo stops 15 bytes (the longest instruction) short of it, and fetches there
            // come here, where the length is checked.
            let memoSpan = toLimit >= toPageEnd ? span : (span > 15 ? span - 15 : 0)
            fetchSpan = UInt64(memoSpan)
            m.pointee = FetchMemo(vpn: vpn, csBase: base, csLimit: lim, ppn: ppn, eipBase: startEIP, span: span,
                                  code32: code32, page: fetchPage, fetchSpan: memoSpan)
        }
        let k = off - UInt32(truncatingIfNeeded: fetchEIPBase)
        let cached = fetchPage[Int(k)]
        if cached.length != 0 && k + UInt32(cached.length) <= span { return cached }
        let host = UnsafePointer<UInt8>(bitPattern: tlb.readAddend[i] &+ Int(la))!
        var tooLong = false
        var ins = decoder.decode(host, avail: Int(min(span - k, 16)), code32: code32, tooLong: &tooLong)
        // SDM: an instruction longer than the model's limit raises #GP(0).
        if tooLong { throw Fault.generalProtection(0) }
        // It runs past the page end or the CS limit: the byte-by-byte path decides; past the
        // page end (the limit lies beyond), the cross-page cache keeps it.
        // (The limit lies beyond the page end when limit - EIP + 1 exceeds the bytes to the page end.)
        let limitPastPageEnd = UInt64(lim) - UInt64(off) + 1 > UInt64(4096 - (la & 0xFFF))
        if ins.length == 0 { return limitPastPageEnd ? try fetchCrossingPage(slot: fetchPage + Int(k)) : try fetchSlow() }
        ins.cost = costs.cost(of: ins)
        specialize(&ins)
        // A CMP/TEST followed by a Jcc inside the memo's span becomes one entry (marked as
        // code over both instructions' bytes).
        fuseCompareAndBranch(&ins, next: host + Int(ins.length), avail: Int(span - k) - Int(ins.length))
        // So do MOV then a shift, and ADD then ADC, of one register (Decode/RegisterIdiomFusion.swift).
        fuseRegisterIdiom(&ins, next: host + Int(ins.length), avail: Int(span - k) - Int(ins.length))
        markCode(pa, length: Int(ins.length))
        fetchPage[Int(k)] = ins
        return ins
    }

    /// The `.notDecoded` handler: the fetch hit an empty slot (EIP, cycles unchanged).
    /// Decodes and caches the instruction, then runs it as `executeNext` would have.
    /// The `.crossesPage` handler too: the slot's instruction runs past the page end, and
    /// comes from the cross-page cache (one function, so the dispatch switch it inlines
    /// exists once more, not twice).
    @inline(never)
    func executeUndecoded(crossesPage: Bool) throws(Fault) -> Continuation {
        let ins = crossesPage ? try fetchCrossingPage(slot: nil) : try fetchMiss()
        // As `executeNext` stores them, without the setters (the loop takes the result).
        eipStore = eipStore &+ UInt32(ins.length)
        cyclesStore &+= UInt64(ins.cost)
        return try execute(ins, UInt64(eipStore), cyclesStore)
    }

    /// Byte-by-byte fetch: stops at the first byte that faults (CS limit, page fault),
    /// and raises that fault only if the decoder needed the byte.
    @inline(never)
    func fetchSlow() throws(Fault) -> Instruction {
        let lim = segLimit[Seg.cs]
        let base = segBase[Seg.cs]
        var pending = Fault.generalProtection(0)
        var ins = Instruction()
        var tooLong = false
        var avail = 0
        fetchingInstruction = true          // not a data access for the debugger's watchpoints
        defer { fetchingInstruction = false }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buf in
            for k in 0..<16 {
                let off = eip &+ UInt32(k)
                // SDM 5.3: fetching beyond the CS limit raises #GP(0).
                guard off <= lim && off >= eip else { pending = Fault.generalProtection(0); break }
                do throws(Fault) {
                    // Through the TLB (the slow path walks the page tables once and fills it).
                    buf[k] = UInt8(truncatingIfNeeded: try readLinear(base &+ off, 0))
                } catch {
                    pending = error
                    break
                }
                avail = k + 1
            }
            ins = decoder.decode(UnsafePointer(buf.baseAddress!), avail: avail, code32: codeIs32, tooLong: &tooLong)
        }
        if tooLong { throw Fault.generalProtection(0) }
        if ins.length == 0 { throw avail >= 15 ? Fault.generalProtection(0) : pending }
        ins.cost = costs.cost(of: ins)
        specialize(&ins)
        return ins
    }
}
