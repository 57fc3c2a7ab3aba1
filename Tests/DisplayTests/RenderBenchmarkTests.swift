import Testing
@testable import Display

/// The rendering benchmark measures real work: each forced redraw draws every line of a
/// frame of the mode's size, and the frame is not blank. (Its speed is reported by
/// `pcemu bench render`, never checked against a time limit.)
@Suite struct RenderBenchmarkTests {
    @Test(arguments: [("text80x25", 720, 400), ("mode12h", 640, 480), ("mode13h", 320, 200), ("dispi800x600x32", 800, 600)])
    func everyFrameIsAFullRedraw(mode: String, width: Int, height: Int) throws {
        let r = try #require(RenderBenchmark.run(mode: mode, frames: 3))
        #expect(r.width == width && r.height == height)
        #expect(r.linesInLastFrame == height)
        #expect(r.frames == 3)
        #expect(r.distinctColours >= 8, "the benchmark frame of \(mode) is (nearly) blank")
    }

    @Test func unknownModeIsRefused() {
        #expect(RenderBenchmark.run(mode: "mode99h", frames: 1) == nil)
    }
}
