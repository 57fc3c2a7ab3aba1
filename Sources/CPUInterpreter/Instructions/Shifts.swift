/// Group 2 (ROL ROR RCL RCR SHL SHR SAL SAR) and SHLD/SHRD (SDM vol. 2, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR).
///
/// Counts are masked to 5 bits (the 286 and later). A masked count of 0 changes nothing,
/// not even the flags. OF is architecturally defined only for a count of 1; for larger
/// counts we compute it as the last step of the shift would (what the 286 does, and
/// what SingleStepTests record for the immediate forms).
extension CPU {
    /// C0/C1 (count imm8), D0/D1 (count 1), D2/D3 (count CL).
    func group2(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let size = operandSize(ins)
        let raw: UInt32
        switch ins.op {
        case 0xC0, 0xC1: raw = ins.imm
        case 0xD0, 0xD1: raw = 1
        default: raw = UInt32(reg8(1))
        }
        let count = raw & 0x1F
        cycles &+= UInt64(costs.shiftExtra(op: ins.op, count: count))
        if count == 0 {
            _ = try readRM(ins, size)    // the operand is still read (and may fault)
            return
        }
        let op = ins.reg
        let (t, v) = try beginRMW(ins, size)
        try endRMW(t, size, shift(op, v, count, size))
    }

    /// A rotate sets CF and OF and leaves SF ZF AF PF as they are: in a lazy record they are
    /// read from its result, so only its carry and overflow vectors change (as INC/DEC keep CF).
    @inline(__always) func setRotateFlags(_ c: Bool, _ o: Bool) {
        if lazy.op == .none {
            flagsStore = (flagsStore & ~(Flag.cf | Flag.of)) | (c ? Flag.cf : 0) | (o ? Flag.of : 0)
        } else {
            setLazyCarryOverflow(c, o)
        }
    }

    /// One shift or rotate of `v` (masked to `size`) by `count` in 1…31.
    @inline(__always) func shift(_ op: Int, _ v: UInt32, _ count: UInt32, _ size: Int) -> UInt32 {
        let n = UInt32(8 << size)
        let m = sizeMask(size)
        let msb = signBit(size)
        var r: UInt32
        var c: Bool
        var o: Bool
        switch op {
        case 0: // ROL
            let k = count % n
            r = k == 0 ? v : ((v << k) | (v >> (n - k))) & m
            c = r & 1 != 0
            o = (r & msb != 0) != c
            setRotateFlags(c, o)
            return r
        case 1: // ROR
            let k = count % n
            r = k == 0 ? v : ((v >> k) | (v << (n - k))) & m
            c = r & msb != 0
            o = (r & msb != 0) != (r & (msb >> 1) != 0)
            setRotateFlags(c, o)
            return r
        case 2: // RCL: rotate through CF, n+1 bits
            let k = UInt64(count % (n + 1))
            let x = (UInt64(cf ? 1 : 0) << UInt64(n)) | UInt64(v)
            let mm = (UInt64(1) << UInt64(n + 1)) - 1
            let y = k == 0 ? x : ((x << k) | (x >> (UInt64(n) + 1 - k))) & mm
            r = UInt32(truncatingIfNeeded: y) & m
            c = (y >> UInt64(n)) & 1 != 0
            o = (r & msb != 0) != c
            setRotateFlags(c, o)
            return r
        case 3: // RCR
            let k = UInt64(count % (n + 1))
            let x = (UInt64(cf ? 1 : 0) << UInt64(n)) | UInt64(v)
            let mm = (UInt64(1) << UInt64(n + 1)) - 1
            let y = k == 0 ? x : ((x >> k) | (x << (UInt64(n) + 1 - k))) & mm
            r = UInt32(truncatingIfNeeded: y) & m
            c = (y >> UInt64(n)) & 1 != 0
            o = (r & msb != 0) != (r & (msb >> 1) != 0)
            setRotateFlags(c, o)
            return r
        case 4, 6: // SHL / SAL
            r = count >= 32 ? 0 : (v << count) & m
            c = count <= n ? (v >> (n - count)) & 1 != 0 : false
            o = (r & msb != 0) != c
        case 5: // SHR
            r = v >> count
            c = count <= n ? (v >> (count - 1)) & 1 != 0 : false
            o = count == 1 ? v & msb != 0 : (count - 1 < n ? (v >> (count - 1)) & msb != 0 : false)
        default: // SAR
            let sv: Int32
            switch size {
            case 0: sv = Int32(Int8(truncatingIfNeeded: v))
            case 1: sv = Int32(Int16(truncatingIfNeeded: v))
            default: sv = Int32(bitPattern: v)
            }
            r = UInt32(bitPattern: sv >> Int32(min(count, 31))) & m
            c = (sv >> Int32(min(count - 1, 31))) & 1 != 0
            o = false
        }
        setLazyExplicit(r, size, cf: c, of: o)
        return r
    }

    /// SHL (4, 6), SHR (5) or SAR (7) of `v` (masked to `size`, 16 or 32 bits) by a `count`
    /// in 1…31, the specialised forms' constant count: the same results and flags as
    /// `shift`, with shifts that need no out-of-range tests. For a 16-bit operand a count
    /// above 16 shifts every bit out: the carry reads bit 16 of `v << count` (0 then), or
    /// bit 0 of `v >> (count - 1)` (0 then). OF is the last step's, as in `shift`: SHL's
    /// result sign XOR CF, SHR's the operand's sign before its last step (0 unless count
    /// is 1), SAR's 0.
    @inline(__always) func shiftFast(_ op: Int, _ v: UInt32, _ count: UInt32, _ size: Int) -> UInt32 {
        let (r, c, o) = shiftFastResult(op, v, count, size)
        setLazyExplicit(r, size, cf: c, of: o)
        return r
    }

    /// `shiftFast`'s result, CF and OF, without recording them.
    @inline(__always) func shiftFastResult(_ op: Int, _ v: UInt32, _ count: UInt32, _ size: Int) -> (UInt32, Bool, Bool) {
        let n = UInt32(8 << size)
        let msb = signBit(size)
        let r: UInt32, c: Bool, o: Bool
        switch op {
        case 4, 6: // SHL / SAL
            let w = UInt64(v) &<< UInt64(count)
            r = UInt32(truncatingIfNeeded: w) & sizeMask(size)
            c = (w >> UInt64(n)) & 1 != 0
            o = (r & msb != 0) != c
        case 5: // SHR
            let t = v &>> (count &- 1)
            r = t >> 1
            c = t & 1 != 0
            o = t & msb != 0
        default: // SAR
            let sv = size == 1 ? Int32(Int16(truncatingIfNeeded: v)) : Int32(bitPattern: v)
            let t = sv &>> Int32(count &- 1)
            r = UInt32(bitPattern: t >> 1) & sizeMask(size)
            c = t & 1 != 0
            o = false
        }
        return (r, c, o)
    }

    /// 0F A4/A5 SHLD and 0F AC/AD SHRD (386+): Ev ← Ev:Gv shifted by imm8 or CL.
    func doubleShift(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let size = ins.vsize
        let count = (ins.op & 1 == 0 ? ins.imm : UInt32(reg8(1))) & 0x1F
        if count == 0 { _ = try readRM(ins, size); return }
        let s = readReg(ins.reg, size)
        let left = ins.op < 0x1A8
        let (target, d) = try beginRMW(ins, size)
        do {
            let c = UInt64(count)
            var r: UInt32
            var carry: Bool
            if size == 2 {
                if left {
                    let x = (UInt64(d) << 32) | UInt64(s)
                    r = UInt32(truncatingIfNeeded: (x << c) >> 32)
                    carry = (UInt64(d) >> (32 - c)) & 1 != 0
                } else {
                    let x = (UInt64(s) << 32) | UInt64(d)
                    r = UInt32(truncatingIfNeeded: x >> c)
                    carry = (UInt64(d) >> (c - 1)) & 1 != 0
                }
            } else {
                // 16-bit: counts above 16 keep shifting in the destination's bits again.
                if left {
                    let x = (UInt64(d) << 32) | (UInt64(s) << 16) | UInt64(d)
                    r = UInt32(truncatingIfNeeded: (x << c) >> 32) & 0xFFFF
                    carry = ((x << (c - 1)) >> 47) & 1 != 0
                } else {
                    let x = (UInt64(d) << 32) | (UInt64(s) << 16) | UInt64(d)
                    r = UInt32(truncatingIfNeeded: x >> c) & 0xFFFF
                    carry = (x >> (c - 1)) & 1 != 0
                }
            }
            let msb = signBit(size)
            setFlagsSZP(r, size, cf: carry, of: (r & msb) != (d & msb))
            try endRMW(target, size, r)
        }
    }
}
