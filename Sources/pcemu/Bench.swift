import ArgumentParser
import Chipset
import CPUInterpreter
import Debugger
import Display
import Foundation
import ROMImages

/// `pcemu bench`: runs built-in workload ROMs, or bootable floppy images such as the shared
/// benchmark guests (../shared/bench), headless and reports guest MIPS.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure guest instructions per second on built-in workloads (use a release build).")

    @Argument(help: "Workloads to run: realmode, pm32, rings (default: these three), render (VGA full redraws: text, 12h, 13h, VBE 800x600x32), the path of a 64 KiB workload ROM, or the path of a floppy image that boots through pcemu's BIOS and exits through port 0xF4 (the shared guests of ../shared/bench).")
    var workloads: [String] = []

    @Option(help: "For floppy images: a file of 'variant iters checksum' lines (../shared/bench/expected.txt) that the guest's 'variant=... iters=... checksum=...' line must match.")
    var expected: String?

    @Option(help: "CPU model: 286, 386, 486, pentium or p6.")
    var cpu: CPUModel = .i386

    @Option(help: "Runs per workload; the median is reported.")
    var runs = 3

    @ArgumentParser.Flag(help: "Attach the explain observer (every protection check is formatted and discarded) to measure its cost.")
    var explain = false

    @ArgumentParser.Flag(help: "Also run each workload under an idle debugger session (attached, no breakpoint set, continuing), alternating with plain runs, and report the cost.")
    var debugger = false

    static let builtInNames = ["realmode", "pm32", "rings"]

    static func rom(_ name: String) -> [UInt8]? {
        switch name {
        case "realmode": return Array(UnsafeBufferPointer(start: pcemu_bench_realmode_rom(), count: pcemu_bench_realmode_rom_size()))
        case "pm32": return Array(UnsafeBufferPointer(start: pcemu_bench_pm32_rom(), count: pcemu_bench_pm32_rom_size()))
        case "rings": return Array(UnsafeBufferPointer(start: pcemu_bench_rings_rom(), count: pcemu_bench_rings_rom_size()))
        default: return nil
        }
    }

    /// Checksums the workloads print on a correct CPU (measured under QEMU and Bochs).
    static let expectedChecksums: [String: String] = [
        "realmode": "0x1A64C711",
        "pm32": "0x92002230",
        "rings": "0xBEEC0ABB",
    ]

    /// One run of a workload: what the guest did and how long it took.
    struct Measurement {
        let instructions: UInt64
        let cycles: UInt64
        let wall: Double
        let cpu: Double
        let output: String
        var checksum: String {
            output.split(whereSeparator: \.isNewline).first { $0.contains("checksum") }
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "(no checksum line)"
        }
    }

    /// What a workload boots: a system ROM of its own, or pcemu's BIOS and a floppy image.
    enum Workload {
        case rom([UInt8])
        case floppy(String)
    }

    func run() throws {
        let selected = workloads.isEmpty ? Self.builtInNames : workloads
        let expectedLines = try expected.map { try Self.expectedTable(readInputFile($0, what: "expected checksums")) }
        for name in selected {
            if name == "render" { try runRender(); continue }
            let workload: Workload
            var table: [String: String]? = nil
            if let builtIn = Self.rom(name) {
                workload = .rom(builtIn)
            } else if let size = (try? FileManager.default.attributesOfItem(atPath: name))?[.size] as? NSNumber,
                      FloppyGeometry.forImageSize(size.intValue) != nil {
                workload = .floppy(name)
                table = expectedLines
            } else if name.contains("/") || name.hasSuffix(".bin") {
                // A workload ROM of one's own (64 KiB at F0000h, the same contract as the built-in ones).
                let rom = try readInputFile(name, what: "workload ROM")
                guard rom.count == 65536 else {
                    throw fail("workload ROM '\(name)' is \(rom.count) bytes; a workload ROM is 65536 bytes", status: ExitStatus.usage)
                }
                workload = .rom(rom)
            } else {
                throw fail("unknown workload '\(name)'; known: \((Self.builtInNames + ["render"]).joined(separator: ", ")), or a 64 KiB ROM file", status: ExitStatus.usage)
            }
            let label = name.contains("/") ? URL(fileURLWithPath: name).lastPathComponent : name
            if debugger {
                try compareIdleDebugger(label, workload, expected: table)
                continue
            }
            var results: [Measurement] = []
            for _ in 0..<max(1, runs) {
                results.append(try measure(label, workload, underDebugger: false))
            }
            try report(label, results, variant: explain ? ", explain observer on" : "", expected: table)
        }
    }

    /// `--debugger`: plain runs and runs under an idle debugger session, alternated (ABBA) in
    /// the same process so that the machine's noise hits both; the medians and their ratio.
    func compareIdleDebugger(_ name: String, _ workload: Workload, expected: [String: String]?) throws {
        var plain: [Measurement] = [], idle: [Measurement] = []
        for k in 0..<max(1, runs) {
            for underDebugger in (k % 2 == 0 ? [false, true] : [true, false]) {
                let m = try measure(name, workload, underDebugger: underDebugger)
                if underDebugger { idle.append(m) } else { plain.append(m) }
            }
        }
        let p = try report(name, plain, variant: explain ? ", explain observer on" : "", expected: expected)
        let d = try report(name, idle, variant: (explain ? ", explain observer on" : "") + ", idle debugger", expected: expected)
        // The debugger must not change what the guest does: every run, same instructions, cycles, output.
        for m in plain + idle where m.instructions != p.instructions || m.cycles != p.cycles || m.output != p.output {
            throw fail("workload \(name): one run did \(m.instructions) instructions, \(m.cycles) cycles (\(m.checksum)), another \(p.instructions), \(p.cycles) (\(p.checksum))", status: ExitStatus.guestFailure)
        }
        let walls = { (r: [Measurement]) in r.map { String(format: "%.3f", $0.wall) }.joined(separator: " ") }
        print("  wall times, in run order: plain \(walls(plain)); idle debugger \(walls(idle))")
        print(String(format: "  idle debugger vs plain: wall %+.1f%%, cpu %+.1f%% (medians of %d runs each, alternated)",
                     (d.wall / p.wall - 1) * 100, (d.cpu / p.cpu - 1) * 100, plain.count))
        // On a shared machine the fastest run is the one least disturbed by other work.
        let fastestPlain = plain.map(\.wall).min()!, fastestIdle = idle.map(\.wall).min()!
        print(String(format: "  fastest runs: plain %.3f s, idle debugger %.3f s (%+.1f%%)",
                     fastestPlain, fastestIdle, (fastestIdle / fastestPlain - 1) * 100))
    }

    /// Runs `workload` once on a fresh machine; with `underDebugger`, through an idle `DebugSession`.
    /// A floppy image is opened as a snapshot: the guest's writes never reach the file.
    func measure(_ name: String, _ workload: Workload, underDebugger: Bool) throws -> Measurement {
        var config = Machine.Configuration()
        config.model = cpu
        config.memoryMiB = 16
        switch workload {
        case .rom(let rom):
            config.rom = rom
        case .floppy(let path):
            config.rom = Array(UnsafeBufferPointer(start: pcemu_bios_rom(), count: pcemu_bios_rom_size()))
            config.floppyA = path
            config.snapshot = true
            config.bootOrder = [.floppy]
        }
        config.rebootOnTripleFault = false
        let machine = try Machine(config)
        let explainer = explain ? ExplainPrinter(cpu: machine.cpu) { _ in } : nil
        machine.cpu.observer = explainer
        let session = underDebugger ? DebugSession(machine: machine, transcript: Transcript { _ in }) : nil
        let cpu0 = clock()
        let t0 = DispatchTime.now().uptimeNanoseconds
        let outcome = session.map { $0.continueToEnd() ?? .stopped } ?? machine.run()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let cpuSeconds = Double(clock() - cpu0) / Double(CLOCKS_PER_SEC)
        guard outcome == .guestExit(success: true, code: 0x10) else {
            throw fail("workload \(name)\(underDebugger ? " (idle debugger)" : "") did not finish cleanly: \(outcome)", status: ExitStatus.guestFailure)
        }
        let text = String(decoding: machine.debugConsole.transcript, as: UTF8.self)
        return Measurement(instructions: machine.cpu.instructionsRetired, cycles: machine.cpu.cycles,
                           wall: wall, cpu: cpuSeconds, output: text)
    }

    /// `variant iters` -> checksum, from lines `variant iters checksum` ('#' starts a comment).
    static func expectedTable(_ bytes: [UInt8]) -> [String: String] {
        var table: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].split(separator: " ")
            if fields.count == 3 { table["\(fields[0]) \(fields[1])"] = String(fields[2]) }
        }
        return table
    }

    /// The checksum `checksum` (a guest's `... variant=V iters=N checksum=C` line) must have by
    /// `table`, or nil when the table has no entry for its variant and iterations.
    static func expectedChecksum(of checksum: String, in table: [String: String]) -> String? {
        var fields: [String: String] = [:]
        for word in checksum.split(separator: " ") {
            let kv = word.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let v = fields["variant"], let n = fields["iters"] else { return nil }
        return table["\(v) \(n)"]
    }

    /// Prints the median run (by wall time) and checks the checksum; returns the median.
    @discardableResult
    func report(_ name: String, _ results: [Measurement], variant: String, expected table: [String: String]?) throws -> Measurement {
        let median = results.sorted { $0.wall < $1.wall }[results.count / 2]
        let checksum = median.checksum
        let expected = table.map { Self.expectedChecksum(of: checksum, in: $0) } ?? Self.expectedChecksums[name]
        let verdict = expected.map { checksum.hasSuffix("checksum=" + $0) ? " (expected)" : " (WRONG: expected \($0))" } ?? ""
        print("\(name) [\(cpu.rawValue)\(variant)]: \(checksum)\(verdict)")
        if let expected, !checksum.hasSuffix("checksum=" + expected) {
            throw fail("workload \(name) printed \(checksum), expected checksum=\(expected)", status: ExitStatus.guestFailure)
        }
        print(String(format: "  %llu instructions, %llu cycles, wall %.3f s, cpu %.3f s, %.1f MIPS (median of %d)",
                     median.instructions, median.cycles, median.wall, median.cpu,
                     Double(median.instructions) / median.wall / 1e6, results.count))
        return median
    }

    /// `pcemu bench render`: full-frame redraws per mode (median of `runs`), in frames per second.
    func runRender() throws {
        for mode in RenderBenchmark.modes {
            var results: [RenderBenchmark.Result] = []
            for _ in 0..<max(1, runs) {
                guard let r = RenderBenchmark.run(mode: mode, frames: 300) else { continue }
                guard r.linesInLastFrame == r.height else {
                    throw fail("render \(mode): a forced full redraw drew \(r.linesInLastFrame) of \(r.height) lines", status: ExitStatus.guestFailure)
                }
                results.append(r)
            }
            let median = results.sorted { $0.seconds < $1.seconds }[results.count / 2]
            print(String(format: "render %@: %dx%d, %d full redraws, wall %.3f s, cpu %.3f s, %.0f frames/s (%.0f per cpu second; median of %d)",
                         mode, median.width, median.height, median.frames, median.seconds, median.cpuSeconds,
                         median.framesPerSecond, median.framesPerCPUSecond, results.count))
        }
    }
}
