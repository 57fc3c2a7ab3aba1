import Foundation
import Testing

/// The own BIOS's boot menu (bios/bootmenu.inc). Two disktest images (bios/tests) on
/// floppy A: and hard disk 80h report the drive they booted from on port E9h, so the
/// transcript shows which device the BIOS booted.
@Suite(.serialized) struct BootMenuTests {
    /// pcemu on a pseudo-terminal (the terminal view, paced to the wall clock): F12 is
    /// typed (as the terminal's CSI 24 ~) every 100 ms until the menu is up, then "2"
    /// chooses the hard disk, although the CMOS order puts the floppy first.
    @Test func f12OpensTheMenuAndTheChosenDeviceBoots() throws {
        let ws = try BIOSServiceTests.Workspace()
        let floppy = try ws.disk("disktest", size: 1_474_560)
        let disk = try ws.disk("disktest", size: 16 << 20)
        let debugcon = ws.path("debugcon.txt")

        let (master, slave) = try TerminalViewTests.openPTY(columns: 80, rows: 30)
        defer { close(master) }
        let pcemu = Process()
        pcemu.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        pcemu.arguments = ["--floppy", floppy, "--hda", disk, "--snapshot", "--no-reboot", "--debugcon", debugcon]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DISPLAY")
        env.removeValue(forKey: "WAYLAND_DISPLAY")
        env["TERM"] = "xterm"
        pcemu.environment = env
        let tty = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        pcemu.standardInput = tty
        pcemu.standardOutput = tty
        pcemu.standardError = tty
        try pcemu.run()
        close(slave)
        let output = TerminalViewTests.TerminalOutput(master: master)
        defer { if pcemu.isRunning { kill(pcemu.processIdentifier, SIGKILL) }; pcemu.waitUntilExit() }
        func console() -> String { String(decoding: FileManager.default.contents(atPath: debugcon) ?? Data(), as: UTF8.self) }
        func type(_ s: String) { let b = Array(s.utf8); _ = b.withUnsafeBytes { write(master, $0.baseAddress, $0.count) } }

        let menuUp = TerminalViewTests.eventually(60) {
            if console().contains("Boot menu") { return true }
            type("\u{1B}[24~")
            Thread.sleep(forTimeInterval: 0.1)
            return false
        }
        #expect(menuUp, "no boot menu: \(console().debugDescription) \(output.text.suffix(300).debugDescription)")
        guard menuUp else { return }
        #expect(TerminalViewTests.eventually(10) { console().contains("  2. Hard disk 80h\n") }, "\(console().debugDescription)")
        #expect(console().contains("  1. Floppy A:\n"))
        type("2")
        #expect(TerminalViewTests.eventually(60) { !pcemu.isRunning }, "the disk did not finish: \(console().debugDescription)")
        pcemu.waitUntilExit()
        #expect(pcemu.terminationStatus == 0, "\(console().debugDescription)")
        let text = console()
        #expect(text.contains("Booting from hard disk 80h...\nDISKTEST drive 80\n"), "\(text.debugDescription)")
        #expect(text.contains("DISKTEST done\n"))
        #expect(!text.contains("Booting from floppy"), "\(text.debugDescription)")
    }

    /// Without F12 the offer stands for half a second (guest time), disappears from the
    /// screen, and the CMOS order boots the floppy; the screen ends as it did before the
    /// menu existed (the offer's line is blank again).
    @Test func withoutAKeyTheUsualOrderRuns() throws {
        let ws = try BIOSServiceTests.Workspace()
        let floppy = try ws.disk("disktest", size: 1_474_560)
        let disk = try ws.disk("disktest", size: 16 << 20)
        let r = try CommandLineTests.run(["--floppy", floppy, "--hda", disk, "--snapshot", "--no-reboot", "--headless",
                                          "--max-cycles", "2000000000", "--dump-screen"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\nPress F12 for the boot menu\nBooting from floppy A:...\nDISKTEST drive 00\n"), "\(r.stdout)")
        #expect(!r.stdout.contains("Boot menu"))
        // --dump-screen (printed after the port E9h transcript, which ends with "DISKTEST
        // done"): the POST lines, one blank line, then the boot.
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let screen = Array(lines.suffix(from: (lines.firstIndex(of: "DISKTEST done") ?? 0) + 1))
        let booting = try #require(screen.lastIndex(of: "Booting from floppy A:..."), "\(r.stdout)")
        #expect(screen[booting - 1] == "" && screen[booting - 2].hasPrefix("ATA0 master:"), "\(screen)")
        #expect(!screen.contains { $0.contains("Press F12") })
    }
}
