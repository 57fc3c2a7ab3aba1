import Foundation
import Testing

/// Nothing to boot: a disk without a boot signature, an empty floppy drive, an image that
/// cannot be read. Each must tell the user why, on the guest's screen (the own BIOS's
/// messages, also copied to port E9h) and on the terminal (pcemu repeats the end of the
/// screen under its own message when the machine stops), instead of hanging silently.
@Suite struct BootFailureTests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bootfail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The lines pcemu printed under "the screen ends with:" (standard error).
    static func screenTail(_ stderr: String) -> [String] {
        guard let r = stderr.range(of: "pcemu: the screen ends with:\n") else { return [] }
        return stderr[r.upperBound...].split(separator: "\n").prefix { $0.hasPrefix("    ") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test func diskWithoutBootSignatureSaysSo() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let img = dir.appendingPathComponent("blank.img")
        try Data(count: 1 << 20).write(to: img)          // 1 MiB of zeros: no 55AAh
        let r = try CommandLineTests.run([img.path, "--headless", "--max-cycles", "400000000"])
        #expect(r.status == 3, "\(r.stderr)")           // the BIOS halts with interrupts off
        #expect(r.stderr.contains("HLT with interrupts disabled"))
        let tail = Self.screenTail(r.stderr)
        #expect(tail.contains("Booting from hard disk 80h..."), "\(r.stderr)")
        #expect(tail.contains("not bootable: no 55AAh boot signature"), "\(r.stderr)")
        #expect(tail.suffix(2) == ["No bootable device.", "System halted."], "\(r.stderr)")
        // The BIOS's own copy on port E9h (standard output by default).
        #expect(r.stdout.contains("  not bootable: no 55AAh boot signature\n"), "\(r.stdout)")
        #expect(r.stdout.contains("No bootable device.\n"))
    }

    /// `--empty-floppy`: drive A: is there (CMOS says 1.44 MB) but holds no disk, so the
    /// controller never sees an index pulse and the read times out after 2 s of guest time.
    @Test func emptyFloppyDriveSaysThereIsNoDisk() throws {
        let r = try CommandLineTests.run(["--empty-floppy", "--boot", "a", "--headless", "--max-cycles", "400000000", "--print-state"])
        #expect(r.status == 3, "\(r.stderr)")
        let tail = Self.screenTail(r.stderr)
        #expect(tail.contains("Booting from floppy A:..."), "\(r.stderr)")
        #expect(tail.contains("no disk in the drive (it did not answer: time-out, status 80h)"), "\(r.stderr)")
        #expect(tail.last == "System halted.", "\(r.stderr)")
        #expect(r.stdout.contains("Floppy A: 1.44 MB"), "the POST screen lists the drive: \(r.stdout)")
        // One 2-second time-out (the 386 model runs 33 MHz), not a retry per attempt.
        let cycles = BoardTests.cycles(r.stderr) ?? 0
        #expect(cycles > 66_000_000 && cycles < 120_000_000, "cycles \(cycles)")
    }

    /// Without --empty-floppy there is no drive A: at all, and the BIOS says that instead.
    @Test func noFloppyDriveSaysThereIsNoDrive() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let img = dir.appendingPathComponent("blank.img")
        try Data(count: 1 << 20).write(to: img)
        let r = try CommandLineTests.run(["--hda", img.path, "--boot", "a", "--headless", "--max-cycles", "400000000"])
        #expect(r.status == 3)
        #expect(Self.screenTail(r.stderr).contains("no floppy drive"), "\(r.stderr)")
    }

    /// Images pcemu cannot read are refused before the machine starts, naming the file and
    /// the reason (status 66): a directory, a file without read permission, a truncated
    /// file, a missing file.
    @Test func unreadableImagesAreRefusedWithTheReason() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sub = dir.appendingPathComponent("adir")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        for args in [[sub.path], ["--hda", sub.path], ["--floppy", sub.path]] {
            let r = try CommandLineTests.run(args + ["--headless"])
            #expect(r.status == 66, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(sub.path) && r.stderr.lowercased().contains("directory"), "\(args): \(r.stderr)")
        }
        let truncated = dir.appendingPathComponent("truncated.img")
        try Data(count: 1000).write(to: truncated)
        let t = try CommandLineTests.run([truncated.path, "--headless"])
        #expect(t.status == 66 && t.stderr.contains("not a multiple of 512"), "\(t.stderr)")
        let missing = try CommandLineTests.run([dir.appendingPathComponent("missing.img").path, "--headless"])
        #expect(missing.status == 66 && missing.stderr.contains("no such file"), "\(missing.stderr)")
        // Permissions do not stop root; the check runs only for other users.
        if getuid() != 0 {
            let locked = dir.appendingPathComponent("locked.img")
            try Data(count: 1_474_560).write(to: locked)
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked.path)
            let l = try CommandLineTests.run(["--floppy", locked.path, "--headless", "--snapshot"])
            #expect(l.status == 66 && l.stderr.contains("Permission denied"), "\(l.stderr)")
        }
    }
}
