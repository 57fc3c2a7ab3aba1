// An IBM PS/2 (MF II) keyboard on the 8042's keyboard port.
//
// Behaviour from the IBM Personal System/2 Hardware Interface Technical Reference,
// "Keyboard" chapter (commands, responses, typematic rate table, scan code set 2) and the
// IBM PC/AT Technical Reference's keyboard section.
//
// Commands from the host (each answered with 0xFA "ACK" unless noted):
//   0xED + byte  set LEDs (bit 0 Scroll Lock, bit 1 Num Lock, bit 2 Caps Lock)
//   0xEE         echo → 0xEE (no ACK)
//   0xF0 + byte  0 = report the scan code set (ACK, then 1/2/3); 1–3 = select it
//   0xF2         identify → ACK, 0xAB, 0x83
//   0xF3 + byte  typematic: bits 6–5 delay (250 ms × (n+1)), bits 4–0 rate
//                (period = (8 + bits 2–0) × 2^(bits 4–3) / 240 s: 30 … 2 keys per second)
//   0xF4         enable scanning (clears the output buffer)
//   0xF5         disable scanning and restore defaults
//   0xF6         restore defaults (set 2, 10.9 cps, 500 ms)
//   0xF7–0xFD    set-3 key attributes: ACK, no effect
//   0xFE         resend the last byte sent (no ACK)
//   0xFF         reset → ACK, then 0xAA (basic assurance test passed)
//   other        → 0xFE (resend)
// A parameter byte is any byte below 0x80 after ED/F0/F3; a byte ≥ 0x80 there is taken as
// a new command, as the keyboard does.
//
// Keys from the front end are given as scan code set 2 make sequences (e.g. [0x1C] for
// A, [0xE0, 0x75] for cursor up, [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77] for
// Pause). The break sequence is derived: every byte after an optional 0xE0 prefix gets
// 0xF0 before it, multi-key sequences in reverse order (Print Screen E0 12 E0 7C breaks as
// E0 F0 7C E0 F0 12); Pause has none. In set 1 the keyboard sends the translated codes;
// set 3 is accepted but keys are still sent with set 2 codes.
//
// The keyboard buffers 16 bytes of key data; when full, key data is dropped and the
// overrun code (0x00 in set 2, 0xFF in set 1) is queued. Replies to commands always fit.

/// A PS/2 keyboard: command set, LEDs, typematic repeat on the scheduler, output queue.
public final class PS2Keyboard {
    /// LED state from the last 0xED command (bit 0 Scroll, 1 Num, 2 Caps).
    public private(set) var leds: UInt8 = 0
    public var onLEDsChange: (UInt8) -> Void = { _ in }
    /// Scan code set selected with 0xF0 (1, 2 or 3).
    public private(set) var scanCodeSet: UInt8 = 2
    /// Scanning enabled (0xF4) or disabled (0xF5).
    public private(set) var scanning = true
    /// The typematic byte from 0xF3 (default 0x2B: 10.9 cps after 500 ms).
    public private(set) var typematic: UInt8 = 0x2B

    /// Called when bytes are waiting (the controller decides when to take them).
    var outputAvailable: () -> Void = {}

    private let scheduler: Scheduler
    private var queue: [UInt8] = []
    private var lastSent: UInt8 = 0xAA
    private var pendingCommand: UInt8?
    private var held: [UInt8]?
    private var repeatEvent: Scheduler.EventID?
    private static let bufferSize = 16

    public init(scheduler: Scheduler) {
        self.scheduler = scheduler
    }

    // MARK: Front end

    /// A key was pressed: queues its make code and starts typematic repeat for it.
    public func keyDown(scancodeSet2 make: [UInt8]) {
        guard scanning, !make.isEmpty else { return }
        sendKey(make)
        cancelRepeat()
        // Pause (E1 …) is not typematic; every other key is in set 2 by default.
        guard make.first != 0xE1 else { return }
        held = make
        repeatEvent = scheduler.schedule(after: typematicDelayCycles) { [weak self] in self?.repeatKey() }
    }

    /// A key was released: queues its break code and stops its repeat.
    public func keyUp(scancodeSet2 make: [UInt8]) {
        if held == make { cancelRepeat() }
        guard scanning, !make.isEmpty, make.first != 0xE1 else { return }
        sendKey(Self.breakCode(forMake: make))
    }

    /// The set 2 break sequence for a make sequence.
    public static func breakCode(forMake make: [UInt8]) -> [UInt8] {
        var units: [[UInt8]] = []
        var i = 0
        while i < make.count {
            if make[i] == 0xE0, i + 1 < make.count {
                units.append([0xE0, 0xF0, make[i + 1]]); i += 2
            } else {
                units.append([0xF0, make[i]]); i += 1
            }
        }
        return units.reversed().flatMap { $0 }
    }

    /// Typematic delay: bits 6–5, 250 ms × (n + 1).
    var typematicDelayCycles: UInt64 {
        scheduler.cyclesPerSecond * UInt64((typematic >> 5) & 3 + 1) / 4
    }

    /// Typematic period: (8 + A) × 2^B / 240 s, A = bits 2–0, B = bits 4–3.
    var typematicPeriodCycles: UInt64 {
        let a = UInt64(typematic & 7), b = UInt64((typematic >> 3) & 3)
        return max(1, scheduler.cyclesPerSecond * ((8 + a) << b) / 240)
    }

    private func repeatKey() {
        repeatEvent = nil
        guard scanning, let make = held else { return }
        // Repeats are not piled up while the host is not reading.
        if queue.count < Self.bufferSize / 2 { sendKey(make) }
        repeatEvent = scheduler.schedule(after: typematicPeriodCycles) { [weak self] in self?.repeatKey() }
    }

    private func cancelRepeat() {
        scheduler.cancel(repeatEvent)
        repeatEvent = nil
        held = nil
    }

    private func sendKey(_ set2: [UInt8]) {
        let bytes = scanCodeSet == 1 ? ScanCodeTranslation.toSet1(set2) : set2
        if queue.count + bytes.count > Self.bufferSize {
            let overrun: UInt8 = scanCodeSet == 1 ? 0xFF : 0x00
            if queue.last != overrun { queue.append(overrun) }
        } else {
            queue.append(contentsOf: bytes)
        }
        outputAvailable()
    }

    // MARK: Controller side

    var hasOutput: Bool { !queue.isEmpty }

    /// The next byte for the controller.
    func takeByte() -> UInt8? {
        guard !queue.isEmpty else { return nil }
        let b = queue.removeFirst()
        lastSent = b
        return b
    }

    /// A byte from the host (written to port 0x60).
    func receive(_ b: UInt8) {
        if let command = pendingCommand, b < 0x80 {
            pendingCommand = nil
            parameter(b, for: command)
            return
        }
        pendingCommand = nil
        switch b {
        case 0xED, 0xF3:
            reply(0xFA); pendingCommand = b
        case 0xF0:
            reply(0xFA); pendingCommand = b
        case 0xEE:
            reply(0xEE)
        case 0xF2:
            reply(0xFA, 0xAB, 0x83)
        case 0xF4:
            clearOutput(); scanning = true; reply(0xFA)
        case 0xF5:
            clearOutput(); setDefaults(); scanning = false; reply(0xFA)
        case 0xF6:
            clearOutput(); setDefaults(); reply(0xFA)
        case 0xF7...0xFD:
            reply(0xFA)
        case 0xFE:
            reply(lastSent)
        case 0xFF:
            clearOutput(); setDefaults(); scanning = true
            if leds != 0 { leds = 0; onLEDsChange(0) }
            reply(0xFA, 0xAA)
        default:
            reply(0xFE)
        }
    }

    private func parameter(_ b: UInt8, for command: UInt8) {
        switch command {
        case 0xED:
            leds = b & 7
            onLEDsChange(leds)
            reply(0xFA)
        case 0xF3:
            typematic = b & 0x7F
            reply(0xFA)
        case 0xF0:
            switch b {
            case 0: reply(0xFA, scanCodeSet)
            case 1...3: scanCodeSet = b; reply(0xFA)
            default: reply(0xFE)
            }
        default:
            break
        }
    }

    private func setDefaults() {
        cancelRepeat()
        typematic = 0x2B
        scanCodeSet = 2
    }

    private func clearOutput() {
        queue.removeAll()
    }

    private func reply(_ bytes: UInt8...) {
        queue.append(contentsOf: bytes)
        outputAvailable()
    }
}
