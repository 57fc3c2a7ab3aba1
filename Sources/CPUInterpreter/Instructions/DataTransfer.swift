/// MOV, XCHG, LEA, LDS/LES/LSS/LFS/LGS, XLAT, MOVZX/MOVSX, CMOVcc, SETcc, LAHF/SAHF,
/// BSWAP, XADD, CMPXCHG, CMPXCHG8B (SDM vol. 2).
extension CPU {
    /// 88-8B: MOV Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev.
    @inline(__always) func movForm(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let size = operandSize(ins)
        if ins.op & 2 == 0 { try writeRM(ins, size, readReg(ins.reg, size)) }
        else { writeReg(ins.reg, size, try readRM(ins, size)) }
    }

    /// A0-A3: MOV AL/eAX, moffs and back.
    func movOffset(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        // A copy of the body per operand size (the size constant in the access).
        switch operandSize(ins) {
        case 2: try movOffset(ins, size: 2)
        case 1: try movOffset(ins, size: 1)
        default: try movOffset(ins, size: 0)
        }
    }

    @inline(__always) private func movOffset(_ ins: Instruction, size: Int) throws(Fault) {
        let off = ins.address32 ? ins.disp : ins.disp & 0xFFFF
        if ins.op < 0xA2 { writeReg(Reg.eax, size, try readMem(Int(ins.seg), off, size)) }
        else { try writeMem(Int(ins.seg), off, size, readReg(Reg.eax, size)) }
    }

    /// 86/87: XCHG Eb,Gb / Ev,Gv (implicitly locked with a memory operand).
    func xchg(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: true)
        let size = operandSize(ins)
        let r = readReg(ins.reg, size)
        let (t, old) = try beginRMW(ins, size)
        try endRMW(t, size, r)
        writeReg(ins.reg, size, old)
    }

    /// 8D: LEA Gv,M. A register operand raises #UD.
    func lea(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        guard ins.hasMemoryOperand else { throw Fault.invalidOpcode }
        writeReg(ins.reg, ins.vsize, effectiveAddress(ins))
    }

    /// C4 LES, C5 LDS, 0F B2 LSS, 0F B4 LFS, 0F B5 LGS: Gv and a segment from a far pointer.
    /// (One handler for the five: the segment register comes from the opcode.)
    func loadFarPointer(_ ins: Instruction) throws(Fault) {
        let s: Int
        switch ins.op {
        case 0xC4: s = Seg.es
        case 0xC5: s = Seg.ds
        case 0x1B2: s = Seg.ss
        case 0x1B4: s = Seg.fs
        default: s = Seg.gs                                 // 0F B5 (the table sets no other)
        }
        try checkLock(ins, lockable: false)
        guard ins.hasMemoryOperand else { throw Fault.invalidOpcode }
        let size = ins.vsize
        let off = effectiveAddress(ins)
        let mask: UInt32 = ins.address32 ? 0xFFFF_FFFF : 0xFFFF
        let value = try readMem(Int(ins.seg), off, size)
        let selector = try readMem(Int(ins.seg), (off &+ UInt32(1 << size)) & mask, 1)
        try loadSegmentRegister(s, UInt16(selector))
        writeReg(ins.reg, size, value)
    }

    /// D7: XLAT: AL ← [seg:(E)BX + AL].
    func xlat(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        var off = regs[Reg.ebx] &+ UInt32(reg8(0))
        if !ins.address32 { off &= 0xFFFF }
        setReg8(0, UInt8(truncatingIfNeeded: try readMem(Int(ins.seg), off, 0)))
    }

    /// 0F B6/B7 MOVZX, 0F BE/BF MOVSX.
    func movExtend(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let srcSize = ins.op & 1 == 0 ? 0 : 1
        var v = try readRM(ins, srcSize)
        if ins.op >= 0x1BE { v = srcSize == 0 ? signExtend8(v) : signExtend16(v) }
        writeReg(ins.reg, ins.vsize, v)
    }

    /// 0F 40-4F CMOVcc Gv,Ev (P6): the source is read (and may fault) even when false.
    func cmov(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let v = try readRM(ins, ins.vsize)
        if condition(Int(ins.op & 0xF)) { writeReg(ins.reg, ins.vsize, v) }
    }

    /// 0F 90-9F SETcc Eb.
    func setcc(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        try writeRM(ins, 0, condition(Int(ins.op & 0xF)) ? 1 : 0)
    }

    /// 9F LAHF: AH ← SF ZF 0 AF 0 PF 1 CF.
    func lahf() {
        setReg8(4, UInt8(truncatingIfNeeded: (eflags & 0xD5) | 0x02))
    }
    /// 9E SAHF: SF ZF AF PF CF ← AH.
    func sahf() {
        materializeFlags()
        flagsStore = (flagsStore & ~UInt32(0xD5)) | (UInt32(reg8(4)) & 0xD5)
    }

    /// 0F C8+r BSWAP r32 (486+). With a 16-bit operand the result is undefined; we clear the low word as real CPUs do.
    func bswap(_ ins: Instruction) {
        let r = Int(ins.op & 7)
        if ins.operand32 { regs[r] = regs[r].byteSwapped } else { setReg16(r, 0) }
    }

    /// 0F C0/C1 XADD Eb,Gb / Ev,Gv (486+): TEMP ← SRC + DEST; SRC ← DEST; DEST ← TEMP.
    func xadd(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: true)
        let size = ins.op & 1 == 0 ? 0 : ins.vsize
        let s = readReg(ins.reg, size)
        if ins.hasMemoryOperand {
            let (t, old) = try beginRMW(ins, size)
            try endRMW(t, size, alu(0, old, s, size))
            writeReg(ins.reg, size, old)
        } else {
            // The source is written first, so XADD r,r with one register leaves the sum.
            let d = readReg(ins.rm, size)
            let sum = alu(0, d, s, size)
            writeReg(ins.reg, size, d)
            writeReg(ins.rm, size, sum)
        }
    }

    /// 0F B0/B1 CMPXCHG Eb,Gb / Ev,Gv (486+): compare accumulator with DEST; equal:
    /// DEST ← SRC, else accumulator ← DEST. A memory destination is always written.
    func cmpxchg(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: true)
        let size = ins.op & 1 == 0 ? 0 : ins.vsize
        let acc = readReg(Reg.eax, size)
        let s = readReg(ins.reg, size)
        let (t, old) = try beginRMW(ins, size)
        _ = alu(7, acc, old, size)
        try endRMW(t, size, acc == old ? s : old)
        if acc != old { writeReg(Reg.eax, size, old) }
    }

    /// 0F C7 /1 CMPXCHG8B m64 (Pentium+): compare EDX:EAX with m64; equal: m64 ← ECX:EBX, ZF = 1;
    /// else EDX:EAX ← m64, ZF = 0. A register operand raises #UD.
    func cmpxchg8b(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: true)
        guard ins.reg == 1, ins.hasMemoryOperand else { throw Fault.invalidOpcode }
        let s = Int(ins.seg)
        let off = effectiveAddress(ins)
        let mask: UInt32 = ins.address32 ? 0xFFFF_FFFF : 0xFFFF
        let la0 = try linearAddress(s, off, 2, SegmentAccess.readable | SegmentAccess.writable)
        let la1 = try linearAddress(s, (off &+ 4) & mask, 2, SegmentAccess.readable | SegmentAccess.writable)
        let lo = try readLinear(la0, 2), hi = try readLinear(la1, 2)
        let equal = lo == regs[Reg.eax] && hi == regs[Reg.edx]
        if equal {
            try writeLinear(la0, 2, regs[Reg.ebx]); try writeLinear(la1, 2, regs[Reg.ecx])
        } else {
            try writeLinear(la0, 2, lo); try writeLinear(la1, 2, hi)
            regs[Reg.eax] = lo; regs[Reg.edx] = hi
        }
        setFlag(Flag.zf, equal)
    }
}
