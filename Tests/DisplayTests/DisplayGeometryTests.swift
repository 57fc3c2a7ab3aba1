import Testing
@testable import Display

/// Where the guest picture goes in the window: whole multiples, 4:3 for VGA modes.
@Suite struct DisplayGeometryTests {
    @Test func vgaModesAreShownFourByThree() {
        #expect(DisplayGeometry(width: 720, height: 400, squarePixels: false).baseSize == (720, 540))
        #expect(DisplayGeometry(width: 640, height: 400, squarePixels: false).baseSize == (640, 480))
        #expect(DisplayGeometry(width: 320, height: 200, squarePixels: false).baseSize == (320, 240))
        #expect(DisplayGeometry(width: 640, height: 350, squarePixels: false).baseSize == (640, 480))
        #expect(DisplayGeometry(width: 640, height: 480, squarePixels: false).baseSize == (640, 480))
        // VBE modes have square pixels.
        #expect(DisplayGeometry(width: 1280, height: 1024, squarePixels: true).baseSize == (1280, 1024))
    }

    @Test func integerScalingCentresTheLargestMultiple() {
        let g = DisplayGeometry(width: 720, height: 400, squarePixels: false)
        #expect(g.destination(in: 1440, 1080) == .init(x: 0, y: 0, width: 1440, height: 1080))
        // A window a little larger than 2x: still 2x, centred.
        #expect(g.destination(in: 1500, 1100) == .init(x: 30, y: 10, width: 1440, height: 1080))
        // Just under 2x: 1x.
        #expect(g.destination(in: 1439, 1080) == .init(x: 359, y: 270, width: 720, height: 540))
        // Smaller than 1x: fit at the aspect.
        #expect(g.destination(in: 400, 400) == .init(x: 0, y: 50, width: 400, height: 300))
        #expect(g.destination(in: 1500, 1100, scaling: .fit) == .init(x: 16, y: 0, width: 1467, height: 1100))
    }

    @Test func prescaleIsTheWholeMultipleAtOrAboveTheDestination() {
        let text = DisplayGeometry(width: 720, height: 400, squarePixels: false)
        #expect(text.prescale(for: .init(x: 0, y: 0, width: 720, height: 540)) == (1, 2))
        #expect(text.prescale(for: .init(x: 0, y: 0, width: 1440, height: 1080)) == (2, 3))
        let m13 = DisplayGeometry(width: 320, height: 200, squarePixels: false)
        #expect(m13.prescale(for: .init(x: 0, y: 0, width: 1600, height: 1200)) == (5, 6))
    }

    @Test func windowSizeIsAWholeMultipleThatFits() {
        let g = DisplayGeometry(width: 720, height: 400, squarePixels: false)
        #expect(g.preferredWindowSize(maxWidth: 1728, maxHeight: 1080) == (1440, 1080))
        #expect(g.preferredWindowSize(maxWidth: 1152, maxHeight: 921) == (720, 540))
        #expect(g.preferredWindowSize(maxWidth: 600, maxHeight: 400) == (720, 540))   // never below 1x
        let m13 = DisplayGeometry(width: 320, height: 200, squarePixels: false)
        #expect(m13.preferredWindowSize(maxWidth: 1728, maxHeight: 1080) == (1280, 960))
    }
}
