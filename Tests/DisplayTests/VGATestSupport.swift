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

    /// Programs a mode as a BIOS does: misc, sequencer (under synchronous reset),
    /// CRTC (unprotected first), graphics controller, attribute controller, then PAS on.
    func setMode(_ m: VGAModeTable) {
        out(0x3C2, m.misc)
        seq(0, 0x01)
        for (i, v) in m.sequencer.enumerated() { seq(UInt8(i + 1), v) }
        seq(0, 0x03)
        crtc(0x11, 0x00)
        for (i, v) in m.crtc.enumerated() { crtc(UInt8(i), v) }
        for (i, v) in m.graphics.enumerated() { gc(UInt8(i), v) }
        _ = inb(0x3DA)
        for (i, v) in m.attribute.enumerated() { out(0x3C0, UInt8(i)); out(0x3C0, v) }
        out(0x3C0, 0x20)
    }

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

struct VGAModeTable {
    var misc: UInt8
    var sequencer: [UInt8]      // SR01–SR04
    var crtc: [UInt8]           // CR00–CR18
    var graphics: [UInt8]       // GR00–GR08
    var attribute: [UInt8]      // AR00–AR14

    static let egaAttributes: [UInt8] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
                                         0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F]

    /// Mode 03h: 80×25 text, 9×16 cells, 720×400 at 70 Hz.
    static let mode03 = VGAModeTable(
        misc: 0x67, sequencer: [0x00, 0x03, 0x00, 0x02],
        crtc: [0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00,
               0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF],
        graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF],
        attribute: egaAttributes + [0x0C, 0x00, 0x0F, 0x08, 0x00])

    /// 80×50 text: mode 03h with 8-line cells (CR09 = 7) and the cursor on lines 6–7.
    static var mode03x50: VGAModeTable {
        var m = mode03
        m.crtc[0x09] = 0x47; m.crtc[0x0A] = 0x06; m.crtc[0x0B] = 0x07
        return m
    }

    /// Mode 12h: 640×480, 16 colours, planar.
    static let mode12 = VGAModeTable(
        misc: 0xE3, sequencer: [0x01, 0x0F, 0x00, 0x06],
        crtc: [0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,
               0x00, 0x00, 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF],
        graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF],
        attribute: egaAttributes + [0x01, 0x00, 0x0F, 0x00, 0x00])

    /// Mode 13h: 320×200, 256 colours, chain-4.
    static let mode13 = VGAModeTable(
        misc: 0x63, sequencer: [0x01, 0x0F, 0x00, 0x0E],
        crtc: [0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00,
               0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF],
        graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF],
        attribute: (0..<16).map { UInt8($0) } + [0x41, 0x00, 0x0F, 0x00, 0x00])

    /// Mode X: 320×240, 256 colours, unchained (mode 13h with chain-4 off, byte mode,
    /// 480-line timing), as Michael Abrash published it.
    static var modeX: VGAModeTable {
        var m = mode13
        m.misc = 0xE3
        m.sequencer[3] = 0x06
        m.crtc[0x06] = 0x0D; m.crtc[0x07] = 0x3E; m.crtc[0x09] = 0x41
        m.crtc[0x10] = 0xEA; m.crtc[0x11] = 0xAC; m.crtc[0x12] = 0xDF
        m.crtc[0x14] = 0x00; m.crtc[0x15] = 0xE7; m.crtc[0x16] = 0x06; m.crtc[0x17] = 0xE3
        return m
    }

    /// Mode 04h: CGA 320×200, 4 colours, even/odd lines in two 8 KiB banks at B8000.
    static let mode04 = VGAModeTable(
        misc: 0x63, sequencer: [0x09, 0x03, 0x00, 0x02],
        crtc: [0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00, 0x00,
               0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xA2, 0xFF],
        graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x00, 0xFF],
        attribute: [0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07,
                    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00, 0x00])
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
