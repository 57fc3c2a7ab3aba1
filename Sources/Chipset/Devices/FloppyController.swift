// The floppy disk controller: an Intel 82077AA in PC-AT mode, with two drives (A:, B:).
//
// Source: Intel 82077AA CHMOS Single-Chip Floppy Disk Controller datasheet — register
// set (section 2), command set and status registers ST0-ST3 (section 5 and the command
// tables), "Result Phase" ID information after termination (the C/H/R/N table), reset and
// drive polling (section "Reset" / 8.2 "Initialization"), and the PC convention of the
// disk-change line (cleared by a step pulse with a disk in the drive).
//
// Ports (primary controller):
//   0x3F0 R  SRA  status register A (PS/2 layout: INT pending, !DRV2, !TRK0, HDSEL, !WP …)
//   0x3F1 R  SRB  status register B (PS/2 layout: drive select 0, motor enables)
//   0x3F2 RW DOR  digital output: bits 1-0 drive select, bit 2 !RESET, bit 3 DMA gate
//                 (enables IRQ and DRQ in AT mode), bits 7-4 motor enables
//   0x3F3 RW TDR  tape drive register (bits 1-0 kept)
//   0x3F4 R  MSR  main status: bit 7 RQM, 6 DIO (1 = to host), 5 NON-DMA execution,
//                 4 CB (command busy), 3-0 drive 3-0 busy seeking
//         W  DSR  data-rate select: bit 7 software reset (self-clearing), 1-0 data rate
//   0x3F5 RW FIFO command / result / non-DMA data bytes
//   0x3F7 R  DIR  bit 7 disk changed (selected drive); bits 6-0 belong to the hard disk
//                 controller on a PC and read 0 here
//         W  CCR  bits 1-0 data rate (00 500, 01 300, 10 250, 11 1000 kbit/s)
// Port 0x3F6 is not mapped: it is the ATA controller's device-control / alt-status port.
//
// Commands: READ DATA, READ DELETED DATA, WRITE DATA, WRITE DELETED DATA, VERIFY, READ ID,
// FORMAT TRACK, RECALIBRATE, SEEK, RELATIVE SEEK, SENSE INTERRUPT STATUS, SENSE DRIVE
// STATUS, SPECIFY, CONFIGURE, VERSION, DUMPREG, LOCK, PERPENDICULAR MODE (accepted).
// READ TRACK and the SCAN commands answer as invalid (ST0 = 0x80).
//
// Timing (a fast but causal model): a command's first sector comes `headLoadNs` after
// the command, each further sector `sectorNs` later; a revolution lasts sectorNs × sectors
// per track, and a sector that is not on the track is given up after two revolutions
// (index pulses) as the datasheet describes. Steps take the SPECIFY step rate time
// ((16 − SRT) ms at 500 kbit/s, scaled by data rate). Data moves through DMA (channel 2)
// one sector per event, or in non-DMA mode (SPECIFY ND = 1) through the FIFO port.
//
// Without a medium (or on a drive that is not installed) there are no index pulses: a
// read, write, format or READ ID stays in its execution phase until the guest resets the
// controller, as on the real chip (drivers time out). The data rate must suit the medium
// (see FloppyGeometry) unless `checkDataRate` is false; otherwise no address mark is
// found (ST1 MA), which is how BIOSes and drivers probe the media type.

public final class FloppyController: IODevice {
    // MARK: Status register bits (82077AA datasheet, status register tables)

    /// ST0 interrupt code: abnormal termination (IC = 01).
    static let st0Abnormal: UInt8 = 0x40
    /// ST0 interrupt code: invalid command (IC = 10).
    static let st0Invalid: UInt8 = 0x80
    /// ST0 interrupt code: abnormal termination caused by polling (IC = 11).
    static let st0Polling: UInt8 = 0xC0
    static let st0SeekEnd: UInt8 = 0x20
    static let st0EquipmentCheck: UInt8 = 0x10
    static let st1EndOfCylinder: UInt8 = 0x80
    static let st1Overrun: UInt8 = 0x10
    static let st1NoData: UInt8 = 0x04
    static let st1NotWritable: UInt8 = 0x02
    static let st1MissingAddressMark: UInt8 = 0x01
    static let st2ControlMark: UInt8 = 0x40
    static let st2WrongCylinder: UInt8 = 0x10
    static let st2BadCylinder: UInt8 = 0x02

    // MARK: Configuration

    public let irqLine: Int
    public let dmaChannel: Int
    /// Refuse to read media at a data rate their format does not use (ST1 MA).
    public var checkDataRate = true
    /// Seek to the command's cylinder before every read, write or verify, as if CONFIGURE's
    /// EIS were always set. The 82077AA does so only with EIS (datasheet, CONFIGURE); Bochs
    /// and QEMU do it always, and the Bochs BIOS's INT 13h relies on it: it sends READ DATA
    /// for any cylinder without a SEEK first. The board turns this on (Machine).
    public var alwaysImpliedSeek = false
    public var headLoadNs: UInt64 = 100_000
    public var sectorNs: UInt64 = 250_000

    private let scheduler: Scheduler
    private let irq: InterruptRequestLines
    private let dma: DMAController

    // MARK: Drives

    struct Drive {
        var installed: Bool
        var media: FloppyImage?
        /// Where the head physically is (the controller's PCN may disagree).
        var cylinder = 0
        /// The disk-change latch: set at power-on and when the disk is removed, cleared by
        /// a step pulse while a disk is in the drive.
        var changed = true
        /// The sector whose ID passes under the head next (READ ID), counted from 1.
        var nextSector = 1
    }
    private(set) var drives: [Drive]
    /// The controller's present cylinder number per drive.
    public private(set) var pcn = [UInt8](repeating: 0, count: 4)

    // MARK: Registers

    public private(set) var dor: UInt8 = 0
    private var tdr: UInt8 = 0
    /// Data-rate select bits (CCR / DSR bits 1-0); hardware reset selects 250 kbit/s.
    public private(set) var dataRateSelect: UInt8 = 2
    private var stepRate: UInt8 = 8       // SPECIFY SRT
    private var headUnload: UInt8 = 0     // SPECIFY HUT
    private var headLoad: UInt8 = 1       // SPECIFY HLT
    public private(set) var nonDMA = false
    private var impliedSeek = false       // CONFIGURE EIS
    private var fifoDisabled = true       // CONFIGURE EFIFO
    private var pollingDisabled = false   // CONFIGURE POLL
    private var fifoThreshold: UInt8 = 0
    private var precompTrack: UInt8 = 0
    private var locked = false
    private var perpendicular: UInt8 = 0
    private var lastEOT: UInt8 = 0

    // MARK: Phases

    enum Phase: Equatable { case command, execution, result }
    private(set) var phase = Phase.command
    private var commandBytes: [UInt8] = []
    private var commandLength = 0
    private var resultBytes: [UInt8] = []
    private var resultIndex = 0
    /// Drives with a seek or recalibrate in progress or not yet sensed (MSR bits 3-0).
    private var busyDrives: UInt8 = 0
    /// ST0 values waiting for SENSE INTERRUPT STATUS (drive in bits 1-0).
    private var pendingSense: [UInt8] = []

    private var resultInterrupt = false
    private var senseInterrupt = false
    private var dataInterrupt = false
    private var irqLevel = false

    private var seekEvents: [Scheduler.EventID?] = [nil, nil, nil, nil]
    private var operationEvent: Scheduler.EventID?

    // MARK: Execution state of a read/write/format/verify/read-ID command

    enum Kind { case read, readDeleted, write, writeDeleted, verify, format, readID }
    struct Operation {
        var kind: Kind
        var drive: Int
        var hds: Int
        var c: UInt8 = 0, h: UInt8 = 0, r: UInt8 = 0, n: UInt8 = 0
        var eot: UInt8 = 0
        var multiTrack = false
        var mfm = true
        var skip = false
        var st2: UInt8 = 0
        /// VERIFY with EC = 1: the number of sectors to verify.
        var verifyCount: Int?
        var verified = 0
        // FORMAT TRACK
        var formatSectors = 0
        var formatDone = 0
        var filler: UInt8 = 0
        // Non-DMA transfer of the current unit
        var pio: [UInt8] = []
        var pioIndex = 0
        var pioExpected = 0
    }
    private(set) var operation: Operation?

    /// - Parameters:
    ///   - driveCount: installed drives (1 = A: only, 2 = A: and B:).
    public init(scheduler: Scheduler, irq: InterruptRequestLines, dma: DMAController,
                driveCount: Int = 2, irqLine: Int = 6, dmaChannel: Int = 2) {
        self.scheduler = scheduler
        self.irq = irq
        self.dma = dma
        self.irqLine = irqLine
        self.dmaChannel = dmaChannel
        drives = (0..<4).map { Drive(installed: $0 < max(0, min(driveCount, 2))) }
    }

    public func attach(to bus: IOPortBus) {
        bus.map(0x3F0...0x3F5, self, name: "floppy controller (82077AA)")
        bus.map(0x3F7...0x3F7, self, name: "floppy controller (82077AA) DIR/CCR")
    }

    // MARK: Media

    /// Puts a disk in drive `drive` (0 = A:, 1 = B:). The disk-change line stays active until
    /// the next step pulse.
    public func insert(_ image: FloppyImage, drive: Int) {
        guard (0..<2).contains(drive), drives[drive].installed else { return }
        drives[drive].media = image
        drives[drive].changed = true
    }

    /// Removes the disk: the disk-change line goes active.
    @discardableResult
    public func eject(drive: Int) -> FloppyImage? {
        guard (0..<2).contains(drive) else { return nil }
        let old = drives[drive].media
        drives[drive].media = nil
        drives[drive].changed = true
        return old
    }

    public func media(drive: Int) -> FloppyImage? {
        (0..<4).contains(drive) ? drives[drive].media : nil
    }

    public func diskChanged(drive: Int) -> Bool {
        (0..<4).contains(drive) && drives[drive].installed && drives[drive].changed
    }

    // MARK: Ports

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<max(1, min(size, 4)) { v |= UInt32(readByte(port &+ UInt16(k))) << (8 * k) }
        return v
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        for k in 0..<max(1, min(size, 4)) { writeByte(port &+ UInt16(k), UInt8(truncatingIfNeeded: value >> (8 * k))) }
    }

    private var inReset: Bool { dor & 0x04 == 0 }
    private var selectedDrive: Int { Int(dor & 3) }
    private var dataRateKbps: Int { [500, 300, 250, 1000][Int(dataRateSelect & 3)] }

    private func readByte(_ port: UInt16) -> UInt8 {
        switch port {
        case 0x3F0:
            let d = drives[selectedDrive]
            var v: UInt8 = 0x04                                        // !INDEX inactive
            if irqLevel || interruptPending { v |= 0x80 }
            if !drives[1].installed { v |= 0x40 }                      // !DRV2
            if d.cylinder != 0 || !d.installed { v |= 0x10 }           // !TRK0
            if let op = operation, op.hds == 1 { v |= 0x08 }           // HDSEL
            if !(d.media?.readOnly ?? true) { v |= 0x02 }              // !WP
            return v
        case 0x3F1:
            return 0xC0 | ((dor & 1) << 5) | ((dor >> 4) & 0x03)
        case 0x3F2:
            return dor
        case 0x3F3:
            return tdr & 0x03
        case 0x3F4:
            return mainStatus
        case 0x3F5:
            return readData()
        case 0x3F7:
            // Bit 7: the selected drive's disk-change line (AT mode, active high).
            let d = drives[selectedDrive]
            return d.installed && d.changed ? 0x80 : 0x00
        default:
            return 0xFF
        }
    }

    private func writeByte(_ port: UInt16, _ value: UInt8) {
        switch port {
        case 0x3F2:
            let wasReset = inReset
            dor = value
            if !wasReset && inReset { resetController() }
            if wasReset && !inReset { releaseReset() }
            updateIRQ()
        case 0x3F3:
            tdr = value & 0x03
        case 0x3F4:
            // DSR: data rate; bit 7 is a self-clearing software reset.
            dataRateSelect = value & 0x03
            if value & 0x80 != 0 && !inReset {
                resetController()
                releaseReset()
            }
        case 0x3F5:
            writeData(value)
        case 0x3F7:
            dataRateSelect = value & 0x03
        default:
            break
        }
    }

    /// MSR (datasheet "Main Status Register").
    public var mainStatus: UInt8 {
        if inReset { return 0 }
        switch phase {
        case .command:
            return 0x80 | (commandBytes.isEmpty ? 0 : 0x10) | busyDrives
        case .result:
            return 0xD0 | busyDrives
        case .execution:
            guard let op = operation, nonDMA else { return 0x10 | busyDrives }
            var v: UInt8 = 0x30
            if op.pioIndex < op.pioExpected { v |= 0x80 }
            if op.kind == .read || op.kind == .readDeleted { v |= 0x40 }
            return v | busyDrives
        }
    }

    private var interruptPending: Bool { resultInterrupt || senseInterrupt || dataInterrupt }

    /// INT reaches IRQ6 only while the DOR's DMA gate bit is set (AT mode).
    private func updateIRQ() {
        let level = dor & 0x08 != 0 && interruptPending
        if level != irqLevel {
            irqLevel = level
            irq.setIRQ(irqLine, level)
        }
    }

    // MARK: Reset

    /// Software reset (DOR bit 2 low, or DSR bit 7): stops any command and clears the
    /// controller's state. CONFIGURE's EIS, EFIFO, FIFOTHR and PRETRK survive when LOCK is
    /// set; SPECIFY values, the data rate and the DOR are not affected.
    private func resetController() {
        scheduler.cancel(operationEvent); operationEvent = nil
        for i in 0..<4 { scheduler.cancel(seekEvents[i]); seekEvents[i] = nil }
        operation = nil
        dma.setRequest(channel: dmaChannel, false)
        phase = .command
        commandBytes = []
        resultBytes = []
        resultIndex = 0
        busyDrives = 0
        pendingSense = []
        resultInterrupt = false
        senseInterrupt = false
        dataInterrupt = false
        perpendicular &= 0x3C       // GAP and WGATE cleared, drive bits kept
        if !locked {
            impliedSeek = false
            fifoDisabled = true
            pollingDisabled = false
            fifoThreshold = 0
            precompTrack = 0
        }
        updateIRQ()
    }

    /// Leaving reset: the controller polls the drives and reports a "ready changed" status
    /// for each of the four drive selects (ST0 IC = 11), one per SENSE INTERRUPT STATUS, and
    /// raises its interrupt (datasheet 8.2, Initialization). With polling disabled only one
    /// status is reported.
    private func releaseReset() {
        pendingSense = pollingDisabled ? [Self.st0Polling] : (0..<4).map { Self.st0Polling | UInt8($0) }
        senseInterrupt = true
        updateIRQ()
    }

    // MARK: FIFO

    private func readData() -> UInt8 {
        if inReset { return 0xFF }
        switch phase {
        case .result:
            guard resultIndex < resultBytes.count else { return 0xFF }
            let b = resultBytes[resultIndex]
            if resultIndex == 0 && resultInterrupt {
                // The result-phase interrupt is cleared by reading the first result byte.
                resultInterrupt = false
                updateIRQ()
            }
            resultIndex += 1
            if resultIndex >= resultBytes.count {
                phase = .command
                resultBytes = []
                resultIndex = 0
            }
            return b
        case .execution:
            guard nonDMA, var op = operation, op.kind == .read || op.kind == .readDeleted,
                  op.pioIndex < op.pioExpected, op.pioIndex < op.pio.count else { return 0xFF }
            let b = op.pio[op.pioIndex]
            op.pioIndex += 1
            operation = op
            clearDataInterrupt()
            if op.pioIndex == op.pioExpected { pioUnitDone() }
            return b
        case .command:
            return 0xFF
        }
    }

    private func writeData(_ value: UInt8) {
        if inReset { return }
        switch phase {
        case .command:
            if commandBytes.isEmpty {
                guard let length = Self.commandLength(value) else {
                    finishWithResult([Self.st0Invalid], interrupt: false)
                    return
                }
                commandLength = length
            }
            commandBytes.append(value)
            if commandBytes.count == commandLength {
                let bytes = commandBytes
                commandBytes = []
                execute(bytes)
            }
        case .execution:
            guard nonDMA, var op = operation, op.kind != .read, op.kind != .readDeleted,
                  op.pioIndex < op.pioExpected else { return }
            if op.pioIndex < op.pio.count { op.pio[op.pioIndex] = value }
            op.pioIndex += 1
            operation = op
            clearDataInterrupt()
            if op.pioIndex == op.pioExpected { pioUnitDone() }
        case .result:
            break   // DIO = 1: the controller is not accepting bytes
        }
    }

    private func clearDataInterrupt() {
        if dataInterrupt { dataInterrupt = false; updateIRQ() }
    }

    /// Command byte counts (datasheet command table); nil for an invalid opcode. Bits 7-5
    /// carry MT, MFM, SK where a command has them.
    static func commandLength(_ cmd: UInt8) -> Int? {
        switch cmd {
        case 0x03: return 3                 // SPECIFY
        case 0x04: return 2                 // SENSE DRIVE STATUS
        case 0x07: return 2                 // RECALIBRATE
        case 0x08: return 1                 // SENSE INTERRUPT STATUS
        case 0x0E: return 1                 // DUMPREG
        case 0x0F: return 3                 // SEEK
        case 0x8F, 0xCF: return 3           // RELATIVE SEEK
        case 0x10: return 1                 // VERSION
        case 0x12: return 2                 // PERPENDICULAR MODE
        case 0x13: return 4                 // CONFIGURE
        case 0x14, 0x94: return 1           // LOCK
        default: break
        }
        switch cmd & 0x1F {
        case 0x06, 0x0C, 0x16: return 9                              // READ, READ DELETED, VERIFY
        case 0x05, 0x09: return cmd & 0x20 == 0 ? 9 : nil            // WRITE, WRITE DELETED
        case 0x0A: return cmd & 0xA0 == 0 ? 2 : nil                  // READ ID
        case 0x0D: return cmd & 0xA0 == 0 ? 6 : nil                  // FORMAT TRACK
        default: return nil
        }
    }

    private func finishWithResult(_ bytes: [UInt8], interrupt: Bool) {
        phase = .result
        resultBytes = bytes
        resultIndex = 0
        if interrupt { resultInterrupt = true }
        updateIRQ()
    }

    // MARK: Command execution

    private func execute(_ b: [UInt8]) {
        let cmd = b[0]
        switch cmd {
        case 0x03:
            stepRate = b[1] >> 4
            headUnload = b[1] & 0x0F
            headLoad = b[2] >> 1
            nonDMA = b[2] & 1 != 0
            phase = .command
        case 0x04:
            let d = Int(b[1] & 3), hds = (b[1] >> 2) & 1
            let drive = drives[d]
            // ST3: bit 6 WP, bit 5 always 1, bit 4 track 0, bit 3 always 1, HD, DS.
            var st3: UInt8 = 0x28 | (hds << 2) | UInt8(d)
            if drive.media?.readOnly ?? true { st3 |= 0x40 }
            if drive.installed && drive.cylinder == 0 { st3 |= 0x10 }
            finishWithResult([st3], interrupt: false)
        case 0x07:
            startSeek(drive: Int(b[1] & 3), hds: 0, target: nil)
        case 0x0F:
            startSeek(drive: Int(b[1] & 3), hds: (b[1] >> 2) & 1, target: Int(b[2]))
        case 0x8F, 0xCF:
            let d = Int(b[1] & 3)
            let target = cmd & 0x40 != 0 ? min(255, Int(pcn[d]) + Int(b[2])) : max(0, Int(pcn[d]) - Int(b[2]))
            startSeek(drive: d, hds: (b[1] >> 2) & 1, target: target)
        case 0x08:
            senseInterruptStatus()
        case 0x0E:
            finishWithResult([
                pcn[0], pcn[1], pcn[2], pcn[3],
                stepRate << 4 | headUnload, headLoad << 1 | (nonDMA ? 1 : 0),
                lastEOT,
                (locked ? 0x80 : 0) | (perpendicular & 0x3F),
                configureByte, precompTrack,
            ], interrupt: false)
        case 0x10:
            finishWithResult([0x90], interrupt: false)
        case 0x12:
            // PERPENDICULAR MODE: OW (bit 7) allows D3-D0 to change; GAP and WGATE always.
            let v = b[1]
            perpendicular = (v & 0x80 != 0 ? v & 0x3C : perpendicular & 0x3C) | (v & 0x03)
            phase = .command
        case 0x13:
            impliedSeek = b[2] & 0x40 != 0
            fifoDisabled = b[2] & 0x20 != 0
            pollingDisabled = b[2] & 0x10 != 0
            fifoThreshold = b[2] & 0x0F
            precompTrack = b[3]
            phase = .command
        case 0x14, 0x94:
            locked = cmd & 0x80 != 0
            finishWithResult([locked ? 0x10 : 0x00], interrupt: false)
        default:
            startDataCommand(b)
        }
    }

    private var configureByte: UInt8 {
        (impliedSeek ? 0x40 : 0) | (fifoDisabled ? 0x20 : 0) | (pollingDisabled ? 0x10 : 0) | fifoThreshold
    }

    /// SENSE INTERRUPT STATUS: reports one pending seek/recalibrate end or reset status as
    /// ST0 and PCN, clears the interrupt and that drive's busy bit. With nothing pending it
    /// is an invalid command (ST0 = 0x80).
    private func senseInterruptStatus() {
        guard !pendingSense.isEmpty else {
            finishWithResult([Self.st0Invalid], interrupt: false)
            return
        }
        let st0 = pendingSense.removeFirst()
        let d = Int(st0 & 3)
        busyDrives &= ~(UInt8(1) << UInt8(d))
        senseInterrupt = false
        finishWithResult([st0, pcn[d]], interrupt: false)
    }

    // MARK: Seek and recalibrate

    private func stepTimeNs() -> UInt64 {
        UInt64(16 - Int(stepRate & 0x0F)) * 1_000_000 * 500 / UInt64(dataRateKbps)
    }

    /// SEEK (target = NCN) or RECALIBRATE (target nil). The command phase ends at once
    /// (the drive's MSR busy bit stays set); at the end the controller raises its interrupt
    /// with ST0 SE, and EC too when a recalibrate did not find track 0 in 79 steps.
    private func startSeek(drive d: Int, hds: UInt8, target: Int?) {
        phase = .command
        busyDrives |= UInt8(1) << UInt8(d)
        scheduler.cancel(seekEvents[d])
        var drive = drives[d]
        var st0 = Self.st0SeekEnd | (hds << 2) | UInt8(d)
        let steps: Int
        if let target {
            steps = abs(target - Int(pcn[d]))
            if drive.installed {
                let dir = target >= Int(pcn[d]) ? 1 : -1
                // The head stops at the drive's mechanical limits.
                drive.cylinder = max(0, min(83, drive.cylinder + dir * steps))
            }
            pcn[d] = UInt8(target)
        } else {
            // RECALIBRATE: steps out until TRK0 is seen, at most 79 pulses.
            if drive.installed && drive.cylinder <= 79 {
                steps = drive.cylinder
                drive.cylinder = 0
            } else {
                steps = 79
                if drive.installed { drive.cylinder -= 79 }
                st0 |= Self.st0Abnormal | Self.st0EquipmentCheck
            }
            pcn[d] = 0
        }
        if steps > 0 {
            // A step pulse with a disk in the drive resets the disk-change latch.
            if drive.media != nil { drive.changed = false }
            drive.nextSector = 1
        }
        drives[d] = drive
        let delay = scheduler.cycles(nanoseconds: UInt64(steps) * stepTimeNs() + 50_000)
        seekEvents[d] = scheduler.schedule(after: delay) { [unowned self] in
            self.seekEvents[d] = nil
            self.pendingSense.append(st0)
            self.senseInterrupt = true
            self.updateIRQ()
        }
    }

    // MARK: Read, write, verify, format, read ID

    private func startDataCommand(_ b: [UInt8]) {
        let cmd = b[0]
        let d = Int(b[1] & 3)
        var op = Operation(kind: .read, drive: d, hds: Int((b[1] >> 2) & 1))
        op.multiTrack = cmd & 0x80 != 0
        op.mfm = cmd & 0x40 != 0
        op.skip = cmd & 0x20 != 0
        switch cmd & 0x1F {
        case 0x06: op.kind = .read
        case 0x0C: op.kind = .readDeleted
        case 0x05: op.kind = .write
        case 0x09: op.kind = .writeDeleted
        case 0x16: op.kind = .verify
        case 0x0A: op.kind = .readID
        default: op.kind = .format
        }
        if op.kind == .format {
            op.n = b[2]
            op.formatSectors = Int(b[3])
            op.filler = b[5]
        } else if op.kind != .readID {
            op.c = b[2]; op.h = b[3]; op.r = b[4]; op.n = b[5]; op.eot = b[6]
            lastEOT = b[6]
            // VERIFY: EC (byte 1 bit 7) makes the last byte a sector count.
            if op.kind == .verify && b[1] & 0x80 != 0 { op.verifyCount = Int(b[8]) }
        }
        operation = op
        phase = .execution
        var delay = headLoadNs
        if (impliedSeek || alwaysImpliedSeek) && op.kind != .readID && op.kind != .format && op.c != pcn[d] {
            // Implied seek (CONFIGURE EIS, or alwaysImpliedSeek): the controller seeks to C first.
            let steps = abs(Int(op.c) - Int(pcn[d]))
            if drives[d].installed {
                drives[d].cylinder = max(0, min(83, drives[d].cylinder + (Int(op.c) > Int(pcn[d]) ? steps : -steps)))
                if drives[d].media != nil { drives[d].changed = false }
            }
            pcn[d] = op.c
            delay += UInt64(steps) * stepTimeNs()
        }
        if !nonDMA && op.kind != .verify && op.kind != .readID { dma.setRequest(channel: dmaChannel, true) }
        scheduleUnit(afterNs: delay)
    }

    private func scheduleUnit(afterNs ns: UInt64) {
        operationEvent = scheduler.schedule(after: scheduler.cycles(nanoseconds: ns)) { [unowned self] in
            self.operationEvent = nil
            self.runUnit()
        }
    }

    /// What the head finds on the selected track.
    private enum Track { case noIndex, unformatted, formatted(FloppyImage, cylinder: Int) }

    private func track(of op: Operation) -> Track {
        let drive = drives[op.drive]
        guard drive.installed, let media = drive.media else { return .noIndex }
        let g = media.geometry
        if drive.cylinder >= g.cylinders || op.hds >= g.heads || !op.mfm
            || (checkDataRate && !g.dataRates.contains(dataRateKbps)) {
            return .unformatted
        }
        return .formatted(media, cylinder: drive.cylinder)
    }

    /// ST0 for a finished data command: head and drive, plus the interrupt code.
    private func st0(_ op: Operation, abnormal: Bool) -> UInt8 {
        (abnormal ? Self.st0Abnormal : 0) | UInt8(op.hds << 2) | UInt8(op.drive)
    }

    private func finish(_ op: Operation, abnormal: Bool, st1: UInt8 = 0, st2: UInt8 = 0, afterNs: UInt64 = 0) {
        let bytes = [st0(op, abnormal: abnormal), st1, st2 | op.st2, op.c, op.h, op.r, op.n]
        dma.setRequest(channel: dmaChannel, false)
        let done = { [unowned self] in
            self.operation = nil
            self.finishWithResult(bytes, interrupt: true)
        }
        if afterNs == 0 { done() } else {
            operationEvent = scheduler.schedule(after: scheduler.cycles(nanoseconds: afterNs)) { [unowned self] in
                self.operationEvent = nil
                done()
            }
        }
    }

    private func revolutionNs(_ media: FloppyImage) -> UInt64 {
        sectorNs * UInt64(media.geometry.sectorsPerTrack)
    }

    /// Moves one unit (a sector, or one 4-byte ID while formatting) of the current command.
    private func runUnit() {
        guard var op = operation else { return }
        let media: FloppyImage, cyl: Int
        switch track(of: op) {
        case .noIndex:
            return      // no index pulses: wait until a reset
        case .unformatted:
            let twoRevolutions = 2 * sectorNs * 18
            if op.kind == .format {
                // The controller writes the track whatever the medium; a raw image cannot
                // hold a track outside its geometry, so nothing is stored.
                op.formatDone = op.formatSectors
                operation = op
                finish(op, abnormal: false, afterNs: sectorNs * UInt64(max(1, op.formatSectors)))
            } else {
                finish(op, abnormal: true, st1: Self.st1MissingAddressMark, afterNs: twoRevolutions)
            }
            return
        case let .formatted(m, c):
            media = m; cyl = c
        }
        let isWrite = op.kind == .write || op.kind == .writeDeleted || op.kind == .format
        if isWrite && media.readOnly {
            finish(op, abnormal: true, st1: Self.st1NotWritable)
            return
        }
        let g = media.geometry
        switch op.kind {
        case .readID:
            let r = drives[op.drive].nextSector
            drives[op.drive].nextSector = r % g.sectorsPerTrack + 1
            op.c = UInt8(truncatingIfNeeded: cyl); op.h = UInt8(op.hds); op.r = UInt8(r); op.n = 2
            operation = op
            finish(op, abnormal: false)
            return
        case .format:
            runFormatUnit(op, media: media, cylinder: cyl)
            return
        default:
            break
        }
        // Find the ID field (C, H, R, N) on this track; the IDs of a raw image are the
        // standard ones: C = cylinder, H = head, R = 1...SPT, N = 2 (512 bytes).
        let found = Int(op.c) == cyl && Int(op.h) == op.hds && op.n == 2
            && op.r >= 1 && Int(op.r) <= g.sectorsPerTrack
        guard found else {
            // Two index pulses without a match: ST1 ND; ST2 WC when the cylinder differs
            // (BC when the ID's cylinder is 0xFF, a bad-track mark).
            var st2: UInt8 = 0
            if Int(op.c) != cyl { st2 = cyl == 0xFF ? Self.st2BadCylinder : Self.st2WrongCylinder }
            finish(op, abnormal: true, st1: Self.st1NoData, st2: st2, afterNs: 2 * revolutionNs(media))
            return
        }
        drives[op.drive].nextSector = Int(op.r) % g.sectorsPerTrack + 1
        let size = FloppyGeometry.bytesPerSector
        switch op.kind {
        case .read, .readDeleted:
            guard let data = media.readSector(cylinder: cyl, head: op.hds, sector: Int(op.r)) else { return }
            if op.kind == .readDeleted {
                // The image holds only normal data marks: READ DELETED DATA flags each
                // one (ST2 CM); with SK it skips the sector, otherwise it reads it and stops.
                op.st2 |= Self.st2ControlMark
                if op.skip { operation = op; unitDone(terminalCount: false); return }
            }
            if nonDMA {
                op.pio = Array(data); op.pioIndex = 0; op.pioExpected = size
                operation = op
                dataInterrupt = true; updateIRQ()
                return
            }
            operation = op
            let base = data.startIndex
            let moved = dmaTransfer(maxBytes: size, deviceToMemory: { data[base + $0] }, memoryToDevice: { _, _ in })
            if moved.bytes < size && !moved.terminalCount {
                finish(op, abnormal: true, st1: Self.st1Overrun)
                return
            }
            if op.kind == .readDeleted && !op.skip { stopAfterUnit(terminalCount: moved.terminalCount); return }
            unitDone(terminalCount: moved.terminalCount)
        case .write, .writeDeleted:
            if nonDMA {
                op.pio = [UInt8](repeating: 0, count: size); op.pioIndex = 0; op.pioExpected = size
                operation = op
                dataInterrupt = true; updateIRQ()
                return
            }
            var buffer = [UInt8](repeating: 0, count: size)
            let moved = dmaTransfer(maxBytes: size, deviceToMemory: { _ in 0 }, memoryToDevice: { i, b in buffer[i] = b })
            if moved.bytes < size && !moved.terminalCount {
                finish(op, abnormal: true, st1: Self.st1Overrun)
                return
            }
            // A sector cut short by terminal count is completed with zeros.
            media.writeSector(cylinder: cyl, head: op.hds, sector: Int(op.r), buffer)
            unitDone(terminalCount: moved.terminalCount)
        case .verify:
            op.verified += 1
            operation = op
            unitDone(terminalCount: false)
        default:
            break
        }
    }

    private func dmaTransfer(maxBytes: Int, deviceToMemory: (Int) -> UInt8,
                             memoryToDevice: (Int, UInt8) -> Void) -> DMATransferResult {
        // With the DOR's DMA gate off the DRQ line never reaches the DMA controller.
        guard dor & 0x08 != 0 else { return DMATransferResult(bytes: 0, terminalCount: false) }
        return dma.transfer(channel: dmaChannel, maxBytes: maxBytes, deviceToMemory: deviceToMemory, memoryToDevice: memoryToDevice)
    }

    /// A non-DMA unit has been fully read or written by the host.
    private func pioUnitDone() {
        guard let op = operation else { return }
        switch op.kind {
        case .write, .writeDeleted:
            if case let .formatted(media, cyl) = track(of: op) {
                media.writeSector(cylinder: cyl, head: op.hds, sector: Int(op.r), op.pio)
            }
            unitDone(terminalCount: false)
        case .format:
            applyFormatID(op.pio)
        case .readDeleted:
            op.skip ? unitDone(terminalCount: false) : stopAfterUnit(terminalCount: false)
        default:
            unitDone(terminalCount: false)
        }
    }

    /// READ DELETED DATA found a normal data mark without SK: it ends after that sector.
    private func stopAfterUnit(terminalCount: Bool) {
        guard var op = operation else { return }
        _ = advance(&op)
        operation = op
        finish(op, abnormal: false)
    }

    /// Steps C/H/R to the next sector as the datasheet's "ID information after command
    /// termination" table gives it; returns true when the sector just done ended the track
    /// (R = EOT without MT, or on head 1 with MT).
    private func advance(_ op: inout Operation) -> Bool {
        if op.r != op.eot {
            op.r &+= 1
            return false
        }
        if op.multiTrack && op.hds == 0 {
            // MT: after EOT on side 0 the controller goes on with sector 1 of side 1.
            op.hds = 1
            op.h ^= 1
            op.r = 1
            return false
        }
        // End of the cylinder: C + 1, R = 1, and with MT the H value's LSB complemented
        // (the head select itself, reported in ST0, stays where the command ended).
        op.r = 1
        op.c &+= 1
        if op.multiTrack { op.h ^= 1 }
        return true
    }

    /// After a sector: stop on terminal count (normal termination), at the end of the
    /// track without terminal count (ST1 EN, abnormal termination), or go on.
    private func unitDone(terminalCount: Bool) {
        guard var op = operation else { return }
        let endOfTrack = advance(&op)
        operation = op
        if terminalCount { finish(op, abnormal: false); return }
        if op.kind == .verify {
            if let count = op.verifyCount {
                if op.verified >= count { finish(op, abnormal: false); return }
                if endOfTrack { finish(op, abnormal: true, st1: Self.st1EndOfCylinder); return }
            } else if endOfTrack {
                finish(op, abnormal: false)     // EC = 0: verify through EOT succeeds
                return
            }
        } else if endOfTrack {
            finish(op, abnormal: true, st1: Self.st1EndOfCylinder)
            return
        }
        scheduleUnit(afterNs: sectorNs)
    }

    // FORMAT TRACK: for each sector the host supplies C, H, R, N (DMA or FIFO); the
    // controller writes the ID and a data field of 128 << N bytes of the filler byte.
    private func runFormatUnit(_ opIn: Operation, media: FloppyImage, cylinder: Int) {
        var op = opIn
        if op.formatSectors == 0 { finish(op, abnormal: false); return }
        if op.formatDone == 0 { drives[op.drive].nextSector = 1 }
        if nonDMA {
            op.pio = [0, 0, 0, 0]; op.pioIndex = 0; op.pioExpected = 4
            operation = op
            dataInterrupt = true; updateIRQ()
            return
        }
        var id: [UInt8] = [0, 0, 0, 0]
        let moved = dmaTransfer(maxBytes: 4, deviceToMemory: { _ in 0 }, memoryToDevice: { i, b in id[i] = b })
        if moved.bytes < 4 {
            if moved.terminalCount { finish(op, abnormal: false) }
            else { finish(op, abnormal: true, st1: Self.st1Overrun) }
            return
        }
        applyFormatID(id, terminalCount: moved.terminalCount)
    }

    private func applyFormatID(_ id: [UInt8], terminalCount: Bool = false) {
        guard var op = operation, id.count == 4 else { return }
        op.c = id[0]; op.h = id[1]; op.r = id[2]; op.n = id[3]
        if case let .formatted(media, cyl) = track(of: op),
           Int(id[0]) == cyl, Int(id[1]) == op.hds, id[3] == 2 {
            // Only standard IDs can be kept in a raw image; others are written nowhere.
            let filler = [UInt8](repeating: op.filler, count: FloppyGeometry.bytesPerSector)
            media.writeSector(cylinder: cyl, head: op.hds, sector: Int(id[2]), filler)
        }
        op.formatDone += 1
        operation = op
        if terminalCount || op.formatDone >= op.formatSectors {
            finish(op, abnormal: false, afterNs: sectorNs)
        } else {
            scheduleUnit(afterNs: sectorNs)
        }
    }
}
