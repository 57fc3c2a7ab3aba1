import ArgumentParser
import Chipset
import CPUInterpreter
import Debugger
import Display
import Foundation
import ROMImages

/// Boots a ROM image (the embedded demo by default) and runs it.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a machine (the default command).")

    @Argument(help: "Image to boot: a floppy (by size), a CD (ISO 9660) or a hard disk, detected from the file.")
    var image: String?

    @Option(help: "Floppy image for drive A: (160K-2.88M, detected by size).")
    var floppy: String?

    @Option(name: .customLong("floppy-b"), help: "Floppy image for drive B:.")
    var floppyB: String?

    @ArgumentParser.Flag(name: .customLong("empty-floppy"), help: "A 1.44 MB drive A: with no disk in it (when --floppy is not given).")
    var emptyFloppy = false

    @Option(help: "Hard disk image on the primary master.")
    var hda: String?
    @Option(help: "Hard disk image on the primary slave.")
    var hdb: String?
    @Option(help: "Hard disk image on the secondary master.")
    var hdc: String?
    @Option(help: "Hard disk image on the secondary slave.")
    var hdd: String?

    @Option(help: "ISO image in the ATAPI CD-ROM (secondary master).")
    var cdrom: String?

    @Option(help: "Boot order: a (floppy), c (hard disk), cdrom; e.g. c or a,c.")
    var boot: String?

    @ArgumentParser.Flag(help: "Never write disk images; guest writes go to an in-memory overlay.")
    var snapshot = false

    @Option(help: "COM1 then COM2 backend: stdio, file:PATH, pty, tcp:127.0.0.1:PORT (repeat for COM2).")
    var serial: [String] = []

    @Option(help: "VGA BIOS image mapped at C0000h (e.g. /usr/share/vgabios/vgabios.bin).")
    var vgabios: String?

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

    @ArgumentParser.Flag(help: "Pace the machine to the wall clock (guest time = real time) instead of running as fast as possible.")
    var realtime = false

    @ArgumentParser.Flag(help: "End the run on a triple fault (exit status 2) instead of resetting the machine.")
    var noReboot = false

    @ArgumentParser.Flag(help: "Run without a window.")
    var headless = false

    @Option(help: "Write the screen as a PNG when the run ends.")
    var screenshot: String?

    @Option(help: "With --screenshot: take it when the CPU has spent this many cycles (the run goes on).")
    var screenshotAt: UInt64?

    @ArgumentParser.Flag(help: "Print the text screen to standard output when the run ends (text modes).")
    var dumpScreen = false

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

    @ArgumentParser.Flag(help: "Print the CPU registers to standard error when the run ends.")
    var printState = false

    @ArgumentParser.Flag(help: "Print the BIOS's messages (ports 402h/403h, as Bochs's BIOS writes them) to standard error.")
    var biosLog = false

    @ArgumentParser.Flag(help: "Print every I/O port access to standard error (port, size, value, device).")
    var tracePorts = false

    @Option(help: "Display front end: sdl, text or none.")
    var display: String?

    @Option(name: .customLong("until-serial"), help: "Headless: end the run (status 0) once the guest has sent this text on COM1; prints the cycles it took.")
    var untilSerial: String?

    @Option(name: .customLong("until-screen"), help: "Headless: end the run (status 0) once the text screen shows this text; prints the cycles it took.")
    var untilScreen: String?

    @ArgumentParser.Flag(help: "Start in the debugger shell (commands on standard input; docs/debugger.md).")
    var debug = false

    @Option(help: "Run debugger commands from FILE, one a line, then end (with --debug: then read standard input).")
    var debugScript: String?

    @Option(help: "Wait for GDB on a loopback port (tcp::1234) and let it control the machine (GDB remote protocol, i386).")
    var gdb: String?

    mutating func validate() throws {
        guard (1...3072).contains(memory) else {
            throw ValidationError("--memory must be between 1 and 3072 MiB (got \(memory))")
        }
        if let d = display, DisplayKind(rawValue: d) == nil {
            throw ValidationError("--display must be one of sdl, text, none (got '\(d)')")
        }
        if screenshotAt != nil && screenshot == nil {
            throw ValidationError("--screenshot-at needs --screenshot FILE.png")
        }
    }

    func run() throws {
        var config = Machine.Configuration()
        var bootsImages = false
        try configureStorage(&config, bootsImages: &bootsImages)
        config.model = cpu
        config.memoryMiB = memory
        config.rebootOnTripleFault = !noReboot
        // The system ROM: --bios, else pcemu's own BIOS when there is something to boot,
        // else the demo ROM (which needs no disk).
        config.rom = try bios.map { try readInputFile($0, what: "ROM") }
            ?? (bootsImages ? Array(UnsafeBufferPointer(start: pcemu_bios_rom(), count: pcemu_bios_rom_size()))
                            : Array(UnsafeBufferPointer(start: pcemu_demo_rom(), count: pcemu_demo_rom_size())))
        config.debugConsole = try debugConsoleSink()
        // Under the debugger, its lines and the guest's debug console share one transcript.
        let debugging = debug || debugScript != nil || gdb != nil
        let transcript = debugging ? Transcript { FileHandle.standardOutput.write(Data($0.utf8)) } : nil
        if let transcript, debugcon == "stdout" { config.debugConsole = { transcript.guest($0) } }
        if biosLog { config.biosLog = { FileHandle.standardError.write(Data($0)) } }
        config.vgaBIOS = try vgabios.map { try readInputFile($0, what: "VGA BIOS") }
        for (k, text) in serial.prefix(2).enumerated() {
            do {
                config.serial[k] = try SerialBackendOption.parse(text).open()
            } catch {
                throw fail("--serial '\(text)': \(error)", status: ExitStatus.usage)
            }
        }
        var until = UntilMarker(serialText: untilSerial, screenText: untilScreen)
        if untilSerial != nil {
            let tap = SerialTap(config.serial[0])
            config.serial[0] = tap; until.tap = tap
        }
        guard let post = UInt16(postPort.hasPrefix("0x") ? String(postPort.dropFirst(2)) : postPort,
                                radix: postPort.hasPrefix("0x") ? 16 : 10) else {
            throw fail("--post-port '\(postPort)' is not a port number", status: ExitStatus.usage)
        }
        config.postPort = post
        let machine: Machine
        do { machine = try Machine(config) } catch {
            throw fail(error.description, status: ExitStatus.noInput)
        }
        machine.debugConsole.keepTranscript = false
        // Every PC has a video card: the VGA (with the Bochs VBE extensions) plugs into the board.
        let vga = VGACard(scheduler: machine.scheduler)
        vga.attach(to: machine.ports, memory: machine.memory)
        var explainer: ExplainPrinter?
        if explain && !debugging {
            let out = FileHandle.standardOutput
            explainer = ExplainPrinter(cpu: machine.cpu) { text in out.write(Data(text.utf8)) }
            machine.cpu.observer = explainer
        }
        let tally = ruleSummary ? RuleTally(next: explainer) : nil
        if let tally { machine.cpu.observer = tally }
        defer { _ = explainer }
        if tracePorts {
            let bus = machine.ports
            bus.trace = { [unowned bus] port, size, value, write in
                let text = String(format: "port %@ %04X.%d %0*X  %@\n", write ? "out" : "in ", port, size, size * 2, value, bus.deviceName(at: port))
                FileHandle.standardError.write(Data(text.utf8))
            }
        }
        if traceFaults {
            machine.cpu.faultObserver = { f, cs, ip in
                let code = f.hasErrorCode ? String(format: "(0x%04X)", f.errorCode) : ""
                FileHandle.standardError.write(Data(String(format: "pcemu: fault %@%@ at %04X:%08X\n", f.mnemonic, code, cs, ip).utf8))
            }
        }
        var ring = [(UInt16, UInt32)](repeating: (0, 0), count: max(traceTail, 1))
        var ringNext = 0, ringCount = 0
        let stopEIP = stopAt.flatMap { UInt32($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) }
        defer {
            do { try machine.shutdown() } catch {
                FileHandle.standardError.write(Data("pcemu: writing back disk images failed: \(error)\n".utf8))
            }
        }
        // [screenshot] --screenshot FILE.png, at the end or at --screenshot-at CYCLES (Sources/Display/Screenshot.swift).
        let shot = screenshot.map { Screenshot(path: $0, atCycle: screenshotAt) }
        shot?.arm(machine: machine, vga: vga)
        let wallStart = Date()
        var outcome: Machine.Outcome
        if let transcript {
            outcome = try DebugRun.run(machine: machine, transcript: transcript, script: debugScript, interactive: debug,
                                       explain: explain, maxCycles: maxCycles ?? .max, gdb: gdb)
        } else if until.isActive && traceTail == 0 {
            let (o, place) = until.run(machine: machine, vga: vga, maxCycles: maxCycles ?? .max)
            outcome = o
            if let place {
                let text = (place == .serial ? untilSerial : untilScreen) ?? ""
                FileHandle.standardError.write(Data(UntilMarker.report(text, place, machine: machine,
                                                                       wallSeconds: Date().timeIntervalSince(wallStart)).utf8))
            }
        } else {
            outcome = traceTail > 0
                ? machine.run(maxCycles: maxCycles ?? .max) { cs, ip in
                    ring[ringNext] = (cs, ip); ringNext = (ringNext + 1) % ring.count; ringCount += 1
                    return ip != stopEIP
                }
                // [display front end] SDL window, terminal view or headless (Sources/Display/FrontEnds.swift).
                : FrontEnds.run(FrontEnds.choose(display, headless: headless), machine: machine, vga: vga,
                                maxCycles: maxCycles ?? .max, realtime: realtime ? true : nil)
        }
        if let shot {
            let (error, note) = shot.finish(vga: vga, cycles: machine.cpu.cycles)
            if let note { FileHandle.standardError.write(Data("pcemu: \(note)\n".utf8)) }
            if let error { throw fail(error, status: ExitStatus.noInput) }
        }
        if dumpScreen, let lines = vga.textScreen { print(lines.joined(separator: "\n")) }
        if printState { FileHandle.standardError.write(Data((machine.cpu.stateDescription + "\n").utf8)) }
        if traceTail > 0 {
            let n = min(ringCount, ring.count)
            for k in 0..<n {
                let (cs, ip) = ring[(ringNext - n + k + ring.count) % ring.count]
                FileHandle.standardError.write(Data(String(format: "trace %04X:%08X\n", cs, ip).utf8))
            }
        }
        if let tally { print(tally.summary) }
        FileHandle.standardOutput.synchronizeFile()
        if outcome != .guestExit(success: true, code: 0x10) && !((until.isActive || debugging) && outcome == .stopped) {
            let post = machine.postCodes.last.map { String(format: " (last POST code 0x%02X)", $0) } ?? ""
            FileHandle.standardError.write(Data("pcemu: \(describe(outcome, machine))\(post)\n".utf8))
            if ScreenTail.stopped(outcome) && !dumpScreen { FileHandle.standardError.write(Data(ScreenTail.message(vga).utf8)) }
        }
        throw ExitCode(ExitStatus.of(outcome))
    }

    /// Floppies, disks and CDs from the options and the positional IMAGE (detected by
    /// size and ISO 9660 signature), the boot order, and the BIOS they need.
    private func configureStorage(_ config: inout Machine.Configuration, bootsImages: inout Bool) throws {
        config.floppyA = floppy; config.floppyB = floppyB
        config.emptyFloppyDriveA = emptyFloppy
        config.hardDisks = [hda, hdb, hdc, hdd]
        config.cdrom = cdrom
        config.snapshot = snapshot
        var firstBoot: CMOSClock.BootDevice? = nil
        if let image {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: image),
                  let size = (attributes[.size] as? NSNumber)?.intValue else {
                throw fail("image '\(image)': no such file", status: ExitStatus.noInput)
            }
            if FloppyGeometry.forImageSize(size) != nil && config.floppyA == nil {
                config.floppyA = image; firstBoot = .floppy
            } else if Self.isISO(image, size: size) && config.cdrom == nil {
                config.cdrom = image; firstBoot = .cdrom
            } else if config.hardDisks[0] == nil {
                config.hardDisks[0] = image; firstBoot = .hardDisk
            } else {
                throw fail("image '\(image)': the drive it would go in is already given by an option", status: ExitStatus.usage)
            }
        }
        if let boot {
            var order: [CMOSClock.BootDevice] = []
            for part in boot.split(separator: ",") {
                switch part.lowercased() {
                case "a", "floppy": order.append(.floppy)
                case "c", "hd", "disk": order.append(.hardDisk)
                case "d", "cdrom", "cd": order.append(.cdrom)
                default: throw fail("--boot '\(boot)': use a, c or cdrom (comma-separated)", status: ExitStatus.usage)
                }
            }
            config.bootOrder = order
        } else if let firstBoot {
            config.bootOrder = [firstBoot] + config.bootOrder.filter { $0 != firstBoot }
        }
        bootsImages = config.floppyA != nil || config.floppyB != nil || config.cdrom != nil || emptyFloppy
            || config.hardDisks.contains { $0 != nil }
    }

    static func isISO(_ path: String, size: Int) -> Bool {
        guard size >= 0x8006, size % 2048 == 0, let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        try? h.seek(toOffset: 0x8001)
        return h.readData(ofLength: 5) == Data("CD001".utf8)
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
