import Testing
@testable import CPUInterpreter

/// The decode cache must never run stale code (DESIGN.md: "self-modifying code must work").
@Suite struct DecodeCacheTests {
    @Test func storeIntoTheNextInstructionTakesEffect() {
        let f = Fixture()
        // 1000: mov byte [1006], 0x42   ; patch the immediate of the next instruction
        // 1005: mov al, 0x00            ; becomes mov al, 0x42
        // 1007: hlt
        f.load([0xC6, 0x06, 0x06, 0x10, 0x42, 0xB0, 0x00, 0xF4])
        f.runToHalt()
        #expect(f.cpu.reg8(0) == 0x42)
    }

    @Test func loopThatRewritesItsBodyEachTime() {
        let f = Fixture()
        // A loop body "add ax, imm16" whose immediate is incremented by the loop itself:
        // 1000: mov cx, 5
        // 1003: add ax, 1          ; 05 01 00  (immediate at 1004)
        // 1006: inc word [1004]
        // 100A: loop 1003
        // 100C: hlt
        f.load([0xB9, 0x05, 0x00, 0x05, 0x01, 0x00, 0xFF, 0x06, 0x04, 0x10, 0xE2, 0xF7, 0xF4])
        f.runToHalt()
        #expect(f.cpu.reg16(Reg.eax) == 1 + 2 + 3 + 4 + 5)
    }

    @Test func dataWritesNextToCodeDoNotDropUnrelatedBlocks() {
        let f = Fixture()
        // Code at 1000, a data byte 256 bytes later in the same page.
        // 1000: mov cx, 100 ; 1003: inc byte [1100] ; 1007: loop 1003 ; 1009: hlt
        f.load([0xB9, 0x64, 0x00, 0xFE, 0x06, 0x00, 0x11, 0xE2, 0xFA, 0xF4])
        f.runToHalt()
        #expect(f.memory.bytes[0x1100] == 100)
    }

    @Test func externalWritesAreSeen() {
        let f = Fixture()
        f.load([0xB0, 0x01, 0xF4])      // mov al,1 ; hlt
        f.runToHalt()
        #expect(f.cpu.reg8(0) == 1)
        f.load([0xB0, 0x02, 0xF4])      // a DMA-style write behind the CPU's back
        f.cpu.reset()
        for s in 0..<6 { f.cpu.setRealModeSegment(s, 0) }
        f.cpu.eip = 0x1000
        f.runToHalt()
        #expect(f.cpu.reg8(0) == 2)
    }
}
