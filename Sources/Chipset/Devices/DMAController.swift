// The AT's two Intel 8237A DMA controllers and the 74LS612 page registers.
//
// Sources: Intel 8237A/8237A-4/8237A-5 High Performance Programmable DMA Controller
// datasheet (register descriptions, "Software Commands", "Autoinitialize", "End of
// Process"), and the IBM PC AT Technical Reference (system board: DMA controllers,
// page register map, 16-bit channels addressing words).
//
// Controller 1 (channels 0-3, byte transfers)        Controller 2 (channels 4-7, word transfers)
//   0x00/0x02/0x04/0x06  ch 0-3 base+current address    0xC0/0xC4/0xC8/0xCC  ch 4-7 address (words)
//   0x01/0x03/0x05/0x07  ch 0-3 base+current count      0xC2/0xC6/0xCA/0xCE  ch 4-7 count (words)
//   0x08  R status / W command                          0xD0
//   0x09  W request register                            0xD2
//   0x0A  W single mask bit                             0xD4
//   0x0B  W mode register                               0xD6
//   0x0C  W clear byte pointer flip-flop                0xD8
//   0x0D  R temporary register / W master clear         0xDA
//   0x0E  W clear mask register                         0xDC
//   0x0F  W write all mask bits (R: mask, see below)    0xDE
// Controller 2 sits on address lines A1-A4, so its registers are on even ports; the odd
// port above each one aliases it (A0 is not decoded).
//
// Page registers (address bits 16-23): 0x87 ch0, 0x83 ch1, 0x81 ch2, 0x82 ch3,
// 0x8F ch4, 0x8B ch5, 0x89 ch6, 0x8A ch7. The other ports 0x84-0x86, 0x88, 0x8C-0x8E are
// plain read/write latches on the same chip. Port 0x80 (also a latch on the AT) is left to
// the POST-code device.
//
// Channel 4 is the cascade input of controller 2: controller 1's requests reach the bus
// only through it, so channels 0-3 move data only while channel 4 is unmasked and
// controller 2 is enabled (a BIOS programs channel 4 in cascade mode and unmasks it).
//
// 16-bit channels: the address register counts words; the physical address is
// (page & 0xFE) << 16 | address << 1, so a transfer stays inside a 128 KiB block and
// page bit 0 is unused. The count register counts words.
//
// Devices use `transfer(channel:maxBytes:deviceToMemory:memoryToDevice:)`: the controller
// applies the programmed mode (verify / write = device to memory / read = memory to device),
// address increment or decrement, the count, terminal count and autoinitialize, and reports
// how many bytes moved and whether terminal count (EOP) ended the transfer. Memory-to-memory
// transfers (command bit 0) are not modelled.

/// What one call to `DMAController.transfer` did.
public struct DMATransferResult: Equatable, Sendable {
    /// Bytes moved (or, in verify mode, bytes' worth of bus cycles run).
    public var bytes: Int
    /// The channel reached terminal count (the 8237 drove EOP); the device should stop.
    public var terminalCount: Bool
    public init(bytes: Int, terminalCount: Bool) {
        self.bytes = bytes
        self.terminalCount = terminalCount
    }
}

public final class DMAController: IODevice {
    /// One channel's registers (8237A "Register Description").
    public struct Channel: Equatable, Sendable {
        public var baseAddress: UInt16 = 0
        public var baseCount: UInt16 = 0
        public var currentAddress: UInt16 = 0
        public var currentCount: UInt16 = 0
        /// Mode register: bits 1-0 are not stored (channel select), bits 3-2 transfer type,
        /// bit 4 autoinitialize, bit 5 address decrement, bits 7-6 mode.
        public var mode: UInt8 = 0
    }

    public enum TransferType: UInt8, Sendable { case verify = 0, write = 1, read = 2, illegal = 3 }

    public private(set) var channels = [Channel](repeating: Channel(), count: 8)
    /// The 16 latches at 0x80-0x8F (index = port - 0x80); four of each controller's are the
    /// channels' page registers.
    public private(set) var pageLatches = [UInt8](repeating: 0, count: 16)

    // Per controller (index 0 = channels 0-3, 1 = channels 4-7).
    private var command: [UInt8] = [0, 0]
    private var terminalCountBits: [UInt8] = [0, 0]
    private var softwareRequest: [UInt8] = [0, 0]
    private var deviceRequest: [UInt8] = [0, 0]
    private var mask: [UInt8] = [0x0F, 0x0F]
    private var flipFlopHigh: [Bool] = [false, false]
    private var temporary: [UInt8] = [0, 0]

    private let readMemory: (UInt32) -> UInt8
    private let writeMemory: (UInt32, UInt8) -> Void

    /// Page-register port offset (from 0x80) of each channel.
    private static let pageOffset: [Int] = [0x7, 0x3, 0x1, 0x2, 0xF, 0xB, 0x9, 0xA]

    /// `readMemory` / `writeMemory` access physical memory (24-bit ISA addresses).
    public init(readMemory: @escaping (UInt32) -> UInt8, writeMemory: @escaping (UInt32, UInt8) -> Void) {
        self.readMemory = readMemory
        self.writeMemory = writeMemory
    }

    public func attach(to bus: IOPortBus) {
        bus.map(0x00...0x0F, self, name: "DMA controller 1 (8237A)")
        bus.map(0xC0...0xDF, self, name: "DMA controller 2 (8237A)")
        bus.map(0x81...0x8F, self, name: "DMA page registers")
    }

    // MARK: Device side

    /// The page register of `channel` (0-7).
    public func page(of channel: Int) -> UInt8 {
        guard (0..<8).contains(channel) else { return 0 }
        return pageLatches[Self.pageOffset[channel]]
    }

    /// A device's DREQ line; shown in the status register's request bits.
    public func setRequest(channel: Int, _ active: Bool) {
        guard (0..<8).contains(channel) else { return }
        let bit = UInt8(1) << UInt8(channel & 3)
        if active { deviceRequest[channel >> 2] |= bit } else { deviceRequest[channel >> 2] &= ~bit }
    }

    public func transferType(of channel: Int) -> TransferType {
        guard (0..<8).contains(channel) else { return .verify }
        return TransferType(rawValue: (channels[channel].mode >> 2) & 3) ?? .verify
    }

    /// Whether the channel would grant a request now: controller enabled, channel unmasked,
    /// not in cascade mode, and (for channels 0-3) the cascade channel 4 open.
    public func isReady(channel: Int) -> Bool {
        guard (0..<8).contains(channel) else { return false }
        let c = channel >> 2
        let bit = UInt8(1) << UInt8(channel & 3)
        if command[c] & 0x04 != 0 || mask[c] & bit != 0 { return false }
        if channels[channel].mode >> 6 == 3 { return false }
        if c == 0 && (command[1] & 0x04 != 0 || mask[1] & 0x01 != 0) { return false }
        return true
    }

    /// Moves up to `maxBytes` bytes between a device and memory through `channel`.
    /// In write mode each byte comes from `deviceToMemory(i)` (i counts bytes from 0) and is
    /// stored in memory; in read mode each memory byte is handed to `memoryToDevice(i, byte)`;
    /// in verify mode the addresses and count run but neither memory nor the device is touched.
    /// Stops early at terminal count (count register passing 0 → 0xFFFF). On a 16-bit channel
    /// bytes pair up into words (low byte first) and an odd last byte is not moved.
    @discardableResult
    public func transfer(channel: Int, maxBytes: Int,
                         deviceToMemory: (Int) -> UInt8,
                         memoryToDevice: (Int, UInt8) -> Void) -> DMATransferResult {
        guard maxBytes > 0, isReady(channel: channel) else { return DMATransferResult(bytes: 0, terminalCount: false) }
        let c = channel >> 2
        let wide = c == 1
        let unitBytes = wide ? 2 : 1
        let units = maxBytes / unitBytes
        let type = transferType(of: channel)
        var ch = channels[channel]
        let decrement = ch.mode & 0x20 != 0
        let autoinit = ch.mode & 0x10 != 0
        let page = UInt32(pageLatches[Self.pageOffset[channel]])
        var moved = 0
        var tc = false
        for _ in 0..<units {
            let base: UInt32 = wide
                ? ((page & 0xFE) << 16) | (UInt32(ch.currentAddress) << 1)
                : (page << 16) | UInt32(ch.currentAddress)
            for k in 0..<unitBytes {
                let a = base &+ UInt32(k)
                switch type {
                case .write: writeMemory(a, deviceToMemory(moved + k))
                case .read: memoryToDevice(moved + k, readMemory(a))
                case .verify, .illegal: break
                }
            }
            moved += unitBytes
            ch.currentAddress = decrement ? ch.currentAddress &- 1 : ch.currentAddress &+ 1
            // Terminal count: the transfer that takes the current word count from 0 to
            // 0xFFFF is the last one (the 8237 moves count + 1 units).
            if ch.currentCount == 0 {
                tc = true
                ch.currentCount = 0xFFFF
                let bit = UInt8(1) << UInt8(channel & 3)
                terminalCountBits[c] |= bit
                softwareRequest[c] &= ~bit
                if autoinit {
                    // Autoinitialize: the current registers reload from the base registers
                    // at EOP and the channel stays unmasked.
                    ch.currentAddress = ch.baseAddress
                    ch.currentCount = ch.baseCount
                } else {
                    // Without autoinitialize the channel's mask bit is set at EOP.
                    mask[c] |= bit
                }
                break
            }
            ch.currentCount &-= 1
        }
        channels[channel] = ch
        return DMATransferResult(bytes: moved, terminalCount: tc)
    }

    // MARK: Ports

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<max(1, min(size, 4)) {
            v |= UInt32(readByte(port &+ UInt16(k))) << (8 * k)
        }
        return v
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        for k in 0..<max(1, min(size, 4)) {
            writeByte(port &+ UInt16(k), UInt8(truncatingIfNeeded: value >> (8 * k)))
        }
    }

    /// Controller index and register number (0-15) of a port, or nil for a page latch.
    private func decode(_ port: UInt16) -> (controller: Int, register: Int)? {
        if port <= 0x0F { return (0, Int(port)) }
        if port >= 0xC0 && port <= 0xDF { return (1, Int(port - 0xC0) >> 1) }
        return nil
    }

    private func readByte(_ port: UInt16) -> UInt8 {
        if port >= 0x80 && port <= 0x8F { return pageLatches[Int(port - 0x80)] }
        guard let (c, r) = decode(port) else { return 0xFF }
        switch r {
        case 0...7:
            let ch = c * 4 + r / 2
            let value = r & 1 == 0 ? channels[ch].currentAddress : channels[ch].currentCount
            return flipByte(c, of: value)
        case 8:
            // Status: bits 0-3 terminal count reached, bits 4-7 request pending.
            // Reading it clears the terminal-count bits.
            let s = terminalCountBits[c] | ((softwareRequest[c] | deviceRequest[c]) << 4)
            terminalCountBits[c] = 0
            return s
        case 13:
            return temporary[c]
        case 15:
            // The 8237A leaves this read undefined; later AT chipsets (82374, PIIX) return
            // the mask bits here, which some software relies on.
            return 0xF0 | mask[c]
        default:
            return 0xFF
        }
    }

    /// Reads one byte of a 16-bit register through the byte pointer flip-flop.
    private func flipByte(_ c: Int, of value: UInt16) -> UInt8 {
        let high = flipFlopHigh[c]
        flipFlopHigh[c].toggle()
        return UInt8(truncatingIfNeeded: high ? value >> 8 : value)
    }

    private func writeByte(_ port: UInt16, _ value: UInt8) {
        if port >= 0x80 && port <= 0x8F {
            if port != 0x80 { pageLatches[Int(port - 0x80)] = value }
            return
        }
        guard let (c, r) = decode(port) else { return }
        switch r {
        case 0...7:
            // Writing an address or count register loads both the base and the current
            // register, low byte first as selected by the flip-flop.
            let ch = c * 4 + r / 2
            let high = flipFlopHigh[c]
            flipFlopHigh[c].toggle()
            var x = channels[ch]
            func merge(_ old: UInt16) -> UInt16 {
                high ? (old & 0x00FF) | UInt16(value) << 8 : (old & 0xFF00) | UInt16(value)
            }
            if r & 1 == 0 {
                x.baseAddress = merge(x.baseAddress); x.currentAddress = x.baseAddress
            } else {
                x.baseCount = merge(x.baseCount); x.currentCount = x.baseCount
            }
            channels[ch] = x
        case 8:
            command[c] = value
        case 9:
            // Request register: bit 2 sets or resets the request of channel bits 1-0.
            let bit = UInt8(1) << (value & 3)
            if value & 0x04 != 0 { softwareRequest[c] |= bit } else { softwareRequest[c] &= ~bit }
        case 10:
            // Single mask bit: bit 2 sets or clears the mask of channel bits 1-0.
            let bit = UInt8(1) << (value & 3)
            if value & 0x04 != 0 { mask[c] |= bit } else { mask[c] &= ~bit }
        case 11:
            channels[c * 4 + Int(value & 3)].mode = value & 0xFC
        case 12:
            flipFlopHigh[c] = false
        case 13:
            // Master clear: command, status, request and temporary registers and the
            // flip-flop cleared, all mask bits set; mode, address and count kept.
            command[c] = 0
            terminalCountBits[c] = 0
            softwareRequest[c] = 0
            temporary[c] = 0
            flipFlopHigh[c] = false
            mask[c] = 0x0F
        case 14:
            mask[c] = 0
        case 15:
            mask[c] = value & 0x0F
        default:
            break
        }
    }

    // MARK: Inspection (tests, debugger)

    public func maskBits(controller: Int) -> UInt8 { mask[controller & 1] }
    public func commandRegister(controller: Int) -> UInt8 { command[controller & 1] }
}
