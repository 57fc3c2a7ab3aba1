import CPUInterpreter

/// `step` and `next` for the shell: each instruction is printed as it is about to run;
/// a fault it raises and a hardware interrupt taken between two steps are named.
extension DebugSession {
    /// Runs `count` instructions, printing each (`quiet`: printing nothing, for the GDB stub).
    func step(_ count: Int, quiet: Bool = false) -> StopReason {
        guard !quiet else { return run(steps: count) }
        let cpu = self.cpu
        let previousFaultObserver = cpu.faultObserver
        let previousController = cpu.interrupts
        let t = transcript
        cpu.faultObserver = { f, cs, ip in
            previousFaultObserver?(f, cs, ip)
            t.line("     ! raises \(Self.faultText(f))")
        }
        if let c = previousController {
            cpu.interrupts = AcknowledgeRecorder(c) { vector in
                t.line("     ! hardware interrupt, vector 0x\(hex(vector, 2)), taken before the next instruction")
            }
        }
        defer {
            cpu.faultObserver = previousFaultObserver
            cpu.interrupts = previousController
        }
        return run(steps: count) { [unowned self] cs, eip in
            t.line(self.instructionLine(cs, eip, marker: "   ").text)
        }
    }

    /// Whether `next` steps over the instruction at CS:EIP (CALL, INT n/INT3/INTO, a REP
    /// string instruction, LOOP), and the instruction's length.
    func stepOverLength() -> Int? {
        let la = cpu.segBase[Seg.cs] &+ cpu.eip
        var bytes: [UInt8] = []
        for b in memory.readLinear(la, count: 16) { guard let b else { break }; bytes.append(b) }
        guard !bytes.isEmpty else { return nil }
        let d = disassembler.instruction(bytes, at: cpu.eip, code32: cpu.segAttr[Seg.cs] & 0x4000 != 0)
        guard d.length > 0 else { return nil }
        let words = d.text.split(separator: " ").map(String.init)
        guard let first = words.first else { return nil }
        let overs: Set<String> = ["call", "int", "int3", "into", "int1", "icebp", "rep", "repz", "repe", "repnz", "repne"]
        return overs.contains(first) ? d.length : nil
    }

    /// `next`: a step, except that a CALL, INT or REP instruction runs until the instruction
    /// after it (or a breakpoint, watchpoint or event break).
    func next(quiet: Bool = false) -> StopReason {
        guard let length = stepOverLength() else { return step(1, quiet: quiet) }
        if !quiet { transcript.line(instructionLine(cpu.segSelector[Seg.cs], cpu.eip, marker: "   ").text) }
        let after = CodeLocation.selectorOffset(cpu.segSelector[Seg.cs], cpu.eip &+ UInt32(length))
        let stop = run(target: after)
        if case .reached = stop { return .stepped }
        return stop
    }
}

/// Passes the INTA cycle through to the board's controller and reports the vector.
final class AcknowledgeRecorder: InterruptController {
    let inner: InterruptController
    let report: (UInt8) -> Void
    init(_ inner: InterruptController, report: @escaping (UInt8) -> Void) { self.inner = inner; self.report = report }
    var interruptPending: Bool { inner.interruptPending }
    func acknowledge() -> UInt8 {
        let v = inner.acknowledge()
        report(v)
        return v
    }
}
