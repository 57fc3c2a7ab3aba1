// Intel 8254 Programmable Interval Timer, as wired on the PC/AT.
//
// Behaviour from: Intel 8254 Programmable Interval Timer datasheet (order no. 231164),
// sections "Control Word Register", "Write Operations", "Read Operations" (counter latch
// command, read-back command, status byte), "Mode Definitions" (modes 0-5 and their
// timing diagrams, figures 12-17) and "Operation Common to All Modes" (gate, counter,
// minimum/maximum initial counts).
//
// Register map:
//   0x40  counter 0  (clock 1.193182 MHz, gate tied high, OUT -> IRQ0)
//   0x41  counter 1  (clock 1.193182 MHz, gate tied high; DRAM refresh on the original AT)
//   0x42  counter 2  (clock 1.193182 MHz, gate = port 0x61 bit 0, OUT -> speaker, 0x61 bit 5)
//   0x43  control word (write only; reads float): SC1 SC0 RW1 RW0 M2 M1 M0 BCD
//         SC = 11 is the read-back command; RW = 00 is the counter latch command.
//
// Time: the counters are not clocked one by one. Each keeps the state it had at a base
// tick (the last write or gate change) and computes its count and OUT at any later tick
// in closed form, from the scheduler's cycle counter. Counter 0 schedules only the next
// change of its OUT, which drives IRQ0.

/// The PIT input clock: 14.31818 MHz / 12.
public let pitClockHz: UInt64 = 1_193_182

/// One counter of the 8254.
final class PITCounter {
    /// What a counter is at one tick; advanced in closed form by `state(at:)`.
    struct Snapshot {
        var out = false
        /// Counting element, as a number of remaining counts (1...modulus right after a
        /// load, where an initial count of 0 is the modulus; 0..<modulus afterwards).
        var ce: UInt64 = 0
        /// Mode 3: the count governing the current half-period, and clocks spent in it.
        var halfCount: UInt64 = 0
        var halfPos: UInt64 = 0
        /// CR -> CE transfer due on the next CLK pulse.
        var loadPending = false
        /// CE holds a count and the counter runs (not before the first load).
        var running = false
        /// Modes 0, 1, 4, 5: the terminal count of this load has not been reached yet.
        var armed = false
        var nullCount = true
    }

    // Programming (constant between base ticks).
    var mode = 0
    var rawMode: UInt8 = 0
    var access: UInt8 = 3 // RW1 RW0
    var bcd = false
    var cr: UInt64 = 0
    var hasCount = false
    var gate = true

    /// OUT is undefined at power-on; it starts high here (the state of every mode but 0).
    var base = Snapshot(out: true)
    var baseTick: UInt64 = 0

    // Byte sequencing and latches.
    var writeHigh = false
    var pendingLSB: UInt8 = 0
    var readHigh = false
    var latchedCount: UInt16?
    var latchedCountHigh = false
    var latchedStatus: UInt8?

    var modulus: UInt64 { bcd ? 10_000 : 65_536 }
    /// The initial count as a number of clocks (0 means the modulus).
    var initialCount: UInt64 { cr == 0 ? modulus : cr }

    /// Modes 0, 2, 3, 4 count only while GATE is high; modes 1 and 5 ignore its level.
    var enabled: Bool { mode == 1 || mode == 5 || gate }

    // MARK: Closed-form advance

    func state(at tick: UInt64) -> Snapshot {
        var s = base
        guard tick > baseTick else { return s }
        var n = tick &- baseTick
        if s.loadPending {
            // "the count is loaded into CE on the next CLK pulse; this pulse does not
            // decrement the count".
            n -= 1
            load(&s)
            if n == 0 { return s }
        }
        guard s.running && enabled else { return s }
        let m = modulus
        switch mode {
        case 0, 1:
            // Mode 0: OUT rises when the count reaches zero. Mode 1: OUT, low since the
            // trigger, rises at zero. Either way the counter then wraps and keeps counting.
            if s.armed && n >= s.ce { s.out = true; s.armed = false }
            s.ce = (s.ce &+ m &- n % m) % m
        case 4, 5:
            // Modes 4/5: OUT low for exactly one clock when the count reaches zero.
            if s.armed && n >= s.ce {
                s.armed = false
                s.out = n != s.ce
            } else if !s.armed {
                s.out = true
            }
            s.ce = (s.ce &+ m &- n % m) % m
        case 2:
            // Mode 2: OUT low while CE = 1, then CE reloads from CR and OUT is high again:
            // a period of N clocks with OUT low for the last one.
            if n < s.ce {
                s.ce -= n
            } else {
                let p = initialCount
                s.ce = p - (n - s.ce) % p
                s.nullCount = false
            }
            s.out = s.ce != 1
        default:
            // Mode 3: halves of ceil(N/2) clocks high and floor(N/2) clocks low; a new count
            // takes effect at the end of the current half.
            let len = s.out ? Self.highLen(s.halfCount) : Self.lowLen(s.halfCount)
            let rem = len > s.halfPos ? len - s.halfPos : 0
            if n < rem {
                s.halfPos += n
            } else {
                var k = n - rem
                let p = initialCount
                s.halfCount = p
                s.nullCount = false
                let hi = Self.highLen(p), lo = Self.lowLen(p)
                if lo == 0 {
                    s.out = true; s.halfPos = 0
                } else if s.out {
                    // The current (high) half ended: a low half begins.
                    k %= p
                    if k < lo { s.out = false; s.halfPos = k } else { s.out = true; s.halfPos = k - lo }
                } else {
                    k %= p
                    if k < hi { s.out = true; s.halfPos = k } else { s.out = false; s.halfPos = k - hi }
                }
            }
        }
        return s
    }

    static func highLen(_ n: UInt64) -> UInt64 { (n + 1) / 2 }
    static func lowLen(_ n: UInt64) -> UInt64 { n / 2 }

    private func load(_ s: inout Snapshot) {
        s.loadPending = false
        s.running = true
        s.armed = true
        s.nullCount = false
        let n = initialCount
        s.ce = n
        s.halfCount = n
        s.halfPos = 0
        switch mode {
        case 0: s.out = false
        case 1: s.out = false // "OUT will go low on the CLK pulse following a trigger"
        default: s.out = true
        }
    }

    /// The count a read returns: CE, in BCD when so programmed.
    func countValue(_ s: Snapshot) -> UInt16 {
        var v: UInt64
        if mode == 3 {
            // Mode 3 decrements by two from N (even) or N-1 (odd).
            v = (s.halfCount & ~1) &- 2 &* s.halfPos
        } else {
            v = s.ce
        }
        v %= modulus
        guard bcd else { return UInt16(truncatingIfNeeded: v) }
        return UInt16(v / 1000 % 10) << 12 | UInt16(v / 100 % 10) << 8
            | UInt16(v / 10 % 10) << 4 | UInt16(v % 10)
    }

    /// The first tick after `tick` at which OUT differs from its value at `tick`.
    func nextOutChange(after tick: UInt64) -> UInt64? {
        let s0 = state(at: tick)
        var s = s0
        var t = tick
        if s0.loadPending {
            s = state(at: tick + 1)
            if s.out != s0.out { return tick + 1 }
            t = tick + 1
        }
        guard s.running && enabled else { return nil }
        switch mode {
        case 0, 1:
            return !s.out && s.armed ? t + s.ce : nil
        case 4, 5:
            if s.armed { return s.out ? t + s.ce : nil }
            return s.out ? nil : t + 1
        case 2:
            if s.ce == 1 { return initialCount == 1 ? nil : t + 1 }
            return t + s.ce - 1
        default:
            let len = s.out ? Self.highLen(s.halfCount) : Self.lowLen(s.halfCount)
            let rem = len > s.halfPos ? len - s.halfPos : 0
            if s.out && Self.lowLen(initialCount) == 0 { return nil }
            return t + max(rem, 1)
        }
    }

    // MARK: Programming (each at tick `now`, after `rebase(now)`)

    func rebase(_ now: UInt64) {
        base = state(at: now)
        baseTick = now
    }

    func writeControl(_ v: UInt8) {
        // "When a Control Word is written to a Counter, all Control Logic is immediately
        // reset and OUT goes to a known initial state" (low in mode 0, high otherwise).
        access = (v >> 4) & 3
        rawMode = (v >> 1) & 7
        mode = Int(rawMode > 5 ? rawMode - 4 : rawMode)
        bcd = v & 1 != 0
        hasCount = false
        writeHigh = false
        readHigh = false
        latchedCount = nil
        latchedCountHigh = false
        latchedStatus = nil
        base.out = mode != 0
        base.running = false
        base.loadPending = false
        base.armed = false
        base.nullCount = true
    }

    func writeCount(_ byte: UInt8) {
        switch access {
        case 1: countWritten(UInt64(byte))
        case 2: countWritten(UInt64(byte) << 8)
        default:
            if !writeHigh {
                pendingLSB = byte
                writeHigh = true
                // Mode 0: "writing the first byte disables counting. OUT is set low
                // immediately (no clock pulse required)".
                if mode == 0 { base.running = false; base.loadPending = false; base.out = false }
            } else {
                writeHigh = false
                countWritten(UInt64(byte) << 8 | UInt64(pendingLSB))
            }
        }
    }

    private func countWritten(_ raw: UInt64) {
        cr = bcd ? Self.fromBCD(raw) : raw
        hasCount = true
        base.nullCount = true
        switch mode {
        case 0:
            base.out = false
            base.loadPending = true
        case 4:
            base.loadPending = true
        case 2, 3:
            // The first count after the control word is loaded on the next clock (if GATE
            // is high); later counts wait for the end of the current period / half-period.
            if !base.running && gate { base.loadPending = true }
        default:
            break // modes 1 and 5 wait for a gate trigger
        }
    }

    static func fromBCD(_ v: UInt64) -> UInt64 {
        ((v >> 12) & 0xF) * 1000 + ((v >> 8) & 0xF) * 100 + ((v >> 4) & 0xF) * 10 + (v & 0xF)
    }

    func setGate(_ high: Bool) {
        guard high != gate else { return }
        gate = high
        if high {
            // A rising edge: modes 1 and 5 trigger, modes 2 and 3 restart with the initial
            // count; both load CR on the next CLK pulse.
            if hasCount && mode != 0 && mode != 4 { base.loadPending = true }
        } else if mode == 2 || mode == 3 {
            // Modes 2/3: GATE low sets OUT high immediately and stops counting.
            base.out = true
            base.loadPending = false
        }
    }

    func latchCount(_ s: Snapshot) {
        guard latchedCount == nil else { return } // a second latch before the read is ignored
        latchedCount = countValue(s)
        latchedCountHigh = false
    }

    func latchStatus(_ s: Snapshot) {
        guard latchedStatus == nil else { return }
        latchedStatus = (s.out ? 0x80 : 0) | (s.nullCount ? 0x40 : 0) | access << 4 | rawMode << 1 | (bcd ? 1 : 0)
    }

    func read(_ s: Snapshot) -> UInt8 {
        if let status = latchedStatus {
            latchedStatus = nil
            return status
        }
        let value: UInt16
        let high: Bool
        if let latched = latchedCount {
            value = latched
            switch access {
            case 1: high = false; latchedCount = nil
            case 2: high = true; latchedCount = nil
            default:
                high = latchedCountHigh
                latchedCountHigh.toggle()
                if !latchedCountHigh { latchedCount = nil }
            }
        } else {
            value = countValue(s)
            switch access {
            case 1: high = false
            case 2: high = true
            default: high = readHigh; readHigh.toggle()
            }
        }
        return UInt8(truncatingIfNeeded: high ? value >> 8 : value)
    }
}

/// The 8254 at ports 0x40-0x43.
public final class IntervalTimer: IODevice {
    let counters = [PITCounter(), PITCounter(), PITCounter()]
    let scheduler: Scheduler
    private let irq: InterruptRequestLines
    private var irqLevel = false
    private var irqTick: UInt64 = 0
    private var irqEvent: Scheduler.EventID?

    public init(scheduler: Scheduler, irq: InterruptRequestLines) {
        self.scheduler = scheduler
        self.irq = irq
        let now = currentTick
        for c in counters { c.baseTick = now }
        irqTick = now
        setIRQ0(counters[0].base.out)
    }

    public func attach(to bus: IOPortBus) {
        bus.map(0x40...0x43, self, name: "8254 PIT")
    }

    /// PIT clocks elapsed since cycle 0.
    var currentTick: UInt64 { scheduler.ticks(ofHz: pitClockHz, at: scheduler.now()) }

    /// The OUT pin of counter `n` now.
    public func output(counter n: Int) -> Bool {
        guard (0...2).contains(n) else { return false }
        return counters[n].state(at: currentTick).out
    }

    /// Drives the GATE input of counter `n` (only counter 2's is not tied high on a PC).
    public func setGate(counter n: Int, _ high: Bool) {
        guard (0...2).contains(n) else { return }
        mutate(n) { $0.setGate(high) }
    }

    public func gate(counter n: Int) -> Bool { (0...2).contains(n) ? counters[n].gate : false }

    // MARK: IRQ0 from counter 0's OUT

    /// Brings counter `n` to the current tick, applies `change`, and for counter 0 keeps
    /// IRQ0 and its next scheduled edge in step with OUT.
    private func mutate(_ n: Int, _ change: (PITCounter) -> Void) {
        let now = currentTick
        let c = counters[n]
        if n == 0 { catchUpIRQ(to: now) }
        c.rebase(now)
        change(c)
        if n == 0 {
            setIRQ0(c.base.out)
            scheduleIRQEdge()
        }
    }

    private func setIRQ0(_ level: Bool) {
        guard level != irqLevel else { return }
        irqLevel = level
        irq.setIRQ(0, level)
    }

    /// Replays counter 0's OUT transitions up to `tick` onto IRQ0, so the PIC sees every
    /// rising edge even when the event fires a little late.
    private func catchUpIRQ(to tick: UInt64) {
        let c = counters[0]
        var t = irqTick
        var steps = 0
        while let k = c.nextOutChange(after: t), k <= tick {
            steps += 1
            if steps > 8 {
                // Far behind (should not happen): end on the current level, with an edge.
                setIRQ0(false)
                t = tick
                break
            }
            setIRQ0(c.state(at: k).out)
            t = k
        }
        irqTick = max(tick, irqTick)
        setIRQ0(c.state(at: irqTick).out)
    }

    private func scheduleIRQEdge() {
        scheduler.cancel(irqEvent)
        irqEvent = nil
        guard let k = counters[0].nextOutChange(after: irqTick) else { return }
        irqEvent = scheduler.schedule(at: scheduler.cycle(ofTick: k, hz: pitClockHz)) { [unowned self] in
            self.irqEvent = nil
            self.catchUpIRQ(to: self.currentTick)
            self.scheduleIRQEdge()
        }
    }

    // MARK: Ports

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<max(1, min(size, 4)) {
            value |= UInt32(readByte(port &+ UInt16(k))) << (8 * UInt32(k))
        }
        return value
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        for k in 0..<max(1, min(size, 4)) {
            writeByte(port &+ UInt16(k), UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))))
        }
    }

    private func readByte(_ port: UInt16) -> UInt8 {
        guard (0x40...0x42).contains(port) else { return 0xFF } // the control word is write-only
        let c = counters[Int(port - 0x40)]
        return c.read(c.state(at: currentTick))
    }

    private func writeByte(_ port: UInt16, _ v: UInt8) {
        switch port {
        case 0x40...0x42:
            mutate(Int(port - 0x40)) { $0.writeCount(v) }
        case 0x43:
            let sc = Int(v >> 6)
            if sc == 3 {
                // Read-back: bit 5 = 0 latches counts, bit 4 = 0 latches status, bits 1-3
                // select counters 0-2.
                let now = currentTick
                for n in 0..<3 where v & (2 << UInt8(n)) != 0 {
                    let c = counters[n]
                    let s = c.state(at: now)
                    if v & 0x10 == 0 { c.latchStatus(s) }
                    if v & 0x20 == 0 { c.latchCount(s) }
                }
            } else if v & 0x30 == 0 {
                let c = counters[sc]
                c.latchCount(c.state(at: currentTick))
            } else {
                mutate(sc) { $0.writeControl(v) }
            }
        default:
            break
        }
    }
}
