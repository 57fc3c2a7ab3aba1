// VGA display memory: 256 KiB in four 64 KiB planes, and the graphics controller's
// data path between the CPU and the planes.
//
// Source: IBM VGA Technical Reference, "Graphics Controller"; FreeVGA "VGA Memory
// Organization", "Read/Write Modes", "Graphics Registers" (GR00 set/reset, GR01
// enable set/reset, GR02 colour compare, GR03 data rotate + function select, GR04
// read map select, GR05 mode, GR07 colour don't care, GR08 bit mask) and
// "Sequencer Registers" (SR02 map mask, SR04 memory mode).
//
// Storage: one UInt32 per plane address (65536 of them); byte k of the word is
// plane k. So the four latches are one load, and write modes 0–3 work on all planes
// at once with 32-bit masks.
//
// CPU addressing (offset = address − start of the decoded window):
//   chain-4 (SR04 bit 3):   plane = offset & 3,            plane address = offset & ~3
//   odd/even (SR04 bit 2 = 0 for writes, GR05 bit 4 for reads):
//                           plane = offset & 1 (| read map bit 1), address = offset & ~1
//   sequential:             planes from the map mask (writes) / read map (reads),
//                           address = offset
// Writes mark 64-byte pages of plane address space dirty for the renderer.

public final class VGAMemory {
    public static let planeSize = 65536
    /// Interleaved planes: `words[a]` holds plane 0…3 at plane address `a` in bytes 0…3.
    public let words: UnsafeMutablePointer<UInt32>
    /// The four latches, loaded by every CPU read.
    public private(set) var latch: UInt32 = 0
    let regs: VGARegisters

    /// Dirty 64-byte pages of plane address space (1024 of them).
    public static let pageShift = 6
    public var dirtyPages = [Bool](repeating: true, count: VGAMemory.planeSize >> VGAMemory.pageShift)
    public var anyDirty = true
    /// Plane 2 (the font in text modes) was written since the last render.
    public var plane2Dirty = true

    public init(registers: VGARegisters) {
        regs = registers
        words = .allocate(capacity: VGAMemory.planeSize)
        words.initialize(repeating: 0, count: VGAMemory.planeSize)
    }
    deinit { words.deallocate() }

    /// Byte `address` of plane `plane` (tests, text dump, renderer helpers).
    @inline(__always) public func byte(plane: Int, at address: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: words[address & 0xFFFF] >> (8 * UInt32(plane & 3)))
    }

    @inline(__always) static func expand(_ planes: UInt8) -> UInt32 {
        var m: UInt32 = 0
        if planes & 1 != 0 { m |= 0x0000_00FF }
        if planes & 2 != 0 { m |= 0x0000_FF00 }
        if planes & 4 != 0 { m |= 0x00FF_0000 }
        if planes & 8 != 0 { m |= 0xFF00_0000 }
        return m
    }

    @inline(__always) func markDirty(_ address: Int, planes: UInt8) {
        dirtyPages[address >> VGAMemory.pageShift] = true
        anyDirty = true
        if planes & 4 != 0 { plane2Dirty = true }
    }

    // MARK: CPU reads

    /// A CPU read at `offset` into the decoded window (already checked to lie in it).
    public func read(_ offset: Int) -> UInt8 {
        let address: Int
        var plane: Int
        if regs.chain4 {
            address = offset & 0xFFFC
            plane = offset & 3
        } else if regs.oddEvenReads {
            address = offset & 0xFFFE
            plane = (Int(regs.graphics[4]) & 2) | (offset & 1)
        } else {
            address = offset & 0xFFFF
            plane = Int(regs.graphics[4] & 3)
        }
        latch = words[address]
        if regs.readMode == 0 {
            return UInt8(truncatingIfNeeded: latch >> (8 * UInt32(plane)))
        }
        // Read mode 1 (colour compare): a result bit is 1 where every plane that is
        // not "don't care" (GR07) matches its bit of the colour compare register (GR02).
        let care = VGAMemory.expand(regs.graphics[7] & 0x0F)
        let colour = VGAMemory.expand(regs.graphics[2] & 0x0F)
        let diff = (latch ^ colour) & care
        let any = (diff | diff >> 8 | diff >> 16 | diff >> 24) & 0xFF
        return ~UInt8(truncatingIfNeeded: any)
    }

    // MARK: CPU writes

    /// A CPU write at `offset` into the decoded window.
    public func write(_ offset: Int, _ value: UInt8) {
        var planes = regs.mapMask
        let address: Int
        if regs.chain4 {
            address = offset & 0xFFFC
            planes &= 1 << UInt8(offset & 3)
        } else if regs.oddEvenWrites {
            address = offset & 0xFFFE
            planes &= offset & 1 == 0 ? 0x5 : 0xA
        } else {
            address = offset & 0xFFFF
        }
        guard planes != 0 else { return }
        let gr = regs.graphics
        let latch = self.latch
        var result: UInt32
        let mode = gr[5] & 3
        if mode == 1 {
            // Write mode 1: the latches go to the planes unchanged.
            result = latch
        } else {
            // GR03 bits 0–2 rotate the CPU byte right (modes 0 and 3).
            let rotate = gr[3] & 7
            let rotated = rotate == 0 ? value : (value >> rotate) | (value << (8 - rotate))
            var bitMask = UInt32(gr[8]) &* 0x0101_0101
            switch mode {
            case 0:
                // Planes enabled in GR01 take their GR00 bit spread over the byte.
                let esr = VGAMemory.expand(gr[1] & 0x0F)
                result = (UInt32(rotated) &* 0x0101_0101 & ~esr) | (VGAMemory.expand(gr[0] & 0x0F) & esr)
            case 2:
                // Bits 0–3 of the CPU byte are the colour, one bit per plane.
                result = VGAMemory.expand(value & 0x0F)
            default:
                // Mode 3: the rotated CPU byte ANDed with the bit mask is the bit mask;
                // the colour comes from set/reset.
                bitMask &= UInt32(rotated) &* 0x0101_0101
                result = VGAMemory.expand(gr[0] & 0x0F)
            }
            // GR03 bits 3–4: function with the latches (replace, AND, OR, XOR).
            switch (gr[3] >> 3) & 3 {
            case 1: result &= latch
            case 2: result |= latch
            case 3: result ^= latch
            default: break
            }
            result = (result & bitMask) | (latch & ~bitMask)
        }
        let planeMask = VGAMemory.expand(planes)
        words[address] = (words[address] & ~planeMask) | (result & planeMask)
        markDirty(address, planes: planes)
    }

    /// Clears the dirty marks (after the renderer has caught up).
    public func clearDirty() {
        if anyDirty {
            for i in 0..<dirtyPages.count { dirtyPages[i] = false }
        }
        anyDirty = false
        plane2Dirty = false
    }

    /// True if any page overlapping plane addresses [from, to] (inclusive) is dirty;
    /// ranges that wrap past 64 KiB count as touching everything after `from`.
    @inline(__always) public func isDirty(from: Int, to: Int) -> Bool {
        guard anyDirty else { return false }
        if to > 0xFFFF || to < from { return true }
        var p = from >> VGAMemory.pageShift
        let last = to >> VGAMemory.pageShift
        while p <= last {
            if dirtyPages[p] { return true }
            p += 1
        }
        return false
    }
}
