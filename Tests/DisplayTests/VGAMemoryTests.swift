// The graphics controller data path (IBM VGA Technical Reference, "Graphics
// Controller"; FreeVGA "Read/Write Modes"): latches, write modes 0–3, set/reset,
// rotate, logical functions, bit mask, read modes 0/1, and CPU addressing
// (sequential, odd/even, chain-4, memory map select).

import Testing
import Chipset
@testable import Display

@Suite struct VGAMemoryTests {
    /// A rig in mode 12h addressing (planar, A0000 64K) with plane bytes preset.
    func planarRig() -> VGARig {
        let rig = VGARig()
        rig.setMode(.mode12)
        return rig
    }
    func planes(_ rig: VGARig, _ a: Int) -> [UInt8] { (0..<4).map { rig.card.memory.byte(plane: $0, at: a) } }
    func setPlanes(_ rig: VGARig, _ a: Int, _ v: [UInt8]) {
        for p in 0..<4 { rig.card.memory.words[a] = rig.card.memory.words[a] & ~(0xFF << (8 * UInt32(p))) | UInt32(v[p]) << (8 * UInt32(p)) }
    }

    @Test func writeMode0RotateSetResetLogicAndBitMask() {
        let rig = planarRig()
        setPlanes(rig, 0x10, [0xF0, 0x0F, 0xAA, 0x55])
        _ = rig.peek(0xA_0010)              // load latches
        rig.gc(3, 0x01 | 0x08)              // rotate right 1, AND with latches
        rig.gc(1, 0x04)                     // plane 2 from set/reset…
        rig.gc(0, 0x04)                     // …which is 1 → FF
        rig.gc(8, 0x3C)                     // only bits 5–2 change
        rig.poke(0xA_0010, 0x81)            // rotated: 0xC0
        // Plane 0: (C0 & F0) = C0, masked 3C → bits from latch outside: F0&C3 | C0&3C = C0
        // Plane 1: (C0 & 0F) = 00 → 0F&C3 | 00 = 03
        // Plane 2: (FF & AA) = AA → AA&C3 | AA&3C = AA
        // Plane 3: (C0 & 55) = 40 → 55&C3 | 40&3C = 41
        #expect(planes(rig, 0x10) == [0xC0, 0x03, 0xAA, 0x41])
    }

    @Test func writeModes1And2And3() {
        let rig = planarRig()
        setPlanes(rig, 0x20, [0x12, 0x34, 0x56, 0x78])
        // Mode 1: the latches are copied (a VRAM-to-VRAM move), bit mask ignored.
        rig.gc(5, 0x01); rig.gc(8, 0x00)
        _ = rig.peek(0xA_0020)
        rig.poke(0xA_0030, 0xEE)
        #expect(planes(rig, 0x30) == [0x12, 0x34, 0x56, 0x78])
        // Mode 2: CPU bits 0–3 are the colour; bit mask 0F keeps the latched high nibble.
        rig.gc(5, 0x02); rig.gc(8, 0x0F)
        rig.poke(0xA_0030, 0x05)
        #expect(planes(rig, 0x30) == [0x1F, 0x30, 0x5F, 0x70])
        // Mode 3: colour from set/reset (1010b), bit mask = rotated CPU byte AND GR08.
        rig.gc(5, 0x03); rig.gc(0, 0x0A); rig.gc(8, 0xF0); rig.gc(3, 0x00)
        _ = rig.peek(0xA_0030)
        rig.poke(0xA_0030, 0x3C)            // effective mask 0x30
        #expect(planes(rig, 0x30) == [0x0F, 0x30, 0x4F, 0x70])
    }

    @Test func mapMaskLimitsPlanes() {
        let rig = planarRig()
        rig.seq(2, 0x05)
        rig.poke(0xA_0040, 0x99)
        #expect(planes(rig, 0x40) == [0x99, 0, 0x99, 0])
    }

    @Test func readModes() {
        let rig = planarRig()
        setPlanes(rig, 0x50, [0b1100_1100, 0b1010_1010, 0b1111_0000, 0b0000_0000])
        rig.gc(4, 2)                        // read map select: plane 2
        #expect(rig.peek(0xA_0050) == 0b1111_0000)
        // Read mode 1: colour compare 0111b, planes 0–2 compared (don't care: plane 3).
        rig.gc(5, 0x08); rig.gc(2, 0x07); rig.gc(7, 0x07)
        #expect(rig.peek(0xA_0050) == 0b1000_0000)
        // Don't care on all planes: every bit matches.
        rig.gc(7, 0x00)
        #expect(rig.peek(0xA_0050) == 0xFF)
    }

    @Test func oddEvenAddressing() {
        let rig = VGARig()
        rig.setMode(.mode03)
        rig.poke(0xB_8000 + 0x100, 0x41)    // even: plane 0
        rig.poke(0xB_8000 + 0x101, 0x1E)    // odd: plane 1, same plane address
        #expect(planes(rig, 0x100) == [0x41, 0x1E, 0, 0])
        #expect(rig.peek(0xB_8101) == 0x1E && rig.peek(0xB_8100) == 0x41)
        // Mode 03h decodes B8000–BFFFF only: A0000 and B0000 read as open bus.
        #expect(rig.peek(0xA_0000) == 0xFF && rig.peek(0xB_0000) == 0xFF)
        rig.poke(0xA_0000, 0x00)
        #expect(planes(rig, 0) == [0, 0, 0, 0])
    }

    @Test func chain4Addressing() {
        let rig = VGARig()
        rig.setMode(.mode13)
        for k in 0..<8 { rig.poke(0xA_0000 + UInt32(k), UInt8(0x10 + k)) }
        // Byte A goes to plane A & 3 at plane address A & ~3.
        #expect(planes(rig, 0) == [0x10, 0x11, 0x12, 0x13])
        #expect(planes(rig, 4) == [0x14, 0x15, 0x16, 0x17])
        #expect(rig.peek(0xA_0006) == 0x16)
    }

    @Test func memoryMapSelectAndRAMEnable() {
        let rig = VGARig()
        rig.setMode(.mode12)
        rig.gc(6, 0x01)                     // A0000 128K
        rig.poke(0xB_0004, 0x77)            // offset 0x10004 wraps to plane address 4
        #expect(rig.card.memory.byte(plane: 0, at: 4) == 0x77)
        rig.gc(6, 0x09)                     // B0000 32K
        #expect(rig.peek(0xA_0004) == 0xFF)
        #expect(rig.peek(0xB_0004) == 0x77)
        #expect(rig.peek(0xB_8004) == 0xFF)
        // Misc output bit 1 clear: the CPU cannot reach video memory.
        rig.out(0x3C2, 0xE1)
        #expect(rig.peek(0xB_0004) == 0xFF)
    }
}
