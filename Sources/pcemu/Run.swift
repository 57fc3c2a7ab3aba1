import ArgumentParser
import Chipset
import CPUInterpreter
import Display
import Foundation
import ROMImages

/// Boots a ROM image (the embedded demo by default) and runs it.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a machine (the default command).")

    @Argument(help: "Disk, floppy or CD image to boot (needs the board's disk controllers; not yet available).")
    var image: String?

    @Option(help: "CPU model: 286, 386, 486, pentium or p6.")
    var cpu: CPUModel = .i386

    @Option(help: "RAM size in MiB.")
    var memory: Int = 64

    @Option(help: "System ROM image (64 or 128 KiB) mapped below 1 MiB and 4 GiB; default: the embedded demo ROM.")
    var bios: String?

    @Option(help: "Where port 0xE9 output goes: stdout (default), none, or a file path.")
    var debugcon: String = "stdout"

    @Option(help: "I/O port of the POST-code latch (0x80 on PCs; test386.asm uses 0x190).")
    var postPort: String = "0x80"

    @Option(help: "Stop after this many CPU cycles.")
    var maxCycles: UInt64?

    @ArgumentParser.Flag(help: "End the run on a triple fault (exit status 2) instead of resetting the machine.")
    var noReboot = false

    @ArgumentParser.Flag(help: "Run without a window.")
    var headless = false

    @ArgumentParser.Flag(help: "Print every protection check (rule, values compared, verdict) as the guest runs.")
    var explain = false

    @ArgumentParser.Flag(help: "At the end of the run, print how often each protection rule passed and failed.")
    var ruleSummary = false

    @ArgumentParser.Flag(help: "Print every exception the guest raises (vector, error code, CS:EIP) to standard error.")
    var traceFaults = false

    @Option(help: "At the end of the run, print the CS:EIP of the last N instructions to standard error.")
    var traceTail: Int = 0

    @Option(help: "Stop the run when execution reaches this EIP (hex; with --trace-tail).")
    var stopAt: String?

    @Option(help: "Display front end: sdl, text or none.")
    var display: String?

    mutating func validate() throws {
        guard (1...3072).contains(memory) else {
            throw ValidationError("--memory must be between 1 and 3072 MiB (got \(memory))")
        }
        if let d = display, DisplayKind(rawValue: d) == nil {
            throw ValidationError("--display must be one of sdl, text, none (got '\(d)')")
        }
    }

    func run() throws {
        if let image {
            throw fail("cannot boot '\(image)': disk, floppy and CD images need the floppy/ATA controllers and a BIOS, which this build does not have yet; use --bios FILE to run a ROM", status: ExitStatus.usage)
        }
        var config = Machine.Configuration()
        config.model = cpu
        config.memoryMiB = memory
        config.rebootOnTripleFault = !noReboot
        config.rom = try bios.map { try readInputFile($0, what: "ROM") }
            ?? Array(UnsafeBufferPointer(start: pcemu_demo_rom(), count: pcemu_demo_rom_size()))
        config.debugConsole = try debugConsoleSink()
        guard let post = UInt16(postPort.hasPrefix("0x") ? String(postPort.dropFirst(2)) : postPort,
                                radix: postPort.hasPrefix("0x") ? 16 : 10) else {
            throw fail("--post-port '\(postPort)' is not a port number", status: ExitStatus.usage)
        }
        config.postPort = post
        let machine: Machine
        do { machine = try Machine(config) } catch {
            throw fail("\(bios ?? "embedded ROM"): \(error.description)", status: ExitStatus.noInput)
        }
        machine.debugConsole.keepTranscript = false
        var explainer: ExplainPrinter?
        if explain {
            let out = FileHandle.standardOutput
            explainer = ExplainPrinter(cpu: machine.cpu) { text in out.write(Data(text.utf8)) }
            machine.cpu.observer = explainer
        }
        let tally = ruleSummary ? RuleTally(next: explainer) : nil
        if let tally { machine.cpu.observer = tally }
        defer { _ = explainer }
        if traceFaults {
            machine.cpu.faultObserver = { f, cs, ip in
                let code = f.hasErrorCode ? String(format: "(0x%04X)", f.errorCode) : ""
                FileHandle.standardError.write(Data(String(format: "pcemu: fault %@%@ at %04X:%08X\n", f.mnemonic, code, cs, ip).utf8))
            }
        }
        var ring = [(UInt16, UInt32)](repeating: (0, 0), count: max(traceTail, 1))
        var ringNext = 0, ringCount = 0
        let stopEIP = stopAt.flatMap { UInt32($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) }
        let outcome = traceTail > 0
            ? machine.run(maxCycles: maxCycles ?? .max) { cs, ip in
                ring[ringNext] = (cs, ip); ringNext = (ringNext + 1) % ring.count; ringCount += 1
                return ip != stopEIP
            }
            : machine.run(maxCycles: maxCycles ?? .max)
        if traceTail > 0 {
            let n = min(ringCount, ring.count)
            for k in 0..<n {
                let (cs, ip) = ring[(ringNext - n + k + ring.count) % ring.count]
                FileHandle.standardError.write(Data(String(format: "trace %04X:%08X\n", cs, ip).utf8))
            }
        }
        if let tally { print(tally.summary) }
        FileHandle.standardOutput.synchronizeFile()
        if outcome != .guestExit(success: true, code: 0x10) {
            let post = machine.postCodes.last.map { String(format: " (last POST code 0x%02X)", $0) } ?? ""
            FileHandle.standardError.write(Data("pcemu: \(describe(outcome, machine))\(post)\n".utf8))
        }
        throw ExitCode(ExitStatus.of(outcome))
    }

    private func debugConsoleSink() throws -> ([UInt8]) -> Void {
        switch debugcon {
        case "stdout": return { bytes in FileHandle.standardOutput.write(Data(bytes)) }
        case "none": return { _ in }
        default:
            guard FileManager.default.createFile(atPath: debugcon, contents: nil),
                  let h = FileHandle(forWritingAtPath: debugcon) else {
                throw fail("--debugcon '\(debugcon)': cannot create the file", status: ExitStatus.noInput)
            }
            return { bytes in h.write(Data(bytes)) }
        }
    }

    private func describe(_ o: Machine.Outcome, _ m: Machine) -> String {
        let at = String(format: "%04X:%08X", m.cpu.segSelector[Seg.cs], m.cpu.eip)
        switch o {
        case .guestExit(_, let code): return "guest reported failure (port 0xF4 value 0x\(String(code, radix: 16)))"
        case .tripleFault: return "triple fault at \(at): the CPU shut down"
        case .haltedWithInterruptsDisabled: return "HLT with interrupts disabled at \(at): the machine stopped"
        case .haltedIdle: return "HLT at \(at) with no device that could wake the CPU"
        case .cycleLimit: return "cycle limit reached after \(m.cpu.cycles) cycles"
        case .stopped: return "stopped"
        }
    }
}
