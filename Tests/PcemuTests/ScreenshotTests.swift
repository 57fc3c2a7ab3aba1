import Foundation
import Testing

/// `--screenshot FILE.png` writes a PNG that another program reads: ImageMagick's
/// `identify` (installed by scripts/install-deps) must see a PNG of the mode's size.
@Suite struct ScreenshotTests {
    static let identify = ["/usr/bin/identify", "/usr/local/bin/identify"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The own BIOS with an empty floppy drive: its POST screen in text mode 80×25 with
    /// 9-dot cells, 720×400 pixels, saying that nothing is bootable.
    @Test func screenshotOpensInImageMagickWithTheModesSize() throws {
        let identify = try #require(Self.identify, "ImageMagick's identify is missing (scripts/install-deps installs imagemagick)")
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("shot-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: png) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let r = try CommandLineTests.run(["--headless", "--bios", root.appendingPathComponent("bios/bios.bin").path,
                                          "--boot", "a", "--max-cycles", "300000000", "--screenshot", png, "--dump-screen"])
        #expect(r.stdout.contains("No bootable device."), "\(r.stdout)\n\(r.stderr)")

        let p = Process()
        p.executableURL = URL(fileURLWithPath: identify)
        p.arguments = ["-format", "%m %w %h", png]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "identify failed: \(errText)")
        #expect(text == "PNG 720 400", "identify said: \(text) \(errText)")
    }

    /// What ImageMagick's `identify -format "%m %w %h"` says about a file.
    static func identify(_ path: String) throws -> String {
        let identify = try #require(Self.identify, "ImageMagick's identify is missing (scripts/install-deps installs imagemagick)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: identify)
        p.arguments = ["-format", "%m %w %h", path]
        let out = Pipe()
        p.standardOutput = out; p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text
    }

    /// The graphics golden-frame ROMs (testroms/vga-*.asm) run by the executable:
    /// `--screenshot` writes the very PNG committed as their golden
    /// (Tests/DisplayTests/Golden), and ImageMagick reads it at the mode's size.
    @Test(arguments: [("vga-mode12h", "mode12h", 640, 480), ("vga-mode13h", "mode13h", 320, 200),
                      ("vga-dispi", "dispi800x600x32", 800, 600)])
    func goldenROMScreenshot(rom: String, golden: String, width: Int, height: Int) throws {
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("shot-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: png) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let r = try CommandLineTests.run(["--headless", "--bios", root.appendingPathComponent("testroms/\(rom).bin").path,
                                          "--max-cycles", "400000000", "--screenshot", png])
        #expect(r.status == 0 && r.stdout == "\(rom) drawn\n", "\(r.stdout)\n\(r.stderr)")
        let shot = FileManager.default.contents(atPath: png)
        let expected = FileManager.default.contents(atPath: root.appendingPathComponent("Tests/DisplayTests/Golden/\(golden).png").path)
        #expect(shot != nil && shot == expected, "--screenshot of \(rom) differs from Golden/\(golden).png")
        #expect(try Self.identify(png) == "PNG \(width) \(height)")
    }
}
