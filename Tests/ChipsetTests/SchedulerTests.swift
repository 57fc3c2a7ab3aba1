import Testing
@testable import Chipset

@Suite struct SchedulerTests {
    final class Clock { var t: UInt64 = 0 }

    @Test func eventsFireInDeadlineOrderWithTiesInSchedulingOrder() {
        let c = Clock()
        let s = Scheduler(cyclesPerSecond: 1_000_000) { c.t }
        var fired: [String] = []
        s.schedule(at: 30) { fired.append("c") }
        s.schedule(at: 10) { fired.append("a") }
        s.schedule(at: 20) { fired.append("b1") }
        s.schedule(at: 20) { fired.append("b2") }
        let cancelled = s.schedule(at: 15) { fired.append("x") }
        s.cancel(cancelled)
        #expect(s.nextDeadline == 10)
        c.t = 20
        s.runDue()
        #expect(fired == ["a", "b1", "b2"])
        #expect(s.nextDeadline == 30)
        c.t = 100
        s.runDue()
        #expect(fired == ["a", "b1", "b2", "c"])
        #expect(s.nextDeadline == .max)
    }

    @Test func tickConversionIsExact() {
        let s = Scheduler(cyclesPerSecond: 33_000_000) { 0 }
        // The PIT's 1.193182 MHz clock over one second of a 33 MHz CPU.
        #expect(s.ticks(ofHz: 1_193_182, at: 33_000_000) == 1_193_182)
        let c = s.cycle(ofTick: 1000, hz: 1_193_182)
        #expect(s.ticks(ofHz: 1_193_182, at: c) == 1000)
        #expect(s.ticks(ofHz: 1_193_182, at: c - 1) == 999)
    }
}
