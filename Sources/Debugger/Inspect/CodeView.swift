import CPUInterpreter

/// Instructions as the debugger prints them: place, bytes, Intel-syntax text from the
/// shared disassembler (the decoder the CPU executes with).
///
///   0008:000F0065 [000F0065]  66 B8 10 00           mov    ax,0x10
extension DebugSession {
    /// The instruction at CS:`eip` (CS as it is now), disassembled.
    func instructionLine(_ cs: UInt16, _ eip: UInt32, marker: String = "  ") -> (text: String, length: Int) {
        let la = cpu.segBase[Seg.cs] &+ eip
        let code32 = cpu.segAttr[Seg.cs] & 0x4000 != 0
        return line(marker: marker, place: positionText(cs, eip), linear: la, offset: eip, code32: code32)
    }

    /// A disassembled line for code at linear `la` whose CS offset is `offset`.
    func line(marker: String, place: String, linear la: UInt32, offset: UInt32, code32: Bool) -> (text: String, length: Int) {
        var bytes: [UInt8] = []
        for b in memory.readLinear(la, count: 16) { guard let b else { break }; bytes.append(b) }
        guard !bytes.isEmpty else { return ("\(marker)\(place)  (not mapped)", 0) }
        let d = disassembler.instruction(bytes, at: offset, code32: code32)
        let n = max(d.length, 1)
        let shown = bytes.prefix(min(n, 8)).map { hex($0, 2) }.joined(separator: " ") + (n > 8 ? " …" : "")
        return ("\(marker)\(place)  \(shown.padding(toLength: 25, withPad: " ", startingAt: 0))\(d.text)", d.length)
    }

    /// `disasm [ADDR] [N]`: N instructions from ADDR (default: CS:EIP); the current
    /// instruction is marked `=>`.
    func disassembly(at address: ResolvedAddress?, count: Int) -> [String] {
        let cs = cpu.segSelector[Seg.cs]
        let code32 = cpu.segAttr[Seg.cs] & 0x4000 != 0
        let csBase = cpu.segBase[Seg.cs]
        var la: UInt32
        switch address {
        case nil: la = csBase &+ cpu.eip
        case .linear(let a)?: la = a
        case .physical(let p)?:
            // Physical code is shown by physical address; CS-relative targets assume CS.base = 0.
            var out: [String] = []
            var pa = p
            for _ in 0..<count {
                var bytes: [UInt8] = []
                for k in 0..<16 { bytes.append(memory.readPhysical(pa &+ UInt32(k))) }
                let d = disassembler.instruction(bytes, at: pa, code32: code32)
                let n = max(d.length, 1)
                out.append("  p:\(hex(pa, 8))  \(bytes.prefix(min(n, 8)).map { hex($0, 2) }.joined(separator: " ").padding(toLength: 25, withPad: " ", startingAt: 0))\(d.text)")
                pa &+= UInt32(n)
            }
            return out
        }
        var out: [String] = []
        let current = csBase &+ cpu.eip
        for _ in 0..<count {
            let offset = la &- csBase
            let place = positionText(cs, offset)
            let (text, length) = line(marker: la == current ? "=> " : "   ", place: place, linear: la, offset: offset, code32: code32)
            out.append(text)
            if length == 0 { break }
            la &+= UInt32(length)
        }
        return out
    }
}
