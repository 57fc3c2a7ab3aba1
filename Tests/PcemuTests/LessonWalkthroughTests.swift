import Foundation
import Testing
import CPUInterpreter

/// `pcemu lesson N`: each lesson's walk-through (testroms/lessons/NN-name.dbg, run by the
/// debugger on the embedded ROM) prints a transcript that must match its golden file, which
/// was read through as a student would (Golden/lessons/NN-name.txt; on a mismatch the new
/// transcript is written beside it as `.actual`). The scripts' marks must name the addresses
/// of the labels they claim, every lesson makes the rules it lists both pass and fail, and
/// the list and bad arguments behave.
@Suite struct LessonWalkthroughTests {
    static let lessons = LessonROMTests.lessons
    /// Every lesson has a walk-through whose transcript was read through and committed.
    static let walkthroughs = lessons
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/lessons")

    /// Runs pcemu with `input` on its standard input (nothing: /dev/null, so that a test run
    /// from a terminal does not make `pcemu lesson` stop at the prompt).
    static func run(_ args: [String], input: String? = nil, stdin: FileHandle? = nil) throws -> CommandLineTests.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        p.arguments = args
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = stdin ?? (input == nil ? FileHandle.nullDevice : inPipe)
        try p.run()
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try inPipe.fileHandleForWriting.close()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CommandLineTests.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                                       stderr: String(decoding: e, as: UTF8.self))
    }

    static func expected(_ lesson: String) throws -> String {
        try String(contentsOf: golden.appendingPathComponent("\(lesson).txt"), encoding: .utf8)
    }

    @Test(arguments: walkthroughs)
    func walkthroughMatchesItsGoldenTranscript(lesson: String) throws {
        let number = Int(lesson.prefix(2))!
        let r = try Self.run(["lesson", String(number)])
        #expect(r.status == 0, "\(lesson): exit status \(r.status)\n\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The ROM's own verdicts, printed while the script runs, all pass ...
        let passes = lines.filter { $0.hasPrefix("PASS ") }.count
        #expect(lines.contains("DONE \(passes) passed 0 failed"), "\(lesson): no clean DONE line")
        #expect(!lines.contains { $0.hasPrefix("FAIL ") }, "\(lesson): a verdict failed")
        // ... the script reaches its end only at its last command (an `until` to an address
        // that never comes would run the guest to the end early) ...
        let ends = lines.indices.filter { lines[$0].hasPrefix("the machine has ended") }
        #expect(ends.count == 1, "\(lesson): the machine ended \(ends.count) times in the transcript")
        #expect(ends.first.map { lines[($0 + 1)...].allSatisfy(\.isEmpty) } == true,
                "\(lesson): commands ran after the machine ended")
        // ... (its last command is that `continue`: --interactive stops before it) ...
        let script = try String(contentsOf: TestROMTests.root.appendingPathComponent("testroms/lessons/\(lesson).dbg"), encoding: .utf8)
        let commands = script.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        #expect(commands.last == "continue", "\(lesson).dbg ends with '\(commands.last ?? "")', not 'continue'")
        // ... and every command was understood.
        #expect(!lines.contains { $0.hasPrefix("error:") }, "\(lesson): \(lines.filter { $0.hasPrefix("error:") })")
        let file = Self.golden.appendingPathComponent("\(lesson).txt")
        let expected = try Self.expected(lesson)
        if r.stdout != expected {
            try r.stdout.write(to: file.appendingPathExtension("actual"), atomically: true, encoding: .utf8)
        }
        #expect(r.stdout == expected, "transcript differs; see Golden/lessons/\(lesson).txt.actual")
        // The files in testroms/lessons, run with --debug-script, give the same transcript as
        // the copies built into pcemu.
        let dir = TestROMTests.root.appendingPathComponent("testroms/lessons")
        let direct = try Self.run(["--bios", dir.appendingPathComponent("\(lesson).bin").path, "--cpu", "pentium", "--headless",
                                   "--debug-script", dir.appendingPathComponent("\(lesson).dbg").path])
        #expect(direct.status == 0)
        #expect(direct.stdout == r.stdout, "\(lesson): --debug-script on the files differs from `pcemu lesson \(number)`")
    }

    /// "# at LABEL" before a command names the label whose address the command uses; the
    /// addresses are checked against a NASM symbol map of the lesson's source.
    @Test(arguments: walkthroughs)
    func marksNameTheirLabels(lesson: String) throws {
        let dir = TestROMTests.root.appendingPathComponent("testroms")
        let map = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-\(UUID().uuidString).map")
        defer { try? FileManager.default.removeItem(at: map) }
        let nasm = Process()
        nasm.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        nasm.currentDirectoryURL = dir
        nasm.arguments = ["nasm", "--before", "[map symbols \(map.path)]", "-i", "lessons/", "-f", "bin",
                          "-o", "/dev/null", "lessons/\(lesson).asm"]
        try nasm.run()
        nasm.waitUntilExit()
        try #require(nasm.terminationStatus == 0, "nasm failed on \(lesson).asm (is nasm installed?)")
        var labels: [String: UInt32] = [:]
        for line in try String(contentsOf: map, encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.count == 3, let real = UInt32(f[0], radix: 16), UInt32(f[1], radix: 16) == real { labels[String(f[2])] = real }
        }
        let script = try String(contentsOf: dir.appendingPathComponent("lessons/\(lesson).dbg"), encoding: .utf8)
        let lines = script.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var checked = 0
        for (k, line) in lines.enumerated() {
            let words = line.split(separator: " ")
            // Every until/break at a ROM address must say which mark it is.
            if ["until", "break", "b"].contains(words.first.map(String.init) ?? ""), words.count >= 2,
               let a = UInt32(words[1].dropFirst(2), radix: 16), words[1].hasPrefix("0x"), (0xF0000...0xFFFFF).contains(a) {
                let comment = k > 0 ? lines[k - 1] : ""
                #expect(comment.hasPrefix("# at "), "\(lesson).dbg line \(k + 1): '\(line)' has no '# at LABEL' before it")
            }
            guard line.hasPrefix("# at "), k + 1 < lines.count else { continue }
            let label = String(line.dropFirst(5))
            guard let address = labels[label] else {
                Issue.record("\(lesson).dbg line \(k + 1): no label '\(label)' in \(lesson).asm"); continue
            }
            let hex = "0x" + String(address, radix: 16, uppercase: true)
            #expect(lines[k + 1].split(separator: " ").contains { $0.uppercased() == hex.uppercased() },
                    "\(lesson).dbg line \(k + 2): '\(lines[k + 1])' should use \(label) = \(hex)")
            checked += 1
        }
        #expect(checked >= 5, "\(lesson).dbg names only \(checked) marks")
    }

    /// `pcemu lesson` lists the ten lessons: number and title (the first line of the lesson's
    /// page), what it teaches, its page and rules; each lesson makes each rule it lists both
    /// pass and fail (rule tallies of its ROM), and its walk-through shows each one fail.
    @Test func listNamesEveryLessonAndItsRules() throws {
        let r = try Self.run(["lesson"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for (k, lesson) in Self.lessons.enumerated() {
            guard let i = lines.firstIndex(where: { $0.hasPrefix(String(format: "%2d  ", k + 1)) }), i + 2 < lines.count else {
                Issue.record("lesson \(k + 1) is not listed"); continue
            }
            let page = try String(contentsOf: TestROMTests.root.appendingPathComponent("docs/lessons/\(lesson).md"), encoding: .utf8)
            let heading = page.split(separator: "\n").first.map(String.init) ?? ""
            let title = String(lines[i].dropFirst(4))
            #expect(heading.hasSuffix(title) || heading.hasSuffix(title.components(separatedBy: " (").first ?? title),
                    "lesson \(k + 1): listed as '\(title)', its page says '\(heading)'")
            #expect(lines[i + 1].hasPrefix("    ") && lines[i + 1].count > 20, "lesson \(k + 1): no line on what it teaches")
            let detail = lines[i + 2].trimmingCharacters(in: .whitespaces)
            #expect(detail.hasPrefix("docs/lessons/\(lesson).md"), "lesson \(k + 1): \(detail)")
            guard let rulesText = detail.components(separatedBy: "rules: ").last else { continue }
            let rules = rulesText.components(separatedBy: ", ")
            #expect(!rules.isEmpty)
            let tally = try LessonROMTests.tally([LessonROMTests.path(lesson)])
            let transcript = try Self.expected(lesson)
            for rule in rules {
                #expect(Rule(rawValue: rule) != nil, "lesson \(k + 1) lists an unknown rule '\(rule)'")
                #expect((tally[rule]?.passed ?? 0) > 0, "lesson \(k + 1): \(rule) never passes")
                #expect((tally[rule]?.failed ?? 0) > 0, "lesson \(k + 1): \(rule) never fails")
                // ... and the walk-through shows it failing, narrated by `explain on`.
                #expect(transcript.contains(" \(rule): FAIL -> "), "lesson \(k + 1): the walk-through never shows \(rule) fail")
            }
        }
    }

    /// `--interactive` (or a terminal on standard input): the walk-through runs up to its
    /// last `continue`, then the student's commands follow at the prompt, on the same paused
    /// machine; the student's `continue` gives the same end as the walk-through's.
    @Test func interactiveLeavesTheStudentAtThePrompt() throws {
        let lesson = Self.walkthroughs[0]
        let golden = try Self.expected(lesson)
        let r = try Self.run(["lesson", "1", "--interactive"], input: "print cpl\ncontinue\n")
        #expect(r.status == 0, "\(r.stderr)")
        let split = try #require(golden.range(of: "(pcemu) continue\n", options: .backwards))
        let walk = String(golden[..<split.lowerBound]), end = String(golden[split.upperBound...])
        #expect(r.stdout.hasPrefix(walk), "the walk-through part differs from the golden transcript")
        let rest = r.stdout.hasPrefix(walk) ? String(r.stdout.dropFirst(walk.count)) : ""
        let note = rest.components(separatedBy: "(pcemu) print cpl\n").first ?? ""
        #expect(note.contains("== The walk-through stops here; the guest is paused. =="))
        #expect(note.contains("testroms/lessons/\(lesson).dbg") && note.contains("docs/lessons/\(lesson).md"))
        #expect(!note.contains("PASS") && !note.contains("DONE"), "the guest ran on before the prompt")
        #expect(rest.contains("(pcemu) print cpl\n0x00000000 (0)\n(pcemu) continue\n"))
        #expect(rest.hasSuffix("(pcemu) continue\n" + end), "the student's continue ends differently:\n\(rest)")
    }

    /// On a terminal (standard input and output), `pcemu lesson N` stops at the prompt by
    /// itself: the prompt is shown, a typed command answers, `quit` leaves with the guest
    /// unfinished.
    @Test func aTerminalMeansInteractive() throws {
        let pty = try TerminalViewTests.openPTY(columns: 120, rows: 40)
        defer { close(pty.master) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        p.arguments = ["lesson", "4"]
        let tty = FileHandle(fileDescriptor: pty.slave, closeOnDealloc: false)
        p.standardInput = tty
        p.standardOutput = tty
        p.standardError = tty
        try p.run()
        close(pty.slave)
        let output = TerminalViewTests.TerminalOutput(master: pty.master)
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) }; p.waitUntilExit() }
        func type(_ s: String) { let b = Array(s.utf8); _ = b.withUnsafeBytes { write(pty.master, $0.baseAddress, $0.count) } }

        #expect(TerminalViewTests.eventually(30) { output.text.contains("the guest is paused") && output.text.hasSuffix("(pcemu) ") },
                "no prompt after the walk-through: \(output.text.suffix(400).debugDescription)")
        type("print cpl\n")
        #expect(TerminalViewTests.eventually(10) { output.text.contains("0x00000000 (0)\r\n(pcemu) ") },
                "no answer: \(output.text.suffix(400).debugDescription)")
        type("quit\n")
        #expect(TerminalViewTests.eventually(10) { !p.isRunning }, "pcemu did not end after quit")
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(!output.text.contains("DONE "), "the guest ran to its end")
    }

    /// A terminal on standard input but output into a pipe (`pcemu lesson 4 | less`): the
    /// walk-through runs to its end, exactly as in the golden transcript.
    @Test func outputIntoAPipeRunsToTheEnd() throws {
        let pty = try TerminalViewTests.openPTY(columns: 80, rows: 24)
        defer { close(pty.master) }
        let r = try Self.run(["lesson", "4"], stdin: FileHandle(fileDescriptor: pty.slave, closeOnDealloc: true))
        #expect(r.status == 0)
        #expect(r.stdout == (try Self.expected(Self.walkthroughs[3])))
    }

    @Test func verdictsOnlyAndBadArguments() throws {
        let v = try Self.run(["lesson", "7", "--verdicts"])
        #expect(v.status == 0)
        #expect(v.stdout.contains("ring 3 prints through port E9h"))
        #expect(v.stdout.contains(" passed 0 failed"))
        #expect(!v.stdout.contains("(pcemu)"))
        for n in ["11", "0"] {
            let bad = try Self.run(["lesson", n])
            #expect(bad.status == 64, "lesson \(n)")
            #expect(bad.stderr.contains("there are lessons 1 to 10"), "lesson \(n): \(bad.stderr)")
            #expect(bad.stdout.isEmpty)
        }
        let word = try Self.run(["lesson", "three"])
        #expect(word.status == 64)
        #expect(word.stderr.contains("three"), "\(word.stderr)")
        let both = try Self.run(["lesson", "1", "--interactive", "--verdicts"])
        #expect(both.status == 64)
        let old = try Self.run(["lesson", "1", "--cpu", "286"])
        #expect(old.status == 64)
        #expect(old.stderr.contains("32-bit CPU"))
    }
}
