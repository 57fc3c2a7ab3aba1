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

    @Option(help: "Stop after this many CPU cycles.")
    var maxCycles: UInt64?

    @ArgumentParser.Flag(help: "Run without a window.")
    var headless = false

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
        config.rom = try bios.map { try readInputFile($0, what: "ROM") }
            ?? Array(UnsafeBufferPointer(start: pcemu_demo_rom(), count: pcemu_demo_rom_size()))
        config.debugConsole = try debugConsoleSink()
        let machine: Machine
        do { machine = try Machine(config) } catch {
            throw fail("\(bios ?? "embedded ROM"): \(error.description)", status: ExitStatus.noInput)
        }
        machine.debugConsole.keepTranscript = false
        let outcome = machine.run(maxCycles: maxCycles ?? .max)
        FileHandle.standardOutput.synchronizeFile()
        if outcome != .guestExit(success: true, code: 0x10) {
            FileHandle.standardError.write(Data("pcemu: \(describe(outcome, machine))\n".utf8))
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
