import Foundation
import Testing
import CPUInterpreter

/// The project's protection test ROMs (testroms/pm-*.asm): each prints PASS/FAIL per check
/// (vector and error code verified) and DONE; every check passes on each CPU model, and
/// together they make every protection rule both pass and fail at least once.
@Suite struct TestROMTests {
    static let roms = ["pm-segments", "pm-rings", "pm-interrupts", "pm-io", "pm-paging", "pm-tasks", "pm-v86"]
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

    /// Every rule family is exercised with a passing and a faulting case somewhere in the ROMs
    /// (the test ROMs and the lessons of testroms/lessons).
    @Test func everyRulePassesAndFailsSomewhere() throws {
        var passed = Set<String>(), failed = Set<String>()
        for rom in Self.roms + ["explain-callgate"] + LessonROMTests.lessons.map({ "lessons/" + $0 }) {
            let r = try CommandLineTests.run(["--bios", Self.path(rom), "--cpu", "pentium", "--no-reboot", "--rule-summary"])
            for line in r.stdout.split(separator: "\n") {
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count == 5, f[1] == "passed", f[3] == "failed", Rule(rawValue: String(f[0])) != nil else { continue }
                if Int(f[2])! > 0 { passed.insert(String(f[0])) }
                if Int(f[4])! > 0 { failed.insert(String(f[0])) }
            }
        }
        let all = Set(Rule.allCases.map(\.rawValue))
        #expect(all.subtracting(passed).isEmpty, "rules that never passed: \(all.subtracting(passed).sorted())")
        #expect(all.subtracting(failed).isEmpty, "rules that never failed: \(all.subtracting(failed).sorted())")
    }

    /// A far RET or IRET makes different checks on the return CS selector (SDM vol. 2, RET
    /// and IRET, protected mode): not null, else #GP(0); RPL >= CPL, else #GP(selector); a code
    /// segment, else #GP(selector); its DPL against the RPL. Each is narrated under its own
    /// rule: returnCodeSelectorNotNull, returnRPLAtLeastCPL (with the RPL and CPL compared),
    /// returnSegmentIsCode (with the type), returnCodeSegmentPrivilege (with the DPL);
    /// pm-rings' null return CS fails the first, its data-segment return CS the third.
    @Test func farReturnNarratesEachSelectorCheckUnderItsOwnRule() throws {
        var notNull = 0, rpl = 0, isCode = 0
        for rom in ["pm-rings", "pm-interrupts", "explain-callgate"] {
            let r = try CommandLineTests.run(["--bios", Self.path(rom), "--cpu", "pentium", "--no-reboot", "--explain"])
            // (isNewline: a guest line ending in CR LF is one Character, not "\n".)
            for line in r.stdout.split(whereSeparator: \.isNewline) where line.hasPrefix("[explain] ") {
                if line.contains(" returnCodeSelectorNotNull: ") {
                    notNull += 1
                    #expect(line.contains(" to CS selector=") && !line.contains("RPL="), "\(rom): \(line)")
                } else if line.contains(" returnRPLAtLeastCPL: ") {
                    rpl += 1
                    #expect(line.contains(" RPL=") && line.contains(" CPL="), "\(rom): not the RPL check: \(line)")
                } else if line.contains(" returnSegmentIsCode: ") {
                    isCode += 1
                    #expect(line.contains(" type=") && !line.contains("DPL="), "\(rom): not the code-segment check: \(line)")
                } else if line.contains(" returnCodeSegmentPrivilege: ") {
                    #expect(line.contains(" DPL="), "\(rom): not the DPL check: \(line)")
                }
            }
            if rom == "pm-rings" {
                #expect(r.stdout.contains(" returnCodeSelectorNotNull: FAIL -> #GP(0x0000)  return to CS selector=0x0000 "),
                        "pm-rings: the RETF to a null CS is not narrated as the null-selector check")
                #expect(r.stdout.contains(" returnSegmentIsCode: FAIL -> #GP(0x0010)  return CS selector=0x0010 "),
                        "pm-rings: the RETF to a data segment is not narrated as the code-segment check")
            }
        }
        #expect(notNull > 0 && rpl > 0 && notNull >= rpl && rpl >= isCode && isCode > 0,
                "\(notNull) null-selector checks, \(rpl) RPL checks, \(isCode) code-segment checks")
    }
}
