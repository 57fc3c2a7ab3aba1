import CPUInterpreter

/// `regs` and `cregs`: the registers with their bits decoded.
enum RegisterView {
    /// General registers, EIP, EFLAGS with every flag named, IOPL, CPL and the mode.
    static func general(_ cpu: CPU) -> [String] {
        let r = { (i: Int) in hex(cpu.reg32(i), 8) }
        let f = cpu.eflags
        func bit(_ name: String, _ b: UInt32) -> String { "\(name)=\(f & b != 0 ? 1 : 0)" }
        let mode = !cpu.protectedMode ? "real mode" : cpu.v86Mode ? "virtual-8086 mode"
            : "protected mode, \(cpu.segAttr[Seg.cs] & 0x4000 != 0 ? 32 : 16)-bit code"
        return [
            "EAX=\(r(Reg.eax))  EBX=\(r(Reg.ebx))  ECX=\(r(Reg.ecx))  EDX=\(r(Reg.edx))",
            "ESI=\(r(Reg.esi))  EDI=\(r(Reg.edi))  EBP=\(r(Reg.ebp))  ESP=\(r(Reg.esp))",
            "EIP=\(hex(cpu.eip, 8))  EFLAGS=\(hex(f, 8))  CPL=\(cpu.cpl)  IOPL=\((f >> 12) & 3)  (\(mode)\(cpu.cr0 & CR0.pg != 0 ? ", paging on" : ""))",
            "  " + [bit("OF", Flag.of), bit("DF", Flag.df), bit("IF", Flag.if), bit("TF", Flag.tf), bit("SF", Flag.sf),
                    bit("ZF", Flag.zf), bit("AF", Flag.af), bit("PF", Flag.pf), bit("CF", Flag.cf)].joined(separator: " ")
                + "  " + [bit("NT", Flag.nt), bit("RF", Flag.rf), bit("VM", Flag.vm), bit("AC", Flag.ac)].joined(separator: " "),
        ]
    }

    static func bits(_ v: UInt32, _ names: [(String, Int)]) -> String {
        names.map { "\($0.0)=\((v >> UInt32($0.1)) & 1)" }.joined(separator: " ")
    }

    /// CR0 (bits named), CR2, CR3, CR4, GDTR, IDTR, LDTR and TR.
    static func control(_ cpu: CPU, _ memory: GuestMemory) -> [String] {
        var lines = [
            "CR0=\(hex(cpu.cr0, 8))  " + bits(cpu.cr0, [("PE", 0), ("MP", 1), ("EM", 2), ("TS", 3), ("ET", 4), ("NE", 5),
                                                        ("WP", 16), ("AM", 18), ("NW", 29), ("CD", 30), ("PG", 31)]),
            "CR2=\(hex(cpu.cr2, 8))  (the linear address of the last page fault)",
            "CR3=\(hex(cpu.cr3, 8))  page directory at \(hex(cpu.cr3 & 0xFFFF_F000, 8))  " + bits(cpu.cr3, [("PWT", 3), ("PCD", 4)]),
            "CR4=\(hex(cpu.cr4, 8))  " + bits(cpu.cr4, [("VME", 0), ("PVI", 1), ("TSD", 2), ("DE", 3), ("PSE", 4), ("PGE", 7)]),
            "GDTR base=\(hex(cpu.gdtrBase, 8)) limit=\(hex(cpu.gdtrLimit, 4)) (\((cpu.gdtrLimit + 1) / 8) entries)",
            "IDTR base=\(hex(cpu.idtrBase, 8)) limit=\(hex(cpu.idtrLimit, 4)) (\((cpu.idtrLimit + 1) / (cpu.protectedMode ? 8 : 4)) \(cpu.protectedMode ? "gates" : "real-mode vectors"))",
        ]
        if cpu.ldtrSelector & 0xFFFC == 0 {
            lines.append("LDTR=\(hex(cpu.ldtrSelector, 4)) (null: no LDT)")
        } else {
            lines.append("LDTR=\(hex(cpu.ldtrSelector, 4)) base=\(hex(cpu.ldtrBase, 8)) limit=\(hex(cpu.ldtrLimit, 8))")
        }
        let tr = Descriptor(low: 0, high: UInt32(cpu.trAttr) << 8)
        lines.append("TR=\(hex(cpu.trSelector, 4)) base=\(hex(cpu.trBase, 8)) limit=\(hex(cpu.trLimit, 8)) \(cpu.trSelector & 0xFFFC == 0 ? "(no task register loaded)" : tr.typeName)")
        return lines
    }
}
