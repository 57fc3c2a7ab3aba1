// `--display text`: the guest's text screen in the terminal, keystrokes back to it
// (as QEMU's curses display does).
//
// The machine runs on its own thread (MachineRunner). About 30 times a second the
// machine thread reads the text cells, cursor and palette from the VGA card
// (TextScreen) and hands the screen over when it changed; the terminal thread turns
// the difference into escape sequences (ANSITextRenderer) and polls standard input.
//
// The terminal: raw mode (termios: no echo, no line editing, no signals from keys),
// the alternate screen, auto-wrap off, restored on every way out (the run ends, the
// quit key, SIGTERM or SIGHUP). Ctrl-] ends the run (a guest that halts for good
// keeps its last screen up until then); the last line below the guest
// screen, when the terminal has room, says so and shows the guest's speed. Colours are
// 24-bit when COLORTERM says truecolor/24bit, else the 16 ANSI colours.
//
// While the view owns the terminal, whatever else the process writes to standard
// output (the debug console on port 0xE9 by default) is kept in a temporary file and
// printed when the view closes, so it neither garbles the picture nor gets lost.

import Chipset
import Foundation

public final class TerminalFrontEnd {
    public struct Options: Sendable {
        public var realtime = true
        /// Screen updates per second.
        public var framesPerSecond: Double = 30
        public var colorMode: ANSITextRenderer.ColorMode = TerminalFrontEnd.colorModeFromEnvironment()
        public init() {}
    }

    public let options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public static func colorModeFromEnvironment() -> ANSITextRenderer.ColorMode {
        let c = (ProcessInfo.processInfo.environment["COLORTERM"] ?? "").lowercased()
        return c.contains("truecolor") || c.contains("24bit") ? .trueColor : .ansi16
    }

    /// The size of the terminal on `fd` (80×24 when it cannot tell).
    static func terminalSize(_ fd: Int32) -> (columns: Int, rows: Int) {
        var ws = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 {
            return (Int(ws.ws_col), Int(ws.ws_row))
        }
        return (80, 24)
    }

    /// Runs `machine` showing `vga` in the terminal until the run ends or the user quits.
    public func run(machine: Machine, vga: VGACard, maxCycles: UInt64 = .max) -> Machine.Outcome {
        let inputIsTTY = isatty(0) != 0
        let outputIsTTY = isatty(1) != 0
        // Our own descriptor for the picture; standard output goes to a holding file.
        let out = dup(1)
        var held: (fd: Int32, path: String)? = nil
        if outputIsTTY {
            var template = Array((NSTemporaryDirectory() + "/pcemu-stdout-XXXXXX").utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd >= 0 {
                fflush(nil)
                dup2(fd, 1)
                held = (fd, String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        var saved = termios()
        let raw = inputIsTTY && tcgetattr(0, &saved) == 0
        if raw {
            var t = saved
            cfmakeraw(&t)
            t.c_oflag |= tcflag_t(OPOST | ONLCR)
            tcsetattr(0, TCSANOW, &t)
        }
        func write(_ s: String) {
            var bytes = Array(s.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { Foundation.write(out, $0.baseAddress! + offset, $0.count - offset) }
                if n <= 0 { if errno == EINTR || errno == EAGAIN { continue }; break }
                offset += n
            }
            bytes.removeAll()
        }
        write("\u{1B}[?1049h\u{1B}[?7l\u{1B}[?25l\u{1B}[H\u{1B}[2J")

        // Signals: SIGTERM/SIGHUP end the run (the terminal is restored below); SIGWINCH redraws.
        let signals = SignalFlags()
        var sources: [DispatchSourceSignal] = []
        for (sig, action) in [(SIGTERM, 0), (SIGHUP, 0), (SIGWINCH, 1)] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { action == 0 ? signals.set(quit: true) : signals.set(resize: true) }
            s.resume()
            sources.append(s)
        }

        let mailbox = ScreenMailbox()
        let runner = MachineRunner(machine: machine, options: .init(realtime: options.realtime, maxCycles: maxCycles,
                                                                    framesPerSecond: options.framesPerSecond))
        runner.onFrameTick = { mailbox.publish(vga.terminalScreen) }
        runner.start()

        var renderer = ANSITextRenderer(colorMode: options.colorMode)
        var size = Self.terminalSize(out)
        renderer.terminalColumns = size.columns; renderer.terminalRows = size.rows
        var parser = TerminalInputParser()
        var lastInput = MachineRunner.now()
        var stopping = false
        var screen: TextScreen? = nil
        var serial: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: 256)
        func handle(_ input: TerminalInputParser.Input) {
            switch input {
            case .quit: if !stopping { stopping = true; runner.requestStop() }
            case .key(let k): runner.send(k.events())
            }
        }
        while runner.outcome == nil {
            var pfd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let ready = inputIsTTY ? poll(&pfd, 1, 15) : { usleep(15_000); return 0 }()
            if ready > 0 && pfd.revents & Int16(POLLIN) != 0 {
                let n = read(0, &buffer, buffer.count)
                if n > 0 {
                    lastInput = MachineRunner.now()
                    for input in parser.feed(Array(buffer[0..<n])) { handle(input) }
                }
            }
            if parser.hasPending && MachineRunner.now() - lastInput > 0.05 {
                for input in parser.flush() { handle(input) }
            }
            let flags = signals.take()
            if flags.quit && !stopping { stopping = true; runner.requestStop() }
            if flags.resize {
                size = Self.terminalSize(out)
                renderer.terminalColumns = size.columns; renderer.terminalRows = size.rows
                renderer.invalidate()
                write("\u{1B}[0m\u{1B}[2J")
            }
            if let (s, n) = mailbox.take(after: serial) { screen = s; serial = n }
            if let screen {
                let text = renderer.update(to: screen, status: status(runner.stats))
                if !text.isEmpty { write(text) }
            }
        }
        let outcome = runner.wait()
        if !stopping && inputIsTTY, let why = SDLFrontEnd.haltDescription(outcome) {
            // The machine stopped by itself: keep its last screen until the quit key.
            if let (s, _) = mailbox.take(after: serial) { screen = s }
            if let screen { write(renderer.update(to: screen, status: "pcemu — the machine stopped (\(why)) — Ctrl-] quits")) }
            var quit = false
            while !quit && !signals.take().quit {
                var pfd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 200) > 0 else { continue }
                let n = read(0, &buffer, buffer.count)
                if n <= 0 { break }
                quit = buffer[0..<n].contains(parser.quitByte)
            }
        }

        for s in sources { s.cancel() }
        for sig in [SIGTERM, SIGHUP, SIGWINCH] { signal(sig, SIG_DFL) }
        write("\u{1B}[0m\u{1B}[?7h\u{1B}[?25h\u{1B}[?1049l")
        if raw { tcsetattr(0, TCSANOW, &saved) }
        if let held {
            fflush(nil)
            dup2(out, 1)
            if let data = FileManager.default.contents(atPath: held.path), !data.isEmpty {
                FileHandle.standardOutput.write(data)
            }
            close(held.fd)
            unlink(held.path)
        }
        close(out)
        return outcome
    }

    private func status(_ s: MachineRunner.Stats) -> String {
        var t = String(format: "pcemu — Ctrl-] quits — %.1f MIPS", s.mips)
        if s.hardDiskActive { t += " — HD busy" }
        if s.floppyActive { t += " — FD busy" }
        return t
    }
}

/// Signal flags set by dispatch handlers, read by the terminal loop.
final class SignalFlags: @unchecked Sendable {
    private let lock = NSLock()
    private var quit = false, resize = false
    func set(quit q: Bool = false, resize r: Bool = false) {
        lock.lock(); quit = quit || q; resize = resize || r; lock.unlock()
    }
    func take() -> (quit: Bool, resize: Bool) {
        lock.lock(); defer { quit = false; resize = false; lock.unlock() }
        return (quit, resize)
    }
}

/// The newest text screen, handed from the machine thread to the terminal thread.
final class ScreenMailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var screen: TextScreen?
    private var serial: UInt64 = 0

    func publish(_ s: TextScreen) {
        lock.lock(); defer { lock.unlock() }
        if s != screen { screen = s; serial &+= 1 }
    }

    func take(after: UInt64) -> (TextScreen, UInt64)? {
        lock.lock(); defer { lock.unlock() }
        guard serial != after, let screen else { return nil }
        return (screen, serial)
    }
}
