// VGA register file: sequencer, CRT controller, graphics controller, attribute
// controller, DAC, miscellaneous output, feature control and VGA enable.
//
// Source: IBM "VGA/XGA Technical Reference" (Video Subsystem chapter), and the
// register descriptions of the FreeVGA project (sections "Sequencer Registers",
// "CRT Controller Registers", "Graphics Registers", "Attribute Controller
// Registers", "DAC Operation", "External Registers").
//
// Register map (ports; 3x4/3x5/3xA mean 3B4/3B5/3BA when misc output bit 0 = 0,
// 3D4/3D5/3DA when it is 1):
//   3C0   W  attribute index / data, alternating (the flip-flop); R: index
//   3C1   R  attribute data
//   3C2   W  miscellaneous output        R: input status 0
//   3C3   RW VGA enable (bit 0)
//   3C4/5 RW sequencer index / data (SR00–SR04)
//   3C6   RW PEL mask
//   3C7   W  DAC read index              R: DAC state (0 = writing, 3 = reading)
//   3C8   RW DAC write index
//   3C9   RW DAC data: red, green, blue in turn, then the index advances
//   3CA   R  feature control             3CC R: miscellaneous output
//   3CE/F RW graphics controller index / data (GR00–GR08)
//   3x4/5 RW CRTC index / data (CR00–CR18)
//   3xA   R  input status 1 (in VGACard; the read resets the attribute flip-flop)
//         W  feature control
//
// Everything the renderer depends on bumps `generation`, except the cursor
// registers (CR0A, CR0B, CR0E, CR0F), which the renderer follows itself so that
// moving the cursor redraws only two text rows.

public final class VGARegisters {
    // MARK: Register arrays (indices as in the documents)
    public var sequencer = [UInt8](repeating: 0, count: 8)
    public var crtc = [UInt8](repeating: 0, count: 0x40)
    public var graphics = [UInt8](repeating: 0, count: 16)
    public var attribute = [UInt8](repeating: 0, count: 0x20)
    /// 256 entries × (red, green, blue); 6-bit values unless the 8-bit DAC is on.
    public var dac = [UInt8](repeating: 0, count: 768)
    public var miscOutput: UInt8 = 0
    public var featureControl: UInt8 = 0
    public var vgaEnable: UInt8 = 1
    public var pelMask: UInt8 = 0xFF

    public var sequencerIndex: UInt8 = 0
    public var crtcIndex: UInt8 = 0
    public var graphicsIndex: UInt8 = 0
    /// Attribute index register: bits 0–4 index, bit 5 palette address source (PAS).
    public var attributeIndex: UInt8 = 0
    /// false: the next write to 3C0 is an index; true: it is data.
    public var attributeFlipFlop = false

    public var dacWriteIndex: UInt8 = 0
    public var dacReadIndex: UInt8 = 0
    public var dacWriteComponent = 0
    public var dacReadComponent = 0
    /// DAC state as read at 3C7: 0 after a write-index load, 3 after a read-index load.
    public var dacState: UInt8 = 0
    /// Set by the Bochs VBE interface (ENABLE bit 5): DAC components are 8 bits wide.
    public var dac8Bit = false

    /// Bumped on every change that can alter the picture (the renderer compares it).
    public private(set) var generation: UInt64 = 1
    /// Bumped when a DAC entry or the PEL mask changes (the palette table is rebuilt).
    public private(set) var paletteGeneration: UInt64 = 1

    public init() {}

    @inline(__always) func touch() { generation &+= 1 }

    // MARK: Decoded fields the card and renderer use

    /// Misc output bit 0: CRTC and input status 1 at 3Dx (colour) rather than 3Bx.
    public var colorIOAddress: Bool { miscOutput & 0x01 != 0 }
    /// Misc output bit 1: the CPU may access video memory.
    public var ramEnabled: Bool { miscOutput & 0x02 != 0 }
    /// Misc output bits 2–3: 25.175 MHz (0) or 28.322 MHz (1) dot clock.
    public var dotClockHz: UInt64 { (miscOutput >> 2) & 3 == 1 ? 28_322_000 : 25_175_000 }

    /// SR01 bit 0: 8-dot characters (else 9). Bit 3: dot clock divided by 2. Bit 5: screen off.
    public var eightDotChars: Bool { sequencer[1] & 0x01 != 0 }
    public var halfDotClock: Bool { sequencer[1] & 0x08 != 0 }
    public var screenOff: Bool { sequencer[1] & 0x20 != 0 }
    public var mapMask: UInt8 { sequencer[2] & 0x0F }
    /// SR04 bit 2 clear: odd/even addressing for CPU writes; bit 3: chain-4.
    public var oddEvenWrites: Bool { sequencer[4] & 0x04 == 0 }
    public var chain4: Bool { sequencer[4] & 0x08 != 0 }

    /// GR05 bits 0–1 write mode, bit 3 read mode, bit 4 odd/even reads,
    /// bits 5–6 shift register mode (0 planar, 1 interleaved CGA, 2/3 256-colour).
    public var writeMode: UInt8 { graphics[5] & 3 }
    public var readMode: UInt8 { (graphics[5] >> 3) & 1 }
    public var oddEvenReads: Bool { graphics[5] & 0x10 != 0 }
    public var shiftMode: UInt8 { (graphics[5] >> 5) & 3 }
    /// GR06 bits 2–3: memory map select (0 A0000/128K, 1 A0000/64K, 2 B0000/32K, 3 B8000/32K).
    public var memoryMapSelect: UInt8 { (graphics[6] >> 2) & 3 }

    /// Attribute mode control (AR10): bit 0 graphics, bit 2 line graphics (9th dot of
    /// C0–DF), bit 3 blink (else background intensity), bit 5 panning reset at line
    /// compare, bit 6 8-bit colour, bit 7 palette bits 5–4 from AR14.
    public var attrGraphics: Bool { attribute[0x10] & 0x01 != 0 }
    public var attrLineGraphics: Bool { attribute[0x10] & 0x04 != 0 }
    public var attrBlink: Bool { attribute[0x10] & 0x08 != 0 }
    public var attrPanReset: Bool { attribute[0x10] & 0x20 != 0 }
    public var attr8BitColor: Bool { attribute[0x10] & 0x40 != 0 }
    /// PAS: while clear, the attribute controller shows the overscan colour only.
    public var paletteAddressSource: Bool { attributeIndex & 0x20 != 0 }

    public var horizontalTotal: Int { Int(crtc[0]) + 5 }
    public var horizontalDisplayEnd: Int { Int(crtc[1]) + 1 }
    public var verticalTotal: Int {
        Int(crtc[6]) | Int(crtc[7] & 0x01) << 8 | Int(crtc[7] & 0x20) << 4
    }
    /// Lines shown: CR12 plus overflow bits 8 (CR07 bit 1) and 9 (CR07 bit 6), plus one.
    public var verticalDisplayEnd: Int {
        (Int(crtc[0x12]) | Int(crtc[7] & 0x02) << 7 | Int(crtc[7] & 0x40) << 3) + 1
    }
    public var verticalRetraceStart: Int {
        Int(crtc[0x10]) | Int(crtc[7] & 0x04) << 6 | Int(crtc[7] & 0x80) << 2
    }
    /// CR11 bits 0–3 hold the low four bits of the line on which retrace ends.
    public var verticalRetraceEnd: Int { Int(crtc[0x11] & 0x0F) }
    public var presetRowScan: Int { Int(crtc[8] & 0x1F) }
    public var maxScanLine: Int { Int(crtc[9] & 0x1F) }
    public var doubleScan: Bool { crtc[9] & 0x80 != 0 }
    /// Line compare: CR18, bit 8 in CR07 bit 4, bit 9 in CR09 bit 6.
    public var lineCompare: Int {
        Int(crtc[0x18]) | Int(crtc[7] & 0x10) << 4 | Int(crtc[9] & 0x40) << 3
    }
    public var startAddress: Int { Int(crtc[0x0C]) << 8 | Int(crtc[0x0D]) }
    public var cursorLocation: Int { Int(crtc[0x0E]) << 8 | Int(crtc[0x0F]) }
    public var cursorStart: Int { Int(crtc[0x0A] & 0x1F) }
    public var cursorDisabled: Bool { crtc[0x0A] & 0x20 != 0 }
    public var cursorEnd: Int { Int(crtc[0x0B] & 0x1F) }
    public var cursorSkew: Int { Int(crtc[0x0B] >> 5) & 3 }
    /// CR13: row offset; the address counter advances by twice this per character row.
    public var rowOffset: Int { Int(crtc[0x13]) * 2 }
    public var underlineLocation: Int { Int(crtc[0x14] & 0x1F) }
    public var doublewordMode: Bool { crtc[0x14] & 0x40 != 0 }
    /// CR17 bit 0 clear: row scan bit 0 replaces address bit 13 (CGA banks);
    /// bit 1 clear: row scan bit 1 replaces address bit 14 (Hercules banks);
    /// bit 5: word-mode wrap bit (MA15 rather than MA13); bit 6: byte mode.
    public var cgaBankSubstitution: Bool { crtc[0x17] & 0x01 == 0 }
    public var herculesBankSubstitution: Bool { crtc[0x17] & 0x02 == 0 }
    public var byteMode: Bool { crtc[0x17] & 0x40 != 0 }
    public var wordWrapMA15: Bool { crtc[0x17] & 0x20 != 0 }

    // MARK: Index/data ports

    public func writeSequencer(_ value: UInt8) {
        let i = Int(sequencerIndex & 7)
        // Only SR00–SR04 exist; the other indices hold nothing.
        guard i <= 4 else { return }
        sequencer[i] = value
        touch()
    }
    public func readSequencer() -> UInt8 {
        let i = Int(sequencerIndex & 7)
        return i <= 4 ? sequencer[i] : 0xFF
    }

    public func writeGraphics(_ value: UInt8) {
        let i = Int(graphicsIndex & 0x0F)
        guard i <= 8 else { return }
        graphics[i] = value
        touch()
    }
    public func readGraphics() -> UInt8 {
        let i = Int(graphicsIndex & 0x0F)
        return i <= 8 ? graphics[i] : 0xFF
    }

    public func writeCRTC(_ value: UInt8) {
        let i = Int(crtcIndex & 0x3F)
        guard i <= 0x18 else { return }
        // CR11 bit 7 (protect) makes CR00–CR07 read-only, except the line compare
        // bit 8 in CR07 bit 4 (FreeVGA, "Vertical Retrace End Register").
        if crtc[0x11] & 0x80 != 0 && i <= 7 {
            if i == 7 { crtc[7] = (crtc[7] & ~0x10) | (value & 0x10); touch() }
            return
        }
        crtc[i] = value
        switch i {
        case 0x0A, 0x0B, 0x0E, 0x0F: break   // cursor: followed by the renderer
        default: touch()
        }
    }
    public func readCRTC() -> UInt8 {
        let i = Int(crtcIndex & 0x3F)
        return i <= 0x18 ? crtc[i] : 0
    }

    /// A write to 3C0: index and data alternate, driven by the flip-flop.
    public func writeAttribute(_ value: UInt8) {
        if !attributeFlipFlop {
            let oldPAS = attributeIndex & 0x20
            attributeIndex = value & 0x3F
            if oldPAS != attributeIndex & 0x20 { touch() }
        } else {
            let i = Int(attributeIndex & 0x1F)
            if i <= 0x14 {
                // Palette entries are 6 bits wide, AR13/AR14 4 bits. Writes to AR00–AR0F
                // are accepted whatever PAS says (documents differ on whether PAS = 1
                // locks them; accepting is the lenient choice for guests).
                switch i {
                case 0...0x0F: attribute[i] = value & 0x3F
                case 0x12: attribute[i] = value & 0x3F
                case 0x13: attribute[i] = value & 0x0F
                case 0x14: attribute[i] = value & 0x0F
                default: attribute[i] = value
                }
                touch()
            }
        }
        attributeFlipFlop.toggle()
    }
    public func readAttributeData() -> UInt8 {
        let i = Int(attributeIndex & 0x1F)
        return i <= 0x14 ? attribute[i] : 0
    }

    /// DAC data port: three components per entry, then the index moves on.
    public func writeDACData(_ value: UInt8) {
        let slot = Int(dacWriteIndex) * 3 + dacWriteComponent
        dac[slot] = dac8Bit ? value : value & 0x3F
        dacWriteComponent += 1
        if dacWriteComponent == 3 {
            dacWriteComponent = 0
            dacWriteIndex &+= 1
        }
        paletteGeneration &+= 1
        touch()
    }
    public func readDACData() -> UInt8 {
        let v = dac[Int(dacReadIndex) * 3 + dacReadComponent]
        dacReadComponent += 1
        if dacReadComponent == 3 {
            dacReadComponent = 0
            dacReadIndex &+= 1
        }
        return v
    }
    public func setDACReadIndex(_ v: UInt8) {
        dacReadIndex = v; dacReadComponent = 0; dacState = 3
    }
    public func setDACWriteIndex(_ v: UInt8) {
        dacWriteIndex = v; dacWriteComponent = 0; dacState = 0
    }
    public func setPELMask(_ v: UInt8) {
        if pelMask != v { pelMask = v; paletteGeneration &+= 1; touch() }
    }
    public func setMiscOutput(_ v: UInt8) {
        miscOutput = v
        touch()
    }
    public func setDAC8Bit(_ on: Bool) {
        if dac8Bit != on { dac8Bit = on; paletteGeneration &+= 1; touch() }
    }
    /// Forces a full redraw (used by the VBE interface when it switches modes).
    public func invalidate() { touch() }

    /// The DAC entry as 8-bit red, green, blue.
    @inline(__always) public func dacRGB(_ index: Int) -> (UInt8, UInt8, UInt8) {
        let r = dac[index * 3], g = dac[index * 3 + 1], b = dac[index * 3 + 2]
        if dac8Bit { return (r, g, b) }
        // 6-bit to 8-bit: replicate the top bits so 63 becomes 255.
        return (r << 2 | r >> 4, g << 2 | g >> 4, b << 2 | b >> 4)
    }
}
