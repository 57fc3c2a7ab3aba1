import CPUInterpreter

/// `page ADDR`: the walk of a linear address through the page directory and page table,
/// every entry's bits named (SDM vol. 3, 4.3, tables 4-5 and 4-6).
enum PageWalkView {
    static func entryBits(_ e: UInt32, pde: Bool) -> String {
        var names: [(String, Int)] = [("P", 0), ("R/W", 1), ("U/S", 2), ("PWT", 3), ("PCD", 4), ("A", 5), ("D", 6)]
        names.append(pde ? ("PS", 7) : ("PAT", 7))
        names.append(("G", 8))
        return RegisterView.bits(e, names)
    }

    static func lines(_ la: UInt32, _ cpu: CPU, _ memory: GuestMemory) -> [String] {
        var out = ["linear \(hex(la, 8)): directory index \(la >> 22), table index \((la >> 12) & 0x3FF), offset \(hex(la & 0xFFF, 3))"]
        guard cpu.cr0 & CR0.pg != 0 else {
            out.append("paging is off (CR0.PG=0): physical = linear = \(hex(la & cpu.physicalAddressMask, 8))"
                       + (cpu.physicalAddressMask != 0xFFFF_FFFF && cpu.physicalAddressMask != 0xFF_FFFF ? " (A20 is off)" : ""))
            return out
        }
        out.append("CR3=\(hex(cpu.cr3, 8)): page directory at \(hex(cpu.cr3 & 0xFFFF_F000, 8))")
        let walk = memory.walk(la)
        for (k, step) in walk.steps.enumerated() {
            let pde = step.name == "PDE"
            var text = "\(step.name)[\(step.index)] at \(hex(step.address, 8)) = \(hex(step.entry, 8))  \(entryBits(step.entry, pde: pde))"
            if step.entry & 1 == 0 {
                text += "  -> not present: an access raises #PF with P=0"
            } else if pde && walk.largePage {
                text += "  -> 4 MiB page at \(hex(step.entry & 0xFFC0_0000, 8))"
            } else if pde && k + 1 < walk.steps.count || pde {
                text += "  -> page table at \(hex(step.entry & 0xFFFF_F000, 8))"
            } else {
                text += "  -> page frame at \(hex(step.entry & 0xFFFF_F000, 8))"
            }
            out.append(text)
        }
        if let pa = walk.physical {
            let wp = cpu.cr0 & CR0.wp != 0
            let rights = "\(walk.user ? "user and supervisor" : "supervisor only"), "
                + (walk.writable ? "writable" : "read-only for user mode\(wp ? " and, with CR0.WP=1, for supervisor mode too" : " (supervisor may write: CR0.WP=0)")")
            out.append("physical \(hex(pa & cpu.physicalAddressMask, 8))  (\(rights))")
        } else {
            out.append("not mapped")
        }
        return out
    }
}
