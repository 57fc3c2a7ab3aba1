import CPUInterpreter
import Foundation

/// Runs SingleStepTests real-mode vectors (see ../shared/conformance/singlestep/80286/README.md):
/// load INIT registers and RAM, execute until the HLT that ends each test, compare with FINA
/// under the flag masks of metadata.json.
public final class SingleStepRunner {
    public struct FileResult: Sendable {
        public let name: String
        public let passed: Int
        public let total: Int
        /// Human-readable reports of failing tests (only when verbose).
        public let failures: [String]
        /// Test names that failed, for summaries.
        public let failedNames: [String]
        /// Failing tests by the kind of difference.
        public let differences: [Difference: Int]
    }

    /// Why a test failed, for the 286-vs-386 comparison (README of the vectors).
    public enum Difference: String, Sendable {
        case lockPrefix = "LOCK prefix on a non-lockable form or register operand: #UD on the 386 and later, executed on the 286"
        case flagsBits12to15 = "FLAGS bits 12-15 in real mode: the 386 keeps IOPL/NT set by POPF/IRET, the 286 forces them to 0"
        case instructionLength = "instruction longer than 10 bytes: #GP on the 286, legal up to 15 bytes on the 386"
        case stackSegmentFault = "segment-limit violation on the stack at offset FFFFh: #SS on the 386, #GP on the 286 in real mode"
        case faultSideEffects = "registers updated before a fault: the 286 advances SI/DI/CX/SP of a faulting instruction, the 386 does not"
        case newSegmentRegisters = "FS and GS: MOV to/from segment registers 4 and 5 is #UD on the 286, valid on the 386"
        case other = "other"
    }

    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    public let model: CPUModel
    public let verbose: Bool
    private let memory: FlatMemory
    private let cpu: CPU
    private let metadata: [String: Any]
    /// The first fault of the running test (the handler's code may raise more).
    private var firstFault: Fault?

    public init(directory: String, model: CPUModel, verbose: Bool = false) throws(SetupError) {
        self.model = model
        self.verbose = verbose
        memory = FlatMemory(size: 17 << 20)
        cpu = CPU(model: model, memory: memory)
        let metaPath = (directory as NSString).appendingPathComponent("metadata.json")
        guard let data = FileManager.default.contents(atPath: metaPath) else {
            throw SetupError(description: "\(metaPath): missing or unreadable (the flag masks live there)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let ops = json["opcodes"] as? [String: Any] else {
            throw SetupError(description: "\(metaPath): not valid SingleStepTests metadata JSON")
        }
        metadata = ops
        cpu.faultObserver = { [unowned self] f, _, _ in if self.firstFault == nil { self.firstFault = f } }
    }

    /// The *.MOO / *.MOO.gz files of a directory, sorted.
    public static func vectorFiles(in directory: String) throws(SetupError) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw SetupError(description: "\(directory): no such directory")
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw SetupError(description: "\(directory): cannot list directory")
        }
        return names.filter { $0.hasSuffix(".MOO") || $0.hasSuffix(".MOO.gz") }.sorted()
    }

    /// "80.0.MOO.gz" → ("80", "0"); "F4.MOO" → ("F4", nil).
    static func opcodeKey(_ file: String) -> (String, String?) {
        var base = file
        if base.hasSuffix(".gz") { base.removeLast(3) }
        if base.hasSuffix(".MOO") { base.removeLast(4) }
        let parts = base.split(separator: ".").map(String.init)
        return (parts[0].uppercased(), parts.count > 1 ? parts[1] : nil)
    }

    func flagsMask(_ file: String) -> UInt16 {
        let (op, reg) = Self.opcodeKey(file)
        guard let entry = metadata[op] as? [String: Any] else { return 0xFFFF }
        if let reg, let regs = entry["reg"] as? [String: Any], let r = regs[reg] as? [String: Any],
           let m = r["flags-mask"] as? Int {
            return UInt16(truncatingIfNeeded: m)
        }
        if let m = entry["flags-mask"] as? Int { return UInt16(truncatingIfNeeded: m) }
        return 0xFFFF
    }

    public func run(path: String) throws -> FileResult {
        let name = (path as NSString).lastPathComponent
        let bytes = try GzipFile.read(path)
        let file = try MooFile(bytes: bytes, name: name)
        let mask = flagsMask(name)
        var passed = 0
        var failures: [String] = []
        var failedNames: [String] = []
        var differences: [Difference: Int] = [:]
        for t in file.tests {
            if let (kind, report) = runTest(t, flagsMask: mask) {
                failedNames.append("#\(t.index) \(t.name)")
                differences[kind, default: 0] += 1
                if verbose {
                    failures.append("\(name) test #\(t.index) \"\(t.name)\" bytes \(hex(t.bytes)) [\(kind == .other ? "unexplained" : kind.rawValue)]\n\(report)")
                }
            } else {
                passed += 1
            }
        }
        return FileResult(name: name, passed: passed, total: file.tests.count, failures: failures,
                          failedNames: failedNames, differences: differences)
    }

    private let segmentOrder: [(MooRegister, Int)] = [(.cs, Seg.cs), (.ss, Seg.ss), (.ds, Seg.ds), (.es, Seg.es)]
    private let generalOrder: [(MooRegister, Int)] = [(.ax, Reg.eax), (.bx, Reg.ebx), (.cx, Reg.ecx), (.dx, Reg.edx),
                                                     (.sp, Reg.esp), (.bp, Reg.ebp), (.si, Reg.esi), (.di, Reg.edi)]

    /// Runs one test; nil when it passes, else the kind of difference and a report.
    func runTest(_ t: MooTest, flagsMask: UInt16) -> (Difference, String)? {
        cpu.reset()
        firstFault = nil
        let ram = memory.bytes
        for (a, v) in t.initial.ram where Int(a) < memory.size { ram[Int(a)] = v }
        invalidate(t.initial.ram)
        let initial = t.initial.registers
        for (r, i) in generalOrder { cpu.setReg32(i, UInt32(initial[r.rawValue] ?? 0)) }
        for (r, s) in segmentOrder { cpu.setRealModeSegment(s, initial[r.rawValue] ?? 0) }
        // FLAGS bits 12-15 cannot be set in real mode on the recording 286 (README, step 2).
        let initialFlags = (initial[MooRegister.flags.rawValue] ?? 0) & 0x0FFF
        cpu.eflags = UInt32(initialFlags)
        cpu.eip = UInt32(initial[MooRegister.ip.rawValue] ?? 0)

        var steps = 0
        while !cpu.halted && !cpu.shutdown && steps < 256 {
            cpu.step()
            steps += 1
        }

        var diffs: [String] = []
        var onlyHighFlags = true      // every difference lies in FLAGS bits 12-15
        var onlyIndexRegisters = true // every difference is SI/DI/CX/SP or the frame below
        if !cpu.halted { diffs.append(cpu.shutdown ? "CPU shut down (triple fault)" : "did not reach HLT in 256 instructions") }
        for r in MooRegister.allCases {
            var expected = t.final.registers[r.rawValue] ?? initial[r.rawValue] ?? 0
            var actual = actualRegister(r)
            if r == .flags {
                if t.final.registers[r.rawValue] == nil { expected = initialFlags }
                expected &= flagsMask; actual &= flagsMask
            }
            if expected != actual {
                diffs.append("  \(r.name): expected \(hex16(expected)) got \(hex16(actual))")
                if !(r == .flags && (expected ^ actual) & 0x0FFF == 0) { onlyHighFlags = false }
                if ![.si, .di, .cx, .sp].contains(r) { onlyIndexRegisters = false }
            }
        }
        // The pushed FLAGS word of an exception frame gets the flag mask too. The recorded
        // address is word-aligned; with an odd SP the word sits one byte higher, at the top
        // of the 6-byte frame, so take the highest written byte next to it as the high byte.
        var flagsHigh: UInt32? = nil
        if let e = t.exception {
            let written = Set(t.final.ram.map(\.address))
            flagsHigh = written.contains(e.flagsAddress &+ 2) && !written.contains(e.flagsAddress &- 5)
                ? e.flagsAddress &+ 2 : e.flagsAddress &+ 1
        }
        for (a, v) in t.final.ram {
            var expected = v
            var actual = Int(a) < memory.size ? ram[Int(a)] : 0xFF
            if let high = flagsHigh {
                if a == high &- 1 { expected &= UInt8(flagsMask & 0xFF); actual &= UInt8(flagsMask & 0xFF) }
                if a == high { expected &= UInt8(flagsMask >> 8); actual &= UInt8(flagsMask >> 8) }
            }
            if expected != actual {
                diffs.append("  mem[\(String(a, radix: 16, uppercase: true))]: expected \(hex8(expected)) got \(hex8(actual))")
                if (expected ^ actual) & 0x0F != 0 { onlyHighFlags = false }
                if t.exception == nil { onlyIndexRegisters = false }
            }
        }
        // Leave memory clean for the next test.
        for (a, _) in t.initial.ram where Int(a) < memory.size { ram[Int(a)] = 0 }
        for (a, _) in t.final.ram where Int(a) < memory.size { ram[Int(a)] = 0 }
        invalidate(t.final.ram)
        if diffs.isEmpty { return nil }
        let kind = classify(t, onlyHighFlags: onlyHighFlags, onlyIndexRegisters: onlyIndexRegisters)
        guard verbose else { return (kind, "") }
        var lines = ["  initial: " + MooRegister.allCases.map { "\($0.name)=\(hex16(initial[$0.rawValue] ?? 0))" }.joined(separator: " ")]
        lines.append("  initial RAM: " + t.initial.ram.map { "\(String($0.address, radix: 16, uppercase: true))=\(hex8($0.value))" }.joined(separator: " "))
        if let f = firstFault { lines.append("  pcemu raised \(f.mnemonic)") }
        if let e = t.exception { lines.append("  recorded CPU took exception \(e.vector)") }
        lines.append(contentsOf: diffs)
        return (kind, lines.joined(separator: "\n"))
    }

    /// Names the known 286-versus-later difference a failure comes from, if any.
    private func classify(_ t: MooTest, onlyHighFlags: Bool, onlyIndexRegisters: Bool) -> Difference {
        guard model != .i286 else { return .other }
        let prefixes = t.bytes.prefix { [0x26, 0x2E, 0x36, 0x3E, 0xF0, 0xF1, 0xF2, 0xF3].contains($0) }
        if prefixes.contains(0xF0) || prefixes.contains(0xF1) { return .lockPrefix }
        if t.bytes.count - 1 > 10 { return .instructionLength }
        if t.exception?.vector == 13 && firstFault?.vector == 12 { return .stackSegmentFault }
        if t.exception?.vector == 6, t.bytes.contains(where: { $0 == 0x8C || $0 == 0x8E }),
           let modrm = t.bytes.firstIndex(where: { $0 == 0x8C || $0 == 0x8E }).map({ t.bytes[$0 + 1] }),
           (modrm >> 3) & 7 == 4 || (modrm >> 3) & 7 == 5 { return .newSegmentRegisters }
        if onlyHighFlags { return .flagsBits12to15 }
        if t.exception != nil && onlyIndexRegisters { return .faultSideEffects }
        return .other
    }

    private func invalidate(_ ram: [(address: UInt32, value: UInt8)]) {
        var lastPage: UInt32 = 0xFFFF_FFFF
        for (a, _) in ram where a >> 12 != lastPage {
            lastPage = a >> 12
            cpu.physicalMemoryChanged(from: a & ~0xFFF, count: 4096)
        }
    }

    private func actualRegister(_ r: MooRegister) -> UInt16 {
        switch r {
        case .ax: return cpu.reg16(Reg.eax)
        case .bx: return cpu.reg16(Reg.ebx)
        case .cx: return cpu.reg16(Reg.ecx)
        case .dx: return cpu.reg16(Reg.edx)
        case .cs: return cpu.segSelector[Seg.cs]
        case .ss: return cpu.segSelector[Seg.ss]
        case .ds: return cpu.segSelector[Seg.ds]
        case .es: return cpu.segSelector[Seg.es]
        case .sp: return cpu.reg16(Reg.esp)
        case .bp: return cpu.reg16(Reg.ebp)
        case .si: return cpu.reg16(Reg.esi)
        case .di: return cpu.reg16(Reg.edi)
        case .ip: return UInt16(truncatingIfNeeded: cpu.eip)
        case .flags: return UInt16(truncatingIfNeeded: cpu.eflags)
        }
    }
}

func hex16(_ v: UInt16) -> String { let s = String(v, radix: 16, uppercase: true); return String(repeating: "0", count: 4 - s.count) + s }
func hex8(_ v: UInt8) -> String { let s = String(v, radix: 16, uppercase: true); return s.count == 1 ? "0" + s : s }
func hex(_ b: [UInt8]) -> String { b.map(hex8).joined(separator: " ") }
