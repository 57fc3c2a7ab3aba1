// Port-level register behaviour (IBM VGA Technical Reference; FreeVGA "External
// Registers", "Attribute Controller", "DAC Operation", "CRTC"), display timing,
// the Bochs VBE interface, scan-out features and the PNG/CRC helpers.

import Testing
import Chipset
@testable import Display

@Suite struct VGARegisterTests {
    @Test func attributeFlipFlopResetByInputStatus1() {
        let rig = VGARig()
        rig.setMode(.mode03)
        _ = rig.inb(0x3DA)
        rig.out(0x3C0, 0x11)                // index (PAS clear)
        rig.out(0x3C0, 0x05)                // data → AR11 overscan
        #expect(rig.card.registers.attribute[0x11] == 0x05)
        rig.out(0x3C0, 0x31)                // index again (PAS set)
        #expect(rig.inb(0x3C0) == 0x31)
        #expect(rig.inb(0x3C1) == 0x05)
        // The flip-flop now expects data, but a status read resets it to index.
        _ = rig.inb(0x3DA)
        rig.out(0x3C0, 0x32)                // index 12h with PAS
        rig.out(0x3C0, 0x0F)
        #expect(rig.card.registers.attribute[0x12] == 0x0F)
        #expect(rig.card.registers.attribute[0x11] == 0x05)
    }

    @Test func dacIndexesAutoIncrement() {
        let rig = VGARig()
        rig.out(0x3C8, 0xFE)
        for v in [1, 2, 3, 4, 5, 6, 7, 8, 9] as [UInt8] { rig.out(0x3C9, v) }
        // FE, FF, then wraps to 00.
        #expect(rig.inb(0x3C8) == 0x01)
        rig.out(0x3C7, 0xFF)
        #expect(rig.inb(0x3C7) == 3)
        #expect([rig.inb(0x3C9), rig.inb(0x3C9), rig.inb(0x3C9), rig.inb(0x3C9)] == [4, 5, 6, 7])
        rig.out(0x3C8, 0)
        #expect(rig.inb(0x3C7) == 0)
        // 6-bit DAC: the top two bits are not stored.
        rig.out(0x3C9, 0xFF); rig.out(0x3C9, 0x40); rig.out(0x3C9, 0x3F)
        rig.out(0x3C7, 0)
        #expect([rig.inb(0x3C9), rig.inb(0x3C9), rig.inb(0x3C9)] == [0x3F, 0x00, 0x3F])
    }

    @Test func crtcProtectAndIOAddressSelect() {
        let rig = VGARig()
        rig.out(0x3C2, 0x67)                // colour: CRTC at 3D4
        rig.crtc(0x11, 0x80)                // protect CR00–CR07
        rig.crtc(0x01, 0x4F)
        #expect(rig.card.registers.crtc[1] == 0)
        rig.crtc(0x07, 0xFF)                // only bit 4 (line compare bit 8) gets through
        #expect(rig.card.registers.crtc[7] == 0x10)
        rig.crtc(0x11, 0x00)
        rig.crtc(0x01, 0x4F)
        #expect(rig.card.registers.crtc[1] == 0x4F)
        // The monochrome ports are deselected in colour mode …
        #expect(rig.inb(0x3B5) == 0xFF && rig.inb(0x3BA) == 0xFF)
        rig.out(0x3B4, 0x01); rig.out(0x3B5, 0x27)
        #expect(rig.card.registers.crtc[1] == 0x4F)
        // … and selected once misc bit 0 is clear; a word OUT writes index and data.
        rig.out(0x3C2, 0x66)
        rig.outw(0x3B4, 0x2701)
        #expect(rig.card.registers.crtc[1] == 0x27)
        #expect(rig.inb(0x3D5) == 0xFF)
        #expect(rig.inb(0x3CC) == 0x66)
    }

    @Test func inputStatusFollowsTheCycleClock() {
        let rig = VGARig()
        rig.setMode(.mode03)
        // Mode 03h: 900 dots × 449 lines at 28.322 MHz → 70.08 Hz, lines of 31.47 kHz.
        let g = rig.card.frameGeometry
        #expect(g.lineDots == 900 && g.lines == 449)
        func status(atDot dot: UInt64) -> UInt8 {
            rig.clock.t = rig.scheduler.cycle(ofTick: dot, hz: 28_322_000)
            return rig.inb(0x3DA)
        }
        #expect(status(atDot: 0) & 0x09 == 0)                    // line 0, first dot: displaying
        #expect(status(atDot: 720) & 0x09 == 0x01)               // horizontal blanking
        #expect(status(atDot: 400 * 900) & 0x09 == 0x01)         // below the display, before retrace
        #expect(status(atDot: 412 * 900 + 5) & 0x09 == 0x09)     // retrace: lines 412–413
        #expect(status(atDot: 414 * 900) & 0x08 == 0)
        // A polling loop on bit 3 terminates: it is seen set and then clear within a frame.
        var sawSet = false, sawClearAfter = false
        for step in 0..<600 {
            rig.clock.t = UInt64(step) * 1000
            let v = rig.inb(0x3DA)
            if v & 8 != 0 { sawSet = true } else if sawSet { sawClearAfter = true }
        }
        #expect(sawSet && sawClearAfter)
    }

    @Test func resolutionFromCRTC() {
        let rig = VGARig()
        let cases: [(VGAModeTable, Int, Int)] = [(.mode03, 720, 400), (.mode12, 640, 480), (.mode13, 320, 200),
                                                 (.modeX, 320, 240), (.mode04, 320, 200)]
        for (m, w, h) in cases {
            rig.setMode(m)
            let f = rig.card.renderFrame()
            #expect(f.width == w && f.height == h)
        }
        // 8-dot characters (SR01 bit 0) make mode 03h 640 wide; halving CR01 halves it.
        rig.setMode(.mode03)
        rig.seq(1, 0x01)
        #expect(rig.card.renderFrame().width == 640)
        rig.crtc(0x01, 0x27)                          // CR11 bit 7 (mode 03h: set) protects CR01
        #expect(rig.card.renderFrame().width == 640)
        rig.crtc(0x11, 0x0E)
        rig.crtc(0x01, 0x27)
        #expect(rig.card.renderFrame().width == 320)
        // 350 displayed lines (CR12 = 5Dh + bit 8) with 8-line cells: 43 rows of text.
        rig.setMode(.mode03)
        rig.crtc(0x11, 0x0E); rig.crtc(0x12, 0x5D); rig.crtc(0x09, 0x47)
        #expect(rig.card.renderFrame().height == 350)
        #expect(rig.card.textScreen?.count == 43)
    }

    @Test func lineCompareSplitsTheScreen() {
        let rig = VGARig()
        rig.setMode(.mode13)
        rig.loadRGB332Palette()
        for i in 0..<64000 { rig.poke(0xA_0000 + UInt32(i), i < 320 ? 0xE0 : 0x03) }   // row 0 red, rest blue
        // Start 40 rows down (start address counts in doublewords: 320 × 40 / 4) and split
        // after display line 199 (row 99): rows 100+ show memory from address 0 again.
        let start = 320 * 40 / 4
        rig.crtc(0x0C, UInt8(start >> 8)); rig.crtc(0x0D, UInt8(start & 0xFF))
        rig.crtc(0x18, 199)
        rig.crtc(0x07, 0x0F); rig.crtc(0x09, 0x01)    // line compare bits 8 and 9 clear
        let f = rig.card.renderFrame()
        #expect(rgb(f.pixels[0]) == (0, 0, 0xFF))                     // row 40: blue
        #expect(rgb(f.pixels[99 * 320]) == (0, 0, 0xFF))
        #expect(rgb(f.pixels[100 * 320]) == (0xFF, 0, 0))             // split: row 0 of memory
        #expect(rgb(f.pixels[101 * 320]) == (0, 0, 0xFF))
    }

    @Test func cursorMoveRedrawsOnlyItsRows() {
        let rig = VGARig()
        rig.setMode(.mode03)
        rig.loadEGAPalette()
        rig.loadFont(height: 16, glyph: testGlyph)
        for i in 0..<2000 { rig.poke(0xB_8000 + UInt32(2 * i), 0x20); rig.poke(0xB_8001 + UInt32(2 * i), 0x07) }
        _ = rig.card.renderFrame()
        _ = rig.card.renderFrame()
        #expect(rig.card.renderer.linesRendered == 0)
        rig.crtc(0x0E, 0x00); rig.crtc(0x0F, 80 * 3 + 4)            // row 3
        let f = rig.card.renderFrame()
        // Old cursor row 0 and new row 3: two rows of 16 lines.
        #expect(rig.card.renderer.linesRendered == 32)
        #expect(rgb(f.pixels[(48 + 13) * 720 + 36]) == (0xAA, 0xAA, 0xAA))
        // The cursor blinks: frames 8–15 hide it.
        rig.advance(toFrame: 8)
        let g = rig.card.renderFrame()
        #expect(rgb(g.pixels[(48 + 13) * 720 + 36]) == (0, 0, 0))
    }

    @Test func paletteAddressSourceBlanksTheScreen() {
        let rig = VGARig()
        rig.setMode(.mode13)
        rig.loadRGB332Palette()
        rig.poke(0xA_0000, 0xFF)
        #expect(rgb(rig.card.renderFrame().pixels[0]) == (0xFF, 0xFF, 0xFF))
        _ = rig.inb(0x3DA)
        rig.out(0x3C0, 0x11); rig.out(0x3C0, 0x03)   // PAS clear, overscan colour 3
        #expect(rgb(rig.card.renderFrame().pixels[0]) == (0, 0, 0xFF))
        rig.out(0x3C0, 0x20)
        rig.seq(1, 0x21)                              // screen off
        #expect(rgb(rig.card.renderFrame().pixels[0]) == (0, 0, 0))
    }

    @Test func vbeInterface() {
        let rig = VGARig()
        rig.outw(0x1CE, 0)
        #expect(rig.inw(0x1CF) == 0xB0C5)
        rig.outw(0x1CF, 0xB0C2)
        #expect(rig.inw(0x1CF) == 0xB0C2)
        rig.outw(0x1CF, 0x1234)                       // not an ID: ignored
        #expect(rig.inw(0x1CF) == 0xB0C2)
        rig.outw(0x1CE, 4); rig.outw(0x1CF, 0x02)    // GETCAPS
        rig.outw(0x1CE, 1)
        #expect(rig.inw(0x1CF) == 2560)
        rig.outw(0x1CE, 3)
        #expect(rig.inw(0x1CF) == 32)
        rig.outw(0x1CE, 10)
        #expect(rig.inw(0x1CF) == 256)                // 16 MiB in 64 KiB units
        // 640×480×16, banked (no LFB flag): bank 2 at A0000 is VRAM offset 0x20000.
        for (i, v) in [(4, 0), (1, 640), (2, 480), (3, 16), (4, 0x01), (5, 2)] as [(UInt16, UInt16)] {
            rig.outw(0x1CE, i); rig.outw(0x1CF, v)
        }
        rig.poke(0xA_0010, 0x1F); rig.poke(0xA_0011, 0x00)   // blue in RGB 5-6-5
        #expect(rig.card.vbe.vram[0x20010] == 0x1F)
        #expect(rig.peek(0xE002_0010) == 0x1F)        // the LFB sees the same VRAM
        let f = rig.card.renderFrame()
        #expect(f.width == 640 && f.height == 480)
        let p = (0x20010 / 2)
        #expect(rgb(f.pixels[p]) == (0, 0, 0xFF))
        // Resolution writes while enabled are ignored; virtual width and offsets move the start.
        rig.outw(0x1CE, 1); rig.outw(0x1CF, 800)
        #expect(rig.inw(0x1CF) == 640)
        rig.outw(0x1CE, 6); rig.outw(0x1CF, 1024)
        rig.outw(0x1CE, 9); rig.outw(0x1CF, 1)
        #expect(rig.card.vbe.displayStart == 2048)
        rig.outw(0x1CE, 7)
        #expect(Int(rig.inw(0x1CF)) == (16 << 20) / 2048)
        // Disabling returns the window to the VGA planes.
        rig.outw(0x1CE, 4); rig.outw(0x1CF, 0)
        rig.setMode(.mode13)
        rig.poke(0xA_0010, 0x42)
        #expect(rig.card.memory.byte(plane: 0, at: 0x10) == 0x42)
    }

    @Test func checksumsAndCodePage() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGWriter.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(CodePage437.low.count == 32 && CodePage437.high.count == 128)
        #expect(CodePage437.scalar(0xDB) == "█" && CodePage437.scalar(0x01) == "☺" && CodePage437.scalar(0x41) == "A")
        // A 1×1 PNG is deterministic and starts with the signature and IHDR.
        let png = PNGWriter.encode(width: 1, height: 1, pixels: [0xFF00_00FF])
        #expect(png.prefix(16) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
    }

    @Test func hostileRegisterValuesDoNotCrash() {
        let rig = VGARig()
        // Every register index and value pattern, then render: no traps, sane sizes.
        for i in 0..<256 {
            let v = UInt8(truncatingIfNeeded: i &* 97)
            rig.seq(UInt8(i), v); rig.gc(UInt8(i), v); rig.crtc(UInt8(i), v)
            rig.crtc(0x11, 0)
            _ = rig.inb(0x3DA); rig.out(0x3C0, UInt8(i)); rig.out(0x3C0, v)
            rig.out(0x3C2, v)
            rig.poke(0xA_0000 + UInt32(i * 257), v)
            _ = rig.peek(0xB_8000 + UInt32(i * 131))
            _ = rig.inb(0x3DA); _ = rig.inb(0x3BA)
            if i % 32 == 0 {
                let f = rig.card.renderFrame()
                #expect(f.width >= 1 && f.height >= 1 && f.pixels.count == f.width * f.height)
            }
        }
        for (i, v) in [(1, 0xFFFF), (2, 0xFFFF), (3, 0x1234), (4, 0xFFFF), (5, 0xFFFF), (6, 0xFFFF), (8, 0xFFFF), (9, 0xFFFF)] as [(UInt16, UInt16)] {
            rig.outw(0x1CE, i); rig.outw(0x1CF, v)
        }
        let f = rig.card.renderFrame()
        #expect(f.pixels.count == f.width * f.height)
        _ = rig.card.textScreen
    }
}
