// The text screen as characters: for golden text tests and a terminal front end.
//
// Source: the text-mode memory layout the CRTC scans (see VGAScanout.swift): each
// character clock fetches the character code from plane 0 and its attribute from
// plane 1 at the same plane address. Character codes are shown as the IBM PC's
// code page 437 glyphs in Unicode (as a DOS screen draws them); code 0 and 0x20
// are spaces.

extension VGACard {
    /// Character code and attribute of every cell, row by row, or nil outside text modes
    /// (a VBE mode, or AR10 bit 0 set).
    public var textCells: (columns: Int, rows: Int, cells: [(char: UInt8, attr: UInt8)])? {
        guard !vbe.enabled else { return nil }
        let s = VGAScanout(registers)
        guard s.kind == .text else { return nil }
        let rows = s.textRows
        var cells: [(char: UInt8, attr: UInt8)] = []
        cells.reserveCapacity(rows * s.columns)
        for row in 0..<rows {
            // The first scan line of the row (so a split screen shows its own rows).
            let (counter, rowScan, _) = s.line(row * s.cellHeight)
            for c in 0..<s.columns {
                let a = s.planeAddress(counter &+ c, rowScan: rowScan)
                cells.append((memory.byte(plane: 0, at: a), memory.byte(plane: 1, at: a)))
            }
        }
        return (s.columns, rows, cells)
    }

    /// The text screen, one string per row (full width, trailing spaces kept), or nil
    /// outside text modes.
    public var textScreen: [String]? {
        guard let t = textCells else { return nil }
        var lines: [String] = []
        for row in 0..<t.rows {
            var line = ""
            line.unicodeScalars.reserveCapacity(t.columns)
            for c in 0..<t.columns {
                line.unicodeScalars.append(CodePage437.scalar(t.cells[row * t.columns + c].char))
            }
            lines.append(line)
        }
        return lines
    }
}

/// IBM code page 437 as Unicode (the glyphs of the PC's ROM font).
public enum CodePage437 {
    static let low: [Unicode.Scalar] = Array(
        " ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼".unicodeScalars)
    static let high: [Unicode.Scalar] = Array((
        "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»" +
        "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀" +
        "αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{A0}").unicodeScalars)

    /// The Unicode character for a CP437 code (0 shows as a space).
    public static func scalar(_ code: UInt8) -> Unicode.Scalar {
        switch code {
        case 0x20...0x7E: return Unicode.Scalar(code)
        case 0x7F: return "⌂"
        case 0x80...0xFF: return high[Int(code) - 0x80]
        default: return low[Int(code)]
        }
    }
}
