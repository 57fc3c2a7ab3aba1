/// The opcode switch: one case per opcode (or opcode range), calling the instruction
/// groups in Instructions/ and Protection/. Under whole-module optimisation this is a
/// jump table; every case is a direct call.
extension CPU {
    @inline(__always)
    func execute(_ ins: Instruction) throws(Fault) {
        let op = Int(ins.op)
        switch op {
        case 0x00...0x05, 0x08...0x0D, 0x10...0x15, 0x18...0x1D,
             0x20...0x25, 0x28...0x2D, 0x30...0x35, 0x38...0x3D:
            try aluForm(ins)
        case 0x06, 0x0E, 0x16, 0x1E: try pushSegment(op >> 3, ins)
        case 0x07, 0x17, 0x1F: try popSegment(op >> 3, ins)
        case 0x27: try checkLock(ins, lockable: false); daa()
        case 0x2F: try checkLock(ins, lockable: false); das()
        case 0x37: try checkLock(ins, lockable: false); asciiAdjust(subtract: false)
        case 0x3F: try checkLock(ins, lockable: false); asciiAdjust(subtract: true)
        case 0x40...0x47:
            try checkLock(ins, lockable: false)
            writeReg(op & 7, ins.vsize, inc(readReg(op & 7, ins.vsize), ins.vsize))
        case 0x48...0x4F:
            try checkLock(ins, lockable: false)
            writeReg(op & 7, ins.vsize, dec(readReg(op & 7, ins.vsize), ins.vsize))
        case 0x50...0x57:
            try checkLock(ins, lockable: false)
            // PUSH SP pushes the value before the push (286 and later).
            try push(readReg(op & 7, ins.vsize), ins.vsize)
        case 0x58...0x5F:
            try checkLock(ins, lockable: false)
            let v = try pop(ins.vsize)
            writeReg(op & 7, ins.vsize, v)
        case 0x60: try checkLock(ins, lockable: false); try pusha(ins)
        case 0x61: try checkLock(ins, lockable: false); try popa(ins)
        case 0x62: try bound(ins)
        case 0x63: try arpl(ins)
        case 0x68: try checkLock(ins, lockable: false); try push(ins.imm, ins.vsize)
        case 0x6A: try checkLock(ins, lockable: false); try push(signExtend8(ins.imm), ins.vsize)
        case 0x69, 0x6B:
            try checkLock(ins, lockable: false)
            let imm = op == 0x6B ? signExtend8(ins.imm) : ins.imm
            writeReg(ins.reg, ins.vsize, multiplySigned(try readRM(ins, ins.vsize), imm, ins.vsize))
        case 0x6C, 0x6D: try stringInstruction(ins, .ins)
        case 0x6E, 0x6F: try stringInstruction(ins, .outs)
        case 0x70...0x7F: try jcc(ins)
        case 0x80...0x83: try group1(ins)
        case 0x84, 0x85:
            try checkLock(ins, lockable: false)
            let size = operandSize(ins)
            _ = alu(4, try readRM(ins, size), readReg(ins.reg, size), size)
        case 0x86, 0x87: try xchg(ins)
        case 0x88...0x8B: try movForm(ins)
        case 0x8C: try movFromSegment(ins)
        case 0x8D: try lea(ins)
        case 0x8E: try movToSegment(ins)
        case 0x8F: try popRM(ins)
        case 0x90:
            try checkLock(ins, lockable: false)    // NOP (XCHG eAX,eAX)
        case 0x91...0x97:
            try checkLock(ins, lockable: false)
            let a = readReg(Reg.eax, ins.vsize)
            writeReg(Reg.eax, ins.vsize, readReg(op & 7, ins.vsize))
            writeReg(op & 7, ins.vsize, a)
        case 0x98, 0x99: try checkLock(ins, lockable: false); convert(ins)
        case 0x9A: try directFar(ins, call: true)
        case 0x9B: try wait(ins)
        case 0x9C: try checkLock(ins, lockable: false); try pushf(ins)
        case 0x9D: try checkLock(ins, lockable: false); try popf(ins)
        case 0x9E: try checkLock(ins, lockable: false); sahf()
        case 0x9F: try checkLock(ins, lockable: false); lahf()
        case 0xA0...0xA3: try movOffset(ins)
        case 0xA4, 0xA5: try stringInstruction(ins, .movs)
        case 0xA6, 0xA7: try stringInstruction(ins, .cmps)
        case 0xA8, 0xA9:
            try checkLock(ins, lockable: false)
            let size = operandSize(ins)
            _ = alu(4, readReg(Reg.eax, size), ins.imm & sizeMask(size), size)
        case 0xAA, 0xAB: try stringInstruction(ins, .stos)
        case 0xAC, 0xAD: try stringInstruction(ins, .lods)
        case 0xAE, 0xAF: try stringInstruction(ins, .scas)
        case 0xB0...0xB7: try checkLock(ins, lockable: false); setReg8(op & 7, UInt8(truncatingIfNeeded: ins.imm))
        case 0xB8...0xBF: try checkLock(ins, lockable: false); writeReg(op & 7, ins.vsize, ins.imm)
        case 0xC0, 0xC1, 0xD0...0xD3: try group2(ins)
        case 0xC2, 0xC3: try retNear(ins)
        case 0xC4: try loadFarPointer(ins, Seg.es)
        case 0xC5: try loadFarPointer(ins, Seg.ds)
        case 0xC6, 0xC7:
            try checkLock(ins, lockable: false)
            guard ins.reg == 0 else { throw Fault.invalidOpcode }
            try writeRM(ins, operandSize(ins), ins.imm)
        case 0xC8: try checkLock(ins, lockable: false); try enter(ins)
        case 0xC9: try checkLock(ins, lockable: false); try leave(ins)
        case 0xCA, 0xCB: try retFar(ins)
        case 0xCC: try checkLock(ins, lockable: false); try softwareInterrupt(3)
        case 0xCD: try checkLock(ins, lockable: false); try softwareInterrupt(UInt8(ins.imm))
        case 0xCE:
            try checkLock(ins, lockable: false)
            if of { try softwareInterrupt(4); cycles &+= UInt64(costs.branchTakenExtra) }
        case 0xCF: try iret(ins)
        case 0xD4: try checkLock(ins, lockable: false); try aam(ins.imm)
        case 0xD5: try checkLock(ins, lockable: false); aad(ins.imm)
        case 0xD6: try checkLock(ins, lockable: false); salc()
        case 0xD7: try xlat(ins)
        case 0xD8...0xDF: try floatingPointEscape(ins)
        case 0xE0...0xE3: try loop(ins)
        case 0xE4...0xE7, 0xEC...0xEF: try portIO(ins)
        case 0xE8: try callRelative(ins)
        case 0xE9, 0xEB: try jmpRelative(ins)
        case 0xEA: try directFar(ins, call: false)
        case 0xF1: try checkLock(ins, lockable: false); try softwareInterrupt(1)   // ICEBP (386+)
        case 0xF4: try hlt(ins)
        case 0xF5, 0xF8...0xFD: try flagControl(ins)
        case 0xF6, 0xF7: try group3(ins)
        case 0xFE: try group4(ins)
        case 0xFF: try group5(ins)
        case 0x100...0x1FF: try executeTwoByte(ins)
        default:
            // 0x64-0x67 on the 286 (not prefixes there), and nothing else reaches here.
            throw Fault.invalidOpcode
        }
    }

    /// FE: INC/DEC Eb.
    func group4(_ ins: Instruction) throws(Fault) {
        switch ins.reg {
        case 0: try checkLock(ins, lockable: true); try modifyRM(ins, 0) { v in inc(v, 0) }
        case 1: try checkLock(ins, lockable: true); try modifyRM(ins, 0) { v in dec(v, 0) }
        default: throw Fault.invalidOpcode
        }
    }

    /// FF: INC DEC CALL CALLF JMP JMPF PUSH (Ev). /7 is PUSH again on the 286, #UD later.
    func group5(_ ins: Instruction) throws(Fault) {
        let size = ins.vsize
        switch ins.reg {
        case 0: try checkLock(ins, lockable: true); try modifyRM(ins, size) { v in inc(v, size) }
        case 1: try checkLock(ins, lockable: true); try modifyRM(ins, size) { v in dec(v, size) }
        case 2: try indirectNear(ins, call: true)
        case 3: try indirectFar(ins, call: true)
        case 4: try indirectNear(ins, call: false)
        case 5: try indirectFar(ins, call: false)
        case 6: try checkLock(ins, lockable: false); try pushRM(ins)
        default:
            guard model == .i286 else { throw Fault.invalidOpcode }
            try pushRM(ins)
        }
    }

    /// PUSH Ev: with ESP as base, the address uses ESP before the push.
    func pushRM(_ ins: Instruction) throws(Fault) {
        let v = try readRM(ins, ins.vsize)
        try push(v, ins.vsize)
    }

    /// The 0F map. The 286 knows only 0F 00-06.
    func executeTwoByte(_ ins: Instruction) throws(Fault) {
        let op = Int(ins.op) & 0xFF
        if model == .i286 && op > 0x06 { throw Fault.invalidOpcode }
        switch op {
        case 0x00: try group6(ins)
        case 0x01: try group7(ins)
        case 0x02, 0x03: try loadAccessRightsOrLimit(ins)
        case 0x06: try checkLock(ins, lockable: false); try clts()
        case 0x08, 0x09:
            guard model.has486Instructions else { throw Fault.invalidOpcode }
            try checkLock(ins, lockable: false); try requireCPL0()      // INVD, WBINVD: no caches to write back
        case 0x20...0x23: try checkLock(ins, lockable: false); try movControlRegister(ins)
        case 0x24, 0x26:
            guard model <= .i486 else { throw Fault.invalidOpcode }
            try checkLock(ins, lockable: false); try movControlRegister(ins)
        case 0x30, 0x32:
            guard model >= .pentium else { throw Fault.invalidOpcode }
            try checkLock(ins, lockable: false); try msr(write: op == 0x30)
        case 0x31:
            guard model >= .pentium else { throw Fault.invalidOpcode }
            try checkLock(ins, lockable: false); try rdtsc()
        case 0x40...0x4F:
            guard model.hasCMOV else { throw Fault.invalidOpcode }
            try cmov(ins)
        case 0x80...0x8F: try jcc(ins)
        case 0x90...0x9F: try setcc(ins)
        case 0xA0: try pushSegment(Seg.fs, ins)
        case 0xA1: try popSegment(Seg.fs, ins)
        case 0xA2:
            guard model.hasCPUID else { throw Fault.invalidOpcode }
            try checkLock(ins, lockable: false); cpuid()
        case 0xA3, 0xAB, 0xB3, 0xBB, 0xBA: try bitTest(ins)
        case 0xA4, 0xA5, 0xAC, 0xAD: try doubleShift(ins)
        case 0xA8: try pushSegment(Seg.gs, ins)
        case 0xA9: try popSegment(Seg.gs, ins)
        case 0xAF:
            try checkLock(ins, lockable: false)
            writeReg(ins.reg, ins.vsize, multiplySigned(readReg(ins.reg, ins.vsize), try readRM(ins, ins.vsize), ins.vsize))
        case 0xB0, 0xB1:
            guard model.has486Instructions else { throw Fault.invalidOpcode }
            try cmpxchg(ins)
        case 0xB2: try loadFarPointer(ins, Seg.ss)
        case 0xB4: try loadFarPointer(ins, Seg.fs)
        case 0xB5: try loadFarPointer(ins, Seg.gs)
        case 0xB6, 0xB7, 0xBE, 0xBF: try movExtend(ins)
        case 0xBC, 0xBD: try bitScan(ins)
        case 0xC0, 0xC1:
            guard model.has486Instructions else { throw Fault.invalidOpcode }
            try xadd(ins)
        case 0xC7:
            guard model >= .pentium else { throw Fault.invalidOpcode }
            try cmpxchg8b(ins)
        case 0xC8...0xCF:
            guard model.has486Instructions else { throw Fault.invalidOpcode }
            try checkLock(ins, lockable: false); bswap(ins)
        default:
            throw Fault.invalidOpcode     // includes 0F 0B UD2
        }
    }
}
