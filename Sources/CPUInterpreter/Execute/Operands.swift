/// Operand access for decoded instructions: effective addresses, ModRM r/m and reg operands.
extension CPU {
    /// Effective address (offset within `ins.seg`), wrapped to the address size.
    @inline(__always) func effectiveAddress(_ ins: Instruction) -> UInt32 {
        // No base or no index (0xFF) reads regs[0xFF], which is always 0 (State/CPU.swift).
        let a = ins.disp &+ regs[Int(ins.base)] &+ (regs[Int(ins.index)] << UInt32(ins.scale))
        return ins.address32 ? a : a & 0xFFFF
    }

    @inline(__always) func readRM(_ ins: Instruction, _ size: Int) throws(Fault) -> UInt32 {
        if ins.hasMemoryOperand { return try readMem(Int(ins.seg), effectiveAddress(ins), size) }
        return readReg(ins.rm, size)
    }

    @inline(__always) func writeRM(_ ins: Instruction, _ size: Int, _ v: UInt32) throws(Fault) {
        if ins.hasMemoryOperand { try writeMem(Int(ins.seg), effectiveAddress(ins), size, v) }
        else { writeReg(ins.rm, size, v) }
    }

    /// Read-modify-write of the r/m operand, in two steps without closures (a closure
    /// capturing self costs a retain/release pair per instruction): `beginRMW` checks the
    /// destination for writing before anything is read, so a fault leaves memory and
    /// registers untouched, and returns the current value; `endRMW` stores the result.
    @inline(__always) func beginRMW(_ ins: Instruction, _ size: Int) throws(Fault) -> (RMWTarget, UInt32) {
        if ins.hasMemoryOperand {
            let la = try linearAddress(Int(ins.seg), effectiveAddress(ins), size,
                                       SegmentAccess.readable | SegmentAccess.writable)
            return (RMWTarget(linear: la, register: -1), try readLinear(la, size))
        }
        return (RMWTarget(linear: 0, register: ins.rm), readReg(ins.rm, size))
    }

    @inline(__always) func endRMW(_ t: RMWTarget, _ size: Int, _ v: UInt32) throws(Fault) {
        if t.register < 0 { try writeLinear(t.linear, size, v) } else { writeReg(t.register, size, v) }
    }

    /// Operand size of a byte/word-or-dword instruction pair: the low opcode bit picks.
    @inline(__always) func operandSize(_ ins: Instruction) -> Int {
        ins.op & 1 == 0 ? 0 : ins.vsize
    }

    /// LOCK is legal only on the read-modify-write instructions with a memory destination
    /// (SDM vol. 2, LOCK); anything else raises #UD on the 386 and later. The 286 ignores it.
    @inline(__always) func checkLock(_ ins: Instruction, lockable: Bool) throws(Fault) {
        if ins.prefixes & Prefix.lock != 0 && model != .i286 && !(lockable && ins.hasMemoryOperand) {
            throw Fault.invalidOpcode
        }
    }

    /// Sets EIP for a near transfer, masked to the operand size, and checks the CS limit
    /// (SDM vol. 2, JMP: "IF EIP not within code segment limit THEN #GP(0)").
    @inline(__always) func jumpNear(_ target: UInt32, _ size32: Bool) throws(Fault) {
        eip = UInt32(truncatingIfNeeded: try nearTarget(target, size32))
    }

    /// `jumpNear`'s target, for a handler that hands it to the run loop (`Continuation`).
    @inline(__always) func nearTarget(_ target: UInt32, _ size32: Bool) throws(Fault) -> UInt64 {
        let t = size32 ? target : target & 0xFFFF
        guard t <= segLimit[Seg.cs] else { throw Fault.generalProtection(0) }
        return UInt64(t)
    }
}

/// Where a read-modify-write instruction stores its result.
struct RMWTarget {
    let linear: UInt32
    /// The register number, or -1 for memory at `linear`.
    let register: Int
}
