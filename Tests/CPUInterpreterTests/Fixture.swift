@testable import CPUInterpreter

/// A CPU on flat RAM in real mode with code at 0000:1000 and a stack at 0000:8000.
struct Fixture {
    let memory = FlatMemory(size: 1 << 20)
    let cpu: CPU

    init(model: CPUModel = .i386) {
        cpu = CPU(model: model, memory: memory)
        for s in 0..<6 { cpu.setRealModeSegment(s, 0) }
        cpu.setReg32(Reg.esp, 0x8000)
        cpu.eip = 0x1000
    }

    func load(_ bytes: [UInt8], at address: Int = 0x1000) {
        for (k, b) in bytes.enumerated() { memory.bytes[address + k] = b }
        cpu.physicalMemoryChanged(from: UInt32(address), count: bytes.count)
    }

    /// Runs until HLT (at most `limit` instructions).
    func runToHalt(limit: Int = 10_000) {
        var n = 0
        while !cpu.halted && !cpu.shutdown && n < limit { cpu.step(); n += 1 }
    }
}
