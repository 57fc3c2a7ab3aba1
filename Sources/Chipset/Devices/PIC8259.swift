import CPUInterpreter

// Intel 8259A Programmable Interrupt Controller, as the master/slave pair of the PC/AT,
// with the edge/level control registers (ELCR) of PCI-era chipsets.
//
// Behaviour from: Intel 8259A/8259A-2 Programmable Interrupt Controller datasheet
// (order no. 231468), sections "Interrupt Sequence", "Programming the 8259A"
// (ICW1–ICW4, OCW1–OCW3), "Fully Nested Mode", "End of Interrupt", "Automatic Rotation",
// "Specific Rotation", "Special Mask Mode", "Poll Command", "Edge and Level Triggered
// Modes", "Cascade Mode"; ELCR from the Intel 82371AB (PIIX4) datasheet, §4.1.8
// ("ELCR1/ELCR2 — Edge/Level Control Registers").
//
// Register map (A0 = low address bit):
//   0x20 / 0xA0  write: ICW1 (bit 4 = 1), OCW2 (bits 4,3 = 00), OCW3 (bits 4,3 = 01)
//                read:  IRR or ISR (as selected by OCW3), or the poll word after a poll command
//   0x21 / 0xA1  write: ICW2, ICW3, ICW4 during initialisation, else OCW1 (IMR)
//                read:  IMR
//   0x4D0        ELCR1 (master IRQ 0-7; bits for IRQ 0, 1, 2 read 0 and are not settable)
//   0x4D1        ELCR2 (slave IRQ 8-15; bits for IRQ 8 and 13 read 0 and are not settable)
// The slave's INT output drives the master's IR2; the bus pin IRQ2 is wired to the
// slave's IR1 (IRQ9), as on the AT, so `setIRQ(2, _)` arrives as IRQ9.
//
// Model notes:
// - INTA is atomic here: `acknowledge()` performs both INTA pulses.
// - An edge-triggered IRR bit is set by a rising edge and cleared when the input falls
//   (the datasheet: "the IR input must remain high until after the falling edge of the
//   first INTA"; otherwise a default IR7 results). Devices therefore hold their IRQ line
//   high until serviced, as ISA devices do.
// - ICW4's µPM bit is recorded, but the vector is always the 8086-style byte
//   (ICW2 T7–T3 | level): there is no 8080 CALL sequence on an x86 bus.

/// One 8259A.
final class PIC8259Chip {
    let isMaster: Bool
    /// ELCR bits that exist on a PC (IRQ 0, 1, 2, 8, 13 are always edge-triggered).
    let elcrWritable: UInt8

    /// Levels of the IR0–IR7 inputs.
    var lines: UInt8 = 0
    /// Edge-sense latches: set by a rising edge, cleared by a falling edge, ICW1 or INTA.
    var edgeLatch: UInt8 = 0
    var isr: UInt8 = 0
    var imr: UInt8 = 0xFF
    var elcr: UInt8 = 0
    /// ICW1 LTIM: every input level-triggered.
    var levelTriggeredAll = false

    var vectorBase: UInt8
    /// ICW3: on the master, the inputs that have a slave; on a slave, its ID (bits 2-0).
    var icw3: UInt8
    var single = false
    var icw4Needed = true
    var autoEOI = false
    var mode8086 = true
    var specialFullyNested = false
    var bufferedMode: UInt8 = 0
    var rotateInAutoEOI = false
    /// The level with the lowest priority; the next one up (mod 8) has the highest.
    var lowestPriority = 7
    var specialMask = false
    var readISR = false
    var pollPending = false
    /// 0 when operational; 2, 3, 4 while waiting for that ICW.
    var initStep = 0

    init(master: Bool) {
        isMaster = master
        elcrWritable = master ? 0xF8 : 0xDE
        vectorBase = master ? 0x08 : 0x70
        icw3 = master ? 0x04 : 0x02
    }

    var levelMask: UInt8 { levelTriggeredAll ? 0xFF : elcr & elcrWritable }

    /// The interrupt request register: latched edges on edge inputs, the level on level inputs.
    var irr: UInt8 { (edgeLatch & ~levelMask) | (lines & levelMask) }

    func setInput(_ n: Int, _ high: Bool) {
        let bit = UInt8(1) << UInt8(n & 7)
        if high {
            if lines & bit == 0 { edgeLatch |= bit }
            lines |= bit
        } else {
            lines &= ~bit
            edgeLatch &= ~bit
        }
    }

    /// Priority rank of a level: 0 is the highest.
    func rank(_ level: Int) -> Int { (level - (lowestPriority + 1)) & 7 }

    /// The highest-priority level set in `bits`.
    func highest(in bits: UInt8) -> Int? {
        guard bits != 0 else { return nil }
        for r in 0..<8 {
            let level = (lowestPriority + 1 + r) & 7
            if bits & (1 << UInt8(level)) != 0 { return level }
        }
        return nil
    }

    func isCascade(_ level: Int) -> Bool { isMaster && !single && icw3 & (1 << UInt8(level)) != 0 }

    /// The priority resolver: the level that would be granted at INTA, if any (this is INT).
    func resolve() -> Int? {
        let requests = irr & ~imr
        if specialMask {
            // "Special Mask Mode": in-service levels no longer block other levels; only
            // the levels masked in OCW1 (and those already in service) are inhibited.
            return highest(in: requests & ~isr)
        }
        guard let candidate = highest(in: requests) else { return nil }
        guard let inService = highest(in: isr) else { return candidate }
        if rank(candidate) < rank(inService) { return candidate }
        // "Special Fully Nested Mode" (ICW4 SFNM): the master lets a slave that is already
        // in service interrupt again, for the slave's higher-priority requests.
        if specialFullyNested && candidate == inService && isCascade(candidate) { return candidate }
        return nil
    }

    var intOutput: Bool { resolve() != nil }

    /// The INTA (or poll) of `level`: IRR bit reset, ISR bit set unless in auto-EOI mode.
    func acknowledge(_ level: Int) {
        let bit = UInt8(1) << UInt8(level & 7)
        edgeLatch &= ~bit
        if autoEOI {
            // "Rotate in Automatic EOI Mode": the level just serviced becomes lowest.
            if rotateInAutoEOI { lowestPriority = level & 7 }
        } else {
            isr |= bit
        }
    }

    func vector(_ level: Int) -> UInt8 { (vectorBase & 0xF8) | UInt8(level & 7) }

    // MARK: Ports

    func writeCommand(_ v: UInt8) {
        if v & 0x10 != 0 {
            // ICW1. "Initialization Command Words": the edge-sense circuit is reset, IMR
            // cleared, IR7 gets the lowest priority, special mask mode cleared, status read
            // set to IRR; without IC4 all ICW4 functions are zero. ISR and pending edges go too.
            icw4Needed = v & 0x01 != 0
            single = v & 0x02 != 0
            levelTriggeredAll = v & 0x08 != 0
            edgeLatch = 0
            isr = 0
            imr = 0
            lowestPriority = 7
            specialMask = false
            readISR = false
            pollPending = false
            rotateInAutoEOI = false
            if !icw4Needed {
                autoEOI = false; mode8086 = false; specialFullyNested = false; bufferedMode = 0
            }
            initStep = 2
        } else if v & 0x08 != 0 {
            // OCW3: ESMM/SMM (bits 6,5), P (bit 2), RR/RIS (bits 1,0).
            if v & 0x40 != 0 { specialMask = v & 0x20 != 0 }
            if v & 0x04 != 0 { pollPending = true }
            if v & 0x02 != 0 { readISR = v & 0x01 != 0 }
        } else {
            // OCW2: R (bit 7), SL (bit 6), EOI (bit 5), L2-L0.
            let level = Int(v & 7)
            switch v >> 5 {
            case 0b001: _ = nonSpecificEOI()
            case 0b101: if let l = nonSpecificEOI() { lowestPriority = l }
            case 0b011: isr &= ~(1 << UInt8(level))
            case 0b111: isr &= ~(1 << UInt8(level)); lowestPriority = level
            case 0b110: lowestPriority = level
            case 0b100: rotateInAutoEOI = true
            case 0b000: rotateInAutoEOI = false
            default: break // 0b010: no operation
            }
        }
    }

    /// Clears the highest-priority ISR bit. "End of Interrupt": in special mask mode an ISR
    /// bit masked by IMR is not cleared by a non-specific EOI.
    func nonSpecificEOI() -> Int? {
        let candidates = specialMask ? isr & ~imr : isr
        guard let l = highest(in: candidates) else { return nil }
        isr &= ~(1 << UInt8(l))
        return l
    }

    func writeData(_ v: UInt8) {
        switch initStep {
        case 2:
            vectorBase = v & 0xF8
            initStep = single ? (icw4Needed ? 4 : 0) : 3
        case 3:
            icw3 = v
            initStep = icw4Needed ? 4 : 0
        case 4:
            mode8086 = v & 0x01 != 0
            autoEOI = v & 0x02 != 0
            bufferedMode = (v >> 2) & 3
            specialFullyNested = v & 0x10 != 0
            initStep = 0
        default:
            imr = v // OCW1
        }
    }

    func readCommand() -> UInt8 {
        if pollPending {
            // "The Poll Command": the read is treated as an interrupt acknowledge; the
            // byte is I (bit 7) and the level W2-W0.
            pollPending = false
            guard let l = resolve() else { return 0 }
            acknowledge(l)
            return 0x80 | UInt8(l)
        }
        return readISR ? isr : irr
    }

    func readData() -> UInt8 { imr }
}

/// The PC/AT pair of 8259As: master at 0x20/0x21, slave at 0xA0/0xA1 on the master's IR2,
/// ELCR at 0x4D0/0x4D1. Devices raise IRQ 0-15 through `setIRQ`; the CPU sees INTR through
/// `setINTR` and fetches the vector with `acknowledge()`.
public final class InterruptControllerPair: InterruptRequestLines, InterruptController, IODevice {
    let master = PIC8259Chip(master: true)
    let slave = PIC8259Chip(master: false)
    private let setINTR: (Bool) -> Void
    private var intr = false

    public init(setINTR: @escaping (Bool) -> Void) {
        self.setINTR = setINTR
    }

    public func attach(to bus: IOPortBus) {
        bus.map(0x20...0x21, self, name: "8259A PIC (master)")
        bus.map(0xA0...0xA1, self, name: "8259A PIC (slave)")
        bus.map(0x4D0...0x4D1, self, name: "ELCR")
    }

    // MARK: IRQ lines

    public func setIRQ(_ irq: Int, _ high: Bool) {
        switch irq {
        // The AT's bus pin IRQ2 is wired to the slave's IR1 (IRQ9): the master's IR2 is
        // the cascade input.
        case 2: slave.setInput(1, high)
        case 0...7: master.setInput(irq, high)
        case 8...15: slave.setInput(irq - 8, high)
        default: return
        }
        update()
    }

    /// The INTR pin.
    public var interruptPending: Bool { master.intOutput }

    /// The INTA sequence. With nothing left to grant (the request went away), the master
    /// answers with its IR7 vector and sets no ISR bit (a spurious IRQ 7); when the master
    /// grants its cascade input but the slave has nothing, the master's ISR2 is set and the
    /// slave answers with its own IR7 vector (a spurious IRQ 15). ("Interrupt Sequence".)
    public func acknowledge() -> UInt8 {
        defer { update(slaveReleased: true) }
        guard let level = master.resolve() else { return master.vector(7) }
        master.acknowledge(level)
        guard master.isCascade(level) else { return master.vector(level) }
        // "Cascade Mode": the master puts the slave's ID on CAS0-2; only the slave whose
        // ICW3 ID matches answers. Nobody answering leaves the data bus floating.
        guard Int(slave.icw3 & 7) == level else { return 0xFF }
        guard let s = slave.resolve() else { return slave.vector(7) }
        slave.acknowledge(s)
        return slave.vector(s)
    }

    /// Propagates the slave's INT to the master's IR2 and the master's INT to the CPU.
    /// After an INTA the slave's INT is re-evaluated from low, so a request still pending on
    /// the slave (auto-EOI, special mask) reaches the master as a fresh edge.
    private func update(slaveReleased: Bool = false) {
        let slaveINT = slave.intOutput
        if slaveReleased && slaveINT { master.setInput(2, false) }
        master.setInput(2, slaveINT)
        let now = master.intOutput
        if now != intr {
            intr = now
            setINTR(now)
        }
    }

    // MARK: Ports

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<max(1, min(size, 4)) {
            value |= UInt32(readByte(port &+ UInt16(k))) << (8 * UInt32(k))
        }
        return value
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        for k in 0..<max(1, min(size, 4)) {
            writeByte(port &+ UInt16(k), UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))))
        }
    }

    private func readByte(_ port: UInt16) -> UInt8 {
        defer { update() }
        switch port {
        case 0x20: return master.readCommand()
        case 0x21: return master.readData()
        case 0xA0: return slave.readCommand()
        case 0xA1: return slave.readData()
        case 0x4D0: return master.elcr & master.elcrWritable
        case 0x4D1: return slave.elcr & slave.elcrWritable
        default: return 0xFF
        }
    }

    private func writeByte(_ port: UInt16, _ v: UInt8) {
        switch port {
        case 0x20: master.writeCommand(v)
        case 0x21: master.writeData(v)
        case 0xA0: slave.writeCommand(v)
        case 0xA1: slave.writeData(v)
        case 0x4D0: master.elcr = v & master.elcrWritable
        case 0x4D1: slave.elcr = v & slave.elcrWritable
        default: return
        }
        update()
    }
}
