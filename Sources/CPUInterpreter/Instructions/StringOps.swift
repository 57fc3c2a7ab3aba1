/// MOVS CMPS STOS LODS SCAS INS OUTS, with REP/REPE/REPNE (SDM vol. 2, REP/REPE/REPZ/REPNE/REPNZ).
///
/// The source is DS:(E)SI (segment override allowed), the destination ES:(E)DI (never
/// overridden). The address size picks SI/DI/CX or ESI/EDI/ECX. A repeated instruction
/// is interruptible: it gives up the CPU between iterations when an interrupt is
/// pending or the run's cycle budget is spent, leaving EIP on itself to resume.
extension CPU {
    enum StringKind { case movs, cmps, stos, lods, scas, ins, outs }

    func stringInstruction(_ ins: Instruction, _ kind: StringKind) throws(Fault) {
        try checkLock(ins, lockable: false)
        let size = operandSize(ins)
        if kind == .ins || kind == .outs {
            try checkIOPermission(port: UInt16(truncatingIfNeeded: regs[Reg.edx]), size: size)
        }
        let repeated = ins.prefixes & (Prefix.rep | Prefix.repne) != 0
        guard repeated else {
            try stringIteration(ins, kind, size)
            return
        }
        let a32 = ins.address32
        let perIteration = UInt64(costs.repIteration(ins))
        let untilEqual = ins.prefixes & Prefix.repne != 0     // REPNE stops when ZF = 1
        var done: UInt64 = 0
        if (kind == .movs || kind == .stos) && !df && model != .i286 {
            done = repeatInHostMemory(ins, kind, size, perIteration: perIteration)
        }
        while true {
            let count = a32 ? regs[Reg.ecx] : regs[Reg.ecx] & 0xFFFF
            if count == 0 { break }
            let di0 = regs[Reg.edi] & 0xFFFF
            do throws(Fault) {
                try stringIteration(ins, kind, size)
            } catch {
                // The 286 has already counted the iteration when its access faults, and
                // counts it twice when the faulting access was the store to ES:DI
                // (recorded on a real 80C286; the 386 leaves (E)CX as it was).
                if model == .i286 {
                    let consumed: UInt32 = kind == .movs || kind == .stos || kind == .ins ? 2 : 1
                    let storeFaulted = regs[Reg.edi] & 0xFFFF != di0
                    setReg16(Reg.ecx, UInt16(truncatingIfNeeded: count &- (storeFaulted ? consumed : 1)))
                }
                throw error
            }
            if a32 { regs[Reg.ecx] = count &- 1 } else { setReg16(Reg.ecx, UInt16(truncatingIfNeeded: count &- 1)) }
            done &+= 1
            cycles &+= perIteration
            if kind == .cmps || kind == .scas {
                if zf == untilEqual { break }
            }
            if count &- 1 != 0 && (cycles >= cycleDeadline || (intrLine && flagsStore & Flag.if != 0) || stopRequested) {
                eip = instructionStart        // resume this instruction later
                break
            }
        }
        if done > 1 { instructionsRetired &+= done &- 1 }
    }

    @inline(__always) func stringIteration(_ ins: Instruction, _ kind: StringKind, _ size: Int) throws(Fault) {
        if model == .i286 { try stringIteration286(ins, kind, size); return }
        let a32 = ins.address32
        let mask: UInt32 = a32 ? 0xFFFF_FFFF : 0xFFFF
        let delta: UInt32 = df ? 0 &- UInt32(1 << size) : UInt32(1 << size)
        let si = regs[Reg.esi] & mask, di = regs[Reg.edi] & mask
        let src = Int(ins.seg)
        switch kind {
        case .movs:
            let v = try readMem(src, si, size)
            try writeMem(Seg.es, di, size, v)
            advance(Reg.esi, delta, a32); advance(Reg.edi, delta, a32)
        case .cmps:
            let a = try readMem(src, si, size)
            let b = try readMem(Seg.es, di, size)
            _ = alu(7, a, b, size)
            advance(Reg.esi, delta, a32); advance(Reg.edi, delta, a32)
        case .stos:
            try writeMem(Seg.es, di, size, readReg(Reg.eax, size))
            advance(Reg.edi, delta, a32)
        case .lods:
            writeReg(Reg.eax, size, try readMem(src, si, size))
            advance(Reg.esi, delta, a32)
        case .scas:
            let b = try readMem(Seg.es, di, size)
            _ = alu(7, readReg(Reg.eax, size), b, size)
            advance(Reg.edi, delta, a32)
        case .ins:
            // The destination is checked before the port is read.
            try checkWritable(Seg.es, di, size)
            let v = ports.readPort(UInt16(truncatingIfNeeded: regs[Reg.edx]), size: 1 << size)
            try writeMem(Seg.es, di, size, v)
            advance(Reg.edi, delta, a32)
        case .outs:
            let v = try readMem(src, si, size)
            ports.writePort(UInt16(truncatingIfNeeded: regs[Reg.edx]), size: 1 << size, value: v)
            advance(Reg.esi, delta, a32)
        }
    }

    @inline(__always) func advance(_ r: Int, _ delta: UInt32, _ a32: Bool) {
        if a32 { regs[r] = regs[r] &+ delta } else { setReg16(r, UInt16(truncatingIfNeeded: regs[r] &+ delta)) }
    }

    /// The 286 advances an index register even when its memory access faults (seen in
    /// SingleStepTests: MOVSW with SI = FFFFh raises #GP with SI already advanced, DI not).
    func stringIteration286(_ ins: Instruction, _ kind: StringKind, _ size: Int) throws(Fault) {
        let delta: UInt32 = df ? 0 &- UInt32(1 << size) : UInt32(1 << size)
        let si = regs[Reg.esi] & 0xFFFF, di = regs[Reg.edi] & 0xFFFF
        let src = Int(ins.seg)
        func access<T>(_ r: Int, _ body: () throws(Fault) -> T) throws(Fault) -> T {
            do throws(Fault) { let v = try body(); advance(r, delta, false); return v }
            catch { advance(r, delta, false); throw error }
        }
        switch kind {
        case .movs:
            let v = try access(Reg.esi) { () throws(Fault) in try readMem(src, si, size) }
            try access(Reg.edi) { () throws(Fault) in try writeMem(Seg.es, di, size, v) }
        case .cmps:
            let a = try access(Reg.esi) { () throws(Fault) in try readMem(src, si, size) }
            let b = try access(Reg.edi) { () throws(Fault) in try readMem(Seg.es, di, size) }
            _ = alu(7, a, b, size)
        case .stos:
            try access(Reg.edi) { () throws(Fault) in try writeMem(Seg.es, di, size, readReg(Reg.eax, size)) }
        case .lods:
            let v = try access(Reg.esi) { () throws(Fault) in try readMem(src, si, size) }
            writeReg(Reg.eax, size, v)
        case .scas:
            let b = try access(Reg.edi) { () throws(Fault) in try readMem(Seg.es, di, size) }
            _ = alu(7, readReg(Reg.eax, size), b, size)
        case .ins:
            try access(Reg.edi) { () throws(Fault) in
                try checkWritable(Seg.es, di, size)
                try writeMem(Seg.es, di, size, ports.readPort(UInt16(truncatingIfNeeded: regs[Reg.edx]), size: 1 << size))
            }
        case .outs:
            let v = try access(Reg.esi) { () throws(Fault) in try readMem(src, si, size) }
            ports.writePort(UInt16(truncatingIfNeeded: regs[Reg.edx]), size: 1 << size, value: v)
        }
    }

    /// REP MOVS / REP STOS (DF = 0) over host memory: whole runs of elements that lie in
    /// one page of plain RAM on both sides, inside the segment limits and without offset
    /// wrap, are moved with no per-element checks. Stops at anything unusual (page or
    /// segment edge, TLB miss, MMIO, decoded code — such pages have no write-TLB entry),
    /// leaving the rest to the element-by-element loop. Elements are copied in ascending
    /// order, so overlapping moves repeat patterns exactly as the CPU does.
    func repeatInHostMemory(_ ins: Instruction, _ kind: StringKind, _ size: Int, perIteration: UInt64) -> UInt64 {
        let a32 = ins.address32
        let mask: UInt32 = a32 ? 0xFFFF_FFFF : 0xFFFF
        let n = UInt32(1 << size)
        let src = Int(ins.seg)
        var done: UInt64 = 0
        while true {
            let count = a32 ? regs[Reg.ecx] : regs[Reg.ecx] & 0xFFFF
            if count == 0 { break }
            if done > 0 && (cycles >= cycleDeadline || (intrLine && flagsStore & Flag.if != 0) || stopRequested) { break }
            var k = min(count, 16384)
            // Destination ES:DI
            let di = regs[Reg.edi] & mask
            guard segAccess[Seg.es] & (SegmentAccess.writable | SegmentAccess.expandDown) == SegmentAccess.writable,
                  di <= segLimit[Seg.es] else { break }
            k = min(k, (segLimit[Seg.es] &- di &+ 1) / n)
            if !a32 { k = min(k, (0x1_0000 - di) / n) }
            let laD = segBase[Seg.es] &+ di
            k = min(k, (4096 - (laD & 0xFFF)) / n)
            guard k > 0 else { break }
            let iD = TLB.index(laD >> 12)
            guard tlb.writeTag[iD] == laD >> 12 else { break }
            let dst = UnsafeMutableRawPointer(bitPattern: tlb.writeAddend[iD] &+ Int(laD))!
            if kind == .stos {
                let v = readReg(Reg.eax, size)
                switch size {
                case 0: dst.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: v), count: Int(k))
                case 1: for j in 0..<Int(k) { dst.storeBytes(of: UInt16(truncatingIfNeeded: v), toByteOffset: 2 * j, as: UInt16.self) }
                default: for j in 0..<Int(k) { dst.storeBytes(of: v, toByteOffset: 4 * j, as: UInt32.self) }
                }
            } else {
                // Source DS:SI (or the override)
                let si = regs[Reg.esi] & mask
                guard segAccess[src] & (SegmentAccess.readable | SegmentAccess.expandDown) == SegmentAccess.readable,
                      si <= segLimit[src] else { break }
                k = min(k, (segLimit[src] &- si &+ 1) / n)
                if !a32 { k = min(k, (0x1_0000 - si) / n) }
                let laS = segBase[src] &+ si
                k = min(k, (4096 - (laS & 0xFFF)) / n)
                guard k > 0 else { break }
                let iS = TLB.index(laS >> 12)
                guard tlb.readTag[iS] == laS >> 12 else { break }
                let from = UnsafeRawPointer(bitPattern: tlb.readAddend[iS] &+ Int(laS))!
                let bytes = Int(k * n)
                if from + bytes <= UnsafeRawPointer(dst) || UnsafeRawPointer(dst) + bytes <= from || UnsafeRawPointer(dst) < from {
                    // No overlap, or the destination is below the source: a forward copy is exact.
                    for j in 0..<bytes { dst.storeBytes(of: from.load(fromByteOffset: j, as: UInt8.self), toByteOffset: j, as: UInt8.self) }
                } else {
                    // The destination overlaps above the source: element by element, as the CPU does.
                    for j in 0..<Int(k) {
                        switch size {
                        case 0: dst.storeBytes(of: from.load(fromByteOffset: j, as: UInt8.self), toByteOffset: j, as: UInt8.self)
                        case 1: dst.storeBytes(of: from.loadUnaligned(fromByteOffset: 2 * j, as: UInt16.self), toByteOffset: 2 * j, as: UInt16.self)
                        default: dst.storeBytes(of: from.loadUnaligned(fromByteOffset: 4 * j, as: UInt32.self), toByteOffset: 4 * j, as: UInt32.self)
                        }
                    }
                }
                advance(Reg.esi, k &* n, a32)
            }
            advance(Reg.edi, k &* n, a32)
            if a32 { regs[Reg.ecx] = count &- k } else { setReg16(Reg.ecx, UInt16(truncatingIfNeeded: count &- k)) }
            done &+= UInt64(k)
            cycles &+= UInt64(k) &* perIteration
        }
        return done
    }
}
