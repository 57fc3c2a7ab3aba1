/// The run loop: fetch, charge, execute, deliver faults and interrupts.
extension CPU {
    /// Runs until `cycles` reaches `cycleLimit`, or the CPU halts, shuts down, or is asked to stop.
    public func run(until cycleLimit: UInt64) -> StopReason {
        runLoop(until: cycleLimit, NoHook())
    }

    /// `run` with a hook called before every instruction (CS, EIP) that can stop the run:
    /// the debugger's and the tracer's loop. Both are one generic loop, specialised so the
    /// plain one carries no per-instruction check.
    public func run(until cycleLimit: UInt64, beforeEach hook: (UInt16, UInt32) -> Bool) -> StopReason {
        withoutActuallyEscaping(hook) { h in runLoop(until: cycleLimit, ClosureHook(body: h)) }
    }

    /// The outer loop makes every check of an instruction boundary (shutdown, a stop request,
    /// the cycle budget, the interrupt shadow, INTR with IF, HLT, the debugger's hook, the
    /// single-step trap). When none can matter for a while (no hook, INTR low, TF clear), the
    /// inner loop runs instructions until `fastDeadline` with one compare each, as Bochs's
    /// async_event does: whatever makes a check matter again sets `fastDeadline` to 0
    /// (`requestAttention`) and the inner loop returns to the outer one after that instruction.
    @inline(__always)
    private func runLoop<H: StepHook>(until cycleLimit: UInt64, _ hook: H) -> StopReason {
        cycleDeadline = cycleLimit
        while true {
            if shutdown { return .shutdown }
            if stopRequested { stopRequested = false; return .requested }
            if cycles >= cycleDeadline { return .cycleBudget }
            if interruptShadow {
                interruptShadow = false
            } else if intrLine && flagsStore & Flag.if != 0 {
                acceptHardwareInterrupt()
                continue
            }
            if halted { return .halted }
            let trapAfter = flagsStore & Flag.tf != 0
            if H.callsEachInstruction || intrLine || trapAfter {
                // One instruction, then the checks again.
                if !hook.proceed(segSelector[Seg.cs], eip) { return .requested }
                fastDeadline = 0
            } else {
                // INTR is low (raising it requests attention) and TF is clear (an instruction
                // that loads EFLAGS with TF set requests attention): no check is due until
                // something requests attention or the run's deadline comes.
                fastDeadline = cycleDeadline
            }
            // One call site, so the dispatch switch is inlined once.
            singleStepPending = trapAfter
            // Retired instructions are counted in a register and added when the batch ends
            // (a memory increment per instruction costs more; nothing reads the count mid-batch).
            var retired: UInt64 = 0
            var pc = UInt64(eip), cyc = cycles
            checkReloadedPC(pc)
            loopCopiesStale = false
            repeat { executeNext(&retired, &pc, &cyc) } while cyc < fastDeadline
            // A branch leaves its target only in `pc` and `cyc` (`Continuation`).
            eipStore = UInt32(truncatingIfNeeded: pc); cyclesStore = cyc
            instructionsRetired &+= retired
            // SDM 17.3.1.4: single-step trap after an instruction that began with TF = 1
            // (a fault delivered instead clears `singleStepPending`).
            if singleStepPending { singleStepPending = false; raiseSoftwareInterrupt(vector: 1, returnTo: eip, isTrap: true) }
        }
    }

    /// The inner loop stops after the current instruction: a check of the outer loop may
    /// matter (INTR raised, a stop request, HLT, shutdown, an interrupt shadow, TF set).
    @inline(__always) func requestAttention() { fastDeadline = 0 }

    /// An instruction loaded EFLAGS (POPF, IRET, a task switch, the debugger): if it set TF,
    /// the next instruction must go through `step`, which raises the single-step trap.
    @inline(__always) func flagsLoaded() {
        if flagsStore & Flag.tf != 0 { requestAttention() }
    }

    /// Executes exactly one instruction (or delivers the fault it raised).
    public func step() {
        // No instruction runs a following one in the same dispatch (Execute/CompareAndBranch.swift).
        fastDeadline = 0
        singleStepPending = flagsStore & Flag.tf != 0
        var retired: UInt64 = 0
        var pc = UInt64(eip), cyc = cycles
        checkReloadedPC(pc)
        // Set by whoever wrote EIP or the cycle count before this step: a branch's result
        // would be taken for stale and dropped.
        loopCopiesStale = false
        executeNext(&retired, &pc, &cyc)
        eipStore = UInt32(truncatingIfNeeded: pc); cyclesStore = cyc
        instructionsRetired &+= retired
        // SDM 17.3.1.4: single-step trap after an instruction that began with TF = 1.
        if singleStepPending { singleStepPending = false; raiseSoftwareInterrupt(vector: 1, returnTo: eip, isTrap: true) }
    }

    /// Fetches and executes one instruction, or delivers the fault it raised (which clears
    /// `singleStepPending`: the fault's delivery replaces the single-step trap).
    ///
    /// `pc` and `cyc` are the loop's copies of EIP and the cycle count, kept in registers: the
    /// next fetch's address then comes from this instruction's length by a register add, not
    /// from a reload of the EIP just stored (a store-to-load round trip on every instruction's
    /// critical path). The stores to `eipStore`/`cyclesStore` keep the CPU's values exact for
    /// the handler; a generic handler (or fault delivery) that writes EIP or the cycle count
    /// goes through their setters, which set `loopCopiesStale`, and the copies are reloaded
    /// (`resume`, and the catch below). The specialised handlers never do, so the common case
    /// tests no flag: a fused entry that gives an instruction back returns the rewound EIP
    /// and cycles instead (callgrind: two instructions fewer a dispatch).
    /// `pc` is 64 bits wide with the upper half zero: kept as a 32-bit value, every use as an
    /// address needs a zero-extending move on the EIP chain (one cycle of eight per
    /// instruction, perf). A sum that reaches 2^32 (an instruction ending at the top of the
    /// address space) misses the memo, and the miss path starts again from the truncated
    /// EIP.
    /// A taken near branch returns its target and cycle count (`Continuation`) instead of
    /// storing them: a store, a flag and two reloads fewer per taken branch, and the next
    /// fetch's address comes from a register. Until the next instruction stores `eipStore`, the
    /// stored EIP is then the branch's fall-through: the loops write `pc` and `cyc` back
    /// when they end, and the fetch's miss path stores `pc` first.
    @inline(__always)
    func executeNext(_ retired: inout UInt64, _ pc: inout UInt64, _ cyc: inout UInt64) {
        instructionStart = UInt32(truncatingIfNeeded: pc)
        do {
            let (ins, next) = try fetchWithNext(at: pc)
            eipStore = UInt32(truncatingIfNeeded: next)
            let c = cyc &+ UInt64(ins.cost)
            cyclesStore = c
            let after = try execute(ins, next, c)
            // `execute` has reloaded the copies after a generic form that used the setters;
            // a specialised form must not use them (its result would win).
            assert(!loopCopiesStale, "a specialised handler set EIP or the cycle count through the setters")
            retired &+= 1
            pc = after.pc; cyc = after.cycles
        } catch {
            singleStepPending = false
            deliverException(error)
            loopCopiesStale = false
            pc = UInt64(eipStore); cyc = cyclesStore; checkReloadedPC(pc)
        }
    }

    /// Brings the end of the current run forward to cycle `deadline` (if it is earlier):
    /// the board calls it when a device schedules an event while the CPU runs (a port
    /// write that starts a UART character, a disk command), so the event fires on time
    /// instead of at the end of the batch. The run returns at the first instruction
    /// boundary at or after `deadline`.
    public func endRun(by deadline: UInt64) {
        if deadline < cycleDeadline { cycleDeadline = deadline }
        if deadline < fastDeadline { fastDeadline = deadline }
    }

    /// The INTR line went high while IF = 1: leave HLT, run the INTA cycle, deliver.
    @inline(never)
    func acceptHardwareInterrupt() {
        guard let controller = interrupts else { intrLine = false; return }
        halted = false
        let vector = controller.acknowledge()
        instructionStart = eip
        raiseSoftwareInterrupt(vector: vector, returnTo: eip, isTrap: false, external: true)
    }

    /// Delivers a fault raised by an instruction: the saved EIP is the faulting instruction.
    @inline(never)
    func deliverException(_ fault: Fault) {
        lastFault = fault
        eip = instructionStart
        faultObserver?(fault, segSelector[Seg.cs], instructionStart)
        if let hold = exceptionBreak, hold(fault) { heldException = fault; stopRequested = true; return }
        deliver(fault, returnTo: instructionStart)
    }

    /// Delivers the fault `exceptionBreak` held (the debugger resumes); it returns to EIP,
    /// which is the faulting instruction unless the debugger moved it.
    public func deliverHeldException() {
        guard let fault = heldException else { return }
        heldException = nil
        instructionStart = eip
        deliver(fault, returnTo: eip)
    }

    /// Traps (single-step) and hardware interrupts, delivered between instructions.
    /// A fault raised while delivering them is delivered as an ordinary fault.
    @inline(never)
    func raiseSoftwareInterrupt(vector: UInt8, returnTo: UInt32, isTrap: Bool, external: Bool = false) {
        let switches = taskSwitches
        do {
            try interruptOrException(vector: vector, errorCode: nil, returnTo: returnTo, software: false, external: external)
        } catch {
            // A fault after a task switch's commit point (a task gate) returns to the new task's
            // EIP, which the switch left in `instructionStart`.
            if taskSwitches == switches { instructionStart = returnTo }
            eip = instructionStart
            deliver(error, returnTo: instructionStart)
        }
    }

    /// Delivers `fault`, applying the double-fault rules (SDM vol. 3, table 6-5) when
    /// delivering it raises another exception; a fault while delivering #DF shuts the CPU down.
    func deliver(_ fault: Fault, returnTo: UInt32, during previous: Fault? = nil) {
        var current = fault
        var prior = previous
        var returnTo = returnTo
        while true {
            if let p = prior {
                if p.vector == 8 { shutdown = true; return }       // triple fault
                let a = p.faultClass, b = current.faultClass
                if (a == .contributory && b == .contributory) || (a == .pageFault && b != .benign) {
                    current = Fault.doubleFault()
                }
            }
            do {
                try interruptOrException(vector: current.vector,
                                         errorCode: current.hasErrorCode ? current.errorCode : nil,
                                         returnTo: returnTo, software: false, external: false)
                return
            } catch {
                prior = current
                current = error
                // The faulting instruction (callers pass it as `returnTo`), or the new task's
                // EIP when the fault came after a task switch's commit point (a task gate).
                returnTo = instructionStart
                eip = instructionStart
            }
        }
    }

    /// Dispatches by mode: the IVT in real mode, the IDT in protected mode.
    func interruptOrException(vector: UInt8, errorCode: UInt32?, returnTo: UInt32, software: Bool, external: Bool) throws(Fault) {
        if protectedMode {
            try protectedModeInterrupt(vector: vector, errorCode: errorCode, returnTo: returnTo, software: software, external: external)
        } else {
            try realModeInterrupt(vector: vector, returnTo: returnTo, software: software, external: external)
        }
    }

    /// Real-address-mode interrupt (SDM vol. 2, INT n: REAL-ADDRESS-MODE): the IVT entry
    /// at IDTR.base + 4n holds IP then CS; FLAGS, CS and IP are pushed as words; IF, TF and AC are cleared.
    func realModeInterrupt(vector: UInt8, returnTo: UInt32, software: Bool = false, external: Bool = false) throws(Fault) {
        let entry = UInt32(vector) &* 4
        // SDM: if the vector's entry lies beyond the IDT limit, #GP (which then double-faults).
        guard entry &+ 3 <= idtrLimit else { throw Fault.generalProtection(UInt32(vector) &* 8 &+ 2) }
        let ip = try readLinear(idtrBase &+ entry, 1)
        let cs = try readLinear(idtrBase &+ entry &+ 2, 1)
        let flags = eflags
        try push(flags & 0xFFFF, 1)
        try push(UInt32(segSelector[Seg.cs]), 1)
        try push(returnTo & 0xFFFF, 1)
        flagsStore &= ~(Flag.if | Flag.tf | Flag.ac | Flag.rf)
        let fromCS = segSelector[Seg.cs]
        loadRealModeSegment(Seg.cs, UInt16(cs))
        eip = ip
        if observer != nil {
            reportRealModeDelivery(vector: vector, fromCS: fromCS, returnTo: returnTo, flags: flags, external: external, software: software)
        }
    }
}

/// EIP (64 bits, upper half zero) and the cycle count after an instruction, as a branch
/// handler hands them to the run loop in registers (`CPU.executeNext`).
typealias Continuation = (pc: UInt64, cycles: UInt64)

/// Called before each instruction by the run loop; false stops the run.
protocol StepHook {
    /// True: the run loop calls `proceed` before every instruction (no inner loop).
    static var callsEachInstruction: Bool { get }
    func proceed(_ cs: UInt16, _ eip: UInt32) -> Bool
}

/// The plain run: always proceed (the check compiles away).
struct NoHook: StepHook {
    static var callsEachInstruction: Bool { false }
    @inline(__always) func proceed(_ cs: UInt16, _ eip: UInt32) -> Bool { true }
}

struct ClosureHook: StepHook {
    static var callsEachInstruction: Bool { true }
    let body: (UInt16, UInt32) -> Bool
    @inline(__always) func proceed(_ cs: UInt16, _ eip: UInt32) -> Bool { body(cs, eip) }
}
