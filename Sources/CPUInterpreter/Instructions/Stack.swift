/// PUSH, POP, PUSHA, POPA, PUSHF, POPF, ENTER, LEAVE (SDM vol. 2).
extension CPU {
    /// 8F /0: POP Ev. The destination's address is computed with the incremented ESP
    /// (SDM vol. 2, POP: "If the ESP register is used as a base register ... after it is incremented").
    func popRM(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        guard ins.reg == 0 else { throw Fault.invalidOpcode }
        let size = ins.vsize
        let oldSP = regs[Reg.esp]
        let v = try pop(size)
        do throws(Fault) {
            try writeRM(ins, size, v)
        } catch {
            // The 386 and later leave ESP unchanged when the store faults; the 286 does not.
            if model != .i286 { regs[Reg.esp] = oldSP }
            throw error
        }
    }

    /// 60 PUSHA/PUSHAD: AX CX DX BX (original) SP BP SI DI.
    func pusha(_ ins: Instruction) throws(Fault) {
        let size = ins.vsize
        let sp0 = stackPointer
        let n = UInt32(1 << size)
        let mask = stackMask()
        let original = readReg(Reg.esp, size)
        // The eight slots in one page the TLB maps for writing, in an expand-up writable SS
        // that holds them: none of the pushes can fault, so they are stored at once
        // (Protection/Stacks.swift, `beginFrame`). AX goes highest, DI lowest.
        if let p = beginFrame(8 &* n).host {
            for r in 0..<8 { store(p + (7 - r) << size, size, r == Reg.esp ? original : readReg(r, size)) }
            setStackPointer((sp0 &- 8 &* n) & mask)
            return
        }
        // Check the whole area first so a fault pushes nothing.
        _ = try linearAddress(Seg.ss, (sp0 &- 8 &* n) & mask, size, SegmentAccess.writable)
        for r in 0..<8 {
            let v = r == Reg.esp ? original : readReg(r, size)
            try writeMem(Seg.ss, (sp0 &- UInt32(r + 1) &* n) & mask, size, v)
        }
        setStackPointer((sp0 &- 8 &* n) & mask)
    }

    /// 61 POPA/POPAD: DI SI BP (skip SP) BX DX CX AX.
    func popa(_ ins: Instruction) throws(Fault) {
        let size = ins.vsize
        let sp0 = stackPointer
        let n = UInt32(1 << size)
        let mask = stackMask()
        // The eight slots in one page the TLB maps for reading, in an expand-up readable SS
        // that holds them: read at once (`directStackSlots`). DI lies lowest, AX highest.
        if let p = directStackSlots(8 &* n) {
            for r in 0..<8 where r != Reg.esp { writeReg(r, size, slot(p, UInt32(7 - r), size)) }
            setStackPointer((sp0 &+ 8 &* n) & mask)
            return
        }
        var values = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        try withUnsafeMutableBytes(of: &values) { (raw) throws(Fault) in
            let v = raw.bindMemory(to: UInt32.self)
            for k in 0..<8 {
                v[7 - k] = try readMem(Seg.ss, (sp0 &+ UInt32(k) &* n) & mask, size)
            }
        }
        withUnsafeBytes(of: &values) { raw in
            let v = raw.bindMemory(to: UInt32.self)
            for r in 0..<8 where r != Reg.esp { writeReg(r, size, v[r]) }
        }
        setStackPointer((sp0 &+ 8 &* n) & mask)
    }

    /// 9C PUSHF/PUSHFD: VM and RF are pushed as 0 (SDM vol. 2, PUSHF).
    func pushf(_ ins: Instruction) throws(Fault) {
        // SDM: in virtual-8086 mode with IOPL < 3, PUSHF raises #GP(0).
        if v86Mode && iopl < 3 { throw Fault.generalProtection(0) }
        var f = eflags
        if model == .i286 { f &= protectedMode ? 0x7FFF : 0x0FFF }
        if ins.operand32 { try push(f & 0x00FC_FFFF, 2) } else { try push(f & 0xFFFF, 1) }
    }

    /// 9D POPF/POPFD (SDM vol. 2, POPF): IOPL changes only at CPL 0, IF only when CPL ≤ IOPL;
    /// VM, RF, VIP and VIF are never changed by POPF.
    func popf(_ ins: Instruction) throws(Fault) {
        if v86Mode && iopl < 3 { throw Fault.generalProtection(0) }
        let size = ins.vsize
        let v = try pop(size)
        // The 286 keeps IOPL and NT at 0 in real mode but lets POPF set them in protected mode.
        var writable = model == .i286 && protectedMode ? 0x7FD5 : model.writableFlagsMask
        if size == 1 { writable &= 0xFFFF }
        if protectedMode || v86Mode {
            if cpl > 0 { writable &= ~Flag.iopl }
            if UInt32(cpl) > iopl { writable &= ~Flag.if }
        }
        loadFlags(v, writable: writable)
        if model != .i286 || protectedMode { updateAfterFlagsWrite() }
    }

    /// C8 ENTER imm16, imm8 (SDM vol. 2, ENTER): nesting level taken mod 32. The final
    /// stack pointer is probed first: ENTER faults (#SS, #PF) whenever a write at the final
    /// (E)SP would, before anything is pushed.
    func enter(_ ins: Instruction) throws(Fault) {
        let size = ins.vsize
        let n = UInt32(1 << size)
        let frameSize = ins.imm & 0xFFFF
        let level = ins.imm2 & 0x1F
        let mask = stackMask()
        let start = stackPointer
        let pushes = level > 0 ? 1 + level : 1
        let final = (start &- pushes &* n &- frameSize) & mask
        let probe = try linearAddress(Seg.ss, final, 0, SegmentAccess.writable)
        if cr0 & CR0.pg != 0 { _ = try translate(probe, write: true) }

        var sp = (start &- n) & mask
        try writeMem(Seg.ss, sp, size, readReg(Reg.ebp, size))
        // FrameTemp is the whole stack pointer after pushing (E)BP; with a 16-bit stack the
        // upper half of ESP is kept (a 386 leaves EBP = ESP's upper word : SP; test386 checks it).
        let frameTemp = stackIs32 ? sp : (regs[Reg.esp] & 0xFFFF_0000) | sp
        if level > 0 {
            let bpMask: UInt32 = stackIs32 ? 0xFFFF_FFFF : 0xFFFF
            var bp = readReg(Reg.ebp, stackIs32 ? 2 : 1)
            for _ in 1..<level {
                bp = (bp &- n) & bpMask
                let v = try readMem(Seg.ss, bp, size)
                sp = (sp &- n) & mask
                try writeMem(Seg.ss, sp, size, v)
            }
            sp = (sp &- n) & mask
            try writeMem(Seg.ss, sp, size, frameTemp)
        }
        writeReg(Reg.ebp, size, frameTemp)
        setStackPointer(final)
        cycles &+= UInt64(costs.enterExtra(level: level))
    }

    /// C9 LEAVE: (E)SP ← (E)BP; (E)BP ← POP.
    func leave(_ ins: Instruction) throws(Fault) {
        let bp = stackIs32 ? regs[Reg.ebp] : regs[Reg.ebp] & 0xFFFF
        let v = try readMem(Seg.ss, bp, ins.vsize)
        setStackPointer((bp &+ UInt32(1 << ins.vsize)) & stackMask())
        writeReg(Reg.ebp, ins.vsize, v)
    }

    @inline(__always) var iopl: UInt32 { (flagsStore >> 12) & 3 }
}
