/// Everything the debugger prints, in order: its own lines, the explain trace and the
/// guest's debug-console output share one sink so that a script's transcript is
/// deterministic (no times, no host addresses) and can be compared with a golden file.
/// Debugger lines always start on a fresh line, even after guest output without a newline.
public final class Transcript: @unchecked Sendable {
    private let sink: (String) -> Void
    private var atLineStart = true

    public init(_ sink: @escaping (String) -> Void) { self.sink = sink }

    /// One or more whole lines from the debugger (a newline is added).
    public func line(_ text: String) {
        freshLine()
        sink(text + "\n")
        atLineStart = true
    }

    /// Text from the debugger that ends its own lines (the explain trace).
    public func lines(_ text: String) {
        guard !text.isEmpty else { return }
        freshLine()
        sink(text)
        atLineStart = text.hasSuffix("\n")
    }

    /// Text without a newline (the prompt).
    public func prompt(_ text: String) {
        freshLine()
        sink(text)
        atLineStart = false
    }

    /// The user typed a line at the prompt: the terminal is on a fresh line now.
    public func userEnteredLine() { atLineStart = true }

    /// Bytes the guest wrote to the debug console, as they are.
    public func guest(_ bytes: [UInt8]) {
        guard let last = bytes.last else { return }
        sink(String(decoding: bytes, as: UTF8.self))
        atLineStart = last == 10
    }

    private func freshLine() {
        if !atLineStart { sink("\n"); atLineStart = true }
    }
}
