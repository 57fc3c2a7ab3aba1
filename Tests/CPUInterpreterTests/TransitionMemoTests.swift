import Testing
@testable import CPUInterpreter

/// The descriptor memos (Protection/ValidatedDataLoads.swift, InwardTransitionMemos.swift,
/// OutwardReturnMemo.swift) give what the checked path gives: the test ROMs pin the writes
/// (pm-interrupts, pm-rings, pm-segments); these pin the translations.
@Suite struct TransitionMemoTests {
    /// Ring 0, paging on: page directory at 0x10000, one page table at 0x11000 for 0-4 MiB
    /// (identity) and one at 0x12000 for 4-8 MiB (linear 0x400000 + x -> physical 0x40000 + x, 256 KiB).
    /// A GDT at linear and physical 0x20000 with a flat code (0x08) and data (0x10) segment;
    /// a copy at physical 0x30000 whose data segment is not present.
    static func pagedRing0() -> Fixture {
        let f = Fixture(model: .i486)
        func put32(_ a: Int, _ v: UInt32) { for k in 0..<4 { f.memory.bytes[a + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) } }
        put32(0x10000, 0x11000 | 3)
        put32(0x10004, 0x12000 | 3)
        for p in 0..<256 { put32(0x11000 + 4 * p, UInt32(p) << 12 | 3) }
        for p in 0..<64 { put32(0x12000 + 4 * p, 0x40000 + UInt32(p) << 12 | 3) }
        let code: UInt64 = 0x00CF_9B00_0000_FFFF, data: UInt64 = 0x00CF_9300_0000_FFFF
        for (base, dataDescriptor) in [(0x20000, data), (0x30000, data & ~(UInt64(0x80) << 40))] {
            put32(base + 8, UInt32(truncatingIfNeeded: code)); put32(base + 12, UInt32(truncatingIfNeeded: code >> 32))
            put32(base + 16, UInt32(truncatingIfNeeded: dataDescriptor))
            put32(base + 20, UInt32(truncatingIfNeeded: dataDescriptor >> 32))
        }
        f.cpu.physicalMemoryChanged(from: 0, count: 1 << 20)
        f.cpu.gdtrBase = 0x20000
        f.cpu.gdtrLimit = 0x17
        f.cpu.cr3 = 0x10000
        f.cpu.cr0 = CR0.pe | CR0.pg
        f.cpu.setSegmentRegister(Seg.cs, selector: 0x08, base: 0, limit: 0xFFFF_FFFF, attributes: 0xC09B)
        f.cpu.flushTLB()
        return f
    }

    /// The GDT's page is mapped to the other copy without INVLPG, then its translation is
    /// evicted (a read of the page 4 MiB above uses the same TLB entry): the next load walks
    /// the page tables, as the checked path does, and finds the data segment not present.
    @Test func aMemoDoesNotOutliveItsTranslation() throws {
        let f = Self.pagedRing0()
        try f.cpu.loadSegmentRegister(Seg.ds, 0x10)
        try f.cpu.loadSegmentRegister(Seg.ds, 0x10)            // from the memo
        #expect(f.cpu.segSelector[Seg.ds] == 0x10)
        for k in 0..<4 { f.memory.bytes[0x11000 + 4 * 0x20 + k] = UInt8(truncatingIfNeeded: (0x30000 | 3) >> (8 * k)) }
        f.cpu.physicalMemoryChanged(from: 0x11000 + 4 * 0x20, count: 4)
        _ = try f.cpu.readLinear(0x420000, 0)                   // evicts linear page 0x20
        #expect(throws: Fault.segmentNotPresent(0x10)) { try f.cpu.loadSegmentRegister(Seg.ds, 0x10) }
    }

    /// While the translation stays, the memo serves the load (a TLB may keep a stale
    /// translation until INVLPG, SDM vol. 3, 4.10.4.3); INVLPG ends it.
    @Test func invlpgEndsTheMemo() throws {
        let f = Self.pagedRing0()
        try f.cpu.loadSegmentRegister(Seg.ds, 0x10)
        for k in 0..<4 { f.memory.bytes[0x11000 + 4 * 0x20 + k] = UInt8(truncatingIfNeeded: (0x30000 | 3) >> (8 * k)) }
        f.cpu.physicalMemoryChanged(from: 0x11000 + 4 * 0x20, count: 4)
        try f.cpu.loadSegmentRegister(Seg.ds, 0x10)
        f.cpu.flushTLB(linearPage: 0x20)
        #expect(throws: Fault.segmentNotPresent(0x10)) { try f.cpu.loadSegmentRegister(Seg.ds, 0x10) }
    }
}
