import Foundation
import Testing

/// `--until-serial` / `--until-screen`: a headless run ends (status 0) once the guest has
/// sent the text on COM1 or shows it on screen, and says after how many cycles; a text the
/// guest never produces leaves the run to its cycle limit.
@Suite struct UntilMarkerTests {
    /// mov dx,3FBh; mov al,3; out dx,al (LCR: 8 data bits; the reset value sends 5);
    /// mov dl,F8h; mov al,'O'; out dx,al; mov al,'K'; out dx,al; jmp $  (16 bytes at F000:FFF0)
    static let sendsOK: [UInt8] = [0xBA, 0xFB, 0x03, 0xB0, 0x03, 0xEE, 0xB2, 0xF8,
                                   0xB0, 0x4F, 0xEE, 0xB0, 0x4B, 0xEE, 0xEB, 0xFE]

    @Test func runEndsWhenTheGuestHasSentTheText() throws {
        let rom = try CommandLineTests.rom(Self.sendsOK)
        defer { try? FileManager.default.removeItem(atPath: rom) }
        let serial = FileManager.default.temporaryDirectory.appendingPathComponent("until-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: serial) }
        let r = try CommandLineTests.run(["--bios", rom, "--serial", "file:" + serial, "--until-serial", "OK", "--max-cycles", "100000000"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("pcemu: 'OK' on COM1 after "), "\(r.stderr)")
        // The bytes still reach the backend the user chose.
        #expect(FileManager.default.contents(atPath: serial) == Data("OK".utf8))
        // It ends at the first check after the bytes went out, long before the limit.
        let cycles = r.stderr.range(of: " after ").flatMap { UInt64(r.stderr[$0.upperBound...].prefix { $0.isNumber }) } ?? .max
        #expect(cycles <= 1 << 19, "\(r.stderr)")
        // The same without a serial backend: the tap alone sees the bytes.
        let bare = try CommandLineTests.run(["--bios", rom, "--until-serial", "OK", "--max-cycles", "100000000"])
        #expect(bare.status == 0 && bare.stderr.contains("'OK' on COM1"), "\(bare.stderr)")
    }

    @Test func textTheGuestNeverSendsRunsToTheLimit() throws {
        let rom = try CommandLineTests.rom(Self.sendsOK)
        defer { try? FileManager.default.removeItem(atPath: rom) }
        let serial = try CommandLineTests.run(["--bios", rom, "--until-serial", "KO", "--max-cycles", "3000000"])
        #expect(serial.status == 4, "\(serial.stderr)")
        #expect(serial.stderr.contains("cycle limit reached after 300000"), "\(serial.stderr)")  // the last instruction may overshoot by a few
        let screen = try CommandLineTests.run(["--bios", rom, "--until-screen", "OK", "--max-cycles", "3000000"])
        #expect(screen.status == 4, "\(screen.stderr)")
    }
}
