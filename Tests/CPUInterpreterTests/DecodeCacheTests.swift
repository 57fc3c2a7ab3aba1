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

    /// A branch to below the fetch memo's page must leave the memo (the run loop tests
    /// only its upper end): page 0 is decoded first (pool slot 0), page 2 next (slot 1), and
    /// page 2 jumps back to the end of page 1, whose offsets in slot 1's memo would fall on
    /// page 0's entries at the same offsets (a different instruction there).
    /// A far jump (EIP through its setter and the loop's reload) likewise.
    @Test(arguments: [
        [0xE9, 0xF5, 0xFF] as [UInt8],                              // jmp 1FF8
        [0xEA, 0xF8, 0x1F, 0x00, 0x00],                             // jmp 0000:1FF8
    ])
    func branchBelowTheMemoFetchesTheRightPage(jump: [UInt8]) {
        let f = Fixture()
        f.load([0xBF, 0x01, 0x00, 0xE9, 0x02, 0x10], at: 0x0FF8)   // mov di, 1; jmp 2000
        f.load(jump, at: 0x2000)
        f.load([0xBF, 0x02, 0x00, 0xF4], at: 0x1FF8)                // mov di, 2; hlt
        f.cpu.eip = 0x0FF8
        _ = f.cpu.run(until: 1000)
        #expect(f.cpu.halted)
        #expect(f.cpu.reg16(Reg.edi) == 2)
        #expect(f.cpu.eip == 0x1FFC)
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

    @Test func instructionAcrossAPageEndSeesItsNewBytes() {
        let f = Fixture()
        // "add ax, imm16" across the end of page 1000-1FFF (the cross-page cache keeps it):
        // its immediate's high byte is in the next page, and the loop increments it.
        // 1FF0: mov cx, 5 ; 1FF3: 11 x nop
        // 1FFE: add ax, 0x0001     ; 05 01 | 00  (high byte at 2000)
        // 2001: inc byte [2000]
        // 2005: loop 1FFE
        // 2007: hlt
        f.load([0xB9, 0x05, 0x00] + [UInt8](repeating: 0x90, count: 11)
               + [0x05, 0x01, 0x00, 0xFE, 0x06, 0x00, 0x20, 0xE2, 0xF7, 0xF4], at: 0x1FF0)
        f.cpu.eip = 0x1FF0
        f.runToHalt()
        #expect(f.cpu.reg16(Reg.eax) == 5 * 1 + (0 + 1 + 2 + 3 + 4) * 0x100)
        #expect(f.memory.bytes[0x2000] == 5)
    }

    @Test func instructionAcrossAPageEndRunsFromTheCache() {
        let f = Fixture()
        // The same loop without the patch: the second and later runs of the crossing
        // "add ax, 0x0301" hit the cross-page cache.
        // 1FF0: mov cx, 5 ; 1FF3: 11 x nop ; 1FFE: add ax, 0x0301 ; 2001: loop 1FFE ; 2003: hlt
        f.load([0xB9, 0x05, 0x00] + [UInt8](repeating: 0x90, count: 11)
               + [0x05, 0x01, 0x03, 0xE2, 0xFB, 0xF4], at: 0x1FF0)
        f.cpu.eip = 0x1FF0
        f.runToHalt()
        #expect(f.cpu.reg16(Reg.eax) == 5 * 0x0301)
        #expect(f.cpu.reg16(Reg.ecx) == 0)
    }

    /// The cross-page cache checks the instruction's pages and a write epoch, not its bytes:
    /// bytes changed behind the CPU's back (DMA, a disk load: `physicalMemoryChanged`) on
    /// either side of the page end must still be seen by the next run of the loop.
    @Test(arguments: [0x1FFF, 0x2000])
    func instructionAcrossAPageEndSeesBytesChangedBehindTheCPU(patched: Int) {
        let f = Fixture()
        // 1FF0: mov cx, 3 ; 1FF3: 11 x nop ; 1FFE: add ax, 0x0301 ; 2001: loop 1FFE ; 2003: hlt
        let code: [UInt8] = [0xB9, 0x03, 0x00] + [UInt8](repeating: 0x90, count: 11)
            + [0x05, 0x01, 0x03, 0xE2, 0xFB, 0xF4]
        f.load(code, at: 0x1FF0)
        f.cpu.eip = 0x1FF0
        f.runToHalt()
        #expect(f.cpu.reg16(Reg.eax) == 3 * 0x0301)
        // Patch one immediate byte directly in memory, as a device would.
        f.memory.bytes[patched] = 0x05
        f.cpu.physicalMemoryChanged(from: UInt32(patched), count: 1)
        f.cpu.setReg16(Reg.eax, 0)
        f.cpu.eip = 0x1FF0
        f.cpu.halted = false
        f.runToHalt()
        #expect(f.cpu.reg16(Reg.eax) == 3 * (patched == 0x1FFF ? 0x0305 : 0x0501))
    }

    /// A crossing JMP whose displacement's high byte is the only code in its 64-byte block
    /// of the second page: caching the instruction marks that block, so a write there (a
    /// device's, then the guest's own) reaches the cross-page cache.
    @Test func crossingJumpSeesItsTargetChange() {
        let f = Fixture()
        f.load([0xB9, 0x03, 0x00, 0xE9, 0xF9, 0x0F], at: 0x1000)      // mov cx, 3; jmp 1FFF
        f.load([0xE9, 0xFE, 0x0F], at: 0x1FFF)                          // jmp 3000 (disp 0FFE)
        f.load([0x40, 0x49, 0x0F, 0x85, 0xFD, 0xDF, 0xF4], at: 0x3000)  // inc ax; dec cx; jnz 1003; hlt
        // 3100: add ax, 100h; dec cx; jnz 1003; hlt
        f.load([0x05, 0x00, 0x01, 0x49, 0x0F, 0x85, 0xFB, 0xDE, 0xF4], at: 0x3100)
        f.runToHalt()
        #expect(f.cpu.reg16(Reg.eax) == 3)
        // A device changes the displacement to 10FE: the jump now goes to 3100.
        f.memory.bytes[0x2001] = 0x10
        f.cpu.physicalMemoryChanged(from: 0x2001, count: 1)
        f.cpu.setReg16(Reg.eax, 0)
        f.cpu.eip = 0x1000
        f.cpu.halted = false
        f.runToHalt()
        #expect(f.cpu.reg16(Reg.eax) == 0x300)
        // The guest itself writes it back (mov byte [2001], 0Fh at 4000, then jmp 1000).
        f.load([0xC6, 0x06, 0x01, 0x20, 0x0F, 0xE9, 0xF8, 0xCF], at: 0x4000)
        f.cpu.setReg16(Reg.eax, 0)
        f.cpu.eip = 0x4000
        f.cpu.halted = false
        f.runToHalt()
        #expect(f.cpu.reg16(Reg.eax) == 3)
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
