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
struct TLB {
    static let entryCount = 1024
    static let invalidTag: UInt32 = 0xFFFF_FFFF
    /// Set in a write tag when the page holds decoded code: the fast path misses, the slow
    /// path uses the cached translation and checks for self-modifying code.
    static let codeBit: UInt32 = 0x8000_0000

    let readTag: UnsafeMutablePointer<UInt32>
    let readAddend: UnsafeMutablePointer<Int>
    /// The physical page of each read entry (code fetch keys the decode cache on it).
    let readPhysPage: UnsafeMutablePointer<UInt32>
    let writeTag: UnsafeMutablePointer<UInt32>
    let writeAddend: UnsafeMutablePointer<Int>
    /// The physical page of each write entry, to drop entries when a page turns into code.
    let writePhysPage: UnsafeMutablePointer<UInt32>
    /// Entries from global pages (PTE.G with CR4.PGE) survive CR3 loads.
    let readGlobal: UnsafeMutablePointer<Bool>
    let writeGlobal: UnsafeMutablePointer<Bool>

    init() {
        readTag = .allocate(capacity: Self.entryCount)
        readAddend = .allocate(capacity: Self.entryCount)
        readPhysPage = .allocate(capacity: Self.entryCount)
        readPhysPage.initialize(repeating: 0, count: Self.entryCount)
        writeTag = .allocate(capacity: Self.entryCount)
        writeAddend = .allocate(capacity: Self.entryCount)
        writePhysPage = .allocate(capacity: Self.entryCount)
        readAddend.initialize(repeating: 0, count: Self.entryCount)
        writeAddend.initialize(repeating: 0, count: Self.entryCount)
        writePhysPage.initialize(repeating: 0, count: Self.entryCount)
        readGlobal = .allocate(capacity: Self.entryCount)
        writeGlobal = .allocate(capacity: Self.entryCount)
        readGlobal.initialize(repeating: false, count: Self.entryCount)
        writeGlobal.initialize(repeating: false, count: Self.entryCount)
        flush()
    }
    /// A struct of raw pointers (no ARC on the hot path); the CPU frees it in its deinit.
    func deallocate() {
        readTag.deallocate(); readAddend.deallocate(); readPhysPage.deallocate()
        writeTag.deallocate(); writeAddend.deallocate(); writePhysPage.deallocate()
        readGlobal.deallocate(); writeGlobal.deallocate()
    }

    /// A CR3 load: drops everything but global pages.
    func flushNonGlobal() {
        for i in 0..<Self.entryCount {
            if !readGlobal[i] { readTag[i] = Self.invalidTag }
            if !writeGlobal[i] { writeTag[i] = Self.invalidTag }
        }
    }

    func flush() {
        readTag.initialize(repeating: Self.invalidTag, count: Self.entryCount)
        writeTag.initialize(repeating: Self.invalidTag, count: Self.entryCount)
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
