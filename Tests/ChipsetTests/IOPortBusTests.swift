import Testing
@testable import Chipset

/// The I/O bus: unmapped ports, and how wide accesses reach byte-wide devices.
@Suite struct IOPortBusTests {
    /// Records every access it receives and answers reads with the low byte of the port
    /// plus the access size, so a test can tell which cycles reached it.
    final class Recorder: IODevice {
        var log: [String] = []
        func readPort(_ port: UInt16, size: Int) -> UInt32 {
            log.append("r\(size)@\(String(port, radix: 16))")
            return size == 1 ? UInt32(port & 0xFF) : 0x1234_5678 >> (32 - 8 * UInt32(size))
        }
        func writePort(_ port: UInt16, size: Int, value: UInt32) {
            log.append("w\(size)@\(String(port, radix: 16))=\(String(value, radix: 16))")
        }
    }

    @Test func unmappedPortsReadAllOnesAndIgnoreWrites() {
        let bus = IOPortBus()
        #expect(bus.readPort(0x1234, size: 1) == 0xFF)
        #expect(bus.readPort(0x1234, size: 2) == 0xFFFF)
        #expect(bus.readPort(0xFFFE, size: 4) == 0xFFFF_FFFF)   // wraps to port 0 and 1
        bus.writePort(0x1234, size: 4, value: 0)
    }

    @Test func aWideAccessGoesWholeToADeviceOwningEveryPort() {
        let bus = IOPortBus(), d = Recorder()
        bus.map(0x3C4...0x3C5, d, name: "pair")
        bus.writePort(0x3C4, size: 2, value: 0x0F02)
        #expect(bus.readPort(0x3C4, size: 2) == 0x1234)
        #expect(d.log == ["w2@3c4=f02", "r2@3c4"])
    }

    /// An AT splits a 16-bit cycle to an 8-bit device into two byte cycles: `out dx, ax`
    /// across two devices reaches both, low byte first; unmapped bytes read FFh.
    /// A device owning the first port with only unmapped ports after it takes the access whole.
    @Test func aWideAccessAcrossOwnersIsSplitIntoBytes() {
        let bus = IOPortBus(), a = Recorder(), b = Recorder()
        bus.map(0x92...0x92, a, name: "a")
        bus.map(0x93...0x93, b, name: "b")
        bus.writePort(0x92, size: 2, value: 0xBBAA)
        #expect(a.log == ["w1@92=aa"])
        #expect(b.log == ["w1@93=bb"])
        #expect(bus.readPort(0x92, size: 2) == 0x9392)
        // Unmapped port 91h, then 92h owned: split; the unmapped byte reads FFh.
        #expect(bus.readPort(0x91, size: 2) == 0x92FF)
        // 93h owned, 94h-96h unmapped: nobody else claims the cycle, so b takes it whole.
        b.log = []
        #expect(bus.readPort(0x93, size: 4) == 0x1234_5678)
        #expect(b.log == ["r4@93"])
    }
}
