import ArgumentParser
import Chipset
import CPUInterpreter
import Display
import Foundation
import ROMImages

/// `pcemu bench`: runs built-in workload ROMs headless and reports guest MIPS.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure guest instructions per second on built-in workloads (use a release build).")

    @Argument(help: "Workloads to run: realmode, pm32, rings (default: these three), and render (VGA full redraws: text, 12h, 13h, VBE 800x600x32).")
    var workloads: [String] = []

    @Option(help: "CPU model: 286, 386, 486, pentium or p6.")
    var cpu: CPUModel = .i386

    @Option(help: "Runs per workload; the median is reported.")
    var runs = 3

    @ArgumentParser.Flag(help: "Attach the explain observer (every protection check is formatted and discarded) to measure its cost.")
    var explain = false

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

    func run() throws {
        let selected = workloads.isEmpty ? Self.builtInNames : workloads
        for name in selected {
            if name == "render" { try runRender(); continue }
            guard let rom = Self.rom(name) else {
                throw fail("unknown workload '\(name)'; known: \((Self.builtInNames + ["render"]).joined(separator: ", "))", status: ExitStatus.usage)
            }
            var results: [(instructions: UInt64, cycles: UInt64, wall: Double, cpu: Double, output: String)] = []
            for _ in 0..<max(1, runs) {
                var config = Machine.Configuration()
                config.model = cpu
                config.memoryMiB = 16
                config.rom = rom
                config.rebootOnTripleFault = false
                let machine = try Machine(config)
                let explainer = explain ? ExplainPrinter(cpu: machine.cpu) { _ in } : nil
                machine.cpu.observer = explainer
                let cpu0 = clock()
                let t0 = DispatchTime.now().uptimeNanoseconds
                let outcome = machine.run()
                let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                let cpuSeconds = Double(clock() - cpu0) / Double(CLOCKS_PER_SEC)
                guard outcome == .guestExit(success: true, code: 0x10) else {
                    throw fail("workload \(name) did not finish cleanly: \(outcome)", status: ExitStatus.guestFailure)
                }
                let text = String(decoding: machine.debugConsole.transcript, as: UTF8.self)
                results.append((machine.cpu.instructionsRetired, machine.cpu.cycles, wall, cpuSeconds, text))
            }
            let median = results.sorted { $0.wall < $1.wall }[results.count / 2]
            let checksum = median.output.split(whereSeparator: \.isNewline).first { $0.contains("checksum") }
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "(no checksum line)"
            let expected = Self.expectedChecksums[name]
            let verdict = expected.map { checksum.hasSuffix("checksum=" + $0) ? " (expected)" : " (WRONG: expected \($0))" } ?? ""
            print("\(name) [\(cpu.rawValue)\(explain ? ", explain observer on" : "")]: \(checksum)\(verdict)")
            if let expected, !checksum.hasSuffix("checksum=" + expected) {
                throw fail("workload \(name) printed \(checksum), expected checksum=\(expected)", status: ExitStatus.guestFailure)
            }
            print(String(format: "  %llu instructions, %llu cycles, wall %.3f s, cpu %.3f s, %.1f MIPS (median of %d)",
                         median.instructions, median.cycles, median.wall, median.cpu,
                         Double(median.instructions) / median.wall / 1e6, results.count))
        }
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
