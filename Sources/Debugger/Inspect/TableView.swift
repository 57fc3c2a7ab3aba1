import CPUInterpreter

/// `info gdt|ldt|idt|tss`: the descriptor tables and the current TSS, decoded
/// (SDM vol. 3, 3.4.5 descriptors, 3.5 system descriptors, 6.11 the IDT, 7.2 the TSS).
enum TableView {
    /// The width of the type column: the longest name of any of the 32 descriptor types
    /// (S bit and type field, SDM vol. 3, tables 3-1 and 3-2), so that no name is cut.
    static let typeWidth = (0..<32).map { Descriptor(low: 0, high: UInt32($0) << 8).typeName.count }.max()!

    /// "type" padded to the type column, then the DPL and P headings.
    static let typeHeading = "type".padding(toLength: typeWidth + 1, withPad: " ", startingAt: 0) + "DPL P  "

    /// One descriptor in a row: type name, DPL, P, then base/limit or the gate's target.
    static func row(_ d: Descriptor) -> String {
        let type = d.typeName.padding(toLength: typeWidth, withPad: " ", startingAt: 0)
        var text = "\(type) \(d.dpl)   \(d.present ? 1 : 0)  "
        switch d.systemType {
        case .callGate16?, .callGate32?:
            text += "-> \(hex(d.gateSelector, 4)):\(hex(d.systemType == .callGate32 ? d.gateOffset : d.gateOffset & 0xFFFF, 8))  parameters=\(d.gateParameterCount)"
        case .interruptGate16?, .interruptGate32?, .trapGate16?, .trapGate32?:
            let is32 = d.systemType == .interruptGate32 || d.systemType == .trapGate32
            text += "-> \(hex(d.gateSelector, 4)):\(hex(is32 ? d.gateOffset : d.gateOffset & 0xFFFF, 8))"
        case .taskGate?:
            text += "-> TSS \(hex(d.gateSelector, 4))"
        default:
            text += "base=\(hex(d.base, 8)) limit=\(hex(d.limit, 8))"
            if d.isCodeOrData {
                text += " \(d.isCode ? "D" : "B")=\(d.defaultBig ? 1 : 0) G=\(d.granularity ? 1 : 0) A=\(d.type & 1)"
            }
        }
        return text
    }

    static let header = "index  sel   " + typeHeading + "base/target"

    /// A GDT or LDT from `first` to `last` (indexes; default: the whole table).
    static func descriptorTable(_ name: String, base: UInt32, limit: UInt32, tiBit: UInt16,
                                first: Int?, last: Int?, memory: GuestMemory) -> [String] {
        let count = Int((limit &+ 1) / 8)
        var lines = ["\(name) base=\(hex(base, 8)) limit=\(hex(limit, 4)) (\(count) entries)"]
        guard count > 0 else { return lines + ["(empty table)"] }
        let from = max(0, first ?? 0), to = min(count - 1, last ?? first ?? count - 1)
        guard from <= to else { return lines + ["(no entries in that range: the table has \(count))"] }
        lines.append(header)
        var empty = 0
        for i in from...to {
            let sel = UInt16(i << 3) | tiBit
            let prefix = String(i).leftPadded(5) + "  " + hex(sel, 4) + "  "
            guard let low = memory.readLinearValue(base &+ UInt32(i * 8), bytes: 4),
                  let high = memory.readLinearValue(base &+ UInt32(i * 8 + 4), bytes: 4) else {
                lines.append(prefix + "(not mapped)")
                continue
            }
            if low == 0 && high == 0 {
                if i == 0 && tiBit == 0 { lines.append(prefix + "null descriptor") } else { empty += 1 }
                continue
            }
            lines.append(prefix + row(Descriptor(low: low, high: high)))
        }
        if empty > 0 { lines.append("(\(empty) empty entr\(empty == 1 ? "y" : "ies") not shown)") }
        return lines
    }

    static func gdt(_ cpu: CPU, _ memory: GuestMemory, first: Int?, last: Int?) -> [String] {
        descriptorTable("GDT", base: cpu.gdtrBase, limit: cpu.gdtrLimit, tiBit: 0, first: first, last: last, memory: memory)
    }

    static func ldt(_ cpu: CPU, _ memory: GuestMemory, first: Int?, last: Int?) -> [String] {
        guard cpu.ldtrSelector & 0xFFFC != 0 else { return ["LDTR=\(hex(cpu.ldtrSelector, 4)): no LDT is loaded"] }
        return ["LDTR=\(hex(cpu.ldtrSelector, 4))"]
            + descriptorTable("LDT", base: cpu.ldtrBase, limit: cpu.ldtrLimit, tiBit: 4, first: first, last: last, memory: memory)
    }

    static func idt(_ cpu: CPU, _ memory: GuestMemory, first: Int?, last: Int?) -> [String] {
        if !cpu.protectedMode { return ivt(cpu, memory, first: first, last: last) }
        let count = Int((cpu.idtrLimit &+ 1) / 8)
        var lines = ["IDT base=\(hex(cpu.idtrBase, 8)) limit=\(hex(cpu.idtrLimit, 4)) (\(count) gates)"]
        guard count > 0 else { return lines + ["(empty table)"] }
        let from = max(0, first ?? 0), to = min(count - 1, last ?? first ?? count - 1)
        guard from <= to else { return lines + ["(no gates in that range: the table has \(count))"] }
        lines.append("vector       " + typeHeading + "target")
        var empty = 0
        for v in from...to {
            let la = cpu.idtrBase &+ UInt32(v * 8)
            let name = v < 32 ? Fault(UInt8(v)).mnemonic : ""
            let prefix = "\(hex(v, 2))h \(String(v).leftPadded(3)) \(name.padding(toLength: 4, withPad: " ", startingAt: 0)) "
            guard let low = memory.readLinearValue(la, bytes: 4), let high = memory.readLinearValue(la &+ 4, bytes: 4) else {
                lines.append(prefix + "(not mapped)")
                continue
            }
            if low == 0 && high == 0 { empty += 1; continue }
            lines.append(prefix + row(Descriptor(low: low, high: high)))
        }
        if empty > 0 { lines.append("(\(empty) empty gate\(empty == 1 ? "" : "s") not shown)") }
        return lines
    }

    /// Real mode: the interrupt vector table (IP then CS per vector); runs of equal targets are folded.
    static func ivt(_ cpu: CPU, _ memory: GuestMemory, first: Int?, last: Int?) -> [String] {
        let count = min(256, Int((cpu.idtrLimit &+ 1) / 4))
        var lines = ["IVT (real mode) base=\(hex(cpu.idtrBase, 8)) limit=\(hex(cpu.idtrLimit, 4)) (\(count) vectors)"]
        guard count > 0 else { return lines }
        let from = max(0, first ?? 0), to = min(count - 1, last ?? first ?? count - 1)
        guard from <= to else { return lines }
        var runStart = from
        var runTarget: UInt32? = nil
        func flush(_ end: Int) {
            guard let t = runTarget else { return }
            let target = "\(hex(t >> 16, 4)):\(hex(t & 0xFFFF, 4))"
            lines.append(runStart == end ? "vector \(hex(runStart, 2))h       -> \(target)"
                                         : "vectors \(hex(runStart, 2))h-\(hex(end, 2))h -> \(target)")
        }
        for v in from...to {
            let t = memory.readLinearValue(cpu.idtrBase &+ UInt32(v * 4), bytes: 4) ?? 0
            let target = (t >> 16) << 16 | (t & 0xFFFF)
            if target != runTarget {
                flush(v - 1)
                runStart = v
                runTarget = target
            }
        }
        flush(to)
        return lines
    }

    /// The current TSS, field by field, and the I/O permission bitmap's open ports.
    static func tss(_ cpu: CPU, _ memory: GuestMemory) -> [String] {
        guard cpu.trSelector & 0xFFFC != 0 else { return ["TR=\(hex(cpu.trSelector, 4)): no task register loaded (LTR)"] }
        let b = cpu.trBase
        let is32 = cpu.trAttr & 0x8 != 0
        let type = Descriptor(low: 0, high: UInt32(cpu.trAttr) << 8).typeName
        var lines = ["TR=\(hex(cpu.trSelector, 4)) \(type) base=\(hex(b, 8)) limit=\(hex(cpu.trLimit, 8))",
                     "(the state saved at the last switch away from this task; the running task's registers are in the CPU)"]
        func d(_ off: UInt32) -> String { memory.readLinearValue(b &+ off, bytes: 4).map { hex($0, 8) } ?? "????????" }
        func w(_ off: UInt32) -> String { memory.readLinearValue(b &+ off, bytes: 2).map { hex($0, 4) } ?? "????" }
        if is32 {
            lines.append("link=\(w(0))  ESP0=\(d(4)) SS0=\(w(8))  ESP1=\(d(0xC)) SS1=\(w(0x10))  ESP2=\(d(0x14)) SS2=\(w(0x18))")
            lines.append("CR3=\(d(0x1C))  EIP=\(d(0x20))  EFLAGS=\(d(0x24))")
            lines.append("EAX=\(d(0x28)) ECX=\(d(0x2C)) EDX=\(d(0x30)) EBX=\(d(0x34)) ESP=\(d(0x38)) EBP=\(d(0x3C)) ESI=\(d(0x40)) EDI=\(d(0x44))")
            lines.append("ES=\(w(0x48)) CS=\(w(0x4C)) SS=\(w(0x50)) DS=\(w(0x54)) FS=\(w(0x58)) GS=\(w(0x5C)) LDT=\(w(0x60))  T=\((memory.readLinearValue(b &+ 0x64, bytes: 2) ?? 0) & 1)  I/O map base=\(w(0x66))")
            lines.append(contentsOf: ioBitmap(cpu, memory))
        } else {
            lines.append("link=\(w(0))  SP0=\(w(2)) SS0=\(w(4))  SP1=\(w(6)) SS1=\(w(8))  SP2=\(w(0xA)) SS2=\(w(0xC))")
            lines.append("IP=\(w(0xE))  FLAGS=\(w(0x10))")
            lines.append("AX=\(w(0x12)) CX=\(w(0x14)) DX=\(w(0x16)) BX=\(w(0x18)) SP=\(w(0x1A)) BP=\(w(0x1C)) SI=\(w(0x1E)) DI=\(w(0x20))")
            lines.append("ES=\(w(0x22)) CS=\(w(0x24)) SS=\(w(0x26)) DS=\(w(0x28)) LDT=\(w(0x2A))  (16-bit TSS: no I/O permission bitmap)")
        }
        return lines
    }

    /// SDM vol. 1, 18.5.2: port p is allowed when bit p of the bitmap is 0 and lies within the TSS limit.
    static func ioBitmap(_ cpu: CPU, _ memory: GuestMemory) -> [String] {
        let mapBase = memory.readLinearValue(cpu.trBase &+ 0x66, bytes: 2) ?? 0
        guard mapBase < cpu.trLimit else {
            return ["I/O permission bitmap: starts beyond the TSS limit, so every port needs CPL <= IOPL"]
        }
        let bytes = min(Int(cpu.trLimit - mapBase) + 1, 8192)
        let map = memory.readLinear(cpu.trBase &+ mapBase, count: bytes)
        var ranges: [(Int, Int)] = []
        var start: Int? = nil
        for port in 0..<(bytes * 8) {
            let open = (map[port / 8] ?? 0xFF) & (1 << UInt8(port % 8)) == 0
            if open, start == nil { start = port }
            if !open, let s = start { ranges.append((s, port - 1)); start = nil }
        }
        if let s = start { ranges.append((s, bytes * 8 - 1)) }
        let covered = "ports 0000-\(hex(bytes * 8 - 1, 4)) are in the map; higher ports are denied above IOPL"
        guard !ranges.isEmpty else { return ["I/O permission bitmap at +\(hex(mapBase, 4)): no port open (\(covered))"] }
        let shown = ranges.prefix(16).map { $0.0 == $0.1 ? hex($0.0, 4) : "\(hex($0.0, 4))-\(hex($0.1, 4))" }
        return ["I/O permission bitmap at +\(hex(mapBase, 4)): open ports " + shown.joined(separator: " ")
                + (ranges.count > 16 ? " … (\(ranges.count) ranges)" : "") + " (\(covered))"]
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
