import Chipset
import CPUInterpreter
import Debugger
import Foundation

/// `--debug` and `--debug-script`: the machine runs under the debugger shell
/// (Sources/Debugger; the language is in docs/debugger.md).
enum DebugRun {
    /// Runs the shell (a script, then the terminal when `interactive`) and returns how the machine ended
    /// (`.stopped` when the user quit before the guest ended).
    static func run(machine: Machine, transcript: Transcript, script: String?, interactive: Bool,
                    explain: Bool, maxCycles: UInt64, gdb: String? = nil) throws -> Machine.Outcome {
        let session = DebugSession(machine: machine, transcript: transcript, maxCycles: maxCycles)
        if explain { session.setExplain(true) }
        if let gdb { return try serveGDB(session, gdb) }
        let shell = DebuggerShell(session: session)
        // Ctrl-C stops a running `continue` and returns to the prompt.
        signal(SIGINT, SIG_IGN)
        let interruptSource = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interruptSource.setEventHandler { session.interrupt() }
        interruptSource.resume()
        defer { interruptSource.cancel() }
        if let script {
            guard let text = try? String(contentsOfFile: script, encoding: .utf8) else {
                throw fail("--debug-script '\(script)': cannot read the file", status: ExitStatus.noInput)
            }
            shell.runScript(text, thenContinue: interactive)
        }
        if interactive && !shell.finished {
            shell.runInteractive(terminal: isatty(0) != 0) { readLine(strippingNewline: true) }
        }
        return session.outcome ?? .stopped
    }

    /// `--gdb tcp::PORT`: waits for GDB on the loopback port and serves it; after a detach the
    /// guest runs on to its end without breakpoints.
    static func serveGDB(_ session: DebugSession, _ spec: String) throws -> Machine.Outcome {
        let stub: GDBStub
        do {
            let port = try GDBStub.port(from: spec)
            stub = try GDBStub(session: session, port: port) { p in
                FileHandle.standardError.write(Data("pcemu: waiting for gdb on 127.0.0.1:\(p)\n".utf8))
            }
        } catch {
            throw fail("\(error)", status: ExitStatus.usage)
        }
        stub.serve()
        if session.outcome == nil && stub.detached {
            session.deleteAllBreakpoints()
            _ = session.continueToEnd()
        }
        return session.outcome ?? .stopped
    }
}
