// The own BIOS's INT 10h on the whole machine: testroms/bios-video.asm, a boot floppy
// program, calls the video services in every standard mode and reports on port E9h;
// its scenario byte (offset 1F0h of the boot sector) picks the transcript run or one
// mode's picture. The machine is the one `pcemu --bios bios/bios.bin --floppy IMG`
// builds: CPU, board, VGA card, the committed BIOS image.
//
// What the expectations rest on (not on the BIOS's own output):
//  - geometry: the IBM VGA mode list (columns, rows, character height, page size,
//    colours, pages, scan lines) and the frame the card scans out (360×400 for 40×25
//    text with 9-dot cells, 320×200, 640×200, 640×350, 640×480, 720×400);
//  - glyph bytes: bios/mkfont.py's 5×9 design of 'A' placed into 8-, 14- and 16-line
//    cells (rows doubled as its row maps say), and C4h's single line at cell line 7
//    (line 3 of the 8×8 cell);
//  - colours: the standard 16-colour palette (EGA/CGA: 0000AA, 00AA00, … AA5500 brown
//    … FFFFFF), CGA palette 1 with intensity (55FFFF, FF55FF, FFFFFF), monochrome grey
//    levels (AAAAAA normal, FFFFFF intense) — through the attribute controller and DAC
//    values the IBM tables give each mode.
// Checked by hand once against a real peer (Bochs legacy BIOS + LGPL VGA BIOS from
// Debian, on pcemu): the registers and DAC after each mode set agree except where the
// VGA BIOS departs from the IBM tables (GR07 in text modes, its mode 07h/0Dh CRTC rows).

import Foundation
import Testing
import Chipset
@testable import Display

struct BIOSVideoRun {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    let outcome: Machine.Outcome
    /// Port E9h from the line "mode 00" (scenario 0) or the program's last line.
    let transcript: String
    let machine: Machine
    let vga: VGACard

    /// Boots testroms/bios-video.bin from a 1.44 MB floppy with `scenario` in byte 1F0h.
    init(scenario: UInt8, maxCycles: UInt64 = 1_500_000_000) throws {
        let program = try Data(contentsOf: Self.root.appendingPathComponent("testroms/bios-video.bin"))
        var image = [UInt8](repeating: 0, count: 1_474_560)
        image.replaceSubrange(0..<program.count, with: program)
        image[0x1F0] = scenario
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bios-video-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let floppy = dir.appendingPathComponent("fd.img")
        try Data(image).write(to: floppy)

        var config = Machine.Configuration()
        config.rom = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent("bios/bios.bin")))
        config.memoryMiB = 4
        config.rebootOnTripleFault = false
        config.floppyA = floppy.path
        machine = try Machine(config)
        vga = VGACard(scheduler: machine.scheduler)
        vga.attach(to: machine.ports, memory: machine.memory)
        outcome = machine.run(maxCycles: maxCycles)
        let all = String(decoding: machine.debugConsole.transcript, as: UTF8.self)
        transcript = all.range(of: "mode 00:").map { String(all[$0.lowerBound...]) } ?? all
    }
}

/// The standard 16 colours (CGA/EGA order) as the DAC shows them.
let standard16: [(UInt8, UInt8, UInt8)] = [
    (0, 0, 0), (0, 0, 0xAA), (0, 0xAA, 0), (0, 0xAA, 0xAA), (0xAA, 0, 0), (0xAA, 0, 0xAA), (0xAA, 0x55, 0),
    (0xAA, 0xAA, 0xAA), (0x55, 0x55, 0x55), (0x55, 0x55, 0xFF), (0x55, 0xFF, 0x55), (0x55, 0xFF, 0xFF),
    (0xFF, 0x55, 0x55), (0xFF, 0x55, 0xFF), (0xFF, 0xFF, 0x55), (0xFF, 0xFF, 0xFF)]

@Suite struct BIOSVideoTests {
    @Test func servicesInEveryModeGiveTheIBMValues() throws {
        let r = try BIOSVideoRun(scenario: 0)
        #expect(r.outcome == .guestExit(success: true, code: 0x10), "\(r.outcome)")
        // Per mode: 0Fh AX BH; 1Bh columns, page size, rows, character height, colours,
        // pages, scan-line code (0 = 200, 1 = 350, 2 = 400, 3 = 480); 11h/30h CX, DL.
        // Text: 08h after 09h 'Q' (51h) in attribute 1Eh, cursor after 0Eh. Graphics:
        // pixel read back, its neighbour, after the XOR write (mode 13h: no XOR, 85h);
        // the first two lines of 'A' and 08h reading it back (41h); cursor after "AB" CR LF; a pixel scrolled up a
        // character row (now at y 0, gone from row 1) and back down. Then 12h/10h, 1Ah;
        // 1Ch: 16 blocks for all states, saved in mode 12h with DAC entry 1 = (1, 2, 3),
        // restored after mode 03h: 0Fh says 12h, CRTC 12h is DFh (480 lines), the entry
        // is back; glyphs through the 11h/30h pointers.
        let expected = """
        mode 00: 0F=2800 00 1B=0028 0800 19 0010 0010 08 02 1130=0010 18
          text 08=1E51 0001
        mode 01: 0F=2801 00 1B=0028 0800 19 0010 0010 08 02 1130=0010 18
          text 08=1E51 0001
        mode 02: 0F=5002 00 1B=0050 1000 19 0010 0010 08 02 1130=0010 18
          text 08=1E51 0001
        mode 03: 0F=5003 00 1B=0050 1000 19 0010 0010 08 02 1130=0010 18
          text 08=1E51 0001
        mode 04: 0F=2804 00 1B=0028 4000 19 0008 0004 01 00 1130=0008 18
          pixel 01 00 00 char 3C 66 41 tty 0100 scroll 0100 0001
        mode 05: 0F=2805 00 1B=0028 4000 19 0008 0004 01 00 1130=0008 18
          pixel 01 00 00 char 3C 66 41 tty 0100 scroll 0100 0001
        mode 06: 0F=5006 00 1B=0050 4000 19 0008 0002 01 00 1130=0008 18
          pixel 01 00 00 char 3C 66 41 tty 0100 scroll 0100 0001
        mode 07: 0F=5007 00 1B=0050 1000 19 0010 0000 08 02 1130=0010 18
          text 08=1E51 0001
        mode 0D: 0F=280D 00 1B=0028 2000 19 0008 0010 08 00 1130=0008 18
          pixel 05 00 00 char 3C 66 41 tty 0100 scroll 0500 0005
        mode 0E: 0F=500E 00 1B=0050 4000 19 0008 0010 04 00 1130=0008 18
          pixel 05 00 00 char 3C 66 41 tty 0100 scroll 0500 0005
        mode 0F: 0F=500F 00 1B=0050 8000 19 000E 0000 02 01 1130=000E 18
          pixel 05 00 00 char 00 3C 41 tty 0100 scroll 0500 0005
        mode 10: 0F=5010 00 1B=0050 8000 19 000E 0010 02 01 1130=000E 18
          pixel 05 00 00 char 00 3C 41 tty 0100 scroll 0500 0005
        mode 11: 0F=5011 00 1B=0050 A000 1E 0010 0002 01 03 1130=0010 1D
          pixel 01 00 00 char 00 3C 41 tty 0100 scroll 0100 0001
        mode 12: 0F=5012 00 1B=0050 A000 1E 0010 0010 01 03 1130=0010 1D
          pixel 05 00 00 char 00 3C 41 tty 0100 scroll 0500 0005
        mode 13: 0F=2813 00 1B=0028 FA00 19 0008 0100 01 00 1130=0008 18
          pixel 05 00 85 char 3C 66 41 tty 0100 scroll 0500 0005
        12/10: 0003 0009
        1A: 1A1A 0008
        1C: 1C1C 0010 1C1C 5012 DF 010203
        fonts: 3C66667E66666600 000000FF00000000 003C3C6666667E66666666660000 003C3C666666667E6666666666660000 \nbios-video done

        """
        #expect(r.transcript == expected)
    }

    /// Mode, frame size, bar width (graphics) and the colour of each bar or block.
    struct Picture: Sendable, CustomStringConvertible {
        let mode: UInt8, width: Int, height: Int, charHeight: Int
        let colours: [(UInt8, UInt8, UInt8)]
        /// The colour the program draws text in (5 masked to the mode's colours).
        let ink: (UInt8, UInt8, UInt8)
        var description: String { String(format: "mode %02Xh", mode) }
        var text: Bool { mode <= 3 || mode == 7 }
    }

    static let cga4: [(UInt8, UInt8, UInt8)] = [(0, 0, 0), (0x55, 0xFF, 0xFF), (0xFF, 0x55, 0xFF), (0xFF, 0xFF, 0xFF)]
    static let two: [(UInt8, UInt8, UInt8)] = [(0, 0, 0), (0xFF, 0xFF, 0xFF)]
    static let magenta: (UInt8, UInt8, UInt8) = (0xAA, 0, 0xAA)
    // Mode 07h: attributes 1-8 show AR values 08h/10h (grey AAAAAA), 9-15 AR 18h (white).
    static let mono: [(UInt8, UInt8, UInt8)] = [(0, 0, 0)] + Array(repeating: (0xAA, 0xAA, 0xAA), count: 8)
        + Array(repeating: (0xFF, 0xFF, 0xFF), count: 7)
    static let pictures: [Picture] = [
        Picture(mode: 0x00, width: 360, height: 400, charHeight: 16, colours: standard16, ink: magenta),
        Picture(mode: 0x01, width: 360, height: 400, charHeight: 16, colours: standard16, ink: magenta),
        Picture(mode: 0x02, width: 720, height: 400, charHeight: 16, colours: standard16, ink: magenta),
        Picture(mode: 0x03, width: 720, height: 400, charHeight: 16, colours: standard16, ink: magenta),
        Picture(mode: 0x04, width: 320, height: 200, charHeight: 8, colours: cga4, ink: (0x55, 0xFF, 0xFF)),
        Picture(mode: 0x05, width: 320, height: 200, charHeight: 8, colours: cga4, ink: (0x55, 0xFF, 0xFF)),
        Picture(mode: 0x06, width: 640, height: 200, charHeight: 8, colours: two, ink: (0xFF, 0xFF, 0xFF)),
        Picture(mode: 0x07, width: 720, height: 400, charHeight: 16, colours: mono, ink: (0xFF, 0xFF, 0xFF)),
        Picture(mode: 0x0D, width: 320, height: 200, charHeight: 8, colours: standard16, ink: magenta),
        Picture(mode: 0x0E, width: 640, height: 200, charHeight: 8, colours: standard16, ink: magenta),
        // 0Fh: planes 0 and 2 only (AR12 = 05h): colour 3 shows as 1; AR01 = 08h grey,
        // colour 5 (AR05 = 18h) white.
        Picture(mode: 0x0F, width: 640, height: 350, charHeight: 14,
                colours: [(0, 0, 0), (0xAA, 0xAA, 0xAA), (0, 0, 0), (0xAA, 0xAA, 0xAA)], ink: (0xFF, 0xFF, 0xFF)),
        Picture(mode: 0x10, width: 640, height: 350, charHeight: 14, colours: standard16, ink: magenta),
        Picture(mode: 0x11, width: 640, height: 480, charHeight: 16, colours: two, ink: (0xFF, 0xFF, 0xFF)),
        Picture(mode: 0x12, width: 640, height: 480, charHeight: 16, colours: standard16, ink: magenta),
        Picture(mode: 0x13, width: 320, height: 200, charHeight: 8, colours: standard16, ink: magenta),
    ]

    @Test(arguments: zip(pictures.indices, pictures))
    func modePicture(index: Int, p: Picture) throws {
        let r = try BIOSVideoRun(scenario: UInt8(index + 1))
        #expect(r.outcome == .guestExit(success: true, code: 0x10), "\(p): \(r.outcome)")
        #expect(r.transcript.hasSuffix("bios-video drawn\n"), "\(p): \(r.transcript)")
        let f = r.vga.renderFrame()
        #expect(f.width == p.width && f.height == p.height, "\(p): frame \(f.width)×\(f.height)")
        guard f.width == p.width && f.height == p.height else { return }
        func px(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) { rgb(f.pixels[y * f.width + x]) }
        func same(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Bool { a == b }
        if p.text {
            // Row 2: full blocks DBh in attributes 0-15 at columns 0, 2, 4, …; 9-dot cells.
            for (i, c) in p.colours.enumerated() {
                let got = px(2 * i * 9 + 4, 2 * 16 + 8)
                #expect(same(got, c), "\(p): block \(i) is \(got), expected \(c)")
            }
            // The title row's background: attribute 1Fh (blue) or 0Fh (black) in mode 07h.
            let bg: (UInt8, UInt8, UInt8) = p.mode == 7 ? (0, 0, 0) : (0, 0, 0xAA)
            #expect(same(px(0, 0), bg), "\(p): title background \(px(0, 0))")
            // "tty" in attribute 07h at row 3 (teletype keeps the cleared screen's 07h).
            let tRow = (3 * 16..<4 * 16).flatMap { y in (0..<9).map { px($0, y) } }
            #expect(tRow.contains { same($0, (0xAA, 0xAA, 0xAA)) }, "\(p): no 't' at row 3")
        } else {
            let barWidth = p.width == 320 ? 8 : 16
            for (i, c) in p.colours.prefix(16).enumerated() {
                let got = px(i * barWidth + barWidth / 2, 45)
                #expect(same(got, c), "\(p): bar \(i) is \(got), expected \(c)")
            }
            // The title, drawn by teletype in the ink colour, on character row 0.
            let title = (0..<p.charHeight).flatMap { y in (0..<8 * 5).map { px($0, y) } }
            #expect(title.contains { same($0, p.ink) }, "\(p): no title pixels in \(p.ink)")
            // A row of '#' written at character row 6 was scrolled down to row 7: on the
            // right half (away from the bars) row 6 is empty and row 7 has the ink.
            let h = p.charHeight
            let row6 = (6 * h..<7 * h).flatMap { y in (p.width / 2..<p.width).map { px($0, y) } }
            let row7 = (7 * h..<8 * h).flatMap { y in (p.width / 2..<p.width).map { px($0, y) } }
            #expect(row6.allSatisfy { same($0, (0, 0, 0)) }, "\(p): row 6 not cleared by the scroll")
            #expect(row7.contains { same($0, p.ink) }, "\(p): row 7 lacks the scrolled '#' row")
        }
    }
}
