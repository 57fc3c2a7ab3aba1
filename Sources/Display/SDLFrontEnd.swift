// The SDL2 window: the VGA picture, the keyboard and the mouse.
//
// Threads: SDL is driven from the thread that calls `run` (the process's main thread,
// as some platforms require); the machine runs on its own thread (MachineRunner).
// About 60 times a second the machine thread renders the VGA card (only what changed)
// and, if any line changed, copies the frame into a mailbox under a lock and wakes
// the window with an SDL user event (SDL_PushEvent is thread-safe). The window uploads
// the newest frame into a streaming texture (SDL_PIXELFORMAT_RGBA32: the card's R, G,
// B, A byte order) and presents it with vsync. Input goes the other way as events
// queued for the machine thread; neither side ever waits for the other.
//
// Picture: see DisplayGeometry (integer scaling by default, 4:3 for VGA modes, square
// pixels for VBE modes). The window opens at the largest whole multiple of the
// picture that fits 90% of the desktop, is resizable, and follows the guest's mode
// changes until the user resizes it. Ctrl+Alt+F toggles full screen.
//
// Keyboard: physical keys (SDL scancodes) become set 2 scan codes (PS2KeyMap) sent to
// the 8042's keyboard on key down and key up; SDL's key repeat is ignored, the PS/2
// keyboard repeats by itself. Keys still held when the window loses focus are
// released in the guest.
//
// Mouse: a click in the window captures the mouse (relative mode; the click itself is
// not sent); Ctrl+Alt+G releases it. The window title always says which, and shows
// the guest's speed (MIPS, measured each second) and disk activity (HD: an ATA
// command completed in the last second; FD: a floppy motor is on).
//
// Closing the window ends the run with outcome `.stopped`; the caller then flushes
// the disk images. A guest that halts for good keeps its last picture in the window
// (the title says so) until the window is closed. Under Xvfb SDL uses its x11 driver; with SDL_VIDEODRIVER=dummy or
// offscreen it draws with the software renderer and no display at all.

import Chipset
import CSDL2
import Foundation

public final class SDLFrontEnd {
    public struct Options: Sendable {
        public var scaling: DisplayGeometry.Scaling = .integer
        public var realtime = true
        public var title = "pcemu"
        /// When the machine halts for good (or triple-faults with --no-reboot), keep the
        /// window and its last picture until the user closes it. A guest's exit request,
        /// the cycle limit and closing the window end at once.
        public var holdOnHalt = true
        public init() {}
    }

    public struct InitError: Error, CustomStringConvertible {
        public let description: String
    }

    public let options: Options
    let window: OpaquePointer
    let renderer: OpaquePointer
    private let wakeEvent: UInt32
    private var texture: OpaquePointer?
    private var target: OpaquePointer?
    private var targetSize = (width: 0, height: 0)
    private var targetStale = true
    private var geometry: DisplayGeometry?
    private var autoWindowSize: (width: Int, height: Int)?
    private var lastTitle = ""
    /// Called after each frame is drawn, before it is presented (tests read it back here).
    var afterDraw: ((SDLFrontEnd) -> Void)?

    // Input state (window thread).
    private var captured = false
    private var swallowButton: UInt8?
    private var buttons: UInt8 = 0
    private var motion = (dx: 0, dy: 0)
    /// Keys held in the guest: SDL scancode → the make sequence sent.
    private var held: [Int: [UInt8]] = [:]
    /// Keys whose down went to the front end (hot keys): their up is not sent either.
    private var swallowedKeys: Set<Int> = []

    public init(options: Options = Options()) throws(InitError) {
        self.options = options
        SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0")
        SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1")
        let env = ProcessInfo.processInfo.environment
        let requested = env["SDL_VIDEODRIVER"] ?? ""
        if requested.isEmpty && !(env["DISPLAY"] ?? "").isEmpty && (env["WAYLAND_DISPLAY"] ?? "").isEmpty {
            SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11")    // no Wayland probe (and its complaint) on X
        }
        guard SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS) == 0 else {
            throw InitError(description: "SDL video: \(Self.sdlError())")
        }
        // With no display SDL falls back to drawing nowhere; only take that when asked for.
        let driver = SDL_GetCurrentVideoDriver().map { String(cString: $0) } ?? ""
        if (driver == "offscreen" || driver == "dummy") && requested != driver {
            SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS)
            throw InitError(description: "no display to open a window on (set DISPLAY, or SDL_VIDEODRIVER=\(driver) to draw nowhere)")
        }
        let flags = SDL_WINDOW_RESIZABLE.rawValue | SDL_WINDOW_SHOWN.rawValue
        guard let w = SDL_CreateWindow(options.title, SDLFrontEnd.centered, SDLFrontEnd.centered, 640, 480, flags) else {
            let e = Self.sdlError()
            SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS)
            throw InitError(description: "SDL window: \(e)")
        }
        var r = SDL_CreateRenderer(w, -1, SDL_RENDERER_ACCELERATED.rawValue | SDL_RENDERER_PRESENTVSYNC.rawValue
                                   | SDL_RENDERER_TARGETTEXTURE.rawValue)
        if r == nil { r = SDL_CreateRenderer(w, -1, SDL_RENDERER_SOFTWARE.rawValue | SDL_RENDERER_TARGETTEXTURE.rawValue) }
        if r == nil { r = SDL_CreateRenderer(w, -1, 0) }
        guard let r else {
            let e = Self.sdlError()
            SDL_DestroyWindow(w)
            SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS)
            throw InitError(description: "SDL renderer: \(e)")
        }
        window = w
        renderer = r
        wakeEvent = SDL_RegisterEvents(1)
        SDL_SetRenderDrawColor(r, 0, 0, 0, 255)
        SDL_RenderClear(r)
        SDL_RenderPresent(r)
    }

    deinit {
        if captured { SDL_SetRelativeMouseMode(SDL_FALSE) }
        if let target { SDL_DestroyTexture(target) }
        if let texture { SDL_DestroyTexture(texture) }
        SDL_DestroyRenderer(renderer)
        SDL_DestroyWindow(window)
        SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS)
    }

    /// SDL_WINDOWPOS_CENTERED (a function-like macro in C).
    static let centered: Int32 = 0x2FFF_0000

    static func sdlError() -> String { String(cString: SDL_GetError()) }

    /// The name of the video driver SDL chose (x11, wayland, dummy, offscreen …).
    public var videoDriver: String { SDL_GetCurrentVideoDriver().map { String(cString: $0) } ?? "?" }

    // MARK: Running

    /// Runs `machine` on its own thread and shows `vga` until the run ends or the
    /// window is closed. Call on the main thread.
    public func run(machine: Machine, vga: VGACard, maxCycles: UInt64 = .max) -> Machine.Outcome {
        let mailbox = FrameMailbox()
        let runner = MachineRunner(machine: machine, options: .init(realtime: options.realtime, maxCycles: maxCycles))
        let wake = wakeEvent
        let wakeUp: @Sendable () -> Void = {
            var e = SDL_Event()
            e.type = wake
            _ = SDL_PushEvent(&e)
        }
        runner.onFrameTick = { if mailbox.publish(from: vga) { wakeUp() } }
        runner.onStats = { _ in wakeUp() }
        runner.onFinish = wakeUp
        runner.start()

        var frameSerial: UInt64 = 0
        var stopping = false
        var dirty = true
        while runner.outcome == nil {
            var ev = SDL_Event()
            if SDL_WaitEventTimeout(&ev, 100) != 0 {
                repeat {
                    switch handle(&ev, runner: runner) {
                    case .quit: if !stopping { stopping = true; runner.requestStop() }
                    case .redraw: dirty = true
                    case .none: break
                    }
                } while SDL_PollEvent(&ev) != 0
            }
            flushMotion(runner)
            if let s = mailbox.take(after: frameSerial, { w, h, square, pixels in upload(w, h, square, pixels) }) {
                frameSerial = s
                dirty = true
            }
            if dirty {
                draw()
                afterDraw?(self)
                SDL_RenderPresent(renderer)
                dirty = false
            }
            updateTitle(runner.stats)
        }
        let outcome = runner.wait()
        if captured { setCapture(false) }
        if !stopping, let why = Self.haltDescription(outcome), options.holdOnHalt {
            // The machine stopped by itself: keep its last picture up until the window closes.
            if let s = mailbox.take(after: frameSerial, { w, h, square, pixels in upload(w, h, square, pixels) }) {
                frameSerial = s
            }
            SDL_SetWindowTitle(window, "\(options.title) - the machine stopped (\(why)) - close the window to exit")
            dirty = true
            var closed = false
            while !closed {
                if dirty { draw(); afterDraw?(self); SDL_RenderPresent(renderer); dirty = false }
                var ev = SDL_Event()
                guard SDL_WaitEventTimeout(&ev, 500) != 0 else { continue }
                repeat {
                    switch ev.type {
                    case SDL_QUIT.rawValue: closed = true
                    case SDL_WINDOWEVENT.rawValue:
                        if UInt32(ev.window.event) == SDL_WINDOWEVENT_CLOSE.rawValue { closed = true } else { dirty = true }
                    case SDL_RENDER_TARGETS_RESET.rawValue, SDL_RENDER_DEVICE_RESET.rawValue:
                        targetStale = true; dirty = true
                    default: break
                    }
                } while SDL_PollEvent(&ev) != 0
            }
        }
        return outcome
    }

    /// Why the machine stopped by itself, for outcomes where its last picture matters
    /// (a halt or a shutdown shows the guest's last words); nil for a requested end.
    static func haltDescription(_ o: Machine.Outcome) -> String? {
        switch o {
        case .haltedWithInterruptsDisabled: return "HLT with interrupts disabled"
        case .haltedIdle: return "HLT with nothing left to wake the CPU"
        case .tripleFault: return "triple fault"
        default: return nil
        }
    }

    private enum Action { case none, quit, redraw }

    private func handle(_ ev: inout SDL_Event, runner: MachineRunner) -> Action {
        switch ev.type {
        case SDL_QUIT.rawValue:
            return .quit
        case SDL_WINDOWEVENT.rawValue:
            switch UInt32(ev.window.event) {
            case SDL_WINDOWEVENT_CLOSE.rawValue:
                return .quit
            case SDL_WINDOWEVENT_FOCUS_LOST.rawValue:
                releaseAllKeys(runner)
                if captured { setCapture(false) }
                return .none
            default:
                return .redraw    // exposed, resized, size changed, shown …
            }
        case SDL_RENDER_TARGETS_RESET.rawValue, SDL_RENDER_DEVICE_RESET.rawValue:
            targetStale = true
            return .redraw
        case SDL_KEYDOWN.rawValue, SDL_KEYUP.rawValue:
            key(ev.key, down: ev.type == SDL_KEYDOWN.rawValue, runner: runner)
            return .none
        case SDL_MOUSEMOTION.rawValue:
            if captured { motion.dx += Int(ev.motion.xrel); motion.dy -= Int(ev.motion.yrel) }
            return .none
        case SDL_MOUSEBUTTONDOWN.rawValue, SDL_MOUSEBUTTONUP.rawValue:
            mouseButton(ev.button, down: ev.type == SDL_MOUSEBUTTONDOWN.rawValue, runner: runner)
            return .none
        default:
            return .none    // the machine thread's wake-up event, and everything else
        }
    }

    // MARK: Keyboard

    private func key(_ k: SDL_KeyboardEvent, down: Bool, runner: MachineRunner) {
        let code = Int(k.keysym.scancode.rawValue)
        if down && k.repeat != 0 { return }
        if !down {
            if swallowedKeys.remove(code) != nil { return }
            if let make = held.removeValue(forKey: code) { runner.send(.keyUp(make)) }
            return
        }
        // The modifiers as they were when this key went down (SDL_GetModState would
        // give the state after every event read so far).
        let mod = UInt32(k.keysym.mod)
        let ctrl = mod & UInt32(KMOD_CTRL.rawValue) != 0, alt = mod & UInt32(KMOD_ALT.rawValue) != 0
        if ctrl && alt {
            switch code {
            case 10:    // G: release the mouse
                swallowedKeys.insert(code)
                if captured { setCapture(false) }
                return
            case 9:     // F: full screen
                swallowedKeys.insert(code)
                let full = SDL_GetWindowFlags(window) & SDL_WINDOW_FULLSCREEN_DESKTOP.rawValue != 0
                SDL_SetWindowFullscreen(window, full ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP.rawValue)
                return
            default: break
            }
        }
        var m: PS2KeyMap.Modifiers = []
        if mod & UInt32(KMOD_SHIFT.rawValue) != 0 { m.insert(.shift) }
        if ctrl { m.insert(.ctrl) }
        if alt { m.insert(.alt) }
        guard let make = PS2KeyMap.make(sdlScancode: code, modifiers: m) else { return }
        if make.first != 0xE1 { held[code] = make }
        runner.send(.keyDown(make))
    }

    private func releaseAllKeys(_ runner: MachineRunner) {
        for (_, make) in held { runner.send(.keyUp(make)) }
        held.removeAll()
    }

    // MARK: Mouse

    private func mouseButton(_ b: SDL_MouseButtonEvent, down: Bool, runner: MachineRunner) {
        if !captured {
            if down { setCapture(true); swallowButton = b.button }
            return
        }
        if !down && swallowButton == b.button { swallowButton = nil; return }
        let bit: UInt8
        switch Int32(b.button) {
        case SDL_BUTTON_LEFT: bit = 1
        case SDL_BUTTON_RIGHT: bit = 2
        case SDL_BUTTON_MIDDLE: bit = 4
        default: return
        }
        flushMotion(runner)
        buttons = down ? buttons | bit : buttons & ~bit
        runner.send(.mouse(dx: 0, dy: 0, buttons: buttons))
    }

    private func flushMotion(_ runner: MachineRunner) {
        guard motion.dx != 0 || motion.dy != 0 else { return }
        runner.send(.mouse(dx: motion.dx, dy: motion.dy, buttons: buttons))
        motion = (0, 0)
    }

    private func setCapture(_ on: Bool) {
        captured = on
        SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE)
        motion = (0, 0)
        lastTitle = ""
    }

    /// The window title: speed, disk activity and how to capture or release the mouse.
    static func title(base: String, stats: MachineRunner.Stats, captured: Bool) -> String {
        var parts = [base, String(format: "%.1f MIPS", stats.mips)]
        var disks: [String] = []
        if stats.hardDiskActive { disks.append("HD") }
        if stats.floppyActive { disks.append("FD") }
        if !disks.isEmpty { parts.append(disks.joined(separator: " ") + " busy") }
        parts.append(captured ? "Ctrl+Alt+G releases the mouse" : "click to capture the mouse (Ctrl+Alt+G releases)")
        // ASCII only: X11's WM_NAME is Latin-1, and SDL cannot convert other text in the C locale.
        return parts.joined(separator: " - ")
    }

    private func updateTitle(_ stats: MachineRunner.Stats) {
        let t = Self.title(base: options.title, stats: stats, captured: captured)
        if t != lastTitle { SDL_SetWindowTitle(window, t); lastTitle = t }
    }

    // MARK: Picture

    /// Copies a frame into the streaming texture (recreated when the size changes) and
    /// follows a mode change with the window size.
    func upload(_ w: Int, _ h: Int, _ square: Bool, _ pixels: UnsafeBufferPointer<UInt32>) {
        guard w > 0, h > 0 else { return }
        let g = DisplayGeometry(width: w, height: h, squarePixels: square)
        if g != geometry {
            if let texture { SDL_DestroyTexture(texture) }
            texture = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGBA32.rawValue,
                                        Int32(SDL_TEXTUREACCESS_STREAMING.rawValue), Int32(w), Int32(h))
            if let texture { SDL_SetTextureScaleMode(texture, SDL_ScaleModeNearest) }
            geometry = g
            followMode(g)
        }
        guard let texture else { return }
        SDL_UpdateTexture(texture, nil, pixels.baseAddress, Int32(w * 4))
        targetStale = true
    }

    private func followMode(_ g: DisplayGeometry) {
        let flags = SDL_GetWindowFlags(window)
        let fixed = SDL_WINDOW_FULLSCREEN.rawValue | SDL_WINDOW_FULLSCREEN_DESKTOP.rawValue | SDL_WINDOW_MAXIMIZED.rawValue
        guard flags & fixed == 0, g.baseSize.width >= 160, g.baseSize.height >= 100 else { return }
        var cw: Int32 = 0, ch: Int32 = 0
        SDL_GetWindowSize(window, &cw, &ch)
        if let auto = autoWindowSize, auto != (Int(cw), Int(ch)) { return }    // the user chose a size
        var bounds = SDL_Rect()
        let display = max(0, SDL_GetWindowDisplayIndex(window))
        var maxW = 1280, maxH = 960
        if SDL_GetDisplayUsableBounds(display, &bounds) == 0 && bounds.w > 0 && bounds.h > 0 {
            maxW = Int(bounds.w) * 9 / 10; maxH = Int(bounds.h) * 9 / 10
        }
        let size = g.preferredWindowSize(maxWidth: maxW, maxHeight: maxH)
        if size != (Int(cw), Int(ch)) {
            SDL_SetWindowSize(window, Int32(size.width), Int32(size.height))
            SDL_SetWindowPosition(window, Self.centered, Self.centered)
        }
        autoWindowSize = size
    }

    /// Draws the current texture into the renderer's output (not presented).
    func draw() {
        SDL_SetRenderTarget(renderer, nil)
        SDL_SetRenderDrawColor(renderer, 0, 0, 0, 255)
        SDL_RenderClear(renderer)
        guard let texture, let g = geometry else { return }
        var ow: Int32 = 0, oh: Int32 = 0
        SDL_GetRendererOutputSize(renderer, &ow, &oh)
        let d = g.destination(in: Int(ow), Int(oh), scaling: options.scaling)
        var dst = SDL_Rect(x: Int32(d.x), y: Int32(d.y), w: Int32(d.width), h: Int32(d.height))
        let f = g.prescale(for: d)
        let tw = g.sourceWidth * f.x, th = g.sourceHeight * f.y
        if tw == d.width && th == d.height {
            SDL_RenderCopy(renderer, texture, nil, &dst)
            return
        }
        // Whole multiples first (nearest), then the last step smoothed (linear).
        if target == nil || targetSize != (tw, th) {
            if let target { SDL_DestroyTexture(target) }
            target = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGBA32.rawValue,
                                       Int32(SDL_TEXTUREACCESS_TARGET.rawValue), Int32(tw), Int32(th))
            if let target { SDL_SetTextureScaleMode(target, SDL_ScaleModeLinear) }
            targetSize = (tw, th)
            targetStale = true
        }
        guard let target, tw <= 8192, th <= 8192 else {
            SDL_RenderCopy(renderer, texture, nil, &dst)
            return
        }
        if targetStale {
            if SDL_SetRenderTarget(renderer, target) != 0 {
                SDL_SetRenderTarget(renderer, nil)
                SDL_RenderCopy(renderer, texture, nil, &dst)
                return
            }
            SDL_RenderCopy(renderer, texture, nil, nil)
            SDL_SetRenderTarget(renderer, nil)
            targetStale = false
        }
        SDL_RenderCopy(renderer, target, nil, &dst)
    }

    /// The renderer's output as R, G, B, A pixels (call after `draw`, before present).
    func readPixels() -> (width: Int, height: Int, pixels: [UInt32]) {
        var ow: Int32 = 0, oh: Int32 = 0
        SDL_GetRendererOutputSize(renderer, &ow, &oh)
        var out = [UInt32](repeating: 0, count: Int(ow) * Int(oh))
        _ = out.withUnsafeMutableBytes { p in
            SDL_RenderReadPixels(renderer, nil, SDL_PIXELFORMAT_RGBA32.rawValue, p.baseAddress, ow * 4)
        }
        return (Int(ow), Int(oh), out)
    }
}

/// The newest frame, handed from the machine thread to the window thread.
final class FrameMailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var pixels: [UInt32] = []
    private var width = 0, height = 0
    private var square = false
    private var serial: UInt64 = 0

    /// Machine thread: renders what changed and copies the frame if anything did.
    /// Returns true when a new frame is waiting.
    func publish(from vga: VGACard) -> Bool {
        let square = vga.vbe.enabled
        return vga.withRenderedFrame { w, h, buffer in
            lock.lock(); defer { lock.unlock() }
            guard vga.renderer.linesRendered > 0 || w != width || h != height || square != self.square || serial == 0 else {
                return false
            }
            if pixels.count != buffer.count { pixels = [UInt32](repeating: 0, count: buffer.count) }
            pixels.withUnsafeMutableBufferPointer { dst in
                if let s = buffer.baseAddress, let d = dst.baseAddress { d.update(from: s, count: buffer.count) }
            }
            width = w; height = h; self.square = square
            serial &+= 1
            return true
        }
    }

    /// The window thread's copy (swapped with the mailbox's buffer, so the machine
    /// thread never waits for a texture upload).
    private var taken: [UInt32] = []

    /// Window thread: calls `body` with the frame if it is newer than `after`; returns its serial.
    func take(after: UInt64, _ body: (Int, Int, Bool, UnsafeBufferPointer<UInt32>) -> Void) -> UInt64? {
        lock.lock()
        guard serial != after, width > 0, height > 0 else { lock.unlock(); return nil }
        swap(&pixels, &taken)
        let (w, h, sq, s) = (width, height, square, serial)
        lock.unlock()
        taken.withUnsafeBufferPointer { body(w, h, sq, $0) }
        return s
    }
}
