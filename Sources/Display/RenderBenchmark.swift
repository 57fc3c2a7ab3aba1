import Chipset
import Foundation

/// The rendering benchmark (`pcemu bench render`): a VGA card on a port bus and memory
/// map of its own, a mode programmed through the ports, video memory filled with a
/// pattern, and then full redraws, each forced by a register generation change as a
/// mode set or palette write would cause. It measures what one frame costs the renderer
/// when every line must be drawn again, the worst case the window's refresh can hit.
public struct RenderBenchmark {
    public struct Result: Sendable {
        public let mode: String, width: Int, height: Int, frames: Int
        public let seconds: Double
        /// CPU time the rendering thread spent (on a busy machine, less than `seconds`).
        public let cpuSeconds: Double
        /// Lines drawn by the last frame: equals `height` when the redraw was full.
        public let linesInLastFrame: Int
        /// How many different colours the last frame holds (a blank frame has one).
        public let distinctColours: Int
        public var framesPerSecond: Double { Double(frames) / seconds }
        public var framesPerCPUSecond: Double { Double(frames) / cpuSeconds }
    }

    public static let modes = ["text80x25", "mode12h", "mode13h", "dispi800x600x32"]

    /// Renders `frames` full redraws of `mode` (one of `modes`); nil for an unknown mode.
    public static func run(mode: String, frames: Int) -> Result? {
        let clock = ManualClock()
        let scheduler = Scheduler(cyclesPerSecond: 33_000_000) { clock.now }
        let bus = IOPortBus(), memory = MemoryMap(ramMiB: 1)
        let card = VGACard(scheduler: scheduler)
        card.attach(to: bus, memory: memory)
        func out(_ port: UInt16, _ v: UInt8) { bus.writePort(port, size: 1, value: UInt32(v)) }
        func dac(_ entries: Int, _ rgb: (Int) -> (Int, Int, Int)) {
            out(0x3C8, 0)
            for i in 0..<entries { let c = rgb(i); out(0x3C9, UInt8(c.0)); out(0x3C9, UInt8(c.1)); out(0x3C9, UInt8(c.2)) }
        }
        let ega: (Int) -> (Int, Int, Int) = { i in
            ((i >> 2 & 1) * 0x2A + (i >> 5 & 1) * 0x15, (i >> 1 & 1) * 0x2A + (i >> 4 & 1) * 0x15,
             (i & 1) * 0x2A + (i >> 3 & 1) * 0x15)
        }
        switch mode {
        case "text80x25":
            VGAModeTable.mode03.program(on: bus)
            dac(64, ega)
            // A font in plane 2 (sequential plane-2 addressing, as a BIOS loads one), then text.
            out(0x3C4, 2); out(0x3C5, 0x04); out(0x3C4, 4); out(0x3C5, 0x07)
            out(0x3CE, 4); out(0x3CF, 0x02); out(0x3CE, 5); out(0x3CF, 0x00); out(0x3CE, 6); out(0x3CF, 0x04)
            for ch in 0..<256 { for row in 0..<16 { memory.writePhysical(0xA_0000 + UInt32(ch * 32 + row), UInt8(truncatingIfNeeded: ch &* 37 &+ row &* 11)) } }
            out(0x3C4, 2); out(0x3C5, 0x03); out(0x3C4, 4); out(0x3C5, 0x02)
            out(0x3CE, 4); out(0x3CF, 0x00); out(0x3CE, 5); out(0x3CF, 0x10); out(0x3CE, 6); out(0x3CF, 0x0E)
            for i in 0..<(80 * 25) {
                memory.writePhysical(0xB_8000 + UInt32(2 * i), UInt8(truncatingIfNeeded: i))
                memory.writePhysical(0xB_8001 + UInt32(2 * i), UInt8(truncatingIfNeeded: i / 80 &* 16 &+ i % 15 &+ 1) & 0x7F)
            }
        case "mode12h":
            VGAModeTable.mode12.program(on: bus)
            dac(64, ega)
            // Write mode 0 with all planes enabled: a different byte into each plane via the map mask.
            for plane in 0..<4 {
                out(0x3C4, 2); out(0x3C5, UInt8(1 << plane))
                for off in 0..<(80 * 480) { memory.writePhysical(0xA_0000 + UInt32(off), UInt8(truncatingIfNeeded: off &* (plane + 3))) }
            }
            out(0x3C4, 2); out(0x3C5, 0x0F)
        case "mode13h":
            VGAModeTable.mode13.program(on: bus)
            dac(256) { i in ((i >> 5) * 9, (i >> 2 & 7) * 9, (i & 3) * 21) }
            for off in 0..<(320 * 200) { memory.writePhysical(0xA_0000 + UInt32(off), UInt8(truncatingIfNeeded: off &* 7 &+ off / 320)) }
        case "dispi800x600x32":
            // Bochs VBE through ports 1CEh/1CFh, then a gradient through the linear framebuffer.
            func dispi(_ index: UInt16, _ value: UInt16) {
                bus.writePort(0x1CE, size: 2, value: UInt32(index)); bus.writePort(0x1CF, size: 2, value: UInt32(value))
            }
            dispi(4, 0); dispi(1, 800); dispi(2, 600); dispi(3, 32); dispi(4, 0x41)
            for off in stride(from: 0, to: 800 * 600 * 4, by: 4) {
                let a = VGACard.defaultLFBAddress + UInt32(off)
                memory.writePhysical(a, UInt8(truncatingIfNeeded: off / 4))
                memory.writePhysical(a + 1, UInt8(truncatingIfNeeded: off / 3200))
                memory.writePhysical(a + 2, UInt8(truncatingIfNeeded: off / 7))
            }
        default:
            return nil
        }
        var lines = 0, width = 0, height = 0
        let n = max(1, frames)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let c0 = threadCPUSeconds()
        for _ in 0..<n {
            card.registers.touch()          // every line must be drawn again
            card.withRenderedFrame { w, h, _ in width = w; height = h }
            lines = card.renderer.linesRendered
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let cpuSeconds = max(threadCPUSeconds() - c0, 1e-9)
        let colours = card.withRenderedFrame { _, _, p in Set(p).count }
        return Result(mode: mode, width: width, height: height, frames: n, seconds: seconds, cpuSeconds: cpuSeconds,
                      linesInLastFrame: lines, distinctColours: colours)
    }

    /// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID).
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private final class ManualClock: @unchecked Sendable { var now: UInt64 = 0 }
}
