import Chipset
import CPUInterpreter
import Debugger
import Foundation

/// A machine running one of the project's test ROMs under a debugger shell whose
/// transcript (debugger lines and the guest's port E9h output) is collected in memory.
final class DebuggerFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    let machine: Machine
    let session: DebugSession
    let shell: DebuggerShell
    private(set) var text = ""

    init(rom: String = "debug-demo", model: CPUModel = .i386, maxCycles: UInt64 = 50_000_000) throws {
        var config = Machine.Configuration()
        config.model = model
        config.rom = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent("testroms/\(rom).bin")))
        config.rebootOnTripleFault = false
        var transcript: Transcript!
        config.debugConsole = { transcript.guest($0) }
        machine = try Machine(config)
        var collected = ""
        transcript = Transcript { collected += $0 }
        session = DebugSession(machine: machine, transcript: transcript, maxCycles: maxCycles)
        shell = DebuggerShell(session: session)
        textSource = { collected }
    }
    private var textSource: () -> String = { "" }

    /// Runs script lines and returns what they printed.
    @discardableResult
    func run(_ script: String) -> String {
        let before = textSource().count
        shell.runScript(script, thenContinue: true)
        text = textSource()
        return String(text.dropFirst(before))
    }
}
