import Foundation
import Testing

/// docs/debugger.md shows real transcripts: every ```text block there that starts with the
/// prompt `(pcemu) ` must appear exactly, as a whole, in the transcript of
/// Tests/PcemuTests/Golden/debugger-doc.dbg run on testroms/debug-demo.bin.
@Suite struct DebuggerDocTests {
    static let page = ExplainGoldenTests.root.appendingPathComponent("docs/debugger.md")
    static let script = ExplainGoldenTests.root.appendingPathComponent("Tests/PcemuTests/Golden/debugger-doc.dbg")

    /// The ```text blocks of the page whose first line is a shell prompt.
    static func examples(_ markdown: String) -> [String] {
        var blocks: [String] = [], current: [String]? = nil
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line == "```text" { current = []; continue }
            if current != nil, line == "```" {
                if let b = current, b.first?.hasPrefix("(pcemu) ") == true { blocks.append(b.joined(separator: "\n") + "\n") }
                current = nil
                continue
            }
            current?.append(line)
        }
        return blocks
    }

    @Test func everyShellExampleIsWhatPcemuPrints() throws {
        let markdown = try String(contentsOf: Self.page, encoding: .utf8)
        let blocks = Self.examples(markdown)
        #expect(blocks.count >= 20, "the page's shell examples were not found")
        let r = try CommandLineTests.run(["--bios", DebugCommandLineTests.rom, "--no-reboot", "--debug-script", Self.script.path])
        #expect(r.status == 0, "\(r.stderr)")
        for block in blocks {
            #expect(r.stdout.contains(block), "docs/debugger.md shows output pcemu no longer prints:\n\(block)")
        }
        // Not vacuous: the regs example with one digit changed is not in the transcript.
        let regs = try #require(blocks.first { $0.hasPrefix("(pcemu) regs\n") })
        #expect(!r.stdout.contains(regs.replacingOccurrences(of: "EDX=00000308", with: "EDX=00000309")))
    }
}
