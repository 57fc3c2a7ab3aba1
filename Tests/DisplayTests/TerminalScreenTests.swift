import Chipset
import Testing
@testable import Display

/// The terminal view's rendering: text cells to escape sequences, exactly.
@Suite struct TerminalScreenTests {
    let esc = "\u{1B}"

    /// A 4×2 screen: "Hi" white on blue and two grey spaces; "ok" yellow on red and a
    /// CP437 smiley and block. Cursor at row 1, column 2.
    func sample() -> TextScreen {
        let cells: [UInt16] = [
            0x1F48, 0x1F69, 0x0720, 0x0720,     // H i (white on blue), 2 × space (grey on black)
            0x4E6F, 0x4E6B, 0x0701, 0x07DB,     // o k (yellow on red), ☺ █
        ]
        return TextScreen(columns: 4, rows: 2, cells: cells, cursorRow: 1, cursorColumn: 2, blinkEnabled: true)
    }

    @Test func firstFrameDrawsEverything() {
        var r = ANSITextRenderer(colorMode: .ansi16, terminalColumns: 80, terminalRows: 2)
        let out = r.update(to: sample())
        let expected = "\(esc)[0m\(esc)[2J"
            + "\(esc)[1;1H\(esc)[0;97;44mHi\(esc)[0;37;40m  "
            + "\(esc)[2;1H\(esc)[0;93;41mok\(esc)[0;37;40m☺█"
            + "\(esc)[0m\(esc)[2;3H\(esc)[?25h"
        #expect(out == expected, "\(out.debugDescription)")
    }

    @Test func laterFramesRedrawOnlyChangedCells() {
        var r = ANSITextRenderer(colorMode: .ansi16, terminalColumns: 80, terminalRows: 2)
        var s = sample()
        _ = r.update(to: s)
        #expect(r.update(to: s) == "")                       // nothing changed: nothing written
        s.cells[3] = 0x0758                                   // 'X' at row 0, column 3
        #expect(r.update(to: s) == "\(esc)[1;4H\(esc)[0;37;40mX\(esc)[0m\(esc)[2;3H\(esc)[?25h")
        s.cursorRow = 0; s.cursorColumn = 0                   // the cursor alone moves
        #expect(r.update(to: s) == "\(esc)[1;1H\(esc)[?25h")
        s.cursorRow = nil                                      // and disappears
        #expect(r.update(to: s) == "\(esc)[?25l")
    }

    @Test func shortGapsAreRewrittenLongGapsAreSkipped() {
        var r = ANSITextRenderer(colorMode: .ansi16, terminalColumns: 80, terminalRows: 1)
        var s = TextScreen(lines: ["abcdefghijklmnop"], columns: 16)
        _ = r.update(to: s)
        s.cells[0] = 0x0741; s.cells[3] = 0x0744              // A..D: gap of 2 → one run "AbcD"
        s.cells[15] = 0x0750                                   // P after a gap of 11 → its own run
        #expect(r.update(to: s) == "\(esc)[1;1H\(esc)[0;37;40mAbcD\(esc)[1;16HP\(esc)[0m\(esc)[?25l")
    }

    @Test func attributesBlinkAndBrightBackgrounds() {
        let r = ANSITextRenderer(colorMode: .ansi16)
        #expect(r.sgr(0x8F, blinkEnabled: true, palette: nil) == "\(esc)[0;97;40;5m")
        #expect(r.sgr(0x8F, blinkEnabled: false, palette: nil) == "\(esc)[0;97;100m")
        #expect(r.sgr(0x71, blinkEnabled: true, palette: nil) == "\(esc)[0;34;47m")
        let t = ANSITextRenderer(colorMode: .trueColor)
        #expect(t.sgr(0x1E, blinkEnabled: true, palette: nil) == "\(esc)[0;38;2;255;255;85;48;2;0;0;170m")
        var pal = ANSITextRenderer.ibmPalette
        pal[1] = 0x123456
        #expect(t.sgr(0x1E, blinkEnabled: true, palette: pal) == "\(esc)[0;38;2;255;255;85;48;2;18;52;86m")
    }

    @Test func clippedToTheTerminalWithAStatusLine() {
        var r = ANSITextRenderer(colorMode: .ansi16, terminalColumns: 3, terminalRows: 2)
        let out = r.update(to: TextScreen(lines: ["abcd"], columns: 4), status: "quit: Ctrl-]")
        #expect(out == "\(esc)[0m\(esc)[2J\(esc)[1;1H\(esc)[0;37;40mabc\(esc)[2;1H\(esc)[0m\(esc)[2Kqu\(esc)[?25l")
    }

    @Test func messagesReplaceTheScreen() {
        var r = ANSITextRenderer(colorMode: .ansi16, terminalColumns: 20, terminalRows: 5)
        #expect(r.update(to: .message("graphics")) == "\(esc)[0m\(esc)[2J\(esc)[1;1Hgraphics\(esc)[?25l")
        #expect(r.update(to: .message("graphics")) == "")
    }

    /// The VGA card's text screen as the terminal view reads it: cells, cursor, palette.
    @Test func vgaTextScreen() {
        let rig = VGARig()
        rig.setMode(.mode03)
        rig.loadEGAPalette()
        for (k, ch) in "PC".utf8.enumerated() {
            rig.poke(0xB8000 + UInt32(160 * 2 + 2 * (10 + k)), ch)
            rig.poke(0xB8000 + UInt32(160 * 2 + 2 * (10 + k) + 1), 0x1E)
        }
        rig.crtc(0x0E, 0x00); rig.crtc(0x0F, 80 * 2 + 12)        // cursor at row 2, column 12
        let s = rig.card.terminalScreen
        #expect(s.columns == 80 && s.rows == 25)
        #expect(s.cells[2 * 80 + 10] == 0x1E50 && s.cells[2 * 80 + 11] == 0x1E43)
        #expect(s.cursorRow == 2 && s.cursorColumn == 12)
        #expect(s.blinkEnabled)
        #expect(s.palette?[1] == 0x0000AA && s.palette?[6] == 0xAA5500 && s.palette?[15] == 0xFFFFFF)
        rig.crtc(0x0A, 0x20)                                       // cursor off
        #expect(rig.card.terminalScreen.cursorRow == nil)
    }
}

/// The terminal view's input: bytes and escape sequences to PS/2 key presses.
@Suite struct TerminalInputTests {
    func keys(_ s: String, flush: Bool = true) -> [TerminalInputParser.Input] {
        var p = TerminalInputParser()
        var out = p.feed(Array(s.utf8))
        if flush { out += p.flush() }
        return out
    }
    func key(_ make: [UInt8], _ mods: PS2KeyMap.Modifiers = []) -> TerminalInputParser.Input {
        .key(TerminalKeystroke(make, mods))
    }

    @Test func printableCharactersUseTheUSLayout() {
        #expect(keys("aZ1!") == [key([0x1C]), key([0x1A], .shift), key([0x16]), key([0x16], .shift)])
        #expect(keys(" ~\r\t\u{7F}") == [key([0x29]), key([0x0E], .shift), key([0x5A]), key([0x0D]), key([0x66])])
        #expect(keys("\u{03}") == [key([0x21], .ctrl)])                  // Ctrl-C
        #expect(keys("é") == [])                                          // no PC key
    }

    @Test func escapeSequences() {
        #expect(keys("\u{1B}[A\u{1B}OB\u{1B}[C\u{1B}[D") == [key([0xE0, 0x75]), key([0xE0, 0x72]), key([0xE0, 0x74]), key([0xE0, 0x6B])])
        #expect(keys("\u{1B}[2~\u{1B}[3~\u{1B}[5~\u{1B}[6~\u{1B}[H\u{1B}[F") ==
                [key([0xE0, 0x70]), key([0xE0, 0x71]), key([0xE0, 0x7D]), key([0xE0, 0x7A]), key([0xE0, 0x6C]), key([0xE0, 0x69])])
        #expect(keys("\u{1B}OP\u{1B}[15~\u{1B}[24~\u{1B}[[A") == [key([0x05]), key([0x03]), key([0x07]), key([0x05])])
        #expect(keys("\u{1B}[1;5C\u{1B}[1;2A\u{1B}[Z") == [key([0xE0, 0x74], .ctrl), key([0xE0, 0x75], .shift), key([0x0D], .shift)])
        #expect(keys("\u{1B}x") == [key([0x22], .alt)])                   // Alt-x
        #expect(keys("\u{1B}[200~") == [])                                // unknown: swallowed whole
    }

    @Test func aLoneEscapeWaitsThenIsEscape() {
        var p = TerminalInputParser()
        #expect(p.feed([0x1B]) == [])
        #expect(p.hasPending)
        #expect(p.flush() == [key([0x76])])
        // A sequence split across reads completes.
        #expect(p.feed([0x1B, UInt8(ascii: "[")]) == [])
        #expect(p.feed([UInt8(ascii: "B")]) == [key([0xE0, 0x72])])
    }

    @Test func ctrlRightBracketQuits() {
        #expect(keys("a\u{1D}") == [key([0x1C]), .quit])
    }

    @Test func keystrokesBecomePressPauseRelease() {
        let e = TerminalKeystroke([0x1C], .shift).events(holdMilliseconds: 20, gapMilliseconds: 30)
        #expect(e == [.keyDown([0x12]), .keyDown([0x1C]), .delay(milliseconds: 20), .keyUp([0x1C]), .keyUp([0x12]),
                      .delay(milliseconds: 30)])
    }
}
