// System Control Port B (port 0x61) of the PC/AT: the speaker gate and data bits, the
// refresh-request toggle, and the 8254 counter 2 output.
//
// Behaviour from: IBM Personal Computer AT Technical Reference (1984), "System Timers"
// and "I/O Address Map" (port 0x61, 8255-compatible port B); Intel 82371AB (PIIX4)
// datasheet §4.2.1 "NMISC — NMI Status and Control Register" for the bit layout.
//
// Register map (port 0x61):
//   write bit 0  GATE of 8254 counter 2
//         bit 1  speaker data enable (speaker = OUT2 AND this bit)
//         bit 2  parity check (SERR#) disable      } stored, read back
//         bit 3  channel check (IOCHK#) disable    }
//   read  bits 0-3 as written
//         bit 4  refresh toggle: flips on every DRAM refresh request, one per 15.085 µs
//                (18 clocks of the 1.193182 MHz PIT clock, as counter 1 was set up on the AT)
//         bit 5  OUT of 8254 counter 2
//         bit 6  channel check (IOCHK#) status — never set here
//         bit 7  parity error (SERR#) status — never set here

/// Port 0x61.
public final class SystemControlPortB: IODevice {
    private let timer: IntervalTimer
    /// Bits 0-3 as last written.
    public private(set) var control: UInt8 = 0

    /// Refresh requests come every 18 PIT clocks (15.0857 µs).
    static let refreshPeriodTicks: UInt64 = 18

    public init(timer: IntervalTimer) {
        self.timer = timer
        timer.setGate(counter: 2, false)
    }

    public func attach(to bus: IOPortBus) {
        bus.map(0x61...0x61, self, name: "system control port B")
    }

    /// The speaker is driven by OUT2 while the data-enable bit is set.
    public var speakerDriven: Bool { control & 0x02 != 0 && timer.output(counter: 2) }

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        let refresh = (timer.currentTick / Self.refreshPeriodTicks) & 1 != 0
        let value = control & 0x0F | (refresh ? 0x10 : 0) | (timer.output(counter: 2) ? 0x20 : 0)
        // Wider reads: the bytes above belong to unmapped ports, which read all ones.
        return size <= 1 ? UInt32(value) : UInt32(value) | (0xFFFF_FFFF << 8 & (0xFFFF_FFFF >> (32 - 8 * UInt32(min(size, 4)))))
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        control = UInt8(truncatingIfNeeded: value) & 0x0F
        timer.setGate(counter: 2, control & 0x01 != 0)
    }
}
