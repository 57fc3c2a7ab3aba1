/// ADD OR ADC SBB AND SUB XOR CMP, INC DEC NEG NOT, MUL IMUL DIV IDIV, CBW/CWD.
extension CPU {
    /// The eight two-operand ALU operations in opcode order (SDM vol. 2, table A-2 rows 0-3).
    @inline(__always) func alu(_ op: Int, _ d: UInt32, _ s: UInt32, _ size: Int) -> UInt32 {
        let m = sizeMask(size)
        switch op {
        case 0: let r = (d &+ s) & m; setLazy(.add, size, d, s, r); return r
        case 1: let r = d | s; setLazy(.logic, size, d, s, r); return r
        case 2: let r = (d &+ s &+ (cf ? 1 : 0)) & m; setLazy(.add, size, d, s, r); return r
        case 3: let r = (d &- s &- (cf ? 1 : 0)) & m; setLazy(.sub, size, d, s, r); return r
        case 4: let r = d & s; setLazy(.logic, size, d, s, r); return r
        case 6: let r = d ^ s; setLazy(.logic, size, d, s, r); return r
        default: let r = (d &- s) & m; setLazy(.sub, size, d, s, r); return r   // SUB, CMP
        }
    }

    /// Opcodes 00-3D: op Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iv.
    @inline(__always) func aluForm(_ ins: Instruction) throws(Fault) {
        let opc = Int(ins.op)
        let op = (opc >> 3) & 7
        let size = opc & 1 == 0 ? 0 : ins.vsize
        switch opc & 7 {
        case 0, 1:
            try checkLock(ins, lockable: op != 7)
            let s = readReg(ins.reg, size)
            if op == 7 { _ = alu(7, try readRM(ins, size), s, size) }
            else { let (t, d) = try beginRMW(ins, size); try endRMW(t, size, alu(op, d, s, size)) }
        case 2, 3:
            try checkLock(ins, lockable: false)
            let r = alu(op, readReg(ins.reg, size), try readRM(ins, size), size)
            if op != 7 { writeReg(ins.reg, size, r) }
        default:
            try checkLock(ins, lockable: false)
            let imm = ins.imm & sizeMask(size)
            let r = alu(op, readReg(Reg.eax, size), imm, size)
            if op != 7 { writeReg(Reg.eax, size, r) }
        }
    }

    /// 80-83: group 1, op Eb,Ib / Ev,Iv / Eb,Ib / Ev,Ib (sign-extended).
    @inline(__always) func group1(_ ins: Instruction) throws(Fault) {
        let op = ins.reg
        let size = ins.op == 0x80 || ins.op == 0x82 ? 0 : ins.vsize
        let imm = ins.op == 0x83 ? signExtend8(ins.imm) & sizeMask(size) : ins.imm & sizeMask(size)
        try checkLock(ins, lockable: op != 7)
        if op == 7 { _ = alu(7, try readRM(ins, size), imm, size) }
        else { let (t, d) = try beginRMW(ins, size); try endRMW(t, size, alu(op, d, imm, size)) }
    }

    @inline(__always) func inc(_ v: UInt32, _ size: Int) -> UInt32 {
        let c = cf
        let r = (v &+ 1) & sizeMask(size)
        setLazy(.inc, size, v, 1, r)
        setLazyCarryOverflow(c, ~v & r & lazy.msb != 0)      // CF kept; OF: 7F..F -> 80..0
        return r
    }
    @inline(__always) func dec(_ v: UInt32, _ size: Int) -> UInt32 {
        let c = cf
        let r = (v &- 1) & sizeMask(size)
        setLazy(.dec, size, v, 1, r)
        setLazyCarryOverflow(c, v & ~r & lazy.msb != 0)      // CF kept; OF: 80..0 -> 7F..F
        return r
    }
    @inline(__always) func neg(_ v: UInt32, _ size: Int) -> UInt32 {
        let r = (0 &- v) & sizeMask(size)
        setLazy(.sub, size, 0, v, r)
        return r
    }

    /// F6/F7 group 3: TEST NOT NEG MUL IMUL DIV IDIV (/1 is an alias of TEST).
    func group3(_ ins: Instruction) throws(Fault) {
        let size = operandSize(ins)
        switch ins.reg {
        case 0, 1:
            try checkLock(ins, lockable: false)
            _ = alu(4, try readRM(ins, size), ins.imm & sizeMask(size), size)
        case 2:
            try checkLock(ins, lockable: true)
            let (t, v) = try beginRMW(ins, size); try endRMW(t, size, ~v & sizeMask(size))
        case 3:
            try checkLock(ins, lockable: true)
            let (t, v) = try beginRMW(ins, size); try endRMW(t, size, neg(v, size))
        case 4:
            try checkLock(ins, lockable: false)
            try multiplyUnsigned(try readRM(ins, size), size)
        case 5:
            try checkLock(ins, lockable: false)
            try multiplySigned(try readRM(ins, size), size)
        case 6:
            try checkLock(ins, lockable: false)
            try divideUnsigned(try readRM(ins, size), size)
        default:
            try checkLock(ins, lockable: false)
            try divideSigned(try readRM(ins, size), size)
        }
    }

    /// MUL: AX ← AL·r/m8, DX:AX ← AX·r/m16, EDX:EAX ← EAX·r/m32; CF = OF = (upper half ≠ 0).
    /// SF ZF PF are undefined; we set them from the low half as the 386-P6 do; AF cleared.
    @inline(__always)
    func multiplyUnsigned(_ s: UInt32, _ size: Int) throws(Fault) {
        let upper: UInt32, lower: UInt32
        switch size {
        case 0:
            let r = UInt32(reg8(0)) &* s
            setReg16(Reg.eax, UInt16(truncatingIfNeeded: r))
            upper = r >> 8; lower = r & 0xFF
        case 1:
            let r = (regs[Reg.eax] & 0xFFFF) &* s
            setReg16(Reg.eax, UInt16(truncatingIfNeeded: r)); setReg16(Reg.edx, UInt16(truncatingIfNeeded: r >> 16))
            upper = r >> 16; lower = r & 0xFFFF
        default:
            let r = UInt64(regs[Reg.eax]) &* UInt64(s)
            regs[Reg.eax] = UInt32(truncatingIfNeeded: r); regs[Reg.edx] = UInt32(truncatingIfNeeded: r >> 32)
            upper = UInt32(truncatingIfNeeded: r >> 32); lower = UInt32(truncatingIfNeeded: r)
        }
        setLazyExplicit(lower, size, cf: upper != 0, of: upper != 0)
    }

    /// One-operand IMUL: CF = OF = (the product does not fit the lower half, sign-extended).
    @inline(__always)
    func multiplySigned(_ s: UInt32, _ size: Int) throws(Fault) {
        let fits: Bool, lower: UInt32
        switch size {
        case 0:
            let r = Int32(Int8(truncatingIfNeeded: reg8(0))) &* Int32(Int8(truncatingIfNeeded: s))
            setReg16(Reg.eax, UInt16(truncatingIfNeeded: r))
            fits = r == Int32(Int8(truncatingIfNeeded: r)); lower = UInt32(truncatingIfNeeded: r) & 0xFF
        case 1:
            let r = Int32(Int16(truncatingIfNeeded: regs[Reg.eax])) &* Int32(Int16(truncatingIfNeeded: s))
            setReg16(Reg.eax, UInt16(truncatingIfNeeded: r)); setReg16(Reg.edx, UInt16(truncatingIfNeeded: r >> 16))
            fits = r == Int32(Int16(truncatingIfNeeded: r)); lower = UInt32(truncatingIfNeeded: r) & 0xFFFF
        default:
            let r = Int64(Int32(bitPattern: regs[Reg.eax])) &* Int64(Int32(bitPattern: s))
            regs[Reg.eax] = UInt32(truncatingIfNeeded: r); regs[Reg.edx] = UInt32(truncatingIfNeeded: r >> 32)
            fits = r == Int64(Int32(truncatingIfNeeded: r)); lower = UInt32(truncatingIfNeeded: r)
        }
        setLazyExplicit(lower, size, cf: !fits, of: !fits)
    }

    /// Two- and three-operand IMUL (0F AF, 69, 6B): the product truncated to the operand size.
    func multiplySigned(_ a: UInt32, _ b: UInt32, _ size: Int) -> UInt32 {
        if size == 1 {
            let r = Int32(Int16(truncatingIfNeeded: a)) &* Int32(Int16(truncatingIfNeeded: b))
            let fits = r == Int32(Int16(truncatingIfNeeded: r))
            setLazyExplicit(UInt32(truncatingIfNeeded: r), 1, cf: !fits, of: !fits)
            return UInt32(truncatingIfNeeded: r) & 0xFFFF
        }
        let r = Int64(Int32(bitPattern: a)) &* Int64(Int32(bitPattern: b))
        let fits = r == Int64(Int32(truncatingIfNeeded: r))
        setLazyExplicit(UInt32(truncatingIfNeeded: r), 2, cf: !fits, of: !fits)
        return UInt32(truncatingIfNeeded: r)
    }

    /// DIV: #DE when the divisor is 0 or the quotient does not fit (SDM vol. 2, DIV).
    /// Flags are undefined; they are left unchanged.
    @inline(__always)
    func divideUnsigned(_ s: UInt32, _ size: Int) throws(Fault) {
        guard s != 0 else { throw Fault.divideError }
        switch size {
        case 0:
            let n = regs[Reg.eax] & 0xFFFF
            let q = n / s
            guard q <= 0xFF else { throw Fault.divideError }
            setReg16(Reg.eax, UInt16(truncatingIfNeeded: ((n % s) << 8) | q))
        case 1:
            let n = ((regs[Reg.edx] & 0xFFFF) << 16) | (regs[Reg.eax] & 0xFFFF)
            let q = n / s
            guard q <= 0xFFFF else { throw Fault.divideError }
            setReg16(Reg.eax, UInt16(truncatingIfNeeded: q)); setReg16(Reg.edx, UInt16(truncatingIfNeeded: n % s))
        default:
            let n = (UInt64(regs[Reg.edx]) << 32) | UInt64(regs[Reg.eax])
            let q = n / UInt64(s)
            guard q <= 0xFFFF_FFFF else { throw Fault.divideError }
            regs[Reg.eax] = UInt32(q); regs[Reg.edx] = UInt32(n % UInt64(s))
        }
    }

    /// IDIV: quotient truncated toward zero, remainder has the dividend's sign; #DE when
    /// the divisor is 0 or the quotient is out of range (the 286 and later allow −2^(n−1)).
    @inline(__always)
    func divideSigned(_ s: UInt32, _ size: Int) throws(Fault) {
        guard s & sizeMask(size) != 0 else { throw Fault.divideError }
        switch size {
        case 0:
            let n = Int32(Int16(truncatingIfNeeded: regs[Reg.eax]))
            let d = Int32(Int8(truncatingIfNeeded: s))
            let q = n / d, r = n % d
            guard q >= -128 && q <= 127 else { throw Fault.divideError }
            setReg16(Reg.eax, UInt16(truncatingIfNeeded: (UInt32(bitPattern: r) & 0xFF) << 8 | (UInt32(bitPattern: q) & 0xFF)))
        case 1:
            let n = Int32(bitPattern: ((regs[Reg.edx] & 0xFFFF) << 16) | (regs[Reg.eax] & 0xFFFF))
            let d = Int32(Int16(truncatingIfNeeded: s))
            // −2^31 / −1 overflows Int32: it is a #DE anyway.
            guard !(n == Int32.min && d == -1) else { throw Fault.divideError }
            let q = n / d, r = n % d
            guard q >= -32768 && q <= 32767 else { throw Fault.divideError }
            setReg16(Reg.eax, UInt16(truncatingIfNeeded: q)); setReg16(Reg.edx, UInt16(truncatingIfNeeded: r))
        default:
            let n = Int64(bitPattern: (UInt64(regs[Reg.edx]) << 32) | UInt64(regs[Reg.eax]))
            let d = Int64(Int32(bitPattern: s))
            guard !(n == Int64.min && d == -1) else { throw Fault.divideError }
            let q = n / d, r = n % d
            guard q >= Int64(Int32.min) && q <= Int64(Int32.max) else { throw Fault.divideError }
            regs[Reg.eax] = UInt32(truncatingIfNeeded: q); regs[Reg.edx] = UInt32(truncatingIfNeeded: r)
        }
    }

    /// 98: CBW / CWDE. 99: CWD / CDQ.
    func convert(_ ins: Instruction) {
        if ins.op == 0x98 {
            if ins.operand32 { regs[Reg.eax] = signExtend16(regs[Reg.eax]) }
            else { setReg16(Reg.eax, UInt16(truncatingIfNeeded: signExtend8(regs[Reg.eax]))) }
        } else {
            if ins.operand32 { regs[Reg.edx] = regs[Reg.eax] & 0x8000_0000 != 0 ? 0xFFFF_FFFF : 0 }
            else { setReg16(Reg.edx, regs[Reg.eax] & 0x8000 != 0 ? 0xFFFF : 0) }
        }
    }
}
