import Testing
@testable import Chipset

/// The 8259A pair against the Intel 8259A datasheet (231468).
@Suite struct PIC8259Tests {
    final class Pin { var level = false; var changes = 0 }

    /// A pair initialised as a PC BIOS does: master vectors 0x08, slave 0x70, cascade on
    /// IR2, 8086 mode, everything unmasked.
    func makePair(autoEOI: Bool = false) -> (InterruptControllerPair, Pin) {
        let pin = Pin()
        let pic = InterruptControllerPair { pin.level = $0; pin.changes += 1 }
        let icw4: UInt32 = autoEOI ? 0x03 : 0x01
        for (cmd, data, base, icw3) in [(UInt16(0x20), UInt16(0x21), UInt32(0x08), UInt32(0x04)),
                                        (0xA0, 0xA1, 0x70, 0x02)] {
            pic.writePort(cmd, size: 1, value: 0x11)   // ICW1: edge, cascade, ICW4 needed
            pic.writePort(data, size: 1, value: base)  // ICW2
            pic.writePort(data, size: 1, value: icw3)  // ICW3
            pic.writePort(data, size: 1, value: icw4)  // ICW4: 8086 mode
            pic.writePort(data, size: 1, value: 0x00)  // OCW1: unmask all
        }
        return (pic, pin)
    }

    func isr(_ pic: InterruptControllerPair, slave: Bool = false) -> UInt8 {
        let port: UInt16 = slave ? 0xA0 : 0x20
        pic.writePort(port, size: 1, value: 0x0B)
        return UInt8(pic.readPort(port, size: 1))
    }

    func irr(_ pic: InterruptControllerPair, slave: Bool = false) -> UInt8 {
        let port: UInt16 = slave ? 0xA0 : 0x20
        pic.writePort(port, size: 1, value: 0x0A)
        return UInt8(pic.readPort(port, size: 1))
    }

    @Test func fullyNestedPriorityAndMasking() {
        let (pic, pin) = makePair()
        #expect(!pin.level)
        pic.setIRQ(5, true)
        pic.setIRQ(3, true)
        #expect(pin.level && pic.interruptPending)
        // IR3 outranks IR5.
        #expect(pic.acknowledge() == 0x0B)
        #expect(isr(pic) == 0x08)
        #expect(irr(pic) == 0x20)
        // IR5 is below the level in service: INT stays low.
        #expect(!pin.level)
        // A higher level (IR1) interrupts the IR3 handler.
        pic.setIRQ(1, true)
        #expect(pin.level)
        #expect(pic.acknowledge() == 0x09)
        #expect(isr(pic) == 0x0A)
        // OCW1 masks; the IMR reads back on the data port.
        pic.writePort(0x21, size: 1, value: 0x01)
        #expect(pic.readPort(0x21, size: 1) == 0x01)
        pic.setIRQ(0, true)
        pic.writePort(0x20, size: 1, value: 0x20) // EOI (IR1)
        pic.writePort(0x20, size: 1, value: 0x20) // EOI (IR3)
        #expect(isr(pic) == 0)
        // IR0 is masked, IR5 still pending and now allowed.
        #expect(pin.level)
        #expect(pic.acknowledge() == 0x0D)
        // Unmasking IR0 lets it through: it outranks IR5 in service.
        pic.writePort(0x21, size: 1, value: 0x00)
        #expect(pin.level)
        #expect(pic.acknowledge() == 0x08)
    }

    @Test func endOfInterruptVariants() {
        let (pic, _) = makePair()
        pic.setIRQ(6, true); _ = pic.acknowledge()
        pic.setIRQ(4, true); _ = pic.acknowledge()
        pic.setIRQ(2, true); _ = pic.acknowledge()
        #expect(isr(pic) == 0x54)
        // Specific EOI (SL=1, EOI=1, L=4) clears exactly ISR4.
        pic.writePort(0x20, size: 1, value: 0x64)
        #expect(isr(pic) == 0x44)
        // Non-specific EOI clears the highest priority in service: IR2.
        pic.writePort(0x20, size: 1, value: 0x20)
        #expect(isr(pic) == 0x40)
        // OCW2 "no operation" (010) changes nothing.
        pic.writePort(0x20, size: 1, value: 0x40)
        #expect(isr(pic) == 0x40)
        pic.writePort(0x20, size: 1, value: 0x20)
        #expect(isr(pic) == 0)
    }

    @Test func autoEOILeavesISRClear() {
        let (pic, pin) = makePair(autoEOI: true)
        pic.setIRQ(3, true)
        #expect(pic.acknowledge() == 0x0B)
        #expect(isr(pic) == 0)
        // Nothing in service, so a lower level gets through at once.
        pic.setIRQ(5, true)
        #expect(pin.level)
        #expect(pic.acknowledge() == 0x0D)
    }

    @Test func cascadeThroughIRQ2() {
        let (pic, pin) = makePair()
        pic.setIRQ(10, true)
        #expect(pin.level)
        #expect(irr(pic) == 0x04)          // the slave's INT is the master's IR2
        #expect(irr(pic, slave: true) == 0x04)
        #expect(pic.acknowledge() == 0x72) // vector from the slave's ICW2
        #expect(isr(pic) == 0x04)
        #expect(isr(pic, slave: true) == 0x04)
        // Master IR1 outranks the cascade; IR3 does not.
        pic.setIRQ(3, true)
        #expect(!pin.level)
        pic.setIRQ(1, true)
        #expect(pic.acknowledge() == 0x09)
        pic.writePort(0x20, size: 1, value: 0x20) // EOI IR1
        // The handler ends with EOI to the slave, then to the master.
        pic.writePort(0xA0, size: 1, value: 0x20)
        pic.writePort(0x20, size: 1, value: 0x20)
        #expect(isr(pic) == 0 && isr(pic, slave: true) == 0)
        #expect(pic.acknowledge() == 0x0B)
        // Slave priority: IRQ8 before IRQ12.
        pic.writePort(0x20, size: 1, value: 0x20)
        pic.setIRQ(12, true); pic.setIRQ(8, true)
        #expect(pic.acknowledge() == 0x70)
        pic.writePort(0xA0, size: 1, value: 0x20)
        pic.writePort(0x20, size: 1, value: 0x20)
        // The slave's remaining request reaches the master again after the EOIs.
        #expect(pin.level)
        #expect(pic.acknowledge() == 0x74)
    }

    @Test func slaveMaskedOnMasterIR2() {
        let (pic, pin) = makePair()
        pic.writePort(0x21, size: 1, value: 0x04)
        pic.setIRQ(14, true)
        #expect(!pin.level)
        pic.writePort(0x21, size: 1, value: 0x00)
        #expect(pin.level)
        #expect(pic.acknowledge() == 0x76)
    }

    @Test func rotation() {
        let (pic, _) = makePair()
        // Rotate on non-specific EOI (R=1, EOI=1): the level serviced becomes the lowest.
        pic.setIRQ(0, true)
        #expect(pic.acknowledge() == 0x08)
        pic.writePort(0x20, size: 1, value: 0xA0)
        pic.setIRQ(0, false)
        pic.setIRQ(0, true); pic.setIRQ(1, true); pic.setIRQ(7, true)
        // Order is now 1, 2, ..., 7, 0.
        #expect(pic.acknowledge() == 0x09)
        pic.writePort(0x20, size: 1, value: 0xA0) // now 2..7, 0, 1
        #expect(pic.acknowledge() == 0x0F)
        pic.writePort(0x20, size: 1, value: 0xA0) // now 0..7 again
        #expect(pic.acknowledge() == 0x08)
        pic.writePort(0x20, size: 1, value: 0x20)
        // Set priority (R=1, SL=1, L=4): IR4 lowest, IR5 highest.
        pic.writePort(0x20, size: 1, value: 0xC4)
        pic.setIRQ(3, true); pic.setIRQ(5, true)
        #expect(pic.acknowledge() == 0x0D)
        // Rotate on specific EOI (L=5): IR5 becomes lowest, IR6 highest; IR3 next in line.
        pic.writePort(0x20, size: 1, value: 0xE5)
        #expect(isr(pic) == 0)
        #expect(pic.acknowledge() == 0x0B)
    }

    @Test func rotateInAutoEOIMode() {
        let (pic, _) = makePair(autoEOI: true)
        pic.writePort(0x20, size: 1, value: 0x80) // rotate in AEOI: set
        pic.setIRQ(3, true); pic.setIRQ(4, true)
        #expect(pic.acknowledge() == 0x0B) // IR3 served, now the lowest
        pic.setIRQ(3, false); pic.setIRQ(3, true)
        #expect(pic.acknowledge() == 0x0C) // IR4 outranks IR3; then IR4 is lowest
        pic.writePort(0x20, size: 1, value: 0x00) // rotate in AEOI: clear
        pic.setIRQ(1, true)
        // Order is now 5, 6, 7, 0, 1, 2, 3, 4: IR1 before IR3; no further rotation.
        #expect(pic.acknowledge() == 0x09)
        pic.setIRQ(1, false); pic.setIRQ(1, true)
        #expect(pic.acknowledge() == 0x09)
        #expect(pic.acknowledge() == 0x0B)
    }

    @Test func isaIRQ2IsRedirectedToIRQ9() {
        let (pic, _) = makePair()
        pic.setIRQ(2, true)
        #expect(pic.acknowledge() == 0x71)
    }

    @Test func pollCommand() {
        let (pic, pin) = makePair()
        // With no request the poll word has I = 0.
        pic.writePort(0x20, size: 1, value: 0x0C)
        #expect(pic.readPort(0x20, size: 1) == 0x00)
        pic.setIRQ(6, true)
        pic.setIRQ(3, true)
        pic.writePort(0x20, size: 1, value: 0x0C) // OCW3 with P = 1
        #expect(pic.readPort(0x20, size: 1) == 0x83)
        // The poll read acted as INTA: ISR3 set, IRR3 reset.
        #expect(isr(pic) == 0x08)
        #expect(irr(pic) == 0x40)
        #expect(!pin.level)
        // The poll is one-shot: the next read is the register selected before.
        #expect(pic.readPort(0x20, size: 1) == 0x40)
    }

    @Test func spuriousIRQ7WhenTheRequestGoesAway() {
        let (pic, pin) = makePair()
        pic.setIRQ(3, true)
        #expect(pin.level)
        pic.setIRQ(3, false)
        #expect(!pin.level)
        // The CPU had seen INTR: the INTA gets the default IR7 and no ISR bit is set.
        #expect(pic.acknowledge() == 0x0F)
        #expect(isr(pic) == 0)
        // Level-triggered input: the same when the level drops before INTA.
        pic.writePort(0x4D0, size: 1, value: 0x08)
        pic.setIRQ(3, true)
        pic.setIRQ(3, false)
        #expect(pic.acknowledge() == 0x0F)
        #expect(isr(pic) == 0)
    }

    @Test func spuriousIRQ15FromTheSlave() {
        let (pic, _) = makePair()
        // The master has latched the slave's INT on IR2, and the slave's request has gone
        // by the time of INTA (the race the datasheet warns about, driven directly here).
        pic.master.setInput(2, true)
        #expect(pic.acknowledge() == 0x77) // the slave's IR7 vector
        #expect(isr(pic) == 0x04)          // the master counts it as in service
        #expect(isr(pic, slave: true) == 0)
    }

    @Test func levelVersusEdgeTriggering() {
        let (pic, pin) = makePair()
        // Edge (default): a line held high interrupts once.
        pic.setIRQ(4, true)
        #expect(pic.acknowledge() == 0x0C)
        pic.writePort(0x20, size: 1, value: 0x20)
        #expect(!pin.level)
        #expect(irr(pic) & 0x10 == 0)
        // A new rising edge requests again.
        pic.setIRQ(4, false); pic.setIRQ(4, true)
        #expect(pin.level)
        #expect(pic.acknowledge() == 0x0C)
        pic.writePort(0x20, size: 1, value: 0x20)
        // Level (ELCR bit 4): the line still high after EOI requests again.
        pic.writePort(0x4D0, size: 1, value: 0x10)
        #expect(pin.level)
        #expect(pic.acknowledge() == 0x0C)
        pic.writePort(0x20, size: 1, value: 0x20)
        #expect(pin.level)
        pic.setIRQ(4, false)
        #expect(!pin.level)
        // ICW1 LTIM makes every input level-triggered.
        pic.writePort(0x4D0, size: 1, value: 0x00)
        pic.setIRQ(5, true)
        _ = pic.acknowledge(); pic.writePort(0x20, size: 1, value: 0x20)
        #expect(!pin.level)
        pic.writePort(0x20, size: 1, value: 0x19)
        pic.writePort(0x21, size: 1, value: 0x08)
        pic.writePort(0x21, size: 1, value: 0x04)
        pic.writePort(0x21, size: 1, value: 0x01)
        #expect(pin.level)
        #expect(pic.acknowledge() == 0x0D)
    }

    @Test func elcrBitsThatDoNotExist() {
        let (pic, _) = makePair()
        pic.writePort(0x4D0, size: 1, value: 0xFF)
        pic.writePort(0x4D1, size: 1, value: 0xFF)
        #expect(pic.readPort(0x4D0, size: 1) == 0xF8) // IRQ 0, 1, 2 always edge
        #expect(pic.readPort(0x4D1, size: 1) == 0xDE) // IRQ 8, 13 always edge
        pic.writePort(0x4D0, size: 2, value: 0x0000)
        #expect(pic.readPort(0x4D0, size: 2) == 0x0000)
        // IRQ0 stays edge-triggered even with its ELCR bit written.
        pic.writePort(0x4D0, size: 1, value: 0x01)
        pic.setIRQ(0, true)
        #expect(pic.acknowledge() == 0x08)
        pic.writePort(0x20, size: 1, value: 0x20)
        #expect(!pic.interruptPending)
    }

    @Test func reinitialisationClearsState() {
        let (pic, pin) = makePair()
        pic.setIRQ(3, true)
        _ = pic.acknowledge()
        pic.setIRQ(5, true)
        pic.writePort(0x21, size: 1, value: 0x80)
        pic.writePort(0x20, size: 1, value: 0x68) // special mask mode on
        pic.writePort(0x20, size: 1, value: 0x0B) // read ISR
        // ICW1 again (cascade, ICW4 needed), then ICW2 = 0x20, ICW3, ICW4.
        pic.writePort(0x20, size: 1, value: 0x11)
        #expect(pic.readPort(0x21, size: 1) == 0) // IMR cleared
        pic.writePort(0x21, size: 1, value: 0x20)
        pic.writePort(0x21, size: 1, value: 0x04)
        pic.writePort(0x21, size: 1, value: 0x01)
        #expect(pic.readPort(0x20, size: 1) == 0)  // status read back to IRR; edges reset
        #expect(isr(pic) == 0)
        // Lines already high need a fresh rising edge.
        #expect(!pin.level)
        pic.setIRQ(5, false); pic.setIRQ(5, true)
        #expect(pic.acknowledge() == 0x25)
        // The word after ICW1 is ICW2, not OCW1: IMR was not written by it.
        #expect(pic.readPort(0x21, size: 1) == 0)
    }

    @Test func readIRRAndISRThroughOCW3() {
        let (pic, _) = makePair()
        pic.setIRQ(1, true); pic.setIRQ(6, true)
        pic.writePort(0x20, size: 1, value: 0x0A)
        #expect(pic.readPort(0x20, size: 1) == 0x42)
        #expect(pic.readPort(0x20, size: 1) == 0x42) // the selection persists
        _ = pic.acknowledge()
        pic.writePort(0x20, size: 1, value: 0x0B)
        #expect(pic.readPort(0x20, size: 1) == 0x02)
        // RR = 0 leaves the selection alone.
        pic.writePort(0x20, size: 1, value: 0x08)
        #expect(pic.readPort(0x20, size: 1) == 0x02)
        // IRR shows requests even when masked.
        pic.writePort(0x21, size: 1, value: 0xFF)
        pic.writePort(0x20, size: 1, value: 0x0A)
        #expect(pic.readPort(0x20, size: 1) == 0x40)
    }

    @Test func specialMaskMode() {
        let (pic, pin) = makePair()
        pic.setIRQ(3, true)
        #expect(pic.acknowledge() == 0x0B)
        pic.setIRQ(5, true)
        #expect(!pin.level) // blocked by IR3 in service
        // The handler masks its own level and enables special mask mode (ESMM=1, SMM=1).
        pic.writePort(0x21, size: 1, value: 0x08)
        pic.writePort(0x20, size: 1, value: 0x68)
        #expect(pin.level)
        #expect(pic.acknowledge() == 0x0D)
        #expect(isr(pic) == 0x28)
        // Non-specific EOI skips the masked ISR3 in special mask mode.
        pic.writePort(0x20, size: 1, value: 0x20)
        #expect(isr(pic) == 0x08)
        // Reset special mask mode (ESMM=1, SMM=0), unmask, EOI.
        pic.writePort(0x20, size: 1, value: 0x48)
        pic.writePort(0x21, size: 1, value: 0x00)
        pic.writePort(0x20, size: 1, value: 0x20)
        #expect(isr(pic) == 0)
    }

    @Test func intrFollowsTheMasterOutput() {
        let (pic, pin) = makePair()
        pic.setIRQ(9, true)
        #expect(pin.level && pin.changes == 1)
        _ = pic.acknowledge()
        #expect(!pin.level && pin.changes == 2)
        pic.setIRQ(99, true) // out-of-range lines are ignored
        pic.setIRQ(-1, true)
        #expect(pin.changes == 2)
    }
}
