import Testing
@testable import Display

/// Which front end pcemu picks: what was asked for, else by the terminal and DISPLAY.
@Suite struct FrontEndChoiceTests {
    @Test func choice() {
        let x11 = ["DISPLAY": ":0"], none: [String: String] = [:]
        #expect(FrontEnds.choose(nil, headless: false, environment: x11, interactive: true) == .sdl)
        #expect(FrontEnds.choose(nil, headless: false, environment: ["WAYLAND_DISPLAY": "wayland-0"], interactive: true) == .sdl)
        #expect(FrontEnds.choose(nil, headless: false, environment: none, interactive: true) == .text)
        #expect(FrontEnds.choose(nil, headless: false, environment: ["DISPLAY": ""], interactive: true) == .text)
        // Not at a terminal (pipes, CI, tests): headless, whatever DISPLAY says.
        #expect(FrontEnds.choose(nil, headless: false, environment: x11, interactive: false) == DisplayKind.none)
        // Asked for: given.
        #expect(FrontEnds.choose("sdl", headless: false, environment: none, interactive: false) == .sdl)
        #expect(FrontEnds.choose("text", headless: false, environment: x11, interactive: true) == .text)
        #expect(FrontEnds.choose("none", headless: false, environment: x11, interactive: true) == DisplayKind.none)
        #expect(FrontEnds.choose("sdl", headless: true, environment: x11, interactive: true) == DisplayKind.none)
    }
}
