// System control port A (port 0x92), the "fast A20 and reset" latch of IBM PS/2 systems,
// kept by later chipsets (Intel 82371 PIIX data sheet, "Port 92h"; IBM PS/2 Hardware
// Interface Technical Reference, "System Control Port A").
//
// Register map (port 0x92, read/write, one byte):
//   bit 0  fast reset: a 0 → 1 transition pulses the CPU's reset line; the bit then reads
//          back as written and must be written 0 again before the next reset.
//   bit 1  A20 gate: 1 = address line 20 passes, 0 = forced to 0 (OR-ed by the board
//          with the 8042's output-port A20 bit).
//   bit 3  security lock, bits 6–7 fixed-disk activity light: stored and read back only.
//   other bits stored and read back.

/// Port 0x92: fast A20 gate and fast CPU reset.
public final class SystemControlPortA: IODevice {
    /// Called with the new A20 state whenever bit 1 changes.
    public var onA20Change: (Bool) -> Void
    /// Called on a 0 → 1 transition of bit 0.
    public var onReset: () -> Void

    /// The latch as last written.
    public private(set) var value: UInt8 = 0

    /// Bit 1 of the latch.
    public var a20Enabled: Bool { value & 0x02 != 0 }

    public init(onA20Change: @escaping (Bool) -> Void = { _ in }, onReset: @escaping () -> Void = {}) {
        self.onA20Change = onA20Change
        self.onReset = onReset
    }

    public func attach(to bus: IOPortBus) {
        bus.map(0x92...0x92, self, name: "system control port A")
    }

    /// Hardware reset (RESET pin, not the bit-0 reset): the latch clears, A20 off
    /// (PIIX "Port 92h": default 00h). Reports the A20 change if there is one.
    public func reset() {
        let old = value
        value = 0
        if old & 0x02 != 0 { onA20Change(false) }
    }

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        // Wider reads return the latch in the low byte and open bus above it.
        size == 1 ? UInt32(value) : (0xFFFF_FFFF << 8 | UInt32(value)) & (0xFFFF_FFFF >> (32 - 8 * UInt32(min(max(size, 1), 4))))
    }

    public func writePort(_ port: UInt16, size: Int, value newValue: UInt32) {
        let v = UInt8(truncatingIfNeeded: newValue)
        let old = value
        value = v
        if (old ^ v) & 0x02 != 0 { onA20Change(v & 0x02 != 0) }
        if old & 0x01 == 0 && v & 0x01 != 0 { onReset() }
    }
}
