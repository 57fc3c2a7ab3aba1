// The Bochs VBE display interface ("dispi"): the extension the Bochs and QEMU VGA
// cards add for high resolutions, used by VGABIOS's VBE and Linux's bochs DRM driver.
//
// Source: the interface as documented in Bochs' vbe.h/"VBE display interface"
// notes and QEMU's docs/specs (std VGA): index port 0x1CE, data port 0x1CF, 16-bit
// registers; a linear framebuffer at a physical address chosen by the machine, and a
// 64 KiB bank window at A0000 when the LFB is off.
//
// Register map (index written to 0x1CE, value read/written at 0x1CF):
//   0 ID           0xB0C0–0xB0C5 (writing a supported ID selects it; read returns it)
//   1 XRES         2 YRES        3 BPP (8, 15, 16, 24, 32)   — ignored while enabled
//   4 ENABLE       bit 0 enabled, 1 GETCAPS (XRES/YRES/BPP read maximums),
//                  5 8-bit DAC, 6 LFB enabled, 7 NOCLEARMEM (keep VRAM on enable)
//   5 BANK         64 KiB bank shown at A0000
//   6 VIRT_WIDTH   7 VIRT_HEIGHT (derived, read-only here)
//   8 X_OFFSET     9 Y_OFFSET    (display start inside the virtual screen)
//   10 VIDEO_MEMORY_64K  VRAM size in 64 KiB units (read-only)
//
// Pixel formats: 8 bpp through the DAC; 15 = xRGB 1-5-5-5, 16 = RGB 5-6-5,
// 24 = B,G,R bytes, 32 = B,G,R,x bytes (little-endian, as the DRM driver expects).

public final class BochsVBE {
    public static let vramSize = 16 << 20
    public static let maxWidth = 2560, maxHeight = 1600
    public static let pageShift = 12

    public let vram: UnsafeMutablePointer<UInt8>
    public private(set) var index: UInt16 = 0
    public private(set) var id: UInt16 = 0xB0C5
    public private(set) var xres: Int = 640
    public private(set) var yres: Int = 480
    public private(set) var bpp: Int = 8
    public private(set) var enableFlags: UInt16 = 0
    public private(set) var bank: Int = 0
    public private(set) var virtualWidth: Int = 640
    public private(set) var virtualHeight: Int = 480
    public private(set) var xOffset: Int = 0
    public private(set) var yOffset: Int = 0
    /// Bumped when the mode or display start changes (full redraw).
    public private(set) var generation: UInt64 = 1

    /// Dirty 4 KiB pages of VRAM.
    public var dirtyPages = [Bool](repeating: true, count: BochsVBE.vramSize >> BochsVBE.pageShift)
    public var anyDirty = true

    let regs: VGARegisters

    public init(registers: VGARegisters) {
        regs = registers
        vram = .allocate(capacity: BochsVBE.vramSize)
        vram.initialize(repeating: 0, count: BochsVBE.vramSize)
    }
    deinit { vram.deallocate() }

    public var enabled: Bool { enableFlags & 0x01 != 0 }
    public var lfbEnabled: Bool { enableFlags & 0x40 != 0 }
    public var bytesPerPixel: Int { (bpp + 7) / 8 }
    /// Bytes per line of the virtual screen.
    public var stride: Int { virtualWidth * bytesPerPixel }
    /// VRAM offset of the first displayed pixel.
    public var displayStart: Int { yOffset * stride + xOffset * bytesPerPixel }

    static func validBPP(_ v: Int) -> Bool { v == 8 || v == 15 || v == 16 || v == 24 || v == 32 }

    // MARK: Ports

    public func writeIndex(_ v: UInt16) { index = v }

    public func readData() -> UInt16 {
        let caps = enableFlags & 0x02 != 0
        switch index {
        case 0: return id
        case 1: return UInt16(caps ? BochsVBE.maxWidth : xres)
        case 2: return UInt16(caps ? BochsVBE.maxHeight : yres)
        case 3: return UInt16(caps ? 32 : bpp)
        case 4: return enableFlags
        case 5: return UInt16(truncatingIfNeeded: bank)
        case 6: return UInt16(truncatingIfNeeded: virtualWidth)
        case 7: return UInt16(truncatingIfNeeded: virtualHeight)
        case 8: return UInt16(truncatingIfNeeded: xOffset)
        case 9: return UInt16(truncatingIfNeeded: yOffset)
        case 10: return UInt16(BochsVBE.vramSize >> 16)
        default: return 0
        }
    }

    public func writeData(_ v: UInt16) {
        let value = Int(v)
        switch index {
        case 0:
            if v >= 0xB0C0 && v <= 0xB0C5 { id = v }
        case 1:
            if !enabled && value > 0 && value <= BochsVBE.maxWidth { xres = value }
        case 2:
            if !enabled && value > 0 && value <= BochsVBE.maxHeight { yres = value }
        case 3:
            let b = value == 0 ? 8 : value
            if !enabled && BochsVBE.validBPP(b) { bpp = b }
        case 4:
            setEnable(v)
        case 5:
            // Banks past the end of VRAM are refused (the window would show nothing).
            if value << 16 < BochsVBE.vramSize { bank = value }
        case 6:
            if value >= xres && value * bytesPerPixel * yres <= BochsVBE.vramSize {
                virtualWidth = value
                virtualHeight = BochsVBE.vramSize / stride
                generation &+= 1
            }
        case 8:
            xOffset = value; clampOffsets(); generation &+= 1
        case 9:
            yOffset = value; clampOffsets(); generation &+= 1
        default:
            break
        }
    }

    private func clampOffsets() {
        // A start past the end of VRAM would show memory that is not there.
        let frameBytes = (yres - 1) * stride + xres * bytesPerPixel
        while yOffset > 0 && displayStart + frameBytes > BochsVBE.vramSize { yOffset -= 1 }
        while xOffset > 0 && displayStart + frameBytes > BochsVBE.vramSize { xOffset -= 1 }
    }

    private func setEnable(_ v: UInt16) {
        let wasEnabled = enabled
        enableFlags = v & 0xE3
        regs.setDAC8Bit(v & 0x20 != 0)
        if enabled && !wasEnabled {
            // Enabling a mode resets the virtual screen and offsets; VRAM is cleared
            // unless NOCLEARMEM is set.
            if xres * bytesPerPixel * yres > BochsVBE.vramSize { xres = 640; yres = 480; bpp = 8 }
            virtualWidth = xres
            virtualHeight = BochsVBE.vramSize / stride
            xOffset = 0; yOffset = 0; bank = 0
            if v & 0x80 == 0 {
                vram.update(repeating: 0, count: xres * bytesPerPixel * yres)
            }
        }
        markAllDirty()
        generation &+= 1
        regs.invalidate()
    }

    func markAllDirty() {
        for i in 0..<dirtyPages.count { dirtyPages[i] = true }
        anyDirty = true
    }

    // MARK: Memory

    /// The linear framebuffer (offset from its base).
    @inline(__always) public func readLinear(_ offset: Int) -> UInt8 {
        guard offset >= 0 && offset < BochsVBE.vramSize else { return 0xFF }
        return vram[offset]
    }
    @inline(__always) public func writeLinear(_ offset: Int, _ value: UInt8) {
        guard offset >= 0 && offset < BochsVBE.vramSize else { return }
        vram[offset] = value
        dirtyPages[offset >> BochsVBE.pageShift] = true
        anyDirty = true
    }
    /// The 64 KiB bank window at A0000.
    public func readBanked(_ offset: Int) -> UInt8 { readLinear(bank << 16 | (offset & 0xFFFF)) }
    public func writeBanked(_ offset: Int, _ value: UInt8) { writeLinear(bank << 16 | (offset & 0xFFFF), value) }

    func clearDirty() {
        if anyDirty { for i in 0..<dirtyPages.count { dirtyPages[i] = false } }
        anyDirty = false
    }

    // MARK: Rendering

    /// Renders the visible part into `frame` (width xres, height yres); only lines
    /// touching dirty pages unless `full`. `palette` maps 8-bit pixels through the DAC.
    /// Returns the number of lines drawn.
    func render(into frame: UnsafeMutablePointer<UInt32>, palette: UnsafePointer<UInt32>, full: Bool) -> Int {
        var drawn = 0
        let bytes = bytesPerPixel
        let start = displayStart
        let lineStride = stride
        for y in 0..<yres {
            let lineStart = start + y * lineStride
            let lineEnd = lineStart + xres * bytes - 1
            guard lineEnd < BochsVBE.vramSize else { break }
            if !full {
                var dirty = false
                var p = lineStart >> BochsVBE.pageShift
                while p <= lineEnd >> BochsVBE.pageShift { if dirtyPages[p] { dirty = true; break }; p += 1 }
                if !dirty { continue }
            }
            let src = vram + lineStart
            let dst = frame + y * xres
            drawn += 1
            switch bpp {
            case 8:
                for x in 0..<xres { dst[x] = palette[Int(src[x])] }
            case 15:
                for x in 0..<xres {
                    let v = UInt32(src[2 * x]) | UInt32(src[2 * x + 1]) << 8
                    dst[x] = BochsVBE.rgba(expand5((v >> 10) & 31), expand5((v >> 5) & 31), expand5(v & 31))
                }
            case 16:
                for x in 0..<xres {
                    let v = UInt32(src[2 * x]) | UInt32(src[2 * x + 1]) << 8
                    dst[x] = BochsVBE.rgba(expand5((v >> 11) & 31), expand6((v >> 5) & 63), expand5(v & 31))
                }
            case 24:
                for x in 0..<xres {
                    dst[x] = BochsVBE.rgba(UInt32(src[3 * x + 2]), UInt32(src[3 * x + 1]), UInt32(src[3 * x]))
                }
            default:
                for x in 0..<xres {
                    dst[x] = BochsVBE.rgba(UInt32(src[4 * x + 2]), UInt32(src[4 * x + 1]), UInt32(src[4 * x]))
                }
            }
        }
        clearDirty()
        return drawn
    }

    @inline(__always) func expand5(_ v: UInt32) -> UInt32 { v << 3 | v >> 2 }
    @inline(__always) func expand6(_ v: UInt32) -> UInt32 { v << 2 | v >> 4 }
    /// A frame pixel: bytes R, G, B, A in memory (see VGARenderer).
    @inline(__always) static func rgba(_ r: UInt32, _ g: UInt32, _ b: UInt32) -> UInt32 {
        r | g << 8 | b << 16 | 0xFF00_0000
    }
}
