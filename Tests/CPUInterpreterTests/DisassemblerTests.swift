import Foundation
import Testing
@testable import CPUInterpreter

/// The disassembler against fixed examples, against the interpreter's own #UD verdicts,
/// and against GNU objdump (`objdump -D -b binary -m i386|i8086 -M intel`, Debian
/// binutils 2.40) on 20,000 random instructions (10,000 with CS.D = 0, 10,000 with
/// CS.D = 1; seeded; 90% a random mix of up to three distinct prefixes + an opcode the
/// P6 model executes + random ModRM/SIB/displacement/immediate bytes, 10% 15 random bytes).
///
/// Normalisation before comparing text (both sides): lower case, runs of white space
/// collapsed to one space, objdump's `<symbol>` suffixes removed. Everything else
/// (hex format, `ds:` on absolute addresses, prefix names) the disassembler prints the
/// way objdump does.
///
/// Length must agree on every sequence the CPU model accepts, except these documented
/// classes, where objdump describes something other than what the CPU executes:
///  - FWAIT fusion: objdump prints `9B` + `DB E3` as one `finit` (and likewise fstsw,
///    fstcw, fstenv, fsave, fclex). These are assembler mnemonics for two instructions:
///    SDM vol. 2, FINIT/FNINIT and FSTSW/FNSTSW list "9B DB E3" as WAIT followed by
///    FNINIT, and WAIT/FWAIT (9B) is its own one-byte instruction, which the processor
///    executes (and can be interrupted after) on its own.
///  - F2/F3 + 0F BC/BD: on the P6 the prefix is ignored (BSF/BSR); objdump reads F3 as
///    TZCNT/LZCNT (BMI1/ABM, length agrees) and F2 as undefined, `(bad)`, of length 1.
///  - MOV to/from CRn/DRn/TRn (0F 20-26) with ModRM.mod != 3: SDM vol. 2, "MOV—Move
///    to/from Control Registers": "the 2 bits in the mod field are ignored"; objdump
///    honours that (always 3 bytes), pcemu's decoder reads a displacement for mod 0-2.
///    A decoder deviation, reported, not hidden: the disassembler follows the decoder.
///
/// Text, measured (accepted encodings 98.3%, all 97.6%; asserted >= 97% of accepted).
/// The disagreements on accepted encodings, all deliberate:
///  - F2/F3 on instructions that ignore them (~1.1%): objdump names them after later
///    extensions (`bnd jne` MPX, `xacquire`/`xrelease lock add` TSX-HLE, `notrack call`
///    CET); the disassembler says what a 386-P6 sees, `repnz`/`repz`.
///  - D6 SALC (~0.35%): undocumented but executed by every model; objdump `(bad)`.
///  - DB/DD/DF /1 memory (~0.1%): objdump `fisttp` (SSE3); not an x87 instruction of any
///    pcemu model, printed `(bad)` with its operand.
///  - F3 0F BC/BD (TZCNT/LZCNT) as above; 66/F2/F3 + 0F 08/09 (objdump `(bad)`, the CPU
///    ignores the prefix and runs INVD/WBINVD); one FWAIT fusion.
/// On encodings the model rejects the disassembler prints `(bad)` (with the prefixes in
/// front, as objdump does), where objdump often names a later instruction (SSE, VMX,
/// XSAVE, RDRAND, `mov ?,dx` for segment register 6/7, CR8 through LOCK).
@Suite struct DisassemblerTests {
    let d32 = Disassembler(model: .p6)

    func dis(_ hex: String, _ code32: Bool = true, at address: UInt32 = 0) -> String {
        var bytes: [UInt8] = []
        var s = Substring(hex.replacingOccurrences(of: " ", with: ""))
        while s.count >= 2 { bytes.append(UInt8(s.prefix(2), radix: 16)!); s = s.dropFirst(2) }
        let r = d32.disassemble(bytes, at: address, code32: code32)
        #expect(r.length == bytes.count, "\(hex): length \(r.length)")
        return r.text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    @Test func examples32() {
        #expect(dis("83 44 88 10 05") == "add DWORD PTR [eax+ecx*4+0x10],0x5")
        #expect(dis("66 a1 34 12 00 00") == "mov ax,ds:0x1234")
        #expect(dis("66 8b 05 34 12 00 00") == "mov ax,WORD PTR ds:0x1234")
        #expect(dis("e9 00 00 00 00", at: 0x1000) == "jmp 0x1005")
        #expect(dis("f3 a5") == "rep movs DWORD PTR es:[edi],DWORD PTR ds:[esi]")
        #expect(dis("f0 01 18") == "lock add DWORD PTR [eax],ebx")
        #expect(dis("26 8b 00") == "mov eax,DWORD PTR es:[eax]")
        #expect(dis("0f 22 c0") == "mov cr0,eax")
        #expect(dis("ea 78 56 34 12 08 00") == "jmp 0x8:0x12345678")
        #expect(dis("0f 01 15 00 10 00 00") == "lgdtd ds:0x1000")
        #expect(dis("ff 1c 24") == "call FWORD PTR [esp]")
        #expect(dis("d9 c9") == "fxch st(1)")
        #expect(dis("dd 1c 24") == "fstp QWORD PTR [esp]")
        #expect(dis("de f9") == "fdivp st(1),st")
        #expect(dis("0f c7 c8") == "(bad)")
        #expect(dis("8d c0") == "(bad)")
    }

    @Test func examples16() {
        #expect(dis("8b 46 fe", false) == "mov ax,WORD PTR [bp-0x2]")
        #expect(dis("66 8b 00", false) == "mov eax,DWORD PTR [bx+si]")
        #expect(dis("67 8b 04 88", false) == "mov ax,WORD PTR [eax+ecx*4]")
        #expect(dis("cd 10", false) == "int 0x10")
        #expect(dis("ea 00 7c 00 00", false) == "jmp 0x0:0x7c00")
        #expect(dis("e8 fd ff", false, at: 0x100) == "call 0x100")
        #expect(dis("f3 a4", false) == "rep movs BYTE PTR es:[di],BYTE PTR ds:[si]")
        #expect(dis("0f 20 c0", false) == "mov eax,cr0")
        #expect(dis("66 cf", false) == "iretd")
    }

    @Test func modelDifferences() {
        let i386 = Disassembler(model: .i386)
        #expect(i386.disassemble([0x0F, 0xA2], at: 0, code32: true).text == "(bad)")   // CPUID: Pentium+
        #expect(d32.disassemble([0x0F, 0xA2], at: 0, code32: true).text == "cpuid")
        #expect(i386.disassemble([0x0F, 0x44, 0xC0], at: 0, code32: true).text == "(bad)")   // CMOV: P6
        let i286 = Disassembler(model: .i286)
        #expect(i286.disassemble([0x66, 0x90], at: 0, code32: false).length == 1)   // 66 is not a prefix
        #expect(d32.disassemble([0x8B], at: 0, code32: true).length == 0)            // bytes ran out
    }

    /// `accepted` is the interpreter's own verdict: run each random sequence for one step
    /// on a real-mode CPU and see whether it raised #UD. Left out: encodings whose #UD
    /// depends on the mode (group 6, LAR, LSL and ARPL are protected-mode only).
    @Test func acceptedAgreesWithInterpreter() {
        let seqs = ObjdumpComparison(count: 10_000, seed: 0xACCE_97ED).sequences(code32: false)
        let decoder = Decoder(model: .p6)
        defer { decoder.deallocate() }
        var wrong: [String] = []
        var undefined = 0
        var f = Fixture(model: .p6)
        let cr0 = f.cpu.cr0
        for s in seqs {
            var tooLong = false
            let ins = s.withUnsafeBufferPointer { decoder.decode($0.baseAddress!, avail: $0.count, code32: false, tooLong: &tooLong) }
            if tooLong || [0x100, 0x102, 0x103, 0x63].contains(ins.op) { continue }
            let d = d32.instruction(s, at: 0x1000, code32: false)
            // One CPU for all, back to its reset state unless an instruction left real mode.
            if f.cpu.cr0 != cr0 || f.cpu.shutdown { f = Fixture(model: .p6) }
            for r in 0..<6 { f.cpu.setRealModeSegment(r, 0) }
            f.cpu.setReg32(Reg.esp, 0x8000)
            f.cpu.eip = 0x1000
            f.cpu.halted = false
            f.load(s)
            f.cpu.lastFault = nil
            f.cpu.step()
            let ud = f.cpu.lastFault == .invalidOpcode
            if ud { undefined += 1 }
            if ud == d.accepted {
                wrong.append(s.prefix(d.length).map { String(format: "%02x", $0) }.joined(separator: " ") + " \(d.text) accepted=\(d.accepted)")
            }
        }
        #expect(undefined > 200, "the sample should hold #UD encodings: \(undefined)")
        #expect(wrong.isEmpty, "\(wrong.count) disagreements: \(wrong.prefix(20))")
    }

    // MARK: objdump golden comparison

    static let objdump: String? = {
        for p in ["/usr/bin/objdump", "/usr/local/bin/objdump", "/bin/objdump"]
        where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }()

    @Test(.enabled(if: objdump != nil, "objdump (binutils) not installed: golden comparison skipped"))
    func agreesWithObjdump() throws {
        let report = try ObjdumpComparison(count: 10_000, seed: 0x7063_656D_75).run(objdump: Self.objdump!)
        print(report.summary)
        #expect(report.missing == 0, "objdump output out of step")
        #expect(report.lengthMismatches.isEmpty, "length mismatches: \(report.lengthMismatches.prefix(20))")
        #expect(report.acceptedTextRate >= 0.97, "text agreement \(report.acceptedTextRate)")
    }
}

/// Random instructions, their objdump reading, and the comparison.
struct ObjdumpComparison {
    let count: Int          // per mode
    let seed: UInt64

    struct Report {
        var missing = 0
        var total = 0, accepted = 0, lengthCompared = 0, lengthAgree = 0
        var textAgree = 0, acceptedTextAgree = 0
        var excluded: [String: Int] = [:]
        var lengthMismatches: [String] = []
        var classes: [String: (Int, String)] = [:]
        var acceptedTextRate: Double { Double(acceptedTextAgree) / Double(max(accepted, 1)) }
        var summary: String {
            var s = "disassembler vs objdump: \(total) sequences, \(accepted) accepted by the CPU model\n"
            s += "  length: \(lengthAgree)/\(lengthCompared) agree; excluded by documented class: \(excluded)\n"
            s += String(format: "  text: %d/%d accepted agree (%.2f%%), %d/%d all (%.2f%%)\n",
                        acceptedTextAgree, accepted, 100 * acceptedTextRate,
                        textAgree, total, 100 * Double(textAgree) / Double(max(total, 1)))
            s += "  disagreement classes (count, example):\n"
            for (k, v) in classes.sorted(by: { $0.value.0 > $1.value.0 }) {
                s += "    \(v.0)\t\(k)\t\(v.1)\n"
            }
            return s
        }
    }

    static let prefixes: [UInt8] = [0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3]

    func sequences(code32: Bool) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed ^ (code32 ? 0x32 : 0x16))
        let handlers = Handler.table(for: .p6)
        let valid = (0..<512).filter { handlers[$0] != .invalid }
        var out: [[UInt8]] = []
        for _ in 0..<count {
            var b: [UInt8] = []
            if rng.below(10) != 0 {
                if rng.below(2) == 0 {
                    var pool = Self.prefixes
                    for _ in 0..<(1 + rng.below(3)) { b.append(pool.remove(at: rng.below(pool.count))) }
                }
                let op = valid[rng.below(valid.count)]
                if op >= 0x100 { b.append(0x0F) }
                b.append(UInt8(op & 0xFF))
            }
            while b.count < 15 { b.append(UInt8(truncatingIfNeeded: rng.next())) }
            out.append(b)
        }
        return out
    }

    /// objdump's reading of the first instruction of each sequence: (length, text).
    /// Sequences go into files of `perFile` 32-byte slots, each slot padded with NOP (90h):
    /// whatever objdump makes of a sequence's tail, an instruction that starts at most
    /// 14 bytes into a slot ends at most 29 bytes into it (15 bytes at most), so the
    /// linear sweep is back in step at the next slot, and the first instruction (at most
    /// 15 bytes) never reads the padding. Slot addresses stay below 64 KiB, where 16-bit
    /// offsets do not wrap. One objdump run per mode, with all its files.
    static let slot = 32, perFile = 1500
    static let base: UInt32 = 0x1000
    static func address(_ i: Int) -> UInt32 { base + UInt32((i % perFile) * slot) }

    func objdumpRead(_ seqs: [[UInt8]], code32: Bool, objdump: String, dir: URL) throws -> [(Int, String)] {
        var paths: [String] = []
        for first in stride(from: 0, to: seqs.count, by: Self.perFile) {
            let chunk = seqs[first..<min(first + Self.perFile, seqs.count)]
            var image = [UInt8](repeating: 0x90, count: chunk.count * Self.slot)
            for (k, s) in chunk.enumerated() { image.replaceSubrange(k * Self.slot..<k * Self.slot + s.count, with: s) }
            let url = dir.appendingPathComponent("code\(code32 ? 32 : 16)-\(paths.count).bin")
            try Data(image).write(to: url)
            paths.append(url.path)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: objdump)
        p.arguments = ["-D", "-z", "-b", "binary", "-m", code32 ? "i386" : "i8086", "-M", "intel",
                       "--insn-width=16", "--adjust-vma=0x\(String(Self.base, radix: 16))"] + paths
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        var result = [(Int, String)](repeating: (-1, "(missing)"), count: seqs.count)
        var file = -1
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasSuffix("file format binary") { file += 1; continue }
            // "    1020:\t66 83 c0 05    \tadd    ax,0x5"
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard file >= 0, cols.count >= 3, cols[0].hasSuffix(":"),
                  let a = Int(cols[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16) else { continue }
            let off = a - Int(Self.base)
            guard off >= 0, off % Self.slot == 0 else { continue }
            let i = file * Self.perFile + off / Self.slot
            guard i < seqs.count else { continue }
            result[i] = (cols[1].split(separator: " ").count, cols[2...].joined(separator: "\t"))
        }
        return result
    }

    static func normalise(_ s: String) -> String {
        var t = s.lowercased()
        if let lt = t.range(of: " <") { t = String(t[..<lt.lowerBound]) }
        return t.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    func run(objdump: String) throws -> Report {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pcemu-disasm-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let dis = Disassembler(model: .p6)
        let decoder = Decoder(model: .p6)
        defer { decoder.deallocate() }
        var r = Report()
        for code32 in [false, true] {
            let seqs = sequences(code32: code32)
            let theirs = try objdumpRead(seqs, code32: code32, objdump: objdump, dir: dir)
            for (i, s) in seqs.enumerated() {
                let ours = dis.instruction(s, at: Self.address(i), code32: code32)
                let (tlen, ttext) = theirs[i]
                if tlen < 0 { r.missing += 1 }
                let a = Self.normalise(ours.text), b = Self.normalise(ttext)
                r.total += 1
                let hex = s.prefix(max(ours.length, tlen, 1)).map { String(format: "%02x", $0) }.joined(separator: " ")
                let example = "\(code32 ? "32" : "16"): \(hex) ours=\"\(a)\" objdump=\"\(b)\""
                if a == b { r.textAgree += 1 }
                if ours.accepted {
                    r.accepted += 1
                    if a == b { r.acceptedTextAgree += 1 }
                    if let cls = exclusion(s, ours, code32: code32, decoder: decoder, objdumpLength: tlen) {
                        r.excluded[cls, default: 0] += 1
                    } else {
                        r.lengthCompared += 1
                        if tlen == ours.length { r.lengthAgree += 1 } else { r.lengthMismatches.append(example) }
                    }
                }
                if a != b {
                    let key = (ours.accepted ? "" : "[#UD] ") + classify(a, b)
                    let old = r.classes[key] ?? (0, example)
                    r.classes[key] = (old.0 + 1, old.1)
                }
            }
        }
        return r
    }

    /// The documented classes where objdump's length is not the CPU's (see the suite's comment).
    func exclusion(_ s: [UInt8], _ ours: Disassembly, code32: Bool, decoder: Decoder, objdumpLength: Int) -> String? {
        var tooLong = false
        let ins = s.withUnsafeBufferPointer { decoder.decode($0.baseAddress!, avail: $0.count, code32: code32, tooLong: &tooLong) }
        if ins.op == 0x9B && objdumpLength > ours.length { return "fwait fused by objdump" }
        if (0x120...0x126).contains(ins.op) && ins.modrm >> 6 != 3 { return "MOV CR/DR/TR with mod!=3" }
        if (ins.op == 0x1BC || ins.op == 0x1BD) && ins.prefixes & (Prefix.rep | Prefix.repne) != 0 {
            return "F2/F3 0F BC/BD (later TZCNT/LZCNT)"
        }
        return nil
    }

    /// A short name for a disagreement: the mnemonics (with prefixes) on both sides, or
    /// which operand differs when the mnemonics agree.
    func classify(_ a: String, _ b: String) -> String {
        func split(_ s: String) -> (String, [String]) {
            let words = s.split(separator: " ")
            let prefixWords: Set<Substring> = ["es", "cs", "ss", "ds", "fs", "gs", "data16", "data32", "addr16",
                                               "addr32", "lock", "rep", "repz", "repnz", "bnd", "notrack"]
            var head: [Substring] = []
            var i = 0
            while i < words.count && prefixWords.contains(words[i]) { head.append(words[i]); i += 1 }
            if i < words.count { head.append(words[i]); i += 1 }
            let ops = words[i...].joined(separator: " ").split(separator: ",").map(String.init)
            return (head.joined(separator: " "), ops)
        }
        let (ma, oa) = split(a), (mb, ob) = split(b)
        if ma != mb { return "mnemonic: \(ma) / \(mb)" }
        return "operands of \(ma): \(oa.map(Self.shape)) / \(ob.map(Self.shape))"
    }

    /// An operand with its numbers blanked, to group differences by form.
    static func shape(_ s: String) -> String {
        var out = ""
        var it = s.makeIterator()
        var last: Character = " "
        while let c = it.next() {
            if c.isHexDigit && (last == "x" || last == "#") { last = "#"; continue }
            if last == "#" { out.append("#") }
            out.append(c); last = c
        }
        if last == "#" { out.append("#") }
        return out
    }
}

/// Deterministic generator (SplitMix64), so every run sees the same sequences.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
