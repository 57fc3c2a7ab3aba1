import Foundation
import Testing

/// `pcemu --debug-script FILE` and `pcemu --debug` with commands on standard input: the same
/// transcript as the in-process debugger tests (Tests/DebuggerTests/Golden), exit statuses,
/// and clear errors for a missing script.
@Suite struct DebugCommandLineTests {
    static let golden = ExplainGoldenTests.root.appendingPathComponent("Tests/DebuggerTests/Golden")
    static let rom = TestROMTests.path("debug-demo")

    @Test func scriptTranscriptMatchesTheGoldenFile() throws {
        let r = try CommandLineTests.run(["--bios", Self.rom, "--no-reboot", "--debug-script", Self.golden.appendingPathComponent("tour.dbg").path])
        let expected = try String(contentsOf: Self.golden.appendingPathComponent("tour.txt"), encoding: .utf8)
        #expect(r.stdout == expected)
        #expect(r.status == 0, "quit before the guest ended: status 0 (stopped)")
    }

    @Test func scriptThatRunsTheGuestToItsEndReturnsItsStatus() throws {
        let r = try CommandLineTests.run(["--bios", Self.rom, "--debug-script", Self.golden.appendingPathComponent("breakpoints.dbg").path])
        #expect(r.stdout.contains("the machine has ended: the guest exited (port 0xF4 value 0x10: success)"))
        #expect(r.status == 0)
    }

    @Test func commandsOnStandardInput() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        p.arguments = ["--bios", Self.rom, "--debug"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = Pipe()
        try p.run()
        input.fileHandleForWriting.write(Data("step 2\nregs\nquit\n".utf8))
        try input.fileHandleForWriting.close()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(out.hasPrefix("(pcemu) step 2\n   F000:FFF0 [FFFFFFF0]  EA 00 00 00 F0"))
        #expect(out.contains("(pcemu) regs\nEAX=00000000"))
        #expect(out.hasSuffix("(pcemu) quit\n"))
        #expect(p.terminationStatus == 0)
    }

    @Test func missingScriptIsAClearError() throws {
        let r = try CommandLineTests.run(["--bios", Self.rom, "--debug-script", "/nonexistent/walk.dbg"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("--debug-script '/nonexistent/walk.dbg': cannot read the file"))
    }
}
