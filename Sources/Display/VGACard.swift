// The VGA card as a plug-in board device: its I/O ports, its memory window at
// A0000–BFFFF, the Bochs VBE ports and linear framebuffer, and the display timing
// that input status 1 reports.
//
// Source: IBM VGA Technical Reference ("Input Status Register One", "Miscellaneous
// Output Register", "Memory Map Select"); FreeVGA "External Registers"; the Bochs
// VBE interface (see BochsVBE.swift).
//
// Ports mapped:
//   0x3B0–0x3BF  monochrome range: 3B4/3B5 CRTC and 3BA status/feature control answer
//                only while misc output bit 0 = 0 (else they read 0xFF, writes vanish)
//   0x3C0–0x3CF  attribute, misc, sequencer, DAC, graphics controller (VGARegisters)
//   0x3D0–0x3DF  colour range: 3D4/3D5 CRTC and 3DA status while misc bit 0 = 1
//   0x1CE/0x1CF  Bochs VBE index / data
// Memory: A0000–BFFFF, answered as GR06 bits 2–3 decode (A0000 128K, A0000 64K,
// B0000 32K, B8000 32K); the rest reads 0xFF. With VBE enabled the A0000 64 KiB
// window shows the selected VBE bank. The linear framebuffer (16 MiB) is mapped at
// `lfbAddress` (0xE0000000 unless the machine says otherwise).
//
// Timing: the beam position is the dot clock (misc bits 2–3: 25.175 or 28.322 MHz)
// counted on the scheduler's cycle clock, within a frame of CR00 + 5 character clocks
// per line and CR06 + overflow + 2 lines. Mode 03h thus runs 70 Hz frames of 31.5 kHz
// lines, and polling loops for vertical retrace end.

import Chipset

public final class VGACard: IODevice {
    public let registers: VGARegisters
    public let memory: VGAMemory
    public let vbe: BochsVBE
    public let renderer: VGARenderer
    let scheduler: Scheduler

    public static let defaultLFBAddress: UInt32 = 0xE000_0000
    public private(set) var lfbAddress: UInt32 = VGACard.defaultLFBAddress

    public init(scheduler: Scheduler) {
        self.scheduler = scheduler
        registers = VGARegisters()
        memory = VGAMemory(registers: registers)
        vbe = BochsVBE(registers: registers)
        renderer = VGARenderer(registers: registers, memory: memory, vbe: vbe)
    }

    /// Maps the card's ports, its A0000–BFFFF window and the VBE linear framebuffer.
    public func attach(to bus: IOPortBus, memory map: MemoryMap, lfbAddress: UInt32 = VGACard.defaultLFBAddress) {
        bus.map(0x3B0...0x3DF, self, name: "VGA")
        bus.map(0x1CE...0x1CF, self, name: "VGA")
        map.mapMMIO(MemoryMap.MMIORegion(
            start: 0xA_0000, end: 0xB_FFFF,
            read: { [unowned self] in self.readMemory($0) },
            write: { [unowned self] in self.writeMemory($0, $1) }))
        self.lfbAddress = lfbAddress
        let end = lfbAddress &+ UInt32(BochsVBE.vramSize - 1)
        map.mapMMIO(MemoryMap.MMIORegion(
            start: lfbAddress, end: end,
            read: { [unowned self] in self.vbe.readLinear(Int($0 &- self.lfbAddress)) },
            write: { [unowned self] in self.vbe.writeLinear(Int($0 &- self.lfbAddress), $1) }))
    }

    // MARK: Memory window

    /// The offset into the window that GR06 selects, or nil when the address lies outside it.
    @inline(__always) func windowOffset(_ address: UInt32) -> Int? {
        let a = Int(address)
        switch registers.memoryMapSelect {
        case 0: return a >= 0xA_0000 && a < 0xC_0000 ? a - 0xA_0000 : nil
        case 1: return a >= 0xA_0000 && a < 0xB_0000 ? a - 0xA_0000 : nil
        case 2: return a >= 0xB_0000 && a < 0xB_8000 ? a - 0xB_0000 : nil
        default: return a >= 0xB_8000 && a < 0xC_0000 ? a - 0xB_8000 : nil
        }
    }

    public func readMemory(_ address: UInt32) -> UInt8 {
        if vbe.enabled {
            guard address >= 0xA_0000 && address < 0xB_0000 else { return 0xFF }
            return vbe.readBanked(Int(address - 0xA_0000))
        }
        guard registers.ramEnabled, let off = windowOffset(address) else { return 0xFF }
        return memory.read(off)
    }

    public func writeMemory(_ address: UInt32, _ value: UInt8) {
        if vbe.enabled {
            guard address >= 0xA_0000 && address < 0xB_0000 else { return }
            vbe.writeBanked(Int(address - 0xA_0000), value)
            return
        }
        guard registers.ramEnabled, let off = windowOffset(address) else { return }
        memory.write(off, value)
    }

    // MARK: Timing

    /// Dot-clock ticks per line and lines per frame, from CR00, CR06/CR07 and SR01.
    var frameGeometry: (lineDots: UInt64, lines: UInt64, charDots: UInt64) {
        let r = registers
        let charDots: UInt64 = (r.eightDotChars ? 8 : 9) * (r.halfDotClock ? 2 : 1)
        let lineDots = max(UInt64(r.horizontalTotal) * charDots, 16)
        let lines = max(UInt64(r.verticalTotal) + 2, 2)
        return (lineDots, lines, charDots)
    }

    /// The beam: frames since power-on, the line within the frame and the dot within the line.
    public func beamPosition() -> (frame: UInt64, line: Int, dot: Int) {
        let g = frameGeometry
        let dots = scheduler.ticks(ofHz: registers.dotClockHz, at: scheduler.now())
        let frameDots = g.lineDots * g.lines
        let (frame, inFrame) = dots.quotientAndRemainder(dividingBy: frameDots)
        return (frame, Int(inFrame / g.lineDots), Int(inFrame % g.lineDots))
    }

    /// Input status 1: bit 0 while the display is not showing pixels (horizontal or
    /// vertical blanking), bit 3 during vertical retrace.
    public func inputStatus1() -> UInt8 {
        let r = registers
        let g = frameGeometry
        let (_, line, dot) = beamPosition()
        var value: UInt8 = 0
        let activeDots = UInt64(r.horizontalDisplayEnd) * g.charDots
        if UInt64(dot) >= activeDots || line >= r.verticalDisplayEnd { value |= 0x01 }
        var start = r.verticalRetraceStart
        // A retrace that never comes round (start beyond the frame) would hang a
        // polling loop; such a frame retraces on its last line instead.
        if start >= Int(g.lines) { start = Int(g.lines) - 1 }
        var length = (r.verticalRetraceEnd - start) & 0x0F
        if length == 0 { length = 16 }
        if line >= start && line < start + length { value |= 0x08 | 0x01 }
        return value
    }

    // MARK: Ports

    /// True for the CRTC/status ports of the range the misc output register deselects.
    @inline(__always) func deselected(_ port: UInt16) -> Bool {
        (port & 0xFFF0) == (registers.colorIOAddress ? 0x3B0 : 0x3D0)
    }

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        if port == 0x1CE { return 0 }
        if port == 0x1CF { return UInt32(vbe.readData()) }
        var v: UInt32 = 0
        for k in 0..<min(size, 4) {
            v |= UInt32(readByte(port &+ UInt16(k))) << (8 * k)
        }
        return v
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        if port == 0x1CE { vbe.writeIndex(UInt16(truncatingIfNeeded: value)); return }
        if port == 0x1CF { vbe.writeData(UInt16(truncatingIfNeeded: value)); return }
        // A word OUT to an index port writes the index, then the data (OUT DX, AX).
        for k in 0..<min(size, 4) {
            writeByte(port &+ UInt16(k), UInt8(truncatingIfNeeded: value >> (8 * k)))
        }
    }

    func readByte(_ port: UInt16) -> UInt8 {
        let r = registers
        switch port {
        case 0x3C0: return r.attributeIndex
        case 0x3C1: return r.readAttributeData()
        case 0x3C2:
            // Input status 0: bit 4 is the DAC's monitor-sense comparator, not modelled
            // (reads 1); bit 7, vertical retrace interrupt pending, reads 0 (the retrace
            // interrupt is not wired).
            return 0x10
        case 0x3C3: return r.vgaEnable
        case 0x3C4: return r.sequencerIndex
        case 0x3C5: return r.readSequencer()
        case 0x3C6: return r.pelMask
        case 0x3C7: return r.dacState
        case 0x3C8: return r.dacWriteIndex
        case 0x3C9: return r.readDACData()
        case 0x3CA: return r.featureControl
        case 0x3CC: return r.miscOutput
        case 0x3CE: return r.graphicsIndex
        case 0x3CF: return r.readGraphics()
        case 0x3B4, 0x3D4: return deselected(port) ? 0xFF : r.crtcIndex
        case 0x3B5, 0x3D5: return deselected(port) ? 0xFF : r.readCRTC()
        case 0x3BA, 0x3DA:
            if deselected(port) { return 0xFF }
            // Reading input status 1 resets the attribute flip-flop to "index".
            r.attributeFlipFlop = false
            return inputStatus1()
        default: return 0xFF
        }
    }

    func writeByte(_ port: UInt16, _ v: UInt8) {
        let r = registers
        switch port {
        case 0x3C0: r.writeAttribute(v)
        case 0x3C2: r.setMiscOutput(v)
        case 0x3C3: r.vgaEnable = v & 1
        case 0x3C4: r.sequencerIndex = v
        case 0x3C5: r.writeSequencer(v)
        case 0x3C6: r.setPELMask(v)
        case 0x3C7: r.setDACReadIndex(v)
        case 0x3C8: r.setDACWriteIndex(v)
        case 0x3C9: r.writeDACData(v)
        case 0x3CE: r.graphicsIndex = v
        case 0x3CF: r.writeGraphics(v)
        case 0x3B4, 0x3D4: if !deselected(port) { r.crtcIndex = v }
        case 0x3B5, 0x3D5: if !deselected(port) { r.writeCRTC(v) }
        case 0x3BA, 0x3DA: if !deselected(port) { r.featureControl = v }
        default: break
        }
    }

    // MARK: Frames

    /// Renders what changed since the last call and returns the frame (pixels are
    /// R, G, B, A bytes; see VGARenderer). The array is the renderer's own buffer:
    /// keeping it across the next call costs one copy then (copy-on-write).
    public func renderFrame() -> (width: Int, height: Int, pixels: [UInt32]) {
        renderer.render(frame: beamPosition().frame)
        return (renderer.width, renderer.height, renderer.pixels)
    }

    /// Renders and lends the frame without copying (for a window's texture upload).
    public func withRenderedFrame<R>(_ body: (Int, Int, UnsafeBufferPointer<UInt32>) throws -> R) rethrows -> R {
        renderer.render(frame: beamPosition().frame)
        return try renderer.pixels.withUnsafeBufferPointer { try body(renderer.width, renderer.height, $0) }
    }
}
