/// Memory forms with the effective-address form fixed at decode (Decode/Specialize.swift,
/// `eaForm`): the general form extracts base, index and scale and picks the address size
/// on every access (about 15 host instructions); with 16-bit addressing there is never a
/// scale and the wrap is a constant, and 32-bit addressing without an index register is one
/// load and one add. The bodies are the general forms' (Execute/Specialized.swift).
extension CPU {
    /// 16-bit addressing: base + index + disp (an absent register reads regs[0xFF] = 0),
    /// wrapped to 16 bits (SDM vol. 1, 3.7.5: the address-size attribute).
    @inline(__always) func effectiveAddress16(_ ins: Instruction) -> UInt32 {
        (ins.disp &+ regs[Int(ins.base)] &+ regs[Int(ins.index)]) & 0xFFFF
    }
    /// 32-bit addressing without an index register: base + disp (or disp alone).
    @inline(__always) func effectiveAddressBase32(_ ins: Instruction) -> UInt32 {
        ins.disp &+ regs[Int(ins.base)]
    }

    /// ALU reg, mem (02/03 forms) with the effective address given.
    @inline(__always) func aluLoad(_ ins: Instruction, _ size: Int, _ ea: UInt32) throws(Fault) {
        let op = ins.fastOp
        let s = try readMem(Int(ins.seg), ea, size)
        let r = aluFast(op, readReg(ins.reg, size), s, size)
        if op < 7 { writeReg(ins.reg, size, r) }
    }

    /// ALU mem, `s` with the effective address given: CMP only reads; the others check the
    /// destination for writing before reading it.
    @inline(__always) func aluStore(_ ins: Instruction, _ size: Int, _ s: UInt32, _ ea: UInt32) throws(Fault) {
        let op = ins.fastOp
        let seg = Int(ins.seg)
        if op >= 7 {
            _ = aluFast(op, try readMem(seg, ea, size), s, size)
            return
        }
        let la = try linearAddress(seg, ea, size, SegmentAccess.readable | SegmentAccess.writable)
        let d = try readLinear(la, size)
        try writeLinear(la, size, aluFast(op, d, s, size))
    }

    // The fast paths of the MOV forms, inlined into the dispatch switch: true when the access
    // passed its segment and TLB fast paths and is done; else the case calls the handler
    // below, which runs the whole instruction (Execute/Dispatch.swift says why).
    @inline(__always) func fastMovLoad(_ ins: Instruction, _ ea: UInt32, _ size: Int) -> Bool {
        guard let p = fastReadAddress(Int(ins.seg), ea, size) else { return false }
        switch size {
        case 0: regs[ins.reg] = UInt32(p.load(as: UInt8.self))          // MOVZX r32, m8
        case 1: writeReg(ins.reg, 1, UInt32(p.loadUnaligned(as: UInt16.self)))
        default: regs[ins.reg] = p.loadUnaligned(as: UInt32.self)
        }
        return true
    }
    @inline(__always) func fastMovStore(_ ins: Instruction, _ ea: UInt32, _ size: Int, _ v: UInt32) -> Bool {
        guard let p = fastWriteAddress(Int(ins.seg), ea, size) else { return false }
        store(p, size, v)
        return true
    }

    @inline(never) func xMovLoad16A16(_ ins: Instruction) throws(Fault) { writeReg(ins.reg, 1, try readMem(Int(ins.seg), effectiveAddress16(ins), 1)) }
    @inline(never) func xMovStore16A16(_ ins: Instruction) throws(Fault) { try writeMem(Int(ins.seg), effectiveAddress16(ins), 1, regs[ins.reg]) }
    @inline(never) func xMovMI8A16(_ ins: Instruction) throws(Fault) { try writeMem(Int(ins.seg), effectiveAddress16(ins), 0, ins.imm) }
    @inline(never) func xMovLoad32B32(_ ins: Instruction) throws(Fault) { regs[ins.reg] = try readMem(Int(ins.seg), effectiveAddressBase32(ins), 2) }
    @inline(never) func xMovStore32B32(_ ins: Instruction) throws(Fault) { try writeMem(Int(ins.seg), effectiveAddressBase32(ins), 2, regs[ins.reg]) }
    @inline(never) func xMovMI8B32(_ ins: Instruction) throws(Fault) { try writeMem(Int(ins.seg), effectiveAddressBase32(ins), 0, ins.imm) }
    @inline(never) func xMovzxLoad8To32B32(_ ins: Instruction) throws(Fault) { regs[ins.reg] = try readMem(Int(ins.seg), effectiveAddressBase32(ins), 0) }
    @inline(never) func xAluLoad32B32(_ ins: Instruction) throws(Fault) { try aluLoad(ins, 2, effectiveAddressBase32(ins)) }
    @inline(never) func xAluStore32B32(_ ins: Instruction) throws(Fault) { try aluStore(ins, 2, regs[ins.reg], effectiveAddressBase32(ins)) }
}
