import Chipset
import Display

/// When a run ends because the guest stopped (HLT with interrupts off, nothing left to wake
/// the CPU, a triple fault), the last lines of its text screen usually say why ("No bootable
/// device.", a boot loader's error). A user running without a window sees none of it, so
/// pcemu repeats them on the terminal under its own message.
enum ScreenTail {
    /// The last `count` non-blank lines of the text screen, trailing spaces removed (none in
    /// graphics modes).
    static func lastLines(_ vga: VGACard, count: Int = 8) -> [String] {
        guard let lines = vga.textScreen else { return [] }
        let text = lines.map { line -> String in
            var l = Substring(line)
            while l.last == " " { l = l.dropLast() }
            return String(l)
        }.filter { !$0.isEmpty }
        return Array(text.suffix(count))
    }

    static func stopped(_ outcome: Machine.Outcome) -> Bool {
        switch outcome {
        case .haltedWithInterruptsDisabled, .haltedIdle, .tripleFault: return true
        default: return false
        }
    }

    /// "pcemu: the screen ends with:" and the lines, indented; empty when there are none.
    static func message(_ vga: VGACard) -> String {
        let lines = lastLines(vga)
        guard !lines.isEmpty else { return "" }
        return "pcemu: the screen ends with:\n" + lines.map { "    " + $0 + "\n" }.joined()
    }
}
