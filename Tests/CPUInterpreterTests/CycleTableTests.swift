import Testing
@testable import CPUInterpreter

/// Base cycle costs against Intel's published tables (docs/timings-sources.md):
/// 80286 PRM, Intel386 PRM ch. 17, Intel486 PRM appendix, Pentium developer's manual.
@Suite struct CycleTableTests {
    func cost(_ m: CPUModel, _ op: Int, reg: Int = 0, o32: Bool = false, mem: Bool = false) -> Int {
        CycleTable(model: m).cost(op: op, reg: reg, operand32: o32, memory: mem)
    }

    @Test func i286() {
        #expect(cost(.i286, 0x01) == 2)                 // ADD r,r
        #expect(cost(.i286, 0x8B, mem: true) == 5)      // MOV r,m
        #expect(cost(.i286, 0xF7, reg: 6) == 22)        // DIV r16
        #expect(cost(.i286, 0xCD) == 26)                // INT n (real mode)
        #expect(cost(.i286, 0x74) == 3)                 // Jcc not taken
        #expect(CycleTable(model: .i286).branchTakenExtra == 7)   // Jcc taken: 10 (7+m, m=3)
    }

    @Test func i386() {
        #expect(cost(.i386, 0x01) == 2)                 // ADD r,r
        #expect(cost(.i386, 0x8B, mem: true) == 4)      // MOV r,m
        #expect(cost(.i386, 0x89, mem: true) == 2)      // MOV m,r
        #expect(cost(.i386, 0xF7, reg: 6, o32: true) == 38)   // DIV r32
        #expect(cost(.i386, 0x74) + Int(CycleTable(model: .i386).branchTakenExtra) == 10) // Jcc taken 7+m
        #expect(cost(.i386, 0x60) == 18)                // PUSHA
        #expect(CycleTable(model: .i386).repMovs == 4)  // REP MOVS 5+4n
    }

    @Test func i486() {
        #expect(cost(.i486, 0x01) == 1)                 // ADD r,r
        #expect(cost(.i486, 0x8B, mem: true) == 1)      // MOV r,m
        #expect(cost(.i486, 0xF7, reg: 6, o32: true) == 40)   // DIV r32
        #expect(cost(.i486, 0xF7, reg: 4, o32: true) == 28)   // MUL r32 13-42
        #expect(cost(.i486, 0x1C8) == 1)                // BSWAP
        #expect(cost(.i486, 0x74) == 1 && CycleTable(model: .i486).branchTakenExtra == 2)  // Jcc 3/1
    }

    @Test func pentiumAndP6() {
        #expect(cost(.pentium, 0x01) == 1)              // ADD r,r
        #expect(cost(.pentium, 0xF7, reg: 6, o32: true) == 41)  // DIV r32
        #expect(cost(.pentium, 0x1A2) == 14)            // CPUID
        #expect(cost(.pentium, 0x1C7, reg: 1, mem: true) == 10) // CMPXCHG8B
        #expect(cost(.p6, 0x140) == 1)                  // CMOVcc
    }

    /// The cycle counter is what instructions cost, summed.
    @Test func cyclesAccumulate() {
        let f = Fixture(model: .i386)
        f.load([0x01, 0xD8,         // ADD AX,BX     2
                0x8B, 0x07,         // MOV AX,[BX]   4
                0xF4])              // HLT           5
        f.runToHalt()
        #expect(f.cpu.cycles == 2 + 4 + 5)
        #expect(f.cpu.instructionsRetired == 3)
    }
}
