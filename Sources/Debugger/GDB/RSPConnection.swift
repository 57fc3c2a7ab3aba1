import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One GDB client on a loopback TCP port, speaking the remote serial protocol's framing:
/// `$payload#checksum` packets, `+`/`-` acknowledgements (until no-ack mode), and the
/// interrupt byte 0x03, which may arrive at any time (GDB's Ctrl-C).
///
/// A reader thread takes everything the client sends; the machine's thread takes whole
/// packets with `nextPacket()`. An interrupt byte calls `onInterrupt` on the reader thread.
final class RSPConnection: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSCondition()
    private var buffer: [UInt8] = []
    private var closed = false
    private var interruptPending = false
    var noAck = false
    /// Called (on the reader thread) when the client sends 0x03.
    var onInterrupt: () -> Void = {}

    struct SetupError: Error, CustomStringConvertible { let description: String }

    /// Listens on 127.0.0.1:`port` and waits for one client.
    static func accept(port: UInt16, announce: (UInt16) -> Void) throws -> RSPConnection {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw SetupError(description: "cannot create a socket") }
        defer { close(listener) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian      // loopback only
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SetupError(description: "cannot listen on 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
        guard listen(listener, 1) == 0 else { throw SetupError(description: "listen failed on port \(port)") }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) }
        }
        announce(UInt16(bigEndian: actual.sin_port))
        let client = Glibc.accept(listener, nil, nil)
        guard client >= 0 else { throw SetupError(description: "accept failed on port \(port)") }
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        return RSPConnection(fd: client)
    }

    private init(fd: Int32) {
        self.fd = fd
        let t = Thread { [self] in self.readLoop() }
        t.name = "pcemu gdb reader"
        t.start()
    }

    deinit { close(fd) }

    private func readLoop() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            var interrupt = false
            lock.lock()
            for b in chunk[0..<n] {
                if b == 0x03 { interrupt = true; interruptPending = true } else { buffer.append(b) }
            }
            lock.broadcast()
            lock.unlock()
            if interrupt { onInterrupt() }
        }
        lock.lock(); closed = true; lock.broadcast(); lock.unlock()
    }

    /// Takes an interrupt byte that arrived while no run was going on.
    func takeInterrupt() -> Bool {
        lock.lock(); defer { lock.unlock() }
        let p = interruptPending
        interruptPending = false
        return p
    }

    /// The next packet's payload, or nil when the client has gone. Acknowledges it
    /// (unless in no-ack mode); a packet with a bad checksum is refused with `-`.
    func nextPacket() -> String? {
        lock.lock()
        defer { lock.unlock() }
        while true {
            // Drop acknowledgements and noise before '$'.
            while let first = buffer.first, first != UInt8(ascii: "$") { buffer.removeFirst() }
            if let hash = buffer.firstIndex(of: UInt8(ascii: "#")), buffer.count >= hash + 3 {
                let payload = Array(buffer[1..<hash])
                let sum = String(decoding: buffer[(hash + 1)...(hash + 2)], as: UTF8.self)
                buffer.removeFirst(hash + 3)
                let expected = payload.reduce(UInt8(0)) { $0 &+ $1 }
                if UInt8(sum, radix: 16) != expected && !noAck {
                    sendRaw([UInt8(ascii: "-")])
                    continue
                }
                if !noAck { sendRaw([UInt8(ascii: "+")]) }
                return String(decoding: Self.unescape(payload), as: UTF8.self)
            }
            if closed { return nil }
            lock.wait()
        }
    }

    /// Binary data in packets escapes '#', '$', '}' and '*' as '}' followed by the byte xor 0x20.
    static func unescape(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var escape = false
        for b in bytes {
            if escape { out.append(b ^ 0x20); escape = false } else if b == UInt8(ascii: "}") { escape = true } else { out.append(b) }
        }
        return out
    }

    func send(_ payload: String) {
        let bytes = Array(payload.utf8)
        let sum = bytes.reduce(UInt8(0)) { $0 &+ $1 }
        sendRaw(Array("$".utf8) + bytes + Array("#\(hex(sum, 2).lowercased())".utf8))
    }

    private func sendRaw(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            off += n
        }
    }

    func shutdownConnection() { shutdown(fd, Int32(SHUT_RDWR)) }
}
