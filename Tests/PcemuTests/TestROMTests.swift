import Foundation
import Testing
import CPUInterpreter

/// The project's protection test ROMs (testroms/pm-*.asm): each prints PASS/FAIL per check
/// (vector and error code verified) and DONE; every check passes on each CPU model, and
/// together they make every protection rule both pass and fail at least once.
@Suite struct TestROMTests {
    static let roms = ["pm-segments", "pm-rings", "pm-interrupts", "pm-io", "pm-paging", "pm-tasks"]
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ rom: String) -> String { root.appendingPathComponent("testroms/\(rom).bin").path }

    @Test(arguments: roms, ["386", "486", "pentium"])
    func protectionROMPasses(rom: String, cpu: String) throws {
        let r = try CommandLineTests.run(["--bios", Self.path(rom), "--cpu", cpu, "--no-reboot", "--max-cycles", "200000000"])
        let fails = r.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(fails.isEmpty, "\(fails.joined(separator: "\n"))")
        let done = r.stdout.split(separator: "\n").first { $0.hasPrefix("DONE") }
        #expect(done?.hasSuffix(" 0 failed") == true, "\(rom) on \(cpu): \(done.map(String.init) ?? "no DONE line")\n\(r.stderr)")
        #expect(r.status == 0)
    }
}
