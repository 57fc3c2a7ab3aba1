// Where the guest picture goes in a window: integer scaling and the monitor's aspect.
//
// A VGA monitor shows every VGA mode on the same 4:3 tube, so 720×400 text, 640×400,
// 640×350, 640×480 and 320×200 all fill a 4:3 picture and their pixels are not square
// (a 320×200 pixel is 1.2 times taller than wide). Bochs VBE modes are drawn for
// square pixels (800×600, 1024×768, 1280×1024 at 5:4).
//
// The picture's base size keeps the guest's width and takes the height the aspect
// asks for (720×400 → 720×540, 320×200 → 320×240, 640×480 stays). Integer scaling
// shows it at the largest whole multiple of the base size that fits the window,
// centred on black; the width is thus always an exact multiple of the guest's pixels.
// When not even 1× fits, or scaling is `.fit`, the picture fills the window at the
// aspect. The SDL front end draws the guest frame at whole multiples in both directions
// first (nearest neighbour) and lets the GPU smooth only the last step to the height
// (the "sharp bilinear" way), so text rows stay even.

public struct DisplayGeometry: Equatable, Sendable {
    public enum Scaling: Sendable { case integer, fit }

    public struct Rect: Equatable, Sendable, CustomStringConvertible {
        public var x: Int, y: Int, width: Int, height: Int
        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x; self.y = y; self.width = width; self.height = height
        }
        public var description: String { "\(width)x\(height)+\(x)+\(y)" }
    }

    /// The guest frame.
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// Width over height of the picture as shown.
    public var aspect: Double

    /// - squarePixels: the guest's pixels are square (VBE modes); else the picture is 4:3.
    public init(width: Int, height: Int, squarePixels: Bool) {
        sourceWidth = max(1, width)
        sourceHeight = max(1, height)
        aspect = squarePixels ? Double(sourceWidth) / Double(sourceHeight) : 4.0 / 3.0
    }

    /// The picture at 1×: the guest width and the height for the aspect.
    public var baseSize: (width: Int, height: Int) {
        (sourceWidth, max(1, Int((Double(sourceWidth) / aspect).rounded())))
    }

    /// The largest whole multiple of the base size within `width` × `height` (0 if none).
    public func integerScale(within width: Int, _ height: Int) -> Int {
        let b = baseSize
        return max(0, min(width / b.width, height / b.height))
    }

    /// Where the picture goes in a drawable area of `width` × `height` pixels.
    public func destination(in width: Int, _ height: Int, scaling: Scaling = .integer) -> Rect {
        let b = baseSize
        var w: Int, h: Int
        let n = integerScale(within: width, height)
        if scaling == .integer && n >= 1 {
            w = b.width * n; h = b.height * n
        } else if Double(width) / Double(max(1, height)) > aspect {
            h = height; w = Int((Double(height) * aspect).rounded())
        } else {
            w = width; h = Int((Double(width) / aspect).rounded())
        }
        w = max(1, min(w, width)); h = max(1, min(h, height))
        return Rect(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    }

    /// Whole-number factors to draw the guest frame at before the last, smoothed step
    /// to `destination`: the smallest multiples that are at least the destination size.
    public func prescale(for destination: Rect) -> (x: Int, y: Int) {
        let fx = (destination.width + sourceWidth - 1) / sourceWidth
        let fy = (destination.height + sourceHeight - 1) / sourceHeight
        return (max(1, fx), max(1, fy))
    }

    /// The window size to open (or to return to on a mode change): the largest whole
    /// multiple of the base size within `maxWidth` × `maxHeight`, at least 1×.
    public func preferredWindowSize(maxWidth: Int, maxHeight: Int) -> (width: Int, height: Int) {
        let b = baseSize
        let n = max(1, integerScale(within: maxWidth, maxHeight))
        return (b.width * n, b.height * n)
    }
}
