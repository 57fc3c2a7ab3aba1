/// Instruction fetch: CS:EIP → linear → physical → decode cache, with the slow path
/// for instructions near a page end or the CS limit, and for code outside plain RAM/ROM.
extension CPU {
    @inline(__always)
    func fetch() throws(Fault) -> Instruction {
        let off = eip
        let lim = segLimit[Seg.cs]
        let la = segBase[Seg.cs] &+ off
        if off <= lim && lim &- off >= 15 && (la & 0xFFF) <= 4096 - 16 {
            let vpn = la >> 12
            let i = TLB.index(vpn)
            if tlb.readTag[i] == vpn {
                let pa = (tlb.readPhysPage[i] << 12) | (la & 0xFFF)
                let slot = DecodeCache.slot(pa)
                let code32 = codeIs32
                if icache.tags[slot] == DecodeCache.tag(pa, code32: code32) {
                    return icache.entries[slot]
                }
                let host = UnsafePointer<UInt8>(bitPattern: tlb.readAddend[i] &+ Int(la))!
                return try decodeIntoCache(host, pa: pa, slot: slot, code32: code32)
            }
        }
        return try fetchSlow()
    }

    @inline(never)
    func decodeIntoCache(_ host: UnsafePointer<UInt8>, pa: UInt32, slot: Int, code32: Bool) throws(Fault) -> Instruction {
        var tooLong = false
        var ins = decoder.decode(host, avail: 16, code32: code32, tooLong: &tooLong)
        // SDM: an instruction longer than the model's limit raises #GP(0).
        if tooLong || ins.length == 0 { throw Fault.generalProtection(0) }
        ins.cost = costs.cost(of: ins)
        markCode(pa, length: Int(ins.length))
        icache.entries[slot] = ins
        icache.tags[slot] = DecodeCache.tag(pa, code32: code32)
        return ins
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
        return ins
    }
}
