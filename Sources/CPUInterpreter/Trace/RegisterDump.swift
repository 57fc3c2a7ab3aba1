/// A readable dump of the CPU state, for the debugger and `pcemu --print-state`.
extension CPU {
    public var stateDescription: String {
        func h(_ v: UInt32, _ d: Int = 8) -> String { hex(v, d) }
        let names = ["EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"]
        var lines: [String] = []
        lines.append((0..<4).map { "\(names[$0])=\(h(regs[$0]))" }.joined(separator: " "))
        lines.append((4..<8).map { "\(names[$0])=\(h(regs[$0]))" }.joined(separator: " "))
        let f = eflags
        let flagNames: [(UInt32, String)] = [(Flag.of, "OF"), (Flag.df, "DF"), (Flag.if, "IF"), (Flag.tf, "TF"),
                                             (Flag.sf, "SF"), (Flag.zf, "ZF"), (Flag.af, "AF"), (Flag.pf, "PF"), (Flag.cf, "CF")]
        let set = flagNames.filter { f & $0.0 != 0 }.map(\.1).joined(separator: " ")
        lines.append("EIP=\(h(eip)) EFLAGS=\(h(f)) [\(set)] IOPL=\((f >> 12) & 3) CPL=\(cpl)\(v86Mode ? " V86" : "")")
        for s in 0..<6 {
            lines.append("\(Seg.names[s])=\(h(UInt32(segSelector[s]), 4)) base=\(h(segBase[s])) limit=\(h(segLimit[s])) attr=\(h(UInt32(segAttr[s]), 4))")
        }
        lines.append("CR0=\(h(cr0)) CR2=\(h(cr2)) CR3=\(h(cr3)) CR4=\(h(cr4)) GDTR=\(h(gdtrBase)):\(h(gdtrLimit, 4)) IDTR=\(h(idtrBase)):\(h(idtrLimit, 4))")
        lines.append("cycles=\(cycles) instructions=\(instructionsRetired)")
        return lines.joined(separator: "\n")
    }
}
