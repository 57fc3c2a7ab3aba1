// Running a machine on its own thread for an interactive front end.
//
// The window (or terminal) and the machine never wait for each other: the machine
// thread runs the CPU in short slices of guest time and, between slices,
//   - takes the input events the front end queued (keys, mouse) and hands them to
//     the 8042's keyboard and mouse — devices are touched only on this thread;
//   - about 60 times a wall-clock second calls `onFrameTick`, in which the front end
//     renders the VGA picture (or reads the text cells) and copies what it needs
//     under its own lock;
//   - once a second measures the guest's speed (instructions retired per second)
//     and disk activity for the front end's title or status line;
//   - with `realtime`, sleeps while guest time runs ahead of the wall clock (the
//     CPU model's cycles per second convert cycles to seconds), so a guest that
//     spins or halts in an idle loop runs at its own speed and leaves the host idle.
// A slice ends early only at the machine's own end (guest exit, halt, triple fault);
// `requestStop` ends the run at the next slice boundary with outcome `.stopped`.

import Chipset
import Foundation

public final class MachineRunner: @unchecked Sendable {
    public struct Options: Sendable {
        /// Pace guest time to the wall clock.
        public var realtime: Bool
        /// End the run once the CPU has spent this many cycles.
        public var maxCycles: UInt64
        /// How often `onFrameTick` runs (per wall-clock second).
        public var framesPerSecond: Double
        public init(realtime: Bool = true, maxCycles: UInt64 = .max, framesPerSecond: Double = 60) {
            self.realtime = realtime
            self.maxCycles = maxCycles
            self.framesPerSecond = framesPerSecond
        }
    }

    /// Input for the guest, delivered in order on the machine thread.
    public enum InputEvent: Sendable, Equatable {
        /// A key went down / up: its scan code set 2 make sequence.
        case keyDown([UInt8])
        case keyUp([UInt8])
        /// Relative mouse motion in counts (+dy is up) and the buttons held
        /// (bit 0 left, bit 1 right, bit 2 middle).
        case mouse(dx: Int, dy: Int, buttons: UInt8)
        /// Later events wait until this much guest time has passed (typing pace).
        case delay(milliseconds: Int)
    }

    /// Measured once per wall-clock second on the machine thread.
    public struct Stats: Sendable, Equatable {
        /// Guest instructions retired per wall-clock second, in millions.
        public var mips: Double = 0
        /// Guest time per wall-clock second (1.0 = real time).
        public var speed: Double = 0
        /// An ATA channel raised its interrupt (a command completed) in the last second.
        public var hardDiskActive = false
        /// A floppy drive motor is on (the drive's LED).
        public var floppyActive = false
        public init() {}
    }

    public let machine: Machine
    public let options: Options
    /// Runs on the machine thread about `framesPerSecond` times a second, and once
    /// more when the run ends.
    public var onFrameTick: () -> Void = {}
    /// Runs on the machine thread once per second after the stats were updated.
    public var onStats: (Stats) -> Void = { _ in }
    /// Runs on the machine thread when the run has ended (after the last frame tick,
    /// before `outcome` is set and `wait` returns).
    public var onFinish: () -> Void = {}

    private let lock = NSCondition()
    private var queue: [InputEvent] = []
    private var stopFlag = false
    private var result: Machine.Outcome?
    private var currentStats = Stats()
    private var thread: Thread?

    public init(machine: Machine, options: Options = Options()) {
        self.machine = machine
        self.options = options
    }

    // MARK: Any thread

    /// Queues input for the guest.
    public func send(_ events: [InputEvent]) {
        lock.lock(); queue.append(contentsOf: events); lock.unlock()
    }

    public func send(_ event: InputEvent) { send([event]) }

    /// Ends the run at the next slice boundary (outcome `.stopped`).
    public func requestStop() {
        lock.lock(); stopFlag = true; lock.unlock()
    }

    public var stats: Stats {
        lock.lock(); defer { lock.unlock() }
        return currentStats
    }

    /// The outcome once the run has ended.
    public var outcome: Machine.Outcome? {
        lock.lock(); defer { lock.unlock() }
        return result
    }

    /// Starts the machine thread.
    public func start() {
        let t = Thread { [self] in
            let o = self.runLoop()
            // onFinish runs before `wait` returns: the front end may tear down what it uses.
            self.onFinish()
            self.lock.lock()
            self.result = o
            self.lock.broadcast()
            self.lock.unlock()
        }
        t.name = "pcemu machine"
        t.stackSize = 16 << 20
        thread = t
        t.start()
    }

    /// Waits for the run to end.
    @discardableResult
    public func wait() -> Machine.Outcome {
        lock.lock(); defer { lock.unlock() }
        while result == nil { lock.wait() }
        return result!
    }

    /// Waits at most `seconds`; nil when the run is still going.
    public func wait(seconds: Double) -> Machine.Outcome? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        lock.lock(); defer { lock.unlock() }
        while result == nil { if !lock.wait(until: deadline) { break } }
        return result
    }

    // MARK: Machine thread

    /// Guest cycles per slice: 1 ms of guest time when pacing (fine-grained sleeps and
    /// prompt input), 5 ms otherwise.
    var sliceCycles: UInt64 {
        max(1000, machine.scheduler.cyclesPerSecond / (options.realtime ? 1000 : 200))
    }

    private func runLoop() -> Machine.Outcome {
        let cpu = machine.cpu
        let cps = Double(machine.scheduler.cyclesPerSecond)
        let slice = sliceCycles
        let framePeriod = 1.0 / max(1, options.framesPerSecond)
        var paceWall = Self.now(), paceCycles = cpu.cycles
        var nextFrame = paceWall
        var statsWall = paceWall, statsInstructions = cpu.instructionsRetired, statsCycles = cpu.cycles
        var ataInterrupts = machine.ata.reduce(0) { $0 + $1.interruptCount }
        var inputResumeCycle: UInt64 = 0
        var outcome: Machine.Outcome

        while true {
            // Input, in order, up to a pending delay.
            lock.lock()
            let stop = stopFlag
            var events: [InputEvent] = []
            if cpu.cycles >= inputResumeCycle && !queue.isEmpty {
                var n = 0
                while n < queue.count {
                    let e = queue[n]; n += 1
                    if case .delay(let ms) = e {
                        inputResumeCycle = cpu.cycles &+ UInt64(max(0, ms)) * machine.scheduler.cyclesPerSecond / 1000
                        break
                    }
                    events.append(e)
                }
                queue.removeFirst(n)
            }
            lock.unlock()
            if stop { outcome = .stopped; break }
            deliver(events)

            let target = options.maxCycles - cpu.cycles > slice ? cpu.cycles + slice : options.maxCycles
            let o = machine.run(maxCycles: target)
            if o != .cycleLimit || cpu.cycles >= options.maxCycles { outcome = o; break }

            let now = Self.now()
            if now >= nextFrame {
                onFrameTick()
                nextFrame = max(nextFrame + framePeriod, now + framePeriod / 4)
            }
            if now - statsWall >= 1.0 {
                let dt = now - statsWall
                let ata = machine.ata.reduce(0) { $0 + $1.interruptCount }
                var s = Stats()
                s.mips = Double(cpu.instructionsRetired &- statsInstructions) / dt / 1e6
                s.speed = Double(cpu.cycles &- statsCycles) / cps / dt
                s.hardDiskActive = ata != ataInterrupts
                s.floppyActive = machine.floppy.dor & 0xF0 != 0
                ataInterrupts = ata
                statsWall = now; statsInstructions = cpu.instructionsRetired; statsCycles = cpu.cycles
                lock.lock(); currentStats = s; lock.unlock()
                onStats(s)
            }
            if options.realtime {
                let ahead = Double(cpu.cycles &- paceCycles) / cps - (now - paceWall)
                if ahead > 0.001 {
                    Thread.sleep(forTimeInterval: min(ahead, 0.02))
                } else if ahead < -0.25 {
                    // The host cannot keep up: run as fast as it can without catching up later.
                    paceWall = now; paceCycles = cpu.cycles
                }
            }
        }
        onFrameTick()
        return outcome
    }

    private func deliver(_ events: [InputEvent]) {
        let kbc = machine.keyboardController
        for e in events {
            switch e {
            case .keyDown(let make): kbc.keyboard.keyDown(scancodeSet2: make)
            case .keyUp(let make): kbc.keyboard.keyUp(scancodeSet2: make)
            case .mouse(let dx, let dy, let b): kbc.mouse.move(dx: dx, dy: dy, buttons: PS2Mouse.Buttons(rawValue: b))
            case .delay: break
            }
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
