/// One-byte opcodes that real code rarely executes share one handler, dispatched on the
/// opcode here, so the dense `Handler` enum keeps its values for the specialised forms.
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
        default: try checkLock(ins, lockable: false); try softwareInterrupt(1)   // F1 ICEBP
        }
    }
}
