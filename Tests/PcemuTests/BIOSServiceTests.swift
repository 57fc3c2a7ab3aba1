import Foundation
import Testing

/// The own BIOS's services, checked from inside a guest: bios/tests/svctest.asm (INT 10h,
/// 11h, 12h, 15h including 89h, 16h, 1Ah), mousetest.asm (INT 15h C2xxh, IRQ12),
/// disktest.asm (INT 13h on floppies and hard disks) and cdtest.asm (El Torito
/// no-emulation boot) are assembled with nasm into a temporary
/// directory, written into disk images (bios/tests/mkdisk.py: every sector from LBA 16 on
/// starts with its own LBA) or an ISO 9660 image (xorriso), and booted by pcemu with its
/// embedded BIOS (the default when there is an image to boot). Each test image prints its
/// results to port E9h (pcemu's standard output); the lines are compared with the values
/// the configuration implies (RAM size, disk geometry), computed here, not copied from a run.
/// nasm, python3 and xorriso come from scripts/install-deps.
@Suite struct BIOSServiceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A temporary directory with the three test images assembled into it.
    final class Workspace {
        let dir: URL
        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("biossvc-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        /// Runs a tool found on PATH; fails the test with its output when it does not succeed.
        func tool(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = args
            p.currentDirectoryURL = dir
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            try #require(p.terminationStatus == 0, "\(args.joined(separator: " ")) failed (scripts/install-deps installs nasm, python3 and xorriso):\n\(text)")
        }

        /// nasm -i bios/tests/ -f bin bios/tests/NAME.asm -> NAME.bin in the workspace
        /// (bios/tests on the include path: report.inc).
        func assemble(_ name: String) throws -> String {
            let out = path("\(name).bin")
            let tests = BIOSServiceTests.root.appendingPathComponent("bios/tests")
            try tool(["nasm", "-i", tests.path + "/", "-f", "bin", "-o", out, tests.appendingPathComponent("\(name).asm").path])
            return out
        }

        /// A disk image of `size` bytes booting `name` (bios/tests/mkdisk.py).
        func disk(_ name: String, size: Int) throws -> String {
            let boot = try assemble(name)
            let out = path("\(name)-\(size).img")
            try tool(["python3", BIOSServiceTests.root.appendingPathComponent("bios/tests/mkdisk.py").path, boot, out, String(size)])
            return out
        }
    }

    struct Run { let status: Int32; let lines: [String]; let stdout: String; let stderr: String }

    /// Boots pcemu headless and returns the E9h lines that start with `prefix`.
    static func boot(_ args: [String], prefix: String) throws -> Run {
        let r = try CommandLineTests.run(args + ["--headless", "--no-reboot", "--snapshot", "--max-cycles", "3000000000"])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { $0.hasPrefix(prefix) }
        return Run(status: r.status, lines: lines, stdout: r.stdout, stderr: r.stderr)
    }

    static func hex(_ v: Int, _ digits: Int) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    // MARK: svctest

    /// What svctest must print on a machine with `mib` MiB of RAM, one floppy drive, two
    /// serial ports, a PS/2 mouse and VGA, with the board's default RTC start (2026-01-01 12:00:00).
    static func svcExpected(memoryMiB mib: Int) -> [String] {
        let extKiB = (mib - 1) * 1024
        // INT 12h: 640 KiB less the 1 KiB EBDA. INT 11h: floppy (bit 0), mouse (bit 2),
        // 80x25 colour (bits 5:4 = 10b), two serial ports (bits 11:9).
        let ebda = 0xA0000 - 0x400
        var lines = [
            "SVCTEST int12 027F",
            "SVCTEST int11 0425",
            // 88h: CMOS 30h/31h, which holds at most FC00h (63 MiB) KiB.
            "SVCTEST 88h \(hex(min(extKiB, 0xFC00), 4))",
            // E801h: KiB between 1 and 16 MiB (at most 3C00h), then 64 KiB blocks above 16 MiB.
            "SVCTEST E801 \(hex(min(extKiB, 0x3C00), 4)) \(hex(max(0, mib - 16) * 16, 4))",
            "SVCTEST E820 00000000 \(hex(ebda, 8)) 01",
            "SVCTEST E820 \(hex(ebda, 8)) \(hex(0xA0000 - ebda, 8)) 02",
            "SVCTEST E820 000E0000 00020000 02",
        ]
        if mib > 1 { lines.append("SVCTEST E820 00100000 \(hex((mib - 1) << 20, 8)) 01") }
        lines += [
            "SVCTEST E820 FFFF0000 00010000 02",
            "SVCTEST C0 model FC",
            "SVCTEST time 120000",
            "SVCTEST date 20260101",
            "SVCTEST 86h 110ms = ticks 0002",       // 110 ms at 18.2 Hz
            // 87h copies through 110000h, which is RAM only with 2 MiB or more.
            mib > 1 ? "SVCTEST 87h block move ok" : "SVCTEST 87h block move FAIL",
            "SVCTEST 2402 0000",                    // 87h leaves A20 as it found it: off
            "SVCTEST int16 01 empty ok",
            "SVCTEST int16 05/11/00 ok",
            "SVCTEST int10 ok",
            // 89h (ES:SI = its GDT, BH = 20h, BL = 28h): back in protected mode at the next
            // instruction with the GDT's selectors, CF and IF clear, both PICs masked,
            // A20 on (a write through a segment based at 1 MiB leaves 0:7000h alone),
            // and IRQ0, unmasked, arrives at vector 20h only.
            "SVCTEST 89h AH 00 CF 00 CS 0030 DS 0018 ES 0020 SS 0028 IF 00",
            "SVCTEST 89h PIC masks FF FF",
            "SVCTEST 89h A20 on",
            "SVCTEST 89h IRQ0 at vector 20h ok",
            "SVCTEST done",
        ]
        return lines
    }

    @Test(arguments: [64, 16, 128, 1])
    func svctestReportsTheConfiguration(memoryMiB: Int) throws {
        let ws = try Workspace()
        let img = try ws.disk("svctest", size: 1_474_560)
        let r = try Self.boot(["--floppy", img, "--memory", String(memoryMiB)], prefix: "SVCTEST")
        #expect(r.status == 0, "exit status \(r.status): \(r.stderr)")
        #expect(r.stdout.contains("Booting from floppy A:..."), "\(r.stdout)")
        let expected = Self.svcExpected(memoryMiB: memoryMiB)
        #expect(r.lines == expected, "\(memoryMiB) MiB: got\n\(r.lines.joined(separator: "\n"))\nexpected\n\(expected.joined(separator: "\n"))")
    }

    /// The report helpers (print, nl, hex32, hex16, hex8) live once, in bios/tests/report.inc:
    /// each test image that reports through them includes it and defines none of them itself.
    @Test(arguments: ["svctest", "mousetest", "rtctest"])
    func reportHelpersComeFromReportInc(name: String) throws {
        let tests = Self.root.appendingPathComponent("bios/tests")
        let source = try String(contentsOf: tests.appendingPathComponent("\(name).asm"), encoding: .utf8)
        let lines = source.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains { $0.hasPrefix("%include \"report.inc\"") }, "\(name).asm does not include report.inc")
        let inc = try String(contentsOf: tests.appendingPathComponent("report.inc"), encoding: .utf8)
        for helper in ["print", "nl", "hex32", "hex16", "hex8"] {
            #expect(inc.split(separator: "\n").contains { $0.hasPrefix("\(helper):") }, "report.inc lacks \(helper)")
            #expect(!lines.contains { $0.hasPrefix("\(helper):") }, "\(name).asm defines its own \(helper)")
        }
    }

    // MARK: mousetest

    /// INT 15h C2xxh and IRQ12: the PS/2 mouse behind the 8042. Packets are bytes written
    /// with the 8042's D3h command, which arrive as mouse data and raise IRQ12; the BIOS
    /// drops a byte that cannot start a packet (bit 3 clear), gathers three, and far-calls
    /// the C207h handler with status, X, Y and 0 on the stack.
    static let mouseExpected = [
        "MOUSETEST C201 reset AH 00 CF 00 BX 00AA",              // BL = AAh, BH = ID 00h
        "MOUSETEST C200 enable without handler AH 05 CF 01",
        "MOUSETEST C207 install AH 00 CF 00",
        "MOUSETEST C205 init 3 AH 00 CF 00",
        "MOUSETEST C202 rate 40 AH 00 CF 00",
        "MOUSETEST C203 resolution 8 AH 00 CF 00",
        "MOUSETEST C206 scaling 2:1 AH 00 CF 00",
        // status: stream mode, reporting off, scaling 2:1 (bit 4); resolution 3; 40/s
        "MOUSETEST C206 status AH 00 CF 00 BL 10 CL 03 DL 28",
        "MOUSETEST C204 type AH 00 CF 00 BH 00",
        "MOUSETEST C202 rate 7 AH 02 CF 01",                     // invalid input
        "MOUSETEST C208 AH 01 CF 01",                            // invalid function
        "MOUSETEST C200 enable AH 00 CF 00",
        "MOUSETEST C206 status AH 00 CF 00 BL 30 CL 03 DL 28",   // bit 5: reporting
        "MOUSETEST handler calls 02",
        "MOUSETEST packet status/X/Y/0 0009 0005 00FD 0000",
        "MOUSETEST packet status/X/Y/0 0038 00F0 0010 0000",
        "MOUSETEST timer ticks after the packets",               // both PICs had their EOI
        "MOUSETEST C200 disable AH 00 CF 00",
        "MOUSETEST C206 status AH 00 CF 00 BL 10 CL 03 DL 28",
        "MOUSETEST C207 remove AH 00 CF 00",
        "MOUSETEST C200 enable without handler AH 05 CF 01",
        "MOUSETEST done",
    ]

    @Test func mousetestDrivesThePS2MouseThroughINT15AndIRQ12() throws {
        let ws = try Workspace()
        let img = try ws.disk("mousetest", size: 1_474_560)
        let r = try Self.boot(["--floppy", img], prefix: "MOUSETEST")
        #expect(r.status == 0, "exit status \(r.status): \(r.stderr)")
        #expect(r.lines == Self.mouseExpected, "got\n\(r.lines.joined(separator: "\n"))")
    }

    // MARK: disktest

    /// What disktest prints for a drive with `sectors` sectors of `cyls`/`heads`/`spt`:
    /// CHS reads of LBA 16 (1 sector), 17 (5), a whole track from 2*spt, 7 sectors from
    /// 3*spt-3 across a head or cylinder boundary; a floppy also crosses a 64 KiB DMA page
    /// (status 09h); a hard disk then reports EDD 2.1 (41h), its size (48h) and passes the
    /// LBA read (42h) and write-and-read-back (43h) checks.
    static func diskExpected(drive: Int, cyls: Int, heads: Int, spt: Int, sectors: Int) -> [String] {
        var lines = [
            "DISKTEST drive \(hex(drive, 2))",
            "DISKTEST geometry C/H/S \(hex(cyls, 4))/\(hex(heads, 2))/\(hex(spt, 2))",
            "DISKTEST CHS read LBA 00000010+0001 ok",
            "DISKTEST CHS read LBA 00000011+0005 ok",
            "DISKTEST CHS read LBA \(hex(2 * spt, 8))+\(hex(spt, 4)) ok",
            "DISKTEST CHS read LBA \(hex(3 * spt - 3, 8))+0007 ok",
        ]
        if drive < 0x80 {
            lines.append("DISKTEST 64K-crossing read (expect 0900h-ish AX): 0900")
        } else {
            lines += [
                "DISKTEST EDD version 21",
                "DISKTEST 48h sectors \(hex(sectors, 8))",
                "DISKTEST 42h read 100 sectors ok",
                "DISKTEST 43h write + readback ok",
            ]
        }
        lines.append("DISKTEST done")
        return lines
    }

    /// Floppies of 1.44 MB (80/2/18) and 720 KB (80/2/9) in drive A:.
    @Test(arguments: [(1_474_560, 18), (737_280, 9)])
    func disktestOnAFloppy(size: Int, spt: Int) throws {
        let ws = try Workspace()
        let img = try ws.disk("disktest", size: size)
        let r = try Self.boot(["--floppy", img], prefix: "DISKTEST")
        #expect(r.status == 0, "exit status \(r.status): \(r.stderr)")
        let expected = Self.diskExpected(drive: 0, cyls: 80, heads: 2, spt: spt, sectors: size / 512)
        #expect(r.lines == expected, "got\n\(r.lines.joined(separator: "\n"))\nexpected\n\(expected.joined(separator: "\n"))")
    }

    /// Hard disks of 64 MiB and 10 MiB on the primary master: the ATA default translation
    /// (16 heads, 63 sectors a track, cylinders = sectors / 1008).
    @Test(arguments: [64 << 20, 10 << 20])
    func disktestOnAHardDisk(size: Int) throws {
        let ws = try Workspace()
        let img = try ws.disk("disktest", size: size)
        let r = try Self.boot(["--hda", img, "--boot", "c"], prefix: "DISKTEST")
        #expect(r.status == 0, "exit status \(r.status): \(r.stderr)")
        #expect(r.stdout.contains("Booting from hard disk 80h..."), "\(r.stdout)")
        let sectors = size / 512
        let expected = Self.diskExpected(drive: 0x80, cyls: sectors / (16 * 63), heads: 16, spt: 63, sectors: sectors)
        #expect(r.lines == expected, "got\n\(r.lines.joined(separator: "\n"))\nexpected\n\(expected.joined(separator: "\n"))")
    }

    // MARK: cdtest

    /// An El Torito no-emulation CD: booted as drive E0h, 4B01h reports media type 0 (no
    /// emulation) on drive E0h, and a 42h read of LBA 16 finds the primary volume descriptor.
    @Test func cdtestBootsFromTheCD() throws {
        let ws = try Workspace()
        let boot = try ws.assemble("cdtest")
        let files = ws.dir.appendingPathComponent("cdroot")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: boot, toPath: files.appendingPathComponent("cdtest.bin").path)
        let iso = ws.path("cd.iso")
        try ws.tool(["xorriso", "-as", "mkisofs", "-quiet", "-o", iso, "-b", "cdtest.bin", "-no-emul-boot",
                     "-boot-load-size", "4", files.path])
        let r = try Self.boot(["--cdrom", iso, "--boot", "cdrom"], prefix: "CDTEST")
        #expect(r.status == 0, "exit status \(r.status): \(r.stderr)")
        #expect(r.stdout.contains("Booting from CD-ROM..."), "\(r.stdout)")
        #expect(r.lines == [
            "CDTEST boot drive E0",
            "CDTEST 4B01 media/drive 00 E0",
            "CDTEST 42h read of the volume descriptor ok",
        ], "\(r.lines.joined(separator: "\n"))")
    }
}
