// Golden frames drawn by the project's own ROMs on the whole machine: testroms/vga-*.asm
// (NASM, built and checked by testroms/build.sh) are loaded as the system ROM exactly as
// `pcemu --bios testroms/vga-NAME.bin` loads them; the CPU runs each from the reset
// vector; the ROM sets its mode purely through port writes (misc output, sequencer,
// CRTC, graphics controller, attribute controller, DAC; the dispi ports 1CEh/1CFh),
// draws a known pattern through the memory window (or the linear framebuffer), prints
// "<name> drawn" to port 0xE9 and exits through port 0xF4. The frame the card renders
// then must equal the committed golden PNG byte for byte (Tests/DisplayTests/Golden,
// written by our PNG writer) and, for text modes, the committed text dump.
//
// Each ROM draws the same picture as the Swift-driven test of its mode in
// VGAGoldenTests.swift, so both share one golden: the card programmed by x86 code
// through the CPU's OUT instructions and memory writes gives the identical frame.
// Every golden was opened and looked at (the descriptions below say what is there);
// the pixel checks compute the expected colours from the DAC values the ROM loads,
// so a wrong golden would not pass either.

import Foundation
import Testing
import Chipset
@testable import Display

/// A whole machine (CPU, board, VGA card) running one of testroms/vga-*.bin.
struct VGAROMRun {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    let outcome: Machine.Outcome
    let console: String
    /// Kept alive with the card: its scheduler's clock is the machine's CPU.
    let machine: Machine
    let vga: VGACard

    /// Runs testroms/NAME.bin as the system ROM until it exits (at most `maxCycles`).
    init(_ name: String, maxCycles: UInt64 = 400_000_000) throws {
        var config = Machine.Configuration()
        config.rom = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent("testroms/\(name).bin")))
        config.memoryMiB = 2
        config.rebootOnTripleFault = false
        machine = try Machine(config)
        vga = VGACard(scheduler: machine.scheduler)
        vga.attach(to: machine.ports, memory: machine.memory)
        outcome = machine.run(maxCycles: maxCycles)
        console = String(decoding: machine.debugConsole.transcript, as: UTF8.self)
    }

    /// The frame as the window would show it now.
    func frame() -> (width: Int, height: Int, pixels: [UInt32]) { vga.renderFrame() }

    /// The frame at displayed frame 0 (blink phase "on": cursor and blinking characters
    /// visible), independent of how many cycles the ROM took.
    func frameZero() -> (width: Int, height: Int, pixels: [UInt32]) {
        vga.renderer.render(frame: 0)
        return (vga.renderer.width, vga.renderer.height, vga.renderer.pixels)
    }
}

@Suite struct VGAROMGoldenTests {
    /// Runs the ROM and checks that it ended cleanly, having said so on port 0xE9.
    func run(_ name: String) throws -> VGAROMRun {
        let r = try VGAROMRun(name)
        #expect(r.outcome == .guestExit(success: true, code: 0x10), "\(name): \(r.outcome)")
        #expect(r.console == "\(name) drawn\n", "\(name) printed \(r.console.debugDescription)")
        return r
    }

    @Test func text80x25CustomFont() throws {
        // testroms/vga-text80x25.asm. Looked at: a 720×400 text screen; row 0 a blue bar with
        // "pcemu VGA golden: 25 rows" in the custom font (every glyph a bar on its second
        // line over diagonal stripes: the code's bits rotated per row); rows 2–5 the 256
        // codes in grey, the C0–DF line-drawing codes with their 8th column repeated into
        // the 9th; row 7 sixteen swatches "A0".."Af" in background/foreground pairs (blue on
        // yellow, green on light magenta, … the last eight on backgrounds 0–7 since attribute
        // bit 7 means blink); yellow "BLINK" at row 9; a light-green rule of C4h glyphs at
        // row 10 joined into one line by the 9th column; the cursor, a short grey dash on
        // scan lines 13–14 under row 12, column 10; black-on-grey "last row" at the bottom right.
        let r = try run("vga-text80x25")
        let f = r.frameZero()
        #expect(f.width == 720 && f.height == 400)
        let screen = r.vga.textScreen ?? []
        #expect(screen.count == 25 && screen.first?.hasPrefix("pcemu VGA golden: 25 rows") == true)
        #expect(Golden.text("text80x25", screen))
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 720 + x]) }
        // EGA palette: AR01 → DAC 01 = (0, 0, 2Ah) → 00 00 AA; AR0F → DAC 3F = white.
        #expect(px(0, 0) == (0, 0, 0xAA) && px(0, 1) == (0xFF, 0xFF, 0xFF) && px(8, 1) == (0, 0, 0xAA))
        #expect(px(90, 192 + 13) == (0xAA, 0xAA, 0xAA) && px(90, 192 + 12) == (0, 0, 0))   // the cursor
        #expect(px(8, 161) == (0x55, 0xFF, 0x55))                                          // C4h's 9th column
        let (crc, same) = Golden.check("text80x25", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same, "the frame differs from Golden/text80x25.png (the ROM's frame is in \(Golden.outputDirectory.path))")
        #expect(crc == 0x590F9B22)
        // The ROM leaves AR10 bit 3 (blink) on: frames 16–31 show "BLINK" as its background.
        r.vga.renderer.render(frame: 16)
        #expect(rgb(r.vga.renderer.pixels[(144 + 1) * 720]) == (0, 0, 0))
    }

    @Test func text80x50CustomFont() throws {
        // testroms/vga-text80x50.asm. Looked at: the same pattern in 50 rows of 8-line cells
        // (the font's first 8 rows), the whole screen still 720×400; "last row" on row 49 at
        // the bottom right; the cursor on lines 6–7 of row 0, column 0 (inside the title bar).
        let r = try run("vga-text80x50")
        let f = r.frameZero()
        #expect(f.width == 720 && f.height == 400)
        let screen = r.vga.textScreen ?? []
        #expect(screen.count == 50 && screen.last?.hasSuffix("last row  ") == true)
        #expect(Golden.text("text80x50", screen))
        #expect(rgb(f.pixels[(392 + 1) * 720 + 630]) == (0, 0, 0))        // 'l' bar, black on grey
        #expect(rgb(f.pixels[392 * 720 + 630]) == (0xAA, 0xAA, 0xAA))
        let (crc, same) = Golden.check("text80x50", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same, "the frame differs from Golden/text80x50.png")
        #expect(crc == 0x2ECC5D47)
    }

    @Test func mode12hPlanar() throws {
        // testroms/vga-mode12h.asm. Looked at: 640×480; the top half 16 vertical bars 40 px
        // wide, black, blue, green, cyan, red, magenta, brown, light grey, dark grey, light
        // blue … yellow, white; a yellow rectangle at x 80–239, y 300–379; a thin diagonal
        // from the top left corner to (479, 479): white over black, each bar's colour XOR 15
        // inside the bars (yellow across the blue bar, …, black across the white one).
        let r = try run("vga-mode12h")
        let f = r.frame()
        #expect(f.width == 640 && f.height == 480)
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 640 + x]) }
        #expect(px(45, 10) == (0, 0, 0xAA))              // bar 1 (write mode 2)
        #expect(px(6 * 40 + 1, 100) == (0xAA, 0x55, 0))  // bar 6: AR06 = 14h, brown
        #expect(px(100, 300) == (0xFF, 0xFF, 0x55))      // set/reset rectangle, colour 14
        #expect(px(45, 45) == (0xFF, 0xFF, 0x55))        // XOR diagonal in bar 1: 1 ^ 15 = 14
        #expect(px(300, 300) == (0xFF, 0xFF, 0xFF) && px(301, 300) == (0, 0, 0))
        let (crc, same) = Golden.check("mode12h", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same, "the frame differs from Golden/mode12h.png")
        #expect(crc == 0x4D6CFD56)
    }

    @Test func mode13hChain4() throws {
        // testroms/vga-mode13h.asm. Looked at: 320×200 of diagonal colour bands rising to the
        // right (colour (x + 2y) mod 256 through the RGB 3-3-2 palette: blue-green, pink,
        // yellow sweeps repeating), inside a one-pixel white frame.
        let r = try run("vga-mode13h")
        let f = r.frame()
        #expect(f.width == 320 && f.height == 200)
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 320 + x]) }
        #expect(px(0, 0) == (0xFF, 0xFF, 0xFF) && px(319, 199) == (0xFF, 0xFF, 0xFF))
        #expect(px(33, 5) == (0x24, 0x49, 0xFF))         // 2Bh = 001 010 11 → 6-bit 9, 18, 63
        #expect(px(100, 50) == (0xDB, 0x49, 0x00))       // C8h = 110 010 00
        let (crc, same) = Golden.check("mode13h", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same, "the frame differs from Golden/mode13h.png")
        #expect(crc == 0x06D312C5)
    }

    @Test func modeXUnchained() throws {
        // testroms/vga-modex.asm. Looked at: 320×240, a 16 × 16 grid of 20 × 15 squares; red
        // grows to the right (colour bits 7–5 = column / 2), green and blue change down each
        // column; black top left, white bottom right.
        let r = try run("vga-modex")
        let f = r.frame()
        #expect(f.width == 320 && f.height == 240)
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 320 + x]) }
        #expect(px(0, 0) == (0, 0, 0) && px(319, 239) == (0xFF, 0xFF, 0xFF))
        #expect(px(7 * 20 + 3, 3 * 15 + 2) == (0x6D, 0x92, 0xFF))   // square (7, 3) = 73h
        #expect(px(7 * 20 + 1, 3 * 15 + 2) == (0x6D, 0x92, 0xFF))   // a pixel of another plane
        let (crc, same) = Golden.check("modeX", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same, "the frame differs from Golden/modeX.png")
        #expect(crc == 0xB9A0463A)
    }

    @Test func cgaMode04h() throws {
        // testroms/vga-mode04h.asm. Looked at: 320×200, four horizontal stripes 50 lines high,
        // black, light cyan, light magenta, white, crossed by thin white columns at x 0, 80,
        // 160 and 240 (invisible on the white stripe).
        let r = try run("vga-mode04h")
        let f = r.frame()
        #expect(f.width == 320 && f.height == 200)
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 320 + x]) }
        #expect(px(5, 10) == (0, 0, 0) && px(5, 51) == (0x55, 0xFF, 0xFF) && px(5, 149) == (0xFF, 0x55, 0xFF))
        #expect(px(80, 10) == (0xFF, 0xFF, 0xFF) && px(81, 11) == (0xFF, 0xFF, 0xFF) && px(82, 10) == (0, 0, 0))
        let (crc, same) = Golden.check("mode04h", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same, "the frame differs from Golden/mode04h.png")
        #expect(crc == 0x24689459)
    }

    @Test func dispi800x600x32() throws {
        // testroms/vga-dispi.asm. Looked at: 800×600; a smooth gradient, dark blue at the top
        // left, pink-red at the top right, green at the bottom left, pale yellow at the bottom
        // right; a white 100 × 100 square in the middle (350–449, 250–349) and a one-pixel
        // white border. Drawn through the linear framebuffer at E0000000h from unreal mode.
        let r = try run("vga-dispi")
        #expect(r.vga.vbe.enabled && r.vga.vbe.xres == 800 && r.vga.vbe.yres == 600)
        let f = r.frame()
        #expect(f.width == 800 && f.height == 600)
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 800 + x]) }
        #expect(px(1, 1) == (0, 0, 0x80) && px(798, 598) == (0xFE, 0xFE, 0x80))
        #expect(px(400, 300) == (0xFF, 0xFF, 0xFF) && px(0, 300) == (0xFF, 0xFF, 0xFF))
        #expect(px(400, 100) == (UInt8(400 * 255 / 799), UInt8(100 * 255 / 599), 0x80))
        let (crc, same) = Golden.check("dispi800x600x32", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same, "the frame differs from Golden/dispi800x600x32.png")
        #expect(crc == 0x6B3BF25A)
    }
}
