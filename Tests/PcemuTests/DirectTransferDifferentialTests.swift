import Foundation
import Testing

/// Pins the direct privilege transitions (Protection/DirectTransfers.swift) to the full,
/// narrated path. With no protection observer attached, interrupt/trap-gate delivery, IRET,
/// CALL through a call gate and RETF first try a direct path that evaluates the same checks
/// on side-effect-free reads; with an observer (`--rule-summary` attaches one) every
/// transition takes the full path. Each protection test ROM, which makes every rule pass and
/// fail, must end in exactly the same state either way: the same guest output, registers,
/// segment caches, control registers, cycles charged and instructions retired.
@Suite struct DirectTransferDifferentialTests {
    static let roms = TestROMTests.roms + ["explain-callgate"]

    @Test(arguments: roms, ["386", "486", "pentium"])
    func directAndNarratedPathsEndInTheSameState(rom: String, cpu: String) throws {
        let args = ["--bios", TestROMTests.path(rom), "--cpu", cpu, "--no-reboot",
                    "--max-cycles", "200000000", "--print-state"]
        let direct = try CommandLineTests.run(args)
        let full = try CommandLineTests.run(args + ["--rule-summary"])
        #expect(direct.status == 0 && full.status == 0, "\(rom) on \(cpu): \(direct.stderr)\n\(full.stderr)")
        // The register dump (--print-state, on standard error) ends with the cycle count.
        #expect(direct.stderr.contains("cycles="), "\(rom) on \(cpu): no state dump\n\(direct.stderr)")
        #expect(direct.stderr == full.stderr,
                "\(rom) on \(cpu): final state differs\nwithout observer:\n\(direct.stderr)\nwith observer:\n\(full.stderr)")
        // The guest's output comes first; the rule summary follows it.
        #expect(full.stdout.hasPrefix(direct.stdout),
                "\(rom) on \(cpu): guest output differs\nwithout observer:\n\(direct.stdout)\nwith observer:\n\(full.stdout)")
        #expect(full.stdout.count > direct.stdout.count, "\(rom) on \(cpu): no rule summary, so no observer was attached")
    }
}
