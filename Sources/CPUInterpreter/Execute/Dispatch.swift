/// Dispatch: the decoder maps each opcode to a `Handler` once (per CPU model, so an
/// opcode the model lacks maps to `.invalid`), and `execute` switches over that dense
/// enum, which compiles to one jump table. Every case is a direct call.
enum Handler: UInt8 {
    /// An empty decode-cache slot (all zero bytes): decode, cache and run the instruction
    /// (Execute/Fetch.swift), so a fetch hit needs no "is this slot filled" test.
    case notDecoded = 0
    case invalid
    /// The slot of an instruction that runs past its page end (Execute/CrossPageFetch.swift).
    case crossesPage
    /// Rarely executed opcodes, dispatched on the opcode (Execute/InfrequentOpcodes.swift):
    /// DAA DAS AAA AAS BOUND ARPL INTO AAM AAD SALC ICEBP, and CLTS INVD WBINVD RDMSR WRMSR
    /// RDTSC CPUID CMPXCHG8B.
    case infrequent
    case alu, pushSegment, popSegment, incRegister, decRegister, pushRegister, popRegister
    case pusha, popa, pushImmediate, pushImmediate8, imulImmediate, ins, outs, jcc, group1
    case test, xchg, mov, movFromSegment, lea, movToSegment, popRM, nop, xchgAccumulator, convert
    case callFar, pushf, popf, movOffset, movs, cmps, testAccumulator, stos, lods, scas
    case movRegister8Immediate, movRegisterImmediate, group2, retNear, loadFarPointer, movRMImmediate
    case enter, leave, retFar, intN, iret, xlat, escape, loop, portIO
    case callRelative, jmpRelative, jmpFar, flagControl, group3, group4, group5
    // 0F map
    case group6, group7, loadAccessRightsOrLimit, movControlRegister
    case cmov, setcc, bitTest, doubleShift, imulRM, cmpxchg, movExtend, bitScan
    case xadd, bswap
    // Specialised forms, chosen after decoding (Decode/Specialize.swift) for the commonest
    // instructions: operand size and register/memory form fixed, no LOCK prefix, registers
    // and sign-extended immediates prepared, so the handler does not re-derive them.
    case aluRR8, aluRR16, aluRR32, aluLoad8, aluLoad16, aluLoad32, aluStore8, aluStore16, aluStore32
    case aluRI8, aluRI16, aluRI32, aluMI8, aluMI16, aluMI32
    case movRR8, movRR16, movRR32, movLoad8, movLoad16, movLoad32, movStore8, movStore16, movStore32
    case movRI8, movRI16, movRI32, movMI8, movMI16, movMI32
    case jmp16, jmp32, loop16, loop32, callRel16, callRel32, ret16, ret32
    case incR16, incR32, decR16, decR32, pushR16, pushR32, popR16, popR32, lea16, lea32
    case shiftRI8, shiftRI16, shiftRI32
    case lods8, lods16, lods32, stos8, stos16, stos32
    // One handler per ALU operation (ADD OR AND SUB XOR CMP TEST) for the register forms,
    // and one per condition for Jcc (Execute/SpecializedOps.swift): no switch on the
    // operation or the condition at run time. ADC and SBB keep the forms above.
    case addRR8, orRR8, andRR8, subRR8, xorRR8, cmpRR8, testRR8, addRR16, orRR16, andRR16, subRR16
    case xorRR16, cmpRR16, testRR16, addRR32, orRR32, andRR32, subRR32, xorRR32, cmpRR32, testRR32
    case addRI16, orRI16, andRI16, subRI16, xorRI16, cmpRI16, testRI16, addRI32, orRI32, andRI32
    case subRI32, xorRI32, cmpRI32, testRI32
    // MOVZX r32, r/m8 and IMUL r32, r32 (0F B6, 0F AF).
    case movzxLoad8To32, movzxR8To32, imulRR32, imulRI32
    // PUSH ES/CS/SS/DS/FS/GS and POP ES/DS/FS/GS by operand size, MOV ES/DS/FS/GS, r16
    // (the segment register in `fastDst`, the source register in `fastSrc`).
    case pushSreg16, pushSreg32, popSreg16, popSreg32, movSregR
    // Jcc by condition, in condition-code order (Handler.jo16.rawValue + cc).
    case jo16, jno16, jb16, jae16, je16, jne16, jbe16, ja16, js16, jns16, jp16, jnp16, jl16, jge16
    case jle16, jg16
    case jo32, jno32, jb32, jae32, je32, jne32, jbe32, ja32, js32, jns32, jp32, jnp32, jl32, jge32
    case jle32, jg32
    // SHL SHR SAR of a register by 1 or imm8, one handler per operation (16/32 bits).
    case shlRI16, shrRI16, sarRI16, shlRI32, shrRI32, sarRI32
    // Memory forms with the effective-address form fixed at decode (Execute/EAForms.swift):
    // 16-bit addressing (base + index + disp, no scale, wrapped to 16 bits) ...
    case movLoad16A16, movStore16A16, movMI8A16
    // ... and 32-bit addressing without an index register (base + disp, or disp alone).
    case movLoad32B32, movStore32B32, movMI8B32
    case movzxLoad8To32B32, aluLoad32B32, aluStore32B32
    // Group 3 MUL, IMUL, DIV, IDIV of a register (F6/F7 /4-/7 with mod = 3), by operand size.
    case mulDivR8, mulDivR16, mulDivR32
    // BT BTS BTR BTC m32, r32 (0F A3/AB/B3/BB with a memory operand), the operation in fastOp.
    case bitTestMR32
    // ADC reg, imm (16/32 bits): the carry-in add with the operation constant.
    case adcRI16, adcRI32
    // CMP or TEST of registers, or of a register and an immediate, fused with the Jcc that
    // follows it (Decode/CompareBranchFusion.swift, Execute/CompareAndBranch.swift).
    case cmpRR8Jcc, testRR8Jcc, cmpRR16Jcc, testRR16Jcc, cmpRR32Jcc, testRR32Jcc, cmpRI16Jcc, cmpRI32Jcc
    // ... INC or DEC of a register, or CMP of a register and [base + disp] (either order).
    case incR16Jcc, incR32Jcc, decR16Jcc, decR32Jcc, cmpLoad32B32Jcc, cmpStore32B32Jcc
    // ADD, SUB, INC or DEC of a register, then CMP of a register and an immediate (or a
    // register) and a Jcc (Decode/ALUCompareBranchFusion.swift, Execute/ALUCompareAndBranch.swift).
    case aluCmpRI16Jcc, aluCmpRI32Jcc
    // MOV r16 from memory (16-bit addressing), then CMP of two 16-bit registers and a Jcc
    // (Decode/LoadCompareBranchFusion.swift, Execute/LoadCompareAndBranch.swift).
    case loadCmpRR16Jcc
    // LODSB then TEST or OR of AL with itself and a Jcc (the same files).
    case lodsTestAL8Jcc
    // INC or DEC of an 8-bit register (FE /0 /1, the operation in `fastOp`), alone and fused
    // with the Jcc after it (Decode/CompareBranchFusion.swift).
    case incDecR8, incDecR8Jcc
    // MOV then a shift, ADD then ADC, of one register (Decode/RegisterIdiomFusion.swift,
    // Execute/RegisterIdioms.swift).
    case movShiftRI16, movShiftRI32, addAdcRI16, addAdcRI32
    // SHL, SHR or SAR of a 16-bit register by a constant, fused with the Jcc after it
    // (Decode/CompareBranchFusion.swift, Execute/CompareAndBranch.swift).
    case shiftRI16Jcc

    /// The handler of each of the 512 opcodes on `model`.
    static func table(for model: CPUModel) -> [Handler] {
        var t = [Handler](repeating: .invalid, count: 512)
        for row in stride(from: 0, to: 0x40, by: 8) { for k in 0..<6 { t[row + k] = .alu } }
        for o in [0x06, 0x0E, 0x16, 0x1E] { t[o] = .pushSegment }
        for o in [0x07, 0x17, 0x1F] { t[o] = .popSegment }
        for o in [0x27, 0x2F, 0x37, 0x3F, 0x62, 0x63, 0xCE, 0xD4, 0xD5, 0xD6] { t[o] = .infrequent }
        for o in 0x40...0x47 { t[o] = .incRegister }
        for o in 0x48...0x4F { t[o] = .decRegister }
        for o in 0x50...0x57 { t[o] = .pushRegister }
        for o in 0x58...0x5F { t[o] = .popRegister }
        t[0x60] = .pusha; t[0x61] = .popa
        t[0x68] = .pushImmediate; t[0x6A] = .pushImmediate8; t[0x69] = .imulImmediate; t[0x6B] = .imulImmediate
        t[0x6C] = .ins; t[0x6D] = .ins; t[0x6E] = .outs; t[0x6F] = .outs
        for o in 0x70...0x7F { t[o] = .jcc }
        for o in 0x80...0x83 { t[o] = .group1 }
        t[0x84] = .test; t[0x85] = .test; t[0x86] = .xchg; t[0x87] = .xchg
        for o in 0x88...0x8B { t[o] = .mov }
        t[0x8C] = .movFromSegment; t[0x8D] = .lea; t[0x8E] = .movToSegment; t[0x8F] = .popRM
        t[0x90] = .nop
        for o in 0x91...0x97 { t[o] = .xchgAccumulator }
        t[0x98] = .convert; t[0x99] = .convert; t[0x9A] = .callFar; t[0x9B] = .infrequent
        t[0x9C] = .pushf; t[0x9D] = .popf; t[0x9E] = .infrequent; t[0x9F] = .infrequent
        for o in 0xA0...0xA3 { t[o] = .movOffset }
        t[0xA4] = .movs; t[0xA5] = .movs; t[0xA6] = .cmps; t[0xA7] = .cmps
        t[0xA8] = .testAccumulator; t[0xA9] = .testAccumulator
        t[0xAA] = .stos; t[0xAB] = .stos; t[0xAC] = .lods; t[0xAD] = .lods; t[0xAE] = .scas; t[0xAF] = .scas
        for o in 0xB0...0xB7 { t[o] = .movRegister8Immediate }
        for o in 0xB8...0xBF { t[o] = .movRegisterImmediate }
        for o in [0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3] { t[o] = .group2 }
        t[0xC2] = .retNear; t[0xC3] = .retNear; t[0xC4] = .loadFarPointer; t[0xC5] = .loadFarPointer
        t[0xC6] = .movRMImmediate; t[0xC7] = .movRMImmediate; t[0xC8] = .enter; t[0xC9] = .leave
        t[0xCA] = .retFar; t[0xCB] = .retFar; t[0xCC] = .infrequent; t[0xCD] = .intN; t[0xCF] = .iret
        t[0xD7] = .xlat
        for o in 0xD8...0xDF { t[o] = .escape }
        for o in 0xE0...0xE3 { t[o] = .loop }
        for o in [0xE4, 0xE5, 0xE6, 0xE7, 0xEC, 0xED, 0xEE, 0xEF] { t[o] = .portIO }
        t[0xE8] = .callRelative; t[0xE9] = .jmpRelative; t[0xEB] = .jmpRelative; t[0xEA] = .jmpFar
        if model != .i286 { t[0xF1] = .infrequent }      // on the 286, F1 is a prefix
        t[0xF4] = .infrequent
        for o in [0xF5, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD] { t[o] = .flagControl }
        t[0xF6] = .group3; t[0xF7] = .group3; t[0xFE] = .group4; t[0xFF] = .group5
        // 0F map: the 286 has only 0F 00-03 and 06 (LOADALL is not emulated).
        let x = 0x100
        t[x + 0x00] = .group6; t[x + 0x01] = .group7
        t[x + 0x02] = .loadAccessRightsOrLimit; t[x + 0x03] = .loadAccessRightsOrLimit; t[x + 0x06] = .infrequent
        guard model != .i286 else { return t }
        for o in 0x20...0x23 { t[x + o] = .movControlRegister }
        // MOV to and from the test registers (0F 24, 26): `movControlRegister` by opcode.
        if model <= .i486 { t[x + 0x24] = .movControlRegister; t[x + 0x26] = .movControlRegister }
        for o in 0x80...0x8F { t[x + o] = .jcc }
        for o in 0x90...0x9F { t[x + o] = .setcc }
        t[x + 0xA0] = .pushSegment; t[x + 0xA1] = .popSegment; t[x + 0xA8] = .pushSegment; t[x + 0xA9] = .popSegment
        for o in [0xA3, 0xAB, 0xB3, 0xBB, 0xBA] { t[x + o] = .bitTest }
        for o in [0xA4, 0xA5, 0xAC, 0xAD] { t[x + o] = .doubleShift }
        t[x + 0xAF] = .imulRM; t[x + 0xB2] = .loadFarPointer; t[x + 0xB4] = .loadFarPointer; t[x + 0xB5] = .loadFarPointer
        for o in [0xB6, 0xB7, 0xBE, 0xBF] { t[x + o] = .movExtend }
        t[x + 0xBC] = .bitScan; t[x + 0xBD] = .bitScan
        guard model >= .i486 else { return t }
        t[x + 0x08] = .infrequent; t[x + 0x09] = .infrequent
        t[x + 0xB0] = .cmpxchg; t[x + 0xB1] = .cmpxchg; t[x + 0xC0] = .xadd; t[x + 0xC1] = .xadd
        for o in 0xC8...0xCF { t[x + o] = .bswap }
        guard model >= .pentium else { return t }
        for o in [0x30, 0x31, 0x32, 0xA2, 0xC7] { t[x + o] = .infrequent }   // WRMSR RDTSC RDMSR CPUID CMPXCHG8B
        guard model >= .p6 else { return t }
        for o in 0x40...0x4F { t[x + o] = .cmov }
        return t
    }
}

extension CPU {
    /// Runs `ins`. `next` and `c` are EIP and the cycle count after it, as the run loop has
    /// stored them; the result is what they are after it runs (`Continuation`): a branch
    /// handler returns its target in a register, a fused entry that gives its last
    /// instruction back returns EIP and cycles rewound to it, every other case falls
    /// through to `next`.
    /// The generic forms (the cases up to BSWAP) may set EIP or the cycle count through their
    /// setters (far transfers, interrupts, string repeats, the generic near branches), which
    /// marks the loop's copies stale: they return `resume`, which reloads them then. The
    /// specialised forms never use the setters, so their cases need no test (the loop
    /// asserts it in debug builds).
    /// Most cases call an out-of-line handler. The register-only ALU, INC/DEC, LEA, shift and
    /// IMUL forms, JMP and LOOP rel8 are inlined into their case instead: a call and a return cost a quarter of a
    /// dispatch on this loop (user time -5 to -8 % on the three guests with the ALU forms
    /// alone, with fewer host instructions saved than that). Inlining handlers that touch memory,
    /// the fused idioms or more makes the loop spill its retired count to the stack (a memory
    /// increment on every dispatch): a value live across a call inside the inlined body needs
    /// a callee-saved register, and the loop holds all but one. So the MOV memory forms inline
    /// only their fast path, which calls nothing, and call the whole handler when it does not
    /// apply (`fastMovLoad`, `fastMovStore`: -1 to -2 % host instructions, user time level).
    /// The Jcc and fused-branch forms gained nothing inlined (docs/performance.md, session 16).
    @inline(__always)
    func execute(_ ins: Instruction, _ next: UInt64, _ c: UInt64) throws(Fault) -> Continuation {
        // Handler is a payload-free UInt8 enum whose raw values are its case indices.
        switch unsafeBitCast(ins.handler, to: Handler.self) {
        case .notDecoded: return try executeUndecoded(crossesPage: false)
        case .crossesPage: return try executeUndecoded(crossesPage: true)
        case .invalid: throw Fault.invalidOpcode
        case .infrequent: try infrequentOpcode(ins); return resume(next, c)
        case .pushSegment, .popSegment, .incRegister, .decRegister, .pushRegister, .popRegister, .imulImmediate, .test, .xchgAccumulator, .testAccumulator, .movRegister8Immediate, .movRegisterImmediate, .movRMImmediate, .imulRM:
            try executeGenericForm(ins); return resume(next, c)
        case .alu: try aluForm(ins); return resume(next, c)
        case .pusha: try checkLock(ins, lockable: false); try pusha(ins); return resume(next, c)
        case .popa: try checkLock(ins, lockable: false); try popa(ins); return resume(next, c)
        case .pushImmediate: try checkLock(ins, lockable: false); try push(ins.imm, ins.vsize); return resume(next, c)
        case .pushImmediate8: try checkLock(ins, lockable: false); try push(signExtend8(ins.imm), ins.vsize); return resume(next, c)
        case .ins: try stringInstruction(ins, .ins); return resume(next, c)
        case .outs: try stringInstruction(ins, .outs); return resume(next, c)
        case .jcc: try jcc(ins); return resume(next, c)
        case .group1: try group1(ins); return resume(next, c)
        case .xchg: try xchg(ins); return resume(next, c)
        case .mov: try movForm(ins); return resume(next, c)
        case .movFromSegment: try movFromSegment(ins); return resume(next, c)
        case .lea: try lea(ins); return resume(next, c)
        case .movToSegment: try movToSegment(ins); return resume(next, c)
        case .popRM: try popRM(ins); return resume(next, c)
        case .nop: try checkLock(ins, lockable: false); return resume(next, c)
        case .convert: try checkLock(ins, lockable: false); convert(ins); return resume(next, c)
        case .callFar: try directFar(ins, call: true); return resume(next, c)
        case .pushf: try checkLock(ins, lockable: false); try pushf(ins); return resume(next, c)
        case .popf: try checkLock(ins, lockable: false); try popf(ins); return resume(next, c)
        case .movOffset: try movOffset(ins); return resume(next, c)
        case .movs: try stringInstruction(ins, .movs); return resume(next, c)
        case .cmps: try stringInstruction(ins, .cmps); return resume(next, c)
        case .stos: try stringInstruction(ins, .stos); return resume(next, c)
        case .lods: try stringInstruction(ins, .lods); return resume(next, c)
        case .scas: try stringInstruction(ins, .scas); return resume(next, c)
        case .group2: try group2(ins); return resume(next, c)
        case .retNear: try retNear(ins); return resume(next, c)
        case .loadFarPointer: try loadFarPointer(ins); return resume(next, c)
        case .enter: try checkLock(ins, lockable: false); try enter(ins); return resume(next, c)
        case .leave: try checkLock(ins, lockable: false); try leave(ins); return resume(next, c)
        case .retFar: try retFar(ins); return resume(next, c)
        case .intN: try checkLock(ins, lockable: false); try softwareInterrupt(UInt8(ins.imm)); return resume(next, c)
        case .iret: try iret(ins); return resume(next, c)
        case .xlat: try xlat(ins); return resume(next, c)
        case .escape: try floatingPointEscape(ins); return resume(next, c)
        case .loop: try loop(ins); return resume(next, c)
        case .portIO: try portIO(ins); return resume(next, c)
        case .callRelative: try callRelative(ins); return resume(next, c)
        case .jmpRelative: try jmpRelative(ins); return resume(next, c)
        case .jmpFar: try directFar(ins, call: false); return resume(next, c)
        case .flagControl: try flagControl(ins); return resume(next, c)
        case .group3: try group3(ins); return resume(next, c)
        case .group4: try group4(ins); return resume(next, c)
        case .group5: try group5(ins); return resume(next, c)
        case .group6: try group6(ins); return resume(next, c)
        case .group7: try group7(ins); return resume(next, c)
        case .loadAccessRightsOrLimit: try loadAccessRightsOrLimit(ins); return resume(next, c)
        case .movControlRegister: try checkLock(ins, lockable: false); try movControlRegister(ins); return resume(next, c)
        case .cmov: try cmov(ins); return resume(next, c)
        case .setcc: try setcc(ins); return resume(next, c)
        case .bitTest: try bitTest(ins); return resume(next, c)
        case .doubleShift: try doubleShift(ins); return resume(next, c)
        case .cmpxchg: try cmpxchg(ins); return resume(next, c)
        case .movExtend: try movExtend(ins); return resume(next, c)
        case .bitScan: try bitScan(ins); return resume(next, c)
        case .xadd: try xadd(ins); return resume(next, c)
        case .bswap: try checkLock(ins, lockable: false); bswap(ins); return resume(next, c)
        case .aluRR8: xAluRR8(ins)
        case .aluRR16: xAluRR16(ins)
        case .aluRR32: xAluRR32(ins)
        case .aluLoad8: try xAluLoad8(ins)
        case .aluLoad16: try xAluLoad16(ins)
        case .aluLoad32: try xAluLoad32(ins)
        case .aluStore8: try xAluStore8(ins)
        case .aluStore16: try xAluStore16(ins)
        case .aluStore32: try xAluStore32(ins)
        case .aluRI8: xAluRI8(ins)
        case .aluRI16: xAluRI16(ins)
        case .aluRI32: xAluRI32(ins)
        case .aluMI8: try xAluMI8(ins)
        case .aluMI16: try xAluMI16(ins)
        case .aluMI32: try xAluMI32(ins)
        case .movRR8: writeReg(ins.fastDst, 0, readReg(ins.fastSrc, 0))
        case .movRR16: writeReg(ins.fastDst, 1, regs[ins.fastSrc])
        case .movRR32: regs[ins.fastDst] = regs[ins.fastSrc]
        case .movLoad8: try xMovLoad8(ins)
        case .movLoad16: try xMovLoad16(ins)
        case .movLoad32: try xMovLoad32(ins)
        case .movStore8: try xMovStore8(ins)
        case .movStore16: try xMovStore16(ins)
        case .movStore32: try xMovStore32(ins)
        case .movRI8: setReg8(ins.fastDst, UInt8(truncatingIfNeeded: ins.imm))
        case .movRI16: writeReg(ins.fastDst, 1, ins.imm)
        case .movRI32: regs[ins.fastDst] = ins.imm
        case .movMI8: try xMovMI8(ins)
        case .movMI16: try xMovMI16(ins)
        case .movMI32: try xMovMI32(ins)
        case .jmp16: return try xJmp16(ins, next, c)
        case .jmp32: return try xJmp32(ins, next, c)
        case .loop16: return try xLoop16(ins, next, c)
        case .loop32: return try xLoop32(ins, next, c)
        case .callRel16: return try xCallRel16(ins, next, c)
        case .callRel32: return try xCallRel32(ins, next, c)
        case .ret16: return try xRet16(ins, c)
        case .ret32: return try xRet32(ins, c)
        case .incR16: xIncR16(ins)
        case .incR32: xIncR32(ins)
        case .decR16: xDecR16(ins)
        case .decR32: xDecR32(ins)
        case .pushR16: try xPushR16(ins)
        case .pushR32: try xPushR32(ins)
        case .popR16: try xPopR16(ins)
        case .popR32: try xPopR32(ins)
        case .lea16: xLea16(ins)
        case .lea32: xLea32(ins)
        case .shiftRI8: xShiftRI8(ins)
        case .shiftRI16: xShiftRI16(ins)
        case .shiftRI32: xShiftRI32(ins)
        case .shlRI16: xShlRI16(ins)
        case .shrRI16: xShrRI16(ins)
        case .sarRI16: xSarRI16(ins)
        case .shlRI32: xShlRI32(ins)
        case .shrRI32: xShrRI32(ins)
        case .sarRI32: xSarRI32(ins)
        case .movLoad16A16: if !fastMovLoad(ins, effectiveAddress16(ins), 1) { try xMovLoad16A16(ins) }
        case .movStore16A16: if !fastMovStore(ins, effectiveAddress16(ins), 1, regs[ins.reg]) { try xMovStore16A16(ins) }
        case .movMI8A16: if !fastMovStore(ins, effectiveAddress16(ins), 0, ins.imm) { try xMovMI8A16(ins) }
        case .movLoad32B32: if !fastMovLoad(ins, effectiveAddressBase32(ins), 2) { try xMovLoad32B32(ins) }
        case .movStore32B32: if !fastMovStore(ins, effectiveAddressBase32(ins), 2, regs[ins.reg]) { try xMovStore32B32(ins) }
        case .movMI8B32: if !fastMovStore(ins, effectiveAddressBase32(ins), 0, ins.imm) { try xMovMI8B32(ins) }
        case .movzxLoad8To32B32: if !fastMovLoad(ins, effectiveAddressBase32(ins), 0) { try xMovzxLoad8To32B32(ins) }
        case .aluLoad32B32: try xAluLoad32B32(ins)
        case .aluStore32B32: try xAluStore32B32(ins)
        case .mulDivR8: try xMulDivR8(ins)
        case .mulDivR16: try xMulDivR16(ins)
        case .mulDivR32: try xMulDivR32(ins)
        case .bitTestMR32: try xBitTestMR32(ins)
        case .adcRI16: xAdcRI16(ins)
        case .cmpRR8Jcc: return try xCmpRR8Jcc(ins, next, c)
        case .testRR8Jcc: return try xTestRR8Jcc(ins, next, c)
        case .cmpRR16Jcc: return try xCmpRR16Jcc(ins, next, c)
        case .testRR16Jcc: return try xTestRR16Jcc(ins, next, c)
        case .cmpRR32Jcc: return try xCmpRR32Jcc(ins, next, c)
        case .testRR32Jcc: return try xTestRR32Jcc(ins, next, c)
        case .cmpRI16Jcc: return try xCmpRI16Jcc(ins, next, c)
        case .cmpRI32Jcc: return try xCmpRI32Jcc(ins, next, c)
        case .incR16Jcc: return try xIncR16Jcc(ins, next, c)
        case .incR32Jcc: return try xIncR32Jcc(ins, next, c)
        case .decR16Jcc: return try xDecR16Jcc(ins, next, c)
        case .decR32Jcc: return try xDecR32Jcc(ins, next, c)
        case .cmpLoad32B32Jcc: return try xCmpLoad32B32Jcc(ins, next, c)
        case .cmpStore32B32Jcc: return try xCmpStore32B32Jcc(ins, next, c)
        case .aluCmpRI16Jcc: return try xAluCmpRI16Jcc(ins, next, c)
        case .aluCmpRI32Jcc: return try xAluCmpRI32Jcc(ins, next, c)
        case .loadCmpRR16Jcc: return try xLoadCmpRR16Jcc(ins, next, c)
        case .lodsTestAL8Jcc: return try xLodsTestAL8Jcc(ins, next, c)
        case .incDecR8: xIncDecR8(ins)
        case .incDecR8Jcc: return try xIncDecR8Jcc(ins, next, c)
        case .shiftRI16Jcc: return try xShiftRI16Jcc(ins, next, c)
        case .movShiftRI16: return xMovShiftRI16(ins, next, c)
        case .movShiftRI32: return xMovShiftRI32(ins, next, c)
        case .addAdcRI16: return xAddAdcRI16(ins, next, c)
        case .addAdcRI32: return xAddAdcRI32(ins, next, c)
        case .adcRI32: xAdcRI32(ins)
        case .lods8: try xLods8(ins)
        case .lods16: try xLods16(ins)
        case .lods32: try xLods32(ins)
        case .stos8: try xStos8(ins)
        case .stos16: try xStos16(ins)
        case .stos32: try xStos32(ins)
        case .movzxLoad8To32: try xMovzxLoad8To32(ins)
        case .movzxR8To32: regs[ins.fastDst] = readReg(ins.fastSrc, 0)
        case .imulRR32: xImulRR32(ins)
        case .imulRI32: xImulRI32(ins)
        case .pushSreg16: try xPushSreg16(ins)
        case .pushSreg32: try xPushSreg32(ins)
        case .popSreg16: try xPopSreg16(ins)
        case .popSreg32: try xPopSreg32(ins)
        case .movSregR: try xMovSregR(ins)
        case .addRR8: xAddRR8(ins)
        case .orRR8: xOrRR8(ins)
        case .andRR8: xAndRR8(ins)
        case .subRR8: xSubRR8(ins)
        case .xorRR8: xXorRR8(ins)
        case .cmpRR8: xCmpRR8(ins)
        case .testRR8: xTestRR8(ins)
        case .addRR16: xAddRR16(ins)
        case .orRR16: xOrRR16(ins)
        case .andRR16: xAndRR16(ins)
        case .subRR16: xSubRR16(ins)
        case .xorRR16: xXorRR16(ins)
        case .cmpRR16: xCmpRR16(ins)
        case .testRR16: xTestRR16(ins)
        case .addRR32: xAddRR32(ins)
        case .orRR32: xOrRR32(ins)
        case .andRR32: xAndRR32(ins)
        case .subRR32: xSubRR32(ins)
        case .xorRR32: xXorRR32(ins)
        case .cmpRR32: xCmpRR32(ins)
        case .testRR32: xTestRR32(ins)
        case .addRI16: xAddRI16(ins)
        case .orRI16: xOrRI16(ins)
        case .andRI16: xAndRI16(ins)
        case .subRI16: xSubRI16(ins)
        case .xorRI16: xXorRI16(ins)
        case .cmpRI16: xCmpRI16(ins)
        case .testRI16: xTestRI16(ins)
        case .addRI32: xAddRI32(ins)
        case .orRI32: xOrRI32(ins)
        case .andRI32: xAndRI32(ins)
        case .subRI32: xSubRI32(ins)
        case .xorRI32: xXorRI32(ins)
        case .cmpRI32: xCmpRI32(ins)
        case .testRI32: xTestRI32(ins)
        case .jo16: return try xJo16(ins, next, c)
        case .jno16: return try xJno16(ins, next, c)
        case .jb16: return try xJb16(ins, next, c)
        case .jae16: return try xJae16(ins, next, c)
        case .je16: return try xJe16(ins, next, c)
        case .jne16: return try xJne16(ins, next, c)
        case .jbe16: return try xJbe16(ins, next, c)
        case .ja16: return try xJa16(ins, next, c)
        case .js16: return try xJs16(ins, next, c)
        case .jns16: return try xJns16(ins, next, c)
        case .jp16: return try xJp16(ins, next, c)
        case .jnp16: return try xJnp16(ins, next, c)
        case .jl16: return try xJl16(ins, next, c)
        case .jge16: return try xJge16(ins, next, c)
        case .jle16: return try xJle16(ins, next, c)
        case .jg16: return try xJg16(ins, next, c)
        case .jo32: return try xJo32(ins, next, c)
        case .jno32: return try xJno32(ins, next, c)
        case .jb32: return try xJb32(ins, next, c)
        case .jae32: return try xJae32(ins, next, c)
        case .je32: return try xJe32(ins, next, c)
        case .jne32: return try xJne32(ins, next, c)
        case .jbe32: return try xJbe32(ins, next, c)
        case .ja32: return try xJa32(ins, next, c)
        case .js32: return try xJs32(ins, next, c)
        case .jns32: return try xJns32(ins, next, c)
        case .jp32: return try xJp32(ins, next, c)
        case .jnp32: return try xJnp32(ins, next, c)
        case .jl32: return try xJl32(ins, next, c)
        case .jge32: return try xJge32(ins, next, c)
        case .jle32: return try xJle32(ins, next, c)
        case .jg32: return try xJg32(ins, next, c)
        }
        return (next, c)
    }

    /// The continuation after a generic form: `next` and `c`, unless the handler set EIP or
    /// the cycle count through their setters; then the values it stored.
    @inline(__always) func resume(_ next: UInt64, _ c: UInt64) -> Continuation {
        guard _slowPath(loopCopiesStale) else { return (next, c) }
        loopCopiesStale = false
        let pc = UInt64(eipStore)
        checkReloadedPC(pc)
        return (pc, cyclesStore)
    }

    /// FE: INC/DEC Eb.
    func group4(_ ins: Instruction) throws(Fault) {
        switch ins.reg {
        case 0: try checkLock(ins, lockable: true); let (t, v) = try beginRMW(ins, 0); try endRMW(t, 0, inc(v, 0))
        case 1: try checkLock(ins, lockable: true); let (t, v) = try beginRMW(ins, 0); try endRMW(t, 0, dec(v, 0))
        default: throw Fault.invalidOpcode
        }
    }

    /// FF: INC DEC CALL CALLF JMP JMPF PUSH (Ev). /7 is PUSH again on the 286, #UD later.
    func group5(_ ins: Instruction) throws(Fault) {
        let size = ins.vsize
        switch ins.reg {
        case 0: try checkLock(ins, lockable: true); let (t, v) = try beginRMW(ins, size); try endRMW(t, size, inc(v, size))
        case 1: try checkLock(ins, lockable: true); let (t, v) = try beginRMW(ins, size); try endRMW(t, size, dec(v, size))
        case 2: try indirectNear(ins, call: true)
        case 3: try indirectFar(ins, call: true)
        case 4: try indirectNear(ins, call: false)
        case 5: try indirectFar(ins, call: false)
        case 6: try checkLock(ins, lockable: false); try pushRM(ins)
        default:
            guard model == .i286 else { throw Fault.invalidOpcode }
            try pushRM(ins)
        }
    }

    /// PUSH Ev: with ESP as base, the address uses ESP before the push.
    func pushRM(_ ins: Instruction) throws(Fault) {
        let v = try readRM(ins, ins.vsize)
        try push(v, ins.vsize)
    }
}

/// Generic forms whose cases use the instruction again after a call (its opcode, its
/// operand size), outlined from `execute`: one such case in the dispatch switch makes the run
/// loop keep every fetched instruction in callee-saved registers and copy it into the
/// argument registers before each handler call (callgrind: `CPU.run` +8 M Ir in the
/// real-mode guest, one move per dispatch).
extension CPU {
    @inline(never)
    func executeGenericForm(_ ins: Instruction) throws(Fault) {
        let op = Int(ins.op)
        switch unsafeBitCast(ins.handler, to: Handler.self) {
        case .pushSegment: try pushSegment(ins.op < 0x100 ? op >> 3 : (op == 0x1A0 ? Seg.fs : Seg.gs), ins)
        case .popSegment: try popSegment(ins.op < 0x100 ? op >> 3 : (op == 0x1A1 ? Seg.fs : Seg.gs), ins)
        case .incRegister:
            try checkLock(ins, lockable: false)
            writeReg(op & 7, ins.vsize, inc(readReg(op & 7, ins.vsize), ins.vsize))
        case .decRegister:
            try checkLock(ins, lockable: false)
            writeReg(op & 7, ins.vsize, dec(readReg(op & 7, ins.vsize), ins.vsize))
        case .pushRegister:
            try checkLock(ins, lockable: false)
            // PUSH SP pushes the value before the push (286 and later).
            try push(readReg(op & 7, ins.vsize), ins.vsize)
        case .popRegister:
            try checkLock(ins, lockable: false)
            let v = try pop(ins.vsize)
            writeReg(op & 7, ins.vsize, v)
        case .imulImmediate:
            try checkLock(ins, lockable: false)
            let imm = op == 0x6B ? signExtend8(ins.imm) : ins.imm
            writeReg(ins.reg, ins.vsize, multiplySigned(try readRM(ins, ins.vsize), imm, ins.vsize))
        case .test:
            try checkLock(ins, lockable: false)
            let size = operandSize(ins)
            _ = alu(4, try readRM(ins, size), readReg(ins.reg, size), size)
        case .xchgAccumulator:
            try checkLock(ins, lockable: false)
            let a = readReg(Reg.eax, ins.vsize)
            writeReg(Reg.eax, ins.vsize, readReg(op & 7, ins.vsize))
            writeReg(op & 7, ins.vsize, a)
        case .testAccumulator:
            try checkLock(ins, lockable: false)
            let size = operandSize(ins)
            _ = alu(4, readReg(Reg.eax, size), ins.imm & sizeMask(size), size)
        case .movRegister8Immediate: try checkLock(ins, lockable: false); setReg8(op & 7, UInt8(truncatingIfNeeded: ins.imm))
        case .movRegisterImmediate: try checkLock(ins, lockable: false); writeReg(op & 7, ins.vsize, ins.imm)
        case .movRMImmediate:
            try checkLock(ins, lockable: false)
            guard ins.reg == 0 else { throw Fault.invalidOpcode }
            try writeRM(ins, operandSize(ins), ins.imm)
        case .imulRM:
            try checkLock(ins, lockable: false)
            writeReg(ins.reg, ins.vsize, multiplySigned(readReg(ins.reg, ins.vsize), try readRM(ins, ins.vsize), ins.vsize))
        default: throw Fault.invalidOpcode
        }
    }
}
