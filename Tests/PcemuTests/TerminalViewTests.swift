import Foundation
import Testing

/// The terminal view end to end: `pcemu` started on a pseudo-terminal with no DISPLAY
/// and no `--display` option picks the terminal view by itself, draws the guest's text
/// screen with ANSI escape sequences, and feeds what is typed back to the guest.
///
/// The guest is testroms/sdl-echo.bin: it programs VGA text mode through the registers,
/// draws 16 bars with background colours 0–15 (attribute bit 7 = bright background) and
/// echoes every keyboard byte it reads from the 8042 (scan code set 2, no translation)
/// to port 0xE9, which goes to a file here; Escape ends its run with exit status 0.
@Suite(.serialized) struct TerminalViewTests {
    /// A pseudo-terminal pair of `columns` × `rows`: the master (the test's end) and the
    /// slave (pcemu's standard input, output and error).
    /// posix_openpt, grantpt, unlockpt and ptsname from the C library (Glibc's Swift
    /// module leaves them out: they need _XOPEN_SOURCE).
    static func libc<T>(_ name: String, as type: T.Type) throws -> T {
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), name), "\(name) not in the C library")
        return unsafeBitCast(symbol, to: type)
    }

    static func openPTY(columns: UInt16, rows: UInt16) throws -> (master: Int32, slave: Int32) {
        typealias IntOfInt = @convention(c) (Int32) -> Int32
        let posixOpenpt = try libc("posix_openpt", as: IntOfInt.self)
        let grantpt = try libc("grantpt", as: IntOfInt.self)
        let unlockpt = try libc("unlockpt", as: IntOfInt.self)
        let ptsname = try libc("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
        let master = posixOpenpt(O_RDWR | O_NOCTTY)
        try #require(master >= 0, "posix_openpt: \(String(cString: strerror(errno)))")
        try #require(grantpt(master) == 0 && unlockpt(master) == 0, "grantpt/unlockpt failed")
        let name = String(cString: try #require(ptsname(master)))
        let slave = open(name, O_RDWR | O_NOCTTY)
        try #require(slave >= 0, "open \(name): \(String(cString: strerror(errno)))")
        var ws = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(slave, UInt(TIOCSWINSZ), &ws)
        return (master, slave)
    }

    /// Collects everything written to the terminal, on a thread of its own.
    final class TerminalOutput: @unchecked Sendable {
        private let lock = NSLock()
        private var bytes: [UInt8] = []
        private(set) var thread: Thread?
        init(master: Int32) {
            let t = Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(master, &buffer, buffer.count)
                    if n <= 0 { if n < 0 && errno == EINTR { continue }; break }   // EIO: every slave closed
                    lock.lock(); bytes += buffer[0..<n]; lock.unlock()
                }
            }
            thread = t
            t.start()
        }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: bytes, as: UTF8.self) }
    }

    static func eventually(_ seconds: Double, _ check: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if check() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return check()
    }

    /// The SGR background code the view uses for IBM colour n in 16-colour mode.
    static func ansiBackground(_ n: Int) -> Int {
        let ansi = (n & 1) << 2 | (n & 2) | (n & 4) >> 2     // IBM bit 0 blue, 2 red; ANSI the reverse
        return (n & 8 != 0 ? 100 : 40) + ansi
    }

    @Test func noDisplayMeansTheTerminalViewAndKeysReachTheGuest() throws {
        let (master, slave) = try Self.openPTY(columns: 80, rows: 30)
        defer { close(master) }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pcemu-tty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let debugcon = work.appendingPathComponent("debugcon.txt").path

        let pcemu = Process()
        pcemu.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        pcemu.arguments = ["--bios", TestROMTests.path("sdl-echo"), "--debugcon", debugcon]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DISPLAY")
        env.removeValue(forKey: "WAYLAND_DISPLAY")
        env.removeValue(forKey: "COLORTERM")
        env["TERM"] = "xterm"
        pcemu.environment = env
        let tty = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        pcemu.standardInput = tty
        pcemu.standardOutput = tty
        pcemu.standardError = tty
        try pcemu.run()
        close(slave)                    // pcemu holds its own copies
        let output = TerminalOutput(master: master)
        defer { if pcemu.isRunning { kill(pcemu.processIdentifier, SIGKILL) }; pcemu.waitUntilExit() }
        func console() -> String { String(decoding: FileManager.default.contents(atPath: debugcon) ?? Data(), as: UTF8.self) }
        func type(_ s: String) { let b = Array(s.utf8); _ = b.withUnsafeBytes { write(master, $0.baseAddress, $0.count) } }

        #expect(Self.eventually(30) { console().contains("READY") }, "the ROM did not start: \(output.text.suffix(500).debugDescription)")
        // The view took the terminal (alternate screen) and draws the bars: every one of the
        // 16 background colours appears, and the status line below the 25 guest rows.
        #expect(Self.eventually(10) {
            let t = output.text
            return t.contains("\u{1B}[?1049h") && (0..<16).allSatisfy { t.contains(";\(Self.ansiBackground($0))m") || t.contains("[\(Self.ansiBackground($0))m") }
        }, "bars not drawn: \(output.text.suffix(800).debugDescription)")
        #expect(Self.eventually(5) { output.text.contains("\u{1B}[26;1H") && output.text.contains("Ctrl-] quits") && output.text.contains("MIPS") })

        // "a" and the Up arrow (CSI A) become set 2 make/break codes in the guest.
        type("a")
        #expect(Self.eventually(10) { console().hasSuffix("1C F0 1C ") }, "echo: \(console().debugDescription)")
        type("\u{1B}[A")
        #expect(Self.eventually(10) { console().hasSuffix("E0 75 E0 F0 75 ") }, "echo: \(console().debugDescription)")
        // A lone Escape is the Escape key: the ROM says BYE and exits cleanly.
        type("\u{1B}")
        #expect(Self.eventually(20) { !pcemu.isRunning }, "pcemu did not end after Escape")
        pcemu.waitUntilExit()
        #expect(pcemu.terminationStatus == 0)
        #expect(console() == "READY\r\n1C F0 1C E0 75 E0 F0 75 76 \r\nBYE\r\n")
        _ = Self.eventually(5) { output.text.contains("\u{1B}[?1049l") }
        #expect(output.text.contains("\u{1B}[?1049l"), "the terminal was not restored")
    }
}
