// Test helpers: a board with a VGA card, and a BIOS-like mode setter that programs
// the standard register tables purely through port writes.

import Foundation
import Chipset
@testable import Display

final class TestClock { var t: UInt64 = 0 }

/// A VGA card on its own port bus and memory map, with a hand-driven clock.
final class VGARig {
    static let cyclesPerSecond: UInt64 = 33_000_000
    let clock = TestClock()
    let scheduler: Scheduler
    let bus = IOPortBus()
    let memory = MemoryMap(ramMiB: 1)
    let card: VGACard

    init() {
        let clock = self.clock
        scheduler = Scheduler(cyclesPerSecond: VGARig.cyclesPerSecond) { clock.t }
        card = VGACard(scheduler: scheduler)
        card.attach(to: bus, memory: memory)
    }

    func out(_ port: UInt16, _ value: UInt8) { bus.writePort(port, size: 1, value: UInt32(value)) }
    func outw(_ port: UInt16, _ value: UInt16) { bus.writePort(port, size: 2, value: UInt32(value)) }
    func inb(_ port: UInt16) -> UInt8 { UInt8(truncatingIfNeeded: bus.readPort(port, size: 1)) }
    func inw(_ port: UInt16) -> UInt16 { UInt16(truncatingIfNeeded: bus.readPort(port, size: 2)) }
    func poke(_ address: UInt32, _ v: UInt8) { memory.writePhysical(address, v) }
    func peek(_ address: UInt32) -> UInt8 { memory.readPhysical(address) }

    func seq(_ i: UInt8, _ v: UInt8) { out(0x3C4, i); out(0x3C5, v) }
    func gc(_ i: UInt8, _ v: UInt8) { out(0x3CE, i); out(0x3CF, v) }
    func crtc(_ i: UInt8, _ v: UInt8) { out(0x3D4, i); out(0x3D5, v) }
    func attr(_ i: UInt8, _ v: UInt8) {
        _ = inb(0x3DA)            // flip-flop to "index"
        out(0x3C0, i); out(0x3C0, v)
    }
    func dac(_ i: UInt8, _ r: UInt8, _ g: UInt8, _ b: UInt8) {
        out(0x3C8, i); out(0x3C9, r); out(0x3C9, g); out(0x3C9, b)
    }

    /// Programs a mode through the ports as a BIOS does (VGAModeTable.program).
    func setMode(_ m: VGAModeTable) { m.program(on: bus) }

    /// The EGA-compatible 64-colour DAC table a BIOS loads for 16-colour modes:
    /// index bits rgbRGB (bit 5 r, 4 g, 3 b at 1/3 intensity; 2 R, 1 G, 0 B at 2/3).
    func loadEGAPalette() {
        out(0x3C8, 0)
        for i in 0..<64 {
            let r = (i >> 2 & 1) * 0x2A + (i >> 5 & 1) * 0x15
            let g = (i >> 1 & 1) * 0x2A + (i >> 4 & 1) * 0x15
            let b = (i & 1) * 0x2A + (i >> 3 & 1) * 0x15
            out(0x3C9, UInt8(r)); out(0x3C9, UInt8(g)); out(0x3C9, UInt8(b))
        }
    }

    /// The DAC table a BIOS loads for 200-line modes: index bits 0–2 B, G, R at 2/3,
    /// bit 4 intensity adding 1/3 to each, with colour 6 made brown.
    func loadCGAPalette() {
        out(0x3C8, 0)
        for i in 0..<64 {
            let intensity = (i >> 4 & 1) * 0x15
            let r = (i >> 2 & 1) * 0x2A + intensity
            let g = (i & 0x17) == 6 ? 0x15 : (i >> 1 & 1) * 0x2A + intensity
            let b = (i & 1) * 0x2A + intensity
            out(0x3C9, UInt8(r)); out(0x3C9, UInt8(g)); out(0x3C9, UInt8(b))
        }
    }

    /// An RGB 3-3-2 palette in all 256 entries (6-bit DAC values).
    func loadRGB332Palette() {
        out(0x3C8, 0)
        for i in 0..<256 {
            out(0x3C9, UInt8((i >> 5) * 9)); out(0x3C9, UInt8((i >> 2 & 7) * 9)); out(0x3C9, UInt8((i & 3) * 21))
        }
    }

    /// Loads a font into plane 2 as the BIOS does: plane 2 only, sequential addressing,
    /// A0000 64K map, odd/even off; 32 bytes per character; then back to text addressing.
    func loadFont(height: Int, glyph: (Int, Int) -> UInt8) {
        seq(2, 0x04); seq(4, 0x07)
        gc(4, 0x02); gc(5, 0x00); gc(6, 0x04)
        for ch in 0..<256 {
            for row in 0..<32 {
                poke(0xA_0000 + UInt32(ch * 32 + row), row < height ? glyph(ch, row) : 0)
            }
        }
        seq(2, 0x03); seq(4, 0x02)
        gc(4, 0x00); gc(5, 0x10); gc(6, 0x0E)
    }

    /// Advances the machine clock to the start of displayed frame `n` of the current timing.
    func advance(toFrame n: UInt64) {
        let g = card.frameGeometry
        let dots = n * g.lineDots * g.lines
        clock.t = scheduler.cycle(ofTick: dots, hz: card.registers.dotClockHz)
    }
}

/// A test font: blank row 0, a bar on row 1, then the code's bits rotated per row, so
/// neighbouring glyphs differ. Space and NUL are empty.
func testGlyph(_ ch: Int, _ row: Int) -> UInt8 {
    if ch == 0 || ch == 0x20 || row == 0 { return 0 }
    if row == 1 { return 0xFF }
    let b = UInt8(ch)
    let r = UInt8(row % 8)
    return (b << r) | (b >> (8 - r)) | 0x81
}

/// Frame pixel as (r, g, b).
func rgb(_ p: UInt32) -> (UInt8, UInt8, UInt8) {
    (UInt8(p & 0xFF), UInt8(p >> 8 & 0xFF), UInt8(p >> 16 & 0xFF))
}

/// Golden comparison: the frame's CRC-32 and its PNG against Tests/DisplayTests/Golden/NAME.png.
/// With PCEMU_UPDATE_GOLDEN=1 in the environment the golden PNG is (re)written instead.
struct Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let outputDirectory: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("pcemu-display-tests")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()
    static var updating: Bool { ProcessInfo.processInfo.environment["PCEMU_UPDATE_GOLDEN"] == "1" }

    /// Returns (crc, png matches golden).
    static func check(_ name: String, width: Int, height: Int, pixels: [UInt32]) -> (UInt32, Bool) {
        let png = PNGWriter.encode(width: width, height: height, pixels: pixels)
        try? Data(png).write(to: outputDirectory.appendingPathComponent(name + ".png"))
        let golden = directory.appendingPathComponent(name + ".png")
        if updating { try? Data(png).write(to: golden) }
        let stored = (try? Data(contentsOf: golden)).map { [UInt8]($0) }
        return (CRC32.checksum(pixels: pixels), stored == png)
    }

    static func text(_ name: String, _ lines: [String]) -> Bool {
        let text = lines.joined(separator: "\n") + "\n"
        try? text.write(to: outputDirectory.appendingPathComponent(name + ".txt"), atomically: true, encoding: .utf8)
        let golden = directory.appendingPathComponent(name + ".txt")
        if updating { try? text.write(to: golden, atomically: true, encoding: .utf8) }
        return (try? String(contentsOf: golden, encoding: .utf8)) == text
    }
}
