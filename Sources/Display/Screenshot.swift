// `--screenshot FILE.png [--screenshot-at CYCLES]`: the guest's picture as a PNG file,
// taken when the run ends or, with a cycle count, when the machine's clock reaches it
// (an event on the board's scheduler, so it fires on the machine's own thread between
// two instructions, whichever front end shows the machine, and the run goes on).
// A run that ends before that cycle still gets its picture, taken at the end, with a
// note saying so.

import Chipset
import Foundation

public final class Screenshot {
    public let path: String
    public let atCycle: UInt64?
    /// The cycle count when the picture was taken.
    public private(set) var takenAt: UInt64?
    private var failure: String?

    public init(path: String, atCycle: UInt64? = nil) {
        self.path = path
        self.atCycle = atCycle
    }

    /// Writes the card's current frame to `path` as a PNG; an error message when it cannot.
    public static func write(_ vga: VGACard, to path: String) -> String? {
        let frame = vga.renderFrame()
        let png = PNGWriter.encode(width: max(frame.width, 1), height: max(frame.height, 1),
                                   pixels: frame.width > 0 && frame.height > 0 ? frame.pixels : [0xFF00_0000])
        guard FileManager.default.createFile(atPath: path, contents: Data(png)) else {
            return "--screenshot '\(path)': cannot write the file"
        }
        return nil
    }

    /// With a cycle count, schedules the picture on the machine's clock.
    public func arm(machine: Machine, vga: VGACard) {
        guard let at = atCycle else { return }
        machine.scheduler.schedule(at: at) { [self, unowned machine] in
            guard takenAt == nil else { return }
            takenAt = machine.cpu.cycles
            failure = Self.write(vga, to: path)
        }
    }

    /// At the end of the run: takes the picture if it was not taken yet. Returns an error
    /// message (the file could not be written) and a note (the run ended before the cycle
    /// count asked for).
    public func finish(vga: VGACard, cycles: UInt64) -> (error: String?, note: String?) {
        var note: String?
        if takenAt == nil {
            if let at = atCycle {
                note = "--screenshot-at \(at): the run ended at cycle \(cycles), before it; the screenshot shows the end of the run"
            }
            takenAt = cycles
            failure = Self.write(vga, to: path)
        }
        return (failure, note)
    }
}
