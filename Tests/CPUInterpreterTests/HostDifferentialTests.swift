import Foundation
import Testing
@testable import CPUInterpreter

/// Runs random operands through the integer instructions on the host CPU (32-bit mode,
/// through Tests/HostOracle/host_oracle.c built with gcc -m32) and on pcemu, and compares
/// the six registers and every flag the SDM defines for each instruction.
@Suite struct HostDifferentialTests {
    /// Defined-flag masks (SDM vol. 2 "Flags Affected").
    static let allArith: UInt32 = 0x8D5           // OF SF ZF AF PF CF
    static let noAF: UInt32 = 0x8C5
    static let cfOF: UInt32 = 0x801
    static let szp: UInt32 = 0xC4
    static let szpc: UInt32 = 0xC5

    struct Case {
        var bytes: [UInt8]
        var regs: [UInt32]        // eax ecx edx ebx esi edi
        var flags: UInt32
        var definedFlags: UInt32
        var name: String
        /// Registers whose result the SDM leaves undefined for this case.
        var undefinedRegisters: Set<Int> = []
    }

    static let special: [UInt32] = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000,
                                    0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE, 0x0F, 0x09, 0x99, 0x9A]

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Register numbers usable as operands (ESP and EBP are not part of the oracle's state).
    static let usable = [0, 1, 2, 3, 6, 7]

    static func makeCases(count: Int) -> [Case] {
        var rng = SplitMix(state: 0x5EED_1234)
        func value() -> UInt32 {
            Int.random(in: 0..<4, using: &rng) == 0 ? special.randomElement(using: &rng)! : UInt32.random(in: 0...UInt32.max, using: &rng)
        }
        func r32() -> Int { usable.randomElement(using: &rng)! }
        func r8() -> Int { Int.random(in: 0..<8, using: &rng) }
        func modrm(_ reg: Int, _ rm: Int) -> UInt8 { UInt8(0xC0 | (reg << 3) | rm) }
        var cases: [Case] = []
        cases.reserveCapacity(count)
        while cases.count < count {
            var bytes: [UInt8] = []
            let sizeChoice = Int.random(in: 0..<3, using: &rng)      // 0: 8-bit, 1: 16-bit, 2: 32-bit
            let wide = sizeChoice != 0
            if sizeChoice == 1 { bytes.append(0x66) }
            var defined = allArith
            var name = ""
            var undefinedRegs: Set<Int> = []
            let family = Int.random(in: 0..<16, using: &rng)
            switch family {
            case 0: // ALU r/m,r
                let op = Int.random(in: 0..<8, using: &rng)
                bytes += [UInt8(op * 8 + (wide ? 1 : 0)), modrm(wide ? r32() : r8(), wide ? r32() : r8())]
                defined = [1, 4, 6].contains(op) ? noAF : allArith
                name = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"][op]
            case 1: // ALU r/m,imm (80/81/83)
                let op = Int.random(in: 0..<8, using: &rng)
                let form = wide ? [0x81, 0x83].randomElement(using: &rng)! : 0x80
                bytes += [UInt8(form), modrm(op, wide ? r32() : r8())]
                let immBytes = form == 0x81 ? (sizeChoice == 1 ? 2 : 4) : 1
                for _ in 0..<immBytes { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
                defined = [1, 4, 6].contains(op) ? noAF : allArith
                name = "grp1 /\(op)"
            case 2: // INC/DEC/NEG/NOT
                let k = Int.random(in: 0..<5, using: &rng)
                if k == 4 && wide {
                    bytes.append(UInt8([0x40, 0x48].randomElement(using: &rng)! + r32())); name = "inc/dec r (one byte)"
                } else {
                    let g = [0, 1, 2, 3][k % 4]
                    bytes += g < 2 ? [wide ? 0xFF : 0xFE, modrm(g, wide ? r32() : r8())] : [wide ? 0xF7 : 0xF6, modrm(g, wide ? r32() : r8())]
                    name = ["inc", "dec", "not", "neg"][g]
                    if g == 2 { defined = 0 }
                }
            case 3: // MUL/IMUL one operand, DIV/IDIV
                let g = Int.random(in: 4..<8, using: &rng)
                bytes += [wide ? 0xF7 : 0xF6, modrm(g, wide ? r32() : r8())]
                defined = g < 6 ? cfOF : 0
                name = ["mul", "imul", "div", "idiv"][g - 4]
            case 4: // IMUL two/three operand (16/32-bit only)
                guard wide else { continue }
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes += [0x0F, 0xAF, modrm(r32(), r32())]
                case 1: bytes += [0x6B, modrm(r32(), r32()), UInt8.random(in: 0...255, using: &rng)]
                default:
                    bytes += [0x69, modrm(r32(), r32())]
                    for _ in 0..<(sizeChoice == 1 ? 2 : 4) { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
                }
                defined = cfOF; name = "imul r,r/m"
            case 5, 6: // shifts and rotates: imm8, 1, CL
                let g = [0, 1, 2, 3, 4, 5, 7].randomElement(using: &rng)!
                let form = Int.random(in: 0..<3, using: &rng)
                let bits = UInt32(sizeChoice == 0 ? 8 : sizeChoice == 1 ? 16 : 32)
                var count: UInt32
                switch form {
                case 0:
                    count = UInt32.random(in: 0...40, using: &rng)
                    bytes += [wide ? 0xC1 : 0xC0, modrm(g, wide ? r32() : r8()), UInt8(count)]
                case 1:
                    count = 1
                    bytes += [wide ? 0xD1 : 0xD0, modrm(g, wide ? r32() : r8())]
                default:
                    count = 0xFFFF  // CL: decided below
                    bytes += [wide ? 0xD3 : 0xD2, modrm(g, wide ? r32() : r8())]
                }
                name = ["rol", "ror", "rcl", "rcr", "shl", "shr", "", "sar"][g]
                var c = Case(bytes: bytes, regs: (0..<6).map { _ in value() }, flags: UInt32.random(in: 0...0xFFF, using: &rng) & 0x8D5,
                             definedFlags: 0, name: name)
                if count == 0xFFFF {
                    count = UInt32.random(in: 0...40, using: &rng)
                    c.regs[1] = (c.regs[1] & ~0xFF) | count
                    // A destination of CL itself changes the count for later: fine, count was read first.
                }
                let masked = count & 31
                if masked == 0 { c.definedFlags = allArith }
                else if g <= 3 {
                    c.definedFlags = masked == 1 ? cfOF : 0x1
                } else {
                    c.definedFlags = szp | (masked < bits || g == 7 ? 0x1 : 0) | (masked == 1 ? 0x800 : 0)
                }
                cases.append(c)
                continue
            case 7: // SHLD/SHRD (16/32-bit)
                guard wide else { continue }
                let left = Bool.random(using: &rng)
                let byCL = Bool.random(using: &rng)
                let bits = UInt32(sizeChoice == 1 ? 16 : 32)
                let count = UInt32.random(in: 0..<bits, using: &rng)
                bytes += [0x0F, UInt8((left ? 0xA4 : 0xAC) + (byCL ? 1 : 0)), modrm(r32(), r32())]
                if !byCL { bytes.append(UInt8(count)) }
                var c = Case(bytes: bytes, regs: (0..<6).map { _ in value() }, flags: UInt32.random(in: 0...0xFFF, using: &rng) & 0x8D5,
                             definedFlags: count == 0 ? allArith : (szpc | (count == 1 ? 0x800 : 0)), name: left ? "shld" : "shrd")
                if byCL { c.regs[1] = (c.regs[1] & ~0xFF) | count }
                if byCL && bytes.last! & 7 == 1 || byCL && (bytes.last! >> 3) & 7 == 1 {
                    continue   // CL as an operand would change the count under test
                }
                cases.append(c)
                continue
            case 8: // BT/BTS/BTR/BTC (register and imm8 forms)
                guard wide else { continue }
                if Bool.random(using: &rng) {
                    bytes += [0x0F, [0xA3, 0xAB, 0xB3, 0xBB].randomElement(using: &rng)!, modrm(r32(), r32())]
                } else {
                    bytes += [0x0F, 0xBA, modrm(Int.random(in: 4..<8, using: &rng), r32()), UInt8.random(in: 0...255, using: &rng)]
                }
                defined = 0x1; name = "bt*"
            case 9: // BSF/BSR
                guard wide else { continue }
                let dst = r32(), src = r32()
                bytes += [0x0F, Bool.random(using: &rng) ? 0xBC : 0xBD, modrm(dst, src)]
                var c = Case(bytes: bytes, regs: (0..<6).map { _ in value() }, flags: UInt32.random(in: 0...0xFFF, using: &rng) & 0x8D5,
                             definedFlags: 0x40, name: "bsf/bsr")
                let idx = usable.firstIndex(of: src)!
                if Bool.random(using: &rng) { c.regs[idx] = 0 }
                let srcValue = sizeChoice == 1 ? c.regs[idx] & 0xFFFF : c.regs[idx]
                if srcValue == 0 { c.undefinedRegisters = [dst] }   // destination undefined when the source is 0
                cases.append(c)
                continue
            case 10: // DAA DAS AAA AAS AAM AAD
                bytes = []
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: bytes = [0x27]; defined = szpc | 0x10; name = "daa"
                case 1: bytes = [0x2F]; defined = szpc | 0x10; name = "das"
                case 2: bytes = [0x37]; defined = 0x11; name = "aaa"
                case 3: bytes = [0x3F]; defined = 0x11; name = "aas"
                case 4: bytes = [0xD4, UInt8.random(in: 0...255, using: &rng)]; defined = szp; name = "aam"
                default: bytes = [0xD5, UInt8.random(in: 0...255, using: &rng)]; defined = szp; name = "aad"
                }
            case 11: // XADD, CMPXCHG
                bytes += [0x0F, UInt8((Bool.random(using: &rng) ? 0xC0 : 0xB0) + (wide ? 1 : 0)), modrm(wide ? r32() : r8(), wide ? r32() : r8())]
                name = "xadd/cmpxchg"
            case 12: // BSWAP (32-bit only)
                guard sizeChoice == 2 else { continue }
                bytes += [0x0F, UInt8(0xC8 + r32())]; defined = 0; name = "bswap"
            case 13: // CMOVcc
                guard wide else { continue }
                bytes += [0x0F, UInt8(0x40 + Int.random(in: 0..<16, using: &rng)), modrm(r32(), r32())]; defined = allArith; name = "cmovcc"
            case 14: // SETcc
                bytes = [0x0F, UInt8(0x90 + Int.random(in: 0..<16, using: &rng)), modrm(0, r8())]; defined = allArith; name = "setcc"
            default: // TEST, XCHG
                bytes += [Bool.random(using: &rng) ? (wide ? 0x85 : 0x84) : (wide ? 0x87 : 0x86), modrm(wide ? r32() : r8(), wide ? r32() : r8())]
                defined = bytes.contains(0x84) || bytes.contains(0x85) ? noAF : allArith; name = "test/xchg"
            }
            cases.append(Case(bytes: bytes, regs: (0..<6).map { _ in value() },
                              flags: UInt32.random(in: 0...0xFFF, using: &rng) & 0x8D5, definedFlags: defined, name: name))
        }
        return cases
    }

    /// Builds the oracle with gcc -m32, or says why it cannot.
    static func buildOracle() throws -> String? {
        #if arch(x86_64) || arch(i386)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("HostOracle/host_oracle.c").path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("pcemu-host-oracle-\(getpid())").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gcc", "-m32", "-O2", "-o", out, source]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            Issue.record("gcc -m32 failed to build the host oracle (is gcc-multilib installed? scripts/install-deps installs it)")
            return nil
        }
        return out
        #else
        return nil
        #endif
    }

    @Test func integerInstructionsMatchTheHostCPU() throws {
        #if !(arch(x86_64) || arch(i386))
        print("HostDifferentialTests: skipped, the host CPU is not x86")
        return
        #else
        guard let oracle = try Self.buildOracle() else { return }
        defer { try? FileManager.default.removeItem(atPath: oracle) }
        let count = 120_000
        let cases = Self.makeCases(count: count)

        // Host side: one batch through the oracle.
        var input = [UInt8](repeating: 0, count: cases.count * 64)
        for (i, c) in cases.enumerated() {
            let o = i * 64
            input[o] = UInt8(c.bytes.count)
            for (k, b) in c.bytes.enumerated() { input[o + 1 + k] = b }
            for (k, v) in (c.regs + [c.flags]).enumerated() {
                for j in 0..<4 { input[o + 20 + 4 * k + j] = UInt8(truncatingIfNeeded: v >> (8 * j)) }
            }
        }
        let dir = FileManager.default.temporaryDirectory
        let inPath = dir.appendingPathComponent("pcemu-oracle-in-\(getpid())").path
        let outPath = dir.appendingPathComponent("pcemu-oracle-out-\(getpid())").path
        FileManager.default.createFile(atPath: inPath, contents: Data(input))
        FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: inPath); try? FileManager.default.removeItem(atPath: outPath) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: oracle)
        p.standardInput = FileHandle(forReadingAtPath: inPath)
        p.standardOutput = FileHandle(forWritingAtPath: outPath)
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let output = [UInt8](FileManager.default.contents(atPath: outPath) ?? Data())
        try #require(output.count == cases.count * 32, "the oracle answered \(output.count / 32) of \(cases.count) records")
        func word(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(output[o + $1]) << (8 * $1) } }

        // pcemu side: a P6 model running 32-bit code (CS.D = 1) from flat RAM.
        let memory = FlatMemory(size: 1 << 20)
        let cpu = CPU(model: .p6, memory: memory)
        cpu.setSegmentRegister(Seg.cs, selector: 0, base: 0, limit: 0xFFFF_FFFF, attributes: 0x409B)
        cpu.setSegmentRegister(Seg.ss, selector: 0, base: 0, limit: 0xFFFF, attributes: 0x93)
        var mismatches: [String] = []
        var mismatchCount = 0
        var compared = 0
        for (i, c) in cases.enumerated() {
            let o = i * 32
            let status = word(o + 28)
            guard status == 0 || status == 8 else { continue }   // only #DE is an expected fault here
            for (k, b) in c.bytes.enumerated() { memory.bytes[0x1000 + k] = b }
            cpu.physicalMemoryChanged(from: 0x1000, count: 16)
            for (k, r) in Self.usable.enumerated() { cpu.setReg32(r, c.regs[k]) }
            cpu.setReg32(Reg.esp, 0x8000)
            cpu.eflags = c.flags | 0x2
            cpu.eip = 0x1000
            cpu.lastFault = nil
            cpu.step()
            compared += 1
            var diffs: [String] = []
            if status == 8 {
                if cpu.lastFault?.vector != 0 { diffs.append("host raised #DE, pcemu \(cpu.lastFault?.mnemonic ?? "nothing")") }
                for (k, r) in Self.usable.enumerated() where cpu.reg32(r) != c.regs[k] {
                    diffs.append("\(["eax", "ecx", "edx", "ebx", "esi", "edi"][k]) changed by a faulting instruction")
                }
            } else {
                if let f = cpu.lastFault { diffs.append("pcemu raised \(f.mnemonic)") }
                for (k, r) in Self.usable.enumerated() where !c.undefinedRegisters.contains(r) {
                    let expected = word(o + 4 * k)
                    if cpu.reg32(r) != expected {
                        diffs.append("\(["eax", "ecx", "edx", "ebx", "esi", "edi"][k]) host \(hex(expected)) pcemu \(hex(cpu.reg32(r)))")
                    }
                }
                let hostFlags = word(o + 24) & c.definedFlags
                let ourFlags = cpu.eflags & c.definedFlags
                if hostFlags != ourFlags { diffs.append("flags host \(hex(hostFlags)) pcemu \(hex(ourFlags)) (mask \(hex(c.definedFlags)))") }
            }
            if !diffs.isEmpty { mismatchCount += 1 }
            if !diffs.isEmpty && mismatches.count < 25 {
                let b = c.bytes.map { String(format: "%02X", $0) }.joined(separator: " ")
                let r = c.regs.map(hex).joined(separator: " ")
                mismatches.append("\(c.name) [\(b)] regs \(r) flags \(hex(c.flags)): " + diffs.joined(separator: "; "))
            }
        }
        print("HostDifferentialTests: \(compared) cases compared with the host CPU, \(mismatchCount) mismatches")
        #expect(compared >= 100_000)
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #endif
    }
}

func hex(_ v: UInt32) -> String { String(v, radix: 16, uppercase: true) }
