import CPUInterpreter

/// Port 0xE9, the Bochs/QEMU debug console: each byte written goes to the host.
/// Reading it returns 0xE9, which is how guests detect it.
public final class DebugConsole: IODevice {
    public var output: ([UInt8]) -> Void
    public private(set) var transcript: [UInt8] = []
    public var keepTranscript = true

    public init(output: @escaping ([UInt8]) -> Void) { self.output = output }

    public func readPort(_ port: UInt16, size: Int) -> UInt32 { 0xE9 }
    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        if keepTranscript { transcript.append(contentsOf: bytes) }
        output(bytes)
    }
}

/// Port 0x80, the POST-code latch: the last value written, and the sequence.
public final class POSTCodePort: IODevice {
    public private(set) var codes: [UInt8] = []
    public var last: UInt8? { codes.last }
    public init() {}
    public func readPort(_ port: UInt16, size: Int) -> UInt32 { UInt32(codes.last ?? 0xFF) }
    public func writePort(_ port: UInt16, size: Int, value: UInt32) { codes.append(UInt8(truncatingIfNeeded: value)) }
}

/// How a guest asks to end the run: QEMU's isa-debug-exit (a value written to port
/// 0xF4; 0x10 means success) and Bochs's "Shutdown" string written to port 0x8900.
public final class ExitPorts: IODevice {
    public enum Request: Equatable { case success, failure(UInt32) }
    public private(set) var request: Request?
    private var shutdownMatch = 0
    private static let shutdown = Array("Shutdown".utf8)
    public var onRequest: () -> Void = {}

    public init() {}
    public func readPort(_ port: UInt16, size: Int) -> UInt32 { 0xFFFF_FFFF >> (32 - 8 * size) }
    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        if port == 0x8900 {
            let b = UInt8(truncatingIfNeeded: value)
            shutdownMatch = b == Self.shutdown[shutdownMatch] ? shutdownMatch + 1 : (b == Self.shutdown[0] ? 1 : 0)
            if shutdownMatch == Self.shutdown.count { request = .success; shutdownMatch = 0; onRequest() }
            return
        }
        let v = value & 0xFF
        request = v == 0x10 ? .success : .failure(v)
        onRequest()
    }
}
