import Testing
@testable import Chipset

/// The AT DMA pair against the Intel 8237A datasheet and the AT page-register map.
@Suite struct DMAControllerTests {
    final class RAM {
        var bytes = [UInt8](repeating: 0, count: 1 << 24)
    }

    struct Rig {
        let ram = RAM()
        let bus = IOPortBus()
        let dma: DMAController
        init() {
            let ram = self.ram
            dma = DMAController(readMemory: { ram.bytes[Int($0 & 0xFF_FFFF)] },
                                writeMemory: { ram.bytes[Int($0 & 0xFF_FFFF)] = $1 })
            dma.attach(to: bus)
        }
        func out(_ port: UInt16, _ v: UInt8) { bus.writePort(port, size: 1, value: UInt32(v)) }
        func inb(_ port: UInt16) -> UInt8 { UInt8(truncatingIfNeeded: bus.readPort(port, size: 1)) }
        /// What a BIOS does: channel 4 in cascade mode and unmasked.
        func openCascade() { out(0xD6, 0xC0); out(0xD4, 0x00) }
        /// Programs channel 0-3 (8-bit) with the classic sequence.
        func program8(channel: UInt8, address: UInt32, count: UInt16, mode: UInt8) {
            let addrPort = UInt16(channel) * 2, countPort = addrPort + 1
            let pagePort: [UInt16] = [0x87, 0x83, 0x81, 0x82]
            out(0x0A, 0x04 | channel)                     // mask
            out(0x0C, 0)                                  // clear flip-flop
            out(0x0B, mode | channel)
            out(addrPort, UInt8(address & 0xFF)); out(addrPort, UInt8((address >> 8) & 0xFF))
            out(pagePort[Int(channel)], UInt8((address >> 16) & 0xFF))
            out(countPort, UInt8(count & 0xFF)); out(countPort, UInt8(count >> 8))
            out(0x0A, channel)                            // unmask
        }
    }

    @Test func byteTransferToMemoryIncrementsAddressAndStopsAtTerminalCount() {
        let r = Rig()
        r.openCascade()
        // Single mode, increment, write (device → memory), channel 2; count 3 = 4 bytes.
        r.program8(channel: 2, address: 0x05_1234, count: 3, mode: 0x44)
        let result = r.dma.transfer(channel: 2, maxBytes: 10, deviceToMemory: { UInt8(0xA0 + $0) }, memoryToDevice: { _, _ in })
        #expect(result == DMATransferResult(bytes: 4, terminalCount: true))
        #expect(Array(r.ram.bytes[0x05_1234...0x05_1238]) == [0xA0, 0xA1, 0xA2, 0xA3, 0x00])
        // Status: TC bit of channel 2; reading clears it.
        #expect(r.inb(0x08) & 0x0F == 0x04)
        #expect(r.inb(0x08) & 0x0F == 0x00)
        // Current address advanced by 4, current count wrapped to 0xFFFF (low byte first).
        r.out(0x0C, 0)
        #expect(r.inb(0x04) == 0x38); #expect(r.inb(0x04) == 0x12)
        #expect(r.inb(0x05) == 0xFF); #expect(r.inb(0x05) == 0xFF)
        // Without autoinitialize the channel masks itself at EOP: no more transfers.
        #expect(r.dma.maskBits(controller: 0) & 0x04 != 0)
        #expect(r.dma.transfer(channel: 2, maxBytes: 1, deviceToMemory: { _ in 1 }, memoryToDevice: { _, _ in }).bytes == 0)
    }

    @Test func readTransferAddressDecrementAndAutoinitialize() {
        let r = Rig()
        r.openCascade()
        for i in 0..<4 { r.ram.bytes[0x2000 - i] = UInt8(0x10 + i) }
        // Single mode, decrement, autoinit, read (memory → device), channel 1; 4 bytes.
        r.program8(channel: 1, address: 0x2000, count: 3, mode: 0x40 | 0x20 | 0x10 | 0x08)
        var got: [UInt8] = []
        let result = r.dma.transfer(channel: 1, maxBytes: 100, deviceToMemory: { _ in 0 }, memoryToDevice: { _, b in got.append(b) })
        #expect(result == DMATransferResult(bytes: 4, terminalCount: true))
        #expect(got == [0x10, 0x11, 0x12, 0x13])
        // Autoinitialize reloaded the current registers and left the channel unmasked.
        #expect(r.dma.channels[1].currentAddress == 0x2000)
        #expect(r.dma.channels[1].currentCount == 3)
        #expect(r.dma.maskBits(controller: 0) & 0x02 == 0)
        #expect(r.dma.transfer(channel: 1, maxBytes: 2, deviceToMemory: { _ in 0 }, memoryToDevice: { _, _ in }).bytes == 2)
    }

    @Test func verifyModeRunsCountWithoutTouchingMemory() {
        let r = Rig()
        r.openCascade()
        r.program8(channel: 3, address: 0x3000, count: 1, mode: 0x40)   // verify
        var calls = 0
        let result = r.dma.transfer(channel: 3, maxBytes: 5, deviceToMemory: { _ in calls += 1; return 0xEE }, memoryToDevice: { _, _ in calls += 1 })
        #expect(result == DMATransferResult(bytes: 2, terminalCount: true))
        #expect(calls == 0)
        #expect(r.ram.bytes[0x3000] == 0)
    }

    @Test func channelsZeroToThreeNeedTheCascadeChannelOpen() {
        let r = Rig()
        r.program8(channel: 2, address: 0x1000, count: 0, mode: 0x44)
        // Channel 4 is masked after power-on: controller 1 cannot get the bus.
        #expect(!r.dma.isReady(channel: 2))
        #expect(r.dma.transfer(channel: 2, maxBytes: 1, deviceToMemory: { _ in 1 }, memoryToDevice: { _, _ in }).bytes == 0)
        r.openCascade()
        #expect(r.dma.isReady(channel: 2))
        // Command register bit 2 disables a controller.
        r.out(0x08, 0x04)
        #expect(!r.dma.isReady(channel: 2))
        r.out(0x08, 0x00)
        #expect(r.dma.transfer(channel: 2, maxBytes: 1, deviceToMemory: { _ in 0x5A }, memoryToDevice: { _, _ in }).bytes == 1)
        #expect(r.ram.bytes[0x1000] == 0x5A)
    }

    @Test func sixteenBitChannelsAddressWordsWithinA128KBlock() {
        let r = Rig()
        r.openCascade()
        // Channel 5: mode write single, word address 0x0100, page 0x03 → 0x020200
        // (page bit 0 is not used), word count 1 = 2 words = 4 bytes.
        r.out(0xD4, 0x05)
        r.out(0xD8, 0)
        r.out(0xD6, 0x44 | 1)
        r.out(0xC4, 0x00); r.out(0xC4, 0x01)
        r.out(0x8B, 0x03)
        r.out(0xC6, 0x01); r.out(0xC6, 0x00)
        r.out(0xD4, 0x01)
        let result = r.dma.transfer(channel: 5, maxBytes: 6, deviceToMemory: { UInt8(0x30 + $0) }, memoryToDevice: { _, _ in })
        #expect(result == DMATransferResult(bytes: 4, terminalCount: true))
        #expect(Array(r.ram.bytes[0x02_0200..<0x02_0205]) == [0x30, 0x31, 0x32, 0x33, 0x00])
        #expect(r.ram.bytes[0x03_0200] == 0)
        #expect(r.inb(0xD0) & 0x0F == 0x02)       // TC of channel 5 in controller 2's status
        // Word address wraps inside the 128 KiB block: 0xFFFF → 0x0000.
        r.out(0xD8, 0)
        r.out(0xD6, 0x44 | 2)                      // channel 6
        r.out(0xC8, 0xFF); r.out(0xC8, 0xFF)
        r.out(0x89, 0x04)
        r.out(0xCA, 0x01); r.out(0xCA, 0x00)
        r.out(0xD4, 0x02)
        r.dma.transfer(channel: 6, maxBytes: 4, deviceToMemory: { UInt8(0x40 + $0) }, memoryToDevice: { _, _ in })
        #expect(r.ram.bytes[0x05_FFFE] == 0x40 && r.ram.bytes[0x05_FFFF] == 0x41)
        #expect(r.ram.bytes[0x04_0000] == 0x42 && r.ram.bytes[0x04_0001] == 0x43)
    }

    @Test func masterClearMaskRegistersAndRequestBits() {
        let r = Rig()
        r.out(0x0E, 0)                                // clear mask register
        #expect(r.dma.maskBits(controller: 0) == 0)
        r.out(0x0F, 0x0A)                             // write all mask bits
        #expect(r.dma.maskBits(controller: 0) == 0x0A)
        #expect(r.inb(0x0F) & 0x0F == 0x0A)
        r.out(0x09, 0x04 | 3)                         // software request on channel 3
        r.dma.setRequest(channel: 0, true)            // a device's DREQ0
        #expect(r.inb(0x08) >> 4 == 0x09)
        r.out(0x08, 0x04)                             // command: disable
        r.out(0x04, 0x12)                             // leaves the flip-flop on the high byte
        r.out(0x0D, 0)                                // master clear
        #expect(r.dma.maskBits(controller: 0) == 0x0F)
        #expect(r.dma.commandRegister(controller: 0) == 0)
        #expect(r.inb(0x08) >> 4 == 0x01)             // software request gone, DREQ0 still up
        r.out(0x04, 0x34)                             // flip-flop cleared: this is the low byte
        #expect(r.dma.channels[2].baseAddress == 0x0034)
        // Controller 2's odd ports alias the even ones (A0 not decoded).
        r.out(0xDD, 0)                                // = 0xDC, clear mask register
        #expect(r.dma.maskBits(controller: 1) == 0)
    }

    @Test func pageRegistersAndSpareLatches() {
        let r = Rig()
        let pages: [(UInt16, Int)] = [(0x87, 0), (0x83, 1), (0x81, 2), (0x82, 3), (0x8F, 4), (0x8B, 5), (0x89, 6), (0x8A, 7)]
        for (i, (port, ch)) in pages.enumerated() {
            r.out(port, UInt8(0x10 + i))
            #expect(r.dma.page(of: ch) == UInt8(0x10 + i))
            #expect(r.inb(port) == UInt8(0x10 + i))
        }
        r.out(0x84, 0x5A)
        #expect(r.inb(0x84) == 0x5A)
        // Port 0x80 belongs to the POST-code latch, not to the DMA controller.
        #expect(r.bus.deviceName(at: 0x80) == "(unmapped)")
        #expect(r.bus.deviceName(at: 0x81) != "(unmapped)")
        #expect(r.bus.deviceName(at: 0x8F) != "(unmapped)")
    }
}
