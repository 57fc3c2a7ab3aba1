// A serial line watched by pcemu itself: every byte the guest transmits goes on to the
// backend the user chose (or nowhere), and the tap keeps the most recent bytes so that a
// run can end when the guest has printed a given text (`--until-serial`).

/// Forwards to `inner` and remembers the last `capacity` bytes sent.
public final class SerialTap: SerialBackend {
    public let inner: SerialBackend?
    public let capacity: Int
    /// The most recent bytes, oldest first (at most `capacity`).
    public private(set) var recent: [UInt8] = []
    /// How many bytes the guest has sent in all.
    public private(set) var count = 0

    public init(_ inner: SerialBackend?, capacity: Int = 4096) {
        self.inner = inner
        self.capacity = max(1, capacity)
    }

    public func send(_ byte: UInt8) {
        inner?.send(byte)
        if recent.count >= capacity { recent.removeFirst(recent.count - capacity + 1) }
        recent.append(byte)
        count += 1
    }
    public func receive(max: Int) -> [UInt8] { inner?.receive(max: max) ?? [] }
    public var hasInput: Bool { inner?.hasInput ?? false }
    /// The guest sees the line as it would without the tap: with no backend, nothing is
    /// connected (the UART shows CTS, DSR and DCD inactive), as for a UART with no backend.
    public var isConnected: Bool { inner?.isConnected ?? false }
    public func close() { inner?.close() }

    /// Whether `text` is among the recent bytes.
    public func contains(_ text: [UInt8]) -> Bool {
        guard !text.isEmpty, recent.count >= text.count else { return text.isEmpty }
        var i = 0
        while i + text.count <= recent.count {
            if recent[i] == text[0] && recent[i..<(i + text.count)].elementsEqual(text) { return true }
            i += 1
        }
        return false
    }
}
