import Testing
@testable import Chipset

/// 8042 + PS/2 keyboard and mouse (IBM AT and PS/2 Technical References) on a 1 MHz clock.
@Suite struct KeyboardControllerTests {
    final class Clock { var t: UInt64 = 0 }

    final class Rig {
        let clock = Clock()
        let scheduler: Scheduler
        let irq = IRQRecorder()
        let kbc: KeyboardController
        let bus = IOPortBus()
        var resets = 0
        var a20: [Bool] = []
        init() {
            let c = clock
            scheduler = Scheduler(cyclesPerSecond: 1_000_000) { c.t }
            kbc = KeyboardController(scheduler: scheduler, irq: irq)
            kbc.onReset = { [unowned self] in self.resets += 1 }
            kbc.onA20Change = { [unowned self] in self.a20.append($0) }
            kbc.attach(to: bus)
        }
        func command(_ c: UInt8) { bus.writePort(0x64, size: 1, value: UInt32(c)) }
        func data(_ b: UInt8) { bus.writePort(0x60, size: 1, value: UInt32(b)) }
        var status: UInt8 { UInt8(bus.readPort(0x64, size: 1)) }
        func advance(_ us: UInt64) {
            let end = clock.t + us
            while scheduler.nextDeadline <= end {
                clock.t = max(clock.t, scheduler.nextDeadline)
                scheduler.runDue()
            }
            clock.t = end
        }
        /// Waits up to 1 ms for OBF and reads port 0x60.
        func read() -> UInt8? {
            if status & 1 == 0 { advance(1000) }
            guard status & 1 != 0 else { return nil }
            return UInt8(bus.readPort(0x60, size: 1))
        }
        func drain() -> [UInt8] {
            var out: [UInt8] = []
            while let b = read() { out.append(b) }
            return out
        }
        func setCommandByte(_ v: UInt8) { command(0x60); data(v) }
    }

    @Test func commandByteRoundTripAndSystemFlag() {
        let r = Rig()
        r.command(0x20)
        #expect(r.read() == 0x41)          // power-on: IRQ1 + translation
        #expect(r.status & 0x04 == 0)
        r.setCommandByte(0x67)
        #expect(r.status & 0x08 == 0)      // last write went to the data port
        r.command(0x20)
        #expect(r.status & 0x08 != 0)
        #expect(r.read() == 0x67)
        #expect(r.kbc.commandByte == 0x67)
        #expect(r.status & 0x04 != 0)      // system flag follows bit 2
        // RAM bytes 1–31 through 0x61–0x7F / 0x21–0x3F.
        r.command(0x65); r.data(0x5A)
        r.command(0x25)
        #expect(r.read() == 0x5A)
    }

    @Test func selfTestsAndInputPort() {
        let r = Rig()
        r.setCommandByte(0x00)
        r.command(0xAA)
        #expect(r.read() == 0x55)
        #expect(r.status & 0x04 != 0)
        r.command(0xAB)
        #expect(r.read() == 0x00)
        r.command(0xA9)
        #expect(r.read() == 0x00)
        r.command(0xA4)
        #expect(r.read() == 0xF1)
        r.command(0xC0)
        #expect(r.read()! & 0x80 != 0)
        #expect(r.read() == nil)
    }

    @Test func a20AndResetThroughTheOutputPort() {
        let r = Rig()
        #expect(r.kbc.a20Enabled)
        r.command(0xD1); r.data(0xDD)      // A20 off
        #expect(r.a20 == [false])
        r.command(0xD0)
        #expect(r.read() == 0xCD)
        r.command(0xD1); r.data(0xDF)
        #expect(r.a20 == [false, true])
        r.command(0xD1); r.data(0xDF)      // no change, no callback
        #expect(r.a20 == [false, true])
        #expect(r.resets == 0)
        r.command(0xD1); r.data(0xDE)      // bit 0 low: reset
        #expect(r.resets == 1)
        r.command(0xFE)                     // pulse bit 0
        #expect(r.resets == 2)
        r.command(0xFF)                     // pulses nothing
        r.command(0xFD)                     // pulses bit 1 only
        #expect(r.resets == 2)
        #expect(r.a20 == [false, true])
    }

    @Test func keyboardResetAndIdentifyRepliesInOrder() {
        let r = Rig()
        r.setCommandByte(0x01)              // no translation
        r.data(0xFF)
        #expect(r.drain() == [0xFA, 0xAA])
        r.data(0xF2)
        #expect(r.drain() == [0xFA, 0xAB, 0x83])
        r.data(0xEE)
        #expect(r.drain() == [0xEE])
        r.data(0xF0); r.data(0x00)
        #expect(r.drain() == [0xFA, 0xFA, 0x02])
        r.data(0xFE)                        // resend the last byte
        #expect(r.drain() == [0x02])
        r.data(0x42)                        // not a command
        #expect(r.drain() == [0xFE])
        // With translation the identify bytes pass through the table: 0x83 → 0x41.
        r.setCommandByte(0x41)
        r.data(0xF2)
        #expect(r.drain() == [0xFA, 0xAB, 0x41])
    }

    @Test func bytesArriveOneTransferTimeApart() {
        let r = Rig()
        r.data(0xF2)
        #expect(r.status & 1 == 0)
        r.advance(249)
        #expect(r.status & 1 == 0)
        r.advance(1)
        #expect(r.status & 1 != 0)
        _ = r.bus.readPort(0x60, size: 1)
        r.advance(249)
        #expect(r.status & 1 == 0)
        r.advance(1)
        #expect(UInt8(r.bus.readPort(0x60, size: 1)) == 0xAB)
    }

    @Test func set1TranslationOfMakeAndBreakCodes() {
        let r = Rig()                       // translation on at power-on
        r.kbc.keyboard.keyDown(scancodeSet2: [0x1C])      // A
        r.kbc.keyboard.keyUp(scancodeSet2: [0x1C])
        r.kbc.keyboard.keyDown(scancodeSet2: [0x5A])      // Enter
        r.kbc.keyboard.keyUp(scancodeSet2: [0x5A])
        r.kbc.keyboard.keyDown(scancodeSet2: [0xE0, 0x75]) // cursor up
        r.kbc.keyboard.keyUp(scancodeSet2: [0xE0, 0x75])
        #expect(r.drain() == [0x1E, 0x9E, 0x1C, 0x9C, 0xE0, 0x48, 0xE0, 0xC8])
        r.kbc.keyboard.keyDown(scancodeSet2: [0x83])      // F7
        r.kbc.keyboard.keyUp(scancodeSet2: [0x83])
        #expect(r.drain() == [0x41, 0xC1])
        // Untranslated: the set 2 codes themselves.
        r.setCommandByte(0x01)
        r.kbc.keyboard.keyDown(scancodeSet2: [0x1C])
        r.kbc.keyboard.keyUp(scancodeSet2: [0x1C])
        r.kbc.keyboard.keyDown(scancodeSet2: [0xE0, 0x12, 0xE0, 0x7C]) // Print Screen
        r.kbc.keyboard.keyUp(scancodeSet2: [0xE0, 0x12, 0xE0, 0x7C])
        #expect(r.drain() == [0x1C, 0xF0, 0x1C, 0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12])
        // The keyboard itself in set 1.
        r.data(0xF0); r.data(0x01)
        #expect(r.drain() == [0xFA, 0xFA])
        r.kbc.keyboard.keyDown(scancodeSet2: [0x1C])
        r.kbc.keyboard.keyUp(scancodeSet2: [0x1C])
        #expect(r.drain() == [0x1E, 0x9E])
    }

    @Test func ledCommand() {
        let r = Rig()
        var seen: [UInt8] = []
        r.kbc.keyboard.onLEDsChange = { seen.append($0) }
        r.setCommandByte(0x01)
        r.data(0xED)
        #expect(r.drain() == [0xFA])
        r.data(0x05)
        #expect(r.drain() == [0xFA])
        #expect(r.kbc.keyboard.leds == 5)
        #expect(seen == [5])
        // A command byte in place of the parameter is executed as a command.
        r.data(0xED)
        r.data(0xF2)
        #expect(r.drain() == [0xFA, 0xFA, 0xAB, 0x83])
        #expect(r.kbc.keyboard.leds == 5)
    }

    @Test func typematicRepeatFollowsDelayAndRate() {
        let r = Rig()
        r.setCommandByte(0x01)
        r.data(0xF3); r.data(0x00)          // 250 ms, 30 per second
        #expect(r.drain() == [0xFA, 0xFA])
        let t0 = r.clock.t
        r.kbc.keyboard.keyDown(scancodeSet2: [0x1C])
        var arrivals: [UInt64] = []
        // Read like an interrupt handler would, for 1.25 s.
        while r.clock.t < t0 + 1_250_500 {
            r.advance(100)
            if r.status & 1 != 0, UInt8(r.bus.readPort(0x60, size: 1)) == 0x1C { arrivals.append(r.clock.t - t0) }
        }
        // First byte at once (after the transfer), first repeat at 250 ms, then every
        // 8/240 s = 33 333 µs: 30 more by 1.25 s.
        #expect(arrivals.count == 32)
        #expect(arrivals[0] < 1000)
        #expect(arrivals[1] >= 250_000 && arrivals[1] < 250_500)
        let gaps = zip(arrivals.dropFirst(2), arrivals.dropFirst()).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 >= 33_200 && $0 <= 33_400 })
        r.kbc.keyboard.keyUp(scancodeSet2: [0x1C])
        #expect(r.drain() == [0xF0, 0x1C])
        r.advance(1_000_000)
        #expect(r.drain() == [])
        // Default rate after F6: 500 ms delay, 10.9 per second.
        r.data(0xF6)
        #expect(r.drain() == [0xFA])
        #expect(r.kbc.keyboard.typematicDelayCycles == 500_000)
        #expect(r.kbc.keyboard.typematicPeriodCycles == 91_666)
    }

    @Test func mousePacketFormat() {
        let r = Rig()
        r.setCommandByte(0x03)              // IRQ1 + IRQ12, no translation
        r.command(0xD4); r.data(0xF4)
        #expect(r.read() == 0xFA)
        #expect(r.irq.raised == [12])
        r.kbc.mouse.move(dx: 5, dy: -3, buttons: [.left])
        #expect(r.drain() == [0x29, 0x05, 0xFD]) // Y sign, always-1, left
        r.kbc.mouse.move(dx: 300, dy: 0, buttons: [.right, .middle])
        #expect(r.drain() == [0x4E, 0xFF, 0x00]) // X overflow, clamped
        r.kbc.mouse.move(dx: -300, dy: 256, buttons: [])
        #expect(r.drain() == [0xD8, 0x00, 0xFF]) // both overflow, X negative
        // 2:1 scaling: 3 → 3, 4 → 6, -10 → -20.
        r.command(0xD4); r.data(0xE7)
        #expect(r.drain() == [0xFA])
        r.kbc.mouse.move(dx: 4, dy: -10, buttons: [])
        #expect(r.drain() == [0x28, 0x06, 0xEC])
    }

    @Test func mouseCommands() {
        let r = Rig()
        r.setCommandByte(0x03)
        func send(_ b: UInt8) { r.command(0xD4); r.data(b) }
        send(0xFF)
        #expect(r.drain() == [0xFA, 0xAA, 0x00])
        send(0xF2)
        #expect(r.drain() == [0xFA, 0x00])
        send(0xF3); send(40)
        send(0xE8); send(0x03)
        send(0xE7)
        #expect(r.drain() == [0xFA, 0xFA, 0xFA, 0xFA, 0xFA])
        send(0xE9)
        #expect(r.drain() == [0xFA, 0x10, 0x03, 40])
        r.kbc.mouse.move(dx: 1, dy: 1, buttons: [])   // reporting off: no packet
        #expect(r.drain() == [])
        send(0xF0)                                    // remote mode, then poll
        r.kbc.mouse.move(dx: 7, dy: 2, buttons: [.left])
        send(0xEB)
        #expect(r.drain() == [0xFA, 0xFA, 0x09, 0x07, 0x02])
        send(0xF6)
        send(0xE9)
        #expect(r.drain() == [0xFA, 0xFA, 0x04, 0x02, 100])
        send(0x00)
        #expect(r.drain() == [0xFE])
    }

    @Test func irqsRaisedOnlyWhenEnabled() {
        let r = Rig()
        r.setCommandByte(0x00)
        r.kbc.keyboard.keyDown(scancodeSet2: [0x1C])
        r.advance(1000)
        #expect(r.status & 0x21 == 0x01)
        #expect(r.irq.raised.isEmpty)
        r.setCommandByte(0x01)                // enabling with a full buffer raises IRQ1
        #expect(r.irq.levels[1])
        _ = r.bus.readPort(0x60, size: 1)
        #expect(!r.irq.levels[1])
        r.command(0xD4); r.data(0xF4)         // mouse ACK with IRQ12 disabled
        r.advance(1000)
        #expect(r.status & 0x21 == 0x21)
        #expect(!r.irq.levels[12])
        #expect(r.irq.raised == [1])
        _ = r.bus.readPort(0x60, size: 1)
        r.setCommandByte(0x02)
        r.kbc.mouse.move(dx: 1, dy: 0, buttons: [])
        r.advance(1000)
        #expect(r.irq.levels[12])
        #expect(!r.irq.levels[1])
        // D2/D3 place bytes as keyboard / mouse data.
        _ = r.drain()
        r.setCommandByte(0x03)
        r.command(0xD2); r.data(0x55)
        #expect(r.status & 0x21 == 0x01 && r.irq.levels[1])
        #expect(r.read() == 0x55)
        r.command(0xD3); r.data(0x5A)
        #expect(r.status & 0x21 == 0x21 && r.irq.levels[12])
        #expect(r.read() == 0x5A)
    }

    @Test func disabledInterfacesHoldTheirData() {
        let r = Rig()
        r.setCommandByte(0x03)
        r.command(0xD4); r.data(0xF4)
        #expect(r.drain() == [0xFA])
        r.command(0xA7)
        #expect(r.kbc.commandByte & 0x20 != 0)
        r.kbc.mouse.move(dx: 1, dy: 1, buttons: [])
        #expect(r.drain() == [])
        r.command(0xA8)
        #expect(r.kbc.commandByte & 0x20 == 0)
        #expect(r.drain() == [0x08, 0x01, 0x01])
        r.command(0xAD)
        #expect(r.kbc.commandByte & 0x10 != 0)
        r.kbc.keyboard.keyDown(scancodeSet2: [0x1C])
        #expect(r.drain() == [])
        r.command(0xAE)
        #expect(r.drain() == [0x1C])
        // Keyboard scanning disabled with F5: keys are ignored.
        r.data(0xF5)
        #expect(r.drain() == [0xFA])
        r.kbc.keyboard.keyDown(scancodeSet2: [0x1B])
        #expect(r.drain() == [])
        r.data(0xF4)
        #expect(r.drain() == [0xFA])
    }

    /// A byte for the mouse (D4h) releases an inhibited mouse clock, as a byte for the
    /// keyboard releases the keyboard's: the answers arrive and bit 5 reads 0 afterwards.
    @Test func writingToAnInhibitedMouseReleasesItsClock() {
        let r = Rig()
        r.setCommandByte(0x61)               // translate, system flag, mouse clock off, IRQ1
        r.command(0xD4); r.data(0xFF)
        #expect(r.drain() == [0xFA, 0xAA, 0x00])
        #expect(r.kbc.commandByte == 0x41)
    }
}

/// Keyboard buffer limits and guest garbage.
@Suite struct KeyboardControllerRobustnessTests {
    @Test func keyboardBufferOverrunQueuesTheOverrunCode() {
        let r = KeyboardControllerTests.Rig()
        r.setCommandByte(0x01)
        r.command(0xAD)                              // hold the keyboard's bytes
        for k: UInt8 in 0x10..<0x24 { r.kbc.keyboard.keyDown(scancodeSet2: [k]) }
        r.command(0xAE)
        let bytes = r.drain()
        #expect(bytes.count == 17)
        #expect(Array(bytes.prefix(16)) == Array(0x10..<0x20))
        #expect(bytes.last == 0x00)                  // set 2 overrun code
        // Pause has no break code and does not repeat.
        r.kbc.keyboard.keyDown(scancodeSet2: [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77])
        r.kbc.keyboard.keyUp(scancodeSet2: [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77])
        r.advance(2_000_000)
        #expect(r.drain() == [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77])
    }

    @Test func randomGuestTrafficNeverTraps() {
        let clock = KeyboardControllerTests.Clock()
        let scheduler = Scheduler(cyclesPerSecond: 1_000_000) { clock.t }
        let irq = IRQRecorder()
        let bus = IOPortBus()
        let kbc = KeyboardController(scheduler: scheduler, irq: irq)
        let rtc = CMOSClock(scheduler: scheduler, irq: irq,
                            start: .init(year: 1999, month: 12, day: 31, hour: 23, minute: 59, second: 50, weekday: 6))
        let port92 = SystemControlPortA()
        kbc.attach(to: bus); rtc.attach(to: bus); port92.attach(to: bus)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        let ports: [UInt16] = [0x60, 0x64, 0x70, 0x71, 0x92]
        for _ in 0..<20_000 {
            let port = ports[Int(next() % UInt64(ports.count))]
            let size = [1, 2, 4][Int(next() % 3)]
            if next() % 2 == 0 {
                bus.writePort(port, size: size, value: UInt32(truncatingIfNeeded: next()))
            } else {
                _ = bus.readPort(port, size: size)
            }
            if next() % 8 == 0 { kbc.keyboard.keyDown(scancodeSet2: [UInt8(truncatingIfNeeded: next())]) }
            if next() % 8 == 0 { kbc.mouse.move(dx: Int(next() % 2000) - 1000, dy: Int(next() % 2000) - 1000, buttons: .init(rawValue: UInt8(truncatingIfNeeded: next()))) }
            clock.t += next() % 5_000_000
            scheduler.runDue()
        }
        #expect(scheduler.nextDeadline >= clock.t)
    }
}

/// The 8042 translation table against the set 1 / set 2 code charts (IBM PS/2 TechRef,
/// keyboard chapter) for the 101/102-key main block, function keys and keypad.
@Suite struct ScanCodeTranslationTests {
    static let pairs: [(set2: UInt8, set1: UInt8)] = [
        (0x76, 0x01), (0x16, 0x02), (0x1E, 0x03), (0x26, 0x04), (0x25, 0x05), (0x2E, 0x06),
        (0x36, 0x07), (0x3D, 0x08), (0x3E, 0x09), (0x46, 0x0A), (0x45, 0x0B), (0x4E, 0x0C),
        (0x55, 0x0D), (0x66, 0x0E), (0x0D, 0x0F), (0x15, 0x10), (0x1D, 0x11), (0x24, 0x12),
        (0x2D, 0x13), (0x2C, 0x14), (0x35, 0x15), (0x3C, 0x16), (0x43, 0x17), (0x44, 0x18),
        (0x4D, 0x19), (0x54, 0x1A), (0x5B, 0x1B), (0x5A, 0x1C), (0x14, 0x1D), (0x1C, 0x1E),
        (0x1B, 0x1F), (0x23, 0x20), (0x2B, 0x21), (0x34, 0x22), (0x33, 0x23), (0x3B, 0x24),
        (0x42, 0x25), (0x4B, 0x26), (0x4C, 0x27), (0x52, 0x28), (0x0E, 0x29), (0x12, 0x2A),
        (0x5D, 0x2B), (0x1A, 0x2C), (0x22, 0x2D), (0x21, 0x2E), (0x2A, 0x2F), (0x32, 0x30),
        (0x31, 0x31), (0x3A, 0x32), (0x41, 0x33), (0x49, 0x34), (0x4A, 0x35), (0x59, 0x36),
        (0x7C, 0x37), (0x11, 0x38), (0x29, 0x39), (0x58, 0x3A), (0x05, 0x3B), (0x06, 0x3C),
        (0x04, 0x3D), (0x0C, 0x3E), (0x03, 0x3F), (0x0B, 0x40), (0x83, 0x41), (0x0A, 0x42),
        (0x01, 0x43), (0x09, 0x44), (0x77, 0x45), (0x7E, 0x46), (0x6C, 0x47), (0x75, 0x48),
        (0x7D, 0x49), (0x7B, 0x4A), (0x6B, 0x4B), (0x73, 0x4C), (0x74, 0x4D), (0x79, 0x4E),
        (0x69, 0x4F), (0x72, 0x50), (0x7A, 0x51), (0x70, 0x52), (0x71, 0x53), (0x84, 0x54),
        (0x61, 0x56), (0x78, 0x57), (0x07, 0x58),
    ]

    @Test func tableMatchesTheCodeCharts() {
        for p in Self.pairs {
            #expect(ScanCodeTranslation.set2ToSet1[Int(p.set2)] == p.set1, "set 2 \(p.set2)")
            #expect(ScanCodeTranslation.toSet1([0xF0, p.set2]) == [p.set1 | 0x80])
        }
        // Replies and prefixes pass unchanged.
        #expect(ScanCodeTranslation.toSet1([0xFA, 0xAA, 0xEE, 0xFE, 0xE0, 0xE1]) == [0xFA, 0xAA, 0xEE, 0xFE, 0xE0, 0xE1])
        #expect(ScanCodeTranslation.set2ToSet1.count == 256)
    }

    @Test func breakCodesAreDerivedFromMakeCodes() {
        #expect(PS2Keyboard.breakCode(forMake: [0x1C]) == [0xF0, 0x1C])
        #expect(PS2Keyboard.breakCode(forMake: [0xE0, 0x75]) == [0xE0, 0xF0, 0x75])
        #expect(PS2Keyboard.breakCode(forMake: [0xE0, 0x12, 0xE0, 0x7C]) == [0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12])
    }
}
