import Testing
@testable import Chipset
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host ends of the serial ports, and the `--serial` option syntax.
@Suite struct SerialBackendTests {
    final class Clock { var t: UInt64 = 0 }

    // MARK: Option parsing

    @Test func parsesTheFourBackends() throws {
        #expect(try SerialBackendOption.parse("stdio") == .stdio)
        #expect(try SerialBackendOption.parse("pty") == .pty)
        #expect(try SerialBackendOption.parse("file:/tmp/com1.log") == .file("/tmp/com1.log"))
        #expect(try SerialBackendOption.parse("file:a:b") == .file("a:b"))
        #expect(try SerialBackendOption.parse("tcp:127.0.0.1:4555") == .tcp(port: 4555))
        #expect(try SerialBackendOption.parse("tcp:127.0.0.1:0") == .tcp(port: 0))
        #expect(SerialBackendOption.tcp(port: 4555).description == "tcp:127.0.0.1:4555")
    }

    @Test(arguments: [
        ("", "unknown serial option"),
        ("STDIO", "unknown serial option"),
        ("telnet:127.0.0.1:23", "unknown serial option"),
        ("file:", "needs a path"),
        ("tcp:4555", "needs an address and a port"),
        ("tcp::4555", "only on the loopback address"),
        ("tcp:0.0.0.0:4555", "only on the loopback address"),
        ("tcp:localhost:4555", "only on the loopback address"),
        ("tcp:192.168.1.2:4555", "only on the loopback address"),
        ("tcp:[::1]:4555", "only on the loopback address"),
        ("tcp:127.0.0.1:", "port must be a number"),
        ("tcp:127.0.0.1:65536", "port must be a number"),
        ("tcp:127.0.0.1:+1", "port must be a number"),
        ("tcp:127.0.0.1:4555,server,nowait", "port must be a number"),
    ])
    func rejectsBadOptionsWithAClearError(text: String, message: String) {
        do {
            _ = try SerialBackendOption.parse(text)
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func nonLoopbackAddressErrorSuggestsTheLoopbackForm() {
        #expect(throws: SerialBackendError(
            "serial option 'tcp:0.0.0.0:4555': pcemu listens only on the loopback address; write tcp:127.0.0.1:4555")) {
            try SerialBackendOption.parse("tcp:0.0.0.0:4555")
        }
    }

    // MARK: File

    @Test func fileBackendCapturesWhatTheGuestTransmits() throws {
        let path = "/tmp/pcemu-uart-test-\(getpid()).log"
        defer { unlink(path) }
        let backend = try SerialBackendOption.file(path).open(announce: { _ in })
        #expect(!backend.hasInput)
        let clock = Clock()
        let scheduler = Scheduler(cyclesPerSecond: 10_000_000) { clock.t }
        let uart = UART16550(base: 0x3F8, irq: 4, scheduler: scheduler, irqLines: IRQRecorder(), backend: backend)
        let bus = IOPortBus()
        uart.attach(to: bus)
        bus.writePort(0x3FB, size: 1, value: 0x83); bus.writePort(0x3F8, size: 1, value: 1)
        bus.writePort(0x3F9, size: 1, value: 0); bus.writePort(0x3FB, size: 1, value: 0x03)
        bus.writePort(0x3FA, size: 1, value: 0x07)
        for b in "boot: OK\n".utf8 { bus.writePort(0x3F8, size: 1, value: UInt32(b)) }
        clock.t = 20 * uart.characterCycles
        scheduler.runDue()
        #expect(bus.readPort(0x3FD, size: 1) & 0x40 != 0)
        uart.close()
        #expect(try readFile(path) == Array("boot: OK\n".utf8))
    }

    @Test func fileBackendNamesAnUnwritablePath() {
        do {
            _ = try FileSerialBackend(path: "/nonexistent-dir/com1.log")
            Issue.record("opened a file in a missing directory")
        } catch {
            #expect(error.description.contains("/nonexistent-dir/com1.log"))
        }
    }

    // MARK: TCP

    @Test func tcpBackendExchangesBytesWithAClient() throws {
        var announced: [String] = []
        let backend = try SerialBackendOption.tcp(port: 0).open(announce: { announced.append($0) })
        defer { backend.close() }
        let tcp = try #require(backend as? TCPSerialBackend)
        #expect(tcp.port != 0)
        #expect(announced == ["pcemu: serial port listening on tcp:127.0.0.1:\(tcp.port)"])

        let clock = Clock()
        let scheduler = Scheduler(cyclesPerSecond: 10_000_000) { clock.t }
        let irqs = IRQRecorder()
        let uart = UART16550(base: 0x3F8, irq: 4, scheduler: scheduler, irqLines: irqs, backend: backend)
        let bus = IOPortBus()
        uart.attach(to: bus)
        bus.writePort(0x3FB, size: 1, value: 0x83); bus.writePort(0x3F8, size: 1, value: 1)
        bus.writePort(0x3FB, size: 1, value: 0x03)
        bus.writePort(0x3FA, size: 1, value: 0x07)
        #expect(bus.readPort(0x3FE, size: 1) == 0x00)       // no client: CTS, DSR, DCD low

        // The guest transmits before anyone is connected: the bytes are kept for the client.
        for b in "hi".utf8 { bus.writePort(0x3F8, size: 1, value: UInt32(b)) }
        func step(_ cycles: UInt64) {
            let end = clock.t + cycles
            while scheduler.nextDeadline <= end { clock.t = max(clock.t, scheduler.nextDeadline); scheduler.runDue() }
            clock.t = end
        }
        step(10_000)

        let client = try connectClient(port: tcp.port)
        defer { close(client) }
        // Guest time passes in 1 ms polls until the UART has accepted the client (bounded).
        for _ in 0..<2000 where !tcp.isConnected { step(10_000); usleep(500) }
        #expect(tcp.isConnected)
        #expect(bus.readPort(0x3FE, size: 1) == 0xBB)       // CTS, DSR, DCD with their deltas
        #expect(try receiveBytes(client, count: 2) == Array("hi".utf8))

        // The client types; the bytes reach the receiver FIFO.
        let sent = Array("xyz".utf8)
        #expect(sent.withUnsafeBytes { send(client, $0.baseAddress, $0.count, 0) } == 3)
        var got: [UInt8] = []
        for _ in 0..<2000 where got.count < 3 {
            step(10_000)
            while bus.readPort(0x3FD, size: 1) & 0x01 != 0 { got.append(UInt8(bus.readPort(0x3F8, size: 1))) }
            if got.count < 3 { usleep(500) }
        }
        #expect(got == sent)

        // And the guest answers while the client is connected.
        bus.writePort(0x3F8, size: 1, value: UInt32(UInt8(ascii: "!")))
        step(10_000)
        #expect(try receiveBytes(client, count: 1) == [UInt8(ascii: "!")])
    }

    @Test func tcpBackendRefusesAPortInUse() throws {
        let first = try TCPSerialBackend(port: 0)
        defer { first.close() }
        #expect(throws: SerialBackendError.self) { _ = try TCPSerialBackend(port: first.port) }
    }

    // MARK: Pseudo-terminal

    @Test func ptyBackendTalksToTheSlaveSide() throws {
        var announced: [String] = []
        let backend = try SerialBackendOption.pty.open(announce: { announced.append($0) })
        defer { backend.close() }
        let pty = try #require(backend as? PTYSerialBackend)
        #expect(pty.path.hasPrefix("/dev/"))
        #expect(announced == ["pcemu: serial port connected to \(pty.path)"])
        let slave = open(pty.path, O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        defer { close(slave) }
        backend.send(0x41)
        backend.send(0x0A)                                 // raw mode: no newline translation
        #expect(try receiveBytes(slave, count: 2) == [0x41, 0x0A])
        let typed: [UInt8] = [0x31, 0x0D, 0x32]            // raw mode: CR stays CR, no echo
        #expect(typed.withUnsafeBytes { write(slave, $0.baseAddress, $0.count) } == 3)
        var got: [UInt8] = []
        for _ in 0..<200 where got.count < 3 {
            got += backend.receive(max: 16)
            if got.count < 3 { usleep(5000) }
        }
        #expect(got == typed)
    }

    // MARK: Helpers

    func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if n <= 0 { break }
            result += buffer[..<n]
        }
        return result
    }

    func connectClient(port: UInt16) throws -> Int32 {
        #if canImport(Glibc)
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let s = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        try #require(s >= 0)
        var address = TCPSerialBackend.loopbackAddress(port: port)
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(r == 0)
        return s
    }

    /// Reads `count` bytes, waiting at most 2 s in total.
    func receiveBytes(_ fd: Int32, count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        var waited = 0
        while result.count < count && waited < 2000 {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 100) <= 0 { waited += 100; continue }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 256) }
            if n <= 0 { break }
            result += buffer[..<n]
        }
        return result
    }
}
