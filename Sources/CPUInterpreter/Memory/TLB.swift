/// A direct-mapped software TLB: linear page → host address, one table for reads and
/// one for writes (DESIGN.md). An entry holds `host page address - linear page base`,
/// so a hit costs one compare and one add. Pages that are not plain RAM (MMIO, ROM for
/// writes, pages holding decoded code for writes, unmapped space) never get an entry
/// and always take the slow path.
///
/// The CPU keeps two of these, one for supervisor accesses (CPL 0-2) and one for user
/// accesses (CPL 3), and switches between them when CPL crosses that line: an entry
/// exists only for an access the page tables allowed at that privilege, so a hit needs
/// no permission check. Like a real TLB, entries stay until INVLPG, a CR3 load (which
/// keeps global pages when CR4.PGE is set) or a change of CR0.PG/WP or CR4.PSE/PGE.
///
/// All tables of one set live in one allocation at fixed offsets from `base`, so the set is
/// one pointer: a lookup loads it once for the tag and the addend, and switching sets (every
/// CPL change between 3 and 0-2) copies one word. The set also logs the entries it fills
/// (up to `logCapacity`), so a flush invalidates those instead of clearing both tag tables.
struct TLB {
    static let entryCount = 1024
    static let invalidTag: UInt32 = 0xFFFF_FFFF
    /// Set in a write tag when the page holds decoded code: the fast path misses, the slow
    /// path uses the cached translation and checks for self-modifying code.
    static let codeBit: UInt32 = 0x8000_0000
    /// Fills logged between flushes; past that the next flush clears the whole tag tables.
    static let logCapacity = 256

    // Byte offsets of the tables in the allocation.
    private static let readTagOffset = 0
    private static let writeTagOffset = readTagOffset + entryCount * 4
    private static let readAddendOffset = writeTagOffset + entryCount * 4
    private static let writeAddendOffset = readAddendOffset + entryCount * 8
    private static let readPhysPageOffset = writeAddendOffset + entryCount * 8
    private static let writePhysPageOffset = readPhysPageOffset + entryCount * 4
    private static let readGlobalOffset = writePhysPageOffset + entryCount * 4
    private static let writeGlobalOffset = readGlobalOffset + entryCount
    private static let logOffset = writeGlobalOffset + entryCount
    private static let logCountOffset = logOffset + logCapacity * 2
    private static let byteCount = logCountOffset + 8

    let base: UnsafeMutableRawPointer

    @inline(__always) var readTag: UnsafeMutablePointer<UInt32> {
        (base + Self.readTagOffset).assumingMemoryBound(to: UInt32.self)
    }
    @inline(__always) var readAddend: UnsafeMutablePointer<Int> {
        (base + Self.readAddendOffset).assumingMemoryBound(to: Int.self)
    }
    /// The physical page of each read entry (code fetch keys the decode cache on it).
    @inline(__always) var readPhysPage: UnsafeMutablePointer<UInt32> {
        (base + Self.readPhysPageOffset).assumingMemoryBound(to: UInt32.self)
    }
    @inline(__always) var writeTag: UnsafeMutablePointer<UInt32> {
        (base + Self.writeTagOffset).assumingMemoryBound(to: UInt32.self)
    }
    @inline(__always) var writeAddend: UnsafeMutablePointer<Int> {
        (base + Self.writeAddendOffset).assumingMemoryBound(to: Int.self)
    }
    /// The physical page of each write entry, to drop entries when a page turns into code.
    @inline(__always) var writePhysPage: UnsafeMutablePointer<UInt32> {
        (base + Self.writePhysPageOffset).assumingMemoryBound(to: UInt32.self)
    }
    /// Entries from global pages (PTE.G with CR4.PGE) survive CR3 loads.
    @inline(__always) var readGlobal: UnsafeMutablePointer<Bool> {
        (base + Self.readGlobalOffset).assumingMemoryBound(to: Bool.self)
    }
    @inline(__always) var writeGlobal: UnsafeMutablePointer<Bool> {
        (base + Self.writeGlobalOffset).assumingMemoryBound(to: Bool.self)
    }
    /// Indices filled since the last flush (`logCount` of them), while `logCount <= logCapacity`.
    @inline(__always) private var log: UnsafeMutablePointer<UInt16> {
        (base + Self.logOffset).assumingMemoryBound(to: UInt16.self)
    }
    @inline(__always) private var logCount: UnsafeMutablePointer<Int> {
        (base + Self.logCountOffset).assumingMemoryBound(to: Int.self)
    }

    init() {
        base = .allocate(byteCount: Self.byteCount, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: Self.byteCount)
        (base + Self.readTagOffset).bindMemory(to: UInt32.self, capacity: Self.entryCount)
        (base + Self.writeTagOffset).bindMemory(to: UInt32.self, capacity: Self.entryCount)
        (base + Self.readAddendOffset).bindMemory(to: Int.self, capacity: Self.entryCount)
        (base + Self.writeAddendOffset).bindMemory(to: Int.self, capacity: Self.entryCount)
        (base + Self.readPhysPageOffset).bindMemory(to: UInt32.self, capacity: Self.entryCount)
        (base + Self.writePhysPageOffset).bindMemory(to: UInt32.self, capacity: Self.entryCount)
        (base + Self.readGlobalOffset).bindMemory(to: Bool.self, capacity: Self.entryCount)
        (base + Self.writeGlobalOffset).bindMemory(to: Bool.self, capacity: Self.entryCount)
        (base + Self.logOffset).bindMemory(to: UInt16.self, capacity: Self.logCapacity)
        (base + Self.logCountOffset).bindMemory(to: Int.self, capacity: 1)
        clearAll()
    }
    /// A struct of one raw pointer (no ARC on the hot path); the CPU frees it in its deinit.
    func deallocate() { base.deallocate() }

    /// Records that entry `i` was just filled (read or write), for the next flush.
    @inline(__always) func noteFill(_ i: Int) {
        let n = logCount.pointee
        if n < Self.logCapacity {
            log[n] = UInt16(truncatingIfNeeded: i)
            logCount.pointee = n &+ 1
        } else {
            logCount.pointee = Self.logCapacity + 1      // overflowed: the next flush clears all
        }
    }

    /// A CR3 load: drops everything but global pages.
    func flushNonGlobal() {
        let n = logCount.pointee
        if n > Self.logCapacity {
            for i in 0..<Self.entryCount {
                if !readGlobal[i] { readTag[i] = Self.invalidTag }
                if !writeGlobal[i] { writeTag[i] = Self.invalidTag }
            }
            // Log the surviving (global) entries again.
            logCount.pointee = 0
            for i in 0..<Self.entryCount where readTag[i] != Self.invalidTag || writeTag[i] != Self.invalidTag {
                noteFill(i)
            }
            return
        }
        // Every entry that may be valid is in the log: drop the non-global ones and keep the
        // others logged (compacted in place; the kept count never passes the read position).
        var kept = 0
        for k in 0..<n {
            let i = Int(log[k])
            if !readGlobal[i] { readTag[i] = Self.invalidTag }
            if !writeGlobal[i] { writeTag[i] = Self.invalidTag }
            if readTag[i] != Self.invalidTag || writeTag[i] != Self.invalidTag {
                log[kept] = UInt16(truncatingIfNeeded: i)
                kept &+= 1
            }
        }
        logCount.pointee = kept
    }

    /// Drops every entry.
    func flush() {
        let n = logCount.pointee
        if n > Self.logCapacity { clearAll(); return }
        // Only logged entries can be valid.
        for k in 0..<n {
            let i = Int(log[k])
            readTag[i] = Self.invalidTag
            writeTag[i] = Self.invalidTag
        }
        logCount.pointee = 0
    }

    private func clearAll() {
        readTag.update(repeating: Self.invalidTag, count: Self.entryCount)
        writeTag.update(repeating: Self.invalidTag, count: Self.entryCount)
        logCount.pointee = 0
    }

    /// Drops the entries of one linear page (INVLPG).
    func flush(linearPage vpn: UInt32) {
        let i = Int(vpn & UInt32(Self.entryCount - 1))
        if readTag[i] == vpn { readTag[i] = Self.invalidTag }
        if writeTag[i] & ~Self.codeBit == vpn { writeTag[i] = Self.invalidTag }
    }

    /// Marks every write entry that maps physical page `ppn` (it now holds decoded code):
    /// stores to it leave the fast path.
    func dropWrites(toPhysicalPage ppn: UInt32) {
        for i in 0..<Self.entryCount where writeTag[i] != Self.invalidTag && writePhysPage[i] == ppn {
            writeTag[i] |= Self.codeBit
        }
    }

    @inline(__always) static func index(_ vpn: UInt32) -> Int { Int(vpn & UInt32(entryCount - 1)) }

    /// The page of the last byte of a `1 << size`-byte access at `la`, the tag a hit compares
    /// with the entry of the first byte's page: an access that runs into the next page (or
    /// wraps at 4 GiB) compares a page whose index differs from the entry's, which no tag in
    /// that entry can equal, so it misses and takes the slow path without a separate
    /// page-end test.
    @inline(__always) static func lastPage(_ la: UInt32, _ size: Int) -> UInt32 {
        (la &+ UInt32((1 << size) - 1)) >> 12
    }
}
