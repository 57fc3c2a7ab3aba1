import Foundation
import Testing
@testable import Chipset

/// A primary ATA channel on its own I/O bus, driven the way a guest driver would.
final class ATATestRig {
    final class Clock { var t: UInt64 = 0 }
    let clock = Clock()
    let scheduler: Scheduler
    let irqs = IRQRecorder()
    let bus = IOPortBus()
    let channel: ATAChannel
    let base: UInt16
    let control: UInt16

    init(secondary: Bool = false) {
        let c = clock
        scheduler = Scheduler(cyclesPerSecond: 33_000_000) { c.t }
        channel = secondary ? .secondary(scheduler: scheduler, irqLines: irqs)
                            : .primary(scheduler: scheduler, irqLines: irqs)
        base = channel.commandBase
        control = channel.controlPort
        channel.attach(to: bus)
    }

    var irq: Int { channel.irq }
    var irqHigh: Bool { irqs.levels[irq] }
    var edges: Int { irqs.raised.count }

    func out(_ reg: UInt16, _ v: UInt8) { bus.writePort(base + reg, size: 1, value: UInt32(v)) }
    func inb(_ reg: UInt16) -> UInt8 { UInt8(truncatingIfNeeded: bus.readPort(base + reg, size: 1)) }
    var status: UInt8 { inb(7) }
    var altStatus: UInt8 { UInt8(truncatingIfNeeded: bus.readPort(control, size: 1)) }
    var error: UInt8 { inb(1) }
    func deviceControl(_ v: UInt8) { bus.writePort(control, size: 1, value: UInt32(v)) }

    func readWords(_ n: Int) -> [UInt8] {
        var out = [UInt8]()
        for _ in 0..<n {
            let w = bus.readPort(base, size: 2)
            out.append(UInt8(w & 0xFF)); out.append(UInt8(w >> 8))
        }
        return out
    }

    func writeWords(_ bytes: [UInt8]) {
        var i = 0
        while i < bytes.count {
            let lo = UInt32(bytes[i]), hi = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            bus.writePort(base, size: 2, value: lo | hi << 8)
            i += 2
        }
    }

    /// LBA28 task file + command.
    func command28(_ cmd: UInt8, lba: UInt32, count: UInt8, slave: Bool = false) {
        out(6, 0xE0 | (slave ? 0x10 : 0) | UInt8((lba >> 24) & 0x0F))
        out(2, count)
        out(3, UInt8(lba & 0xFF)); out(4, UInt8((lba >> 8) & 0xFF)); out(5, UInt8((lba >> 16) & 0xFF))
        out(7, cmd)
    }

    /// LBA48 task file (high bytes first, as ATA-6 §6.2.2 requires) + command.
    func command48(_ cmd: UInt8, lba: UInt64, count: UInt16) {
        out(6, 0x40)
        out(2, UInt8(count >> 8)); out(2, UInt8(count & 0xFF))
        out(3, UInt8((lba >> 24) & 0xFF)); out(3, UInt8(lba & 0xFF))
        out(4, UInt8((lba >> 32) & 0xFF)); out(4, UInt8((lba >> 8) & 0xFF))
        out(5, UInt8((lba >> 40) & 0xFF)); out(5, UInt8((lba >> 16) & 0xFF))
        out(7, cmd)
    }

    /// Reads PIO data-in blocks as an interrupt-driven driver would: wait for DRQ,
    /// acknowledge by reading Status, move the block.
    func pioIn(sectors: Int, block: Int = 1) -> [UInt8] {
        var out = [UInt8]()
        var left = sectors
        while left > 0 {
            let s = status
            guard s & 0x08 != 0, s & 0x01 == 0 else { break }
            let n = min(block, left)
            out += readWords(256 * n)
            left -= n
        }
        return out
    }

    func pioOut(_ data: [UInt8], block: Int = 1) {
        var i = 0
        while i < data.count {
            let s = status
            guard s & 0x08 != 0 else { break }
            let n = min(block * 512, data.count - i)
            writeWords(Array(data[i ..< i + n]))
            i += n
        }
    }

    func identify(slave: Bool = false) -> [UInt16] {
        out(6, slave ? 0xB0 : 0xA0)
        out(7, 0xEC)
        let bytes = pioIn(sectors: 1)
        return (0..<bytes.count / 2).map { UInt16(bytes[2 * $0]) | UInt16(bytes[2 * $0 + 1]) << 8 }
    }

    /// An ATA string from IDENTIFY words (first character in the high byte).
    static func ataString(_ w: [UInt16], _ from: Int, _ count: Int) -> String {
        var b = [UInt8]()
        for i in from ..< from + count { b.append(UInt8(w[i] >> 8)); b.append(UInt8(w[i] & 0xFF)) }
        return String(decoding: b, as: UTF8.self)
    }
}

@Suite struct ATAControllerTests {
    private func rigWithDisk(_ files: ATATestFiles, sectors: Int = 8192,
                             mode: DiskImage.Mode = .readWrite) throws -> (ATATestRig, ATAHardDisk, String) {
        let path = files.image("hd.img", sectors: sectors)
        let disk = ATAHardDisk(image: try DiskImage(path: path, mode: mode))
        let rig = ATATestRig()
        rig.channel.connect(disk, at: .master)
        return (rig, disk, path)
    }

    @Test func identifyDeviceWords() throws {
        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f)             // 8192 sectors = 4 MiB
        rig.out(6, 0xA0)
        rig.out(7, 0xEC)
        #expect(rig.altStatus == 0x58)                    // DRDY DSC DRQ
        #expect(rig.irqHigh)
        let raw = rig.pioIn(sectors: 1)
        #expect(raw.count == 512)
        #expect(rig.status == 0x50)
        let w = (0..<256).map { UInt16(raw[2 * $0]) | UInt16(raw[2 * $0 + 1]) << 8 }
        #expect(w[0] == 0x0040)                           // ATA, fixed
        #expect(w[1] == 8 && w[3] == 16 && w[6] == 63)    // 8 x 16 x 63 default CHS
        #expect(w[4] == 512 * 63 && w[5] == 512)          // ATA-1 bytes per track / sector (the Bochs BIOS reads word 5)
        // Strings: the first character sits in the high byte, so the raw byte stream is
        // pair-swapped ("CP" "ME" "U " ...).
        #expect(Array(raw[54..<60]) == Array("CPME U".utf8))
        #expect(ATATestRig.ataString(w, 27, 20) == "PCEMU HARDDISK" + String(repeating: " ", count: 26))
        #expect(ATATestRig.ataString(w, 10, 10).hasPrefix("PCEMU-HD-0001"))
        #expect(ATATestRig.ataString(w, 10, 10).count == 20)
        #expect(ATATestRig.ataString(w, 23, 4) == "1.0     ")
        #expect(w[47] == 0x8010)                          // max 16 sectors per block
        #expect(w[49] & 0x0200 != 0 && w[49] & 0x0100 == 0)   // LBA yes, DMA no
        #expect(w[53] & 0x0001 != 0)
        #expect(w[54] == 8 && w[55] == 16 && w[56] == 63)
        #expect(UInt32(w[57]) | UInt32(w[58]) << 16 == 8 * 16 * 63)
        #expect(w[59] == 0)                               // multiple mode not yet set
        #expect(UInt32(w[60]) | UInt32(w[61]) << 16 == 8192)
        #expect(w[80] & 0x0040 != 0)                      // ATA-6
        #expect(w[83] & 0x0400 != 0 && w[86] & 0x0400 != 0)   // LBA48 supported and enabled
        #expect(w[83] & 0xC000 == 0x4000)
        let lba48 = UInt64(w[100]) | UInt64(w[101]) << 16 | UInt64(w[102]) << 32 | UInt64(w[103]) << 48
        #expect(lba48 == 8192)
        #expect(raw[510] == 0xA5)                         // integrity word: signature + checksum
        #expect(raw.reduce(UInt8(0), &+) == 0)
    }

    @Test func identifyThroughThe32BitDataPort() throws {
        let f = ATATestFiles()
        let (rig, disk, _) = try rigWithDisk(f)
        rig.out(6, 0xA0)
        rig.out(7, 0xEC)
        var raw = [UInt8]()
        for _ in 0..<128 {
            let d = rig.bus.readPort(0x1F0, size: 4)
            for k in 0..<4 { raw.append(UInt8(truncatingIfNeeded: d >> (8 * UInt32(k)))) }
        }
        #expect(raw == disk.identifyData())
        #expect(rig.altStatus & 0x08 == 0)
    }

    @Test func lba28ReadOfAKnownSector() throws {
        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f)
        rig.command28(0x20, lba: 4000, count: 1)
        let data = rig.pioIn(sectors: 1)
        #expect(data == ATATestFiles.pattern(4000))
        #expect(rig.status == 0x50)
        #expect(rig.edges == 1)
        // The registers are left at the last sector transferred.
        #expect(rig.inb(3) == UInt8(4000 & 0xFF) && rig.inb(4) == UInt8(4000 >> 8))
    }

    @Test func chsReadInDefaultAndInitializedGeometry() throws {
        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f)
        // C=1 H=2 S=5 in 16 heads x 63 sectors: LBA (1*16+2)*63+4 = 1138.
        rig.out(6, 0xA2); rig.out(2, 1); rig.out(3, 5); rig.out(4, 1); rig.out(5, 0)
        rig.out(7, 0x20)
        #expect(rig.pioIn(sectors: 1) == ATATestFiles.pattern(1138))

        // INITIALIZE DEVICE PARAMETERS: 4 heads, 32 sectors -> 8192/128 = 64 cylinders.
        rig.out(6, 0xA3); rig.out(2, 32); rig.out(7, 0x91)
        #expect(rig.status == 0x50)
        let w = rig.identify()
        #expect(w[54] == 64 && w[55] == 4 && w[56] == 32)
        #expect(UInt32(w[57]) | UInt32(w[58]) << 16 == 8192)
        #expect(w[1] == 8 && w[3] == 16 && w[6] == 63)    // the default translation is unchanged
        // C=2 H=1 S=1 -> (2*4+1)*32 = 288.
        rig.out(6, 0xA1); rig.out(2, 1); rig.out(3, 1); rig.out(4, 2); rig.out(5, 0)
        rig.out(7, 0x20)
        #expect(rig.pioIn(sectors: 1) == ATATestFiles.pattern(288))
        // Sector 0 and a head beyond the translation do not exist: IDNF.
        rig.out(6, 0xA0); rig.out(3, 0); rig.out(7, 0x20)
        #expect(rig.status == 0x51 && rig.error == 0x10)
        rig.out(6, 0xA4); rig.out(3, 1); rig.out(7, 0x20)
        #expect(rig.status == 0x51 && rig.error == 0x10)
    }

    @Test func readMultipleInterruptsOncePerBlock() throws {
        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f)
        // READ MULTIPLE before SET MULTIPLE MODE is aborted.
        rig.command28(0xC4, lba: 0, count: 1)
        #expect(rig.status == 0x51 && rig.error == 0x04)
        rig.out(2, 4); rig.out(7, 0xC6)
        #expect(rig.status == 0x50)
        // A block size that is not a power of two is refused and the old one kept.
        rig.out(2, 3); rig.out(7, 0xC6)
        #expect(rig.status == 0x51 && rig.error == 0x04)
        #expect(rig.identify()[59] == 0x0104)
        let before = rig.edges
        rig.command28(0xC4, lba: 20, count: 10)           // blocks of 4, 4, 2
        let data = rig.pioIn(sectors: 10, block: 4)
        #expect(data == (20..<30).flatMap { ATATestFiles.pattern(UInt64($0)) })
        #expect(rig.edges - before == 3)
        #expect(rig.status == 0x50)
        #expect(rig.inb(2) == 0)                          // no sectors left
    }

    @Test func writeSectorsAndWriteMultipleInterrupts() throws {
        let f = ATATestFiles()
        let (rig, disk, path) = try rigWithDisk(f)
        let data = (0..<3 * 512).map { UInt8(truncatingIfNeeded: $0 * 3 + 1) }
        rig.command28(0x30, lba: 100, count: 3)
        #expect(rig.altStatus == 0x58)
        #expect(rig.edges == 0)                           // no interrupt before the first block
        rig.pioOut(data)
        #expect(rig.edges == 3)                           // after blocks 1, 2 and at completion
        #expect(rig.status == 0x50)

        rig.out(2, 2); rig.out(7, 0xC6)
        _ = rig.status
        let before = rig.edges
        let data2 = (0..<4 * 512).map { UInt8(truncatingIfNeeded: $0 ^ 0x5A) }
        rig.command28(0xC5, lba: 200, count: 4)
        rig.pioOut(data2, block: 2)
        #expect(rig.edges - before == 2)
        _ = rig.status

        // FLUSH CACHE completes with an interrupt; the data are in the file.
        rig.out(7, 0xE7)
        #expect(rig.status == 0x50)
        disk.image.close()
        let file = ATATestFiles.contents(path)
        #expect(Array(file[100 * 512 ..< 103 * 512]) == data)
        #expect(Array(file[200 * 512 ..< 204 * 512]) == data2)
        #expect(Array(file[103 * 512 ..< 104 * 512]) == ATATestFiles.pattern(103))
    }

    @Test func lba48RoundTripBeyond128GiB() throws {
        // A sparse 300 GiB image: LBA 2^29 + 3 needs 48-bit addressing.
        let f = ATATestFiles()
        let path = f.path("big.img")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let sectors: UInt64 = 300 << 21
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.truncate(atOffset: sectors * 512)
        try h.close()
        let disk = ATAHardDisk(image: try DiskImage(path: path, mode: .readWrite))
        let rig = ATATestRig()
        rig.channel.connect(disk, at: .master)

        let w = rig.identify()
        #expect(UInt32(w[60]) | UInt32(w[61]) << 16 == 0x0FFF_FFFF)
        #expect(UInt64(w[100]) | UInt64(w[101]) << 16 | UInt64(w[102]) << 32 == sectors)
        #expect(w[1] == 16383 && w[3] == 16 && w[6] == 63)

        let lba: UInt64 = (1 << 29) + 3
        let data = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 7) }
        rig.command48(0x34, lba: lba, count: 2)           // WRITE SECTORS EXT
        rig.pioOut(data)
        #expect(rig.status == 0x50)
        rig.command48(0x24, lba: lba, count: 2)           // READ SECTORS EXT
        #expect(rig.pioIn(sectors: 2) == data)
        // HOB read-back: the registers hold the last sector, bits 47:24 under HOB = 1.
        let last = lba + 1
        #expect(rig.inb(3) == UInt8(last & 0xFF))
        rig.deviceControl(0x80)
        #expect(rig.inb(3) == UInt8((last >> 24) & 0xFF))
        rig.deviceControl(0x00)
        // READ VERIFY EXT inside, then one sector past the end: IDNF.
        rig.command48(0x42, lba: sectors - 1, count: 1)
        #expect(rig.status == 0x50)
        rig.command48(0x24, lba: sectors, count: 1)
        #expect(rig.status == 0x51 && rig.error == 0x10)
        rig.command48(0x24, lba: 0xFFFF_FFFF_FFFF, count: 0)   // 65536 sectors from the top
        #expect(rig.status == 0x51 && rig.error == 0x10)
        disk.image.close()

        let fh = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        try fh.seek(toOffset: lba * 512)
        let onDisk = try fh.read(upToCount: 1024)
        try fh.close()
        #expect(onDisk.map { [UInt8]($0) } == data)
    }

    @Test func lba28BeyondASmallImageIsIDNF() throws {
        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f, sectors: 64)
        rig.command28(0x20, lba: 63, count: 2)
        #expect(rig.status == 0x51)
        #expect(rig.error == 0x10)
        #expect(rig.edges == 1)
        rig.command48(0x24, lba: 62, count: 2)            // the last two sectors via LBA48
        #expect(rig.pioIn(sectors: 2) == ATATestFiles.pattern(62) + ATATestFiles.pattern(63))
    }

    @Test func statusAlternateStatusAndNIEN() throws {
        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f)
        rig.command28(0x40, lba: 10, count: 4)            // READ VERIFY: non-data, interrupts
        #expect(rig.irqHigh)
        #expect(rig.altStatus == 0x50)
        #expect(rig.irqHigh)                              // alternate status leaves it pending
        #expect(rig.status == 0x50)
        #expect(!rig.irqHigh)                             // status acknowledges it

        rig.deviceControl(0x02)                           // nIEN
        rig.command28(0x40, lba: 10, count: 1)
        #expect(!rig.irqHigh)
        rig.deviceControl(0x00)                           // the pending interrupt shows again
        #expect(rig.irqHigh)

        // INTRQ belongs to the selected device: selecting the (absent) slave releases it,
        // and the absent slave reads status 00h.
        rig.out(6, 0xB0)
        #expect(!rig.irqHigh)
        #expect(rig.altStatus == 0x00)
        rig.out(6, 0xA0)
        #expect(rig.irqHigh)
        _ = rig.status

        // Unknown command: ABRT, with an interrupt.
        rig.out(7, 0xFF)
        #expect(rig.irqHigh)
        #expect(rig.status == 0x51 && rig.error == 0x04)
    }

    @Test func softResetPostsSignatures() throws {
        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f)
        let cd = ATAPICDROM(image: nil)
        rig.channel.connect(cd, at: .slave)
        rig.out(2, 0x55); rig.out(3, 0xAA); rig.out(6, 0xB0)
        rig.deviceControl(0x04)                           // SRST
        #expect(rig.altStatus == 0x80)                    // BSY while held in reset
        rig.deviceControl(0x00)
        #expect(rig.edges == 0)                           // no interrupt from a soft reset
        // Device 0 is selected after reset: ATA signature 01 01 00 00, diagnostic code 01.
        #expect(rig.status == 0x50)
        #expect(rig.error == 0x01)
        #expect(rig.inb(2) == 1 && rig.inb(3) == 1 && rig.inb(4) == 0 && rig.inb(5) == 0)
        #expect(rig.inb(6) & 0x10 == 0)
        // Device 1, a packet device: 01 01 14 EB and status 00h.
        rig.out(6, 0xB0)
        #expect(rig.status == 0x00)
        #expect(rig.inb(2) == 1 && rig.inb(3) == 1 && rig.inb(4) == 0x14 && rig.inb(5) == 0xEB)

        // EXECUTE DEVICE DIAGNOSTIC: same signatures, device 0 reports with an interrupt.
        rig.out(7, 0x90)
        #expect(rig.irqHigh)
        #expect(rig.error == 0x01)
        #expect(rig.status == 0x50)
    }

    @Test func emptyChannelFloatsAndHOBRegisterPairs() throws {
        let empty = ATATestRig(secondary: true)
        #expect(empty.status == 0xFF && empty.altStatus == 0xFF && empty.inb(2) == 0xFF)

        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f)
        rig.out(2, 0x12); rig.out(2, 0x34)
        #expect(rig.inb(2) == 0x34)
        rig.deviceControl(0x80)                           // HOB: the previous content
        #expect(rig.inb(2) == 0x12)
        rig.out(3, 0x99)                                  // any register write clears HOB
        #expect(rig.inb(2) == 0x34)
        // A word read of a byte register reads two consecutive registers.
        rig.out(4, 0x77)
        #expect(rig.bus.readPort(0x1F3, size: 2) == 0x7799)
    }

    @Test func completionDelayUsesTheScheduler() throws {
        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f)
        rig.channel.completionDelay = 1000
        rig.command28(0x20, lba: 7, count: 2)
        #expect(rig.altStatus == 0x80)
        #expect(!rig.irqHigh)
        rig.clock.t = 999; rig.scheduler.runDue()
        #expect(rig.altStatus == 0x80)
        rig.clock.t = 1000; rig.scheduler.runDue()
        #expect(rig.irqHigh)
        #expect(rig.status == 0x58)
        #expect(rig.readWords(256) == ATATestFiles.pattern(7))
        #expect(rig.altStatus == 0x80)                    // busy fetching the second sector
        rig.clock.t = 2000; rig.scheduler.runDue()
        #expect(rig.status == 0x58)
        #expect(rig.readWords(256) == ATATestFiles.pattern(8))
        #expect(rig.status == 0x50)
        #expect(rig.edges == 2)
    }

    @Test func snapshotDiskLeavesTheFileUntouched() throws {
        let f = ATATestFiles()
        let (rig, disk, path) = try rigWithDisk(f, sectors: 256, mode: .snapshot)
        let before = ATATestFiles.contents(path)
        let data = [UInt8](repeating: 0xC3, count: 512)
        rig.command28(0x30, lba: 9, count: 1)
        rig.pioOut(data)
        #expect(rig.status == 0x50)
        rig.out(7, 0xEA)                                  // FLUSH CACHE EXT
        #expect(rig.status == 0x50)
        rig.command28(0x20, lba: 9, count: 1)
        #expect(rig.pioIn(sectors: 1) == data)
        disk.image.close()
        #expect(ATATestFiles.contents(path) == before)
    }

    @Test func readOnlyDiskAbortsWrites() throws {
        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f, sectors: 64, mode: .readOnly)
        rig.command28(0x30, lba: 1, count: 1)
        #expect(rig.status == 0x51 && rig.error == 0x04)
        #expect(rig.altStatus & 0x08 == 0)
    }

    @Test func randomPortTrafficNeverTraps() throws {
        // Deterministic garbage on every port of the channel, with a disk (snapshot) as
        // master and a CD-ROM as slave: the devices must survive any sequence.
        let f = ATATestFiles()
        let (rig, _, _) = try rigWithDisk(f, sectors: 64, mode: .snapshot)
        let iso = f.image("cd.iso", sectors: 4 * 8)
        rig.channel.connect(ATAPICDROM(image: try DiskImage(path: iso, mode: .readOnly)), at: .slave)
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { x = x &* 6364136223846793005 &+ 1442695040888963407; return x >> 33 }
        let ports: [UInt16] = [0x1F0, 0x1F0, 0x1F0, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x3F6]
        let commands: [UInt8] = [0x20, 0x24, 0x29, 0x30, 0x34, 0x39, 0x40, 0x42, 0xC4, 0xC5, 0xC6, 0x91,
                                 0xEC, 0xA1, 0xA0, 0x90, 0x08, 0xE7, 0xEF, 0x10, 0x70]
        for _ in 0..<60_000 {
            let r = next()
            let port = ports[Int(r % UInt64(ports.count))]
            let size = [1, 2, 4][Int((r >> 8) % 3)]
            var value = UInt32(truncatingIfNeeded: next())
            if port == 0x1F7 && r & 0x10000 != 0 { value = UInt32(commands[Int((r >> 20) % UInt64(commands.count))]) }
            if port == 0x3F6 { value &= 0x86 }
            if r & 0x20000 != 0 { rig.bus.writePort(port, size: size, value: value) }
            else { _ = rig.bus.readPort(port, size: size) }
        }
        // Still answering: a soft reset brings the master back to its signature.
        rig.deviceControl(0x04); rig.deviceControl(0x00)
        #expect(rig.status == 0x50)
        #expect(rig.inb(2) == 1 && rig.inb(3) == 1)
    }
}
