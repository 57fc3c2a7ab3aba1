// Intel 8042 keyboard controller with the PS/2 keyboard and mouse behind it.
//
// Behaviour from the IBM PC/AT Technical Reference ("Keyboard Controller": status
// register, command byte, commands 0x20–0xFF, input and output ports) and the IBM PS/2
// Hardware Interface Technical Reference (auxiliary device commands 0xA7–0xA9, 0xD2–0xD4,
// status bit 5, command byte bits 1 and 5).
//
// Ports:
//   0x60 read   output buffer (clears OBF and the IRQ it raised)
//   0x60 write  data: the parameter of a pending controller command, else a byte for
//               the keyboard
//   0x64 read   status: bit 0 OBF, 1 IBF (always 0: input is taken at once), 2 system
//               flag, 3 last write was a command (0x64), 4 keyboard not inhibited (1),
//               5 the output buffer holds mouse data, 6 timeout, 7 parity error (0)
//   0x64 write  controller command
//
// Command byte (RAM byte 0): bit 0 IRQ1 on keyboard data, 1 IRQ12 on mouse data,
// 2 system flag, 4 keyboard clock disabled, 5 mouse clock disabled, 6 translate set 2 →
// set 1. Commands: 0x20–0x3F read RAM byte n (0x20 = command byte), 0x60–0x7F write RAM
// byte n, 0xA4 password installed? (→ 0xF1, no), 0xA5 load password (bytes up to 0x00,
// ignored), 0xA7/0xA8 disable/enable mouse, 0xA9 mouse interface test (→ 0x00),
// 0xAA self test (→ 0x55, sets the system flag), 0xAB keyboard interface test (→ 0x00),
// 0xAD/0xAE disable/enable keyboard, 0xC0 read input port, 0xD0 read output port,
// 0xD1 write output port (bit 0 0 = reset the CPU, bit 1 A20 gate), 0xD2/0xD3 write the
// next byte into the output buffer as keyboard/mouse data, 0xD4 send the next byte to the
// mouse (clearing command-byte bit 5, as a write to the keyboard clears bit 4), 0xE0 read test inputs (→ 0x00), 0xF0–0xFF pulse the output-port bits whose
// command bit is 0 (bit 0: reset). Other commands are ignored.
//
// Timing: bytes from the keyboard and mouse reach the output buffer one at a time, a
// serial-transfer delay (250 µs by default) after the buffer is free; replies of the
// controller itself are placed in the buffer at once. IRQ1/IRQ12 rise when a byte is
// loaded (and enabled in the command byte) and fall when port 0x60 is read.

/// The 8042 at ports 0x60/0x64, with a PS/2 keyboard (IRQ 1) and mouse (IRQ 12).
public final class KeyboardController: IODevice {
    public let keyboard: PS2Keyboard
    public let mouse: PS2Mouse
    /// Called when the controller pulses the CPU's reset line (output port bit 0).
    public var onReset: () -> Void
    /// Called with the new state when output-port bit 1 (A20 gate) changes.
    public var onA20Change: (Bool) -> Void

    /// RAM byte 0, the command byte.
    public var commandByte: UInt8 { ram[0] }
    /// The output port as last written (bits 4/5, the IRQ pins, are reported live by 0xD0).
    public private(set) var outputPort: UInt8 = 0xCF
    /// Output-port bit 1.
    public var a20Enabled: Bool { outputPort & 0x02 != 0 }

    // Status register bits.
    public static let obf: UInt8 = 0x01, systemFlagBit: UInt8 = 0x04, commandBit: UInt8 = 0x08
    public static let notInhibited: UInt8 = 0x10, auxData: UInt8 = 0x20
    // Command byte bits.
    public static let irq1Enable: UInt8 = 0x01, irq12Enable: UInt8 = 0x02
    public static let keyboardDisabled: UInt8 = 0x10, mouseDisabled: UInt8 = 0x20, translate: UInt8 = 0x40

    private let scheduler: Scheduler
    private let irq: InterruptRequestLines
    private let transferCycles: UInt64

    private var ram = [UInt8](repeating: 0, count: 32)
    private var outputBuffer: UInt8 = 0
    private var outputFull = false
    private var outputFromMouse = false
    private var systemFlag = false
    private var lastWriteWasCommand = false
    private var pendingCommand: UInt8?
    private var replies: [(byte: UInt8, mouse: Bool)] = []
    private var transferEvent: Scheduler.EventID?
    private var translator = ScanCodeTranslation.Translator()
    private var irq1High = false, irq12High = false

    /// - transferMicroseconds: time for one byte to come in from the keyboard or mouse.
    public init(scheduler: Scheduler, irq: InterruptRequestLines,
                onReset: @escaping () -> Void = {}, onA20Change: @escaping (Bool) -> Void = { _ in },
                transferMicroseconds: UInt64 = 250) {
        self.scheduler = scheduler
        self.irq = irq
        self.onReset = onReset
        self.onA20Change = onA20Change
        transferCycles = max(1, scheduler.cycles(nanoseconds: transferMicroseconds * 1000))
        keyboard = PS2Keyboard(scheduler: scheduler)
        mouse = PS2Mouse()
        // Power-on command byte: keyboard interrupt and translation on, both clocks
        // enabled, system flag clear (cold boot). The BIOS rewrites it during POST.
        ram[0] = Self.irq1Enable | Self.translate
        keyboard.outputAvailable = { [unowned self] in self.pump() }
        mouse.outputAvailable = { [unowned self] in self.pump() }
    }

    public func attach(to bus: IOPortBus) {
        bus.map(0x60...0x60, self, name: "8042 data")
        bus.map(0x64...0x64, self, name: "8042 command/status")
    }

    // MARK: Ports

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        let b: UInt8 = port == 0x64 ? status : readData()
        return size == 1 ? UInt32(b) : UInt32(b) | (0xFFFF_FF00 & (0xFFFF_FFFF >> (32 - 8 * UInt32(min(max(size, 1), 4)))))
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        let b = UInt8(truncatingIfNeeded: value)
        if port == 0x64 { writeCommand(b) } else if port == 0x60 { writeData(b) }
    }

    public var status: UInt8 {
        var s = Self.notInhibited
        if outputFull { s |= Self.obf }
        if outputFull && outputFromMouse { s |= Self.auxData }
        if systemFlag { s |= Self.systemFlagBit }
        if lastWriteWasCommand { s |= Self.commandBit }
        return s
    }

    private func readData() -> UInt8 {
        let b = outputBuffer
        outputFull = false
        updateIRQs()
        pump()
        return b
    }

    // MARK: Controller commands

    private func writeCommand(_ c: UInt8) {
        lastWriteWasCommand = true
        pendingCommand = nil
        switch c {
        case 0x20...0x3F:
            reply(ram[Int(c & 0x1F)])
        case 0x60...0x7F, 0xA5, 0xD1, 0xD2, 0xD3, 0xD4:
            pendingCommand = c
        case 0xA4:
            reply(0xF1)
        case 0xA7:
            setCommandByte(ram[0] | Self.mouseDisabled)
        case 0xA8:
            setCommandByte(ram[0] & ~Self.mouseDisabled)
        case 0xA9, 0xAB:
            reply(0x00)
        case 0xAA:
            systemFlag = true
            reply(0x55)
        case 0xAD:
            setCommandByte(ram[0] | Self.keyboardDisabled)
        case 0xAE:
            setCommandByte(ram[0] & ~Self.keyboardDisabled)
        case 0xC0:
            // Input port: bit 7 = 1 keyboard not inhibited (key lock open), bit 6 = 0
            // colour primary display; the other jumpers read 0.
            reply(0x80)
        case 0xD0:
            var v = outputPort & 0xCF
            if outputFull && !outputFromMouse { v |= 0x10 }
            if outputFull && outputFromMouse { v |= 0x20 }
            reply(v)
        case 0xE0:
            reply(0x00)
        case 0xF0...0xFF:
            // Pulse output-port bits 0–3 low where the command has a 0; only bit 0
            // (the CPU's reset line) is wired to anything.
            if c & 0x01 == 0 { onReset() }
        default:
            break
        }
    }

    private func writeData(_ b: UInt8) {
        lastWriteWasCommand = false
        guard let command = pendingCommand else {
            // Writing to the keyboard releases an inhibited keyboard clock (the controller
            // must drive the clock to send), as Bochs does.
            if ram[0] & Self.keyboardDisabled != 0 { setCommandByte(ram[0] & ~Self.keyboardDisabled) }
            keyboard.receive(b)
            return
        }
        pendingCommand = nil
        switch command {
        case 0x60:
            setCommandByte(b)
        case 0x61...0x7F:
            ram[Int(command & 0x1F)] = b
        case 0xA5:
            if b != 0 { pendingCommand = 0xA5 } // password bytes up to the terminating 0
        case 0xD1:
            writeOutputPort(b)
        case 0xD2:
            reply(b, mouse: false)
        case 0xD3:
            reply(b, mouse: true)
        case 0xD4:
            // Like a write to the keyboard, a byte for the mouse releases an inhibited
            // mouse clock, so its answer comes back (Bochs's BIOS sends its INT 15h
            // C2xxh commands with the command byte's bit 5 set and waits for them).
            if ram[0] & Self.mouseDisabled != 0 { setCommandByte(ram[0] & ~Self.mouseDisabled) }
            mouse.receive(b)
        default:
            break
        }
    }

    private func setCommandByte(_ v: UInt8) {
        ram[0] = v
        systemFlag = v & Self.systemFlagBit != 0
        updateIRQs()
        pump()
    }

    private func writeOutputPort(_ v: UInt8) {
        let old = outputPort
        outputPort = v | 0x01 // the reset line is pulsed, not held
        if (old ^ v) & 0x02 != 0 { onA20Change(v & 0x02 != 0) }
        if v & 0x01 == 0 { onReset() }
    }

    // MARK: Output buffer

    private func reply(_ b: UInt8, mouse: Bool = false) {
        replies.append((b, mouse))
        pump()
    }

    /// Fills a free output buffer: controller replies at once, device bytes after the
    /// serial-transfer delay.
    private func pump() {
        guard !outputFull else { return }
        if !replies.isEmpty {
            let r = replies.removeFirst()
            load(r.byte, fromMouse: r.mouse)
            return
        }
        guard transferEvent == nil, keyboardReady || mouseReady else { return }
        transferEvent = scheduler.schedule(after: transferCycles) { [weak self] in
            guard let self else { return }
            self.transferEvent = nil
            self.transfer()
        }
    }

    private var keyboardReady: Bool { ram[0] & Self.keyboardDisabled == 0 && keyboard.hasOutput }
    private var mouseReady: Bool { ram[0] & Self.mouseDisabled == 0 && mouse.hasOutput }

    private func transfer() {
        guard !outputFull else { return }
        if keyboardReady {
            while let b = keyboard.takeByte() {
                if ram[0] & Self.translate != 0 {
                    // The break prefix is swallowed: it sets bit 7 of the next code.
                    guard let t = translator.translate(b) else { continue }
                    load(t, fromMouse: false)
                } else {
                    load(b, fromMouse: false)
                }
                return
            }
        }
        if mouseReady, let b = mouse.takeByte() {
            load(b, fromMouse: true)
            return
        }
        pump()
    }

    private func load(_ b: UInt8, fromMouse: Bool) {
        outputBuffer = b
        outputFull = true
        outputFromMouse = fromMouse
        updateIRQs()
    }

    private func updateIRQs() {
        let k = outputFull && !outputFromMouse && ram[0] & Self.irq1Enable != 0
        let m = outputFull && outputFromMouse && ram[0] & Self.irq12Enable != 0
        if k != irq1High { irq1High = k; irq.setIRQ(1, k) }
        if m != irq12High { irq12High = m; irq.setIRQ(12, m) }
    }
}
