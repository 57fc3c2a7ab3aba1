import Foundation
import Testing

let goldenWindowToolsInstalled = ["Xvfb", "xdotool", "import", "convert"].allSatisfy { SDLWindowTests.tool($0) != nil }
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/syslinux")

/// Golden frames of the SDL window (issue 6): the own BIOS's POST screen, and SYSLINUX's
/// `boot:` prompt, captured from an X server (Xvfb, 1024×768) with ImageMagick's `import`
/// and compared with Tests/PcemuTests/Golden/window-*.png, which were looked at before
/// they were committed.
///
/// The window is 720×540 there (the 720×400 text mode shown 4:3 at 1×, the largest
/// multiple that fits 90% of the screen). The guest runs paced to the wall clock, so the
/// cursor may be on or off when the frame is taken: the frames must match exactly except
/// inside one character cell (the cursor's). PCEMU_UPDATE_GOLDEN=1 writes the captures as
/// the new golden frames instead (look at them before committing).
@Suite(.serialized) struct GoldenWindowTests {
    static let golden = SDLWindowTests.root.appendingPathComponent("Tests/PcemuTests/Golden")

    /// Xvfb on the first free display from :90; nil if it does not start.
    static func startXvfb() throws -> (Process, String)? {
        for n in 90...96 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: SDLWindowTests.tool("Xvfb")!)
            p.arguments = [":\(n)", "-screen", "0", "1024x768x24", "-nolisten", "tcp"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let up = try SDLWindowTests.eventually(10) {
                guard p.isRunning else { return true }
                return try SDLWindowTests.run("xdotool", ["getdisplaygeometry"], display: ":\(n)").out.hasPrefix("1024 768")
            }
            if up && p.isRunning { return (p, ":\(n)") }
            SDLWindowTests.stop(p)
        }
        return nil
    }

    static func stopXvfb(_ p: Process, _ display: String) {
        SDLWindowTests.stop(p)
        let n = display.dropFirst()
        try? FileManager.default.removeItem(atPath: "/tmp/.X\(n)-lock")
        try? FileManager.default.removeItem(atPath: "/tmp/.X11-unix/X\(n)")
    }

    /// Runs pcemu in a window with `args`, waits until `ready()` says the guest got there
    /// (reading a file the guest writes), then captures the window's 720×540 area as a PPM.
    static func capture(_ args: [String], work: URL, ready: @escaping () -> Bool) throws -> SDLWindowTests.PPM? {
        guard let (xvfb, display) = try startXvfb() else { Issue.record("Xvfb did not start"); return nil }
        defer { stopXvfb(xvfb, display) }
        let pcemu = Process()
        pcemu.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        pcemu.arguments = ["--display", "sdl"] + args
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = display
        env.removeValue(forKey: "SDL_VIDEODRIVER")
        pcemu.environment = env
        pcemu.standardOutput = FileHandle.nullDevice
        pcemu.standardError = FileHandle.nullDevice
        try pcemu.run()
        defer { SDLWindowTests.stop(pcemu) }
        guard SDLWindowTests.eventually(60, ready) else { Issue.record("the guest never got there"); return nil }
        var window = ""
        _ = try SDLWindowTests.eventually(15) {
            window = try SDLWindowTests.run("xdotool", ["search", "--name", "^pcemu"], display: display).out
                .split(separator: "\n").first.map(String.init) ?? ""
            return !window.isEmpty
        }
        guard !window.isEmpty else { Issue.record("no pcemu window"); return nil }
        var g: [String: Int] = [:]
        for line in try SDLWindowTests.run("xdotool", ["getwindowgeometry", "--shell", window], display: display).out.split(separator: "\n") {
            let kv = line.split(separator: "=")
            if kv.count == 2, let v = Int(kv[1]) { g[String(kv[0])] = v }
        }
        #expect(g["WIDTH"] == 720 && g["HEIGHT"] == 540, "window geometry \(g)")
        // Let a few frames (60 a second) reach the window after the guest's last output.
        Thread.sleep(forTimeInterval: 1.0)
        let ppm = work.appendingPathComponent("capture-\(UUID().uuidString).ppm").path
        try SDLWindowTests.run("import", ["-window", "root", "-crop", "720x540+\(g["X"] ?? 0)+\(g["Y"] ?? 0)", "+repage", "-depth", "8", "ppm:" + ppm],
                               display: display)
        return FileManager.default.contents(atPath: ppm).flatMap(SDLWindowTests.PPM.init)
    }

    /// Compares `image` with the golden PNG `name` (or writes it with PCEMU_UPDATE_GOLDEN=1).
    static func compare(_ image: SDLWindowTests.PPM, golden name: String, work: URL) throws {
        let png = golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["PCEMU_UPDATE_GOLDEN"] == "1" {
            let ppm = work.appendingPathComponent("update.ppm")
            try Data(image.bytes).write(to: ppm)
            try SDLWindowTests.run("convert", [ppm.path, png.path], display: "")
            return
        }
        let ppm = work.appendingPathComponent("golden.ppm").path
        try SDLWindowTests.run("convert", [png.path, "-depth", "8", "ppm:" + ppm], display: "")
        guard let expected = FileManager.default.contents(atPath: ppm).flatMap(SDLWindowTests.PPM.init) else {
            Issue.record("cannot read \(png.path)"); return
        }
        #expect(image.width == expected.width && image.height == expected.height)
        guard image.width == expected.width && image.height == expected.height else { return }
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1, count = 0
        for y in 0..<image.height {
            for x in 0..<image.width where image.rgb(x, y) != expected.rgb(x, y) {
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y); count += 1
            }
        }
        // One character cell: 9 × 16 guest pixels, 13.5 window lines high at 540/400.
        let withinOneCell = count == 0 || (maxX - minX < 9 && maxY - minY < 15)
        if !withinOneCell {
            try? Data(image.bytes).write(to: SDLWindowTests.root.appendingPathComponent(".build/\(name).actual.ppm"))
        }
        #expect(withinOneCell, "\(name): \(count) pixels differ in \(minX)...\(maxX) × \(minY)...\(maxY) (capture in .build/\(name).actual.ppm)")
    }

    /// The POST screen: a hard disk whose boot sector only spins (`jmp $`), so the screen
    /// stays as POST left it, with "Booting from hard disk 80h..." last.
    @Test(.enabled(if: goldenWindowToolsInstalled, "needs Xvfb, xdotool, ImageMagick and syslinux (scripts/install-deps)"))
    func postScreenInTheWindow() throws {
        let work = try BootFailureTests.tempDir()
        defer { try? FileManager.default.removeItem(at: work) }
        var sector = [UInt8](repeating: 0, count: 1 << 20)
        sector[0] = 0xEB; sector[1] = 0xFE; sector[510] = 0x55; sector[511] = 0xAA
        let disk = work.appendingPathComponent("spin.img")
        try Data(sector).write(to: disk)
        let debugcon = work.appendingPathComponent("e9.txt").path
        let image = try Self.capture([disk.path, "--snapshot", "--debugcon", debugcon], work: work) {
            String(decoding: FileManager.default.contents(atPath: debugcon) ?? Data(), as: UTF8.self).contains("Booting from hard disk 80h...")
        }
        if let image { try Self.compare(image, golden: "window-post.png", work: work) }
    }

    /// SYSLINUX waiting at `boot:` (the floppy without TIMEOUT), under the POST lines.
    @Test(.enabled(if: goldenWindowToolsInstalled, "needs Xvfb, xdotool, ImageMagick and syslinux (scripts/install-deps)"))
    func syslinuxPromptInTheWindow() throws {
        let work = try BootFailureTests.tempDir()
        defer { try? FileManager.default.removeItem(at: work) }
        let floppy = try BootImageTests.image("syslinux-prompt-floppy")
        let serial = work.appendingPathComponent("com1.txt").path
        let image = try Self.capture([floppy, "--snapshot", "--serial", "file:" + serial, "--debugcon", "none"], work: work) {
            String(decoding: FileManager.default.contents(atPath: serial) ?? Data(), as: UTF8.self).contains("boot:")
        }
        if let image { try Self.compare(image, golden: "window-syslinux-prompt.png", work: work) }
    }
}
