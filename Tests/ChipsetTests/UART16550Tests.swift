import Testing
@testable import Chipset

/// PC16550D behaviour (National Semiconductor datasheet, June 1995; sections named as in UART16550.swift).
@Suite struct UART16550Tests {
    final class Clock { var t: UInt64 = 0 }

    /// A UART on COM1 with its own clock; `run(until:)` fires events at their own deadlines,
    /// as the Machine does between CPU batches.
    final class Rig {
        let clock = Clock()
        let scheduler: Scheduler
        let irqs = IRQRecorder()
        let bus = IOPortBus()
        let uart: UART16550
        let base: UInt16

        init(backend: SerialBackend? = nil, cyclesPerSecond: UInt64 = 33_000_000,
             port: (base: UInt16, irq: Int) = UART16550.com1) {
            let clock = clock
            scheduler = Scheduler(cyclesPerSecond: cyclesPerSecond) { clock.t }
            base = port.base
            uart = UART16550(base: port.base, irq: port.irq, scheduler: scheduler, irqLines: irqs, backend: backend)
            uart.attach(to: bus)
        }

        func out(_ offset: UInt16, _ value: UInt8) { bus.writePort(base + offset, size: 1, value: UInt32(value)) }
        func inp(_ offset: UInt16) -> UInt8 { UInt8(truncatingIfNeeded: bus.readPort(base + offset, size: 1)) }

        func run(until t: UInt64) {
            while scheduler.nextDeadline <= t {
                clock.t = max(clock.t, scheduler.nextDeadline)
                scheduler.runDue()
            }
            clock.t = max(clock.t, t)
        }
        func run(for cycles: UInt64) { run(until: clock.t + cycles) }

        /// 8N1 at the given divisor.
        func program(divisor: UInt16, lcr: UInt8 = 0x03) {
            out(3, 0x80)
            out(0, UInt8(divisor & 0xFF)); out(1, UInt8(divisor >> 8))
            out(3, lcr)
        }
    }

    // Register offsets.
    static let RBR: UInt16 = 0, THR: UInt16 = 0, IER: UInt16 = 1, IIR: UInt16 = 2, FCR: UInt16 = 2
    static let LCR: UInt16 = 3, MCR: UInt16 = 4, LSR: UInt16 = 5, MSR: UInt16 = 6, SCR: UInt16 = 7

    // MARK: Registers

    @Test func resetValuesFollowTableIII() {
        let r = Rig()
        #expect(r.inp(Self.IER) == 0)
        #expect(r.inp(Self.IIR) == 0x01)          // no interrupt pending, 16450 mode
        #expect(r.inp(Self.LCR) == 0)
        #expect(r.inp(Self.MCR) == 0)
        #expect(r.inp(Self.LSR) == 0x60)          // THRE and TEMT
        #expect(r.inp(Self.MSR) == 0)             // nothing connected
        #expect(r.irqs.levels[4] == false)
    }

    @Test func masterResetKeepsTheDivisorAndScratchRegister() {
        let r = Rig()
        r.program(divisor: 3, lcr: 0x1B)
        r.out(Self.SCR, 0x77)
        r.out(Self.FCR, 0xC1)
        r.out(Self.MCR, 0x0B)
        r.out(Self.IER, 0x0F)
        r.out(Self.THR, 0x55)
        #expect(r.irqs.levels[4])
        r.uart.reset()
        #expect(!r.irqs.levels[4])
        #expect(r.inp(Self.IER) == 0)
        #expect(r.inp(Self.IIR) == 0x01)          // FIFOs off again
        #expect(r.inp(Self.LCR) == 0)
        #expect(r.inp(Self.MCR) == 0)
        #expect(r.inp(Self.LSR) == 0x60)          // the byte being shifted out is gone
        #expect(r.inp(Self.SCR) == 0x77)
        r.out(Self.LCR, 0x80)
        #expect(r.inp(0) == 3)
        r.run(for: 10 * r.uart.characterCycles)
        #expect(r.inp(Self.LSR) & 0x01 == 0)
    }

    @Test func dlabSelectsTheDivisorLatch() {
        let r = Rig()
        r.out(Self.IER, 0x05)
        r.out(Self.LCR, 0x83)                     // DLAB = 1, 8N1
        r.out(0, 0x0C); r.out(1, 0x00)            // divisor 12 = 9600 baud
        #expect(r.inp(0) == 0x0C)
        #expect(r.inp(1) == 0x00)
        #expect(r.uart.baudRate == 9600)
        r.out(Self.LCR, 0x03)                     // DLAB = 0: offsets 0 and 1 are RBR/THR and IER again
        #expect(r.inp(Self.IER) == 0x05)          // untouched by the divisor writes
        r.out(Self.IER, 0xFF)
        #expect(r.inp(Self.IER) == 0x0F)          // bits 4-7 are always 0
        r.out(Self.LCR, 0x80)
        #expect(r.inp(0) == 0x0C)                 // the divisor is kept
        r.out(1, 0x01)
        #expect(r.inp(1) == 0x01)
        #expect(r.uart.baudRate == 1_843_200.0 / 16 / 268)
        r.out(Self.LCR, 0x03)
        r.out(Self.SCR, 0x5A)
        #expect(r.inp(Self.SCR) == 0x5A)
        r.out(Self.MCR, 0xFF)
        #expect(r.inp(Self.MCR) == 0x1F)          // bits 5-7 are always 0
    }

    @Test func characterTimeFollowsDivisorAndFrameFormat() {
        // 33 MHz CPU: one bit at 9600 baud is 16 x 12 / 1.8432 MHz = 104.1667 us = 3437.5 cycles.
        let r = Rig()
        r.program(divisor: 12, lcr: 0x03)         // 8N1: 10 bits
        #expect(r.uart.characterCycles == 34375)  // 1.0417 ms
        r.program(divisor: 12, lcr: 0x1A)         // 7E1: 1 + 7 + 1 + 1 = 10 bits
        #expect(r.uart.characterCycles == 34375)
        r.program(divisor: 12, lcr: 0x07)         // 8N2: 11 bits
        #expect(r.uart.characterCycles == 37813)  // 37812.5 rounded up
        r.program(divisor: 12, lcr: 0x04)         // 5 bits with 1.5 stop bits: 7.5 bits
        #expect(r.uart.characterCycles == 25782)  // 25781.25 rounded up
        r.program(divisor: 1, lcr: 0x03)          // 115200 baud 8N1
        #expect(r.uart.characterCycles == 2865)   // 2864.58 rounded up
        r.program(divisor: 0, lcr: 0x03)          // 0 runs the 16-bit baud counter through 65536
        #expect(r.uart.characterCycles > 0)
    }

    // MARK: Loopback and FIFOs

    @Test func loopbackReturnsBytesThroughTheFIFOAndNotToTheBackend() {
        let backend = BufferSerialBackend()
        let r = Rig(backend: backend)
        r.program(divisor: 1)
        r.out(Self.FCR, 0x07)                     // FIFO on, both FIFOs cleared
        r.out(Self.MCR, 0x10)                     // LOOP
        for b in "Hello".utf8 { r.out(Self.THR, b) }
        #expect(r.inp(Self.LSR) & 0x61 == 0)      // FIFO not empty, shift register busy, no data yet
        let c = r.uart.characterCycles
        r.run(for: 5 * c - 1)
        #expect(r.inp(Self.LSR) & 0x41 == 0x01)   // four back already, the fifth still shifting
        r.run(for: 1)
        #expect(r.inp(Self.LSR) == 0x61)          // DR, THRE, TEMT
        var got: [UInt8] = []
        while r.inp(Self.LSR) & 0x01 != 0 { got.append(r.inp(Self.RBR)) }
        #expect(got == Array("Hello".utf8))
        #expect(backend.output.isEmpty)
        // Only the programmed word length is transmitted (5 bits here).
        r.out(Self.LCR, 0x00)
        r.out(Self.THR, 0xFF)
        r.run(for: r.uart.characterCycles)
        #expect(r.inp(Self.RBR) == 0x1F)
    }

    @Test func loopbackModemOutputsDriveTheModemInputs() {
        let r = Rig()
        r.out(Self.MCR, 0x10)
        _ = r.inp(Self.MSR)
        r.out(Self.MCR, 0x10 | 0x02)              // RTS -> CTS
        #expect(r.inp(Self.MSR) == 0x11)          // CTS + DCTS; reading clears the delta
        r.out(Self.MCR, 0x10 | 0x02 | 0x01)       // DTR -> DSR
        #expect(r.inp(Self.MSR) == 0x32)
        r.out(Self.MCR, 0x10 | 0x08 | 0x04)       // OUT2 -> DCD, OUT1 -> RI; RTS and DTR drop
        #expect(r.inp(Self.MSR) == 0xC0 | 0x08 | 0x02 | 0x01)
        r.out(Self.MCR, 0x10 | 0x08)              // RI 1 -> 0: trailing edge (TERI)
        #expect(r.inp(Self.MSR) == 0x84)
        #expect(r.inp(Self.MSR) == 0x80)
    }

    /// FIFO Interrupt Mode Operation: the received-data interrupt comes when the FIFO reaches the trigger
    /// level and goes when it drops below; with fewer bytes, the character timeout after
    /// 4 character times without activity reports them.
    @Test(arguments: [(UInt8(0x00), 1), (0x40, 4), (0x80, 8), (0xC0, 14)])
    func receivedDataInterruptAtTheTriggerLevel(fcr: UInt8, level: Int) {
        let r = Rig()
        r.program(divisor: 1)
        r.out(Self.FCR, fcr | 0x07)
        r.out(Self.MCR, 0x10)
        r.out(Self.IER, 0x01)                     // ERBFI
        let c = r.uart.characterCycles
        for i in 0..<(level - 1) { r.out(Self.THR, UInt8(i)) }
        r.run(for: UInt64(level - 1) * c)
        #expect(r.inp(Self.IIR) == 0xC1)          // below the trigger: nothing yet
        r.out(Self.THR, 0xAA)
        r.run(for: c - 1)
        #expect(r.inp(Self.IIR) == 0xC1)
        r.run(for: 1)
        #expect(r.inp(Self.IIR) == 0xC4)          // the level-th byte arrived
        _ = r.inp(Self.RBR)                       // one below the trigger again
        let readAt = r.clock.t
        if level == 1 {
            #expect(r.inp(Self.IIR) == 0xC1)
            r.run(for: 10 * c)
            #expect(r.inp(Self.IIR) == 0xC1)      // empty FIFO: no timeout
            return
        }
        #expect(r.inp(Self.IIR) == 0xC1)
        r.run(until: readAt + 4 * c - 1)
        #expect(r.inp(Self.IIR) == 0xC1)
        r.run(until: readAt + 4 * c)
        #expect(r.inp(Self.IIR) == 0xCC)          // character timeout
        #expect(r.inp(Self.IIR) == 0xCC)          // reading IIR does not clear it
        _ = r.inp(Self.RBR)                       // reading a byte does
        #expect(r.inp(Self.IIR) == 0xC1)
        if level > 2 {
            r.run(for: 4 * c)
            #expect(r.inp(Self.IIR) == 0xCC)      // and restarts the timer for the rest
        }
    }

    @Test func characterTimeoutRestartsWhenACharacterArrives() {
        let r = Rig()
        r.program(divisor: 1)
        r.out(Self.FCR, 0xC1)                     // trigger 14
        r.out(Self.MCR, 0x10)
        r.out(Self.IER, 0x01)
        let c = r.uart.characterCycles
        r.out(Self.THR, 1)
        r.run(for: c)                             // first byte in
        r.run(for: 2 * c)
        r.out(Self.THR, 2)
        r.run(for: c)                             // second byte arrives 3c after the first
        #expect(r.inp(Self.IIR) == 0xC1)
        r.run(for: 4 * c - 1)
        #expect(r.inp(Self.IIR) == 0xC1)
        r.run(for: 1)
        #expect(r.inp(Self.IIR) == 0xCC)
    }

    @Test func fcrClearsFIFOsAndIsProgrammedOnlyWithFIFOEnable() {
        let r = Rig()
        r.program(divisor: 1)
        r.out(Self.FCR, 0x01)
        r.out(Self.MCR, 0x10)
        for i in 0..<3 { r.out(Self.THR, UInt8(i)) }
        r.run(for: 3 * r.uart.characterCycles)
        #expect(r.inp(Self.LSR) & 0x01 == 0x01)
        r.out(Self.FCR, 0x03)                     // clear the RX FIFO
        #expect(r.inp(Self.LSR) & 0x01 == 0)
        r.out(Self.IER, 0x01)
        r.out(Self.FCR, 0x80)                     // FCR0 = 0: back to 16450 mode, trigger ignored
        #expect(r.inp(Self.IIR) == 0x01)
        r.out(Self.FCR, 0x41)                     // FIFO mode, trigger 4
        for i in 0..<3 { r.out(Self.THR, UInt8(i)) }
        r.run(for: 3 * r.uart.characterCycles)
        #expect(r.inp(Self.IIR) == 0xC1)          // 3 < 4
    }

    // MARK: Overrun

    @Test func overrunInFIFOModeKeepsTheFIFOAndLosesTheNewCharacter() {
        let r = Rig()
        r.program(divisor: 1)
        r.out(Self.FCR, 0x07)
        r.out(Self.MCR, 0x10)
        for i in 0..<17 { r.out(Self.THR, UInt8(i)) }  // 1 in the shift register + 16 in the FIFO
        r.run(for: 17 * r.uart.characterCycles)
        #expect(r.inp(Self.LSR) == 0x63)          // DR, OE, THRE, TEMT
        #expect(r.inp(Self.LSR) == 0x61)          // OE cleared by the read
        var got: [UInt8] = []
        while r.inp(Self.LSR) & 0x01 != 0 { got.append(r.inp(Self.RBR)) }
        #expect(got == Array(0..<16))
    }

    @Test func overrunIn16450ModeOverwritesTheRBR() {
        let r = Rig()
        r.program(divisor: 1)
        r.out(Self.MCR, 0x10)
        r.out(Self.THR, 0x41)
        r.run(for: r.uart.characterCycles)
        #expect(r.inp(Self.LSR) == 0x61)
        r.out(Self.THR, 0x42)
        r.run(for: r.uart.characterCycles)
        #expect(r.inp(Self.LSR) == 0x63)
        #expect(r.inp(Self.RBR) == 0x42)
        #expect(r.inp(Self.LSR) == 0x60)
    }

    // MARK: Transmitter timing and interrupts

    /// 9600 baud 8N1 on a 33 MHz CPU: 34375 cycles (1.0417 ms) a character. THRE rises when
    /// the THR hands its byte to the shift register, TEMT when the shift register is done.
    @Test func thrEmptyInterruptAndTEMTFollowTheBaudRate() {
        let backend = BufferSerialBackend()
        let r = Rig(backend: backend)
        r.program(divisor: 12)
        r.out(Self.MCR, 0x08)                     // OUT2: interrupts reach IRQ 4
        r.out(Self.IER, 0x02)                     // ETBEI with the THR empty: immediate interrupt
        #expect(r.irqs.levels[4])
        #expect(r.inp(Self.IIR) == 0x02)
        #expect(!r.irqs.levels[4])                // reading IIR cleared it
        let t0 = r.clock.t
        r.out(Self.THR, 0x41)                     // straight into the shift register
        r.out(Self.THR, 0x42)                     // waits in the THR
        #expect(r.inp(Self.LSR) & 0x60 == 0)
        #expect(!r.irqs.levels[4])
        r.run(until: t0 + 34375 - 1)
        #expect(r.inp(Self.LSR) & 0x60 == 0)
        #expect(backend.output.isEmpty)
        r.run(until: t0 + 34375)
        #expect(backend.output == [0x41])
        #expect(r.inp(Self.LSR) & 0x60 == 0x20)   // THRE, not TEMT
        #expect(r.irqs.levels[4])
        #expect(r.inp(Self.IIR) == 0x02)
        r.run(until: t0 + 2 * 34375 - 1)
        #expect(r.inp(Self.LSR) & 0x60 == 0x20)
        r.run(until: t0 + 2 * 34375)
        #expect(r.inp(Self.LSR) & 0x60 == 0x60)
        #expect(backend.output == [0x41, 0x42])
    }

    @Test func fifoTransmitterEmptiesAtTheBaudRate() {
        let backend = BufferSerialBackend()
        let r = Rig(backend: backend)
        r.program(divisor: 12)
        r.out(Self.FCR, 0x07)
        r.out(Self.MCR, 0x08)
        r.out(Self.IER, 0x02)
        _ = r.inp(Self.IIR)
        let t0 = r.clock.t
        for i in 0..<16 { r.out(Self.THR, UInt8(i)) }
        // Byte 0 went straight into the shift register, so byte 16 still fits the 16-byte
        // FIFO; the writes after it are lost.
        for i in 16..<20 { r.out(Self.THR, UInt8(i)) }
        #expect(!r.irqs.levels[4])
        r.run(until: t0 + 16 * 34375 - 1)
        #expect(!r.irqs.levels[4])
        #expect(backend.output.count == 15)
        r.run(until: t0 + 16 * 34375)
        #expect(r.irqs.levels[4])                 // the last byte moved into the shift register
        #expect(r.inp(Self.IIR) == 0xC2)
        #expect(r.inp(Self.LSR) & 0x60 == 0x20)
        r.run(until: t0 + 17 * 34375)
        #expect(r.inp(Self.LSR) & 0x60 == 0x60)
        #expect(backend.output == Array(0...16))
    }

    /// Table IV: line status > received data / timeout > THR empty > modem status.
    @Test func interruptIdentificationPriorityOrder() {
        let r = Rig()
        r.program(divisor: 1)
        r.out(Self.FCR, 0x07)                     // trigger level 1
        r.out(Self.MCR, 0x10)
        r.out(Self.IER, 0x0F)
        #expect(r.inp(Self.IIR) == 0xC2)          // THR empty on enabling ETBEI
        r.out(Self.MCR, 0x11)                     // DTR -> DSR: modem status change
        #expect(r.inp(Self.IIR) == 0xC0)
        for i in 0..<17 { r.out(Self.THR, UInt8(i)) }   // fill the RX FIFO and overrun it
        r.run(for: 17 * r.uart.characterCycles)
        #expect(r.inp(Self.IIR) == 0xC6)          // line status (overrun) first
        #expect(r.inp(Self.IIR) == 0xC6)
        _ = r.inp(Self.LSR)
        #expect(r.inp(Self.IIR) == 0xC4)          // then received data
        for _ in 0..<16 { _ = r.inp(Self.RBR) }
        #expect(r.inp(Self.IIR) == 0xC2)          // then THR empty (cleared by this read)
        #expect(r.inp(Self.IIR) == 0xC0)          // then modem status
        #expect(r.inp(Self.MSR) == 0x22)          // DSR + DDSR
        #expect(r.inp(Self.IIR) == 0xC1)
    }

    /// On the PC the 16550's INTR reaches the PIC only while OUT2 is set; loopback forces the
    /// modem outputs (OUT2 too) inactive (Modem Control Register, bit 4).
    @Test func out2GatesTheInterruptLine() {
        let r = Rig()
        r.out(Self.IER, 0x02)                     // THR empty pending
        #expect(!r.irqs.levels[4])                // OUT2 = 0
        r.out(Self.MCR, 0x08)
        #expect(r.irqs.levels[4])
        r.out(Self.MCR, 0x03)
        #expect(!r.irqs.levels[4])
        r.out(Self.MCR, 0x0B)
        #expect(r.irqs.levels[4])
        r.out(Self.MCR, 0x18)                     // loopback
        #expect(!r.irqs.levels[4])
        r.out(Self.MCR, 0x08)
        #expect(r.irqs.levels[4])
        #expect(r.inp(Self.IIR) == 0x02)
        #expect(!r.irqs.levels[4])
        #expect(r.irqs.raised == [4, 4, 4])
    }

    @Test func com2UsesItsPortsAndIRQ3() {
        let r = Rig(port: UART16550.com2)
        #expect(r.bus.deviceName(at: 0x2F8) == "COM2 (16550)")
        #expect(r.bus.deviceName(at: 0x2FF) == "COM2 (16550)")
        #expect(r.bus.readPort(0x2FD, size: 1) == 0x60)
        r.out(Self.MCR, 0x08)
        r.out(Self.IER, 0x02)
        #expect(r.irqs.levels[3])
        #expect(!r.irqs.levels[4])
    }

    // MARK: Host input

    @Test func hostInputArrivesAtTheBaudRateAndWaitsForRoom() {
        let backend = BufferSerialBackend(input: Array("abc".utf8))
        let r = Rig(backend: backend)
        r.program(divisor: 12)
        r.out(Self.MCR, 0x08)
        r.out(Self.IER, 0x01)
        #expect(r.inp(Self.MSR) & 0xF0 == 0xB0)   // connected: CTS, DSR, DCD
        let poll = r.scheduler.cycles(nanoseconds: UART16550.pollIntervalNanoseconds)
        r.run(until: poll + 34375 - 1)
        #expect(r.inp(Self.LSR) & 0x01 == 0)
        r.run(until: poll + 34375)
        #expect(r.irqs.levels[4])
        #expect(r.inp(Self.IIR) == 0x04)
        r.run(for: 100 * 34375)                   // the guest is slow: the rest waits, no overrun
        #expect(r.inp(Self.LSR) == 0x61)
        #expect(r.inp(Self.RBR) == UInt8(ascii: "a"))
        #expect(!r.irqs.levels[4])
        r.run(for: 34375)
        #expect(r.inp(Self.RBR) == UInt8(ascii: "b"))
        r.run(for: 34375)
        #expect(r.inp(Self.RBR) == UInt8(ascii: "c"))
        #expect(r.inp(Self.LSR) == 0x60)
    }

    @Test func randomGuestAccessNeverTraps() {
        let r = Rig(backend: BufferSerialBackend(input: Array(0..<200)))
        var x: UInt32 = 12345
        for _ in 0..<20_000 {
            x = x &* 1_103_515_245 &+ 12345
            let port = r.base &+ UInt16(x >> 8 & 7)
            let size = [1, 2, 4][Int((x >> 12) % 3)]
            if x & 1 == 0 { r.bus.writePort(port, size: size, value: x >> 16) }
            else { _ = r.bus.readPort(port, size: size) }
            r.run(for: UInt64(x >> 20 & 0xFFF))
        }
        #expect(r.inp(Self.SCR) == r.inp(Self.SCR))
    }
}
