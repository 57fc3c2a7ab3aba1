import Foundation
import Testing

/// `pcemu --explain` on a ring-3 program that calls ring 0 through a call gate and then
/// trips a DPL-0 gate: the narrated transcript must match the golden file, which was read
/// through once by hand (every check names its rule, its SDM source and the values compared;
/// the last call-gate check fails with #GP(0x0038) and the #GP delivery is narrated: the
/// error code decoded, the IDT gate, the stack switch from the TSS, every value pushed).
/// On a mismatch the new transcript is written next to it as `.actual`.
@Suite struct ExplainGoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func callGateTranscriptMatchesTheGoldenFile() throws {
        let rom = Self.root.appendingPathComponent("testroms/explain-callgate.bin").path
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/explain-callgate.txt")
        let r = try CommandLineTests.run(["--bios", rom, "--explain"])
        #expect(r.status == 0)
        let expected = try String(contentsOf: golden, encoding: .utf8)
        if r.stdout != expected {
            try r.stdout.write(to: golden.appendingPathExtension("actual"), atomically: true, encoding: .utf8)
        }
        #expect(r.stdout == expected, "transcript differs; see Golden/explain-callgate.txt.actual")
        #expect(r.stdout.contains("callGateDPL: FAIL -> #GP(0x0038)"))
        #expect(r.stdout.contains("ring 0: entered through the call gate, parameter copied"))
        // The failure's delivery: which gate, which stack, what was pushed.
        #expect(r.stdout.contains("exception #GP(0x0038) (vector 13) delivered to 0008:000000DD"))
        #expect(r.stdout.contains("stack switch CPL 3 -> 0: SS:ESP from the TSS (SS0:ESP0) = 0010:00009000"))
        #expect(r.stdout.contains("pushed (4 bytes each): SS=0023 ESP=00008000 EFLAGS=00000006 CS=001B EIP=000000B0 error code=00000038"))
    }
}
