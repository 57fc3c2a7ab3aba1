import Testing
@testable import Chipset

/// Port 0x92 (PS/2 system control port A, PIIX "Port 92h").
@Suite struct SystemControlPortATests {
    @Test func fastA20AndFastResetThroughPort92() {
        var a20: [Bool] = []
        var resets = 0
        let port = SystemControlPortA(onA20Change: { a20.append($0) }, onReset: { resets += 1 })
        let bus = IOPortBus()
        port.attach(to: bus)
        #expect(bus.readPort(0x92, size: 1) == 0x00)
        bus.writePort(0x92, size: 1, value: 0x02)
        #expect(a20 == [true])
        #expect(port.a20Enabled)
        #expect(bus.readPort(0x92, size: 1) == 0x02)
        bus.writePort(0x92, size: 1, value: 0x02)   // unchanged: no callback
        #expect(a20 == [true])
        bus.writePort(0x92, size: 1, value: 0x00)
        #expect(a20 == [true, false])
        #expect(resets == 0)
        bus.writePort(0x92, size: 1, value: 0x03)   // 0 → 1 on bit 0: reset, and A20 on
        #expect(resets == 1)
        #expect(a20 == [true, false, true])
        #expect(bus.readPort(0x92, size: 1) == 0x03)
        bus.writePort(0x92, size: 1, value: 0x03)   // no new edge, no reset
        #expect(resets == 1)
        bus.writePort(0x92, size: 1, value: 0x02)
        bus.writePort(0x92, size: 1, value: 0x03)
        #expect(resets == 2)
        bus.writePort(0x92, size: 1, value: 0xC2)   // other bits read back
        #expect(bus.readPort(0x92, size: 1) == 0xC2)
        port.reset()
        #expect(bus.readPort(0x92, size: 1) == 0x00)
        #expect(a20.last == false)
    }
}
