import Foundation
import Testing

/// Debugger scripts (Golden/NAME.dbg) run against testroms/debug-demo.bin: the transcript
/// (each command echoed after the prompt, its output, the guest's port E9h text) must match
/// Golden/NAME.txt byte for byte. Each golden file was read through by hand when it was
/// made. On a mismatch the new transcript is written beside it as NAME.txt.actual.
@Suite struct ScriptGoldenTests {
    static let scripts = ["tour", "breakpoints", "inspect"]

    @Test(arguments: scripts)
    func transcriptMatchesTheGoldenFile(name: String) throws {
        let script = try String(contentsOf: DebuggerFixture.golden.appendingPathComponent("\(name).dbg"), encoding: .utf8)
        let goldenURL = DebuggerFixture.golden.appendingPathComponent("\(name).txt")
        let f = try DebuggerFixture()
        let out = f.run(script)
        let expected = (try? String(contentsOf: goldenURL, encoding: .utf8)) ?? ""
        if out != expected {
            try out.write(to: goldenURL.appendingPathExtension("actual"), atomically: true, encoding: .utf8)
        }
        #expect(out == expected, "transcript differs; see Golden/\(name).txt.actual")
    }

    /// The same script gives the same transcript twice (no times, no host addresses).
    @Test func transcriptsAreDeterministic() throws {
        let script = try String(contentsOf: DebuggerFixture.golden.appendingPathComponent("breakpoints.dbg"), encoding: .utf8)
        let a = try DebuggerFixture().run(script)
        let b = try DebuggerFixture().run(script)
        #expect(a == b)
        #expect(a.contains("watchpoint"))
    }
}
