/// Two-level 32-bit paging (SDM vol. 3, 4.3): 4 KiB pages, and 4 MiB pages with CR4.PSE.
///
///   CR3[31:12] → page directory; PDE[31:12] → page table; PTE[31:12] → page frame
///   PDE/PTE bits: P(0) R/W(1) U/S(2) PWT(3) PCD(4) A(5) D(6) PS(7, PDE only) G(8)
extension CPU {
    /// Walks the page tables for `la`, sets accessed/dirty bits, and returns the
    /// physical address, or raises #PF with CR2 = la and the SDM error code
    /// (P = protection violation, W/R = write, U/S = user mode).
    func pageWalk(_ la: UInt32, write: Bool, user: Bool) throws(Fault) -> UInt32 {
        let pdeAddr = ((cr3 & 0xFFFF_F000) | ((la >> 20) & 0xFFC)) & physicalAddressMask
        let pde = readPhysical(pdeAddr, 2)
        let errorBase: UInt32 = (write ? 2 : 0) | (user ? 4 : 0)
        // SDM 4.7: a not-present entry at any level raises #PF with P = 0.
        try requirePage(pde & 1 != 0, .pagePresent, la, errorBase, "PDE[\(la >> 22)]=0x\(hex(pde, 8)) P=\(pde & 1)")

        if pde & 0x80 != 0 && cr4 & CR4.pse != 0 {
            // 4 MiB page: the PDE is the leaf.
            try checkPageRights(la, rw: pde & 2 != 0, us: pde & 4 != 0, write: write, user: user, errorBase: errorBase)
            var updated = pde | 0x20
            if write { updated |= 0x40 }
            if updated != pde { writePhysical32(pdeAddr, updated) }
            lastWalkGlobal = pde & 0x100 != 0 && cr4 & CR4.pge != 0
            return (pde & 0xFFC0_0000) | (la & 0x3F_FFFF)
        }

        let pteAddr = ((pde & 0xFFFF_F000) | ((la >> 10) & 0xFFC)) & physicalAddressMask
        let pte = readPhysical(pteAddr, 2)
        try requirePage(pte & 1 != 0, .pagePresent, la, errorBase, "PTE[\((la >> 12) & 0x3FF)]=0x\(hex(pte, 8)) P=\(pte & 1)")
        // Effective rights are the most restrictive of the two levels (SDM 4.6).
        let rw = pde & 2 != 0 && pte & 2 != 0
        let us = pde & 4 != 0 && pte & 4 != 0
        try checkPageRights(la, rw: rw, us: us, write: write, user: user, errorBase: errorBase)
        if pde & 0x20 == 0 { writePhysical32(pdeAddr, pde | 0x20) }
        var updated = pte | 0x20
        if write { updated |= 0x40 }
        if updated != pte { writePhysical32(pteAddr, updated) }
        lastWalkGlobal = pte & 0x100 != 0 && cr4 & CR4.pge != 0
        return (pte & 0xFFFF_F000) | (la & 0xFFF)
    }

    private func checkPageRights(_ la: UInt32, rw: Bool, us: Bool, write: Bool, user: Bool, errorBase: UInt32) throws(Fault) {
        // SDM 4.6: user-mode access to a supervisor page → #PF(P=1).
        if user {
            try requirePage(us, .pageUserAccess, la, errorBase | 1, "linear 0x\(hex(la, 8)) user access, U/S=\(us ? 1 : 0)")
        }
        // SDM 4.6: writes to read-only pages fault in user mode, and in supervisor mode when CR0.WP = 1.
        if write {
            try requirePage(rw || !(user || cr0 & CR0.wp != 0), .pageWritable, la, errorBase | 1,
                            "linear 0x\(hex(la, 8)) write, R/W=\(rw ? 1 : 0) \(user ? "user" : "supervisor") WP=\(cr0 & CR0.wp != 0 ? 1 : 0)")
        }
    }

    /// A paging check: on failure CR2 gets the linear address and #PF(error code) is raised.
    @inline(__always)
    private func requirePage(_ ok: Bool, _ rule: Rule, _ la: UInt32, _ code: UInt32, _ facts: @autoclosure () -> String) throws(Fault) {
        if !ok { cr2 = la }
        try require(ok, rule, Fault.pageFault(code), facts())
    }

    func writePhysical32(_ pa: UInt32, _ v: UInt32) {
        for k in 0..<4 {
            let a = (pa &+ UInt32(k)) & physicalAddressMask
            codeWritten(physicalAddress: a)
            memory.writePhysical(a, UInt8(truncatingIfNeeded: v >> (8 * k)))
        }
    }
}

/// CR4 bits (SDM vol. 3, 2.5).
public enum CR4 {
    public static let vme: UInt32 = 1 << 0
    public static let pvi: UInt32 = 1 << 1
    public static let tsd: UInt32 = 1 << 2
    public static let de: UInt32 = 1 << 3
    public static let pse: UInt32 = 1 << 4
    public static let pge: UInt32 = 1 << 7
}
