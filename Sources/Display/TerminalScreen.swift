// The guest's text screen in a terminal: cells to ANSI escape sequences.
//
// A pure function of what the terminal shows now and what it should show: the
// renderer remembers the last screen it drew and writes only the cells that changed
// (runs of changed cells; a gap of a few unchanged cells inside a run is rewritten
// rather than jumped over with a cursor move), the SGR colours only when they change,
// and finally the cursor position and visibility.
//
// Colours come from the attribute byte: bits 0–3 foreground, 4–6 background, bit 7
// blink (AR10 bit 3 set) or background intensity (clear). With 16 colours the IBM
// colour number (bit 0 blue, 1 green, 2 red, 3 intensity) becomes the ANSI number
// (bit 0 red, 1 green, 2 blue) with SGR 30–37/90–97 and 40–47/100–107. With true colour
// the screen carries the 16 RGB values the attribute controller and DAC produce, so a
// guest that reprograms its palette shows its own colours. Characters are code page
// 437 glyphs in Unicode (CodePage437); the terminal must use UTF-8.
//
// Sources: ECMA-48 (CUP "ESC [ r ; c H", ED "ESC [ 2 J", SGR "ESC [ … m"); xterm's
// ctlseqs for DECTCEM (?25), DECAWM (?7) and the alternate screen (?1049).

/// A text screen as the terminal should show it.
public struct TextScreen: Equatable, Sendable {
    public var columns: Int
    public var rows: Int
    /// Character code (low byte) and attribute (high byte) of each cell, row by row.
    public var cells: [UInt16]
    /// The cursor cell, or nil when the cursor is off or outside the screen.
    public var cursorRow: Int?
    public var cursorColumn: Int?
    /// Attribute bit 7 blinks the foreground (else it brightens the background).
    public var blinkEnabled: Bool
    /// The 16 attribute colours as 0xRRGGBB (for true colour), or nil for the IBM defaults.
    public var palette: [UInt32]?
    /// Shown instead of cells (e.g. "graphics mode, 640x480").
    public var message: String?

    public init(columns: Int, rows: Int, cells: [UInt16], cursorRow: Int? = nil, cursorColumn: Int? = nil,
                blinkEnabled: Bool = true, palette: [UInt32]? = nil, message: String? = nil) {
        self.columns = columns; self.rows = rows; self.cells = cells
        self.cursorRow = cursorRow; self.cursorColumn = cursorColumn
        self.blinkEnabled = blinkEnabled; self.palette = palette; self.message = message
    }

    /// A screen that shows only a message.
    public static func message(_ text: String) -> TextScreen {
        TextScreen(columns: 0, rows: 0, cells: [], message: text)
    }

    /// Builds a screen from characters and one attribute (for tests and messages).
    public init(lines: [String], attribute: UInt8 = 0x07, columns: Int = 80) {
        var cells: [UInt16] = []
        for line in lines {
            var row = Array(line.utf8.prefix(columns)).map { UInt16($0) | UInt16(attribute) << 8 }
            row += [UInt16](repeating: 0x20 | UInt16(attribute) << 8, count: columns - row.count)
            cells += row
        }
        self.init(columns: columns, rows: lines.count, cells: cells)
    }
}

extension VGACard {
    /// The text screen with cursor, blink mode and palette, or a message outside text modes.
    public var terminalScreen: TextScreen {
        guard let t = textCells else {
            let (w, h) = vbe.enabled ? (vbe.xres, vbe.yres) : (renderer.width, renderer.height)
            return .message("pcemu: the guest is in a graphics mode (\(w)x\(h)); the text view shows text modes only")
        }
        let r = registers
        var s = TextScreen(columns: t.columns, rows: t.rows,
                           cells: t.cells.map { UInt16($0.char) | UInt16($0.attr) << 8 },
                           blinkEnabled: r.attrBlink)
        let pitch = r.crtc[0x13] != 0 ? Int(r.crtc[0x13]) * 2 : t.columns
        let index = r.cursorLocation - r.startAddress
        if !r.cursorDisabled && r.cursorStart <= r.cursorEnd && r.cursorStart <= r.maxScanLine && index >= 0 {
            let row = index / pitch, col = index % pitch
            if row < t.rows && col < t.columns { s.cursorRow = row; s.cursorColumn = col }
        }
        // The colours the attribute controller and DAC give the 16 attribute values.
        let ar = r.attribute
        var palette: [UInt32] = []
        for v in 0..<16 {
            let p = ar[v & Int(ar[0x12] & 0x0F)]
            var index = Int(p & 0x3F)
            if ar[0x10] & 0x80 != 0 { index = Int(ar[0x14] & 3) << 4 | Int(p & 0x0F) }
            index |= Int(ar[0x14] & 0x0C) << 4
            let (red, green, blue) = r.dacRGB(index & Int(r.pelMask))
            palette.append(UInt32(red) << 16 | UInt32(green) << 8 | UInt32(blue))
        }
        s.palette = palette
        return s
    }
}

/// Turns successive text screens into the escape sequences that update a terminal.
public struct ANSITextRenderer {
    public enum ColorMode: Sendable { case ansi16, trueColor }

    public var colorMode: ColorMode
    /// The terminal's size; cells beyond it are not drawn.
    public var terminalColumns: Int
    public var terminalRows: Int
    /// Unchanged cells inside a run that are rewritten rather than skipped.
    public var gapLimit = 4

    private var shown: TextScreen?
    private var shownStatus: String?
    private var shownCursor: (Int, Int)?? = .none

    public init(colorMode: ColorMode = .ansi16, terminalColumns: Int = 80, terminalRows: Int = 25) {
        self.colorMode = colorMode
        self.terminalColumns = terminalColumns
        self.terminalRows = terminalRows
    }

    /// Forget what the terminal shows (after a resize): the next update redraws everything.
    public mutating func invalidate() {
        shown = nil; shownStatus = nil; shownCursor = .none
    }

    /// IBM colour number (bit 0 blue, 1 green, 2 red) → ANSI colour number (bit 0 red, 1 green, 2 blue).
    static func ansiColor(_ ibm: Int) -> Int { (ibm & 1) << 2 | (ibm & 2) | (ibm & 4) >> 2 }

    /// The SGR sequence for an attribute byte.
    public func sgr(_ attribute: UInt8, blinkEnabled: Bool, palette: [UInt32]?) -> String {
        let fg = Int(attribute & 0x0F)
        var bg = Int(attribute >> 4)
        var blink = false
        if blinkEnabled { blink = bg & 8 != 0; bg &= 7 }
        var codes = ["0"]
        switch colorMode {
        case .ansi16:
            codes.append(String((fg & 8 != 0 ? 90 : 30) + Self.ansiColor(fg & 7)))
            codes.append(String((bg & 8 != 0 ? 100 : 40) + Self.ansiColor(bg & 7)))
        case .trueColor:
            let pal = palette ?? Self.ibmPalette
            func rgb(_ c: UInt32) -> String { "\(c >> 16 & 0xFF);\(c >> 8 & 0xFF);\(c & 0xFF)" }
            codes.append("38;2;" + rgb(pal[fg & 15]))
            codes.append("48;2;" + rgb(pal[bg & 15]))
        }
        if blink { codes.append("5") }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

    /// The 16 colours of the standard VGA text palette.
    static let ibmPalette: [UInt32] = [
        0x000000, 0x0000AA, 0x00AA00, 0x00AAAA, 0xAA0000, 0xAA00AA, 0xAA5500, 0xAAAAAA,
        0x555555, 0x5555FF, 0x55FF55, 0x55FFFF, 0xFF5555, 0xFF55FF, 0xFFFF55, 0xFFFFFF,
    ]

    /// The escape sequences that change the terminal from what it shows to `screen`
    /// (plus an optional status line below the screen). Empty when nothing changed.
    public mutating func update(to screen: TextScreen, status: String? = nil) -> String {
        var out = ""
        let full = shown == nil || shown!.columns != screen.columns || shown!.rows != screen.rows
            || shown!.message != screen.message || shown!.blinkEnabled != screen.blinkEnabled
            || shown!.palette != screen.palette
        var current: UInt8? = nil    // the attribute the terminal's SGR state stands for
        if full {
            out += "\u{1B}[0m\u{1B}[2J"
            shownStatus = nil
            shownCursor = .none
        }
        if let message = screen.message {
            if full {
                out += "\u{1B}[1;1H" + String(message.prefix(max(1, terminalColumns)))
            }
        } else {
            let cols = min(screen.columns, terminalColumns), rows = min(screen.rows, terminalRows)
            let old = full ? nil : shown!.cells
            for row in 0..<rows {
                let base = row * screen.columns
                var col = 0
                while col < cols {
                    if let old, old[base + col] == screen.cells[base + col] { col += 1; continue }
                    // A run from col: extend over changed cells and short gaps before changes.
                    var end = col + 1, gap = 0, lastChanged = col
                    while end < cols {
                        if let old, old[base + end] == screen.cells[base + end] {
                            gap += 1
                            if gap > gapLimit { break }
                        } else {
                            gap = 0; lastChanged = end
                        }
                        end += 1
                    }
                    out += "\u{1B}[\(row + 1);\(col + 1)H"
                    for c in col...lastChanged {
                        let cell = screen.cells[base + c]
                        let attr = UInt8(cell >> 8)
                        if attr != current {
                            out += sgr(attr, blinkEnabled: screen.blinkEnabled, palette: screen.palette)
                            current = attr
                        }
                        out.unicodeScalars.append(CodePage437.scalar(UInt8(cell & 0xFF)))
                    }
                    col = lastChanged + 1
                }
            }
        }
        let statusRow = screen.message == nil ? screen.rows : 2
        if status != shownStatus && statusRow < terminalRows {
            out += "\u{1B}[\(statusRow + 1);1H\u{1B}[0m\u{1B}[2K" + String((status ?? "").prefix(max(0, terminalColumns - 1)))
            current = nil
            shownStatus = status
        }
        if current != nil { out += "\u{1B}[0m" }
        var cursor: (Int, Int)? = nil
        if screen.message == nil, let r = screen.cursorRow, let c = screen.cursorColumn,
           r < min(screen.rows, terminalRows), c < min(screen.columns, terminalColumns) {
            cursor = (r, c)
        }
        let cursorChanged: Bool
        switch shownCursor {
        case .none: cursorChanged = true
        case .some(let was): cursorChanged = was?.0 != cursor?.0 || was?.1 != cursor?.1
        }
        if !out.isEmpty || cursorChanged {
            if let (r, c) = cursor { out += "\u{1B}[\(r + 1);\(c + 1)H\u{1B}[?25h" } else { out += "\u{1B}[?25l" }
            shownCursor = .some(cursor)
        }
        shown = screen
        return out
    }
}
