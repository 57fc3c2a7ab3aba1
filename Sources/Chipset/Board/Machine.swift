import CPUInterpreter

/// The PC: a CPU wired to the board's memory map and I/O bus, run in batches of cycles.
public final class Machine {
    public struct Configuration {
        public var model: CPUModel = .i386
        public var memoryMiB = 64
        public var rom: [UInt8] = []
        public var debugConsole: ([UInt8]) -> Void = { _ in }
        /// Where the POST-code latch answers (0x80 on PCs).
        public var postPort: UInt16 = 0x80
        /// A triple fault resets the machine, as on a PC (the CPU's shutdown cycle makes the
        /// board pulse RESET); false ends the run instead (QEMU's -no-reboot).
        public var rebootOnTripleFault = true
        public init() {}
    }

    /// Why a run ended; the command line turns this into an exit status.
    public enum Outcome: Equatable {
        case guestExit(success: Bool, code: UInt32)
        case haltedWithInterruptsDisabled
        /// HLT with IF = 1, but no device on the board can raise an interrupt.
        case haltedIdle
        case tripleFault
        case cycleLimit
        case stopped
    }

    public let cpu: CPU
    public let memory: MemoryMap
    public let ports: IOPortBus
    public let debugConsole: DebugConsole
    public let postCodes = POSTCodePort()
    public let exitPorts = ExitPorts()
    public let scheduler: Scheduler
    public let rebootOnTripleFault: Bool
    /// How many times a triple fault reset the machine.
    public private(set) var resets = 0

    public struct ROMError: Error, CustomStringConvertible { public let description: String }

    public init(_ config: Configuration) throws(ROMError) {
        guard config.rom.count == 64 << 10 || config.rom.count == 128 << 10 else {
            throw ROMError(description: "a system ROM must be 64 KiB or 128 KiB, this one is \(config.rom.count) bytes")
        }
        rebootOnTripleFault = config.rebootOnTripleFault
        memory = MemoryMap(ramMiB: config.memoryMiB)
        memory.loadROM(config.rom)
        ports = IOPortBus()
        debugConsole = DebugConsole(output: config.debugConsole)
        let cpu = CPU(model: config.model, memory: memory, ports: ports)
        self.cpu = cpu
        scheduler = Scheduler(cyclesPerSecond: config.model.cyclesPerSecond) { [unowned cpu] in cpu.cycles }
        ports.map(0xE9...0xE9, debugConsole, name: "debug console")
        ports.map(config.postPort...config.postPort, postCodes, name: "POST code")
        ports.map(0xF4...0xF4, exitPorts, name: "isa-debug-exit")
        ports.map(0x8900...0x8900, exitPorts, name: "Bochs shutdown port")
        exitPorts.onRequest = { [unowned cpu] in cpu.stopRequested = true }
    }

    /// Runs until the guest asks to exit, halts for good, triple-faults, or `maxCycles` pass.
    /// With `beforeEach`, the CPU calls it before every instruction (tracing, debugging).
    public func run(maxCycles: UInt64 = .max, batch: UInt64 = 1 << 20,
                    beforeEach: ((UInt16, UInt32) -> Bool)? = nil) -> Outcome {
        while true {
            var limit = maxCycles - cpu.cycles > batch ? cpu.cycles + batch : maxCycles
            limit = min(limit, max(scheduler.nextDeadline, cpu.cycles &+ 1))
            var reason = beforeEach.map { cpu.run(until: limit, beforeEach: $0) } ?? cpu.run(until: limit)
            if reason == .halted && !cpu.shutdown && cpu.eflags & Flag.if != 0 {
                // HLT with interrupts enabled: time passes until the next device event,
                // which may raise the interrupt that wakes the CPU.
                let next = scheduler.nextDeadline
                if next != .max {
                    if next >= maxCycles { cpu.cycles = maxCycles; return .cycleLimit }
                    cpu.cycles = max(cpu.cycles, next)
                    reason = .cycleBudget
                }
            }
            scheduler.runDue()
            if let r = exitPorts.request {
                switch r {
                case .success: return .guestExit(success: true, code: 0x10)
                case .failure(let v): return .guestExit(success: false, code: v)
                }
            }
            switch reason {
            case .shutdown:
                guard rebootOnTripleFault else { return .tripleFault }
                // RESET keeps RAM; the CPU starts again at the reset vector.
                resets += 1
                cpu.reset()
            case .halted:
                // HLT with IF = 0 never ends. With IF = 1 only an interrupt ends it, and no
                // device of this board raises one yet.
                return cpu.eflags & Flag.if == 0 ? .haltedWithInterruptsDisabled : .haltedIdle
            case .cycleBudget:
                if cpu.cycles >= maxCycles { return .cycleLimit }
            case .requested:
                return .stopped
            }
        }
    }
}
