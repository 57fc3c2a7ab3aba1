import Foundation
import CPUInterpreter

/// The AT physical memory map (the board's side of `PhysicalMemory`):
///
///   0 … RAM size           RAM, except the 640 KiB–1 MiB hole
///   0xA0000 – 0xBFFFF      video memory window (a plug-in card maps it; else open bus)
///   0xC0000 – 0xDFFFF      option ROMs (the VGA BIOS at 0xC0000), read-only
///   1 MiB − ROM size       system ROM (BIOS), read-only; also at 4 GiB − ROM size
///
/// Reads of unmapped space return all ones; writes to ROM or unmapped space vanish.
public final class MemoryMap: PhysicalMemory {
    public let ramSize: Int
    public let ram: UnsafeMutablePointer<UInt8>
    private var rom: UnsafeMutablePointer<UInt8>?
    public private(set) var romSize = 0
    private var regions: [MMIORegion] = []
    /// Option ROMs: start address and a private copy of the image.
    private var optionROMs: [(start: UInt32, bytes: UnsafeMutablePointer<UInt8>, size: Int)] = []

    /// A memory-mapped device window (VGA, option ROMs).
    public struct MMIORegion {
        public let start: UInt32
        public let end: UInt32           // inclusive
        public let read: (UInt32) -> UInt8
        public let write: (UInt32, UInt8) -> Void
        public init(start: UInt32, end: UInt32, read: @escaping (UInt32) -> UInt8, write: @escaping (UInt32, UInt8) -> Void) {
            self.start = start; self.end = end; self.read = read; self.write = write
        }
    }

    public init(ramMiB: Int) {
        ramSize = max(1, ramMiB) << 20
        // calloc: zeroed pages come from the OS on first touch, so start-up does not pay
        // for clearing all of guest RAM.
        ram = calloc(ramSize, 1)!.assumingMemoryBound(to: UInt8.self)
    }
    deinit {
        free(ram)
        rom?.deallocate()
        for r in optionROMs { r.bytes.deallocate() }
    }

    /// Maps an option ROM (e.g. the VGA BIOS at 0xC0000); its size is rounded up to 2 KiB.
    public func loadOptionROM(_ image: [UInt8], at start: UInt32) {
        let size = (image.count + 2047) & ~2047
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        p.initialize(repeating: 0xFF, count: size)
        image.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: image.count) }
        optionROMs.append((start, p, size))
    }

    @inline(__always) private func optionROM(_ a: UInt32) -> UnsafeMutablePointer<UInt8>? {
        for r in optionROMs where a >= r.start && Int(a - r.start) < r.size { return r.bytes + Int(a - r.start) }
        return nil
    }

    /// Maps a system ROM image so that it ends at 1 MiB and at 4 GiB.
    public func loadROM(_ image: [UInt8]) {
        rom?.deallocate()
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: image.count)
        image.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: image.count) }
        rom = p
        romSize = image.count
    }

    public func mapMMIO(_ region: MMIORegion) {
        regions.append(region)
        if Int(region.start) < ramSize && !(region.start >= 0xA_0000 && region.end < 0x10_0000) { regionOverRAM = true }
    }

    /// Whether some device window overlaps RAM (normally none does).
    private var regionOverRAM = false
    @inline(__always) private func hasRegion(_ a: UInt32) -> Bool {
        regionOverRAM && regions.contains { a >= $0.start && a <= $0.end }
    }

    @inline(__always) private var romLowStart: UInt32 { 0x10_0000 - UInt32(romSize) }
    @inline(__always) private var romHighStart: UInt32 { UInt32(truncatingIfNeeded: 0x1_0000_0000 - romSize) }

    /// Offset into the ROM image for a physical address, if it lies in a ROM window.
    @inline(__always) private func romOffset(_ a: UInt32) -> Int? {
        guard romSize > 0 else { return nil }
        if a >= romLowStart && a < 0x10_0000 { return Int(a - romLowStart) }
        if a >= romHighStart { return Int(a - romHighStart) }
        return nil
    }

    @inline(__always) private func isRAM(_ a: UInt32) -> Bool {
        Int(a) < ramSize && !(a >= 0xA_0000 && a < 0x10_0000)
    }

    public func hostPage(containing address: UInt32, write: Bool) -> UnsafeMutablePointer<UInt8>? {
        let page = address & ~0xFFF
        if isRAM(page) {
            for r in regions where r.start <= page | 0xFFF && r.end >= page { return nil }
            return ram + Int(page)
        }
        if !write, let off = romOffset(page), let rom, off + 4096 <= romSize { return rom + off }
        if !write {
            for r in optionROMs where page >= r.start && Int(page - r.start) + 4096 <= r.size {
                for m in regions where m.start <= page | 0xFFF && m.end >= page { return nil }
                return r.bytes + Int(page - r.start)
            }
        }
        return nil
    }

    public func readPhysical(_ address: UInt32) -> UInt8 {
        // RAM first: device windows live in the 640K-1M hole and above RAM.
        if isRAM(address) && !hasRegion(address) { return ram[Int(address)] }
        for r in regions where address >= r.start && address <= r.end { return r.read(address) }
        if isRAM(address) { return ram[Int(address)] }
        if let off = romOffset(address), let rom { return rom[off] }
        if let p = optionROM(address) { return p.pointee }
        return 0xFF
    }

    public func writePhysical(_ address: UInt32, _ value: UInt8) {
        if isRAM(address) && !hasRegion(address) { ram[Int(address)] = value; return }
        for r in regions where address >= r.start && address <= r.end { r.write(address, value); return }
        if isRAM(address) { ram[Int(address)] = value }
    }
}
