import Chipset
import CPUInterpreter
import Foundation

/// A machine under the debugger: its breakpoints, watchpoints and event breaks, and the
/// run control the shell and the GDB stub share.
///
/// Cost when idle: with no breakpoint of any kind set, `continue` runs the machine's plain
/// loop (`Machine.run` without a per-instruction hook). Code breakpoints and CPL/mode/task
/// breaks add a check before each instruction only while one is set. Watchpoints cost
/// nothing per instruction: the pages they cover miss the TLB and the CPU's slow path
/// reports their accesses. Exception and I/O breaks sit on paths that are already slow
/// (fault delivery, the I/O bus).
public final class DebugSession {
    public let machine: Machine
    public let transcript: Transcript
    public var cpu: CPU { machine.cpu }
    let memory: GuestMemory
    let disassembler: Disassembler
    /// The run ends with `.cycleLimit` once the CPU has spent this many cycles.
    public let maxCycles: UInt64
    /// Set when the machine has ended; it cannot run any further.
    public private(set) var outcome: Machine.Outcome?

    private(set) var breakpoints = BreakpointTable()
    private let watcher: WatchpointWatcher
    private var watchSnapshots: [Int: [UInt8?]] = [:]
    /// The stop a hook or an event recorded for the run in progress (first one wins).
    private var pendingStop: StopReason?
    private let interruptLock = NSLock()
    private var interruptFlag = false
    private let originalPortTrace: ((UInt16, Int, UInt32, Bool) -> Void)?

    // explain on|off
    private var explainer: ExplainPrinter?
    private var observerBeforeExplain: ProtectionObserver?

    public init(machine: Machine, transcript: Transcript, maxCycles: UInt64 = .max) {
        self.machine = machine
        self.transcript = transcript
        self.maxCycles = maxCycles
        memory = GuestMemory(machine: machine)
        disassembler = Disassembler(model: machine.cpu.model)
        watcher = WatchpointWatcher(cpu: machine.cpu)
        originalPortTrace = machine.ports.trace
        watcher.onHit = { [unowned self] hit in self.watchHit(hit) }
    }

    // MARK: Interrupting a run (any thread)

    /// Stops a running `continue` at the next instruction boundary (Ctrl-C, the window's
    /// hot key, GDB's interrupt). Safe to call from any thread.
    public func interrupt() {
        interruptLock.lock(); interruptFlag = true; interruptLock.unlock()
        machine.requestBreak()
    }

    private func takeInterrupt() -> Bool {
        interruptLock.lock(); defer { interruptLock.unlock() }
        let f = interruptFlag
        interruptFlag = false
        return f
    }

    // MARK: Breakpoints

    func addBreakpoint(_ kind: Breakpoint.Kind) -> Breakpoint {
        let b = breakpoints.add(kind)
        rearm()
        return b
    }

    func deleteBreakpoint(_ number: Int?) -> Int {
        let n = breakpoints.delete(number)
        rearm()
        return n
    }

    /// Installs the slow-path hooks the current breakpoints need, and only those.
    private func rearm() {
        let watches = breakpoints.watches.map { WatchpointWatcher.Watch(number: $0.number, kind: $0.kind, linear: $0.linear, length: $0.length) }
        if watches.isEmpty {
            if cpu.memoryWatcher != nil { cpu.watchMemory(nil) }
        } else {
            watcher.set(watches)
            cpu.watchMemory(watcher)
            for w in watches where watchSnapshots[w.number] == nil {
                watchSnapshots[w.number] = memory.readLinear(w.linear, count: Int(min(w.length, 64)))
            }
        }
        watchSnapshots = watchSnapshots.filter { k, _ in watches.contains { $0.number == k } }

        let exceptions = breakpoints.exceptions
        if exceptions.isEmpty {
            cpu.exceptionBreak = nil
        } else {
            cpu.exceptionBreak = { [unowned self] fault in
                guard let b = exceptions.first(where: { $0.vector == nil || $0.vector == fault.vector }) else { return false }
                self.record(.exception(b.number, fault, self.cpu.segSelector[Seg.cs], self.cpu.instructionStart))
                self.machine.requestBreak()
                return true
            }
        }

        let ports = breakpoints.ports
        if ports.isEmpty {
            machine.ports.trace = originalPortTrace
        } else {
            let previous = originalPortTrace
            machine.ports.trace = { [unowned self] port, size, value, write in
                previous?(port, size, value, write)
                // An access covers `size` ports from `port`.
                guard let b = ports.first(where: { $0.port &- port < UInt16(size) }) else { return }
                self.record(.io(b.number, port: port, size: size, value: value, write: write,
                                self.cpu.segSelector[Seg.cs], self.cpu.instructionStart))
                self.machine.requestBreak()
            }
        }
    }

    private func record(_ stop: StopReason) {
        if pendingStop == nil { pendingStop = stop }
    }

    private func watchHit(_ hit: WatchpointWatcher.Hit) {
        guard pendingStop == nil, let w = watcher.watches.first(where: { $0.number == hit.number }) else { return }
        let now = memory.readLinear(w.linear, count: Int(min(w.length, 64)))
        let old = watchSnapshots[w.number] ?? now
        watchSnapshots[w.number] = now
        record(.watch(hit, old: old, new: now, watchLinear: w.linear))
        machine.requestBreak()
    }

    /// Removes every breakpoint, watchpoint and event break (a GDB client detached).
    public func deleteAllBreakpoints() { _ = deleteBreakpoint(nil) }

    /// Runs until the machine ends or `interrupt()` is called; returns the outcome, if it ended.
    @discardableResult
    public func continueToEnd() -> Machine.Outcome? {
        while outcome == nil {
            if case .interrupted = run() { break }
        }
        return outcome
    }

    // MARK: Running

    /// The place of the next instruction, for matching breakpoints.
    private func matches(_ loc: CodeLocation, _ cs: UInt16, _ eip: UInt32) -> Bool {
        let linear = cpu.segBase[Seg.cs] &+ eip
        switch loc {
        case .linear(let a): return linear == a
        case .selectorOffset(let s, let o): return cs == s && eip == o
        case .offsetOrLinear(let a): return eip == a || linear == a
        case .physical(let p): return memory.translate(linear) == p
        }
    }

    private var modeState: (pe: Bool, pg: Bool, vm: Bool) {
        (cpu.cr0 & CR0.pe != 0, cpu.cr0 & CR0.pg != 0, cpu.v86Mode)
    }

    static func modeName(_ m: (pe: Bool, pg: Bool, vm: Bool)) -> String {
        var s = !m.pe ? "real mode" : m.vm ? "virtual-8086 mode" : "protected mode"
        if m.pg { s += ", paging on" }
        return s
    }

    /// Runs the machine until something stops it.
    /// - steps: stop after this many instructions; `onStep` sees each one before it runs.
    ///   Code breakpoints do not stop a step; watchpoints and event breaks do.
    /// - target: also stop before the instruction there (`until`, `next`).
    func run(steps: Int? = nil, target: CodeLocation? = nil, onStep: ((UInt16, UInt32) -> Void)? = nil) -> StopReason {
        if let o = outcome { return .ended(o) }
        pendingStop = nil
        _ = takeInterrupt()
        var remaining = steps
        if cpu.heldException != nil {
            deliverHeldException()
            if let r = remaining {
                remaining = r - 1
                if r - 1 <= 0 { return .stepped }
            }
        }
        let codeBreaks = breakpoints.code
        let cplBreak = breakpoints.cplBreak, modeBreak = breakpoints.modeBreak, taskBreak = breakpoints.taskBreak
        var lastCPL = cpu.cpl, lastMode = modeState, lastTasks = cpu.taskSwitches, lastTR = cpu.trSelector
        let start = (cs: cpu.segSelector[Seg.cs], eip: cpu.eip)
        var leftStart = false
        var executed = 0
        let needsHook = remaining != nil || target != nil || breakpoints.needsInstructionHook

        let hook: (UInt16, UInt32) -> Bool = { [unowned self] cs, eip in
            if let n = cplBreak, self.cpu.cpl != lastCPL {
                self.record(.cpl(n, old: lastCPL, new: self.cpu.cpl)); return false
            }
            if let n = modeBreak {
                let m = self.modeState
                if m != lastMode { self.record(.mode(n, old: Self.modeName(lastMode), new: Self.modeName(m))); return false }
            }
            if let n = taskBreak, self.cpu.taskSwitches != lastTasks {
                self.record(.task(n, oldTR: lastTR, newTR: self.cpu.trSelector)); return false
            }
            // Resuming from a breakpoint must not stop there again: the start place is
            // skipped until execution has left it (a REP instruction yields in place).
            if !leftStart && (cs != start.cs || eip != start.eip) { leftStart = true }
            let atStart = !leftStart
            if let r = remaining {
                if executed == r { self.record(.stepped); return false }
                executed += 1
                onStep?(cs, eip)
                return true
            }
            if atStart { return true }
            if let t = target, self.matches(t, cs, eip) { self.record(.reached(t)); return false }
            for b in codeBreaks where self.matches(b.location, cs, eip) {
                if let c = b.condition, c.evaluate(self.memory) == 0 { continue }
                self.record(.breakpoint(b.number)); return false
            }
            return true
        }

        while true {
            let o: Machine.Outcome
            if needsHook {
                // A step runs with a one-cycle budget so that a REP string instruction does one
                // iteration per step (as with EFLAGS.TF); a halted CPU waits for its interrupt.
                let end = remaining != nil && !cpu.halted ? min(maxCycles, cpu.cycles &+ 1) : maxCycles
                o = machine.run(maxCycles: end, beforeEach: hook)
            } else {
                o = machine.run(maxCycles: maxCycles)
            }
            lastCPL = cpu.cpl; lastMode = modeState; lastTasks = cpu.taskSwitches; lastTR = cpu.trSelector
            if case .guestExit = o { outcome = o; return .ended(o) }
            if let stop = pendingStop {
                pendingStop = nil
                if case .breakpoint(let n) = stop { breakpoints.hit(n) }
                if case .watch(let h, _, _, _) = stop { breakpoints.hit(h.number) }
                if case .exception(let n, _, _, _) = stop { breakpoints.hit(n) }
                if case .io(let n, _, _, _, _, _, _) = stop { breakpoints.hit(n) }
                if case .cpl(let n, _, _) = stop { breakpoints.hit(n) }
                if case .mode(let n, _, _) = stop { breakpoints.hit(n) }
                if case .task(let n, _, _) = stop { breakpoints.hit(n) }
                _ = takeInterrupt()
                return stop
            }
            switch o {
            case .stopped:
                if takeInterrupt() { return .interrupted }
                continue       // a stop request nobody claims (a reset request already handled)
            case .cycleLimit where cpu.cycles < maxCycles:
                continue       // the end of one step's budget
            default:
                outcome = o
                return .ended(o)
            }
        }
    }

    /// Delivers a fault that an exception break held.
    func deliverHeldException() {
        guard let f = cpu.heldException else { return }
        cpu.deliverHeldException()
        transcript.line("delivered \(Self.faultText(f)) -> \(position)")
    }

    static func faultText(_ f: Fault) -> String {
        f.hasErrorCode ? "\(f.mnemonic)(0x\(hex(f.errorCode, 4)))" : f.mnemonic
    }

    // MARK: Explain

    public var explaining: Bool { explainer != nil }

    public func setExplain(_ on: Bool) {
        if on {
            guard explainer == nil else { return }
            let t = transcript
            let e = ExplainPrinter(cpu: cpu) { text in t.lines(text) }
            observerBeforeExplain = cpu.observer
            if let tally = cpu.observer as? RuleTally { tally.next = e } else { cpu.observer = e }
            explainer = e
        } else {
            guard explainer != nil else { return }
            if let tally = cpu.observer as? RuleTally { tally.next = nil } else { cpu.observer = observerBeforeExplain }
            explainer = nil
        }
    }

    /// An explain printer that was set up before the debugger (`--explain`) is taken over.
    public func adoptExplainer(_ e: ExplainPrinter) {
        explainer = e
        observerBeforeExplain = nil
    }

    // MARK: Positions

    /// "0008:000F0060 [000F0060]" (16-bit code: "F000:FFF0 [000FFFF0]").
    var position: String { positionText(cpu.segSelector[Seg.cs], cpu.eip) }

    func positionText(_ cs: UInt16, _ eip: UInt32) -> String {
        let code16 = cpu.segAttr[Seg.cs] & 0x4000 == 0 && eip <= 0xFFFF
        return "\(hex(cs, 4)):\(hex(eip, code16 ? 4 : 8)) [\(hex(cpu.segBase[Seg.cs] &+ eip, 8))]"
    }
}
