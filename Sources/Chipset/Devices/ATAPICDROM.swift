// ATAPICDROM — an ATAPI CD-ROM drive on an ATA channel, reading an ISO 9660 image.
//
// Behaviour from:
//   - T13 1410D ATA/ATAPI-6: PACKET, IDENTIFY PACKET DEVICE (word table), the packet
//     command protocols (PIO data-in with the Interrupt Reason register and the byte
//     count limit), and "Signature and persistence" (LBA mid/high = 14h/EBh);
//   - SFF-8020i (ATAPI for CD-ROMs) and T10 MMC-2/MMC-3 for the packet commands;
//   - T10 SPC-2 for INQUIRY, REQUEST SENSE (fixed-format sense data) and sense codes.
//
// Register use while a packet command runs (the ATA register map is in ATAController):
//   base+1  W Features bit0 = DMA (not supported: aborted)   R Error: sense key << 4, ABRT
//   base+2  R Interrupt Reason: bit0 CoD (1 = command packet / status), bit1 IO (1 = to host)
//   base+4/5  W byte count limit for each DRQ block; R byte count of the current block
// Phases: command packet wanted (CoD=1, IO=0, DRQ, no interrupt: IDENTIFY word 0 reports
// "accelerated DRQ"); data to host (CoD=0, IO=1, DRQ, interrupt per block); status
// (CoD=1, IO=1, DRQ=0, interrupt).
//
// Supported packet commands: TEST UNIT READY, REQUEST SENSE, INQUIRY, START STOP UNIT,
// PREVENT ALLOW MEDIUM REMOVAL, READ CAPACITY, READ(10), READ(12), READ TOC (formats 0
// and 1, LBA and MSF), MODE SENSE(10) (pages 01h, 0Dh, 2Ah, 3Fh), GET CONFIGURATION
// (profile list and core feature), GET EVENT STATUS NOTIFICATION (polled, media class).
// Anything else: CHECK CONDITION, ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE.
// Blocks are 2048 bytes (four 512-byte image sectors).

public final class ATAPICDROM: ATADevice {
    public private(set) var image: DiskImage?
    public let model: String
    public let serial: String
    public let firmware: String
    public static let blockSize = 2048

    // Sense data of the last command (SPC-2 "Sense data"): key, additional sense code, qualifier.
    private(set) var senseKey: UInt8 = 0
    private(set) var asc: UInt8 = 0
    private(set) var ascq: UInt8 = 0
    private(set) var locked = false
    /// A medium was inserted since the last command: report UNIT ATTENTION once.
    private var mediumChanged = false

    // The data phase of the current packet command.
    private var byteCountLimit = 0xFFFE
    private var pending: [UInt8] = []
    private var pendingPos = 0
    private var readLBA: UInt64 = 0
    private var readBlocksLeft: UInt64 = 0

    override var isPacketDevice: Bool { true }

    public init(image: DiskImage?, model: String = "PCEMU CD-ROM",
                serial: String = "PCEMU-CD-0001", firmware: String = "1.0") {
        self.image = image
        self.model = model
        self.serial = serial
        self.firmware = firmware
        super.init()
    }

    /// Capacity of the medium in 2048-byte blocks (0 without a medium).
    public var blockCount: UInt64 { (image?.sectorCount ?? 0) / 4 }

    /// Puts a new image in the drive; the guest sees UNIT ATTENTION on its next command.
    public func insert(_ newImage: DiskImage) {
        image = newImage
        mediumChanged = true
    }

    /// Removes the medium (host side; the guest ejects with START STOP UNIT).
    public func eject() {
        image = nil
        locked = false
    }

    // MARK: ATA commands

    override func execute(_ command: UInt8) {
        switch command {
        case 0xA0: packetCommand()
        case 0xA1: beginDataIn(identifyPacketData())            // IDENTIFY PACKET DEVICE
        case 0xEC:
            // IDENTIFY DEVICE to a packet device is aborted with the packet signature in
            // the registers, which is how drivers tell ATAPI from ATA (ATA-6 IDENTIFY DEVICE).
            regs.setSignature(packet: true)
            abortCommand()
        case 0x08:                                               // DEVICE RESET (no INTRQ)
            finishReset()
        case 0xEF, 0xE0, 0xE1, 0xE2, 0xE3, 0xE6:                 // SET FEATURES, power: accepted
            afterDelay { [self] in completeCommand() }
        case 0xE5:                                               // CHECK POWER MODE
            afterDelay { [self] in regs.count = 0xFF; completeCommand() }
        default: abortCommand()
        }
    }

    /// PACKET (ATA-6 PACKET and the packet protocol): take the byte count limit, then ask for the
    /// 12-byte command packet with CoD = 1, IO = 0.
    private func packetCommand() {
        if regs.features & 0x01 != 0 { abortCommand(); return }   // DMA requested: no DMA here
        var limit = Int(regs.lbaHigh) << 8 | Int(regs.lbaMid)
        // A limit of 0 or FFFFh is treated as FFFEh; an odd limit is rounded down, as a
        // block that is not the last must hold an even number of bytes (ATA-6 PACKET, byte count limit).
        if limit == 0 || limit == 0xFFFF { limit = 0xFFFE }
        byteCountLimit = max(2, limit & ~1)
        beginDataOut(bytes: 12, interrupt: false) { [weak self] in self?.runPacket() }
        regs.count = 0x01
    }

    // MARK: Phases

    private func setInterruptReason(cod: Bool, io: Bool) {
        regs.count = (regs.count & 0xF8) | (cod ? 0x01 : 0) | (io ? 0x02 : 0)
    }

    /// Status phase, success: CoD = 1, IO = 1, interrupt.
    private func finishPacket() {
        pending = []
        pendingPos = 0
        readBlocksLeft = 0
        setInterruptReason(cod: true, io: true)
        error = 0
        completeCommand()
    }

    /// Status phase, CHECK CONDITION: ERR = 1, Error = sense key << 4 (| ABRT for
    /// ILLEGAL REQUEST), sense data kept for REQUEST SENSE.
    private func checkCondition(_ key: UInt8, _ code: UInt8, _ qualifier: UInt8 = 0) {
        senseKey = key
        asc = code
        ascq = qualifier
        pending = []
        pendingPos = 0
        readBlocksLeft = 0
        transfer = .none
        afterTransfer = nil
        setInterruptReason(cod: true, io: true)
        error = key << 4 | (key == 0x05 ? ATAReg.abrt : 0)
        status = ATAReg.ready | ATAReg.err
        raiseInterrupt()
    }

    /// Sends `data` (cut to the allocation length) in byte-count-limited DRQ blocks.
    private func sendData(_ data: [UInt8], allocation: Int) {
        pending = Array(data.prefix(max(0, allocation)))
        pendingPos = 0
        readBlocksLeft = 0
        nextDataBlock()
    }

    private var remainingBytes: UInt64 {
        UInt64(pending.count - pendingPos) &+ readBlocksLeft &* UInt64(Self.blockSize)
    }

    /// Data phase (ATA-6 "PACKET PIO data-in"): each DRQ block carries min(remaining, limit) bytes, its
    /// size in LBA mid/high, CoD = 0, IO = 1, and an interrupt.
    private func nextDataBlock() {
        let total = remainingBytes
        if total == 0 { finishPacket(); return }
        let n = Int(min(total, UInt64(byteCountLimit)))
        // Refill from the image (at most 16 blocks at a time) until the block is complete.
        while pending.count - pendingPos < n && readBlocksLeft > 0 {
            guard let image else { checkCondition(0x02, 0x3A); return }
            let blocks = min(readBlocksLeft, 16)
            let data: [UInt8]
            do throws(DiskImageError) { data = try image.read(lba: readLBA &* 4, count: Int(blocks) * 4) }
            catch { checkCondition(0x03, 0x11); return }          // MEDIUM ERROR, UNRECOVERED READ ERROR
            if pendingPos > 0 { pending.removeFirst(pendingPos); pendingPos = 0 }
            pending.append(contentsOf: data)
            readLBA &+= blocks
            readBlocksLeft -= blocks
        }
        let chunk = Array(pending[pendingPos ..< pendingPos + n])
        pendingPos += n
        regs.lbaMid = UInt8(truncatingIfNeeded: n)
        regs.lbaHigh = UInt8(truncatingIfNeeded: n >> 8)
        setInterruptReason(cod: false, io: true)
        beginDataIn(chunk) { [weak self] in
            self?.afterDelay { [weak self] in self?.nextDataBlock() }
        }
    }

    // MARK: Packet commands

    private static func be16(_ p: [UInt8], _ i: Int) -> Int { Int(p[i]) << 8 | Int(p[i + 1]) }
    private static func be32(_ p: [UInt8], _ i: Int) -> UInt64 {
        UInt64(p[i]) << 24 | UInt64(p[i + 1]) << 16 | UInt64(p[i + 2]) << 8 | UInt64(p[i + 3])
    }
    private static func bytes32(_ v: UInt64) -> [UInt8] {
        [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
         UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    private func runPacket() {
        let cdb = buffer.count >= 12 ? buffer : buffer + [UInt8](repeating: 0, count: 12 - buffer.count)
        let op = cdb[0]
        status = ATAReg.bsy
        // The sense data describe the previous command until it is fetched or a new
        // command (other than REQUEST SENSE) runs.
        if op != 0x03 { senseKey = 0; asc = 0; ascq = 0 }
        // UNIT ATTENTION once after a medium change, except for commands that never
        // report it (MMC-3 unit attention rules: INQUIRY, REQUEST SENSE, GET CONFIGURATION, GET EVENT).
        if mediumChanged && ![0x12, 0x03, 0x46, 0x4A].contains(op) {
            mediumChanged = false
            checkCondition(0x06, 0x28)                           // NOT READY TO READY CHANGE
            return
        }
        afterDelay { [weak self] in self?.dispatch(cdb) }
    }

    private func dispatch(_ cdb: [UInt8]) {
        switch cdb[0] {
        case 0x00:                                               // TEST UNIT READY
            if image == nil { checkCondition(0x02, 0x3A) } else { finishPacket() }
        case 0x03:                                               // REQUEST SENSE
            let data = senseData()
            senseKey = 0; asc = 0; ascq = 0
            sendData(data, allocation: Int(cdb[4]))
        case 0x12:                                               // INQUIRY
            if cdb[1] & 0x01 != 0 { checkCondition(0x05, 0x24); return }   // no vital product data
            sendData(inquiryData(), allocation: Self.be16(cdb, 3))
        case 0x1B: startStopUnit(cdb)
        case 0x1E:                                               // PREVENT ALLOW MEDIUM REMOVAL
            locked = cdb[4] & 0x01 != 0
            finishPacket()
        case 0x25:                                               // READ CAPACITY
            guard image != nil else { checkCondition(0x02, 0x3A); return }
            sendData(Self.bytes32(max(blockCount, 1) - 1) + Self.bytes32(UInt64(Self.blockSize)), allocation: 8)
        case 0x28: read(lba: Self.be32(cdb, 2), count: UInt64(Self.be16(cdb, 7)))       // READ(10)
        case 0xA8: read(lba: Self.be32(cdb, 2), count: Self.be32(cdb, 6))               // READ(12)
        case 0x43: readTOC(cdb)
        case 0x5A: modeSense(cdb)                                // MODE SENSE(10)
        case 0x46: getConfiguration(cdb)
        case 0x4A: getEventStatus(cdb)
        default: checkCondition(0x05, 0x20)                      // INVALID COMMAND OPERATION CODE
        }
    }

    /// Fixed-format sense data (SPC-2 REQUEST SENSE), 18 bytes.
    private func senseData() -> [UInt8] {
        var d = [UInt8](repeating: 0, count: 18)
        d[0] = 0x70                                              // current error, fixed format
        d[2] = senseKey
        d[7] = 10                                                // additional sense length
        d[12] = asc
        d[13] = ascq
        return d
    }

    /// Standard INQUIRY data (SPC-2 and SFF-8020i INQUIRY): CD-ROM, removable.
    private func inquiryData() -> [UInt8] {
        var d = [UInt8](repeating: 0x20, count: 36)
        d[0] = 0x05                                              // peripheral device type: CD/DVD
        d[1] = 0x80                                              // RMB: removable medium
        d[2] = 0x00                                              // no SCSI version claimed (ATAPI)
        d[3] = 0x21                                              // ATAPI version 2, response format 1
        d[4] = 31                                                // additional length (36 - 5)
        d[5] = 0; d[6] = 0; d[7] = 0
        func put(_ s: String, _ at: Int, _ len: Int) {
            for (i, b) in s.utf8.prefix(len).enumerated() { d[at + i] = b }
        }
        put("PCEMU", 8, 8)
        put(model, 16, 16)
        put(firmware, 32, 4)
        return d
    }

    /// START STOP UNIT (MMC-3): LoEj = 1, Start = 0 ejects, unless PREVENT
    /// ALLOW MEDIUM REMOVAL locked the tray (ILLEGAL REQUEST, MEDIUM REMOVAL PREVENTED).
    private func startStopUnit(_ cdb: [UInt8]) {
        let loej = cdb[4] & 0x02 != 0, start = cdb[4] & 0x01 != 0
        if loej && !start {
            if locked { checkCondition(0x05, 0x53, 0x02); return }
            image = nil
        }
        finishPacket()
    }

    /// READ(10)/READ(12) (MMC-3): 2048-byte blocks; past the end is
    /// ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE (21h).
    private func read(lba: UInt64, count: UInt64) {
        guard image != nil else { checkCondition(0x02, 0x3A); return }
        guard lba &+ count <= blockCount, lba <= blockCount else { checkCondition(0x05, 0x21); return }
        pending = []
        pendingPos = 0
        readLBA = lba
        readBlocksLeft = count
        nextDataBlock()
    }

    /// READ TOC/PMA/ATIP (MMC-3) for a single data track starting at LBA 0.
    /// Format 0: the TOC (track 1 and lead-out AAh); format 1: session information.
    private func readTOC(_ cdb: [UInt8]) {
        guard image != nil else { checkCondition(0x02, 0x3A); return }
        let msf = cdb[1] & 0x02 != 0
        var format = cdb[2] & 0x0F
        if format == 0 { format = cdb[9] >> 6 }                  // SFF-8020i placed it in byte 9
        let startTrack = cdb[6]
        let allocation = Self.be16(cdb, 7)
        func address(_ lba: UInt64) -> [UInt8] {
            guard msf else { return Self.bytes32(lba) }
            let f = lba + 150                                    // MSF counts from 00:02:00
            return [0, UInt8(truncatingIfNeeded: f / (75 * 60)), UInt8(truncatingIfNeeded: (f / 75) % 60),
                    UInt8(truncatingIfNeeded: f % 75)]
        }
        var d: [UInt8]
        switch format {
        case 0:
            guard startTrack <= 1 || startTrack == 0xAA else { checkCondition(0x05, 0x24); return }
            d = [0, 0, 1, 1]                                     // length, first track, last track
            if startTrack <= 1 { d += [0, 0x14, 1, 0] + address(0) }   // ADR 1, control 4: data track
            d += [0, 0x14, 0xAA, 0] + address(blockCount)        // lead-out
        case 1:
            d = [0, 0, 1, 1, 0, 0x14, 1, 0] + address(0)         // first/last session, track 1
        default:
            checkCondition(0x05, 0x24); return
        }
        let length = d.count - 2
        d[0] = UInt8(length >> 8); d[1] = UInt8(length & 0xFF)
        sendData(d, allocation: allocation)
    }

    /// MODE SENSE(10) (SPC-2; MMC-3 mode pages). Changeable values come
    /// back as all zeros (nothing is changeable); saved values are not supported.
    private func modeSense(_ cdb: [UInt8]) {
        let pc = cdb[2] >> 6
        let page = cdb[2] & 0x3F
        let allocation = Self.be16(cdb, 7)
        if pc == 3 { checkCondition(0x05, 0x39); return }       // SAVING PARAMETERS NOT SUPPORTED
        var pages: [[UInt8]] = []
        func add(_ code: UInt8, _ p: [UInt8]) {
            if page == code || page == 0x3F { pages.append(p) }
        }
        add(0x01, [0x01, 0x06, 0x00, 0x05, 0, 0, 0, 0])         // read error recovery, 5 retries
        add(0x0D, [0x0D, 0x06, 0x00, 0x00, 0x00, 60, 0x00, 75]) // CD parameters: S/M, F/S
        var caps = [UInt8](repeating: 0, count: 20)              // CD capabilities and mechanical status
        caps[0] = 0x2A; caps[1] = 0x12
        caps[6] = 0x29 | (locked ? 0x02 : 0)                     // tray loader, eject, lock supported
        caps[8] = 0x02; caps[9] = 0xC2                           // max speed 706 kB/s (4x)
        caps[12] = 0x02; caps[13] = 0x00                         // 512 KiB buffer
        caps[14] = 0x02; caps[15] = 0xC2                         // current speed
        add(0x2A, caps)
        if pages.isEmpty { checkCondition(0x05, 0x24); return }  // INVALID FIELD IN CDB
        if pc == 1 { pages = pages.map { p in [p[0], p[1]] + [UInt8](repeating: 0, count: p.count - 2) } }
        var d: [UInt8] = [0, 0, image == nil ? 0x70 : 0x01, 0, 0, 0, 0, 0]   // medium type; no block descriptors
        for p in pages { d += p }
        let length = d.count - 2
        d[0] = UInt8(length >> 8); d[1] = UInt8(length & 0xFF)
        sendData(d, allocation: allocation)
    }

    /// GET CONFIGURATION (MMC-3): the feature header with the current profile
    /// (0008h CD-ROM when a medium is present), the profile list and the core feature.
    private func getConfiguration(_ cdb: [UInt8]) {
        let rt = cdb[1] & 0x03
        let start = Self.be16(cdb, 2)
        let allocation = Self.be16(cdb, 7)
        let current: UInt8 = image == nil ? 0 : 1
        let features: [(Int, [UInt8])] = [
            (0x0000, [0x00, 0x00, 0x03, 0x04, 0x00, 0x08, current, 0x00]),        // profile list: CD-ROM
            (0x0001, [0x00, 0x01, 0x0B, 0x08, 0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0]), // core: ATAPI
        ]
        var d: [UInt8] = [0, 0, 0, 0, 0, 0, 0, image == nil ? 0 : 0x08]
        for (code, f) in features where rt == 2 ? code == start : code >= start { d += f }
        let length = UInt64(d.count - 4)
        d.replaceSubrange(0..<4, with: Self.bytes32(length))
        sendData(d, allocation: allocation)
    }

    /// GET EVENT STATUS NOTIFICATION (MMC-3), polled only, media class only.
    private func getEventStatus(_ cdb: [UInt8]) {
        guard cdb[1] & 0x01 != 0 else { checkCondition(0x05, 0x24); return }   // asynchronous: no
        let allocation = Self.be16(cdb, 7)
        if cdb[4] & 0x10 != 0 {
            sendData([0, 6, 0x04, 0x10, 0x00, image == nil ? 0x00 : 0x02, 0, 0], allocation: allocation)
        } else {
            sendData([0, 2, 0x80, 0x10], allocation: allocation)   // no event available
        }
    }

    // MARK: IDENTIFY PACKET DEVICE (ATA-6 IDENTIFY PACKET DEVICE word table)

    func identifyPacketData() -> [UInt8] {
        var w = [UInt16](repeating: 0, count: 256)
        // ATAPI (10b), CD-ROM (05h), removable, accelerated DRQ (10b), 12-byte packets.
        w[0] = 0x8000 | 0x0500 | 0x0080 | 0x0040
        Self.putString(serial, into: &w, at: 10, words: 10)
        Self.putString(firmware, into: &w, at: 23, words: 4)
        Self.putString(model, into: &w, at: 27, words: 20)
        w[49] = 0x0200                                           // LBA; no DMA
        w[50] = 0x4000
        w[53] = 0x0002                                           // words 64-70 valid
        w[64] = 0x0003
        w[65] = 120; w[66] = 120; w[67] = 120; w[68] = 120
        w[80] = 0x007E
        w[82] = 0x0010                                           // PACKET feature set
        w[83] = 0x4000
        w[84] = 0x4000
        w[85] = 0x0010
        w[87] = 0x4000
        return Self.identifyBytes(w)
    }
}
