import Foundation
import Testing
import CPUInterpreter

/// The lesson ROMs (testroms/lessons/NN-name.asm, docs/lessons/NN-name.md): each prints one
/// PASS/FAIL line per check on port 0xE9 and a DONE line; every check passes on each CPU
/// model, and the ten lessons together make every protection rule both pass and fail.
@Suite struct LessonROMTests {
    static let root = TestROMTests.root
    static let directory = root.appendingPathComponent("testroms/lessons")

    /// The lesson ROMs, from the directory: "01-protected-mode" ... "10-virtualization".
    static let lessons: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".asm") }.map { String($0.dropLast(4)) }.sorted()
    }()

    static func path(_ lesson: String) -> String { directory.appendingPathComponent("\(lesson).bin").path }

    @Test func thereAreTenLessonsEachWithADocPage() {
        #expect(Self.lessons.count == 10, "\(Self.lessons)")
        for (k, lesson) in Self.lessons.enumerated() {
            #expect(lesson.hasPrefix(String(format: "%02d-", k + 1)), "lesson \(k + 1) is \(lesson)")
            let doc = Self.root.appendingPathComponent("docs/lessons/\(lesson).md").path
            #expect(FileManager.default.fileExists(atPath: doc), "missing \(doc)")
        }
    }

    @Test(arguments: lessons, ["386", "486", "pentium"])
    func lessonVerdictsPass(lesson: String, cpu: String) throws {
        let r = try CommandLineTests.run(["--bios", Self.path(lesson), "--cpu", cpu, "--no-reboot", "--max-cycles", "100000000"])
        let lines = r.stdout.split(separator: "\n")
        let fails = lines.filter { $0.hasPrefix("FAIL") }
        #expect(fails.isEmpty, "\(lesson) on \(cpu):\n\(fails.joined(separator: "\n"))")
        let passes = lines.filter { $0.hasPrefix("PASS") }.count
        let done = lines.first { $0.hasPrefix("DONE") }
        #expect(done == "DONE \(passes) passed 0 failed", "\(lesson) on \(cpu): \(done.map(String.init) ?? "no DONE line")\n\(r.stderr)")
        #expect(passes >= 9, "\(lesson) on \(cpu): only \(passes) checks")
        #expect(r.status == 0, "\(lesson) on \(cpu): exit status \(r.status)\n\(r.stderr)")
    }

    /// A lesson's verdicts are real: a ROM whose expected value is patched reports FAIL and
    /// exits with status 1 (lesson 1 checks the byte it wrote through 1234:0005).
    @Test func aWrongExpectationFails() throws {
        var image = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("01-protected-mode"))))
        // "cmp al, 5Ah" (3C 5A) right after the read through 1000:2345: expect 5Bh instead.
        guard let k = (0..<image.count - 1).first(where: { image[$0] == 0x3C && image[$0 + 1] == 0x5A }) else {
            Issue.record("cmp al, 5Ah not found in lesson 1"); return
        }
        image[k + 1] = 0x5B
        let patched = FileManager.default.temporaryDirectory.appendingPathComponent("lesson1-\(UUID().uuidString).bin")
        try Data(image).write(to: patched)
        defer { try? FileManager.default.removeItem(at: patched) }
        let r = try CommandLineTests.run(["--bios", patched.path, "--no-reboot"])
        #expect(r.stdout.contains("FAIL real-mode-1234:0005-and-1000:2345-are-one-byte"))
        #expect(r.stdout.contains("DONE 8 passed 1 failed"))
        #expect(r.status == 1)
    }

    /// Rule tallies (`--rule-summary`) of the given ROMs, merged: rule -> (passed, failed).
    static func tally(_ paths: [String]) throws -> [String: (passed: Int, failed: Int)] {
        var counts: [String: (passed: Int, failed: Int)] = [:]
        for path in paths {
            let r = try CommandLineTests.run(["--bios", path, "--cpu", "pentium", "--no-reboot", "--debugcon", "none", "--rule-summary"])
            for line in r.stdout.split(separator: "\n") {
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count == 5, f[1] == "passed", f[3] == "failed", Rule(rawValue: String(f[0])) != nil,
                      let p = Int(f[2]), let q = Int(f[4]) else { continue }
                let old = counts[String(f[0])] ?? (0, 0)
                counts[String(f[0])] = (old.passed + p, old.failed + q)
            }
        }
        return counts
    }

    /// The lessons alone make every rule the CPU can report both pass and fail.
    @Test func everyRulePassesAndFailsInTheLessons() throws {
        let counts = try Self.tally(Self.lessons.map(Self.path))
        let all = Rule.allCases.map(\.rawValue)
        let neverPassed = all.filter { (counts[$0]?.passed ?? 0) == 0 }
        let neverFailed = all.filter { (counts[$0]?.failed ?? 0) == 0 }
        #expect(neverPassed.isEmpty, "rules no lesson makes pass: \(neverPassed)")
        #expect(neverFailed.isEmpty, "rules no lesson makes fail: \(neverFailed)")
    }

    /// Names that name an I/O instruction name the one that runs (lesson 7 and pm-io): a check
    /// called "...-in-..." executes IN and no OUT (its own lines, and the ring-3 code RUN_R3
    /// starts, up to INT EXIT_VEC), "...-out-..." OUT and no IN; a mark "..._in_..." or
    /// "..._out_..." labels an IN or OUT instruction.
    @Test func ioCheckAndMarkNamesSayWhichInstructionRuns() throws {
        func ioKinds(_ line: String) -> Set<String> {
            var kinds = Set<String>()
            for w in line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
                if ["in", "insb", "insw", "insd"].contains(w) { kinds.insert("in") }
                if ["out", "outsb", "outsw", "outsd"].contains(w) { kinds.insert("out") }
            }
            return kinds
        }
        func named(_ name: String, _ separator: Character) -> Set<String> {
            Set(name.split(separator: separator).map(String.init)).intersection(["in", "out"])
        }
        var checked = 0
        for file in ["testroms/lessons/07-io-permission.asm", "testroms/pm-io.asm"] {
            let source = try String(contentsOf: TestROMTests.root.appendingPathComponent(file), encoding: .utf8)
            let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map {
                String($0.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces)
            }
            func code(from label: String) -> [String] {
                guard let start = lines.firstIndex(of: label + ":") else { return [] }
                let rest = lines[(start + 1)...]
                let end = rest.firstIndex { $0.hasPrefix("int") && $0.contains("EXIT_VEC") } ?? rest.endIndex
                return Array(rest[..<end])
            }
            for (k, line) in lines.enumerated() {
                if line.hasPrefix("TEST"), let name = line.split(separator: "\"").dropFirst().first {
                    let expected = named(String(name), "-")
                    guard !expected.isEmpty else { continue }
                    let region = lines[(k + 1)...].prefix { !$0.hasPrefix("TEST") && !$0.hasPrefix("FINISH") }
                    var ran = Set<String>()
                    for l in region {
                        ran.formUnion(ioKinds(l))
                        if l.hasPrefix("RUN_R3"), let target = l.split(separator: " ").last {
                            for c in code(from: String(target)) { ran.formUnion(ioKinds(c)) }
                        }
                    }
                    #expect(ran == expected, "\(file): check \"\(name)\" runs \(ran.sorted()), not \(expected.sorted())")
                    checked += 1
                } else if line.hasSuffix(":"), !line.contains(" ") {
                    let expected = named(String(line.dropLast()), "_")
                    guard !expected.isEmpty else { continue }
                    let next = lines[(k + 1)...].first { !$0.isEmpty && !$0.hasSuffix(":") } ?? ""
                    #expect(ioKinds(next) == expected, "\(file): mark \(line) labels '\(next)'")
                    checked += 1
                }
            }
        }
        #expect(checked >= 20, "only \(checked) names checked")
    }
}
