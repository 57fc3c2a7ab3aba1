/// IN and OUT (E4-E7, EC-EF), and the I/O permission check shared with INS/OUTS.
extension CPU {
    func portIO(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        let size = ins.op & 1 == 0 ? 0 : ins.vsize
        let port = ins.op < 0xEC ? UInt16(ins.imm & 0xFF) : UInt16(truncatingIfNeeded: regs[Reg.edx])
        try checkIOPermission(port: port, size: size)
        if ins.op & 2 == 0 {
            writeReg(Reg.eax, size, ports.readPort(port, size: 1 << size))
        } else {
            ports.writePort(port, size: 1 << size, value: readReg(Reg.eax, size))
        }
    }

    /// SDM vol. 1, 18.5: in protected mode with CPL > IOPL, and always in virtual-8086
    /// mode, every byte of the access must be enabled in the TSS I/O permission bitmap.
    @inline(__always) func checkIOPermission(port: UInt16, size: Int) throws(Fault) {
        guard protectedMode && (v86Mode || UInt32(cpl) > iopl) else { return }
        try checkIOPermissionBitmap(port: port, size: size)
    }
}
