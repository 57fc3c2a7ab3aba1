/// The I/O permission bitmap of the 32-bit TSS (SDM vol. 1, 18.5.2): consulted when
/// CPL > IOPL in protected mode, and always in virtual-8086 mode.
extension CPU {
    func checkIOPermissionBitmap(port: UInt16, size: Int) throws(Fault) {
        let is32 = trAttr & 0x8 != 0 && trSelector & 0xFFFC != 0
        // A 16-bit TSS has no bitmap: I/O above IOPL always faults.
        try require(is32, .ioPermissionBitmap, Fault.generalProtection(0),
                    "port 0x\(String(port, radix: 16)): CPL=\(cpl) > IOPL=\(iopl)\(v86Mode ? " (V86)" : ""), so the bitmap decides; "
                        + (is32 ? "TR holds a 32-bit TSS, which has one" : "TR holds no 32-bit TSS, so there is no bitmap"))
        let mapBase = try readSystem(trBase &+ 0x66, 1)
        let byte = mapBase &+ UInt32(port >> 3)
        let inLimit = byte &+ 1 <= trLimit
        var allowed = inLimit
        if inLimit {
            let bits = try readSystem(trBase &+ byte, 1)
            let mask = ((UInt32(1) << UInt32(1 << size)) - 1) << UInt32(port & 7)
            allowed = bits & mask == 0
        }
        try require(allowed, .ioPermissionBitmap, Fault.generalProtection(0),
                    "port 0x\(String(port, radix: 16)) size \(1 << size): CPL=\(cpl) IOPL=\(iopl)\(v86Mode ? " (V86)" : ""), bitmap at TSS+0x\(String(mapBase, radix: 16))\(inLimit ? "" : " beyond the TSS limit")")
    }
}
