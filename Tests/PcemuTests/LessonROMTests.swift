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
}
