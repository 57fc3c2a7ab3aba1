/// Opcodes that real code rarely executes (and SAHF/LAHF, which only x87 code uses much;
/// HLT, INT3 and WAIT, whose speed does not matter) share one handler, dispatched on the opcode here, so the dense `Handler` enum (at most 256 cases, one byte in the decode cache)
/// keeps its values for the specialised and fused forms. The dispatch table sets this
/// handler only for the opcodes the CPU model has.
extension CPU {
    @inline(never)
    func infrequentOpcode(_ ins: Instruction) throws(Fault) {
        switch ins.op {
        case 0x27: try checkLock(ins, lockable: false); daa()
        case 0x2F: try checkLock(ins, lockable: false); das()
        case 0x37: try checkLock(ins, lockable: false); asciiAdjust(subtract: false)
        case 0x3F: try checkLock(ins, lockable: false); asciiAdjust(subtract: true)
        case 0x62: try bound(ins)
        case 0x63: try arpl(ins)
        case 0xCE:                                          // INTO
            try checkLock(ins, lockable: false)
            if of { try softwareInterrupt(4); cycles &+= UInt64(costs.interruptCost) }
        case 0xD4: try checkLock(ins, lockable: false); try aam(ins.imm)
        case 0xD5: try checkLock(ins, lockable: false); aad(ins.imm)
        case 0xD6: try checkLock(ins, lockable: false); salc()
        case 0x9E: try checkLock(ins, lockable: false); sahf()
        case 0x9B: try wait(ins)
        case 0xCC: try checkLock(ins, lockable: false); try softwareInterrupt(3)
        case 0xF4: try hlt(ins)
        case 0x9F: try checkLock(ins, lockable: false); lahf()
        case 0xF1: try checkLock(ins, lockable: false); try softwareInterrupt(1)   // ICEBP
        case 0x106: try checkLock(ins, lockable: false); try clts()
        case 0x108, 0x109: try checkLock(ins, lockable: false); try requireCPL0()   // INVD, WBINVD: no caches to write back
        case 0x130, 0x132: try checkLock(ins, lockable: false); try msr(write: ins.op == 0x130)
        case 0x131: try checkLock(ins, lockable: false); try rdtsc()
        case 0x1A2: try checkLock(ins, lockable: false); cpuid()
        case 0x1C7: try cmpxchg8b(ins)
        default: throw Fault.invalidOpcode                  // not reached: the table sets no other
        }
    }
}
