/// The board's clock: events scheduled on the CPU's cycle counter (DESIGN.md, "Time").
/// A min-heap of deadlines; the machine runs the CPU up to the next deadline, then
/// fires what is due. Devices catch up lazily when read, so most of them schedule
/// only the moments that matter to the guest (an interrupt, a status change).
public final class Scheduler {
    public typealias EventID = Int

    /// CPU clock frequency: converts cycles to device time.
    public let cyclesPerSecond: UInt64
    /// The current cycle count (the CPU's counter).
    public var now: () -> UInt64

    private struct Event { var when: UInt64; var sequence: UInt64; var id: EventID }
    private var heap: [Event] = []
    private var actions: [EventID: () -> Void] = [:]
    private var nextID = 1
    private var sequence: UInt64 = 0
    /// Told the deadline of every newly scheduled event: the machine uses it to end the
    /// CPU's current run there, so an event scheduled during a run is not late.
    public var eventScheduled: ((UInt64) -> Void)?

    public init(cyclesPerSecond: UInt64, now: @escaping () -> UInt64) {
        self.cyclesPerSecond = cyclesPerSecond
        self.now = now
    }

    /// Runs `action` once the cycle counter reaches `when` (at the first instruction
    /// boundary at or after it: the CPU's run ends there, see `eventScheduled`).
    @discardableResult
    public func schedule(at when: UInt64, _ action: @escaping () -> Void) -> EventID {
        let id = nextID
        nextID += 1
        actions[id] = action
        sequence += 1
        push(Event(when: when, sequence: sequence, id: id))
        eventScheduled?(when)
        return id
    }

    /// Schedules `action` after `delay` cycles.
    @discardableResult
    public func schedule(after delay: UInt64, _ action: @escaping () -> Void) -> EventID {
        schedule(at: now() &+ delay, action)
    }

    public func cancel(_ id: EventID?) {
        if let id { actions[id] = nil }
    }

    /// The earliest pending deadline, or UInt64.max.
    public var nextDeadline: UInt64 {
        while let top = heap.first, actions[top.id] == nil { _ = pop() }
        return heap.first?.when ?? .max
    }

    /// Fires every event due at the current cycle count, in deadline order (ties in the
    /// order they were scheduled, so runs are deterministic).
    public func runDue() {
        let t = now()
        while let top = heap.first, top.when <= t {
            _ = pop()
            if let action = actions.removeValue(forKey: top.id) { action() }
        }
    }

    // MARK: Time conversion

    /// Cycles for `ns` nanoseconds of device time.
    public func cycles(nanoseconds ns: UInt64) -> UInt64 {
        UInt64((Double(ns) * Double(cyclesPerSecond) / 1e9).rounded())
    }

    /// Ticks of a clock of `hz` elapsed at cycle `t` (exact integer arithmetic).
    public func ticks(ofHz hz: UInt64, at t: UInt64) -> UInt64 {
        let (q, r) = t.quotientAndRemainder(dividingBy: cyclesPerSecond)
        return q &* hz &+ (r &* hz) / cyclesPerSecond
    }

    /// The first cycle at which a clock of `hz` has ticked `n` times.
    public func cycle(ofTick n: UInt64, hz: UInt64) -> UInt64 {
        let (q, r) = n.quotientAndRemainder(dividingBy: hz)
        return q &* cyclesPerSecond &+ (r &* cyclesPerSecond + hz - 1) / hz
    }

    // MARK: Heap

    private func less(_ a: Event, _ b: Event) -> Bool {
        a.when != b.when ? a.when < b.when : a.sequence < b.sequence
    }
    private func push(_ e: Event) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if !less(heap[i], heap[p]) { break }
            heap.swapAt(i, p); i = p
        }
    }
    private func pop() -> Event {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && less(heap[l], heap[m]) { m = l }
                if r < heap.count && less(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m); i = m
            }
        }
        return top
    }
}

/// Interrupt request lines into the PIC pair: devices raise and lower IRQ 0-15.
public protocol InterruptRequestLines: AnyObject {
    /// Sets the level of IRQ `irq` (edge-triggered inputs react to the rising edge).
    func setIRQ(_ irq: Int, _ high: Bool)
}

/// A no-op IRQ sink for tests of devices alone.
public final class IRQRecorder: InterruptRequestLines {
    public private(set) var levels = [Bool](repeating: false, count: 16)
    public private(set) var raised: [Int] = []
    public init() {}
    public func setIRQ(_ irq: Int, _ high: Bool) {
        if high && !levels[irq] { raised.append(irq) }
        levels[irq] = high
    }
}
