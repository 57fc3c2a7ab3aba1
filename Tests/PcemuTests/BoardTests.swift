import Foundation
import Testing

/// Whole-machine tests of the AT board (issue 4 acceptance), each running the `pcemu`
/// executable on one of the project's ROMs in testroms/:
/// - board-determinism: PIC + PIT + RTC interrupts give the same transcript and cycle count twice;
/// - board-portfuzz: random values to every I/O port do not crash pcemu;
/// - board-ataw: ATA PIO writes reach the image file without --snapshot and never with it;
/// - bad disk and floppy images are refused with a message naming the file (status 66).
@Suite struct BoardTests {
    static func rom(_ name: String) -> String { TestROMTests.path(name) }

    /// A fresh temporary directory, removed by the caller.
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("board-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `cycles=N` from the register dump that `--print-state` writes to standard error.
    static func cycles(_ stderr: String) -> UInt64? {
        for line in stderr.split(separator: "\n") {
            for field in line.split(separator: " ") where field.hasPrefix("cycles=") {
                return UInt64(field.dropFirst("cycles=".count))
            }
        }
        return nil
    }

    /// The value after `key=` in a transcript line.
    static func field(_ line: Substring, _ key: String) -> String? {
        line.split(separator: " ").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    // MARK: - Determinism

    /// board-determinism.asm: PIT counter 0 at 1000.15 Hz on IRQ0 and the RTC periodic
    /// interrupt at 1024 Hz on IRQ8 (through the slave PIC), 1200 timer ticks, then one
    /// RTC update cycle watched through UIP. Two runs: the same bytes on port 0xE9 and
    /// the same final state, cycle count included.
    @Test func determinismROMRunsIdenticallyTwice() throws {
        let args = ["--bios", Self.rom("board-determinism"), "--no-reboot", "--max-cycles", "400000000", "--print-state"]
        let a = try CommandLineTests.run(args)
        let b = try CommandLineTests.run(args)
        #expect(a.status == 0, "\(a.stdout)\n\(a.stderr)")
        #expect(a.stdout.contains("\nPASS\n"), "\(a.stdout)")
        #expect(a.stdout == b.stdout, "transcripts differ:\n\(a.stdout)\n---\n\(b.stdout)")
        let ca = Self.cycles(a.stderr), cb = Self.cycles(b.stderr)
        #expect(ca != nil && ca == cb, "cycles \(String(describing: ca)) vs \(String(describing: cb))")
        #expect(a.stderr == b.stderr, "final CPU state differs:\n\(a.stderr)\n---\n\(b.stderr)")

        // Plausibility. The run ends just after the RTC update at 2.0 s (the 386 model's
        // clock is 33 MHz): 1200 ticks take 1.1998 s, then the ROM waits for the next update.
        let seconds = Double(ca ?? 0) / 33_000_000
        #expect(seconds >= 2.0 && seconds < 2.01, "run ended at \(seconds) s of guest time")

        let lines = a.stdout.split(separator: "\n")
        let totals = try #require(lines.first { $0.hasPrefix("totals:") })
        #expect(Self.field(totals, "ticks") == "01200")
        #expect(Self.field(totals, "other") == "00000", "interrupts on vectors other than IRQ0/IRQ8")
        // IRQ8: 1024 Hz over 1200 * 1193 / 1193182 s = 1228.6 interrupts.
        let irq8 = Int(Self.field(totals, "irq8") ?? "") ?? -1
        #expect(abs(irq8 - 1229) <= 2, "IRQ8 count \(irq8), expected about 1228.6")

        // Every 100th tick: the IRQ8 count so far is 1.024 * ticks (+-2), the PIT
        // counter reads a valid mode-2 count, and the RTC reads 12:00:00 until 1.0 s,
        // then 12:00:01. Tick 1000 (0.99985 s) falls inside the 244 us before the
        // update, so register A shows UIP there and nowhere else.
        let samples = lines.filter { $0.hasPrefix("tick=") }
        #expect(samples.count == 12)
        for s in samples {
            let tick = Int(Self.field(s, "tick") ?? "") ?? -1
            let irqs = Int(Self.field(s, "irq8") ?? "") ?? -1
            let expected = Double(tick) * 1193 / 1_193_182 * 1024
            #expect(abs(Double(irqs) - expected) <= 2, "\(s)")
            let pit = Int(Self.field(s, "pit") ?? "", radix: 16) ?? -1
            #expect((1...1193).contains(pit), "\(s)")
            #expect(Self.field(s, "min") == "00", "\(s)")
            #expect(Self.field(s, "sec") == (tick > 1000 ? "01" : "00"), "\(s)")
            #expect(Self.field(s, "rtcA") == (tick == 1000 ? "A6" : "26"), "\(s)")
        }
        #expect(lines.contains("uip: sec 01 -> 02"))
    }

    /// The same ROM on a faster CPU model: different cycle counts, the same guest-visible
    /// time (interrupt counts and RTC readings are functions of time, not of instructions).
    @Test func determinismROMSeesTheSameTimeOnAnotherCPUModel() throws {
        let slow = try CommandLineTests.run(["--bios", Self.rom("board-determinism"), "--no-reboot", "--max-cycles", "400000000"])
        let fast = try CommandLineTests.run(["--bios", Self.rom("board-determinism"), "--no-reboot", "--cpu", "pentium",
                                             "--max-cycles", "1200000000", "--print-state"])
        #expect(fast.status == 0, "\(fast.stdout)\n\(fast.stderr)")
        func guestTime(_ s: String) -> [String] {
            s.split(separator: "\n").map { line in
                // Drop the PIT reading: it depends on how long the handler took to get there.
                line.split(separator: " ").filter { !$0.hasPrefix("pit=") }.joined(separator: " ")
            }
        }
        #expect(guestTime(slow.stdout) == guestTime(fast.stdout), "\(slow.stdout)\n---\n\(fast.stdout)")
        let seconds = Double(Self.cycles(fast.stderr) ?? 0) / 100_000_000
        #expect(seconds >= 2.0 && seconds < 2.01, "run ended at \(seconds) s of guest time")
    }

    // MARK: - Resets

    /// board-resets.asm: the board resets the CPU through the 8042 (command FEh), port 92h
    /// bit 0, port CF9h bit 2 and a triple fault, in that order; a CMOS NVRAM byte counts the
    /// boots across the resets. After each reset the CPU is in real mode and port 92h bit 0
    /// reads 0 again. A reset that does not happen makes the ROM print FAIL and exit 11h.
    @Test func fourResetSourcesEachRestartTheCPU() throws {
        let r = try CommandLineTests.run(["--bios", Self.rom("board-resets"), "--max-cycles", "50000000"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout == """
            boot=00 cr0pe=0 p92=00 via 8042
            boot=01 cr0pe=0 p92=00 via port 92h
            boot=02 cr0pe=0 p92=00 via port CF9h
            boot=03 cr0pe=0 p92=00 via triple fault
            boot=04 cr0pe=0 p92=00 resets done

            """)
        // With --no-reboot the triple fault ends the run instead (exit status 2).
        let noReboot = try CommandLineTests.run(["--bios", Self.rom("board-resets"), "--no-reboot", "--max-cycles", "50000000"])
        #expect(noReboot.status == 2, "\(noReboot.stdout)\n\(noReboot.stderr)")
        #expect(noReboot.stdout.hasSuffix("boot=03 cr0pe=0 p92=00 via triple fault\n"))
    }

    // MARK: - Port fuzzing

    /// board-portfuzz.asm: 4 passes over every port 0000h-FFFFh and 4 dense passes over the
    /// ISA devices (000h-3FFh, ELCR), random byte/word/dword writes each read back, with
    /// interrupts off. pcemu must neither crash nor stop before the ROM's exit. Run with
    /// every storage device attached (in snapshot mode) and the UARTs on files, and once bare.
    @Test func portFuzzDoesNotCrashTheBoard() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hd = dir.appendingPathComponent("hd.img"), fd = dir.appendingPathComponent("fd.img")
        let cd = dir.appendingPathComponent("cd.iso")
        // Recognisable contents, so that a write that slipped past --snapshot would show.
        let hdBytes = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) })
        let fdBytes = Data((0..<1_474_560).map { UInt8(truncatingIfNeeded: $0 * 5 + 1) })
        try hdBytes.write(to: hd)
        try fdBytes.write(to: fd)
        try Data(count: 2 << 20).write(to: cd)

        let withDevices = try CommandLineTests.run([
            "--bios", Self.rom("board-portfuzz"), "--no-reboot", "--max-cycles", "2000000000",
            "--hda", hd.path, "--floppy", fd.path, "--cdrom", cd.path, "--snapshot",
            "--serial", "file:" + dir.appendingPathComponent("com1.out").path,
            "--serial", "file:" + dir.appendingPathComponent("com2.out").path,
        ])
        let bare = try CommandLineTests.run(["--bios", Self.rom("board-portfuzz"), "--no-reboot", "--max-cycles", "2000000000"])
        for r in [withDevices, bare] {
            #expect(r.status == 0, "\(r.stdout.suffix(2000))\n\(r.stderr)")
            #expect(r.stdout.hasSuffix("PORTFUZZ done\n"), "\(r.stdout.suffix(2000))")
            #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("PORTFUZZ pass ") }.count == 8)
        }
        #expect(try Data(contentsOf: hd) == hdBytes, "the hard disk image changed under --snapshot")
        #expect(try Data(contentsOf: fd) == fdBytes, "the floppy image changed under --snapshot")
    }

    // MARK: - Disk images: --snapshot and write-back

    /// The 512 bytes board-ataw.asm writes to LBA 5.
    static let pattern: Data = {
        let text = Array("PCEMU-SNAPSHOT-TEST\n".utf8)
        return Data((0..<512).map { text[$0 % text.count] })
    }()

    @Test func snapshotLeavesTheImageUntouchedAndWritesReachTheFileWithoutIt() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let img = dir.appendingPathComponent("disk.img")
        let zeros = Data(count: 1 << 20)
        try zeros.write(to: img)

        // --snapshot: the guest sees its own write (the ROM reads it back), the file does not change.
        let snap = try CommandLineTests.run(["--bios", Self.rom("board-ataw"), "--hda", img.path, "--snapshot", "--no-reboot",
                                             "--max-cycles", "500000000"])
        #expect(snap.status == 0, "\(snap.stdout)\n\(snap.stderr)")
        #expect(snap.stdout.contains("READ SECTORS LBA 4-6: LBA 5 matches"), "\(snap.stdout)")
        #expect(snap.stdout.hasSuffix("PASS\n"), "\(snap.stdout)")
        #expect(try Data(contentsOf: img) == zeros, "--snapshot wrote to the image file")

        // Without --snapshot: the sector is in the file after pcemu exits, and nothing else changed.
        let real = try CommandLineTests.run(["--bios", Self.rom("board-ataw"), "--hda", img.path, "--no-reboot",
                                             "--max-cycles", "500000000"])
        #expect(real.status == 0, "\(real.stdout)\n\(real.stderr)")
        #expect(real.stdout.hasSuffix("PASS\n"), "\(real.stdout)")
        let after = try Data(contentsOf: img)
        #expect(after.count == zeros.count)
        #expect(after.subdata(in: 5 * 512 ..< 6 * 512) == Self.pattern, "LBA 5 of the file is not the guest's pattern")
        var expected = zeros
        expected.replaceSubrange(5 * 512 ..< 6 * 512, with: Self.pattern)
        #expect(after == expected, "bytes outside LBA 5 changed")

        // The ROM also checks IDENTIFY: pcemu's disk carries the integrity word.
        #expect(real.stdout.contains("IDENTIFY: integrity word A5h, checksum ok"))
        #expect(real.stdout.contains("LBA28 sectors 2048"))
    }

    /// An image being written by one pcemu is locked: a second writer is refused with
    /// status 66 naming the file; a --snapshot user is not.
    @Test func anImageInUseIsLockedAgainstASecondWriter() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let img = dir.appendingPathComponent("disk.img")
        try Data(count: 1 << 20).write(to: img)
        // mov al,'R' ; out E9h,al ; jmp $   -- says "ready" once the machine (and its disks) is up.
        let spin = try CommandLineTests.rom([0xB0, 0x52, 0xE6, 0xE9, 0xEB, 0xFE])
        defer { try? FileManager.default.removeItem(atPath: spin) }
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        holder.arguments = ["--bios", spin, "--hda", img.path, "--max-cycles", "30000000000"]
        let out = Pipe()
        holder.standardOutput = out
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        // SIGKILL, not terminate(): the child inherits the test thread's signal mask, in
        // which SIGTERM can be blocked (Foundation's Process does not reset it), and a
        // SIGTERM would then stay pending until the cycle limit.
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) }; holder.waitUntilExit() }
        let ready = out.fileHandleForReading.readData(ofLength: 1)
        try #require(ready == Data("R".utf8), "the first pcemu did not start")

        let second = try CommandLineTests.run(["--bios", spin, "--hda", img.path, "--max-cycles", "1000"])
        #expect(second.status == 66)
        #expect(second.stderr.contains(img.path) && second.stderr.contains("locked"), "\(second.stderr)")
        let snapshot = try CommandLineTests.run(["--bios", spin, "--hda", img.path, "--snapshot", "--max-cycles", "1000"])
        #expect(snapshot.status == 4, "a --snapshot reader should run (to the cycle limit): \(snapshot.stderr)")
    }

    // MARK: - Bad images

    /// A truncated disk image, a floppy of a size no format has, a missing file and an empty
    /// file each stop pcemu before the machine runs: status 66 and a message naming the file.
    @Test func badImagesGetAClearErrorNamingTheFile() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rom = try CommandLineTests.rom([0xB0, 0x10, 0xE6, 0xF4, 0xF4])   // exit 10h: never reached
        defer { try? FileManager.default.removeItem(atPath: rom) }
        func file(_ name: String, bytes: Int) throws -> String {
            let url = dir.appendingPathComponent(name)
            try Data(count: bytes).write(to: url)
            return url.path
        }
        let truncated = try file("truncated.img", bytes: (1 << 20) - 100)
        let odd = try file("odd.img", bytes: 1000)
        let floppy = try file("floppy.img", bytes: 1_000_000)
        let empty = try file("empty.img", bytes: 0)
        let missing = dir.appendingPathComponent("missing.img").path

        let cases: [(args: [String], file: String, says: String?)] = [
            (["--hda", truncated], truncated, "not a multiple of 512"),
            (["--hdb", odd], odd, "not a multiple of 512"),
            (["--hdc", truncated], truncated, "not a multiple of 512"),
            (["--cdrom", odd], odd, "not a multiple of 2048"),
            (["--floppy", floppy], floppy, "1000000 bytes"),
            (["--floppy-b", floppy], floppy, "1000000 bytes"),
            (["--hda", missing], missing, "does not exist"),
            (["--hdd", missing], missing, "does not exist"),
            (["--floppy", missing], missing, "does not exist"),
            (["--cdrom", missing], missing, "does not exist"),
            (["--hda", empty], empty, "empty"),
            (["--floppy", empty], empty, "0 bytes"),
            ([missing], missing, "no such file"),
            ([truncated], truncated, "not a multiple of 512"),
        ]
        for c in cases {
            let r = try CommandLineTests.run(["--bios", rom, "--max-cycles", "100000"] + c.args)
            #expect(r.status == 66, "\(c.args): status \(r.status), \(r.stderr)")
            #expect(r.stderr.contains(c.file), "\(c.args): the message does not name the file: \(r.stderr)")
            if let says = c.says { #expect(r.stderr.contains(says), "\(c.args): expected '\(says)' in: \(r.stderr)") }
            #expect(r.stdout.isEmpty, "\(c.args): the machine ran: \(r.stdout)")
        }
    }
}
