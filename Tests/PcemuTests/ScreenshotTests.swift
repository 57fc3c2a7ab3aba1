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

    static let convert = ["/usr/bin/convert", "/usr/local/bin/convert"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The pixels of a PNG as R, G, B bytes, read by ImageMagick's `convert`.
    static func rgb(_ path: String) throws -> [UInt8] {
        let convert = try #require(Self.convert, "ImageMagick's convert is missing (scripts/install-deps installs imagemagick)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: convert)
        p.arguments = [path, "-depth", "8", "rgb:-"]
        let out = Pipe()
        p.standardOutput = out; p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return [UInt8](data)
    }

    /// `--screenshot-at CYCLES` takes the picture when the machine's clock gets there and
    /// the run goes on. testroms/vga-mode13h.asm fills the screen top to bottom in about
    /// 2.97 million cycles; at 1.5 million the top rows are drawn (equal to the finished
    /// golden) and the bottom rows are still black (video memory starts zeroed).
    @Test func screenshotAtACycleCount() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("shot-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: png) }
        let rom = root.appendingPathComponent("testroms/vga-mode13h.bin").path
        let golden = root.appendingPathComponent("Tests/DisplayTests/Golden/mode13h.png").path

        let r = try CommandLineTests.run(["--headless", "--bios", rom, "--screenshot", png, "--screenshot-at", "1500000"])
        #expect(r.status == 0 && r.stdout == "vga-mode13h drawn\n", "\(r.stdout)\n\(r.stderr)")
        #expect(try Self.identify(png) == "PNG 320 200")
        let partial = try Self.rgb(png), finished = try Self.rgb(golden)
        try #require(partial.count == 320 * 200 * 3 && finished.count == partial.count)
        let row = 320 * 3
        #expect(partial[0 ..< 10 * row] == finished[0 ..< 10 * row], "the first rows are not drawn yet")
        for y in 190..<199 {
            let inner = partial[(y * row + 3) ..< ((y + 1) * row - 3)]
            #expect(inner.allSatisfy { $0 == 0 }, "row \(y) is not black at cycle 1,500,000")
        }
        #expect(partial != finished)

        // A run that ends first still writes its picture, at the end, and says so.
        let late = try CommandLineTests.run(["--headless", "--bios", rom, "--screenshot", png, "--screenshot-at", "100000000000"])
        #expect(late.status == 0)
        #expect(late.stderr.contains("--screenshot-at 100000000000: the run ended at cycle"), "\(late.stderr)")
        #expect(FileManager.default.contents(atPath: png) == FileManager.default.contents(atPath: golden))

        // --screenshot-at alone is a usage error.
        let alone = try CommandLineTests.run(["--headless", "--bios", rom, "--screenshot-at", "5"])
        #expect(alone.status == 64 && alone.stderr.contains("--screenshot-at needs --screenshot"), "\(alone.stderr)")
    }
}
