// The CRT controller's scan-out: which plane addresses each displayed line fetches,
// worked out from the registers as they are (no table of known modes).
//
// Source: IBM VGA Technical Reference, "CRT Controller"; FreeVGA "CRTC Registers"
// (CR01 horizontal display end, CR07/CR09/CR12 vertical display end and overflow,
// CR08 preset row scan and byte panning, CR09 maximum scan line and double scan,
// CR0C/CR0D start address, CR13 offset, CR14 doubleword mode, CR17 byte/word mode,
// address wrap and the CGA/Hercules row-scan substitutions, CR18 line compare).
//
// The address counter starts each frame at the start address and advances by
// 2 × CR13 per character row (one row = max scan line + 1 scan lines, each doubled
// when CR09 bit 7 is set). Each character clock fetches the four planes at the
// counter translated by the addressing mode:
//   doubleword: counter << 2 | counter bits 13–12 → bits 1–0   (CR14 bit 6)
//   byte:       counter                                         (CR17 bit 6)
//   word:       counter << 1 | counter bit 13 or 15 → bit 0     (CR17 bit 5 picks 15)
// then (CR17 bit 0 = 0) row-scan bit 0 replaces address bit 13 and (CR17 bit 1 = 0)
// row-scan bit 1 replaces address bit 14 — the interleaved banks of CGA and
// Hercules graphics. After the line equal to the line compare value, the counter
// restarts at 0 (the split screen of the scrolling status line).

/// What the renderer and text dump need to know about the current picture.
public struct VGAScanout {
    public enum Kind { case text, planar16, cga4, packed256 }

    public var kind: Kind
    /// Output size in pixels (graphics: one pixel per distinct displayed pixel,
    /// so mode 13h is 320×200 although the monitor scans 640×400).
    public var width: Int
    public var height: Int
    /// Character clocks per line (CR01 + 1) and dots per character clock in text.
    public var columns: Int
    public var charWidth: Int
    /// Scan lines per character row (CR09 bits 0–4, plus one).
    public var cellHeight: Int
    /// Lines the CRTC displays (CR12 + overflow + 1).
    public var displayLines: Int
    /// Displayed lines per output line: double scan × repeated row scans.
    public var lineStep: Int
    public var doubleScan: Int

    let regs: VGARegisters
    // Addressing flags, read once per frame (planeAddress runs per character clock).
    let addressShift: Int          // 2 doubleword, 0 byte, 1 word
    let wrapBit: Int               // word mode: counter bit copied to address bit 0
    let cgaBanks: Bool
    let herculesBanks: Bool

    public init(_ r: VGARegisters) {
        regs = r
        addressShift = r.doublewordMode ? 2 : r.byteMode ? 0 : 1
        wrapBit = r.wordWrapMA15 ? 15 : 13
        cgaBanks = r.cgaBankSubstitution
        herculesBanks = r.herculesBankSubstitution
        columns = max(1, r.horizontalDisplayEnd)
        displayLines = max(1, r.verticalDisplayEnd)
        cellHeight = r.maxScanLine + 1
        doubleScan = r.doubleScan ? 2 : 1
        charWidth = r.eightDotChars ? 8 : 9
        if !r.attrGraphics {
            kind = .text
            width = columns * charWidth
            lineStep = doubleScan
        } else {
            if r.attr8BitColor || r.shiftMode >= 2 { kind = .packed256 }
            else if r.shiftMode == 1 { kind = .cga4 }
            else { kind = .planar16 }
            charWidth = 8
            width = columns * (r.attr8BitColor ? 4 : 8)
            // Row scans that fetch the same addresses are the same picture line; those
            // that feed address bits 13/14 (CGA/Hercules banks) are distinct lines.
            var distinct = 1
            if r.cgaBankSubstitution { distinct = 2 }
            if r.herculesBankSubstitution && distinct == 2 { distinct = 4 }
            let repeats = max(1, cellHeight / min(distinct, cellHeight))
            lineStep = doubleScan * repeats
        }
        height = max(1, displayLines / lineStep)
    }

    /// Translates an address counter value to a plane address for row scan `rowScan`.
    @inline(__always) public func planeAddress(_ counter: Int, rowScan: Int) -> Int {
        var a: Int
        switch addressShift {
        case 2: a = counter << 2 | (counter >> 14) & 3
        case 0: a = counter
        default: a = counter << 1 | (counter >> wrapBit) & 1
        }
        if cgaBanks { a = (a & ~0x2000) | (rowScan & 1) << 13 }
        if herculesBanks { a = (a & ~0x4000) | (rowScan & 2) << 13 }
        return a & 0xFFFF
    }

    /// For output line `y`: the address counter at its first character, the row scan,
    /// and whether it lies below the line compare split.
    @inline(__always) public func line(_ y: Int) -> (counter: Int, rowScan: Int, split: Bool) {
        let displayLine = y * lineStep
        let compare = regs.lineCompare
        var base: Int
        var scan: Int
        var split = false
        if displayLine > compare {
            base = 0
            scan = (displayLine - compare - 1) / doubleScan
            split = true
        } else {
            // CR08 bits 5–6: byte panning adds whole character clocks to the start.
            base = regs.startAddress &+ Int((regs.crtc[8] >> 5) & 3)
            scan = displayLine / doubleScan + regs.presetRowScan
        }
        let row = scan / cellHeight
        return (base &+ row &* regs.rowOffset, scan % cellHeight, split)
    }

    /// Text rows shown (display lines / scan lines per row).
    public var textRows: Int { max(1, (displayLines / doubleScan) / cellHeight) }
}
