import Testing
@testable import Chipset

/// Port 0x61 against the IBM AT Technical Reference: gate 2, speaker data, refresh toggle
/// (every 15.085 µs), OUT2.
@Suite struct Port61Tests {
    final class Clock { var t: UInt64 = 0 }

    @Test func refreshToggleEvery15Microseconds() {
        let c = Clock()
        let s = Scheduler(cyclesPerSecond: 33_000_000) { c.t }
        let pit = IntervalTimer(scheduler: s, irq: IRQRecorder())
        let port = SystemControlPortB(timer: pit)
        func bit4(atCycle t: UInt64) -> Bool { c.t = t; return port.readPort(0x61, size: 1) & 0x10 != 0 }
        // Count toggles over one simulated millisecond, sampling every 100 cycles (3 µs).
        var toggles = 0
        var last = bit4(atCycle: 0)
        var firstToggle: UInt64?
        var t: UInt64 = 0
        while t < 33_000 {
            t += 100
            let b = bit4(atCycle: t)
            if b != last { toggles += 1; if firstToggle == nil { firstToggle = t } }
            last = b
        }
        // 1 ms / 15.0857 µs = 66.3 half-periods.
        #expect(toggles == 66)
        // The toggle lands exactly on PIT clock 18: 18 / 1.193182 MHz = 15.0857 µs = 497.8 cycles.
        #expect(firstToggle == 500)
        #expect(!bit4(atCycle: s.cycle(ofTick: 18, hz: pitClockHz) - 1))
        #expect(bit4(atCycle: s.cycle(ofTick: 18, hz: pitClockHz)))
        #expect(!bit4(atCycle: s.cycle(ofTick: 36, hz: pitClockHz)))
    }

    @Test func gateSpeakerAndOut2() {
        let c = Clock()
        let s = Scheduler(cyclesPerSecond: 33_000_000) { c.t }
        let pit = IntervalTimer(scheduler: s, irq: IRQRecorder())
        let port = SystemControlPortB(timer: pit)
        let bus = IOPortBus()
        pit.attach(to: bus)
        port.attach(to: bus)
        #expect(!pit.gate(counter: 2))
        // Bits 0-3 read back; bits 6, 7 (error status) read 0.
        bus.writePort(0x61, size: 1, value: 0xFF)
        #expect(pit.gate(counter: 2))
        #expect(bus.readPort(0x61, size: 1) & 0xCF == 0x0F)
        // Counter 2 as the BIOS beep: mode 3, count 1193 (~1 kHz).
        bus.writePort(0x43, size: 1, value: 0xB6)
        bus.writePort(0x42, size: 1, value: 1193 & 0xFF)
        bus.writePort(0x42, size: 1, value: 1193 >> 8)
        c.t = s.cycle(ofTick: 1, hz: pitClockHz)
        #expect(bus.readPort(0x61, size: 1) & 0x20 != 0)
        #expect(port.speakerDriven)
        c.t = s.cycle(ofTick: 1 + 597, hz: pitClockHz) // high 597 clocks, then low 596
        #expect(bus.readPort(0x61, size: 1) & 0x20 == 0)
        #expect(!port.speakerDriven)
        // Gate low: OUT2 high, but the speaker follows the data bit too.
        bus.writePort(0x61, size: 1, value: 0x00)
        #expect(bus.readPort(0x61, size: 1) & 0x20 != 0)
        #expect(!port.speakerDriven)
        bus.writePort(0x61, size: 1, value: 0x02)
        #expect(port.speakerDriven)
        #expect(bus.readPort(0x61, size: 2) >> 8 == 0xFF)
    }

    @Test func gateStartsCounter2InMode0ForDelayLoops() {
        // BIOS/Linux calibration idiom: gate low, mode 0, count; gate high; poll OUT2.
        let c = Clock()
        let s = Scheduler(cyclesPerSecond: 33_000_000) { c.t }
        let pit = IntervalTimer(scheduler: s, irq: IRQRecorder())
        let port = SystemControlPortB(timer: pit)
        c.t = 1000
        port.writePort(0x61, size: 1, value: 0x00)
        pit.writePort(0x43, size: 1, value: 0xB0)
        pit.writePort(0x42, size: 1, value: 0x9C) // 11932 = 10 ms
        pit.writePort(0x42, size: 1, value: 0x2E)
        let start = s.ticks(ofHz: pitClockHz, at: c.t)
        c.t = s.cycle(ofTick: start + 500, hz: pitClockHz)
        #expect(port.readPort(0x61, size: 1) & 0x20 == 0) // loaded, but held by GATE
        port.writePort(0x61, size: 1, value: 0x01)
        let go = s.ticks(ofHz: pitClockHz, at: c.t)
        c.t = s.cycle(ofTick: go + 11932 - 1, hz: pitClockHz)
        #expect(port.readPort(0x61, size: 1) & 0x20 == 0)
        c.t = s.cycle(ofTick: go + 11932, hz: pitClockHz)
        #expect(port.readPort(0x61, size: 1) & 0x20 != 0)
    }
}
