import Foundation
import Testing

let bootImageTestsEnabled = ProcessInfo.processInfo.environment["PCEMU_BOOT_TESTS"] == "1"

/// Boots real images that nobody here wrote, built by `scripts/images/build` from Debian
/// packages (issue 6): a SYSLINUX floppy, a GRUB 2 hard disk, memtest86+ and an EXTLINUX
/// disk with Debian's i386 kernel, each with pcemu's own BIOS and with Debian's Bochs BIOS +
/// LGPL VGA BIOS (bochsbios, vgabios).
///
/// Every verdict is read from what the guest itself produced: the bytes it sent on COM1
/// (`--serial file:`) and the text screen at the end of the run (`--dump-screen`). The run
/// ends at the marker (`--until-serial` / `--until-screen`) or at a cycle limit; nothing is
/// taken from pcemu's own messages except the boot time, which is printed for the log.
///
/// These runs take minutes in a debug build, so the suite is enabled only when
/// PCEMU_BOOT_TESTS=1; scripts/test's "boot images" stage sets it and points PCEMU_BINARY
/// at the release build. Needs the packages scripts/install-deps installs; the EXTLINUX
/// image needs root to build (a loop mount: extlinux installs only into a mounted file system).
@Suite(.serialized, .enabled(if: bootImageTestsEnabled, "set PCEMU_BOOT_TESTS=1 (scripts/test does, with the release build)"))
struct BootImageTests {
    static let environment = ProcessInfo.processInfo.environment
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The pcemu to run: PCEMU_BINARY (relative to the package root) or the test build's.
    static var binary: String {
        guard let b = environment["PCEMU_BINARY"] else { return CommandLineTests.binary }
        return b.hasPrefix("/") ? b : root.appendingPathComponent(b).path
    }

    enum Firmware: String, CaseIterable, CustomTestStringConvertible {
        case own, bochs
        var arguments: [String] {
            switch self {
            case .own: return []
            case .bochs: return ["--bios", "/usr/share/bochs/BIOS-bochs-legacy", "--vgabios", "/usr/share/vgabios/vgabios.bin"]
            }
        }
        var testDescription: String { self == .own ? "pcemu BIOS" : "Bochs BIOS + LGPL VGA BIOS" }
    }

    /// Builds (or finds in the cache) image `name` with scripts/images/build; its path.
    static func image(_ name: String) throws -> String {
        let p = Process()
        p.executableURL = root.appendingPathComponent("scripts/images/build")
        p.arguments = [name]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let path = o.split(separator: "\n").compactMap { line -> String? in
            let f = line.split(separator: " ", maxSplits: 1)
            return f.count == 2 && f[0] == name ? String(f[1]) : nil
        }.first
        guard p.terminationStatus == 0, let path else {
            throw BootError("scripts/images/build \(name) failed (status \(p.terminationStatus)): \(e)")
        }
        return path
    }

    struct BootError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    struct Boot {
        let status: Int32
        /// What the guest sent on COM1.
        let serial: String
        /// The text screen at the end of the run.
        let screen: String
        /// pcemu's report line ("'MARKER' on COM1 after N cycles ...") or its last message.
        let report: String
        var cycles: UInt64? {
            guard let r = report.range(of: " after ") else { return nil }
            return UInt64(report[r.upperBound...].prefix { $0.isNumber })
        }
    }

    /// Runs pcemu headless on `args` with COM1 captured and the screen dumped at the end.
    static func boot(_ args: [String], firmware: Firmware) throws -> Boot {
        let serial = FileManager.default.temporaryDirectory.appendingPathComponent("boot-serial-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: serial) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = firmware.arguments + args + ["--headless", "--debugcon", "none", "--dump-screen", "--serial", "file:" + serial]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let s = String(decoding: FileManager.default.contents(atPath: serial) ?? Data(), as: UTF8.self)
        let report = e.split(separator: "\n").last.map(String.init) ?? ""
        print("boot time [\(firmware.testDescription)] \(args.first ?? ""): \(report)")
        return Boot(status: p.terminationStatus, serial: s, screen: o, report: report)
    }

    static func basename(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    // MARK: SYSLINUX

    /// The floppy's syslinux.cfg says SERIAL 0 115200, PROMPT 1, TIMEOUT 10 and DEFAULT marker,
    /// which runs the COM32 module cat.c32 on marker.txt: SYSLINUX shows `boot:`, waits one
    /// second of guest time, loads and runs the module, and the module prints the file.
    @Test(arguments: Firmware.allCases)
    func syslinuxFloppyReachesBootPromptAndRunsACOM32Module(_ firmware: Firmware) throws {
        let img = try Self.image("syslinux-floppy")
        let b = try Self.boot([img, "--until-serial", "PCEMU-SYSLINUX-COM32-OK", "--max-cycles", "3000000000"], firmware: firmware)
        #expect(b.status == 0, "\(b.report)\n\(b.screen)")
        #expect(b.serial.contains("SYSLINUX 6.04"), "serial: \(b.serial.debugDescription)")
        let prompt = b.serial.range(of: "boot:"), marker = b.serial.range(of: "PCEMU-SYSLINUX-COM32-OK")
        #expect(prompt != nil && marker != nil && prompt!.lowerBound < marker!.lowerBound, "serial: \(b.serial.debugDescription)")
        // The same on the screen: the prompt line, then the module's output.
        let lines = b.screen.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let p = lines.firstIndex(of: "boot:"), m = lines.firstIndex(of: "PCEMU-SYSLINUX-COM32-OK")
        #expect(p != nil && m != nil && p! < m!, "screen:\n\(b.screen)")
    }

    /// Two runs of the same boot end at the same cycle with the same serial output.
    @Test func syslinuxBootIsDeterministic() throws {
        let img = try Self.image("syslinux-floppy")
        let args = [img, "--until-serial", "PCEMU-SYSLINUX-COM32-OK", "--max-cycles", "3000000000"]
        let a = try Self.boot(args, firmware: .own), b = try Self.boot(args, firmware: .own)
        #expect(a.cycles != nil && a.cycles == b.cycles, "\(a.report) vs \(b.report)")
        #expect(a.serial == b.serial && a.screen == b.screen)
    }

    // MARK: GRUB

    /// boot.img in the MBR loads core.img from the gap; GRUB finds its ext2 partition, reads
    /// grub.cfg, switches its terminal to COM1 and echoes the marker.
    @Test(arguments: Firmware.allCases)
    func grubDiskRunsItsConfigAndPrintsTheMarkerOnCOM1(_ firmware: Firmware) throws {
        let img = try Self.image("grub-disk")
        let b = try Self.boot([img, "--snapshot", "--until-serial", "PCEMU-GRUB-OK", "--max-cycles", "4000000000"], firmware: firmware)
        #expect(b.status == 0, "\(b.report)\n\(b.screen)")
        #expect(b.serial.contains("PCEMU-GRUB-OK"), "serial: \(b.serial.debugDescription)")
        // The marker came through grub.cfg (read from the ext2 partition), not from a
        // message of the core image: boot.img's "GRUB loading" shows on the screen first.
        #expect(b.screen.contains("GRUB loading"), "screen:\n\(b.screen)")
    }

    // MARK: memtest86+

    /// SYSLINUX loads memtest86+ (Debian's legacy-BIOS memtest86+ia32.bin, Linux boot
    /// protocol) from the floppy. With 5 MiB of RAM (4 MiB are too few for it to relocate itself) its first (fast) pass takes about 6.5
    /// billion cycles; at its end memtest86+ shows the pass count, the error count and a
    /// PASS banner (a FAIL banner when it found errors) that ends the run.
    @Test(arguments: Firmware.allCases)
    func memtestCompletesItsFirstPassWithNoErrors(_ firmware: Firmware) throws {
        let img = try Self.image("memtest-floppy")
        let b = try Self.boot([img, "--cpu", "pentium", "--memory", "5", "--until-screen", "Press any key to remove this banner",
                               "--max-cycles", "12000000000"], firmware: firmware)
        #expect(b.status == 0, "\(b.report)\n\(b.screen)")
        let lines = b.screen.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("Memtest86+ v6.") == true, "screen:\n\(b.screen)")
        #expect(b.screen.contains("Memory  :    5MB"), "screen:\n\(b.screen)")
        // Status row: "Pass:  1        Errors: 0".
        let status = lines.first { $0.contains("Pass:") && $0.contains("Errors:") } ?? ""
        let fields = status.split(separator: "│").last.map { $0.split(separator: " ").map(String.init) } ?? []
        #expect(fields == ["Pass:", "1", "Errors:", "0"], "status row: \(status)")
        // The PASS banner (its first and fourth rows), not the FAIL one.
        #expect(lines.contains { $0.trimmingCharacters(in: .whitespaces) == "######      ##      #####    #####" }, "screen:\n\(b.screen)")
        #expect(lines.contains { $0.trimmingCharacters(in: .whitespaces) == "######   ##    ##   #####    #####" }, "screen:\n\(b.screen)")
    }

    // MARK: EXTLINUX + Debian's kernel

    /// EXTLINUX on an ext2 partition shows `boot:`, then its default label loads Debian's
    /// i386 kernel and the busybox initramfs ("Loading ... ok" for both); booting Linux
    /// itself is another issue's.
    @Test(arguments: Firmware.allCases)
    func extlinuxDiskReachesItsPromptAndLoadsTheKernelAndInitrd(_ firmware: Firmware) throws {
        let img: String
        do { img = try Self.image("extlinux-disk") } catch {
            // Not root: the script cannot mount the file system extlinux installs into.
            try #require(getuid() != 0, "\(error)")
            return
        }
        let b = try Self.boot([img, "--snapshot", "--cpu", "pentium", "--until-serial", "Loading /boot/initrd.gz...ok",
                               "--max-cycles", "4000000000"], firmware: firmware)
        #expect(b.status == 0, "\(b.report)\n\(b.screen)")
        let prompt = b.serial.range(of: "boot:")
        let kernel = b.serial.range(of: "Loading /boot/vmlinuz... ok")
        let initrd = b.serial.range(of: "Loading /boot/initrd.gz...ok")
        #expect(prompt != nil && kernel != nil && initrd != nil, "serial: \(b.serial.debugDescription)")
        if let prompt, let kernel, let initrd { #expect(prompt.lowerBound < kernel.lowerBound && kernel.lowerBound < initrd.lowerBound) }
        #expect(b.screen.contains("pcemu test disk: EXTLINUX"), "screen:\n\(b.screen)")
    }
}
