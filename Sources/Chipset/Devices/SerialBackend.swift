// Host ends of the emulated serial ports (UART16550): what the guest's COM port is wired to.
//
// Options (the `--serial` flag, see DESIGN.md "Command line"):
//   stdio                  bytes to pcemu's stdout, input from stdin
//   file:PATH              output captured into PATH (created or truncated); no input
//   pty                    a new pseudo-terminal; its path (/dev/pts/N) is announced
//   tcp:127.0.0.1:PORT     a TCP server on the loopback address, one client at a time
//                          (PORT 0 picks a free port). Other addresses are refused:
//                          pcemu never listens on a network-reachable address.
//
// Non-blocking contract: the emulation thread calls `send` when the UART's transmitter has
// shifted a byte out and `receive` from the UART's periodic poll event (every millisecond
// of guest time, see UART16550.pollIntervalNanoseconds). Neither ever waits for the host:
// input is read only when poll(2) says it is there or from O_NONBLOCK descriptors, and
// output that a socket or pty cannot take right now is buffered (bounded) or dropped.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host end of a serial line.
public protocol SerialBackend: AnyObject {
    /// A byte the guest transmitted. Never blocks.
    func send(_ byte: UInt8)
    /// Up to `max` bytes of input available now (empty when there are none). Never blocks.
    func receive(max: Int) -> [UInt8]
    /// Whether `receive` can ever return data; the UART polls only backends that can.
    var hasInput: Bool { get }
    /// Whether a peer is attached; the UART shows it as CTS, DSR and DCD.
    var isConnected: Bool { get }
    func close()
}

public struct SerialBackendError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A parsed `--serial` option; `open()` creates the backend.
public enum SerialBackendOption: Equatable, CustomStringConvertible {
    case stdio
    case file(String)
    case pty
    case tcp(port: UInt16)

    static let usage = "expected stdio, file:PATH, pty or tcp:127.0.0.1:PORT"

    public static func parse(_ text: String) throws(SerialBackendError) -> SerialBackendOption {
        if text == "stdio" { return .stdio }
        if text == "pty" { return .pty }
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw SerialBackendError("serial option 'file:' needs a path: file:PATH") }
            return .file(path)
        }
        if text.hasPrefix("tcp:") {
            let rest = text.dropFirst(4)
            guard let colon = rest.lastIndex(of: ":") else {
                throw SerialBackendError("serial option '\(text)' needs an address and a port: tcp:127.0.0.1:PORT")
            }
            let host = rest[..<colon], portText = rest[rest.index(after: colon)...]
            guard host == "127.0.0.1" else {
                throw SerialBackendError("serial option '\(text)': pcemu listens only on the loopback address; "
                    + "write tcp:127.0.0.1:\(portText.isEmpty ? "PORT" : String(portText))")
            }
            guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let port = UInt16(portText) else {
                throw SerialBackendError("serial option '\(text)': the port must be a number from 0 to 65535")
            }
            return .tcp(port: port)
        }
        throw SerialBackendError("unknown serial option '\(text)': \(usage)")
    }

    public var description: String {
        switch self {
        case .stdio: "stdio"
        case .file(let path): "file:\(path)"
        case .pty: "pty"
        case .tcp(let port): "tcp:127.0.0.1:\(port)"
        }
    }

    /// Opens the backend. `announce` receives messages for the user (the pty's path, the
    /// TCP port); by default they go to stderr.
    public func open(announce: (String) -> Void = { SerialBackends.printToStderr($0) })
        throws(SerialBackendError) -> SerialBackend {
        switch self {
        case .stdio:
            return StdioSerialBackend()
        case .file(let path):
            return try FileSerialBackend(path: path)
        case .pty:
            let pty = try PTYSerialBackend()
            announce("pcemu: serial port connected to \(pty.path)")
            return pty
        case .tcp(let port):
            let tcp = try TCPSerialBackend(port: port)
            announce("pcemu: serial port listening on tcp:127.0.0.1:\(tcp.port)")
            return tcp
        }
    }
}

public enum SerialBackends {
    public static func printToStderr(_ message: String) {
        let line = Array((message + "\n").utf8)
        line.withUnsafeBytes { _ = writeAll(2, $0.baseAddress, $0.count) }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Writes the whole buffer to a blocking descriptor, retrying on EINTR. Returns false on error.
    @discardableResult
    static func writeAll(_ fd: Int32, _ p: UnsafeRawPointer?, _ count: Int) -> Bool {
        guard var p else { return count == 0 }
        var left = count
        while left > 0 {
            let n = write(fd, p, left)
            if n < 0 { if errno == EINTR { continue }; return false }
            left -= n; p += n
        }
        return true
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// One non-blocking read: the bytes read, [] when none are ready, nil at end of file or
    /// on an error other than "try again".
    static func readAvailable(_ fd: Int32, max: Int) -> [UInt8]? {
        guard max > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, max) }
            if n > 0 { return Array(buffer[..<n]) }
            if n == 0 { return nil }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? [] : nil
        }
    }
}

/// Collects output and supplies input in memory (tests, whole-machine runs that look for a
/// marker in the serial output).
public final class BufferSerialBackend: SerialBackend {
    public private(set) var output: [UInt8] = []
    public var input: [UInt8] = []
    public var isConnected = true
    public init(input: [UInt8] = []) { self.input = input }
    public func send(_ byte: UInt8) { output.append(byte) }
    public func receive(max: Int) -> [UInt8] {
        let n = Swift.min(max, input.count)
        defer { input.removeFirst(n) }
        return Array(input.prefix(n))
    }
    public var hasInput: Bool { true }
    public func close() {}
}

/// pcemu's stdout and stdin. Output is written unbuffered (a blocked terminal or pipe
/// stalls output, as a full stdout does for any program). Input is read only when poll(2)
/// with a zero timeout reports it, so stdin's blocking mode, which it shares with the
/// terminal, is left alone. The terminal's mode is not changed (line-buffered when it is a
/// terminal in canonical mode).
public final class StdioSerialBackend: SerialBackend {
    private var inputOpen = true
    public init() {}
    public func send(_ byte: UInt8) {
        var b = byte
        SerialBackends.writeAll(1, &b, 1)
    }
    public func receive(max: Int) -> [UInt8] {
        guard inputOpen else { return [] }
        var p = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return [] }
        if p.revents & Int16(POLLIN) == 0 { inputOpen = p.revents & Int16(POLLHUP | POLLERR | POLLNVAL) == 0; return [] }
        // poll said readable: one read() returns without waiting.
        guard let bytes = SerialBackends.readAvailable(0, max: max) else { inputOpen = false; return [] }
        return bytes
    }
    /// False after stdin reaches end of file (the UART then stops polling).
    public var hasInput: Bool { inputOpen }
    public var isConnected: Bool { true }
    public func close() {}
}

/// Captures output into a file (created, or truncated when it exists). Each byte is written
/// straight through, so the file is complete even if pcemu is killed.
public final class FileSerialBackend: SerialBackend {
    public let path: String
    private var fd: Int32

    public init(path: String) throws(SerialBackendError) {
        self.path = path
        fd = sysOpen(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw SerialBackendError("cannot open serial capture file '\(path)': \(SerialBackends.errnoText())")
        }
    }
    public func send(_ byte: UInt8) {
        guard fd >= 0 else { return }
        var b = byte
        SerialBackends.writeAll(fd, &b, 1)
    }
    public func receive(max: Int) -> [UInt8] { [] }
    public var hasInput: Bool { false }
    public var isConnected: Bool { true }
    public func close() { if fd >= 0 { _ = sysClose(fd); fd = -1 } }
    deinit { close() }
}

/// A new pseudo-terminal (posix_openpt, grantpt, unlockpt, ptsname). The guest's serial
/// line is the master side; a terminal program opens `path`. The line is put in raw mode
/// so the pty neither echoes nor translates bytes. The master is O_NONBLOCK: with no
/// reader, output the kernel buffer cannot take is dropped.
public final class PTYSerialBackend: SerialBackend {
    public let path: String
    private var fd: Int32

    public init() throws(SerialBackendError) {
        #if os(Linux)
        // Glibc declares these only under _XOPEN_SOURCE, which Swift's Glibc module does not
        // define; look the C functions up in libc instead.
        typealias IntFunction = @convention(c) (Int32) -> Int32
        typealias NameFunction = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        guard let openPT = dlsym(nil, "posix_openpt"), let grantPT = dlsym(nil, "grantpt"),
              let unlockPT = dlsym(nil, "unlockpt"), let ptsName = dlsym(nil, "ptsname") else {
            throw SerialBackendError("cannot open a pseudo-terminal: posix_openpt is not available")
        }
        let posix_openpt = unsafeBitCast(openPT, to: IntFunction.self)
        let grantpt = unsafeBitCast(grantPT, to: IntFunction.self)
        let unlockpt = unsafeBitCast(unlockPT, to: IntFunction.self)
        let ptsname = unsafeBitCast(ptsName, to: NameFunction.self)
        #endif
        let master = posix_openpt(O_RDWR | O_NOCTTY)
        guard master >= 0 else { throw SerialBackendError("cannot open a pseudo-terminal: \(SerialBackends.errnoText())") }
        guard grantpt(master) == 0, unlockpt(master) == 0, let name = ptsname(master) else {
            let why = SerialBackends.errnoText()
            _ = sysClose(master)
            throw SerialBackendError("cannot set up the pseudo-terminal: \(why)")
        }
        path = String(cString: name)
        var t = termios()
        if tcgetattr(master, &t) == 0 { cfmakeraw(&t); _ = tcsetattr(master, TCSANOW, &t) }
        SerialBackends.setNonBlocking(master)
        fd = master
    }
    public func send(_ byte: UInt8) {
        guard fd >= 0 else { return }
        var b = byte
        while write(fd, &b, 1) < 0 && errno == EINTR {}
    }
    public func receive(max: Int) -> [UInt8] {
        guard fd >= 0 else { return [] }
        // EIO while no terminal has the slave open: no data yet, not the end.
        return SerialBackends.readAvailable(fd, max: max) ?? []
    }
    public var hasInput: Bool { fd >= 0 }
    public var isConnected: Bool { true }
    public func close() { if fd >= 0 { _ = sysClose(fd); fd = -1 } }
    deinit { close() }
}

/// A TCP server on 127.0.0.1 that serves one client at a time. The listening socket and the
/// client socket are non-blocking; a new client is accepted when the UART polls. Output
/// sent while no client is connected (or faster than the client reads) is kept, up to
/// 64 KiB, and delivered when possible; beyond that it is dropped.
public final class TCPSerialBackend: SerialBackend {
    /// The bound port (the chosen one when 0 was asked for).
    public private(set) var port: UInt16 = 0
    private var listener: Int32 = -1
    private var client: Int32 = -1
    private var pending: [UInt8] = []
    static let pendingLimit = 64 << 10

    public init(port: UInt16) throws(SerialBackendError) {
        #if canImport(Glibc)
        let stream = Int32(SOCK_STREAM.rawValue)
        #else
        let stream = SOCK_STREAM
        #endif
        let s = socket(AF_INET, stream, 0)
        guard s >= 0 else { throw SerialBackendError("cannot create a socket: \(SerialBackends.errnoText())") }
        var one: Int32 = 1
        _ = setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopbackAddress(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(s, 1) == 0 else {
            let why = SerialBackends.errnoText()
            _ = sysClose(s)
            throw SerialBackendError("cannot listen on 127.0.0.1:\(port): \(why)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &length) }
        }
        self.port = UInt16(bigEndian: actual.sin_port)
        SerialBackends.setNonBlocking(s)
        listener = s
    }

    static func loopbackAddress(port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        #if canImport(Darwin)
        a.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)   // 127.0.0.1 only
        return a
    }

    public var isConnected: Bool { client >= 0 }
    public var hasInput: Bool { listener >= 0 }

    private func acceptIfWaiting() {
        guard client < 0, listener >= 0 else { return }
        let c = accept(listener, nil, nil)
        guard c >= 0 else { return }
        SerialBackends.setNonBlocking(c)
        var one: Int32 = 1
        _ = setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        _ = setsockopt(c, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        client = c
    }

    private func dropClient() {
        if client >= 0 { _ = sysClose(client); client = -1 }
    }

    private func flush() {
        guard client >= 0, !pending.isEmpty else { return }
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        while !pending.isEmpty {
            let n = pending.withUnsafeBytes { sysSend(client, $0.baseAddress, $0.count, flags) }
            if n > 0 { pending.removeFirst(n); continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            dropClient(); return
        }
    }

    public func send(_ byte: UInt8) {
        if pending.count < Self.pendingLimit { pending.append(byte) }
        flush()
    }

    public func receive(max: Int) -> [UInt8] {
        acceptIfWaiting()
        flush()
        guard client >= 0 else { return [] }
        guard let bytes = SerialBackends.readAvailable(client, max: max) else {
            dropClient()   // the client went away; wait for the next one
            return []
        }
        return bytes
    }

    public func close() {
        dropClient()
        if listener >= 0 { _ = sysClose(listener); listener = -1 }
    }
    deinit { close() }
}

// Unqualified `open`, `close` and `send` would resolve to the methods of the types above.
@inline(__always) private func sysOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}
@inline(__always) private func sysClose(_ fd: Int32) -> Int32 { close(fd) }
@inline(__always) private func sysSend(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int, _ flags: Int32) -> Int {
    send(fd, p, n, flags)
}
