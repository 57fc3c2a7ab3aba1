import Foundation
import Testing

/// The RTC alarm through the BIOS: bios/tests/rtctest.asm sets the clock, asks INT 1Ah 06h
/// for an alarm three seconds later, expects a second 06h to be refused while one is pending,
/// waits for INT 4Ah (called from IRQ8 when the RTC raises its alarm flag), then cancels it with
/// 07h. The same boot sector runs with the own BIOS and with Debian's Bochs BIOS: both must
/// fire the alarm at the time it was set for (the guest's clock, so the test is deterministic).
@Suite struct BIOSClockTests {
    static let expected = [
        "RTCTEST alarm set for 102033",
        "RTCTEST second alarm refused (CF=1)",
        "RTCTEST INT 4Ah at 102033",
        "RTCTEST alarm reset, a new one accepted",
        "RTCTEST done",
    ]

    static func floppy() throws -> (image: String, cleanup: () -> Void) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rtctest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let root = TestROMTests.root.path
        let bin = dir.appendingPathComponent("rtctest.bin").path, img = dir.appendingPathComponent("rtctest.img").path
        for (tool, args) in [("nasm", ["-f", "bin", "-o", bin, root + "/bios/tests/rtctest.asm"]),
                             ("python3", [root + "/bios/tests/mkdisk.py", bin, img, "1474560"])] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [tool] + args
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(tool) failed")
        }
        return (img, { try? FileManager.default.removeItem(at: dir) })
    }

    @Test(arguments: ["own", "bochs"])
    func alarmFiresThroughINT4Ah(bios: String) throws {
        let (img, cleanup) = try Self.floppy()
        defer { cleanup() }
        var args = ["--floppy", img, "--headless", "--no-reboot", "--max-cycles", "3000000000"]
        if bios == "bochs" {
            args += ["--bios", "/usr/share/bochs/BIOS-bochs-legacy", "--vgabios", "/usr/share/vgabios/vgabios.bin"]
        }
        let r = try CommandLineTests.run(args)
        let lines = r.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("RTCTEST") }
        #expect(lines == Self.expected, "\(bios) BIOS:\n\(r.stdout)\n\(r.stderr)")
        #expect(r.status == 0, "\(r.stderr)")
    }
}
