/// BT BTS BTR BTC (register, immediate and group 8 forms) and BSF/BSR (386+; SDM vol. 2).
extension CPU {
    /// 0F A3 BT, 0F AB BTS, 0F B3 BTR, 0F BB BTC (Ev,Gv) and 0F BA /4-/7 (Ev,Ib).
    /// With a register bit offset and a memory operand, the offset is signed and may
    /// address memory outside the operand (SDM vol. 2, BT: "bit base + offset").
    func bitTest(_ ins: Instruction) throws(Fault) {
        let size = ins.vsize
        let bits = UInt32(8 << size)
        let op: Int                      // 0 BT, 1 BTS, 2 BTR, 3 BTC
        let offset: UInt32
        var address: UInt32 = 0
        if ins.op == 0x1BA {
            guard ins.reg >= 4 else { throw Fault.invalidOpcode }
            op = ins.reg - 4
            offset = ins.imm & (bits - 1)
            if ins.hasMemoryOperand { address = effectiveAddress(ins) }
        } else {
            switch ins.op {
            case 0x1A3: op = 0
            case 0x1AB: op = 1
            case 0x1B3: op = 2
            default: op = 3
            }
            let raw = readReg(ins.reg, size)
            offset = raw & (bits - 1)
            if ins.hasMemoryOperand {
                let signed = size == 1 ? Int32(Int16(truncatingIfNeeded: raw)) : Int32(bitPattern: raw)
                let displacement = UInt32(bitPattern: (signed >> (size == 1 ? 4 : 5)) &* Int32(1 << size))
                address = effectiveAddress(ins) &+ displacement
                if !ins.address32 { address &= 0xFFFF }
            }
        }
        try checkLock(ins, lockable: op != 0)
        let mask = UInt32(1) << offset
        let update: (UInt32) -> UInt32 = { v in
            switch op {
            case 1: return v | mask
            case 2: return v & ~mask
            case 3: return v ^ mask
            default: return v
            }
        }
        let bit: Bool
        if ins.hasMemoryOperand {
            let s = Int(ins.seg)
            if op == 0 {
                bit = try readMem(s, address, size) & mask != 0
            } else {
                let la = try linearAddress(s, address, size, SegmentAccess.readable | SegmentAccess.writable)
                let v = try readLinear(la, size)
                bit = v & mask != 0
                try writeLinear(la, size, update(v))
            }
        } else {
            let v = readReg(ins.rm, size)
            bit = v & mask != 0
            if op != 0 { writeReg(ins.rm, size, update(v)) }
        }
        setCF(bit)
    }

    /// BT BTS BTR BTC m32, r32 without LOCK (the specialised form; `fastOp` 0-3 is the
    /// operation): the register is a signed bit offset, so the dword holding the bit is at
    /// EA + (offset >> 5) * 4 (SDM vol. 2, BT: bit-string addressing). CF is the bit; the
    /// other flags are left as `bitTest` leaves them (unchanged), but without materialising
    /// the lazy record: only its carry changes.
    @inline(never) func xBitTestMR32(_ ins: Instruction) throws(Fault) {
        let raw = regs[ins.reg]
        let mask = UInt32(1) << (raw & 31)
        var address = effectiveAddress(ins) &+ UInt32(bitPattern: (Int32(bitPattern: raw) >> 5) &* 4)
        if !ins.address32 { address &= 0xFFFF }
        let op = ins.fastOp
        let s = Int(ins.seg)
        let bit: Bool
        if op == 0 {
            bit = try readMem(s, address, 2) & mask != 0
        } else {
            let la = try linearAddress(s, address, 2, SegmentAccess.readable | SegmentAccess.writable)
            let v = try readLinear(la, 2)
            bit = v & mask != 0
            try writeLinear(la, 2, op == 1 ? v | mask : (op == 2 ? v & ~mask : v ^ mask))
        }
        if lazy.op == .none {
            flagsStore = (flagsStore & ~Flag.cf) | (bit ? Flag.cf : 0)
        } else {
            setLazyCarryOverflow(bit, of)
        }
    }

    /// 0F BC BSF, 0F BD BSR: ZF = 1 and the destination unchanged when the source is 0.
    func bitScan(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let size = ins.vsize
        let v = try readRM(ins, size)
        materializeFlags()
        if v == 0 {
            setFlag(Flag.zf, true)
            return
        }
        let index = ins.op == 0x1BC ? UInt32(v.trailingZeroBitCount) : UInt32(31 - v.leadingZeroBitCount)
        writeReg(ins.reg, size, index)
        setFlag(Flag.zf, false)
    }
}
