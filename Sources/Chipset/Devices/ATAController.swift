// ATAController — one ATA/IDE channel (master + slave) and the ATA hard disk.
//
// Chip: the AT "IDE" interface as a register file shared by two devices on one cable.
// Behaviour from T13 1410D, "AT Attachment with Packet Interface - 6" (ATA/ATAPI-6):
// the register descriptions, the command descriptions, the protocol clauses (PIO
// data-in, PIO data-out, non-data, device reset, execute device diagnostic) and the
// IDENTIFY DEVICE word table. Sections are cited by name (numbers differ between
// revisions). The packet (ATAPI) device lives in ATAPICDROM.swift, the image file
// behind both in DiskImage.swift.
//
// Register map (primary channel base 0x1F0, control 0x3F6, IRQ 14;
//               secondary channel base 0x170, control 0x376, IRQ 15):
//   base+0  R/W  Data (16-bit; 32-bit accesses move two words)
//   base+1  R    Error            W  Features
//   base+2  R/W  Sector Count     (ATAPI: Interrupt Reason on read: bit0 CoD, bit1 IO)
//   base+3  R/W  LBA Low          (CHS: sector number)
//   base+4  R/W  LBA Mid          (CHS: cylinder low;  ATAPI: byte count low)
//   base+5  R/W  LBA High         (CHS: cylinder high; ATAPI: byte count high)
//   base+6  R/W  Device           bit4 DEV (0 master, 1 slave), bit6 LBA, bits 0-3 head/LBA 27:24
//   base+7  R    Status           W  Command
//   ctrl    R    Alternate Status W  Device Control: bit1 nIEN, bit2 SRST, bit7 HOB
// Status bits: 0x80 BSY, 0x40 DRDY, 0x20 DF, 0x10 DSC (obsolete, kept set when ready as
// drives do), 0x08 DRQ, 0x01 ERR. Error bits: 0x04 ABRT, 0x10 IDNF, 0x40 UNC.
//
// Choices this emulation makes (where the standard leaves room):
//   - A channel with no device at all reads 0xFF on every register (a floating bus, the
//     same as an unmapped port; drivers take 0xFF as "nothing here"). If only the other
//     device is present, the absent device's Status and Alternate Status read 0x00 and
//     its other registers read back what was last written (ATA-6, "Device 0 only"
//     configurations: device 0 answers for an absent device 1).
//   - Command completion: with `completionDelay == 0` (the default) commands finish
//     inside the OUT to the Command register (BSY is never seen). With a delay of N
//     cycles, BSY is set, and the data block / completion / interrupt arrives N cycles
//     later through the Scheduler, per data block. Both are deterministic.
//   - 8-bit accesses to the Data register move a whole word and return its low byte.
//   - Multiple mode and the current CHS translation survive a soft reset (ATA-6 SET
//     MULTIPLE MODE / INITIALIZE DEVICE PARAMETERS: retained unless power-on defaults
//     are re-enabled).
//   - DF (device fault) is set, with ERR and ABRT, only when the host file cannot be
//     written or flushed; a host read failure reports UNC; an address past the end of
//     the image reports IDNF; a write to a read-only image reports ABRT.
//   - No DMA: IDENTIFY word 49 bit 8 is 0, and the DMA commands are aborted.

// MARK: - Register bits

enum ATAReg {
    static let bsy: UInt8 = 0x80, drdy: UInt8 = 0x40, df: UInt8 = 0x20, dsc: UInt8 = 0x10
    static let drq: UInt8 = 0x08, err: UInt8 = 0x01
    static let abrt: UInt8 = 0x04, idnf: UInt8 = 0x10, unc: UInt8 = 0x40
    static let nIEN: UInt8 = 0x02, srst: UInt8 = 0x04, hob: UInt8 = 0x80
    /// Status of a device that is idle and ready.
    static let ready: UInt8 = drdy | dsc
}

/// The command block registers as one device sees them. Each 48-bit-capable register is
/// a two-deep FIFO (ATA-6 register clause: "the most recently written content" and "the previous
/// content", the latter read back when Device Control HOB = 1).
struct ATATaskFile {
    var features: UInt8 = 0, count: UInt8 = 0, lbaLow: UInt8 = 0, lbaMid: UInt8 = 0, lbaHigh: UInt8 = 0
    var featuresHOB: UInt8 = 0, countHOB: UInt8 = 0, lbaLowHOB: UInt8 = 0, lbaMidHOB: UInt8 = 0, lbaHighHOB: UInt8 = 0
    var device: UInt8 = 0

    mutating func write(_ reg: Int, _ v: UInt8) {
        switch reg {
        case 1: featuresHOB = features; features = v
        case 2: countHOB = count; count = v
        case 3: lbaLowHOB = lbaLow; lbaLow = v
        case 4: lbaMidHOB = lbaMid; lbaMid = v
        case 5: lbaHighHOB = lbaHigh; lbaHigh = v
        case 6: device = v
        default: break
        }
    }

    func read(_ reg: Int, hob: Bool) -> UInt8 {
        switch reg {
        case 2: return hob ? countHOB : count
        case 3: return hob ? lbaLowHOB : lbaLow
        case 4: return hob ? lbaMidHOB : lbaMid
        case 5: return hob ? lbaHighHOB : lbaHigh
        case 6: return device
        default: return 0xFF
        }
    }

    /// The post-reset / post-diagnostic signature (ATA-6 "Signature and persistence"): count 1, LBA low 1,
    /// LBA mid/high 0000h for ATA devices and EB14h for packet devices.
    mutating func setSignature(packet: Bool) {
        count = 1; lbaLow = 1
        lbaMid = packet ? 0x14 : 0
        lbaHigh = packet ? 0xEB : 0
        device = 0
    }
}

// MARK: - Device base

/// One device on an ATA cable. Subclasses: `ATAHardDisk` (here) and `ATAPICDROM`.
public class ATADevice {
    enum Transfer { case none, toHost, fromHost }

    weak var channel: ATAChannel?
    var position = 0
    var regs = ATATaskFile()
    var status: UInt8 = ATAReg.ready
    var error: UInt8 = 0x01
    var interruptPending = false
    // The PIO data buffer of the current DRQ block.
    var buffer: [UInt8] = []
    var bufferPos = 0
    var transfer = Transfer.none
    /// What the device does once the host has moved the whole buffer.
    var afterTransfer: (() -> Void)?
    var pendingEvent: Scheduler.EventID?

    var isPacketDevice: Bool { false }

    init() {}

    /// Executes a command written to the Command register (device selected, not BSY).
    func execute(_ command: UInt8) { abortCommand() }

    // MARK: Helpers shared by both device kinds

    func raiseInterrupt() {
        interruptPending = true
        channel?.updateIRQ()
    }

    /// Runs `action` after the channel's completion delay, BSY meanwhile.
    func afterDelay(_ action: @escaping () -> Void) {
        status = ATAReg.bsy
        guard let ch = channel, ch.completionDelay > 0 else { action(); return }
        pendingEvent = ch.scheduler.schedule(after: ch.completionDelay) { [weak self] in
            self?.pendingEvent = nil
            action()
        }
    }

    func cancelPending() {
        if let id = pendingEvent { channel?.scheduler.cancel(id) }
        pendingEvent = nil
        transfer = .none
        buffer = []
        bufferPos = 0
        afterTransfer = nil
    }

    /// PIO data-in (ATA-6 "PIO data-in command protocol"): the block is ready, DRQ = 1, INTRQ asserted.
    func beginDataIn(_ data: [UInt8], interrupt: Bool = true, then: (() -> Void)? = nil) {
        buffer = data
        bufferPos = 0
        transfer = .toHost
        afterTransfer = then
        status = ATAReg.ready | ATAReg.drq
        if interrupt { raiseInterrupt() }
    }

    /// PIO data-out (ATA-6 "PIO data-out command protocol"): the device wants `bytes` bytes; DRQ = 1. INTRQ is
    /// asserted for every block except the first of a command.
    func beginDataOut(bytes: Int, interrupt: Bool, then: @escaping () -> Void) {
        buffer = [UInt8](repeating: 0, count: bytes)
        bufferPos = 0
        transfer = .fromHost
        afterTransfer = then
        status = ATAReg.ready | ATAReg.drq
        if interrupt { raiseInterrupt() }
    }

    /// Called by the channel when the host has read or written the whole buffer.
    func transferDone() {
        transfer = .none
        status &= ~ATAReg.drq
        let next = afterTransfer
        afterTransfer = nil
        if let next { next() } else { status = ATAReg.ready }
    }

    /// Ends the command successfully; non-data and PIO-out commands interrupt here.
    func completeCommand(interrupt: Bool = true) {
        transfer = .none
        status = ATAReg.ready
        if interrupt { raiseInterrupt() }
    }

    /// Ends the command with ERR = 1 and the given Error register (ABRT by default).
    func abortCommand(_ err: UInt8 = ATAReg.abrt, deviceFault: Bool = false) {
        transfer = .none
        buffer = []
        afterTransfer = nil
        error = err
        status = ATAReg.ready | ATAReg.err | (deviceFault ? ATAReg.df : 0)
        raiseInterrupt()
    }

    /// SRST asserted: the device is busy until SRST is released (ATA-6 "Signature and persistence").
    func beginSoftReset() {
        cancelPending()
        interruptPending = false
        status = ATAReg.bsy
    }

    /// SRST released, or EXECUTE DEVICE DIAGNOSTIC: signature and diagnostic code 01h.
    func finishReset() {
        cancelPending()
        interruptPending = false
        regs.setSignature(packet: isPacketDevice)
        error = 0x01
        status = isPacketDevice ? 0x00 : ATAReg.ready
    }

    // MARK: IDENTIFY helpers

    /// Puts an ATA string into IDENTIFY words: two characters a word, the first in the
    /// high byte (ATA-6 IDENTIFY DEVICE, "ATA string convention"), padded with spaces.
    static func putString(_ s: String, into words: inout [UInt16], at start: Int, words count: Int) {
        var bytes = Array(s.utf8.prefix(count * 2))
        while bytes.count < count * 2 { bytes.append(0x20) }
        for i in 0..<count {
            words[start + i] = UInt16(bytes[2 * i]) << 8 | UInt16(bytes[2 * i + 1])
        }
    }

    /// Little-endian bytes of the 256 IDENTIFY words, with the integrity word 255
    /// (ATA-6 IDENTIFY DEVICE word 255: signature A5h, and a checksum making all 512 bytes sum to 0).
    static func identifyBytes(_ w: [UInt16]) -> [UInt8] {
        var words = w
        words[255] = 0x00A5
        var bytes = [UInt8]()
        bytes.reserveCapacity(512)
        for x in words { bytes.append(UInt8(x & 0xFF)); bytes.append(UInt8(x >> 8)) }
        var sum: UInt8 = 0
        for b in bytes[0..<511] { sum = sum &+ b }
        bytes[511] = 0 &- sum
        return bytes
    }
}

// MARK: - Channel

/// An ATA channel: the register file at `commandBase`...+7 and `controlPort`, two
/// device positions, and the IRQ line.
public final class ATAChannel: IODevice {
    public enum Position: Int, Sendable { case master = 0, slave = 1 }

    public let commandBase: UInt16
    public let controlPort: UInt16
    public let irq: Int
    let scheduler: Scheduler
    let irqLines: InterruptRequestLines
    /// Cycles between a command (or data block) and its result; 0 = immediate.
    public var completionDelay: UInt64

    private(set) var devices: [ATADevice?] = [nil, nil]
    /// The values last written to the command block, which an absent device "reads back".
    private var latch = ATATaskFile()
    private(set) var selected = 0
    private(set) var deviceControl: UInt8 = 0
    private var irqLevel = false
    /// Rising edges of the IRQ line so far (for diagnostics and tests).
    public private(set) var interruptCount = 0

    public init(commandBase: UInt16, controlPort: UInt16, irq: Int,
                scheduler: Scheduler, irqLines: InterruptRequestLines, completionDelay: UInt64 = 0) {
        self.commandBase = commandBase
        self.controlPort = controlPort
        self.irq = irq
        self.scheduler = scheduler
        self.irqLines = irqLines
        self.completionDelay = completionDelay
    }

    /// The primary channel: 0x1F0-0x1F7, 0x3F6, IRQ 14.
    public static func primary(scheduler: Scheduler, irqLines: InterruptRequestLines) -> ATAChannel {
        ATAChannel(commandBase: 0x1F0, controlPort: 0x3F6, irq: 14, scheduler: scheduler, irqLines: irqLines)
    }

    /// The secondary channel: 0x170-0x177, 0x376, IRQ 15.
    public static func secondary(scheduler: Scheduler, irqLines: InterruptRequestLines) -> ATAChannel {
        ATAChannel(commandBase: 0x170, controlPort: 0x376, irq: 15, scheduler: scheduler, irqLines: irqLines)
    }

    /// Plugs `device` in at `position` (before the machine runs).
    public func connect(_ device: ATADevice, at position: Position) {
        device.channel = self
        device.position = position.rawValue
        device.finishReset()
        devices[position.rawValue] = device
    }

    public func device(at position: Position) -> ATADevice? { devices[position.rawValue] }

    public func attach(to bus: IOPortBus) {
        let name = commandBase == 0x1F0 ? "ATA primary" : commandBase == 0x170 ? "ATA secondary" : "ATA"
        bus.map(commandBase...(commandBase + 7), self, name: name)
        bus.map(controlPort...controlPort, self, name: name + " control")
    }

    /// Flushes every hard disk image on the channel (call on exit).
    public func flush() throws(DiskImageError) {
        for case let d as ATAHardDisk in devices { try d.image.flush() }
    }

    // MARK: Interrupt line

    /// INTRQ is driven by the selected device only, and only while nIEN = 0
    /// (ATA-6 INTRQ signal and Device Control register nIEN: with nIEN = 1 the line is released; a pending interrupt
    /// shows again once nIEN is cleared).
    func updateIRQ() {
        let level = (devices[selected]?.interruptPending ?? false) && deviceControl & ATAReg.nIEN == 0
        if level != irqLevel {
            irqLevel = level
            if level { interruptCount += 1 }
            irqLines.setIRQ(irq, level)
        }
    }

    // MARK: Port access

    private var hasDevice: Bool { devices[0] != nil || devices[1] != nil }

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        if port == controlPort {
            var v = UInt32(alternateStatus())
            if size > 1 { v |= 0xFFFF_FF00 & (0xFFFF_FFFF >> (32 - 8 * size)) }   // next port is not ours
            return v
        }
        let reg = Int(port &- commandBase)
        if reg == 0 { return readData(size: size) }
        var v: UInt32 = 0
        for k in 0..<size {
            let r = reg + k
            v |= UInt32(r <= 7 ? readRegister(r) : 0xFF) << (8 * k)
        }
        return v
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        if port == controlPort { writeDeviceControl(UInt8(truncatingIfNeeded: value)); return }
        let reg = Int(port &- commandBase)
        if reg == 0 { writeData(size: size, value: value); return }
        for k in 0..<size where reg + k <= 7 {
            writeRegister(reg + k, UInt8(truncatingIfNeeded: value >> (8 * k)))
        }
    }

    private func alternateStatus() -> UInt8 {
        guard hasDevice else { return 0xFF }
        return devices[selected]?.status ?? 0x00
    }

    private func readRegister(_ reg: Int) -> UInt8 {
        guard hasDevice else { return 0xFF }
        let hob = deviceControl & ATAReg.hob != 0
        guard let d = devices[selected] else {
            return reg == 7 || reg == 1 ? 0x00 : latch.read(reg, hob: hob)
        }
        switch reg {
        case 1: return d.error
        case 7:
            // Reading Status acknowledges the interrupt (ATA-6 Status register);
            // reading Alternate Status does not (Alternate Status register).
            let s = d.status
            if d.interruptPending { d.interruptPending = false; updateIRQ() }
            return s
        default:
            return d.regs.read(reg, hob: hob)
        }
    }

    private func writeRegister(_ reg: Int, _ v: UInt8) {
        if reg == 7 { writeCommand(v); return }
        // Writes to the command block reach both devices (each latches its own copy) and
        // clear HOB (ATA-6 Device Control register). A busy device ignores them.
        deviceControl &= ~ATAReg.hob
        latch.write(reg, v)
        for case let d? in devices where d.status & ATAReg.bsy == 0 { d.regs.write(reg, v) }
        if reg == 6 {
            selected = Int(v >> 4) & 1
            updateIRQ()
        }
    }

    private func writeCommand(_ command: UInt8) {
        deviceControl &= ~ATAReg.hob
        // EXECUTE DEVICE DIAGNOSTIC runs on both devices whichever is selected
        // (ATA-6 EXECUTE DEVICE DIAGNOSTIC and its protocol); device 0 reports and interrupts.
        if command == 0x90 {
            guard hasDevice else { return }
            for case let d? in devices { d.finishReset() }
            selected = devices[0] != nil ? 0 : 1
            latch.device = 0
            devices[selected]?.raiseInterrupt()
            updateIRQ()
            return
        }
        guard let d = devices[selected] else { return }
        // ATAPI DEVICE RESET is accepted even while busy (ATA-6 DEVICE RESET).
        if d.status & ATAReg.bsy != 0 && !(d.isPacketDevice && command == 0x08) { return }
        // Writing the Command register clears a pending interrupt (ATA-6 INTRQ signal).
        d.interruptPending = false
        updateIRQ()
        d.error = 0
        d.cancelPending()
        d.execute(command)
    }

    private func writeDeviceControl(_ v: UInt8) {
        let old = deviceControl
        deviceControl = v
        // SRST (ATA-6 "Software reset protocol"): both devices are held in reset while the bit is 1; on the
        // 1-to-0 edge they post their signatures, device 0 is selected, and no
        // interrupt is generated.
        if v & ATAReg.srst != 0 && old & ATAReg.srst == 0 {
            for case let d? in devices { d.beginSoftReset() }
        } else if v & ATAReg.srst == 0 && old & ATAReg.srst != 0 {
            for case let d? in devices { d.finishReset() }
            selected = 0
            latch.device = 0
        }
        updateIRQ()
    }

    private func readData(size: Int) -> UInt32 {
        let ones: UInt32 = 0xFFFF_FFFF >> (32 - 8 * size)
        guard let d = devices[selected], d.transfer == .toHost, d.status & ATAReg.drq != 0 else { return ones }
        let n = size == 4 ? 4 : 2
        var v: UInt32 = 0
        for k in 0..<n {
            guard d.bufferPos < d.buffer.count else { break }
            v |= UInt32(d.buffer[d.bufferPos]) << (8 * k)
            d.bufferPos += 1
        }
        if d.bufferPos >= d.buffer.count { d.transferDone() }
        return v & ones
    }

    private func writeData(size: Int, value: UInt32) {
        guard let d = devices[selected], d.transfer == .fromHost, d.status & ATAReg.drq != 0 else { return }
        let n = size == 4 ? 4 : 2
        for k in 0..<n {
            guard d.bufferPos < d.buffer.count else { break }
            d.buffer[d.bufferPos] = UInt8(truncatingIfNeeded: value >> (8 * k))
            d.bufferPos += 1
        }
        if d.bufferPos >= d.buffer.count { d.transferDone() }
    }
}

// MARK: - Hard disk

/// An ATA-6 hard disk backed by a raw image: PIO, CHS / LBA28 / LBA48, multiple mode.
public final class ATAHardDisk: ATADevice {
    public let image: DiskImage
    public let model: String
    public let serial: String
    public let firmware: String
    public let totalSectors: UInt64
    /// The default translation reported in IDENTIFY words 1, 3, 6.
    public let defaultCylinders: Int, defaultHeads: Int, defaultSectorsPerTrack: Int
    private(set) var currentCylinders: Int, currentHeads: Int, currentSectorsPerTrack: Int
    /// Sectors per DRQ block for READ/WRITE MULTIPLE; 0 = not enabled.
    private(set) var multipleSectors = 0
    public static let maxMultiple = 16

    private enum Addressing { case chs, lba28, lba48 }
    private var xferLBA: UInt64 = 0
    private var xferRemaining = 0
    private var xferBlock = 1
    private var xferMode = Addressing.lba28

    public init(image: DiskImage, model: String = "PCEMU HARDDISK",
                serial: String = "PCEMU-HD-0001", firmware: String = "1.0") {
        self.image = image
        self.model = model
        self.serial = serial
        self.firmware = firmware
        totalSectors = image.sectorCount
        // Default translation (ATA-6 Annex B): 16 heads, 63 sectors, at most 16383
        // cylinders; images under 504 KiB get a smaller translation that still fits.
        let t = totalSectors
        var h = 16, s = 63
        if t < 16 * 63 {
            s = Int(min(t, 63))
            h = max(1, min(16, Int(t) / s))
        }
        let c = Int(min(t / UInt64(h * s), 16383))
        defaultCylinders = max(c, 1)
        defaultHeads = h
        defaultSectorsPerTrack = s
        currentCylinders = defaultCylinders
        currentHeads = h
        currentSectorsPerTrack = s
        super.init()
    }

    // MARK: Command dispatch

    override func execute(_ command: UInt8) {
        switch command {
        case 0xEC: beginDataIn(identifyData())                       // IDENTIFY DEVICE
        case 0xA1, 0xA0: abortCommand()                              // packet commands: not a packet device
        case 0x20, 0x21: startTransfer(write: false, ext: false, multiple: false)   // READ SECTORS (w/o retry)
        case 0x24: startTransfer(write: false, ext: true, multiple: false)          // READ SECTORS EXT
        case 0xC4: startTransfer(write: false, ext: false, multiple: true)          // READ MULTIPLE
        case 0x29: startTransfer(write: false, ext: true, multiple: true)           // READ MULTIPLE EXT
        case 0x30, 0x31: startTransfer(write: true, ext: false, multiple: false)    // WRITE SECTORS
        case 0x34: startTransfer(write: true, ext: true, multiple: false)           // WRITE SECTORS EXT
        case 0xC5: startTransfer(write: true, ext: false, multiple: true)           // WRITE MULTIPLE
        case 0x39: startTransfer(write: true, ext: true, multiple: true)            // WRITE MULTIPLE EXT
        case 0x40, 0x41: verify(ext: false)                          // READ VERIFY SECTORS
        case 0x42: verify(ext: true)                                 // READ VERIFY SECTORS EXT
        case 0xC6: setMultiple()
        case 0x91: initializeDeviceParameters()
        case 0xE7, 0xEA:                                             // FLUSH CACHE (EXT)
            afterDelay { [self] in
                do throws(DiskImageError) { try image.flush(); completeCommand() }
                catch { abortCommand(ATAReg.abrt, deviceFault: true) }
            }
        case 0xEF: afterDelay { [self] in completeCommand() }        // SET FEATURES: accepted
        case 0x10...0x1F:                                            // RECALIBRATE
            afterDelay { [self] in
                if regs.device & 0x40 == 0 { regs.lbaMid = 0; regs.lbaHigh = 0 }
                completeCommand()
            }
        case 0x70...0x7F:                                            // SEEK
            afterDelay { [self] in
                if addressRange(ext: false, count: 1) == nil { abortCommand(ATAReg.idnf) } else { completeCommand() }
            }
        case 0xE0, 0xE1, 0xE2, 0xE3, 0xE6, 0x94, 0x95, 0x96, 0x97, 0x99:  // power management: stay active
            afterDelay { [self] in completeCommand() }
        case 0xE5, 0x98:                                             // CHECK POWER MODE: active/idle
            afterDelay { [self] in regs.count = 0xFF; completeCommand() }
        default: abortCommand()
        }
    }

    // MARK: Addressing

    /// The start address and sector count of a read/write/verify command, or nil when
    /// the address does not exist on the device (IDNF, ATA-6 error outputs of the read/write commands).
    private func addressRange(ext: Bool, count fixedCount: Int? = nil) -> (lba: UInt64, count: Int, mode: Addressing)? {
        let r = regs
        let count: Int
        if let fixedCount { count = fixedCount }
        else if ext { let n = Int(r.countHOB) << 8 | Int(r.count); count = n == 0 ? 65536 : n }
        else { count = r.count == 0 ? 256 : Int(r.count) }

        let lba: UInt64
        let mode: Addressing
        if ext {
            // 48-bit: LBA 47:24 are the previous contents (HOB) of the LBA registers.
            lba = UInt64(r.lbaHighHOB) << 40 | UInt64(r.lbaMidHOB) << 32 | UInt64(r.lbaLowHOB) << 24
                | UInt64(r.lbaHigh) << 16 | UInt64(r.lbaMid) << 8 | UInt64(r.lbaLow)
            mode = .lba48
        } else if r.device & 0x40 != 0 {
            lba = UInt64(r.device & 0x0F) << 24 | UInt64(r.lbaHigh) << 16 | UInt64(r.lbaMid) << 8 | UInt64(r.lbaLow)
            mode = .lba28
        } else {
            // CHS (ATA-6 CHS addressing annex): LBA = (C * heads + H) * sectors + S - 1, in the
            // current translation; sector 0 and out-of-geometry values do not exist.
            let c = Int(r.lbaHigh) << 8 | Int(r.lbaMid)
            let h = Int(r.device & 0x0F)
            let s = Int(r.lbaLow)
            guard s >= 1, s <= currentSectorsPerTrack, h < currentHeads, c < currentCylinders else { return nil }
            lba = UInt64((c * currentHeads + h) * currentSectorsPerTrack + s - 1)
            mode = .chs
        }
        let (end, overflow) = lba.addingReportingOverflow(UInt64(count))
        guard !overflow, end <= totalSectors else { return nil }
        return (lba, count, mode)
    }

    /// Writes an address back into the registers in the addressing form the command used
    /// (ATA-6 error outputs: the address of the sector in error; drives also leave the
    /// last sector transferred there on success).
    private func storeAddress(_ lba: UInt64, _ mode: Addressing) {
        switch mode {
        case .chs:
            let spt = UInt64(currentSectorsPerTrack), heads = UInt64(currentHeads)
            let s = lba % spt + 1
            let h = (lba / spt) % heads
            let c = lba / (spt * heads)
            regs.lbaLow = UInt8(truncatingIfNeeded: s)
            regs.lbaMid = UInt8(truncatingIfNeeded: c)
            regs.lbaHigh = UInt8(truncatingIfNeeded: c >> 8)
            regs.device = regs.device & 0xF0 | UInt8(truncatingIfNeeded: h & 0x0F)
        case .lba28:
            regs.lbaLow = UInt8(truncatingIfNeeded: lba)
            regs.lbaMid = UInt8(truncatingIfNeeded: lba >> 8)
            regs.lbaHigh = UInt8(truncatingIfNeeded: lba >> 16)
            regs.device = regs.device & 0xF0 | UInt8(truncatingIfNeeded: (lba >> 24) & 0x0F)
        case .lba48:
            regs.lbaLow = UInt8(truncatingIfNeeded: lba)
            regs.lbaMid = UInt8(truncatingIfNeeded: lba >> 8)
            regs.lbaHigh = UInt8(truncatingIfNeeded: lba >> 16)
            regs.lbaLowHOB = UInt8(truncatingIfNeeded: lba >> 24)
            regs.lbaMidHOB = UInt8(truncatingIfNeeded: lba >> 32)
            regs.lbaHighHOB = UInt8(truncatingIfNeeded: lba >> 40)
        }
    }

    private func storeRemaining() {
        regs.count = UInt8(truncatingIfNeeded: xferRemaining)
        regs.countHOB = UInt8(truncatingIfNeeded: xferRemaining >> 8)
    }

    // MARK: READ / WRITE (PIO)

    private func startTransfer(write: Bool, ext: Bool, multiple: Bool) {
        // READ/WRITE MULTIPLE before SET MULTIPLE MODE is aborted (ATA-6 READ MULTIPLE).
        if multiple && multipleSectors == 0 { abortCommand(); return }
        guard let a = addressRange(ext: ext) else { abortCommand(ATAReg.idnf); return }
        if write && !image.isWritable { abortCommand(); return }
        xferLBA = a.lba
        xferRemaining = a.count
        xferMode = a.mode
        xferBlock = multiple ? multipleSectors : 1
        if write {
            // The first block of a PIO data-out command is requested without an
            // interrupt (ATA-6 "PIO data-out command protocol").
            beginDataOut(bytes: min(xferBlock, xferRemaining) * DiskImage.sectorSize, interrupt: false) { [weak self] in
                self?.writeBlock()
            }
        } else {
            afterDelay { [weak self] in self?.readBlock() }
        }
    }

    /// PIO data-in: each DRQ block is announced by an interrupt; none follows the
    /// last block (ATA-6 "PIO data-in command protocol").
    private func readBlock() {
        let n = min(xferBlock, xferRemaining)
        let data: [UInt8]
        do throws(DiskImageError) { data = try image.read(lba: xferLBA, count: n) }
        catch {
            storeAddress(xferLBA, xferMode)
            abortCommand(error.kind == .outOfRange ? ATAReg.idnf : ATAReg.unc)
            return
        }
        xferLBA &+= UInt64(n)
        xferRemaining -= n
        storeAddress(xferLBA &- 1, xferMode)
        storeRemaining()
        beginDataIn(data) { [weak self] in
            guard let self else { return }
            if self.xferRemaining > 0 { self.afterDelay { [weak self] in self?.readBlock() } }
            else { self.status = ATAReg.ready }
        }
    }

    /// PIO data-out: after each block the device is busy writing it, then asks for the
    /// next block with an interrupt, or completes with an interrupt (ATA-6 "PIO data-out command protocol").
    private func writeBlock() {
        let data = buffer
        afterDelay { [weak self] in
            guard let self else { return }
            let n = data.count / DiskImage.sectorSize
            do throws(DiskImageError) { try self.image.write(lba: self.xferLBA, data) }
            catch {
                self.storeAddress(self.xferLBA, self.xferMode)
                switch error.kind {
                case .outOfRange: self.abortCommand(ATAReg.idnf)
                case .writeProtected: self.abortCommand()
                default: self.abortCommand(ATAReg.abrt, deviceFault: true)
                }
                return
            }
            self.xferLBA &+= UInt64(n)
            self.xferRemaining -= n
            self.storeAddress(self.xferLBA &- 1, self.xferMode)
            self.storeRemaining()
            if self.xferRemaining > 0 {
                self.beginDataOut(bytes: min(self.xferBlock, self.xferRemaining) * DiskImage.sectorSize,
                                  interrupt: true) { [weak self] in self?.writeBlock() }
            } else {
                self.completeCommand()
            }
        }
    }

    private func verify(ext: Bool) {
        guard let a = addressRange(ext: ext) else { abortCommand(ATAReg.idnf); return }
        afterDelay { [self] in
            storeAddress(a.lba &+ UInt64(a.count) &- 1, a.mode)
            completeCommand()
        }
    }

    // MARK: Configuration commands

    /// SET MULTIPLE MODE (ATA-6 SET MULTIPLE MODE): block sizes 2^n up to word 47's maximum; 0
    /// disables multiple mode; anything else is aborted and the old setting kept.
    private func setMultiple() {
        let n = Int(regs.count)
        guard n == 0 || (n <= Self.maxMultiple && n & (n - 1) == 0) else { abortCommand(); return }
        multipleSectors = n
        afterDelay { [self] in completeCommand() }
    }

    /// INITIALIZE DEVICE PARAMETERS (ATA-6 INITIALIZE DEVICE PARAMETERS): sectors per track from Sector Count,
    /// heads from Device bits 3:0 + 1; the cylinders follow from the capacity, capped at
    /// 65535 and at 16,514,064 sectors in total.
    private func initializeDeviceParameters() {
        let s = Int(regs.count)
        let h = Int(regs.device & 0x0F) + 1
        guard s > 0 else { abortCommand(); return }
        let c = Int(min(totalSectors, 16_514_064) / UInt64(h * s))
        guard c > 0 else { abortCommand(); return }
        currentSectorsPerTrack = s
        currentHeads = h
        currentCylinders = min(c, 65535)
        afterDelay { [self] in completeCommand() }
    }

    // MARK: IDENTIFY DEVICE (ATA-6 IDENTIFY DEVICE word table)

    func identifyData() -> [UInt8] {
        var w = [UInt16](repeating: 0, count: 256)
        w[0] = 0x0040                                    // ATA device, fixed (not removable)
        w[1] = UInt16(defaultCylinders)
        w[3] = UInt16(defaultHeads)
        // Words 4 and 5 (ATA-1: unformatted bytes per track and per sector; retired since
        // ATA-4, but the Bochs BIOS still takes its transfer block size from word 5).
        w[4] = UInt16(512 * defaultSectorsPerTrack)
        w[5] = 512
        w[6] = UInt16(defaultSectorsPerTrack)
        Self.putString(serial, into: &w, at: 10, words: 10)
        Self.putString(firmware, into: &w, at: 23, words: 4)
        Self.putString(model, into: &w, at: 27, words: 20)
        w[47] = 0x8000 | UInt16(Self.maxMultiple)        // bits 15:8 = 80h, max sectors per block
        w[49] = 0x0200                                   // LBA supported; DMA (bit 8) not
        w[50] = 0x4000
        w[51] = 0x0200                                   // PIO mode 2 timing (obsolete field)
        w[53] = 0x0003                                   // words 54-58 and 64-70 valid
        let curCapacity = UInt32(currentCylinders * currentHeads * currentSectorsPerTrack)
        w[54] = UInt16(currentCylinders)
        w[55] = UInt16(currentHeads)
        w[56] = UInt16(currentSectorsPerTrack)
        w[57] = UInt16(truncatingIfNeeded: curCapacity)
        w[58] = UInt16(truncatingIfNeeded: curCapacity >> 16)
        w[59] = multipleSectors > 0 ? 0x0100 | UInt16(multipleSectors) : 0
        let lba28 = UInt32(min(totalSectors, 0x0FFF_FFFF))
        w[60] = UInt16(truncatingIfNeeded: lba28)
        w[61] = UInt16(truncatingIfNeeded: lba28 >> 16)
        w[64] = 0x0003                                   // PIO modes 3 and 4
        w[65] = 120; w[66] = 120; w[67] = 120; w[68] = 120
        w[80] = 0x007E                                   // ATA-1 through ATA-6
        w[82] = 0x0020                                   // write cache supported
        w[83] = 0x4000 | 0x2000 | 0x1000 | 0x0400        // FLUSH CACHE EXT, FLUSH CACHE, 48-bit
        w[84] = 0x4000
        w[85] = 0x0020                                   // write cache enabled
        w[86] = 0x2000 | 0x1000 | 0x0400
        w[87] = 0x4000
        w[100] = UInt16(truncatingIfNeeded: totalSectors)
        w[101] = UInt16(truncatingIfNeeded: totalSectors >> 16)
        w[102] = UInt16(truncatingIfNeeded: totalSectors >> 32)
        w[103] = UInt16(truncatingIfNeeded: totalSectors >> 48)
        return Self.identifyBytes(w)
    }
}
