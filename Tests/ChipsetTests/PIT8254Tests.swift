import Testing
@testable import Chipset

/// The 8254 against the Intel 8254 datasheet (231164): modes 0-5 (figures 12-17), reads,
/// latches, read-back, BCD, gates; and IRQ0 timing on a 33 MHz CPU clock.
@Suite struct PIT8254Tests {
    final class Clock { var t: UInt64 = 0 }

    final class Rig {
        let clock = Clock()
        let scheduler: Scheduler
        let irq = IRQRecorder()
        let pit: IntervalTimer
        init() {
            let c = clock
            scheduler = Scheduler(cyclesPerSecond: 33_000_000) { c.t }
            pit = IntervalTimer(scheduler: scheduler, irq: irq)
        }
        /// Moves time to the first cycle at which `tick` PIT clocks have elapsed.
        /// IRQ0 rising edges since power-on (OUT powers up high, which the wire shows at once).
        var rises: Int { irq.raised.count - 1 }
        func at(_ tick: UInt64) {
            clock.t = scheduler.cycle(ofTick: tick, hz: pitClockHz)
            scheduler.runDue()
        }
        func out(_ n: Int) -> Bool { pit.output(counter: n) }
        func write(_ port: UInt16, _ v: UInt8) { pit.writePort(port, size: 1, value: UInt32(v)) }
        func read(_ port: UInt16) -> UInt8 { UInt8(pit.readPort(port, size: 1)) }
        /// Programs counter `n` (LSB then MSB) with `mode` and `count`.
        func program(_ n: Int, mode: UInt8, count: UInt16, bcd: Bool = false) {
            write(0x43, UInt8(n) << 6 | 0x30 | mode << 1 | (bcd ? 1 : 0))
            write(0x40 + UInt16(n), UInt8(count & 0xFF))
            write(0x40 + UInt16(n), UInt8(count >> 8))
        }
        /// Reads counter `n`'s count on the fly (LSB then MSB).
        func count(_ n: Int) -> UInt16 {
            let lo = UInt16(read(0x40 + UInt16(n)))
            return lo | UInt16(read(0x40 + UInt16(n))) << 8
        }
        /// OUT of counter `n` sampled at ticks `range`.
        func waveform(_ n: Int, _ range: ClosedRange<UInt64>) -> [Bool] {
            range.map { at($0); return out(n) }
        }
    }

    @Test func mode0InterruptOnTerminalCount() {
        let r = Rig()
        r.at(100)
        r.write(0x43, 0x30)
        #expect(!r.out(0)) // OUT low after the mode 0 control word
        r.write(0x40, 10); r.write(0x40, 0)
        // Count loaded on the next clock (101), reaches 0 at 111: N + 1 clocks after the write.
        r.at(101); #expect(r.count(0) == 10)
        r.at(105); #expect(r.count(0) == 6)
        #expect(r.waveform(0, 109...112) == [false, false, true, true])
        #expect(r.rises == 1)
        // The counter wraps and keeps counting; OUT stays high.
        r.at(112); #expect(r.count(0) == 0xFFFF)
        r.at(500); #expect(r.out(0))
        // Rewriting the count: the first byte sets OUT low at once and stops counting.
        r.write(0x40, 5)
        #expect(!r.out(0))
        r.at(600); #expect(!r.out(0))
        r.write(0x40, 0)
        r.at(601); #expect(r.count(0) == 5)
        r.at(606); #expect(r.out(0))
        #expect(r.rises == 2)
    }

    @Test func mode0GateSuspendsCounting() {
        let r = Rig()
        let port61 = SystemControlPortB(timer: r.pit)
        port61.writePort(0x61, size: 1, value: 1)
        r.at(10)
        r.program(2, mode: 0, count: 20)
        r.at(16); #expect(r.count(2) == 15)
        port61.writePort(0x61, size: 1, value: 0) // GATE low: counting stops
        r.at(40); #expect(r.count(2) == 15)
        port61.writePort(0x61, size: 1, value: 1)
        r.at(54); #expect(r.count(2) == 1); #expect(!r.out(2))
        r.at(55); #expect(r.count(2) == 0); #expect(r.out(2))
    }

    @Test func mode1RetriggerableOneShot() {
        let r = Rig()
        r.at(10)
        r.pit.setGate(counter: 2, false)
        r.program(2, mode: 1, count: 5)
        #expect(r.out(2))
        r.at(50); #expect(r.out(2)) // nothing happens without a trigger
        r.pit.setGate(counter: 2, true)
        // OUT low on the clock after the trigger, for N clocks.
        #expect(r.waveform(2, 51...57) == [false, false, false, false, false, true, true])
        // Retrigger while OUT is low: the count restarts from N.
        r.at(60); r.pit.setGate(counter: 2, false)
        r.at(61); r.pit.setGate(counter: 2, true)
        r.at(63); r.pit.setGate(counter: 2, false)
        r.at(64); r.pit.setGate(counter: 2, true) // retrigger: reload at 65
        #expect(r.waveform(2, 65...71) == [false, false, false, false, false, true, true])
        // GATE level does not matter in mode 1.
        r.pit.setGate(counter: 2, false)
        r.at(100); #expect(r.out(2))
    }

    @Test func mode2RateGenerator() {
        let r = Rig()
        r.at(100)
        r.program(0, mode: 2, count: 4)
        #expect(r.out(0))
        // Loaded at 101; OUT low for one clock when the count reaches 1, every N clocks.
        #expect(r.waveform(0, 101...113) ==
                [true, true, true, false, true, true, true, false, true, true, true, false, true])
        r.at(101); #expect(r.count(0) == 4)
        r.at(102); #expect(r.count(0) == 3)
        r.at(104); #expect(r.count(0) == 1)
        r.at(105); #expect(r.count(0) == 4)
        // IRQ0 rose at 105, 109, 113.
        #expect(r.rises == 3)
        // A new count takes effect at the next reload, not at once.
        r.at(114)
        r.write(0x40, 10); r.write(0x40, 0)
        r.at(116); #expect(r.count(0) == 1)
        r.at(117); #expect(r.count(0) == 10)
        #expect(r.waveform(0, 125...127) == [true, false, true]) // old period ends at 117; low at 126
    }

    @Test func mode2GateLowForcesOutHighAndRestarts() {
        let r = Rig()
        let port61 = SystemControlPortB(timer: r.pit)
        port61.writePort(0x61, size: 1, value: 1)
        r.at(10)
        r.program(2, mode: 2, count: 6)
        r.at(15) // count 2
        r.at(16); #expect(!r.out(2)) // count 1: OUT low
        port61.writePort(0x61, size: 1, value: 0)
        #expect(r.out(2))       // forced high, no clock needed
        #expect(port61.readPort(0x61, size: 1) & 0x20 != 0)
        r.at(30); #expect(r.count(2) == 1) // held
        port61.writePort(0x61, size: 1, value: 1)
        r.at(31); #expect(r.count(2) == 6) // reloaded on the next clock
        r.at(36); #expect(!r.out(2))
        #expect(port61.readPort(0x61, size: 1) & 0x20 == 0)
    }

    @Test func mode3SquareWave() {
        let r = Rig()
        r.at(100)
        r.program(0, mode: 3, count: 4)
        // Even N: high N/2, low N/2.
        #expect(r.waveform(0, 101...109) == [true, true, false, false, true, true, false, false, true])
        // The count drops by two each clock.
        r.at(101); #expect(r.count(0) == 4)
        r.at(102); #expect(r.count(0) == 2)
        r.at(103); #expect(r.count(0) == 4)

        let s = Rig()
        s.at(100)
        s.program(0, mode: 3, count: 5)
        // Odd N: high (N+1)/2 = 3 clocks, low (N-1)/2 = 2 clocks.
        #expect(s.waveform(0, 101...111) ==
                [true, true, true, false, false, true, true, true, false, false, true])
        s.at(101); #expect(s.count(0) == 4)
        s.at(102); #expect(s.count(0) == 2)
        s.at(104); #expect(s.count(0) == 4)
    }

    @Test func mode3NewCountAtHalfCycleAndGate() {
        let r = Rig()
        r.at(100)
        r.program(0, mode: 3, count: 10)
        r.at(102)
        r.write(0x40, 4); r.write(0x40, 0)
        // The high half of the old count (5 clocks from 101) completes first.
        #expect(r.waveform(0, 105...110) == [true, false, false, true, true, false])

        let s = Rig()
        s.at(10)
        s.program(2, mode: 3, count: 6)
        s.at(15); #expect(!s.out(2))
        s.pit.setGate(counter: 2, false)
        #expect(s.out(2)) // GATE low: OUT high at once
        s.at(40); #expect(s.out(2))
        s.pit.setGate(counter: 2, true)
        #expect(s.waveform(2, 41...47) == [true, true, true, false, false, false, true])
    }

    @Test func mode4SoftwareTriggeredStrobe() {
        let r = Rig()
        r.at(100)
        r.program(0, mode: 4, count: 3)
        // OUT low for one clock, N + 1 clocks after the write; once only.
        #expect(r.waveform(0, 101...110) ==
                [true, true, true, false, true, true, true, true, true, true])
        r.at(104); #expect(r.count(0) == 0)
        r.at(105); #expect(r.count(0) == 0xFFFF)
        #expect(r.rises == 1)
        // Writing a new count starts another strobe.
        r.at(200)
        r.write(0x40, 2); r.write(0x40, 0)
        #expect(r.waveform(0, 202...204) == [true, false, true])
    }

    @Test func mode5HardwareTriggeredStrobe() {
        let r = Rig()
        r.at(10)
        r.pit.setGate(counter: 2, false)
        r.program(2, mode: 5, count: 3)
        r.at(50); #expect(r.out(2))
        r.pit.setGate(counter: 2, true) // trigger: load at 51, strobe at 54
        #expect(r.waveform(2, 51...56) == [true, true, true, false, true, true])
        // Retriggering restarts the count; the strobe moves.
        r.at(60); r.pit.setGate(counter: 2, false)
        r.at(61); r.pit.setGate(counter: 2, true)
        r.at(63); r.pit.setGate(counter: 2, false)
        r.at(64); r.pit.setGate(counter: 2, true)
        #expect(r.waveform(2, 65...69) == [true, true, true, false, true])
    }

    @Test func counterLatchHoldsUntilRead() {
        let r = Rig()
        r.at(100)
        r.program(0, mode: 2, count: 1000)
        r.at(201)                       // count 900
        r.write(0x43, 0x00)             // latch counter 0
        r.at(301)
        r.write(0x43, 0x00)             // ignored: the first latch has not been read
        #expect(r.count(0) == 900)
        #expect(r.count(0) == 800)      // latch released: live again
        // Reads and writes interleave with separate byte toggles.
        r.write(0x43, 0x00)
        #expect(r.read(0x40) == UInt8(800 & 0xFF))
        r.at(401)
        #expect(r.read(0x40) == UInt8(800 >> 8))
        // LSB-only access.
        r.write(0x43, 0x14)             // counter 0, LSB only, mode 2
        r.write(0x40, 0x50)
        r.at(402); #expect(r.read(0x40) == 0x50)
        r.at(412); #expect(r.read(0x40) == 0x46)
        #expect(r.read(0x40) == 0x46)
        // MSB-only access: count 0x0200.
        r.write(0x43, 0x24)
        r.write(0x40, 0x02)
        r.at(413); #expect(r.read(0x40) == 0x02)
        r.at(414); #expect(r.read(0x40) == 0x01)
    }

    @Test func readBackStatusAndCount() {
        let r = Rig()
        r.at(100)
        r.program(0, mode: 2, count: 50)
        r.program(2, mode: 0, count: 7, bcd: true)
        // Before the load: null count set. Read-back: status only, counters 0 and 2.
        r.write(0x43, 0xEA)             // 11 1 0 1 0 1 0
        #expect(r.read(0x40) == 0xF4)   // OUT 1, null 1, RW 11, mode 010, binary
        #expect(r.read(0x42) == 0x71)   // OUT 0, null 1, RW 11, mode 000, BCD
        r.at(110)
        // Count and status of counter 0: status first, then the count.
        r.write(0x43, 0xC2)
        r.at(120)
        #expect(r.read(0x40) == 0xB4)   // null count now clear
        #expect(r.count(0) == 41)       // latched at tick 110
        #expect(r.count(0) == 31)
        // Count only, counters 0 and 1 and 2 at once.
        r.write(0x43, 0xDE)
        r.at(130)
        #expect(r.count(0) == 31)
        #expect(r.count(2) == 0x9988)   // BCD 7 loaded at 101: 0 at 108, then 9999, ... 9988 at 120
        // A second status latch before the read is ignored.
        r.write(0x43, 0xE2)
        r.at(140)
        r.write(0x43, 0xE2)
        #expect(r.read(0x40) == 0xB4)
        // Mode 6 and 7 are 2 and 3; the status reports the bits as written.
        r.write(0x43, 0x3C)             // counter 0, mode 6 (x10 -> 2)
        r.write(0x43, 0xE2)
        #expect(r.read(0x40) == 0xFC)   // OUT high, null count, RW 11, mode bits 110
    }

    @Test func bcdCounting() {
        let r = Rig()
        r.at(100)
        r.program(2, mode: 0, count: 0x0100, bcd: true)
        r.at(101); #expect(r.count(2) == 0x0100)
        r.at(102); #expect(r.count(2) == 0x0099)
        r.at(190); #expect(r.count(2) == 0x0011)
        r.at(201); #expect(r.count(2) == 0x0000); #expect(r.out(2))
        r.at(202); #expect(r.count(2) == 0x9999)
        // Initial count 0 in BCD is 10000.
        r.program(0, mode: 2, count: 0, bcd: true)
        r.at(203); #expect(r.count(0) == 0x0000)
        r.at(204); #expect(r.count(0) == 0x9999)
        r.at(203 + 9_999); #expect(!r.out(0))
        r.at(203 + 10_000); #expect(r.out(0))
    }

    @Test func irq0RateWithCountZero() {
        let r = Rig()
        r.program(0, mode: 2, count: 0) // 65536
        // Run ten simulated seconds from event to event, as the machine does.
        let end = r.scheduler.cycle(ofTick: 10 * pitClockHz, hz: pitClockHz)
        var events = 0
        while r.scheduler.nextDeadline <= end {
            r.clock.t = r.scheduler.nextDeadline
            r.scheduler.runDue()
            events += 1
        }
        // 1193182 / 65536 = 18.2065 Hz: edges at 65537 + k * 65536 clocks.
        #expect(r.rises == 182)
        #expect(events == 2 * 182) // one falling, one rising edge per period; no polling
        // Over the first simulated second: 18 interrupts.
        let one = Rig()
        one.program(0, mode: 3, count: 0)
        let second = one.scheduler.cycles(nanoseconds: 1_000_000_000)
        while one.scheduler.nextDeadline <= second {
            one.clock.t = one.scheduler.nextDeadline
            one.scheduler.runDue()
        }
        // Mode 3: high 32768 clocks from 1, low 32768, rising at 65537 + k * 65536.
        #expect(one.rises == 18)
        #expect(one.irq.levels[0] == (one.out(0)))
    }

    @Test func lateEventStillDeliversEveryRisingEdge() {
        let r = Rig()
        r.at(100)
        r.program(0, mode: 2, count: 4)
        // The CPU overshoots the deadline (OUT low at 104, high at 105) and reads the
        // counter before the event runs; IRQ0 still sees the edge.
        r.clock.t = r.scheduler.cycle(ofTick: 106, hz: pitClockHz)
        _ = r.count(0)
        r.scheduler.runDue()
        #expect(r.rises == 1)
        #expect(r.irq.levels[0])
    }

    @Test func controlPortReadsFloatAndWideAccessesSplit() {
        let r = Rig()
        #expect(r.read(0x43) == 0xFF)
        r.at(5)
        r.write(0x43, 0x34)
        r.pit.writePort(0x40, size: 2, value: 0x1234) // 0x34 to counter 0, 0x12 to counter 1
        r.write(0x40, 0x00)                            // counter 0's MSB
        r.at(6); #expect(r.count(0) == 0x34)
        // Control words and counts from guest garbage never trap.
        for v in 0...255 {
            r.write(0x43, UInt8(v)); r.write(0x40, UInt8(v)); r.write(0x42, UInt8(255 - v))
            _ = r.read(0x40); _ = r.read(0x41); _ = r.read(0x42)
        }
        r.at(1_000_000)
        _ = r.count(0)
    }
}
