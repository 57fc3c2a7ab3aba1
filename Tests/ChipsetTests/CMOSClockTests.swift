import Testing
@testable import Chipset

/// MC146818A behaviour (Motorola data sheet) on a 1 MHz cycle clock: one cycle = 1 µs.
@Suite struct CMOSClockTests {
    final class Clock { var t: UInt64 = 0 }

    final class Rig {
        let clock = Clock()
        let scheduler: Scheduler
        let irq = IRQRecorder()
        let rtc: CMOSClock
        let bus = IOPortBus()
        init(_ start: CMOSClock.DateTime = .init(year: 2024, month: 2, day: 28, hour: 23, minute: 59, second: 58, weekday: 4)) {
            let c = clock
            scheduler = Scheduler(cyclesPerSecond: 1_000_000) { c.t }
            rtc = CMOSClock(scheduler: scheduler, irq: irq, start: start)
            rtc.attach(to: bus)
        }
        func read(_ i: UInt8) -> UInt8 {
            bus.writePort(0x70, size: 1, value: UInt32(i))
            return UInt8(bus.readPort(0x71, size: 1))
        }
        func write(_ i: UInt8, _ v: UInt8) {
            bus.writePort(0x70, size: 1, value: UInt32(i))
            bus.writePort(0x71, size: 1, value: UInt32(v))
        }
        /// Runs every event up to cycle t, in order.
        func run(to t: UInt64) {
            while scheduler.nextDeadline <= t {
                clock.t = max(clock.t, scheduler.nextDeadline)
                scheduler.runDue()
            }
            clock.t = t
            scheduler.runDue()
        }
        var time: [UInt8] { [0, 2, 4, 6, 7, 8, 9].map { read($0) } } // s m h wd d mo y
    }

    static let second: UInt64 = 1_000_000

    @Test func powerOnRegistersAndBCDTimeAndDateAcrossLeapDay() {
        let r = Rig()
        #expect(r.read(0x0A) == 0x26)
        #expect(r.read(0x0B) == 0x02)
        #expect(r.read(0x0D) == 0x80) // VRT
        #expect(r.time == [0x58, 0x59, 0x23, 0x04, 0x28, 0x02, 0x24])
        #expect(r.read(0x32) == 0x20) // century, BCD
        r.run(to: 2 * Self.second)
        #expect(r.time == [0x00, 0x00, 0x00, 0x05, 0x29, 0x02, 0x24]) // 2024 is a leap year
        r.run(to: 2 * Self.second + 86400 * Self.second)
        #expect(r.time == [0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24])
        // A long gap (400 days) goes through the fast path and still lands on the right date.
        r.run(to: 2 * Self.second + (86400 + 400 * 86400) * Self.second + 61 * Self.second)
        #expect(r.time == [0x01, 0x01, 0x00, 0x07, 0x05, 0x04, 0x25]) // Sat 2025-04-05 00:01:01
    }

    @Test func binaryModeAnd24HourRollover() {
        let r = Rig()
        r.write(0x0B, 0x80 | 0x06)   // SET while loading the time: binary, 24 h
        r.write(0x00, 59); r.write(0x02, 59); r.write(0x04, 23)
        r.write(0x06, 7); r.write(0x07, 31); r.write(0x08, 12); r.write(0x09, 99)
        r.write(0x0B, 0x06)
        r.run(to: Self.second)
        #expect(r.time == [0, 0, 0, 1, 1, 1, 0]) // Sat 31 Dec 99 → Sun 1 Jan 00
        r.run(to: Self.second + 3600 * Self.second + 75 * Self.second)
        #expect(r.time == [15, 1, 1, 1, 1, 1, 0])
    }

    @Test func twelveHourModeCarriesPMInBit7() {
        let r = Rig()
        // BCD, 12 h: 11:59:59 AM → 12:00:00 PM (0x92), then 11:59:59 PM → 12:00:00 AM (0x12).
        r.write(0x0B, 0x80)
        r.write(0x04, 0x11); r.write(0x02, 0x59); r.write(0x00, 0x59)
        r.write(0x0B, 0x00)
        r.run(to: Self.second)
        #expect(r.read(0x04) == 0x92)
        #expect(r.read(0x00) == 0x00)
        r.write(0x04, 0x91); r.write(0x02, 0x59); r.write(0x00, 0x59) // 11:59:59 PM
        let day = r.read(0x07)
        r.run(to: 2 * Self.second)
        #expect(r.read(0x04) == 0x12)
        #expect(r.read(0x07) == day &+ 1)
        // Binary 12 h: 1 PM is 0x81.
        r.write(0x0B, 0x84)
        r.write(0x04, 0x8C); r.write(0x02, 59); r.write(0x00, 59) // 12:59:59 PM
        r.write(0x0B, 0x04)
        r.run(to: 3 * Self.second)
        #expect(r.read(0x04) == 0x81)
    }

    @Test func updateInProgressIsHighFor244MicrosecondsBeforeEachUpdate() {
        let r = Rig()
        // 8 periods of 32.768 kHz = 244.14 µs: UIP rises at 999 756 µs (tick 32 760).
        r.run(to: 999_755)
        #expect(r.read(0x0A) & 0x80 == 0)
        #expect(r.read(0x00) == 0x58)
        r.run(to: 999_756)
        #expect(r.read(0x0A) & 0x80 != 0)
        r.run(to: 999_999)
        #expect(r.read(0x0A) & 0x80 != 0)
        #expect(r.read(0x00) == 0x58)  // the registers still hold the old second
        r.run(to: Self.second)
        #expect(r.read(0x0A) & 0x80 == 0)
        #expect(r.read(0x00) == 0x59)
        #expect(r.read(0x0A) == 0x26)   // UIP is not writable and other bits read back
    }

    @Test func setBitStopsUpdatesAndClearsUIPAndUIE() {
        let r = Rig()
        r.write(0x0B, 0x02 | 0x10)      // UIE
        r.write(0x0B, 0x80 | 0x02 | 0x10) // SET: UIE is cleared by the chip
        #expect(r.read(0x0B) == 0x82)
        r.run(to: 5 * Self.second - 100)
        #expect(r.read(0x0A) & 0x80 == 0)
        r.run(to: 5 * Self.second + 10)
        #expect(r.read(0x00) == 0x58)
        #expect(r.read(0x0C) & 0x10 == 0) // no update-ended flag while SET
        r.write(0x0B, 0x02)
        r.run(to: 6 * Self.second)
        #expect(r.read(0x00) == 0x59)
        #expect(r.read(0x0C) & 0x10 != 0)
    }

    @Test func dividerResetDelaysFirstUpdateByHalfASecond() {
        let r = Rig()
        r.write(0x0A, 0x76)  // DV = 111: divider held in reset
        r.run(to: 3 * Self.second)
        #expect(r.read(0x00) == 0x58)
        r.write(0x0A, 0x26)
        r.run(to: 3 * Self.second + 499_999)
        #expect(r.read(0x00) == 0x58)
        r.run(to: 3 * Self.second + 500_000)
        #expect(r.read(0x00) == 0x59)
    }

    @Test func periodicInterruptRates() {
        let r = Rig()
        // Data sheet table, 32.768 kHz time base.
        let expected: [UInt8: UInt64] = [0: 0, 1: 256, 2: 128, 3: 8192, 6: 1024, 15: 2]
        for (rs, hz) in expected {
            r.write(0x0A, 0x20 | rs)
            #expect(r.rtc.periodicRateHz == hz)
        }
    }

    /// Counts IRQ 8 rising edges over `seconds`, the handler reading register C each time.
    func countInterrupts(rate: UInt8, seconds: UInt64) -> (count: Int, flags: Set<UInt8>) {
        let r = Rig()
        r.write(0x0A, 0x20 | rate)
        r.write(0x0B, 0x02 | 0x40) // PIE
        var count = 0
        var flags: Set<UInt8> = []
        let end = seconds * Self.second
        while r.scheduler.nextDeadline <= end {
            r.clock.t = r.scheduler.nextDeadline
            r.scheduler.runDue()
            if r.irq.levels[8] {
                count += 1
                flags.insert(r.read(0x0C) & 0xC0)
                #expect(!r.irq.levels[8])
            }
        }
        return (count, flags)
    }

    @Test func periodicInterruptAt1024HzGives1024InterruptsPerSecond() {
        let (count, flags) = countInterrupts(rate: 6, seconds: 1)
        #expect(count == 1024)
        #expect(flags == [0xC0]) // IRQF | PF
        #expect(countInterrupts(rate: 15, seconds: 2).count == 4)
        #expect(countInterrupts(rate: 3, seconds: 1).count == 8192)
    }

    @Test func periodicFlagIsSetWithoutPIEAndPolledWithoutInterrupt() {
        let r = Rig()
        r.run(to: 2_000) // 1024 Hz: a tick every 976.5625 µs
        #expect(r.read(0x0C) == 0x40)
        #expect(r.read(0x0C) == 0x00)
        #expect(r.irq.raised.isEmpty)
        #expect(r.scheduler.nextDeadline == .max) // nothing enabled, nothing scheduled
    }

    @Test func alarmFiresAtMatchAndDontCareMatchesAnything() {
        let r = Rig(.init(year: 2000, month: 1, day: 1, hour: 10, minute: 0, second: 0, weekday: 7))
        r.write(0x01, 0x05); r.write(0x03, 0x00); r.write(0x05, 0x10) // 10:00:05
        r.write(0x0A, 0x20)        // periodic rate 0: PF stays clear
        r.write(0x0B, 0x02 | 0x20) // AIE
        _ = r.read(0x0C)
        r.run(to: 5 * Self.second - 1)
        #expect(!r.irq.levels[8])
        r.run(to: 5 * Self.second)
        #expect(r.irq.levels[8])
        #expect(r.read(0x0C) == 0xB0) // IRQF | AF | UF (UF is set by every update)
        #expect(!r.irq.levels[8])
        // Hours and minutes "don't care" (0xC0–0xFF): every minute at second 30.
        r.write(0x01, 0x30); r.write(0x03, 0xC0); r.write(0x05, 0xFF)
        var times: [UInt64] = []
        while r.scheduler.nextDeadline <= 200 * Self.second {
            r.clock.t = r.scheduler.nextDeadline
            r.scheduler.runDue()
            if r.irq.levels[8] { times.append(r.clock.t / Self.second); _ = r.read(0x0C) }
        }
        #expect(times == [30, 90, 150])
    }

    @Test func readingRegisterCClearsFlagsAndLowersIRQ8() {
        let r = Rig()
        r.write(0x0A, 0x20)
        r.write(0x0B, 0x02 | 0x10) // UIE
        r.run(to: Self.second)
        #expect(r.irq.levels[8])
        #expect(r.irq.raised == [8])
        let c = r.read(0x0C)
        #expect(c == 0x90) // IRQF | UF
        #expect(!r.irq.levels[8])
        #expect(r.read(0x0C) == 0x00)
        // Enabling an interrupt whose flag is already set raises IRQF at once.
        r.write(0x0B, 0x02)
        r.run(to: 2 * Self.second)
        #expect(!r.irq.levels[8])
        r.write(0x0B, 0x02 | 0x10)
        #expect(r.irq.levels[8])
    }

    @Test func nmiMaskBitAndIndexPort() {
        let r = Rig()
        r.bus.writePort(0x70, size: 1, value: 0x8F)
        #expect(r.rtc.nmiMasked)
        #expect(r.rtc.index == 0x0F)
        r.bus.writePort(0x71, size: 1, value: 0xA5)
        #expect(r.rtc[nvram: 0x0F] == 0xA5)
        r.bus.writePort(0x70, size: 1, value: 0x0D)
        #expect(!r.rtc.nmiMasked)
        #expect(r.bus.readPort(0x71, size: 1) == 0x80)
        #expect(r.bus.readPort(0x70, size: 1) == 0xFF) // write-only on the AT
        // Registers C and D are read-only.
        r.write(0x0D, 0x00)
        #expect(r.read(0x0D) == 0x80)
    }

    @Test func configurationBytesAndChecksum() {
        let r = Rig()
        r.rtc.setConfiguration(memoryKiB: 32 * 1024, floppies: [.m1_44, .m1_2],
                               hardDisks: [.init(cylinders: 1024, heads: 16, sectorsPerTrack: 63)],
                               bootOrder: [.cdrom, .hardDisk, .floppy], mathCoprocessor: true)
        let n = { (i: Int) in r.rtc[nvram: i] }
        #expect(n(0x15) == 0x80 && n(0x16) == 0x02)             // 640 KiB
        #expect(n(0x17) == 0x00 && n(0x18) == 0x7C)             // 31 744 KiB
        #expect(n(0x30) == 0x00 && n(0x31) == 0x7C)
        #expect(n(0x34) == 0x00 && n(0x35) == 0x01)             // 16 MiB = 256 × 64 KiB
        #expect(n(0x10) == 0x42)
        #expect(n(0x14) == 0b0100_0011)                         // 2 drives, FPU, VGA
        #expect(n(0x12) == 0xF0 && n(0x19) == 47 && n(0x1A) == 0)
        #expect(n(0x1B) == 0x00 && n(0x1C) == 0x04 && n(0x1D) == 16 && n(0x23) == 63)
        #expect(n(0x20) == 0xC8)                                // more than 8 heads
        #expect(n(0x3D) == 0x23 && n(0x38) == 0x10)
        let sum = (0x10...0x2D).reduce(0) { $0 + Int(n($1)) }
        #expect(Int(n(0x2E)) << 8 | Int(n(0x2F)) == sum)
        // Large memory caps as Bochs's BIOS expects.
        r.rtc.setConfiguration(memoryKiB: 8 << 20, floppies: [], hardDisks: [], bootOrder: [])
        #expect(n(0x17) == 0x00 && n(0x18) == 0xFC)
        #expect(n(0x34) == 0xFF && n(0x35) == 0xFF)
        #expect(n(0x10) == 0 && n(0x14) & 0xC1 == 0 && n(0x12) == 0)
    }

    @Test func daylightSavingJumpsOnTheLastSundaysOfAprilAndOctober() {
        let r = Rig(.init(year: 2024, month: 4, day: 28, hour: 1, minute: 59, second: 59, weekday: 1))
        r.write(0x0B, 0x03)                // 24 h, BCD, DSE
        r.run(to: Self.second)
        #expect(r.read(0x04) == 0x03 && r.read(0x02) == 0x00)
        r.write(0x0B, 0x83)
        r.write(0x08, 0x10); r.write(0x07, 0x27); r.write(0x04, 0x01); r.write(0x02, 0x59); r.write(0x00, 0x59)
        r.write(0x0B, 0x03)
        r.run(to: 2 * Self.second)
        #expect(r.read(0x04) == 0x01 && r.read(0x02) == 0x00) // fall back once…
        r.run(to: 2 * Self.second + 3600 * Self.second)
        #expect(r.read(0x04) == 0x02 && r.read(0x02) == 0x00) // …not twice
        // Without DSE nothing happens on those days.
        r.write(0x0B, 0x82)
        r.write(0x08, 0x04); r.write(0x07, 0x28); r.write(0x04, 0x01); r.write(0x02, 0x59); r.write(0x00, 0x59)
        r.write(0x0B, 0x02)
        r.run(to: 3 * Self.second + 3600 * Self.second)
        #expect(r.read(0x04) == 0x02)
    }

    @Test func garbageInTimeRegistersNeverTraps() {
        let r = Rig()
        for i: UInt8 in 0...9 { r.write(i, 0xFF) }
        r.run(to: 3 * 86400 * Self.second)
        for i: UInt8 in 0...9 { r.write(i, 0xFF) }
        r.write(0x0B, 0x04 | 0x70)
        r.run(to: 6 * 86400 * Self.second)
        _ = r.time
        r.bus.writePort(0x70, size: 2, value: 0xFF_0B)  // word write: index, then data
        #expect(r.read(0x0B) == 0xEF) // SET written: the chip clears UIE
    }
}
