// Golden frames: each mode family is set purely through port writes (standard
// register tables), a known pattern is drawn through the memory window, and the
// rendered frame is compared with committed goldens (Tests/DisplayTests/Golden):
// text dumps for text modes, PNG bytes + CRC-32 for every frame, and exact pixels
// computed from the DAC so that a wrong golden is caught.
// Regenerate with PCEMU_UPDATE_GOLDEN=1 swift test --filter VGAGolden (then look at them).
// The project ROMs testroms/vga-*.asm draw the same pictures on the whole machine, through
// the CPU's port and memory writes, and must give the same goldens (VGAROMGoldenTests.swift).

import Testing
import Chipset
@testable import Display

@Suite struct VGAGoldenTests {

    /// Fills the 80-column text screen with a pattern: a title, every character code,
    /// attribute swatches, a blinking word and a line-drawing rule.
    func drawTextPattern(_ rig: VGARig, rows: Int) {
        func put(_ row: Int, _ col: Int, _ s: [UInt8], _ attr: UInt8) {
            for (k, ch) in s.enumerated() {
                let off = UInt32((row * 80 + col + k) * 2)
                rig.poke(0xB_8000 + off, ch); rig.poke(0xB_8000 + off + 1, attr)
            }
        }
        for i in 0..<(80 * rows) { rig.poke(0xB_8000 + UInt32(2 * i), 0x20); rig.poke(0xB_8001 + UInt32(2 * i), 0x07) }
        put(0, 0, Array("pcemu VGA golden: \(rows) rows".utf8), 0x1F)
        for ch in 0..<256 { put(2 + ch / 64, 8 + ch % 64, [UInt8(ch)], 0x07) }
        for a in 0..<16 { put(7, a * 4, Array("A\(String(a, radix: 16))".utf8), UInt8(a << 4 | (15 - a))) }
        put(9, 0, Array("BLINK".utf8), 0x8E)
        put(10, 0, [UInt8](repeating: 0xC4, count: 40), 0x0A)
        put(rows - 1, 70, Array("last row".utf8), 0x70)
    }

    @Test func text80x25() {
        // Shows: blue title bar "pcemu VGA golden: 25 rows" with white test glyphs; the 256
        // codes in four rows of 64; 16 background/foreground swatches; yellow "BLINK";
        // a green rule of C4 glyphs joined by their 9th column; the cursor (lines 13–14)
        // under column 10 of row 12; black-on-grey "last row" at the bottom right.
        let rig = VGARig()
        rig.setMode(.mode03)
        rig.loadEGAPalette()
        rig.loadFont(height: 16, glyph: testGlyph)
        drawTextPattern(rig, rows: 25)
        rig.crtc(0x0E, 0x03); rig.crtc(0x0F, 0xCA)   // cursor at 970 = row 12, column 10

        let f = rig.card.renderFrame()
        #expect(f.width == 720 && f.height == 400)
        let screen = rig.card.textScreen ?? []
        #expect(screen.count == 25 && screen.allSatisfy { $0.unicodeScalars.count == 80 })
        #expect(screen.first?.hasPrefix("pcemu VGA golden: 25 rows") == true)
        #expect(Golden.text("text80x25", screen))

        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 720 + x]) }
        let white: (UInt8, UInt8, UInt8) = (255, 255, 255), blue: (UInt8, UInt8, UInt8) = (0, 0, 0xAA)
        // 'p' at row 0, column 0, attribute 1F: row 0 of the glyph is background (blue),
        // row 1 is the bar in the foreground (AR0F → DAC 3F = white); the 9th column of a
        // letter is background even where the 8th is lit.
        #expect(px(0, 0) == blue)
        #expect(px(0, 1) == white && px(7, 1) == white)
        #expect(px(8, 1) == blue)
        // C4 (line graphics, AR10 bit 2) at row 10: the 9th column repeats the 8th: light green (AR0A → 3A).
        let green: (UInt8, UInt8, UInt8) = (0x55, 0xFF, 0x55)
        #expect(px(8, 160 + 1) == green && px(9, 160 + 1) == green)
        // Cursor: row 12, column 10, scan lines 13–14 in the foreground (attribute 07 → AA AA AA).
        #expect(px(90, 192 + 13) == (0xAA, 0xAA, 0xAA) && px(98, 192 + 14) == (0xAA, 0xAA, 0xAA))
        #expect(px(90, 192 + 12) == (0, 0, 0) && px(99, 192 + 13) == (0, 0, 0))
        let (crc, same) = Golden.check("text80x25", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same)
        #expect(crc == 0x590F9B22)

        // Blink (AR10 bit 3): in frames 16–31 the blinking "BLINK" shows its background.
        rig.advance(toFrame: 16)
        let g = rig.card.renderFrame()
        #expect(rgb(g.pixels[(144 + 1) * 720 + 0]) == (0, 0, 0))
        #expect(rgb(f.pixels[(144 + 1) * 720 + 0]) == (0xFF, 0xFF, 0x55))
    }

    @Test func text80x50() {
        // Shows: the same pattern with 8-line cells, 50 rows; "last row" on row 49.
        let rig = VGARig()
        rig.setMode(.mode03x50)
        rig.loadEGAPalette()
        rig.loadFont(height: 8, glyph: testGlyph)
        drawTextPattern(rig, rows: 50)
        let f = rig.card.renderFrame()
        #expect(f.width == 720 && f.height == 400)
        let screen = rig.card.textScreen ?? []
        #expect(screen.count == 50)
        #expect(screen.last?.hasSuffix("last row  ") == true)
        #expect(Golden.text("text80x50", screen))
        // Row 49 starts at line 392: glyph row 1 of 'l' (attr 70: black on grey) at column 70.
        #expect(rgb(f.pixels[(392 + 1) * 720 + 630]) == (0, 0, 0))
        #expect(rgb(f.pixels[(392 + 0) * 720 + 630]) == (0xAA, 0xAA, 0xAA))
        let (crc, same) = Golden.check("text80x50", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same)
        #expect(crc == 0x2ECC5D47)
    }

    @Test func mode12Planar() {
        // Shows: 16 vertical colour bars (40 px each) over the top half (write mode 2);
        // a yellow rectangle at x 80–239, y 300–379 (set/reset); a diagonal from the top
        // left to (479, 479) drawn with XOR, so it inverts each bar's colour.
        let rig = VGARig()
        rig.setMode(.mode12)
        rig.loadEGAPalette()
        rig.gc(5, 0x02)
        for y in 0..<240 {
            for bx in 0..<80 {
                let a = 0xA_0000 + UInt32(y * 80 + bx)
                _ = rig.peek(a)
                rig.poke(a, UInt8(bx / 5))
            }
        }
        rig.gc(5, 0x00); rig.gc(1, 0x0F); rig.gc(0, 0x0E)
        for y in 300..<380 { for bx in 10..<30 { rig.poke(0xA_0000 + UInt32(y * 80 + bx), 0) } }
        rig.gc(1, 0x00); rig.gc(3, 0x18)
        for y in 0..<480 {
            let a = 0xA_0000 + UInt32(y * 80 + y / 8)
            rig.gc(8, 0x80 >> UInt8(y & 7))
            _ = rig.peek(a)
            rig.poke(a, 0xFF)
        }
        rig.gc(3, 0x00); rig.gc(8, 0xFF)

        let f = rig.card.renderFrame()
        #expect(f.width == 640 && f.height == 480)
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 640 + x]) }
        #expect(px(1, 0) == (0, 0, 0))                 // bar 0: colour 0
        #expect(px(45, 10) == (0, 0, 0xAA))            // bar 1: AR01 → DAC 01
        #expect(px(6 * 40 + 1, 100) == (0xAA, 0x55, 0))// bar 6: AR06 = 14h → brown
        #expect(px(639, 239) == (0xFF, 0xFF, 0xFF))    // bar 15: white
        #expect(px(100, 300) == (0xFF, 0xFF, 0x55))    // rectangle: yellow (AR0E → 3E)
        #expect(px(100, 299) == (0, 0, 0))
        #expect(px(45, 45) == (0xFF, 0xFF, 0x55))      // diagonal in bar 1: 1 ^ 15 = 14, yellow
        #expect(px(300, 300) == (0xFF, 0xFF, 0xFF))    // diagonal over black: white
        let (crc, same) = Golden.check("mode12h", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same)
        #expect(crc == 0x4D6CFD56)
    }

    @Test func mode13Chain4() {
        // Shows: an RGB 3-3-2 palette sweep, colour (x + 2y) mod 256 — diagonal bands —
        // with a white (colour FF) frame around the edge.
        let rig = VGARig()
        rig.setMode(.mode13)
        rig.loadRGB332Palette()
        for y in 0..<200 {
            for x in 0..<320 {
                let edge = x == 0 || y == 0 || x == 319 || y == 199
                rig.poke(0xA_0000 + UInt32(y * 320 + x), edge ? 0xFF : UInt8((x + 2 * y) & 0xFF))
            }
        }
        let f = rig.card.renderFrame()
        #expect(f.width == 320 && f.height == 200)
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 320 + x]) }
        #expect(px(0, 0) == (0xFF, 0xFF, 0xFF))
        // Colour 0x2B = 001 010 11 → r 9, g 18, b 63 (6-bit) → 24, 48, FF.
        #expect(px(33, 5) == (0x24, 0x49, 0xFF))
        #expect(px(100, 50) == (0xDB, 0x49, 0x00))     // 200 = 110 010 00
        let (crc, same) = Golden.check("mode13h", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same)
        #expect(crc == 0x06D312C5)

        // Dirty tracking: one more byte redraws exactly its output line.
        _ = rig.card.renderFrame()
        rig.poke(0xA_0000 + 320 * 77 + 5, 0x00)
        let g = rig.card.renderFrame()
        #expect(rig.card.renderer.linesRendered == 1)
        #expect(rgb(g.pixels[77 * 320 + 5]) == (0, 0, 0))
    }

    @Test func modeXUnchained() {
        // Shows: 16 × 16 squares of 20 × 15 pixels, colour = column × 16 + row of the square,
        // drawn plane by plane (map mask) in unchained memory.
        let rig = VGARig()
        rig.setMode(.modeX)
        rig.loadRGB332Palette()
        for plane in 0..<4 {
            rig.seq(2, UInt8(1 << plane))
            for y in 0..<240 {
                for x in stride(from: plane, to: 320, by: 4) {
                    rig.poke(0xA_0000 + UInt32(y * 80 + x / 4), UInt8((x / 20) * 16 + y / 15))
                }
            }
        }
        let f = rig.card.renderFrame()
        #expect(f.width == 320 && f.height == 240)
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 320 + x]) }
        #expect(px(0, 0) == (0, 0, 0))
        // Square (column 7, row 3) = 0x73 = 011 100 11 → 6-bit 27, 36, 63 → 6D, 92, FF.
        #expect(px(7 * 20 + 3, 3 * 15 + 2) == (0x6D, 0x92, 0xFF))
        #expect(px(319, 239) == (0xFF, 0xFF, 0xFF))   // colour 0xFF
        let (crc, same) = Golden.check("modeX", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same)
        #expect(crc == 0xB9A0463A)
    }

    @Test func cgaMode04() {
        // Shows: four horizontal stripes of 50 lines in colours 0–3 (black, light cyan,
        // light magenta, white: BIOS palette 1, high intensity) crossed by a 2-pixel-wide colour-3 column
        // every 80 pixels; even lines come from the bank at B8000, odd lines from BA000.
        let rig = VGARig()
        rig.setMode(.mode04)
        rig.loadCGAPalette()
        for y in 0..<200 {
            for bx in 0..<80 {
                let c = UInt8(y / 50)
                var b = c << 6 | c << 4 | c << 2 | c
                if bx % 20 == 0 { b = 0xF0 | (b & 0x0F) }
                rig.poke(0xB_8000 + UInt32((y & 1) * 0x2000 + (y / 2) * 80 + bx), b)
            }
        }
        let f = rig.card.renderFrame()
        #expect(f.width == 320 && f.height == 200)
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 320 + x]) }
        #expect(px(5, 10) == (0, 0, 0))
        #expect(px(5, 51) == (0x55, 0xFF, 0xFF))       // colour 1 → AR01 13h → DAC 13h
        #expect(px(5, 149) == (0xFF, 0x55, 0xFF))      // colour 2 → AR02 15h
        #expect(px(5, 199) == (0xFF, 0xFF, 0xFF))      // colour 3 → AR03 17h
        #expect(px(0, 10) == (0xFF, 0xFF, 0xFF) && px(1, 11) == (0xFF, 0xFF, 0xFF) && px(2, 10) == (0, 0, 0))
        let (crc, same) = Golden.check("mode04h", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same)
        #expect(crc == 0x24689459)
    }

    @Test func dispi800x600x32() {
        // Shows: a red (x) / green (y) gradient with blue 80, a white 100×100 square at
        // (350, 250) and a 1-pixel white border, drawn through the LFB at E0000000.
        let rig = VGARig()
        rig.outw(0x1CE, 0); rig.outw(0x1CF, 0xB0C5)
        rig.outw(0x1CE, 4); rig.outw(0x1CF, 0)
        rig.outw(0x1CE, 1); rig.outw(0x1CF, 800)
        rig.outw(0x1CE, 2); rig.outw(0x1CF, 600)
        rig.outw(0x1CE, 3); rig.outw(0x1CF, 32)
        rig.outw(0x1CE, 4); rig.outw(0x1CF, 0x41)
        let base: UInt32 = 0xE000_0000
        for y in 0..<600 {
            for x in 0..<800 {
                let white = (x >= 350 && x < 450 && y >= 250 && y < 350) || x == 0 || y == 0 || x == 799 || y == 599
                let a = base + UInt32((y * 800 + x) * 4)
                rig.poke(a, white ? 0xFF : 0x80)                             // blue
                rig.poke(a + 1, white ? 0xFF : UInt8(y * 255 / 599))         // green
                rig.poke(a + 2, white ? 0xFF : UInt8(x * 255 / 799))         // red
            }
        }
        let f = rig.card.renderFrame()
        #expect(f.width == 800 && f.height == 600)
        let px = { (x: Int, y: Int) in rgb(f.pixels[y * 800 + x]) }
        #expect(px(400, 300) == (0xFF, 0xFF, 0xFF))
        #expect(px(799, 1) == (0xFF, 0xFF, 0xFF))
        #expect(px(1, 1) == (0, 0, 0x80))
        #expect(px(798, 598) == (0xFE, 0xFE, 0x80))
        // Redrawing after one LFB write touches only the lines on that 4 KiB page.
        rig.poke(base + UInt32((300 * 800 + 10) * 4), 0x00)
        _ = rig.card.renderFrame()
        #expect(rig.card.renderer.linesRendered <= 2)
        let (crc, same) = Golden.check("dispi800x600x32", width: f.width, height: f.height, pixels: f.pixels)
        #expect(same)
        #expect(crc == 0x6B3BF25A)
    }
}
