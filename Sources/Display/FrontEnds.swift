// Which front end shows the machine, and running it.
//
// `--headless` or `--display none`: no display; the machine runs on the calling
// thread exactly as before (as fast as the host allows unless `--realtime`).
// `--display sdl`: the SDL2 window (SDLFrontEnd); `--display text`: the terminal view
// (TerminalFrontEnd). Both pace the guest to the wall clock (DESIGN.md: `--realtime`
// is the default for windowed runs).
// No choice given: when standard input and output are both a terminal (a person is
// watching), a window if DISPLAY or WAYLAND_DISPLAY is set, else the terminal view;
// otherwise (pipes, files, CI, tests) headless.
//
// A window that cannot open (no X server, no SDL video driver) falls back to the
// terminal view when there is a terminal, else to headless, with a message on
// standard error.

import Chipset
import Foundation

public enum FrontEnds {
    /// The front end for the command line's `--display` value and `--headless` flag.
    public static func choose(_ requested: String?, headless: Bool,
                              environment: [String: String] = ProcessInfo.processInfo.environment,
                              interactive: Bool = isatty(0) != 0 && isatty(1) != 0) -> DisplayKind {
        if headless { return .none }
        if let requested, let kind = DisplayKind(rawValue: requested) { return kind }
        guard interactive else { return .none }
        let hasDisplay = !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
        return hasDisplay ? .sdl : .text
    }

    /// Runs the machine with front end `kind` until the run ends (guest exit, halt,
    /// cycle limit) or the user closes the window or quits; returns why it ended
    /// (`.stopped` for the user). The caller then flushes the disks as usual.
    /// - realtime: pace the guest to the wall clock (default: yes for a window or terminal).
    public static func run(_ kind: DisplayKind, machine: Machine, vga: VGACard,
                           maxCycles: UInt64 = .max, realtime: Bool? = nil) -> Machine.Outcome {
        switch kind {
        case .none:
            return machine.run(maxCycles: maxCycles, realtime: realtime ?? false)
        case .sdl:
            var options = SDLFrontEnd.Options()
            options.realtime = realtime ?? true
            do {
                let window = try SDLFrontEnd(options: options)
                return window.run(machine: machine, vga: vga, maxCycles: maxCycles)
            } catch {
                let fallback: DisplayKind = isatty(0) != 0 && isatty(1) != 0 ? .text : .none
                FileHandle.standardError.write(Data("pcemu: cannot open a window: \(error); \(fallback == .text ? "using the terminal view" : "running without a display")\n".utf8))
                return run(fallback, machine: machine, vga: vga, maxCycles: maxCycles, realtime: realtime)
            }
        case .text:
            var options = TerminalFrontEnd.Options()
            options.realtime = realtime ?? true
            return TerminalFrontEnd(options: options).run(machine: machine, vga: vga, maxCycles: maxCycles)
        }
    }
}
