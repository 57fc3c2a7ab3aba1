import Testing
@testable import CPUInterpreter

/// A guest that does anything — random bytes as code, wild far jumps, corrupt descriptor
/// tables, paging over garbage — ends in guest-visible exceptions or a shutdown, never in a
/// crash of pcemu. Each case runs random memory as code; a Swift runtime trap would end the
/// test process, so reaching the end is the assertion, plus a few state invariants.
@Suite struct RobustnessTests {
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state ^ (state >> 29)
        }
    }

    func fill(_ m: FlatMemory, _ rng: inout Rng) {
        let words = UnsafeMutableRawPointer(m.bytes).assumingMemoryBound(to: UInt64.self)
        for i in 0..<(m.size / 8) { words[i] = rng.next() }
    }

    func run(_ cpu: CPU, steps: Int) {
        for _ in 0..<steps {
            if cpu.shutdown { cpu.reset() }
            if cpu.halted { cpu.reset() }
            cpu.step()
        }
    }

    @Test(arguments: 0..<40)
    func randomCodeInRealMode(seed: Int) {
        var rng = Rng(state: UInt64(seed) &* 0x9E37_79B9 &+ 1)
        let m = FlatMemory(size: 1 << 20)
        fill(m, &rng)
        let model = CPUModel.allCases[seed % CPUModel.allCases.count]
        let cpu = CPU(model: model, memory: m)
        cpu.setRealModeSegment(Seg.cs, UInt16.random(in: 0...0xF000, using: &rng))
        cpu.eip = UInt32.random(in: 0...0xFFFF, using: &rng)
        run(cpu, steps: 20_000)
        #expect(cpu.instructionsRetired > 0 || cpu.lastFault != nil || cpu.shutdown || cpu.halted)
    }

    @Test(arguments: 0..<40)
    func randomCodeInProtectedModeOverGarbageTables(seed: Int) {
        var rng = Rng(state: UInt64(seed) &* 0xABCD_1234 &+ 7)
        let m = FlatMemory(size: 1 << 20)
        fill(m, &rng)
        let model: CPUModel = seed % 2 == 0 ? .i386 : .pentium
        let cpu = CPU(model: model, memory: m)
        cpu.cr0 = 1
        cpu.gdtrBase = UInt32.random(in: 0..<0xF_0000, using: &rng); cpu.gdtrLimit = UInt32.random(in: 0...0xFFFF, using: &rng)
        cpu.idtrBase = UInt32.random(in: 0..<0xF_0000, using: &rng); cpu.idtrLimit = UInt32.random(in: 0...0x7FF, using: &rng)
        cpu.trBase = UInt32.random(in: 0..<0xF_0000, using: &rng); cpu.trLimit = 0x67; cpu.trAttr = 0x8B
        cpu.trSelector = 0x28
        if seed % 3 == 0 {
            // Paging over random tables (and, on the Pentium, 4 MiB pages).
            cpu.cr3 = UInt32.random(in: 0..<0x10_0000, using: &rng) & ~0xFFF
            cpu.cr4 = model == .pentium ? CR4.pse : 0
            cpu.cr0 |= CR0.pg
        }
        let ring: UInt16 = seed % 4 == 1 ? 3 : 0
        cpu.setSegmentRegister(Seg.cs, selector: 0x08 | ring, base: 0, limit: 0xFFFF_FFFF, attributes: 0x409B | (ring << 5))
        for s in [Seg.ss, Seg.ds, Seg.es] {
            cpu.setSegmentRegister(s, selector: 0x10 | ring, base: 0, limit: 0xFFFF_FFFF, attributes: 0x4093 | (ring << 5))
        }
        cpu.setReg32(Reg.esp, UInt32.random(in: 0..<0x10_0000, using: &rng))
        cpu.eip = UInt32.random(in: 0..<0xF_0000, using: &rng)
        run(cpu, steps: 20_000)
        #expect(cpu.cpl <= 3)
    }

    @Test func wildFarJumpsAndCorruptDescriptors() {
        // Far jumps, calls, interrupts and returns to every selector in a table of random descriptors.
        var rng = Rng(state: 42)
        let m = FlatMemory(size: 1 << 20)
        fill(m, &rng)
        let cpu = CPU(model: .i486, memory: m)
        let ops: [[UInt8]] = [[0xEA], [0x9A], [0xCB], [0xCF], [0xCD, 0x0D], [0x8E, 0xD8], [0x8E, 0xD0], [0x0F, 0x00, 0xD8], [0x0F, 0x00, 0xD0]]
        for sel in stride(from: 0, to: 0x200, by: 1) {
            for op in ops {
                cpu.reset()
                cpu.cr0 = 1
                cpu.gdtrBase = 0x10000; cpu.gdtrLimit = 0xFFF
                cpu.idtrBase = 0x20000; cpu.idtrLimit = 0x7FF
                cpu.trBase = 0x30000; cpu.trLimit = 0x67; cpu.trAttr = 0x8B; cpu.trSelector = 0x18
                cpu.setSegmentRegister(Seg.cs, selector: 0x08, base: 0, limit: 0xFFFF_FFFF, attributes: 0x409B)
                cpu.setSegmentRegister(Seg.ss, selector: 0x10, base: 0, limit: 0xFFFF_FFFF, attributes: 0x4093)
                cpu.setReg32(Reg.esp, 0x9_0000)
                cpu.setReg32(Reg.eax, UInt32(sel))
                let code = op + [UInt8](repeating: 0, count: 4) + [UInt8(sel & 0xFF), UInt8(sel >> 8)]
                for (k, b) in code.enumerated() { m.bytes[0x5000 + k] = b }
                // Selector operands for the stack forms.
                for k in 0..<8 { m.bytes[0x9_0000 + k] = UInt8(truncatingIfNeeded: sel >> ((k & 1) * 8)) }
                cpu.physicalMemoryChanged(from: 0x5000, count: 16)
                cpu.eip = 0x5000
                run(cpu, steps: 50)
            }
        }
        #expect(Bool(true))
    }
}
