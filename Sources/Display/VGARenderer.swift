// Rendering the VGA picture into a 32-bit frame, from the registers as they are.
//
// Source: IBM VGA Technical Reference, "Attribute Controller" and "Video DAC";
// FreeVGA "Attribute Controller Registers" (AR00–AR0F palette, AR10 mode control,
// AR11 overscan, AR12 colour plane enable, AR13 horizontal pixel panning, AR14 colour
// select), "Graphics Registers" GR05 shift register modes, "Sequencer" SR03
// character map select, "CRTC" cursor (CR0A–CR0B, CR0E–CR0F) and underline (CR14).
//
// Pixel format: each UInt32 holds the bytes R, G, B, A in memory order (on a
// little-endian host the value is 0xAABBGGRR; SDL calls it SDL_PIXELFORMAT_RGBA32).
//
// Colour path: a 4-bit pixel (text foreground/background, planar or CGA pixel) is
// ANDed with AR12, looks up the palette register AR00–AR0F, gets bits 5–4 from AR14
// when AR10 bit 7 is set and bits 7–6 from AR14 always, and indexes the DAC (after
// the PEL mask). In 8-bit colour (AR10 bit 6) the byte indexes the DAC directly.
// Both lookups are precomputed tables, rebuilt only when a register changes.
//
// Re-rendering: the whole frame is redrawn when any register that shapes the
// picture changes; otherwise only output lines whose fetched plane addresses touch a
// page written since the last frame, lines holding the old or new cursor, and (in
// text) everything when the font plane or the blink phase changes.

public final class VGARenderer {
    let regs: VGARegisters
    let memory: VGAMemory
    let vbe: BochsVBE

    public private(set) var width = 0
    public private(set) var height = 0
    /// The frame, width × height pixels, row after row.
    public var pixels: [UInt32] = []
    /// Output lines redrawn by the last `render` (for tests of the dirty tracking).
    public private(set) var linesRendered = 0

    /// DAC entry i as a frame pixel, with the PEL mask applied.
    private var dacTable = [UInt32](repeating: 0xFF00_0000, count: 256)
    /// 4-bit attribute value → frame pixel.
    private var attrTable = [UInt32](repeating: 0xFF00_0000, count: 16)
    private var lineBuffer = [UInt32](repeating: 0, count: 4096)

    private var renderedGeneration: UInt64 = 0
    private var renderedPalette: UInt64 = 0
    private var renderedVBE: UInt64 = 0
    private var renderedKind: VGAScanout.Kind? = nil
    private var renderedVBEMode = false
    private var cursorKey: (location: Int, visible: Bool, start: Int, end: Int) = (-1, false, 0, 0)
    private var blinkPhase = true

    init(registers: VGARegisters, memory: VGAMemory, vbe: BochsVBE) {
        regs = registers
        self.memory = memory
        self.vbe = vbe
    }

    @inline(__always) static func pixel(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt32 {
        UInt32(r) | UInt32(g) << 8 | UInt32(b) << 16 | 0xFF00_0000
    }

    private func rebuildTables() {
        if renderedPalette != regs.paletteGeneration {
            for i in 0..<256 {
                let (r, g, b) = regs.dacRGB(i & Int(regs.pelMask))
                dacTable[i] = VGARenderer.pixel(r, g, b)
            }
            renderedPalette = regs.paletteGeneration
        }
        let ar = regs.attribute
        let select = ar[0x14]
        for v in 0..<16 {
            let p = ar[v & Int(ar[0x12] & 0x0F)]
            var index = Int(p & 0x3F)
            if ar[0x10] & 0x80 != 0 { index = Int(select & 3) << 4 | Int(p & 0x0F) }
            index |= Int(select & 0x0C) << 4
            attrTable[v] = dacTable[index]
        }
    }

    private func resize(_ w: Int, _ h: Int) {
        if w != width || h != height {
            width = w; height = h
            pixels = [UInt32](repeating: 0xFF00_0000, count: w * h)
        }
    }

    /// Brings the frame up to date. `frame` counts displayed frames (blink timing:
    /// the cursor toggles every 8 frames, blinking characters every 16).
    public func render(frame: UInt64) {
        linesRendered = 0
        if vbe.enabled {
            let w = vbe.xres, h = vbe.yres
            let full = !renderedVBEMode || vbe.generation != renderedVBE || regs.generation != renderedGeneration
                || w != width || h != height
            if regs.paletteGeneration != renderedPalette { rebuildTables() }
            resize(w, h)
            linesRendered = pixels.withUnsafeMutableBufferPointer { f in
                dacTable.withUnsafeBufferPointer { pal in
                    vbe.render(into: f.baseAddress!, palette: pal.baseAddress!, full: full)
                }
            }
            renderedVBEMode = true
            renderedVBE = vbe.generation
            renderedGeneration = regs.generation
            return
        }
        let s = VGAScanout(regs)
        var full = renderedVBEMode || regs.generation != renderedGeneration || renderedKind != s.kind
            || s.width != width || s.height != height
        renderedVBEMode = false
        if full { rebuildTables() }
        resize(s.width, s.height)

        // Blanked: screen off (SR01 bit 5) shows black; PAS clear shows the overscan colour.
        if regs.screenOff || !regs.paletteAddressSource || s.width > lineBuffer.count - 16 {
            if full {
                let c = regs.screenOff ? 0xFF00_0000 : dacTable[Int(regs.attribute[0x11])]
                for i in 0..<pixels.count { pixels[i] = c }
                linesRendered = s.height
            }
            finish(s)
            return
        }

        var oldCursor = -1, newCursor = -1
        if s.kind == .text {
            let phase = (frame >> 4) & 1 == 0
            if phase != blinkPhase && regs.attrBlink { full = true }
            blinkPhase = phase
            if memory.plane2Dirty { full = true }
            let visible = !regs.cursorDisabled && regs.cursorStart <= regs.cursorEnd && (frame >> 3) & 1 == 0
            let key = (regs.cursorLocation &+ regs.cursorSkew, visible, regs.cursorStart, regs.cursorEnd)
            if key != cursorKey {
                oldCursor = cursorKey.location
                newCursor = key.0
                cursorKey = key
            }
        }

        // Panning shows part of one more character clock at the right edge.
        let lastCharOffset = regs.attribute[0x13] & 0x0F == 0 ? 1 : 0
        pixels.withUnsafeMutableBufferPointer { frameBuf in
            lineBuffer.withUnsafeMutableBufferPointer { lineBuf in
                let f = frameBuf.baseAddress!, line = lineBuf.baseAddress!
                for y in 0..<s.height {
                    let (counter, rowScan, split) = s.line(y)
                    if !full {
                        let first = s.planeAddress(counter, rowScan: rowScan)
                        let last = s.planeAddress(counter &+ s.columns &- lastCharOffset, rowScan: rowScan)
                        var dirty = memory.isDirty(from: first, to: last)
                        if !dirty && (oldCursor >= 0 || newCursor >= 0) {
                            let end = counter &+ s.columns
                            dirty = (oldCursor >= counter && oldCursor < end) || (newCursor >= counter && newCursor < end)
                        }
                        if !dirty { continue }
                    }
                    // AR13 pixel panning; AR10 bit 5 turns it off below the split.
                    var pan = Int(regs.attribute[0x13] & 0x0F)
                    if split && regs.attrPanReset { pan = 0 }
                    switch s.kind {
                    case .text:
                        pan = s.charWidth == 9 ? (pan >= 8 ? 0 : pan + 1) : (pan & 7)
                        drawTextLine(s, counter: counter, rowScan: rowScan, frame: frame, into: line)
                    case .planar16:
                        pan &= 7
                        drawPlanarLine(s, counter: counter, rowScan: rowScan, into: line)
                    case .cga4:
                        pan &= 7
                        drawCGALine(s, counter: counter, rowScan: rowScan, into: line)
                    case .packed256:
                        pan = (pan & 7) >> 1
                        drawPackedLine(s, counter: counter, rowScan: rowScan, into: line)
                    }
                    (f + y * s.width).update(from: line + pan, count: s.width)
                    linesRendered += 1
                }
            }
        }
        finish(s)
    }

    private func finish(_ s: VGAScanout) {
        memory.clearDirty()
        renderedGeneration = regs.generation
        renderedKind = s.kind
    }

    // MARK: Line drawers (each writes one extra character for panning)

    private func drawTextLine(_ s: VGAScanout, counter: Int, rowScan: Int, frame: UInt64,
                              into out: UnsafeMutablePointer<UInt32>) {
        let words = memory.words
        let sr3 = Int(regs.sequencer[3])
        // SR03: map A (bits 5,3,2) for attribute bit 3 set, map B (bits 4,1,0) otherwise;
        // map n sits at (n & 3) × 16 KiB + (n >> 2) × 8 KiB of plane 2.
        let mapA = (sr3 >> 3 & 4) | (sr3 >> 2 & 3)
        let mapB = (sr3 >> 2 & 4) | (sr3 & 3)
        let fontA = (mapA & 3) * 0x4000 + (mapA >> 2) * 0x2000
        let fontB = (mapB & 3) * 0x4000 + (mapB >> 2) * 0x2000
        let blinkOn = (frame >> 4) & 1 == 0
        let blinkEnabled = regs.attrBlink
        let underline = rowScan == regs.underlineLocation
        let cursorOn = cursorKey.visible && rowScan >= cursorKey.start && rowScan <= cursorKey.end
        let cursorAt = cursorKey.location
        let lineGraphics = regs.attrLineGraphics
        let cw = s.charWidth
        var x = 0
        for c in 0...s.columns {
            let w = words[s.planeAddress(counter &+ c, rowScan: rowScan)]
            let ch = Int(w & 0xFF)
            let at = Int((w >> 8) & 0xFF)
            let font = at & 0x08 != 0 ? fontA : fontB
            var glyph = Int(words[(font + ch * 32 + rowScan) & 0xFFFF] >> 16 & 0xFF)
            var fg = at & 0x0F
            var bg = at >> 4
            if blinkEnabled {
                bg &= 7
                // AR10 bit 3: attribute bit 7 blinks the foreground instead of brightening.
                if at & 0x80 != 0 && !blinkOn { fg = bg }
            }
            // Underline: attribute foreground 1, background 0 (monochrome convention).
            var solid = underline && at & 0x77 == 0x01
            if cursorOn && counter &+ c == cursorAt { solid = true }
            if solid { glyph = 0xFF }
            // The 9th dot repeats the 8th for line-drawing characters C0–DF (AR10 bit 2).
            let ninth = solid || (lineGraphics && ch >= 0xC0 && ch <= 0xDF && glyph & 1 != 0)
            let fgPixel = attrTable[fg], bgPixel = attrTable[bg]
            var bit = 0x80
            for i in 0..<8 {
                out[x + i] = glyph & bit != 0 ? fgPixel : bgPixel
                bit >>= 1
            }
            if cw == 9 { out[x + 8] = ninth ? fgPixel : bgPixel }
            x += cw
        }
    }

    private func drawPlanarLine(_ s: VGAScanout, counter: Int, rowScan: Int, into out: UnsafeMutablePointer<UInt32>) {
        let words = memory.words
        var x = 0
        for c in 0...s.columns {
            let w = words[s.planeAddress(counter &+ c, rowScan: rowScan)]
            // Bit 7 of each plane is the leftmost pixel; plane k gives colour bit k.
            for i in 0..<8 {
                let sh = UInt32(7 - i)
                let v = (w >> sh) & 1 | (w >> (sh + 7)) & 2 | (w >> (sh + 14)) & 4 | (w >> (sh + 21)) & 8
                out[x + i] = attrTable[Int(v)]
            }
            x += 8
        }
    }

    private func drawCGALine(_ s: VGAScanout, counter: Int, rowScan: Int, into out: UnsafeMutablePointer<UInt32>) {
        let words = memory.words
        var x = 0
        for c in 0...s.columns {
            let w = words[s.planeAddress(counter &+ c, rowScan: rowScan)]
            // Interleaved shift (GR05 bit 5): plane 0 gives pixels 0–3 and plane 1 pixels
            // 4–7, two bits each, high bits first; planes 2/3 give colour bits 2–3 likewise.
            let lo0 = w & 0xFF, lo1 = (w >> 8) & 0xFF, hi0 = (w >> 16) & 0xFF, hi1 = (w >> 24) & 0xFF
            for i in 0..<4 {
                let sh = UInt32(6 - 2 * i)
                out[x + i] = attrTable[Int((lo0 >> sh) & 3 | ((hi0 >> sh) & 3) << 2)]
                out[x + 4 + i] = attrTable[Int((lo1 >> sh) & 3 | ((hi1 >> sh) & 3) << 2)]
            }
            x += 8
        }
    }

    private func drawPackedLine(_ s: VGAScanout, counter: Int, rowScan: Int, into out: UnsafeMutablePointer<UInt32>) {
        let words = memory.words
        var x = 0
        let eightBit = regs.attr8BitColor
        for c in 0...s.columns {
            let w = words[s.planeAddress(counter &+ c, rowScan: rowScan)]
            if eightBit {
                // 256-colour shift mode: planes 0, 1, 2, 3 are four consecutive pixels.
                out[x] = dacTable[Int(w & 0xFF)]
                out[x + 1] = dacTable[Int((w >> 8) & 0xFF)]
                out[x + 2] = dacTable[Int((w >> 16) & 0xFF)]
                out[x + 3] = dacTable[Int(w >> 24)]
                x += 4
            } else {
                // Without AR10 bit 6 each byte is two 4-bit pixels, high nibble first.
                for k in 0..<4 {
                    let b = Int((w >> UInt32(8 * k)) & 0xFF)
                    out[x + 2 * k] = attrTable[b >> 4]
                    out[x + 2 * k + 1] = attrTable[b & 0x0F]
                }
                x += 8
            }
        }
    }
}
