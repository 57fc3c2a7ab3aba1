import Testing
@testable import CPUInterpreter

/// A fused CMP/TEST + Jcc (Decode/CompareBranchFusion.swift) must leave exactly the state the
/// two instructions leave when they run one at a time: `step()` never fuses, `run` does.
@Suite struct CompareBranchFusionTests {
    /// The pair under test at 1000, then: not taken -> mov di, 1; hlt. Taken -> mov di, 2; hlt.
    static func program(compare: [UInt8], cc: Int, jcc32: Bool) -> [UInt8] {
        let notTaken: [UInt8] = [0xBF, 0x01, 0x00, 0xF4]        // mov di, 1; hlt
        let taken: [UInt8] = [0xBF, 0x02, 0x00, 0xF4]           // mov di, 2; hlt
        let jcc: [UInt8] = (jcc32 ? [0x66] : []) + [0x70 + UInt8(cc), UInt8(notTaken.count)]
        return compare + jcc + notTaken + taken
    }

    struct Outcome: Equatable {
        var regs: [UInt32], eflags: UInt32, eip: UInt32, cycles: UInt64, retired: UInt64, stack: [UInt8]
    }

    static func outcome(_ f: Fixture) -> Outcome {
        Outcome(regs: (0..<8).map { f.cpu.reg32($0) }, eflags: f.cpu.eflags, eip: f.cpu.eip,
                cycles: f.cpu.cycles, retired: f.cpu.instructionsRetired,
                stack: (0x7FF0..<0x8000).map { f.memory.bytes[$0] })
    }

    /// Runs `code` with `a` in EAX and `b` in EBX twice: fused by `run`, and one instruction
    /// at a time by `step`.
    static func bothWays(_ code: [UInt8], a: UInt32, b: UInt32, setup: (Fixture) -> Void = { _ in }) -> (Outcome, Outcome) {
        let pair = Twins(code, setup: setup)
        return pair.run(a: a, b: b)
    }

    /// A fixture that runs fused and one that steps, reused across operand values (the
    /// decode cache keeps the pair's entry, as it would in a loop).
    struct Twins {
        let fused = Fixture(model: .pentium), stepped = Fixture(model: .pentium)
        init(_ code: [UInt8], setup: (Fixture) -> Void = { _ in }) {
            for f in [fused, stepped] { f.load(code); setup(f) }
        }
        func reset(_ f: Fixture, a: UInt32, b: UInt32) {
            for r in 0..<8 { f.cpu.setReg32(r, 0) }
            f.cpu.setReg32(Reg.esp, 0x8000)
            f.cpu.setReg32(Reg.eax, a)
            f.cpu.setReg32(Reg.ebx, b)
            f.cpu.eflags = 0x2
            f.cpu.eip = 0x1000
            f.cpu.halted = false
            f.cpu.cycles = 0
            f.cpu.instructionsRetired = 0
        }
        func run(a: UInt32, b: UInt32) -> (Outcome, Outcome) {
            reset(fused, a: a, b: b)
            _ = fused.cpu.run(until: 10_000)
            reset(stepped, a: a, b: b)
            stepped.runToHalt()
            return (CompareBranchFusionTests.outcome(fused), CompareBranchFusionTests.outcome(stepped))
        }
        /// Runs both for each `a` in EAX and `b` in EBX (or, with `bInMemory`, in the dword at
        /// 0000:0010 and EBX 0) and expects the fused run to end as the stepped one, at a HLT.
        func expectAgreement(_ label: String, a as: [UInt32], b bs: [UInt32], bInMemory: Bool = false) {
            for a in `as` { for b in bs {
                if bInMemory {
                    for f in [fused, stepped] {
                        for k in 0..<4 { f.memory.bytes[0x10 + k] = UInt8(truncatingIfNeeded: b >> (8 * k)) }
                    }
                }
                let (x, y) = run(a: a, b: bInMemory ? 0 : b)
                #expect(x == y, "\(label) a=\(a) b=\(b)")
                #expect(x.regs[Reg.edi] & 0xFFFF != 0, "\(label): did not reach a HLT")
            } }
        }
        /// The handler of the decode-cache entry at 0000:1000 (16-bit code).
        var handlerAtStart: Handler? { Handler(rawValue: fused.cpu.decodedPage(1, code32: false)[0].handler) }
    }

    /// The real-mode #GP handler (INT 13) is a HLT at 0000:3000.
    static func haltOnGeneralProtection(_ f: Fixture) {
        f.memory.bytes[0x3000] = 0xF4
        f.memory.bytes[13 * 4] = 0x00; f.memory.bytes[13 * 4 + 1] = 0x30
        f.memory.bytes[13 * 4 + 2] = 0; f.memory.bytes[13 * 4 + 3] = 0
    }

    static let values: [UInt32] = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000,
                                   0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1234_5678, 0xFEDC_BA98]

    /// Each fused form, each condition but JP/JNP, each pair of edge values.
    @Test(arguments: [
        ("cmp bl, al", [0x38, 0xC3] as [UInt8], false),
        ("test bl, al", [0x84, 0xC3], false),
        ("cmp bx, ax", [0x39, 0xC3], false),
        ("test bx, ax", [0x85, 0xC3], false),
        ("cmp ebx, eax", [0x66, 0x39, 0xC3], true),
        ("test ebx, eax", [0x66, 0x85, 0xC3], true),
    ])
    func registerForms(name: String, compare: [UInt8], wide: Bool) {
        for cc in 0..<16 where cc != 10 && cc != 11 {
            let twins = Twins(Self.program(compare: compare, cc: cc, jcc32: wide))
            twins.expectAgreement("\(name) cc=\(cc)", a: Self.values, b: Self.values)
            let h = twins.handlerAtStart
            #expect(h != nil && "\(h!)".hasSuffix("Jcc"), "\(name) cc=\(cc): not fused (\(String(describing: h)))")
        }
    }

    @Test func immediateForms() {
        for cc in 0..<16 where cc != 10 && cc != 11 {
            for b in Self.values {
                // cmp ax, imm16 (81 F8 iw); cmp eax, imm32 (66 81 F8 id)
                let imm16: [UInt8] = [0x81, 0xF8, UInt8(b & 0xFF), UInt8((b >> 8) & 0xFF)]
                let imm32: [UInt8] = [0x66, 0x81, 0xF8] + (0..<4).map { UInt8((b >> (8 * $0)) & 0xFF) }
                for (code, wide) in [(imm16, false), (imm32, true)] {
                    let twins = Twins(Self.program(compare: code, cc: cc, jcc32: wide))
                    for a in Self.values {
                        let (fused, stepped) = twins.run(a: a, b: 0)
                        #expect(fused == stepped, "cmp imm wide=\(wide) cc=\(cc) a=\(a) b=\(b)")
                    }
                    #expect(twins.handlerAtStart == (wide ? .cmpRI32Jcc : .cmpRI16Jcc))
                }
            }
        }
    }

    /// A cycle budget that ends right after the compare: the Jcc runs in the next batch, as
    /// it would without fusion (the run returns between the two).
    @Test func budgetEndingBetweenThePairSplitsIt() {
        let code = Self.program(compare: [0x39, 0xC3], cc: 4, jcc32: false)   // cmp bx, ax; je
        let f = Fixture(model: .pentium)
        f.load(code)
        // Learn the compare's cost by stepping it once in a twin.
        let twin = Fixture(model: .pentium)
        twin.load(code)
        twin.cpu.step()
        let afterCompare = twin.cpu.cycles
        let reason = f.cpu.run(until: afterCompare)
        #expect(reason == .cycleBudget)
        #expect(f.cpu.eip == 0x1002)                 // at the Jcc
        #expect(f.cpu.instructionsRetired == 1)
        #expect(f.cpu.cycles == afterCompare)
        _ = f.cpu.run(until: f.cpu.cycles + 10_000)
        #expect(f.cpu.reg16(Reg.edi) == 2)           // 0 == 0: taken
    }

    /// A taken 32-bit Jcc whose target lies past the real-mode CS limit raises #GP(0) at the
    /// Jcc (return address = the Jcc), not at the compare.
    @Test func faultOfTheFusedJccIsDeliveredAtTheJcc() {
        // cmp ebx, eax (66 39 C3) at 1000; jz rel32 (66 0F 84 rel32) at 1003 back by 2000h,
        // which wraps the 32-bit EIP far beyond 64 KiB.
        let code: [UInt8] = [0x66, 0x39, 0xC3, 0x66, 0x0F, 0x84, 0x00, 0xE0, 0xFF, 0xFF, 0xF4]
        let (fused, stepped) = Self.bothWays(code, a: 5, b: 5, setup: Self.haltOnGeneralProtection)
        #expect(fused == stepped)
        // The return IP pushed by the #GP delivery is the Jcc's offset.
        #expect(fused.stack[0xA] == 0x03 && fused.stack[0xB] == 0x10)
        let twins = Twins(code)
        _ = twins.run(a: 5, b: 5)
        #expect(twins.handlerAtStart == .cmpRR32Jcc)
    }

    /// INC and DEC of a register with each Jcc, after CLC and after STC: the pair leaves what
    /// the two instructions leave one at a time, and a Jcc that reads CF (which INC and DEC
    /// keep) is not fused.
    @Test(arguments: [
        ("inc bx", [0x43] as [UInt8], false), ("dec bx", [0x4B], false),
        ("inc ebx", [0x66, 0x43], true), ("dec ebx", [0x66, 0x4B], true),
        ("inc bl", [0xFE, 0xC3], false), ("dec bl", [0xFE, 0xCB], false),
        ("inc bh", [0xFE, 0xC7], false), ("dec bh", [0xFE, 0xCF], false),
    ])
    func incDecForms(name: String, op: [UInt8], wide: Bool) {
        for carry in [0xF8, 0xF9] as [UInt8] {              // clc, stc
            for cc in 0..<16 where cc != 10 && cc != 11 {
                let twins = Twins([carry] + Self.program(compare: op, cc: cc, jcc32: wide))
                twins.expectAgreement("\(name) carry=\(carry) cc=\(cc)", a: [0], b: Self.values)
                let h = Handler(rawValue: twins.fused.cpu.decodedPage(1, code32: false)[1].handler)
                let readsCF = [2, 3, 6, 7].contains(cc)
                #expect(h != nil && "\(h!)".hasSuffix("Jcc") != readsCF, "\(name) cc=\(cc): \(String(describing: h))")
            }
        }
    }

    /// SHL, SHR and SAR of a 16-bit register by 1 and by larger constants (past 16 too), with
    /// each Jcc, CF clear and set before: the pair leaves what the two leave one at a time
    /// (CF the last bit out, OF as the shift records it), and is one entry.
    @Test(arguments: [
        ("shl bx, 1", [0xD1, 0xE3] as [UInt8]), ("shr bx, 1", [0xD1, 0xEB]), ("sar bx, 1", [0xD1, 0xFB]),
        ("sal bx, 1", [0xD1, 0xF3]), ("shl bx, 3", [0xC1, 0xE3, 0x03]), ("shr bx, 15", [0xC1, 0xEB, 0x0F]),
        ("sar bx, 17", [0xC1, 0xFB, 0x11]), ("shl bx, 16", [0xC1, 0xE3, 0x10]),
    ])
    func shiftForms(name: String, op: [UInt8]) {
        for carry in [0xF8, 0xF9] as [UInt8] {              // clc, stc
            for cc in 0..<16 where cc != 10 && cc != 11 {
                let twins = Twins([carry] + Self.program(compare: op, cc: cc, jcc32: false))
                twins.expectAgreement("\(name) carry=\(carry) cc=\(cc)", a: [0], b: Self.values)
                let h = Handler(rawValue: twins.fused.cpu.decodedPage(1, code32: false)[1].handler)
                #expect(h == .shiftRI16Jcc, "\(name) cc=\(cc): \(String(describing: h))")
            }
        }
    }

    /// A shift by a count that masks to 0 changes no flag: it is not specialised, so not fused.
    @Test func shiftByZeroIsNotFused() {
        let twins = Twins(Self.program(compare: [0xC1, 0xE3, 0x20], cc: 2, jcc32: false))   // shl bx, 32; jb
        twins.expectAgreement("shl bx, 32", a: [0], b: Self.values)
        #expect(twins.handlerAtStart != .shiftRI16Jcc)
    }

    /// An 8-bit INC/DEC fuses with a Jcc of the code segment's default size: in 32-bit code
    /// (CS.D = 1, limit 1 MiB) above 64 KiB a taken JNZ keeps the whole 32-bit target.
    @Test func incDecR8BranchUsesTheCodeSegmentsSize() {
        let f = Fixture(model: .pentium)
        f.cpu.segAttr[Seg.cs] |= 0x4000
        f.cpu.segLimit[Seg.cs] = 0xF_FFFF
        // 21000: dec bl; jnz 2100E (0F 85 rel32, next 21008)
        f.load([0xFE, 0xCB, 0x0F, 0x85, 0x06, 0x00, 0x00, 0x00], at: 0x21000)
        f.load([0xBF, 0x01, 0x00, 0x00, 0x00, 0xF4], at: 0x21008)      // mov edi, 1; hlt
        f.load([0xBF, 0x02, 0x00, 0x00, 0x00, 0xF4], at: 0x2100E)      // mov edi, 2; hlt
        f.cpu.setReg32(Reg.ebx, 2)
        f.cpu.eip = 0x21000
        _ = f.cpu.run(until: 1000)
        #expect(f.cpu.halted)
        #expect(f.cpu.reg32(Reg.edi) == 2)
        #expect(f.cpu.eip == 0x21014)
        #expect(Handler(rawValue: f.cpu.decodedPage(0x21, code32: true)[0].handler) == .incDecR8Jcc)
    }

    /// CMP of EAX with [ESI + 10h], both operand orders, with each Jcc: the memory operand
    /// holds `b`.
    @Test(arguments: [
        ("cmp [esi+10h], eax", [0x66, 0x67, 0x39, 0x46, 0x10] as [UInt8], Handler.cmpStore32B32Jcc),
        ("cmp eax, [esi+10h]", [0x66, 0x67, 0x3B, 0x46, 0x10], Handler.cmpLoad32B32Jcc),
    ])
    func memoryForms(name: String, compare: [UInt8], handler: Handler) {
        for cc in 0..<16 where cc != 10 && cc != 11 {
            let twins = Twins(Self.program(compare: compare, cc: cc, jcc32: true))
            twins.expectAgreement("\(name) cc=\(cc)", a: Self.values, b: Self.values, bInMemory: true)
            #expect(twins.handlerAtStart == handler, "\(name) cc=\(cc)")
        }
    }

    /// A fused CMP whose memory operand lies past the real-mode DS limit raises #GP(0) at
    /// the CMP, with the cycles of the CMP alone; a taken Jcc beyond the limit raises it at
    /// the Jcc.
    @Test func faultOfTheFusedMemoryCompareIsDeliveredAtTheCompare() {
        let gpHandler = Self.haltOnGeneralProtection
        // cmp [esi+12345h], eax; jz rel32 (66 0F 84) +4; mov di, 1; hlt; mov di, 2; hlt
        let outside: [UInt8] = [0x66, 0x67, 0x39, 0x86, 0x45, 0x23, 0x01, 0x00,
                                0x66, 0x0F, 0x84, 0x04, 0x00, 0x00, 0x00,
                                0xBF, 0x01, 0x00, 0xF4, 0xBF, 0x02, 0x00, 0xF4]
        let twins = Twins(outside, setup: gpHandler)
        let (fused, stepped) = twins.run(a: 0, b: 0)
        #expect(fused == stepped)
        #expect(fused.eip == 0x3001)                               // halted in the #GP handler
        #expect(fused.stack[0xA] == 0x00 && fused.stack[0xB] == 0x10)   // pushed IP: the CMP
        #expect(twins.handlerAtStart == .cmpStore32B32Jcc)
        // The same pair with the operand inside the limit and a jz back by 2000h, which wraps
        // the 32-bit EIP beyond the limit: #GP at the Jcc.
        var far = outside
        far[4...7] = [0x10, 0x00, 0x00, 0x00]
        far[11...14] = [0x00, 0xE0, 0xFF, 0xFF]
        let farTwins = Twins(far, setup: gpHandler)
        let (fusedFar, steppedFar) = farTwins.run(a: 0, b: 0)
        #expect(fusedFar == steppedFar)
        #expect(fusedFar.stack[0xA] == 0x08 && fusedFar.stack[0xB] == 0x10)   // pushed IP: the Jcc
        #expect(farTwins.handlerAtStart == .cmpStore32B32Jcc)
    }

    /// ADD/SUB/INC/DEC, then CMP with an immediate or a register and a Jcc, fused into one entry
    /// (Decode/ALUCompareBranchFusion.swift): the same state as one instruction at a time,
    /// for each condition and edge values (EBX the ALU destination and CMP register, EAX the
    /// ALU source).
    @Test(arguments: [
        ("add bx, ax; cmp bx, 1000h", [0x01, 0xC3, 0x81, 0xFB, 0x00, 0x10] as [UInt8], false),
        ("sub bx, ax; cmp bx, -1", [0x29, 0xC3, 0x83, 0xFB, 0xFF], false),
        ("add bx, 7FFFh; cmp bx, 8000h", [0x81, 0xC3, 0xFF, 0x7F, 0x81, 0xFB, 0x00, 0x80], false),
        ("sub bx, 1; cmp bx, 0", [0x83, 0xEB, 0x01, 0x83, 0xFB, 0x00], false),
        ("inc bx; cmp bx, 7Fh", [0x43, 0x83, 0xFB, 0x7F], false),
        ("dec bx; cmp bx, 0", [0x4B, 0x83, 0xFB, 0x00], false),
        ("add ebx, eax; cmp ebx, 12345678h", [0x66, 0x01, 0xC3, 0x66, 0x81, 0xFB, 0x78, 0x56, 0x34, 0x12], true),
        ("sub ebx, eax; cmp ebx, 80000000h", [0x66, 0x29, 0xC3, 0x66, 0x81, 0xFB, 0x00, 0x00, 0x00, 0x80], true),
        ("add ebx, -4; cmp ebx, 0", [0x66, 0x83, 0xC3, 0xFC, 0x66, 0x83, 0xFB, 0x00], true),
        ("sub ebx, 7FFFh; cmp ebx, eax-form imm", [0x66, 0x81, 0xEB, 0xFF, 0x7F, 0x00, 0x00, 0x66, 0x83, 0xFB, 0x10], true),
        ("inc ebx; cmp ebx, 40h", [0x66, 0x43, 0x66, 0x83, 0xFB, 0x40], true),
        ("dec ebx; cmp ebx, -1", [0x66, 0x4B, 0x66, 0x83, 0xFB, 0xFF], true),
        // CMP of two registers, either order and either opcode (39, 3B).
        ("inc bx; cmp bx, ax", [0x43, 0x39, 0xC3], false),
        ("sub bx, ax; cmp ax, bx", [0x29, 0xC3, 0x39, 0xD8], false),
        ("dec bx; cmp bx, ax (3B)", [0x4B, 0x3B, 0xD8], false),
        ("inc ebx; cmp ebx, eax", [0x66, 0x43, 0x66, 0x39, 0xC3], true),
        ("add ebx, eax; cmp eax, ebx", [0x66, 0x01, 0xC3, 0x66, 0x39, 0xD8], true),
        ("add ebx, 8; cmp ebx, ebx", [0x66, 0x83, 0xC3, 0x08, 0x66, 0x39, 0xDB], true),
    ])
    func aluCompareForms(name: String, code: [UInt8], wide: Bool) {
        for cc in 0..<16 where cc != 10 && cc != 11 {
            let twins = Twins(Self.program(compare: code, cc: cc, jcc32: wide))
            twins.expectAgreement("\(name) cc=\(cc)", a: Self.values, b: Self.values)
            #expect(twins.handlerAtStart == (wide ? .aluCmpRI32Jcc : .aluCmpRI16Jcc), "\(name) cc=\(cc)")
        }
    }

    /// A cycle budget that ends after the ALU instruction, or after the CMP, of a fused triple:
    /// the run stops there with the state of those instructions alone (the ALU's own flags),
    /// and the rest runs in the next batch.
    @Test func budgetEndingInsideATripleSplitsIt() {
        // inc bx; cmp bx, 1; je -> taken (BX 0 -> 1)
        let code = Self.program(compare: [0x43, 0x83, 0xFB, 0x01], cc: 4, jcc32: false)
        Self.expectBudgetSplitsTriple(code) { f, _ in #expect(f.cpu.reg16(Reg.ebx) == 1) }
    }

    /// Runs `code` (a fused triple, then the taken branch's MOV DI, 2; HLT) with a cycle budget
    /// that ends after its first, then after its second instruction, against a fixture that
    /// stepped that far: the run stops at the same EIP with the same flags, cycles and retire
    /// count (`check` adds the triple's own state), and the rest runs in the next batch.
    static func expectBudgetSplitsTriple(_ code: [UInt8], check: (Fixture, Int) -> Void) {
        for steps in 1...2 {
            let twin = Fixture(model: .pentium)
            twin.load(code)
            for _ in 0..<steps { twin.cpu.step() }
            let f = Fixture(model: .pentium)
            f.load(code)
            let reason = f.cpu.run(until: twin.cpu.cycles)
            #expect(reason == .cycleBudget)
            #expect(f.cpu.eip == twin.cpu.eip, "after \(steps) instructions")
            #expect(f.cpu.eflags == twin.cpu.eflags, "after \(steps) instructions")
            check(f, steps)
            #expect(f.cpu.instructionsRetired == UInt64(steps))
            #expect(f.cpu.cycles == twin.cpu.cycles)
            _ = f.cpu.run(until: f.cpu.cycles + 10_000)
            #expect(f.cpu.reg16(Reg.edi) == 2)
        }
    }

    /// MOV r16 from memory, then CMP of two registers and a Jcc, fused into one entry
    /// (Decode/LoadCompareBranchFusion.swift): the word at DS:0010 holds `b`, loaded into BX
    /// and compared with AX in both orders, for each condition and edge values.
    @Test(arguments: [
        ("mov bx, [si+10h]; cmp bx, ax", [0x8B, 0x5C, 0x10, 0x39, 0xC3] as [UInt8]),
        ("mov bx, [si+10h]; cmp ax, bx", [0x8B, 0x5C, 0x10, 0x39, 0xD8]),
        ("mov bx, [0010h]; cmp bx, ax", [0x8B, 0x1E, 0x10, 0x00, 0x3B, 0xD8]),
    ])
    func loadCompareForms(name: String, code: [UInt8]) {
        for cc in 0..<16 where cc != 10 && cc != 11 {
            let twins = Twins(Self.program(compare: code, cc: cc, jcc32: false))
            twins.expectAgreement("\(name) cc=\(cc)", a: Self.values, b: Self.values, bInMemory: true)
            #expect(twins.handlerAtStart == .loadCmpRR16Jcc, "\(name) cc=\(cc)")
        }
    }

    /// LODSB, then TEST AL, AL or OR AL, AL and a Jcc, fused into one entry: the byte at
    /// DS:0010 holds the low byte of `b`; SI is set to 10h by the MOV before the triple.
    @Test(arguments: [
        ("lodsb; test al, al", [0xAC, 0x84, 0xC0] as [UInt8]),
        ("lodsb; or al, al", [0xAC, 0x08, 0xC0]),
        ("lodsb; or al, al (0A)", [0xAC, 0x0A, 0xC0]),
    ])
    func lodsTestForms(name: String, code: [UInt8]) {
        for cc in 0..<16 where cc != 10 && cc != 11 {
            let twins = Twins([0xBE, 0x10, 0x00] + Self.program(compare: code, cc: cc, jcc32: false))
            twins.expectAgreement("\(name) cc=\(cc)", a: Self.values, b: Self.values, bInMemory: true)
            let h = Handler(rawValue: twins.fused.cpu.decodedPage(1, code32: false)[3].handler)
            #expect(h == .lodsTestAL8Jcc, "\(name) cc=\(cc)")
        }
    }

    /// A cycle budget that ends after the LODSB, or after the TEST, of a fused triple.
    @Test func budgetEndingInsideALodsTripleSplitsIt() {
        // lodsb; test al, al; je -> taken (the byte at 0000 is 0)
        let code = Self.program(compare: [0xAC, 0x84, 0xC0], cc: 4, jcc32: false)
        Self.expectBudgetSplitsTriple(code) { f, steps in
            #expect(f.cpu.reg16(Reg.esi) == 1, "after \(steps) instructions")
        }
        let twins = Twins(code)
        _ = twins.run(a: 0, b: 0)
        #expect(twins.handlerAtStart == .lodsTestAL8Jcc)
    }

    /// A cycle budget that ends after the MOV, or after the CMP, of a fused load triple: the
    /// run stops there with the state of those instructions alone, and the rest runs in the
    /// next batch.
    @Test func budgetEndingInsideALoadTripleSplitsIt() {
        // mov bx, [si+10h]; cmp bx, ax; je -> taken (the word at 0010 is 0, AX 0)
        let code = Self.program(compare: [0x8B, 0x5C, 0x10, 0x39, 0xC3], cc: 4, jcc32: false)
        Self.expectBudgetSplitsTriple(code) { _, _ in }
        let twins = Twins(code)
        _ = twins.run(a: 0, b: 0)
        #expect(twins.handlerAtStart == .loadCmpRR16Jcc)
    }

    /// A fused load whose word crosses the real-mode DS limit (offset FFFF) raises #GP(0) at
    /// the MOV, with the MOV's cycles alone and BX unchanged.
    @Test func faultOfTheFusedLoadIsDeliveredAtTheMov() {
        // mov bx, [si-1] (SI 0: offset FFFF); cmp bx, ax; je
        let code = Self.program(compare: [0x8B, 0x5C, 0xFF, 0x39, 0xC3], cc: 4, jcc32: false)
        let twins = Twins(code, setup: Self.haltOnGeneralProtection)
        let (fused, stepped) = twins.run(a: 0, b: 0x1234)
        #expect(fused == stepped)
        #expect(fused.eip == 0x3001)                                    // halted in the #GP handler
        #expect(fused.regs[Reg.ebx] == 0x1234)
        #expect(fused.stack[0xA] == 0x00 && fused.stack[0xB] == 0x10)   // pushed IP: the MOV
        #expect(twins.handlerAtStart == .loadCmpRR16Jcc)
    }

    /// A near branch hands its target back to the run loop in registers: after the caller has
    /// set EIP (a debugger, a conformance runner), `step()` of a taken branch still lands on
    /// the target, not on the fall-through.
    @Test(arguments: [
        ("jz +4", [0x74, 0x04] as [UInt8], UInt32(0x1006)),
        ("jmp short +4", [0xEB, 0x04], 0x1006),
        ("loop +4", [0xE2, 0x04], 0x1006),
        ("call +4", [0xE8, 0x04, 0x00], 0x1007),
    ])
    func stepOfATakenBranchAfterSettingEIP(name: String, code: [UInt8], target: UInt32) {
        let f = Fixture(model: .pentium)
        f.load(code)
        f.cpu.setReg32(Reg.esp, 0x8000)
        f.cpu.setReg32(Reg.ecx, 2)
        f.cpu.eflags = 0x2 | 0x40          // ZF
        f.cpu.eip = 0x1000
        f.cpu.step()
        #expect(f.cpu.eip == target, "\(name)")
    }

    /// What does not fuse as a triple: a CMP of another size, an immediate beyond 16 signed
    /// bits, ADC (which reads CF), a CMP not followed by a Jcc.
    @Test(arguments: [
        [0x66, 0x01, 0xC3, 0x81, 0xFB, 0x00, 0x10] as [UInt8],                   // add ebx, eax; cmp bx, imm16
        [0x66, 0x81, 0xC3, 0x00, 0x00, 0x01, 0x00, 0x66, 0x83, 0xFB, 0x00],     // add ebx, 10000h
        [0x11, 0xC3, 0x81, 0xFB, 0x00, 0x10],                                   // adc bx, ax
        [0x43, 0x66, 0x39, 0xC3],                                               // inc bx; cmp ebx, eax
    ])
    func notFusedAsATriple(code: [UInt8]) {
        let twins = Twins(Self.program(compare: code, cc: 4, jcc32: false))
        _ = twins.run(a: 1, b: 2)
        #expect(twins.handlerAtStart != .aluCmpRI16Jcc && twins.handlerAtStart != .aluCmpRI32Jcc)
    }
}
