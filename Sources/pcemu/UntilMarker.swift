import Chipset
import Display
import Foundation

/// `--until-serial TEXT` and `--until-screen TEXT`: a headless run that ends (exit status 0)
/// as soon as the guest has sent TEXT on COM1 or shows it on the text screen. Boot tests use
/// it to stop at a boot loader's marker instead of running to a fixed cycle count, and it
/// reports the boot time to the marker in cycles and seconds.
///
/// The machine runs in slices of `checkInterval` cycles; the serial tap and the text screen
/// are looked at after each slice, so the cycle count at which the run ends depends only on
/// the guest (runs are deterministic) and is at most one slice after the marker appeared.
struct UntilMarker {
    var serialText: String?
    var screenText: String?
    var tap: SerialTap?
    static let checkInterval: UInt64 = 1 << 18

    var isActive: Bool { serialText != nil || screenText != nil }

    /// Where the marker was seen, or nil if the run ended otherwise.
    enum Place: String { case serial = "on COM1", screen = "on the screen" }

    func run(machine: Machine, vga: VGACard, maxCycles: UInt64) -> (Machine.Outcome, Place?) {
        let serialBytes = serialText.map { Array($0.utf8) }
        var seenSerialCount = -1
        while true {
            let cycles = machine.cpu.cycles
            let target = maxCycles - cycles > Self.checkInterval ? cycles + Self.checkInterval : maxCycles
            let outcome = machine.run(maxCycles: target)
            if let serialBytes, let tap, tap.count != seenSerialCount {
                seenSerialCount = tap.count
                if tap.contains(serialBytes) { return (.stopped, .serial) }
            }
            if let screenText, let lines = vga.textScreen, lines.contains(where: { $0.contains(screenText) }) {
                return (.stopped, .screen)
            }
            if outcome != .cycleLimit || machine.cpu.cycles >= maxCycles { return (outcome, nil) }
        }
    }

    /// "pcemu: 'TEXT' on COM1 after N cycles (S s of guest time, W s on the host)".
    static func report(_ text: String, _ place: Place, machine: Machine, wallSeconds: Double) -> String {
        let cycles = machine.cpu.cycles
        let guest = Double(cycles) / Double(machine.scheduler.cyclesPerSecond)
        return String(format: "pcemu: '%@' %@ after %llu cycles (%.3f s of guest time, %.3f s on the host)\n",
                      text, place.rawValue, cycles, guest, wallSeconds)
    }
}
