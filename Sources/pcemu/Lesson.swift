import ArgumentParser
import CPUInterpreter
import Foundation
import ROMImages

/// `pcemu lesson`: lists the lessons; `pcemu lesson N` boots lesson N's ROM into the debugger
/// and runs its walk-through script (docs/lessons).
struct Lesson: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the lessons on x86 protection, or take one: boot its ROM into the debugger and run its walk-through.",
        discussion: """
            Each lesson has a page to read beside it in docs/lessons/. In a terminal the walk-through \
            stops before its last `continue` and leaves you at the (pcemu) prompt; piped or \
            redirected (pcemu lesson 3 | less) it runs to the end.
            """)

    @Argument(help: "The lesson to take (1-\(Lessons.all.count)); without it, the list.")
    var number: Int?

    @ArgumentParser.Flag(help: "After the walk-through, stop at the debugger prompt with the guest paused before its last stretch (the default on a terminal).")
    var interactive = false

    @ArgumentParser.Flag(help: "Run the lesson's ROM without the debugger and print only its verdicts.")
    var verdicts = false

    @Option(help: "CPU model: 286, 386, 486, pentium or p6 (the lessons need a 386 or later; 8 uses CR0.WP and INVLPG of the 486).")
    var cpu: CPUModel = .pentium

    mutating func validate() throws {
        if let n = number, !(1...Lessons.all.count).contains(n) {
            throw ValidationError("there are lessons 1 to \(Lessons.all.count) (got \(n)); `pcemu lesson` lists them")
        }
        if interactive && verdicts {
            throw ValidationError("--interactive and --verdicts exclude each other")
        }
        if cpu == .i286 {
            throw ValidationError("the lessons need a 32-bit CPU: --cpu 386 or later")
        }
    }

    func run() throws {
        guard let number else {
            print(Self.listing())
            return
        }
        let info = Lessons.all[number - 1]
        var size = 0
        guard let image = pcemu_lesson_rom(Int32(number), &size), let script = pcemu_lesson_script(Int32(number)) else {
            throw fail("lesson \(number) is not built into this pcemu", status: ExitStatus.noInput)
        }
        // The machine reads the ROM and the script from files: write the embedded ones to a
        // private temporary directory for the run.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pcemu-lesson-\(getpid())-\(number)")
        try? FileManager.default.removeItem(at: dir)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(bytes: image, count: size).write(to: dir.appendingPathComponent("\(info.slug).bin"))
        } catch {
            throw fail("cannot write the lesson to \(dir.path): \(error.localizedDescription)", status: ExitStatus.noInput)
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        var arguments = ["--bios", dir.appendingPathComponent("\(info.slug).bin").path, "--cpu", cpu.rawValue, "--headless"]
        if !verdicts {
            // At a terminal (both ends: `pcemu lesson 3 | less` wants the whole walk-through).
            let atPrompt = interactive || (isatty(0) != 0 && isatty(1) != 0)
            let text = atPrompt ? Self.leadingToPrompt(String(cString: script), info) : String(cString: script)
            let path = dir.appendingPathComponent("\(info.slug).dbg")
            do { try Data(text.utf8).write(to: path) } catch {
                throw fail("cannot write the lesson to \(dir.path): \(error.localizedDescription)", status: ExitStatus.noInput)
            }
            arguments += ["--debug-script", path.path] + (atPrompt ? ["--debug"] : [])
        }
        let run = try Run.parse(arguments)
        try run.run()
    }

    /// The walk-through for a student who stays at the prompt: without its final `continue`
    /// (which would run the guest to its end), and with a note on what to do next.
    static func leadingToPrompt(_ script: String, _ info: LessonInfo) -> String {
        var lines = script.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        if let last = lines.last?.trimmingCharacters(in: .whitespaces), last == "continue" || last == "c" { lines.removeLast() }
        lines += ["echo", "echo == The walk-through stops here; the guest is paused. ==",
                  "echo `continue` runs the rest of lesson \(info.number), `help` lists the commands, `quit` ends.",
                  "echo The commands above are in \(info.script); \(info.page) has the questions."]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The list `pcemu lesson` prints: number, title, page, and the rules each lesson makes
    /// both pass and fail.
    static func listing() -> String {
        var lines = ["Lessons on x86 protection (pcemu lesson N takes one; docs/lessons/README.md):", ""]
        for l in Lessons.all {
            let n = l.number < 10 ? " \(l.number)" : "\(l.number)"
            lines.append("\(n)  \(l.title)")
            lines.append("    \(l.teaches)")
            lines.append("    \(l.page)   rules: \(l.rules.map(\.rawValue).joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}
