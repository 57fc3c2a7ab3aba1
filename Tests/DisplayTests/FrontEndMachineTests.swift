import Chipset
import CSDL2
import Foundation
import Testing
@testable import Display

/// A whole machine running testroms/sdl-echo.bin on the front ends' machine thread:
/// the ROM programs VGA text mode through the registers, draws colour bars, and echoes
/// every keyboard byte to port 0xE9 (see the ROM's header for the exact pattern).
final class EchoMachine: @unchecked Sendable {
    static let romPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testroms/sdl-echo.bin").path

    let machine: Machine
    let vga: VGACard
    private let lock = NSLock()
    private var console: [UInt8] = []

    init() throws {
        var config = Machine.Configuration()
        config.rom = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.romPath)))
        config.memoryMiB = 1
        let box = ConsoleBox()
        config.debugConsole = { bytes in box.append(bytes) }
        machine = try Machine(config)
        vga = VGACard(scheduler: machine.scheduler)
        vga.attach(to: machine.ports, memory: machine.memory)
        box.owner = self
    }

    func append(_ bytes: [UInt8]) { lock.lock(); console += bytes; lock.unlock() }
    var output: String { lock.lock(); defer { lock.unlock() }; return String(decoding: console, as: UTF8.self) }

    /// Waits up to `seconds` for the console output to contain `text`.
    func waitFor(_ text: String, seconds: Double = 20) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if output.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return output.contains(text)
    }

    /// The colour of bar n (IBM colour n from the ROM's DAC table) as R, G, B.
    static func barColor(_ n: Int) -> (UInt8, UInt8, UInt8) {
        let c = ANSITextRenderer.ibmPalette[n]
        return (UInt8(c >> 16 & 0xFF), UInt8(c >> 8 & 0xFF), UInt8(c & 0xFF))
    }
}

final class ConsoleBox: @unchecked Sendable {
    weak var owner: EchoMachine?
    func append(_ bytes: [UInt8]) { owner?.append(bytes) }
}

func rgbOf(_ p: UInt32) -> (UInt8, UInt8, UInt8) {
    (UInt8(p & 0xFF), UInt8(p >> 8 & 0xFF), UInt8(p >> 16 & 0xFF))
}

@Suite(.serialized) struct FrontEndMachineTests {
    /// The machine thread delivers keys to the 8042 in order, with delays in guest
    /// time, and hands frames over; the guest sees set 2 codes and ends the run.
    @Test func machineThreadDeliversKeysAndFrames() throws {
        let m = try EchoMachine()
        let runner = MachineRunner(machine: m.machine, options: .init(realtime: false, maxCycles: 20_000_000_000))
        let mailbox = FrameMailbox()
        let vga = m.vga
        runner.onFrameTick = { _ = mailbox.publish(from: vga) }
        runner.start()
        #expect(m.waitFor("READY\r\n"))
        runner.send([.keyDown([0x1C]), .delay(milliseconds: 5), .keyUp([0x1C])])
        runner.send(TerminalKeystroke([0xE0, 0x75], .shift).events())
        #expect(m.waitFor("E0 F0 75 F0 12 "))
        runner.send(.keyDown([0x76]))
        let outcome = runner.wait(seconds: 20)
        #expect(outcome == .guestExit(success: true, code: 0x10))
        #expect(m.output == "READY\r\n1C F0 1C 12 E0 75 E0 F0 75 F0 12 76 \r\nBYE\r\n")

        // The last frame: 720×400, bar n (45 pixels wide) in colour n on rows 0–11,
        // a white row 12, and the echoed bytes as colour cells from row 14.
        var checked = false
        _ = mailbox.take(after: 0) { w, h, square, px in
            #expect(w == 720 && h == 400 && !square)
            for n in 0..<16 {
                let p = rgbOf(px[100 * w + n * 45 + 22])
                #expect(p == EchoMachine.barColor(n), "bar \(n): \(p)")
            }
            #expect(rgbOf(px[(12 * 16 + 8) * w + 360]) == (255, 255, 255))
            #expect(rgbOf(px[(13 * 16 + 8) * w + 360]) == (0, 0, 0))
            // First echoed byte 1C: high nibble 1 (blue), low nibble C (bright red).
            #expect(rgbOf(px[(14 * 16 + 8) * w + 4]) == EchoMachine.barColor(1))
            #expect(rgbOf(px[(14 * 16 + 8) * w + 9 + 4]) == EchoMachine.barColor(0xC))
            checked = true
        }
        #expect(checked)
    }

    /// A guest that halts for good keeps its window (and last picture) until it is closed.
    @Test func haltedGuestKeepsTheWindowUntilClosed() throws {
        setenv("SDL_VIDEODRIVER", "dummy", 1)
        var config = Machine.Configuration()
        config.rom = [UInt8](repeating: 0xF4, count: 65536)
        config.rom[0xFFF0] = 0xFA; config.rom[0xFFF1] = 0xF4      // cli; hlt
        config.memoryMiB = 1
        let machine = try Machine(config)
        let vga = VGACard(scheduler: machine.scheduler)
        vga.attach(to: machine.ports, memory: machine.memory)
        let window: SDLFrontEnd
        do { window = try SDLFrontEnd() } catch {
            Issue.record("SDL dummy driver: \(error)")
            return
        }
        var title = ""
        window.afterDraw = { w in
            title = String(cString: SDL_GetWindowTitle(w.window))
            if title.contains("stopped") {
                var e = SDL_Event()
                e.type = SDL_QUIT.rawValue
                SDL_PushEvent(&e)
            }
        }
        #expect(window.run(machine: machine, vga: vga) == .haltedWithInterruptsDisabled)
        #expect(title == "pcemu - the machine stopped (HLT with interrupts disabled) - close the window to exit")
    }

    @Test func stopRequestEndsTheRun() throws {
        let m = try EchoMachine()
        let runner = MachineRunner(machine: m.machine, options: .init(realtime: true))
        let started = MachineRunner.now()
        runner.start()
        #expect(m.waitFor("READY"))
        Thread.sleep(forTimeInterval: 0.3)
        runner.requestStop()
        #expect(runner.wait(seconds: 5) == .stopped)
        // Paced to the wall clock: guest time never runs ahead of it by much.
        let wall = MachineRunner.now() - started
        let guest = Double(m.machine.cpu.cycles) / Double(m.machine.scheduler.cyclesPerSecond)
        #expect(guest <= wall + 0.05, "guest \(guest) s in \(wall) s wall")
        #expect(guest > 0, "guest \(guest) s in \(wall) s wall")
    }

    /// The SDL window with SDL's dummy video driver (no display): the frame from the
    /// machine thread is drawn at the window's scale and read back; keys pushed into
    /// SDL's event queue reach the guest as set 2 codes; a quit event ends the run.
    @Test func sdlWindowWithTheDummyDriver() throws {
        setenv("SDL_VIDEODRIVER", "dummy", 1)
        let m = try EchoMachine()
        var options = SDLFrontEnd.Options()
        options.realtime = false
        let window: SDLFrontEnd
        do { window = try SDLFrontEnd(options: options) } catch {
            Issue.record("SDL dummy driver: \(error)")
            return
        }
        #expect(window.videoDriver == "dummy")
        var phase = 0
        var size = (0, 0)
        var failures: [String] = []
        window.afterDraw = { w in
            guard phase < 3 else { return }
            let out = w.readPixels()
            // Wait for the pattern (bar 1 blue at its place), then check it.
            let cx = { (sx: Double) in Int(sx * Double(out.width) / 720) }
            let cy = { (sy: Double) in Int(sy * Double(out.height) / 400) }
            guard out.width > 0, rgbOf(out.pixels[cy(100) * out.width + cx(67.5)]) == EchoMachine.barColor(1) else { return }
            if phase == 0 {
                size = (out.width, out.height)
                for n in 0..<16 {
                    let p = rgbOf(out.pixels[cy(100) * out.width + cx(Double(n * 45) + 22.5)])
                    if p != EchoMachine.barColor(n) { failures.append("bar \(n) \(p)") }
                }
                if rgbOf(out.pixels[cy(200) * out.width + cx(360)]) != (255, 255, 255) { failures.append("white row") }
                phase = 1
                // Type "a" and Up, then Escape, as SDL would report them.
                for (code, down) in [(4, true), (4, false), (82, true), (82, false), (41, true)] {
                    var e = SDL_Event()
                    e.type = down ? SDL_KEYDOWN.rawValue : SDL_KEYUP.rawValue
                    e.key.keysym.scancode = SDL_Scancode(rawValue: UInt32(code))
                    e.key.state = UInt8(down ? SDL_PRESSED : SDL_RELEASED)
                    SDL_PushEvent(&e)
                }
            }
        }
        let outcome = window.run(machine: m.machine, vga: m.vga, maxCycles: 20_000_000_000)
        #expect(failures.isEmpty, "\(failures)")
        #expect(phase == 1)
        // The dummy display is 1024×768: 720×400 text opens at 1× of its 4:3 picture.
        #expect(size == (720, 540))
        #expect(outcome == .guestExit(success: true, code: 0x10))
        #expect(m.output == "READY\r\n1C F0 1C E0 75 E0 F0 75 76 \r\nBYE\r\n")
    }
}
