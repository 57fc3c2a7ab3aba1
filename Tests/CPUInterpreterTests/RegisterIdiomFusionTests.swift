import Testing
@testable import CPUInterpreter

/// A fused register idiom (Decode/RegisterIdiomFusion.swift) must leave exactly the state the
/// two instructions leave one at a time: `run` fuses them, `step` never does
/// (CompareBranchFusionTests.Twins runs both ways and compares registers, EFLAGS, EIP,
/// cycles, the retired count and the stack).
@Suite struct RegisterIdiomFusionTests {
    typealias Twins = CompareBranchFusionTests.Twins
    static let values = CompareBranchFusionTests.values
    /// mov di, 1; hlt: the end every program reaches.
    static let end: [UInt8] = [0xBF, 0x01, 0x00, 0xF4]

    /// MOV BX, AX (or EBX, EAX) then SHL, SHR or SAR BX by each count: BX ends as the shift
    /// of AX, with the shift's flags.
    @Test(arguments: [
        ("shl", 0xE3 as UInt8, Handler.movShiftRI16, Handler.movShiftRI32),
        ("shr", 0xEB, .movShiftRI16, .movShiftRI32),
        ("sar", 0xFB, .movShiftRI16, .movShiftRI32),
    ])
    func copyAndShift(name: String, modrm: UInt8, narrow: Handler, wide: Handler) {
        for wide32 in [false, true] {
            let p: [UInt8] = wide32 ? [0x66] : []
            for count in [1, 4, 13, 15, 16, 17, 31] as [UInt8] {
                // count 1 also in its own encoding (D1 /n)
                let shifts: [[UInt8]] = count == 1 ? [[0xC1, modrm, 1], [0xD1, modrm]] : [[0xC1, modrm, count]]
                for shift in shifts {
                    let twins = Twins(p + [0x89, 0xC3] + p + shift + Self.end)
                    twins.expectAgreement("mov; \(name) \(count) wide=\(wide32)", a: Self.values, b: [0, 0xFFFF_FFFF])
                    #expect(twins.handlerAtStart == (wide32 ? wide : narrow), "\(name) \(count) wide=\(wide32)")
                }
            }
        }
    }

    /// ADD BX, AX then ADC BX, imm after CLC and after STC (the ADD's carry, not the old CF,
    /// feeds the ADC), for immediates that are 0, 1 and all ones.
    @Test func addThenAddCarry() {
        for carry in [0xF8, 0xF9] as [UInt8] {                  // clc, stc
            for wide32 in [false, true] {
                let p: [UInt8] = wide32 ? [0x66] : []
                let adcs: [[UInt8]] = [[0x83, 0xD3, 0x00], [0x83, 0xD3, 0x01], [0x83, 0xD3, 0xFF],
                                       wide32 ? [0x81, 0xD3, 0x78, 0x56, 0x34, 0x12] : [0x81, 0xD3, 0x34, 0x12]]
                for adc in adcs {
                    let twins = Twins([carry] + p + [0x01, 0xC3] + p + adc + Self.end)
                    twins.expectAgreement("add; adc \(adc) wide=\(wide32) carry=\(carry)", a: Self.values, b: Self.values)
                    let h = Handler(rawValue: twins.fused.cpu.decodedPage(1, code32: false)[1].handler)
                    #expect(h == (wide32 ? .addAdcRI32 : .addAdcRI16), "adc \(adc) wide=\(wide32)")
                }
            }
        }
    }

    /// A cycle budget that ends after the first instruction: the run stops there with the
    /// first's state alone (the ADD's own flags), and the second runs in the next batch.
    @Test(arguments: [
        ([0x89, 0xC3, 0xC1, 0xE3, 0x04] as [UInt8], Handler.movShiftRI16),    // mov bx, ax; shl bx, 4
        ([0x01, 0xC3, 0x83, 0xD3, 0x00], .addAdcRI16),                        // add bx, ax; adc bx, 0
    ])
    func budgetEndingBetweenThePairSplitsIt(code: [UInt8], handler: Handler) {
        let program = code + Self.end
        let twin = Fixture(model: .pentium)
        twin.load(program)
        twin.cpu.setReg32(Reg.eax, 0xC001)
        twin.cpu.setReg32(Reg.ebx, 0x4000)
        twin.cpu.step()
        let f = Fixture(model: .pentium)
        f.load(program)
        f.cpu.setReg32(Reg.eax, 0xC001)
        f.cpu.setReg32(Reg.ebx, 0x4000)
        let reason = f.cpu.run(until: twin.cpu.cycles)
        #expect(reason == .cycleBudget)
        #expect(f.cpu.eip == twin.cpu.eip)
        #expect(f.cpu.eflags == twin.cpu.eflags)
        #expect(f.cpu.reg32(Reg.ebx) == twin.cpu.reg32(Reg.ebx))
        #expect(f.cpu.instructionsRetired == 1)
        #expect(f.cpu.cycles == twin.cpu.cycles)
        twin.runToHalt()
        _ = f.cpu.run(until: f.cpu.cycles + 10_000)
        #expect(f.cpu.reg32(Reg.ebx) == twin.cpu.reg32(Reg.ebx))
        #expect(f.cpu.eflags == twin.cpu.eflags)
        #expect(Handler(rawValue: f.cpu.decodedPage(1, code32: false)[0].handler) == handler)
    }

    /// What does not fuse: a shift of another register, a shift of another size, ADC of
    /// another register, and an ADD that starts an ADD/CMP/Jcc triple (which keeps it).
    @Test(arguments: [
        ([0x89, 0xC3, 0xC1, 0xE1, 0x04] as [UInt8], Handler.movRR16),          // mov bx, ax; shl cx, 4
        ([0x89, 0xC3, 0x66, 0xC1, 0xE3, 0x04], .movRR16),                      // mov bx, ax; shl ebx, 4
        ([0x01, 0xC3, 0x83, 0xD1, 0x00], .addRR16),                            // add bx, ax; adc cx, 0
        ([0x01, 0xC3, 0x83, 0xFB, 0x05, 0x74, 0x00], .aluCmpRI16Jcc),          // add bx, ax; cmp bx, 5; je $+2
    ])
    func notFused(code: [UInt8], handler: Handler) {
        let twins = Twins(code + Self.end)
        twins.expectAgreement("\(code)", a: [1, 0xFFFF], b: [2, 0x8000])
        #expect(twins.handlerAtStart == handler)
    }
}
