// An IBM PS/2 mouse (two or three buttons, no wheel) on the 8042's auxiliary port.
//
// Behaviour from the IBM Personal System/2 Hardware Interface Technical Reference,
// "Pointing Device" chapter (commands, status bytes, data report format, 2:1 scaling).
//
// Commands from the host (each answered with 0xFA "ACK" unless noted):
//   0xE6 / 0xE7   scaling 1:1 / 2:1
//   0xE8 + byte   resolution 0–3 (1, 2, 4, 8 counts per mm)
//   0xE9          status request → ACK, status, resolution, sample rate
//                 status: bit 6 remote mode, 5 reporting enabled, 4 scaling 2:1,
//                 bit 2 left, 1 middle, 0 right button
//   0xEA          stream mode          0xF0  remote mode
//   0xEB          read data → ACK + one data packet (remote mode polling)
//   0xEC / 0xEE   leave / enter wrap mode (in wrap mode every other byte is echoed)
//   0xF2          read device ID → ACK, 0x00
//   0xF3 + byte   sample rate (reports per second)
//   0xF4 / 0xF5   enable / disable data reporting
//   0xF6          defaults: 100 reports/s, resolution 2, scaling 1:1, stream mode, disabled
//   0xFE          resend the last byte (no ACK)
//   0xFF          reset → ACK, 0xAA, 0x00; defaults
//   other         → 0xFE
// Reset, defaults, enable and disable (FF, F6, F4, F5) drop queued movement reports.
//
// Data packet (3 bytes): byte 1 = bit 7 Y overflow, 6 X overflow, 5 Y sign, 4 X sign,
// 3 always 1, 2 middle, 1 right, 0 left; byte 2 = X, byte 3 = Y (low eight bits of
// nine-bit two's-complement counts; +Y is up). Counts outside −256…255 set the overflow
// bit and are sent as the limit. Motion from `move` is taken as counts at the current
// resolution; the sample rate does not throttle reports (one report per `move`, up to
// eight waiting in the queue; beyond that the motion accumulates into the next report).

/// A PS/2 mouse: stream and remote modes, scaling, resolution, sample rate.
public final class PS2Mouse {
    /// Buttons in packet order: bit 0 left, bit 1 right, bit 2 middle.
    public struct Buttons: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue & 7 }
        public static let left = Buttons(rawValue: 1)
        public static let right = Buttons(rawValue: 2)
        public static let middle = Buttons(rawValue: 4)
    }

    public private(set) var reporting = false
    public private(set) var remoteMode = false
    public private(set) var wrapMode = false
    public private(set) var sampleRate: UInt8 = 100
    public private(set) var resolution: UInt8 = 2
    public private(set) var scaling2to1 = false
    public private(set) var buttons: Buttons = []

    var outputAvailable: () -> Void = {}

    private var queue: [UInt8] = []
    private var lastSent: UInt8 = 0
    private var pendingCommand: UInt8?
    private var dx = 0, dy = 0
    private static let maxQueuedBytes = 24

    public init() {}

    // MARK: Front end

    /// Relative motion in counts (+dy is up, as the mouse reports it) and the buttons now
    /// held. In stream mode with reporting enabled this queues a data packet.
    public func move(dx: Int, dy: Int, buttons: Buttons) {
        self.dx = self.dx &+ dx
        self.dy = self.dy &+ dy
        let changed = buttons != self.buttons
        self.buttons = buttons
        guard reporting, !remoteMode, !wrapMode, dx != 0 || dy != 0 || changed || self.dx != 0 || self.dy != 0,
              queue.count + 3 <= Self.maxQueuedBytes else { return }
        queue.append(contentsOf: takePacket(scaled: scaling2to1))
        outputAvailable()
    }

    /// Builds a packet from the accumulated counters and clears them.
    private func takePacket(scaled: Bool) -> [UInt8] {
        func axis(_ v: Int) -> (value: UInt8, sign: Bool, overflow: Bool) {
            var v = scaled ? Self.scale2to1(v) : v
            let overflow = v > 255 || v < -256
            v = min(max(v, -256), 255)
            return (UInt8(truncatingIfNeeded: v), v < 0, overflow)
        }
        let x = axis(dx), y = axis(dy)
        dx = 0; dy = 0
        var b0: UInt8 = 0x08 | buttons.rawValue
        if x.sign { b0 |= 0x10 }
        if y.sign { b0 |= 0x20 }
        if x.overflow { b0 |= 0x40 }
        if y.overflow { b0 |= 0x80 }
        return [b0, x.value, y.value]
    }

    /// IBM TechRef "Scaling": 2:1 maps counts 0,1,2,3,4,5 to 0,1,1,3,6,9 and n ≥ 6 to 2n.
    static func scale2to1(_ v: Int) -> Int {
        let m = v.magnitude
        let s: UInt
        switch m {
        case 0: s = 0
        case 1, 2: s = 1
        case 3: s = 3
        case 4: s = 6
        case 5: s = 9
        default: s = m > UInt(Int.max / 2) ? UInt(Int.max / 2) : 2 * m
        }
        return v < 0 ? -Int(s) : Int(s)
    }

    // MARK: Controller side

    var hasOutput: Bool { !queue.isEmpty }

    func takeByte() -> UInt8? {
        guard !queue.isEmpty else { return nil }
        let b = queue.removeFirst()
        lastSent = b
        return b
    }

    /// A byte from the host (the 8042's 0xD4 command followed by a write to port 0x60).
    func receive(_ b: UInt8) {
        if let command = pendingCommand {
            pendingCommand = nil
            switch command {
            case 0xE8: resolution = b & 3
            case 0xF3: sampleRate = b
            default: break
            }
            reply(0xFA)
            return
        }
        if wrapMode && b != 0xFF && b != 0xEC {
            reply(b)
            return
        }
        if b == 0xFF || b >= 0xF4 && b <= 0xF6 { queue.removeAll() }
        switch b {
        case 0xE6: scaling2to1 = false; reply(0xFA)
        case 0xE7: scaling2to1 = true; reply(0xFA)
        case 0xE8, 0xF3: pendingCommand = b; reply(0xFA)
        case 0xE9:
            var status: UInt8 = 0
            if remoteMode { status |= 0x40 }
            if reporting { status |= 0x20 }
            if scaling2to1 { status |= 0x10 }
            if buttons.contains(.left) { status |= 0x04 }
            if buttons.contains(.middle) { status |= 0x02 }
            if buttons.contains(.right) { status |= 0x01 }
            reply(0xFA, status, resolution, sampleRate)
        case 0xEA: remoteMode = false; dx = 0; dy = 0; reply(0xFA)
        case 0xF0: remoteMode = true; dx = 0; dy = 0; reply(0xFA)
        case 0xEB:
            queue.append(0xFA)
            queue.append(contentsOf: takePacket(scaled: false))
            outputAvailable()
        case 0xEC: wrapMode = false; reply(0xFA)
        case 0xEE: wrapMode = true; reply(0xFA)
        case 0xF2: reply(0xFA, 0x00)
        case 0xF4: reporting = true; dx = 0; dy = 0; reply(0xFA)
        case 0xF5: reporting = false; dx = 0; dy = 0; reply(0xFA)
        case 0xF6: setDefaults(); reply(0xFA)
        case 0xFE: reply(lastSent)
        case 0xFF: setDefaults(); reply(0xFA, 0xAA, 0x00)
        default: reply(0xFE)
        }
    }

    private func setDefaults() {
        reporting = false
        remoteMode = false
        wrapMode = false
        sampleRate = 100
        resolution = 2
        scaling2to1 = false
        dx = 0; dy = 0
    }

    private func reply(_ bytes: UInt8...) {
        queue.append(contentsOf: bytes)
        outputAvailable()
    }
}
