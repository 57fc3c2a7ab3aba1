import Foundation
import Testing
@testable import Chipset

/// Builds ISO 9660 images with xorriso (as mkisofs) or genisoimage, whichever exists.
enum ATATestISO {
    static let tool: (path: String, args: [String])? = {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] {
            if FileManager.default.isExecutableFile(atPath: dir + "/xorriso") { return (dir + "/xorriso", ["-as", "mkisofs"]) }
            if FileManager.default.isExecutableFile(atPath: dir + "/genisoimage") { return (dir + "/genisoimage", []) }
            if FileManager.default.isExecutableFile(atPath: dir + "/mkisofs") { return (dir + "/mkisofs", []) }
        }
        return nil
    }()

    static let fileContent: [UInt8] = (0..<5000).map { i in
        Array("pcemu ATAPI test file, line \(i / 50)\n".utf8)[i % 30]
    }

    /// An ISO with one file, HELLO.TXT, holding `fileContent`; nil when no tool exists.
    static func build(in files: ATATestFiles) throws -> String? {
        guard let tool else { return nil }
        let root = files.dir.appendingPathComponent("isoroot")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("HELLO.TXT").path, contents: Data(fileContent))
        let iso = files.path("test.iso")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool.path)
        p.arguments = tool.args + ["-quiet", "-V", "PCEMUTEST", "-o", iso, root.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? iso : nil
    }
}

extension ATATestRig {
    struct PacketResult {
        var data: [UInt8] = []
        var status: UInt8 = 0
        var error: UInt8 = 0
        var blocks: [Int] = []      // byte count of each DRQ block
        var interrupts = 0
    }

    /// Issues PACKET with `cdb` to the master of this channel and runs the PIO data-in
    /// protocol to the status phase, checking the Interrupt Reason at every step.
    func packet(_ cdb: [UInt8], limit: UInt16 = 0xFFFE) -> PacketResult {
        var r = PacketResult()
        let edges0 = edges
        out(6, 0xA0)
        out(1, 0)
        out(4, UInt8(limit & 0xFF)); out(5, UInt8(limit >> 8))
        out(7, 0xA0)
        #expect(altStatus & 0x08 != 0)                // DRQ for the packet
        #expect(inb(2) & 0x03 == 0x01)                // CoD = 1, IO = 0
        writeWords(cdb + [UInt8](repeating: 0, count: max(0, 12 - cdb.count)))
        var guardCount = 0
        while guardCount < 10_000 {
            guardCount += 1
            let s = status
            if s & 0x08 == 0 { r.status = s; break }
            #expect(inb(2) & 0x03 == 0x02)            // data to host: CoD = 0, IO = 1
            let n = Int(inb(4)) | Int(inb(5)) << 8
            r.blocks.append(n)
            r.data += readWords((n + 1) / 2).prefix(n)
        }
        #expect(inb(2) & 0x03 == 0x03)                // status phase: CoD = 1, IO = 1
        r.error = error
        r.interrupts = edges - edges0
        return r
    }

    static func read10(_ lba: UInt32, _ count: UInt16) -> [UInt8] {
        [0x28, 0, UInt8(lba >> 24), UInt8((lba >> 16) & 0xFF), UInt8((lba >> 8) & 0xFF), UInt8(lba & 0xFF),
         0, UInt8(count >> 8), UInt8(count & 0xFF), 0, 0, 0]
    }
}

@Suite struct ATAPICDROMTests {
    private func rigWithISO(_ f: ATATestFiles) throws -> (ATATestRig, ATAPICDROM, String)? {
        guard let iso = try ATATestISO.build(in: f) else { return nil }
        let cd = ATAPICDROM(image: try DiskImage(path: iso, mode: .readOnly))
        let rig = ATATestRig(secondary: true)
        rig.channel.connect(cd, at: .master)
        return (rig, cd, iso)
    }

    /// scripts/install-deps installs xorriso, so this test runs (and can fail) in CI; without an
    /// ISO tool it fails rather than skipping silently.
    @Test func readsAnISOBuiltByMkisofs() throws {
        try #require(ATATestISO.tool != nil, "neither xorriso nor genisoimage is installed (scripts/install-deps installs xorriso)")
        let f = ATATestFiles()
        let made = try rigWithISO(f)
        try #require(made != nil, "the ISO tool failed")
        let (rig, cd, iso) = made!
        let isoBytes = ATATestFiles.contents(iso)

        // INQUIRY: CD-ROM, removable.
        let inq = rig.packet([0x12, 0, 0, 0, 36, 0])
        #expect(inq.status == 0x50)
        #expect(inq.data.count == 36)
        #expect(inq.data[0] == 0x05 && inq.data[1] & 0x80 != 0)
        #expect(String(decoding: inq.data[8..<13], as: UTF8.self) == "PCEMU")

        // READ CAPACITY: last LBA and 2048-byte blocks.
        let cap = rig.packet([0x25])
        let lastLBA = Int(cap.data[0]) << 24 | Int(cap.data[1]) << 16 | Int(cap.data[2]) << 8 | Int(cap.data[3])
        #expect(lastLBA == isoBytes.count / 2048 - 1)
        #expect(Array(cap.data[4..<8]) == [0, 0, 8, 0])
        #expect(cd.blockCount == UInt64(isoBytes.count / 2048))

        // READ(10) of sector 16: the primary volume descriptor, "CD001" at offset 1.
        let pvd = rig.packet(ATATestRig.read10(16, 1))
        #expect(pvd.data.count == 2048)
        #expect(pvd.data[0] == 1)
        #expect(String(decoding: pvd.data[1..<6], as: UTF8.self) == "CD001")
        #expect(pvd.interrupts == 2)                   // one data block, then status
        #expect(pvd.data == Array(isoBytes[16 * 2048 ..< 17 * 2048]))

        // Walk the root directory (record at PVD offset 156) to HELLO.TXT and read it.
        let rootLBA = UInt32(pvd.data[158]) | UInt32(pvd.data[159]) << 8 | UInt32(pvd.data[160]) << 16 | UInt32(pvd.data[161]) << 24
        let dir = rig.packet(ATATestRig.read10(rootLBA, 1)).data
        var fileLBA: UInt32?, fileSize = 0
        var off = 0
        while off < dir.count, dir[off] != 0 {
            let len = Int(dir[off])
            let nameLen = Int(dir[off + 32])
            let name = String(decoding: dir[off + 33 ..< off + 33 + nameLen], as: UTF8.self)
            if name.uppercased().hasPrefix("HELLO.TXT") {
                fileLBA = UInt32(dir[off + 2]) | UInt32(dir[off + 3]) << 8 | UInt32(dir[off + 4]) << 16 | UInt32(dir[off + 5]) << 24
                fileSize = Int(dir[off + 10]) | Int(dir[off + 11]) << 8 | Int(dir[off + 12]) << 16 | Int(dir[off + 13]) << 24
            }
            off += len
        }
        let lba = try #require(fileLBA)
        #expect(fileSize == ATATestISO.fileContent.count)
        let file = rig.packet(ATATestRig.read10(lba, 3))
        #expect(Array(file.data.prefix(fileSize)) == ATATestISO.fileContent)

        // READ(12) of the same blocks, with a byte count limit of one block: three DRQ
        // blocks, each announced by an interrupt, then the status interrupt.
        let r12 = rig.packet([0xA8, 0, UInt8(lba >> 24), UInt8((lba >> 16) & 0xFF), UInt8((lba >> 8) & 0xFF),
                              UInt8(lba & 0xFF), 0, 0, 0, 3, 0, 0], limit: 2048)
        #expect(r12.blocks == [2048, 2048, 2048])
        #expect(r12.interrupts == 4)
        #expect(r12.data == file.data)

        // READ TOC format 0: track 1 at LBA 0 and the lead-out at the capacity.
        let toc = rig.packet([0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0])
        #expect(toc.data.count == 20)
        #expect(Array(toc.data[0..<4]) == [0, 18, 1, 1])
        #expect(Array(toc.data[4..<12]) == [0, 0x14, 1, 0, 0, 0, 0, 0])
        let leadOut = Int(toc.data[16]) << 24 | Int(toc.data[17]) << 16 | Int(toc.data[18]) << 8 | Int(toc.data[19])
        #expect(toc.data[6 + 8] == 0xAA && leadOut == lastLBA + 1)
        // The same in MSF: the lead-out at (LBA + 150) frames.
        let tocMSF = rig.packet([0x43, 0x02, 0, 0, 0, 0, 0, 0, 100, 0])
        let frames = lastLBA + 1 + 150
        #expect(Array(tocMSF.data[16..<20]) == [0, UInt8(frames / 4500), UInt8((frames / 75) % 60), UInt8(frames % 75)])
        #expect(Array(tocMSF.data[8..<12]) == [0, 0, 2, 0])

        // A read past the end: ILLEGAL REQUEST, LBA OUT OF RANGE.
        let bad = rig.packet(ATATestRig.read10(UInt32(lastLBA), 2))
        #expect(bad.status & 0x01 != 0)
        #expect(bad.error >> 4 == 0x05)
        let sense = rig.packet([0x03, 0, 0, 0, 18, 0])
        #expect(sense.data[0] == 0x70 && sense.data[2] == 0x05 && sense.data[12] == 0x21)
    }

    @Test func identifyPacketDeviceAndSignature() {
        let rig = ATATestRig(secondary: true)
        rig.channel.connect(ATAPICDROM(image: nil), at: .master)
        #expect(rig.inb(4) == 0x14 && rig.inb(5) == 0xEB)
        #expect(rig.status == 0x00)
        // IDENTIFY DEVICE is aborted, leaving the packet signature.
        rig.out(6, 0xA0); rig.out(4, 0); rig.out(5, 0); rig.out(7, 0xEC)
        #expect(rig.status == 0x51 && rig.error == 0x04)
        #expect(rig.inb(4) == 0x14 && rig.inb(5) == 0xEB)
        rig.out(7, 0xA1)
        let raw = rig.pioIn(sectors: 1)
        let w = (0..<256).map { UInt16(raw[2 * $0]) | UInt16(raw[2 * $0 + 1]) << 8 }
        #expect(w[0] == 0x85C0)                        // ATAPI, CD-ROM, removable, 12-byte packets
        #expect(ATATestRig.ataString(w, 27, 20).hasPrefix("PCEMU CD-ROM "))
        #expect(w[82] & 0x0010 != 0)
        #expect(raw.reduce(UInt8(0), &+) == 0)
    }

    @Test func senseAfterErrorsWithoutAMedium() {
        let rig = ATATestRig(secondary: true)
        let cd = ATAPICDROM(image: nil)
        rig.channel.connect(cd, at: .master)

        // An unknown opcode: CHECK CONDITION, Error = sense key 5 << 4 | ABRT.
        let bad = rig.packet([0xFF])
        #expect(bad.status == 0x51)
        #expect(bad.error == 0x54)
        #expect(bad.interrupts == 1)
        let s1 = rig.packet([0x03, 0, 0, 0, 18, 0])
        #expect(s1.status == 0x50)
        #expect(s1.data.count == 18)
        #expect(s1.data[2] == 0x05 && s1.data[12] == 0x20 && s1.data[7] == 10)
        // Fetched sense is cleared.
        #expect(rig.packet([0x03, 0, 0, 0, 18, 0]).data[2] == 0x00)

        // No medium: NOT READY, MEDIUM NOT PRESENT (02/3A).
        let tur = rig.packet([0x00])
        #expect(tur.status == 0x51 && tur.error >> 4 == 0x02)
        #expect(rig.packet([0x03, 0, 0, 0, 18, 0]).data[12] == 0x3A)
        // A short allocation length cuts the data.
        #expect(rig.packet([0x03, 0, 0, 0, 8, 0]).data.count == 8)
    }

    @Test func modeSenseConfigurationAndLocking() throws {
        let f = ATATestFiles()
        let img = f.image("fake.iso", sectors: 4 * 40)    // 40 blocks of 2048 bytes
        let rig = ATATestRig(secondary: true)
        let cd = ATAPICDROM(image: try DiskImage(path: img, mode: .readOnly))
        rig.channel.connect(cd, at: .master)

        let ms = rig.packet([0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 64, 0])
        #expect(ms.status == 0x50)
        #expect(ms.data.count == 28)
        #expect(Int(ms.data[0]) << 8 | Int(ms.data[1]) == 26)
        #expect(ms.data[8] == 0x2A && ms.data[9] == 0x12)
        #expect(ms.data[14] & 0x01 != 0)               // lock supported
        let bad = rig.packet([0x5A, 0, 0x30, 0, 0, 0, 0, 0, 64, 0])
        #expect(bad.error >> 4 == 0x05)

        let gc = rig.packet([0x46, 0, 0, 0, 0, 0, 0, 0, 64, 0])
        #expect(gc.status == 0x50)
        #expect(Array(gc.data[6..<8]) == [0, 0x08])     // current profile: CD-ROM
        #expect(Array(gc.data[12..<14]) == [0, 0x08])

        // READ(10) of a known image block.
        let blk = rig.packet(ATATestRig.read10(3, 1))
        #expect(blk.data == (12..<16).flatMap { ATATestFiles.pattern(UInt64($0)) })

        // PREVENT MEDIUM REMOVAL, then eject: refused with 05/53/02.
        #expect(rig.packet([0x1E, 0, 0, 0, 1, 0]).status == 0x50)
        let ej = rig.packet([0x1B, 0, 0, 0, 0x02, 0])
        #expect(ej.status == 0x51)
        let s = rig.packet([0x03, 0, 0, 0, 18, 0]).data
        #expect(s[2] == 0x05 && s[12] == 0x53 && s[13] == 0x02)
        #expect(rig.packet([0x1E, 0, 0, 0, 0, 0]).status == 0x50)
        #expect(rig.packet([0x1B, 0, 0, 0, 0x02, 0]).status == 0x50)
        #expect(cd.image == nil)
        #expect(rig.packet([0x25]).error >> 4 == 0x02)   // no medium now
    }
}
