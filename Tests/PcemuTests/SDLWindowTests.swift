import Foundation
import Testing

/// The SDL window opened for real on an X server (Xvfb), captured and typed into.
///
/// Needs Xvfb, xdotool and ImageMagick's `import` (scripts/install-deps installs the
/// Debian packages xvfb, xdotool and imagemagick); without them the test is skipped.
/// It starts `Xvfb :97` (1920×1200), runs `pcemu --display sdl --bios
/// testroms/sdl-echo.bin --debugcon FILE` on it, and checks:
///   - the window is 1440×1080: the ROM's 720×400 text mode shown 4:3 (720×540) at
///     2×, the largest whole multiple that fits 90% of the screen;
///   - a capture of the X screen (`import -window root`) shows the ROM's pattern there:
///     16 colour bars 90 pixels wide (45 guest pixels × 2) with sharp edges, a white
///     row across the middle, black below;
///   - the title shows the guest's MIPS and how to capture the mouse; a click captures
///     it, Ctrl+Alt+G releases it (and its G never reaches the guest);
///   - keys typed with `xdotool key` reach the guest as set 2 scan codes (the ROM echoes
///     them to port 0xE9);
///   - the window is resizable: made 1000×800, it shows the picture at 1× (720×540),
///     centred on black; Escape then ends the run with exit status 0.
/// The capture is kept as .build/sdl-window-test.png for a look.
/// A second test closes the window as a window manager would and checks that the run
/// ends cleanly with the floppy image written back, and that the title showed the
/// floppy's activity.
@Suite(.serialized) struct SDLWindowTests {
    static func tool(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static let toolsInstalled = ["Xvfb", "xdotool", "import"].allSatisfy { tool($0) != nil }
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs a tool to completion; its standard output and status.
    @discardableResult
    static func run(_ tool: String, _ args: [String], display: String) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.tool(tool) ?? tool)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = display
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Ends a process: SIGTERM, then SIGKILL if it is still there after 3 s (Xvfb may
    /// start with SIGTERM blocked, inherited from the thread that spawned it).
    static func stop(_ p: Process) {
        guard p.isRunning else { return }
        p.terminate()
        if !eventually(3, { !p.isRunning }) { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    /// Polls `check` every 100 ms for up to `seconds`.
    static func eventually(_ seconds: Double, _ check: () throws -> Bool) rethrows -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        repeat {
            if try check() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < deadline
        return try check()
    }

    /// An X server, Xvfb :97 (1920×1200), or the next number if another server holds it.
    /// Xvfb itself takes over a stale lock; it is ready when xdotool can ask it its size.
    static func startXvfb() throws -> (Process, String)? {
        for n in 97...105 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.tool("Xvfb")!)
            p.arguments = [":\(n)", "-screen", "0", "1920x1200x24", "-nolisten", "tcp"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let up = try Self.eventually(10) {
                guard p.isRunning else { return true }
                return try Self.run("xdotool", ["getdisplaygeometry"], display: ":\(n)").out.hasPrefix("1920 1200")
            }
            if up && p.isRunning { return (p, ":\(n)") }
            Self.stop(p)
        }
        return nil
    }

    static func stopXvfb(_ xvfb: Process, _ display: String) {
        Self.stop(xvfb)
        // A killed Xvfb leaves its lock and socket behind.
        let n = display.dropFirst()
        try? FileManager.default.removeItem(atPath: "/tmp/.X\(n)-lock")
        try? FileManager.default.removeItem(atPath: "/tmp/.X11-unix/X\(n)")
    }

    /// The X window of the pcemu run on `display` (its title starts with "pcemu").
    /// The pcemu window that exists now: `xdotool search` can also list a window SDL has
    /// already destroyed (its name then reads as empty), so each match is asked for its name.
    static func pcemuWindow(_ display: String, within seconds: Double = 15) throws -> String? {
        var window = ""
        _ = try Self.eventually(seconds) {
            let matches = try Self.run("xdotool", ["search", "--name", "^pcemu"], display: display).out
                .split(separator: "\n").map(String.init)
            window = try matches.first {
                try Self.run("xdotool", ["getwindowname", $0], display: display).out.hasPrefix("pcemu")
            } ?? ""
            return !window.isEmpty
        }
        return window.isEmpty ? nil : window
    }

    /// A binary PPM (P6) image.
    struct PPM {
        let width: Int, height: Int
        let bytes: [UInt8]
        let offset: Int
        init?(_ data: Data) {
            let b = [UInt8](data)
            var fields: [Int] = []
            var i = 2
            guard b.count > 2, b[0] == UInt8(ascii: "P"), b[1] == UInt8(ascii: "6") else { return nil }
            while fields.count < 3 && i < b.count {
                while i < b.count && (b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09) { i += 1 }
                if i < b.count && b[i] == UInt8(ascii: "#") { while i < b.count && b[i] != 0x0A { i += 1 }; continue }
                var v = 0
                while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { v = v * 10 + Int(b[i] - 0x30); i += 1 }
                fields.append(v)
            }
            guard fields.count == 3, fields[2] == 255 else { return nil }
            width = fields[0]; height = fields[1]; bytes = b; offset = i + 1
            guard b.count >= offset + width * height * 3 else { return nil }
        }
        func rgb(_ x: Int, _ y: Int) -> [UInt8] {
            let o = offset + (y * width + x) * 3
            return [bytes[o], bytes[o + 1], bytes[o + 2]]
        }
    }

    /// The 16 colours the ROM loads into the DAC (the CGA colours).
    static let colours: [[UInt8]] = [
        [0x00, 0x00, 0x00], [0x00, 0x00, 0xAA], [0x00, 0xAA, 0x00], [0x00, 0xAA, 0xAA],
        [0xAA, 0x00, 0x00], [0xAA, 0x00, 0xAA], [0xAA, 0x55, 0x00], [0xAA, 0xAA, 0xAA],
        [0x55, 0x55, 0x55], [0x55, 0x55, 0xFF], [0x55, 0xFF, 0x55], [0x55, 0xFF, 0xFF],
        [0xFF, 0x55, 0x55], [0xFF, 0x55, 0xFF], [0xFF, 0xFF, 0x55], [0xFF, 0xFF, 0xFF],
    ]

    @Test(.enabled(if: SDLWindowTests.toolsInstalled, "needs Xvfb, xdotool and ImageMagick (scripts/install-deps installs them)"))
    func windowShowsThePatternAndTakesKeys() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pcemu-sdl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        guard let (xvfb, display) = try Self.startXvfb() else { Issue.record("Xvfb did not start"); return }
        defer { Self.stopXvfb(xvfb, display) }

        // pcemu in a window on it.
        let debugcon = work.appendingPathComponent("debugcon.txt").path
        let pcemu = Process()
        pcemu.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        pcemu.arguments = ["--display", "sdl", "--bios", Self.root.appendingPathComponent("testroms/sdl-echo.bin").path,
                           "--debugcon", debugcon]
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = display
        env.removeValue(forKey: "SDL_VIDEODRIVER")
        pcemu.environment = env
        let errPipe = Pipe()
        pcemu.standardOutput = FileHandle.nullDevice
        pcemu.standardError = errPipe
        try pcemu.run()
        defer { Self.stop(pcemu) }
        func console() -> String {
            String(decoding: FileManager.default.contents(atPath: debugcon) ?? Data(), as: UTF8.self)
        }
        #expect(Self.eventually(30) { console().contains("READY") }, "the ROM did not start")

        // The window and its geometry.
        guard let window = try Self.pcemuWindow(display) else { Issue.record("no pcemu window on \(display)"); return }
        var geometry: [String: Int] = [:]
        _ = try Self.eventually(10) {
            geometry = [:]
            for line in try Self.run("xdotool", ["getwindowgeometry", "--shell", window], display: display).out.split(separator: "\n") {
                let kv = line.split(separator: "=")
                if kv.count == 2, let v = Int(kv[1]) { geometry[String(kv[0])] = v }
            }
            return geometry["WIDTH"] == 1440 && geometry["HEIGHT"] == 1080
        }
        #expect(geometry["WIDTH"] == 1440 && geometry["HEIGHT"] == 1080, "window geometry \(geometry)")
        let wx = geometry["X"] ?? 0, wy = geometry["Y"] ?? 0

        // The picture: capture the screen until the pattern is there, then check it.
        let capture = work.appendingPathComponent("screen.ppm").path
        var image: PPM?
        let barY = wy + Int(100 * 2.7)            // guest line 100 (bar rows), scaled 1080/400
        let patternShown = try Self.eventually(15) {
            try Self.run("import", ["-window", "root", "-depth", "8", "ppm:" + capture], display: display)
            image = FileManager.default.contents(atPath: capture).flatMap(PPM.init)
            guard let image, image.width >= wx + 1440, image.height >= wy + 1080 else { return false }
            return image.rgb(wx + 2 * 67, barY) == Self.colours[1]
        }
        #expect(patternShown, "the bars never appeared")
        if let image {
            #expect(image.width == 1920 && image.height == 1200)
            for n in 0..<16 {
                let x = wx + 2 * (n * 45) + 45     // the middle of bar n (90 pixels wide)
                #expect(image.rgb(x, barY) == Self.colours[n], "bar \(n) at \(x),\(barY): \(image.rgb(x, barY))")
            }
            // Whole-multiple width: the edge between bars 0 and 1 falls exactly at 90 pixels.
            #expect(image.rgb(wx + 89, barY) == Self.colours[0] && image.rgb(wx + 90, barY) == Self.colours[1])
            #expect(image.rgb(wx + 720, wy + Int((12 * 16 + 8) * 2.7)) == Self.colours[15], "white row")
            #expect(image.rgb(wx + 720, wy + Int((13 * 16 + 8) * 2.7)) == Self.colours[0], "black below")
            // The white row (guest lines 192–207) starts at 192 × 2.7 = 518.4 on screen, below
            // bar 8 (guest x 360): one blended line at most, not a blur.
            #expect(image.rgb(wx + 720, wy + 517) == Self.colours[8] && image.rgb(wx + 720, wy + 520) == Self.colours[15])
            let png = Self.root.appendingPathComponent(".build/sdl-window-test.png").path
            try? Self.run("convert", [capture, png], display: display)
        }

        // The title, and capturing and releasing the mouse.
        func title() throws -> String { try Self.run("xdotool", ["getwindowname", window], display: display).out }
        #expect(try Self.eventually(5) { try title().contains("MIPS") && title().contains("click to capture the mouse") },
                "title: \((try? title()) ?? "")")
        try Self.run("xdotool", ["mousemove", String(wx + 700), String(wy + 800), "click", "1"], display: display)
        #expect(try Self.eventually(5) { try title().contains("Ctrl+Alt+G releases the mouse") }, "title: \((try? title()) ?? "")")
        try Self.run("xdotool", ["key", "ctrl+alt+g"], display: display)
        #expect(try Self.eventually(5) { try title().contains("click to capture the mouse") }, "title: \((try? title()) ?? "")")

        // Keys: A and Up; the ROM shows each byte it gets as two colour cells from row 14,
        // the first byte being Ctrl's 14: blue (1), red (4).
        try Self.run("xdotool", ["key", "--delay", "100", "a", "Up"], display: display)
        _ = Self.eventually(10) { console().hasSuffix("E0 F0 75 ") }
        let cellY = wy + Int((14 * 16 + 8) * 2.7)
        let echoShown = try Self.eventually(10) {
            try Self.run("import", ["-window", "root", "-depth", "8", "ppm:" + capture], display: display)
            guard let image = FileManager.default.contents(atPath: capture).flatMap(PPM.init) else { return false }
            return image.rgb(wx + 8, cellY) == Self.colours[1] && image.rgb(wx + 26, cellY) == Self.colours[4]
        }
        #expect(echoShown, "the echoed bytes never appeared on screen")
        try? Self.run("convert", [capture, Self.root.appendingPathComponent(".build/sdl-window-test-keys.png").path], display: display)
        // Resizable: at 1000×800 the picture is the largest whole multiple that fits, 1×
        // (720×540, 4:3), centred: 140 pixels of black left and right, 130 above and below.
        try Self.run("xdotool", ["windowsize", window, "1000", "800"], display: display)
        var resized: [String: Int] = [:]
        _ = try Self.eventually(10) {
            resized = [:]
            for line in try Self.run("xdotool", ["getwindowgeometry", "--shell", window], display: display).out.split(separator: "\n") {
                let kv = line.split(separator: "=")
                if kv.count == 2, let v = Int(kv[1]) { resized[String(kv[0])] = v }
            }
            return resized["WIDTH"] == 1000 && resized["HEIGHT"] == 800
        }
        #expect(resized["WIDTH"] == 1000 && resized["HEIGHT"] == 800, "window geometry after resizing: \(resized)")
        let rx = (resized["X"] ?? 0) + 140, ry = (resized["Y"] ?? 0) + 130
        let rowY = ry + Int(100 * 1.35)            // guest line 100, scaled 540/400
        let resizedShown = try Self.eventually(10) {
            try Self.run("import", ["-window", "root", "-depth", "8", "ppm:" + capture], display: display)
            guard let image = FileManager.default.contents(atPath: capture).flatMap(PPM.init) else { return false }
            return (0..<16).allSatisfy { image.rgb(rx + $0 * 45 + 22, rowY) == Self.colours[$0] }
                && image.rgb(rx + 44, rowY) == Self.colours[0] && image.rgb(rx + 45, rowY) == Self.colours[1]
                && image.rgb(rx - 1, ry + Int(200 * 1.35)) == Self.colours[0]        // margin left of the white row
                && image.rgb(rx, ry + Int(200 * 1.35)) == Self.colours[15]
                && image.rgb(rx + 719, ry + Int(200 * 1.35)) == Self.colours[15]
                && image.rgb(rx + 720, ry + Int(200 * 1.35)) == Self.colours[0]
        }
        #expect(resizedShown, "after resizing, the picture is not at 1x centred")
        try? Self.run("convert", [capture, Self.root.appendingPathComponent(".build/sdl-window-test-resized.png").path], display: display)

        // Escape ends the run.
        try Self.run("xdotool", ["key", "Escape"], display: display)
        #expect(Self.eventually(20) { !pcemu.isRunning }, "pcemu did not exit after Escape")
        Self.stop(pcemu)
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(pcemu.terminationStatus == 0, "exit status \(pcemu.terminationStatus): \(stderr)")
        let echo = console()
        #expect(echo.hasPrefix("READY\r\n"))
        #expect(echo.hasSuffix("1C F0 1C E0 75 E0 F0 75 76 \r\nBYE\r\n"), "echo: \(echo.debugDescription)")
        // Ctrl+Alt+G: the guest saw Ctrl and Alt, never the G (34) the window kept.
        #expect(echo.contains("14 ") && echo.contains("11 ") && !echo.contains("34 "), "echo: \(echo.debugDescription)")
    }

    /// Sends the window what a window manager sends when its close button is clicked
    /// (a WM_PROTOCOLS client message with WM_DELETE_WINDOW); Xvfb runs no window manager
    /// and xdotool 3.2016 cannot send it, so the test builds this 20-line Xlib program
    /// (libx11-dev, installed with libsdl2-dev).
    static let closeWindowSource = """
        #include <X11/Xlib.h>
        #include <stdlib.h>
        int main(int argc, char **argv) {
            if (argc != 2) return 64;
            Display *d = XOpenDisplay(NULL);
            if (!d) return 69;
            Window w = (Window)strtoul(argv[1], NULL, 0);
            XEvent e = {0};
            e.xclient.type = ClientMessage;
            e.xclient.window = w;
            e.xclient.message_type = XInternAtom(d, "WM_PROTOCOLS", False);
            e.xclient.format = 32;
            e.xclient.data.l[0] = XInternAtom(d, "WM_DELETE_WINDOW", False);
            e.xclient.data.l[1] = CurrentTime;
            if (!XSendEvent(d, w, False, NoEventMask, &e)) return 1;
            XSync(d, False);
            XCloseDisplay(d);
            return 0;
        }
        """

    /// Closing the window ends the machine cleanly: the floppy image, which pcemu keeps in
    /// memory during the run, is written back to its file. The guest is pcemu's own BIOS
    /// booting testroms/floppy-write.bin, a boot sector that copies itself to sector 2
    /// with INT 13h, says "WROTE" on port 0xE9 and halts with interrupts on. On the way
    /// the title shows the floppy's activity ("FD busy" while its motor runs; the BIOS
    /// stops the motor 2 s after the write).
    @Test(.enabled(if: SDLWindowTests.toolsInstalled && SDLWindowTests.tool("cc") != nil,
                   "needs Xvfb, xdotool, ImageMagick and a C compiler with Xlib (scripts/install-deps)"))
    func closingTheWindowEndsTheRunAndWritesTheFloppyBack() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pcemu-sdl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let source = work.appendingPathComponent("close-window.c"), closer = work.appendingPathComponent("close-window")
        try Self.closeWindowSource.write(to: source, atomically: true, encoding: .utf8)
        let cc = try Self.run("cc", ["-o", closer.path, source.path, "-lX11"], display: "")
        try #require(cc.status == 0, "cc could not build the Xlib helper (is libx11-dev installed?)")

        let bootSector = try Data(contentsOf: Self.root.appendingPathComponent("testroms/floppy-write.bin"))
        try #require(bootSector.count == 512)
        let image = work.appendingPathComponent("floppy.img")
        try (bootSector + Data(count: 1_474_560 - 512)).write(to: image)
        func sector(_ n: Int) -> Data? {
            guard let d = FileManager.default.contents(atPath: image.path), d.count >= (n + 1) * 512 else { return nil }
            return d.subdata(in: n * 512 ..< (n + 1) * 512)
        }

        guard let (xvfb, display) = try Self.startXvfb() else { Issue.record("Xvfb did not start"); return }
        defer { Self.stopXvfb(xvfb, display) }
        let debugcon = work.appendingPathComponent("debugcon.txt").path
        let pcemu = Process()
        pcemu.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        pcemu.arguments = ["--display", "sdl", "--floppy", image.path, "--debugcon", debugcon]
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = display
        env.removeValue(forKey: "SDL_VIDEODRIVER")
        pcemu.environment = env
        let errPipe = Pipe()
        pcemu.standardOutput = FileHandle.nullDevice
        pcemu.standardError = errPipe
        try pcemu.run()
        defer { Self.stop(pcemu) }
        func console() -> String {
            String(decoding: FileManager.default.contents(atPath: debugcon) ?? Data(), as: UTF8.self)
        }
        guard try Self.pcemuWindow(display) != nil else { Issue.record("no pcemu window on \(display)"); return }
        // Looked up again each time (see pcemuWindow).
        func title() throws -> String {
            guard let window = try Self.pcemuWindow(display, within: 2) else { return "" }
            return try Self.run("xdotool", ["getwindowname", window], display: display).out
        }

        #expect(Self.eventually(30) { console().contains("WROTE\n") }, "the boot sector did not write: \(console())")
        var titles: Set<String> = []
        let busy = try Self.eventually(6) { let t = try title(); titles.insert(t); return t.contains("FD busy") }
        #expect(busy, "the title never showed the floppy motor: \(titles)")
        let idle = try Self.eventually(8) { let t = try title(); titles.insert(t); return !t.contains("FD busy") && t.contains("MIPS") }
        #expect(idle, "the title kept showing the floppy motor: \(titles)")
        // The write lives in pcemu's copy of the image until the run ends.
        #expect(sector(1) == Data(count: 512), "sector 2 reached the file before the run ended")

        let window = try Self.pcemuWindow(display) ?? ""
        let closed = try Self.run(closer.path, [window], display: display)
        #expect(closed.status == 0, "the Xlib helper failed (\(closed.status))")
        #expect(Self.eventually(20) { !pcemu.isRunning }, "pcemu did not exit when its window was closed")
        Self.stop(pcemu)
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(pcemu.terminationReason == .exit && pcemu.terminationStatus == 0, "status \(pcemu.terminationStatus): \(stderr)")
        #expect(sector(1) == bootSector, "the guest's write did not reach the image file when the window closed")
        #expect(sector(0) == bootSector)
    }
}
