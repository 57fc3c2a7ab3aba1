// National Semiconductor PC16550D UART with FIFOs (the PC's COM1 at 0x3F8-0x3FF on IRQ 4
// and COM2 at 0x2F8-0x2FF on IRQ 3).
//
// Source: National Semiconductor, "PC16550D Universal Asynchronous Receiver/Transmitter
// with FIFOs", datasheet (June 1995 edition): the register descriptions of section 8
// (cited below by register name), Table II (register summary), Table III (reset states),
// Table IV (interrupt control functions) and "FIFO Interrupt Mode Operation" (trigger
// levels, character timeout, THRE in FIFO mode). The PC-specific wiring
// (OUT2 gates the interrupt onto the ISA bus) comes from the IBM PC/AT Technical Reference,
// "Serial/Parallel Adapter".
//
// Register map (offset from the base port; DLAB is LCR bit 7):
//   +0  DLAB=0  read: RBR  receiver buffer (the top of the RX FIFO)
//               write: THR transmitter holding register (into the TX FIFO)
//       DLAB=1  DLL       divisor latch, low byte
//   +1  DLAB=0  IER  interrupt enable: 0 ERBFI received data, 1 ETBEI THR empty,
//                    2 ELSI line status, 3 EDSSI modem status (bits 4-7 read 0)
//       DLAB=1  DLM       divisor latch, high byte
//   +2  read:  IIR  interrupt identification: bit 0 = 0 when an interrupt is pending,
//                   bits 1-3 its source (011 line status, 010 received data, 110 character
//                   timeout, 001 THR empty, 000 modem status), bits 6-7 = 11 in FIFO mode
//       write: FCR  FIFO control: 0 enable, 1 clear RX FIFO, 2 clear TX FIFO, 3 DMA mode,
//                   6-7 RX trigger level (1, 4, 8, 14 bytes)
//   +3  LCR  line control: 0-1 word length 5-8, 2 stop bits, 3 parity enable, 4 even parity,
//            5 stick parity, 6 set break, 7 DLAB
//   +4  MCR  modem control: 0 DTR, 1 RTS, 2 OUT1, 3 OUT2, 4 LOOP (bits 5-7 read 0)
//   +5  LSR  line status: 0 DR, 1 OE, 2 PE, 3 FE, 4 BI, 5 THRE, 6 TEMT, 7 error in RX FIFO
//   +6  MSR  modem status: 0 DCTS, 1 DDSR, 2 TERI, 3 DDCD, 4 CTS, 5 DSR, 6 RI, 7 DCD
//   +7  SCR  scratch
//
// Timing: the baud clock is 1.8432 MHz / 16 / divisor; one character takes
// 1 start + 5..8 data + parity + 1, 1.5 or 2 stop bits. The transmitter and the receiver's
// delivery of host bytes are events on the board's Scheduler at that rate; nothing is
// polled per instruction.
//
// Host input (see SerialBackend.swift): when the backend can deliver input, the UART polls
// it on a periodic Scheduler event every millisecond of guest time, never blocking. Host
// bytes are queued on the host side and enter the receiver one character time apart; they
// wait (as if the far end honoured flow control) while the receiver is full, so a slow
// guest loses no typed input. Overruns still happen exactly as the datasheet says for data
// the UART itself produces (loopback), where the sender does not wait.
//
// Not modelled: parity/framing errors and break reception (nothing on the host side can
// produce them), so LSR bits 2-4 and 7 stay 0; the DMA-mode RXRDY/TXRDY pins (FCR bit 3 is
// stored only); the set-break bit (LCR bit 6) is stored but sends nothing; the FIFO-mode
// delay of the THRE indication by one character time when fewer than two bytes were in the
// TX FIFO together (THRE rises as soon as the FIFO hands its last byte to the shift register).

public final class UART16550: IODevice {
    /// The standard PC resources of COM1 and COM2.
    public static let com1: (base: UInt16, irq: Int) = (0x3F8, 4)
    public static let com2: (base: UInt16, irq: Int) = (0x2F8, 3)

    /// The UART's input clock (1.8432 MHz crystal on PC serial adapters).
    public static let clockHz: UInt64 = 1_843_200
    /// Depth of each FIFO (datasheet section 1: 16 bytes).
    public static let fifoDepth = 16
    /// How often a backend that can deliver input is polled, in guest nanoseconds.
    public static let pollIntervalNanoseconds: UInt64 = 1_000_000
    /// Host bytes read ahead of the receiver (the backend's own buffer holds the rest).
    static let hostInputLimit = 256

    public let base: UInt16
    public let irq: Int
    public private(set) var backend: SerialBackend?

    private let scheduler: Scheduler
    private let irqLines: InterruptRequestLines

    // Registers.
    private var ier: UInt8 = 0
    private var lcr: UInt8 = 0
    private var mcr: UInt8 = 0
    private var scr: UInt8 = 0
    /// Not reset by MR (Table III); the power-up value is undefined. 12 = 9600 baud.
    private var divisor: UInt16 = 12
    private var fifoEnabled = false
    private var triggerLevel = 1
    private var dmaMode = false
    /// MSR: bits 4-7 the modem inputs, bits 0-3 their delta flags.
    private var msr: UInt8 = 0
    /// LSR bits that latch until LSR is read (OE; PE/FE/BI are never produced).
    private var lineErrors: UInt8 = 0

    // Receiver.
    private var rxFIFO: [UInt8] = []
    private var lastRBR: UInt8 = 0
    private var timeoutPending = false
    private var timeoutEvent: Scheduler.EventID?

    // Transmitter.
    private var txFIFO: [UInt8] = []
    private var shiftBusy = false
    private var shiftByte: UInt8 = 0
    private var txEvent: Scheduler.EventID?
    private var thrEmptyPending = false

    // Host side.
    private var hostInput: [UInt8] = []
    private var deliveryEvent: Scheduler.EventID?
    private var pollEvent: Scheduler.EventID?

    private var irqOutput = false

    /// A UART at `base` (8 ports) raising `irq`; bytes go to and come from `backend`
    /// (none: output is discarded and nothing is received).
    public init(base: UInt16, irq: Int, scheduler: Scheduler, irqLines: InterruptRequestLines,
                backend: SerialBackend? = nil) {
        self.base = base
        self.irq = irq
        self.scheduler = scheduler
        self.irqLines = irqLines
        self.backend = backend
        rxFIFO.reserveCapacity(Self.fifoDepth)
        txFIFO.reserveCapacity(Self.fifoDepth)
        refreshModemInputs(reportDeltas: false)
        schedulePoll()
    }

    public func attach(to bus: IOPortBus) {
        bus.map(base...(base &+ 7), self, name: base == Self.com2.base ? "COM2 (16550)" :
                    base == Self.com1.base ? "COM1 (16550)" : "16550 UART")
    }

    /// Master reset (Table III): registers to their reset values, FIFOs emptied, transmitter
    /// idle. The divisor latch and the scratch register keep their contents.
    public func reset() {
        ier = 0; lcr = 0; mcr = 0
        fifoEnabled = false; triggerLevel = 1; dmaMode = false
        lineErrors = 0
        rxFIFO.removeAll(keepingCapacity: true)
        txFIFO.removeAll(keepingCapacity: true)
        timeoutPending = false; thrEmptyPending = false
        scheduler.cancel(timeoutEvent); timeoutEvent = nil
        scheduler.cancel(txEvent); txEvent = nil
        shiftBusy = false
        msr = 0
        refreshModemInputs(reportDeltas: false)
        scheduleHostDelivery()
        updateIRQ()
    }

    /// Stops polling and closes the backend.
    public func close() {
        scheduler.cancel(pollEvent); pollEvent = nil
        scheduler.cancel(deliveryEvent); deliveryEvent = nil
        backend?.close()
        backend = nil
    }

    // MARK: Derived values

    private var loopback: Bool { mcr & 0x10 != 0 }
    private var wordLength: Int { 5 + Int(lcr & 3) }
    private var wordMask: UInt8 { UInt8(truncatingIfNeeded: (1 << wordLength) - 1) }
    private var fifoCapacity: Int { fifoEnabled ? Self.fifoDepth : 1 }

    /// Baud rate set by the divisor latch (Programmable Baud Generator: clock / (16 x divisor)). A divisor
    /// of 0 is treated as 65536: the baud generator's 16-bit counter then runs its full range.
    public var baudRate: Double { Double(Self.clockHz) / 16 / Double(effectiveDivisor) }
    private var effectiveDivisor: UInt64 { divisor == 0 ? 65536 : UInt64(divisor) }

    /// CPU cycles one character frame takes: start bit, data bits, optional parity bit and
    /// 1, 1.5 (5-bit words) or 2 stop bits (Line Control Register, bit 2), each bit 16 x divisor
    /// clocks of 1.8432 MHz. Rounded up, at least 1.
    public var characterCycles: UInt64 {
        var halfBits = UInt64(2 * (1 + wordLength))
        if lcr & 0x08 != 0 { halfBits += 2 }
        if lcr & 0x04 != 0 { halfBits += wordLength == 5 ? 3 : 4 } else { halfBits += 2 }
        let clocks = halfBits * 16 * effectiveDivisor          // in half clocks, < 2^26
        let denominator = 2 * Self.clockHz
        let (q, r) = scheduler.cyclesPerSecond.quotientAndRemainder(dividingBy: denominator)
        let cycles = q &* clocks &+ (r &* clocks + denominator - 1) / denominator
        return max(cycles, 1)
    }

    // MARK: Port access

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<max(1, min(size, 4)) {
            let offset = Int(port &+ UInt16(k) &- base)
            let byte: UInt8 = offset < 8 ? readRegister(offset) : 0xFF
            value |= UInt32(byte) << (8 * k)
        }
        return value
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        for k in 0..<max(1, min(size, 4)) {
            let offset = Int(port &+ UInt16(k) &- base)
            if offset < 8 { writeRegister(offset, UInt8(truncatingIfNeeded: value >> (8 * k))) }
        }
    }

    private func readRegister(_ offset: Int) -> UInt8 {
        let dlab = lcr & 0x80 != 0
        switch offset {
        case 0: return dlab ? UInt8(truncatingIfNeeded: divisor) : readRBR()
        case 1: return dlab ? UInt8(truncatingIfNeeded: divisor >> 8) : ier
        case 2: return readIIR()
        case 3: return lcr
        case 4: return mcr
        case 5: return readLSR()
        case 6: return readMSR()
        default: return scr
        }
    }

    private func writeRegister(_ offset: Int, _ v: UInt8) {
        let dlab = lcr & 0x80 != 0
        switch offset {
        case 0:
            if dlab { divisor = divisor & 0xFF00 | UInt16(v) } else { writeTHR(v) }
        case 1:
            if dlab { divisor = divisor & 0x00FF | UInt16(v) << 8 } else { writeIER(v) }
        case 2: writeFCR(v)
        case 3: lcr = v
        case 4: writeMCR(v)
        case 5, 6: break   // LSR and MSR are read-only (LSR writes are a factory test mode)
        default: scr = v
        }
    }

    // MARK: Registers

    private func readRBR() -> UInt8 {
        if !rxFIFO.isEmpty {
            lastRBR = rxFIFO.removeFirst()
            // FIFO Interrupt Mode Operation: a CPU read of the RX FIFO clears a pending timeout interrupt and
            // restarts the timeout timer.
            timeoutPending = false
            restartTimeoutTimer(at: scheduler.now())
            scheduleHostDelivery()
            updateIRQ()
        }
        // With the FIFO empty the RBR keeps the last character received.
        return lastRBR
    }

    private func readLSR() -> UInt8 {
        var v = lineErrors
        if !rxFIFO.isEmpty { v |= 0x01 }
        if txFIFO.isEmpty { v |= 0x20 }                    // THRE: THR / TX FIFO empty
        if txFIFO.isEmpty && !shiftBusy { v |= 0x40 }      // TEMT: shift register idle too
        // Line Status Register: OE, PE, FE and BI are reset whenever the CPU reads the LSR.
        if lineErrors != 0 { lineErrors = 0; updateIRQ() }
        return v
    }

    private func readMSR() -> UInt8 {
        let v = msr
        // Modem Status Register: the delta bits are reset when the CPU reads the MSR.
        if msr & 0x0F != 0 { msr &= 0xF0; updateIRQ() }
        return v
    }

    /// Table IV: the pending interrupt of highest priority.
    private enum Source: UInt8 {
        case lineStatus = 0x06, receivedData = 0x04, characterTimeout = 0x0C
        case thrEmpty = 0x02, modemStatus = 0x00
    }

    private var highestPending: Source? {
        if ier & 0x04 != 0 && lineErrors & 0x1E != 0 { return .lineStatus }
        if ier & 0x01 != 0 {
            // In FIFO mode "received data available" means the FIFO has reached its trigger
            // level and clears when it drops below it (FIFO Interrupt Mode Operation); in 16450
            // mode it is DR.
            if fifoEnabled ? rxFIFO.count >= triggerLevel : !rxFIFO.isEmpty { return .receivedData }
            if fifoEnabled && timeoutPending { return .characterTimeout }
        }
        if ier & 0x02 != 0 && thrEmptyPending { return .thrEmpty }
        if ier & 0x08 != 0 && msr & 0x0F != 0 { return .modemStatus }
        return nil
    }

    private func readIIR() -> UInt8 {
        let source = highestPending
        // Table IV: the THR-empty interrupt is reset by reading the IIR when it is the source.
        if source == .thrEmpty { thrEmptyPending = false; updateIRQ() }
        let fifoBits: UInt8 = fifoEnabled ? 0xC0 : 0
        return fifoBits | (source.map { $0.rawValue } ?? 0x01)
    }

    private func writeIER(_ v: UInt8) {
        let old = ier
        ier = v & 0x0F
        // Enabling ETBEI while the THR is empty raises the THRE interrupt at once (the
        // interrupt source is the THRE condition, Table IV).
        if old & 0x02 == 0 && ier & 0x02 != 0 && txFIFO.isEmpty { thrEmptyPending = true }
        updateIRQ()
    }

    private func writeFCR(_ v: UInt8) {
        let enable = v & 0x01 != 0
        // FIFO Control Register, bit 0: switching between FIFO and 16450 mode clears both FIFOs.
        if enable != fifoEnabled {
            fifoEnabled = enable
            clearRX()
            clearTX()
        }
        // FCR0 must be 1 when the other bits are written or they are not programmed.
        if enable {
            if v & 0x02 != 0 { clearRX() }   // the receive shift register is not cleared
            if v & 0x04 != 0 { clearTX() }   // the transmit shift register is not cleared
            dmaMode = v & 0x08 != 0
            triggerLevel = [1, 4, 8, 14][Int(v >> 6)]
        }
        scheduleHostDelivery()
        updateIRQ()
    }

    private func clearRX() {
        rxFIFO.removeAll(keepingCapacity: true)
        timeoutPending = false
        scheduler.cancel(timeoutEvent); timeoutEvent = nil
    }

    private func clearTX() {
        if !txFIFO.isEmpty {
            txFIFO.removeAll(keepingCapacity: true)
            thrEmptyPending = true
        }
    }

    private func writeMCR(_ v: UInt8) {
        let wasLoopback = loopback
        mcr = v & 0x1F
        refreshModemInputs(reportDeltas: true)
        if wasLoopback && !loopback { scheduleHostDelivery() }
        updateIRQ()
    }

    // MARK: Transmitter

    private func writeTHR(_ v: UInt8) {
        // Table IV: writing the THR resets the THR-empty interrupt.
        thrEmptyPending = false
        // Only the word-length low bits are shifted out. A write to a full FIFO is lost.
        if txFIFO.count < fifoCapacity { txFIFO.append(v & wordMask) }
        if !shiftBusy { startNextCharacter(at: scheduler.now()) }
        updateIRQ()
    }

    /// Moves the next byte from the THR / TX FIFO into the transmit shift register; it has
    /// gone out on the line one character time later.
    private func startNextCharacter(at t: UInt64) {
        guard !txFIFO.isEmpty else { shiftBusy = false; return }
        shiftByte = txFIFO.removeFirst()
        shiftBusy = true
        if txFIFO.isEmpty { thrEmptyPending = true }   // THRE goes 0 -> 1
        let done = t &+ characterCycles
        txEvent = scheduler.schedule(at: done) { [weak self] in self?.finishCharacter(at: done) }
    }

    private func finishCharacter(at t: UInt64) {
        txEvent = nil
        // Modem Control Register, bit 4: in loopback the shift register's output goes to the receiver and
        // the serial output stays marking (nothing reaches the backend).
        if loopback { receive(shiftByte, at: t) } else { backend?.send(shiftByte) }
        shiftBusy = false
        startNextCharacter(at: t)
        updateIRQ()
    }

    // MARK: Receiver

    /// A character has been assembled in the receive shift register at time `t`.
    private func receive(_ byte: UInt8, at t: UInt64) {
        let b = byte & wordMask
        if rxFIFO.count < fifoCapacity {
            rxFIFO.append(b)
        } else {
            // Line Status Register, bit 1: overrun. In FIFO mode the character in the shift register
            // is overwritten and never enters the full FIFO; in 16450 mode the new character
            // overwrites the one in the RBR.
            lineErrors |= 0x02
            if !fifoEnabled { rxFIFO[0] = b }
        }
        restartTimeoutTimer(at: t)
        updateIRQ()
    }

    /// FIFO Interrupt Mode Operation: a character timeout is indicated when the RX FIFO holds at least one
    /// character and nothing was received or read for 4 character times. Receiving a
    /// character or reading the FIFO restarts the timer.
    private func restartTimeoutTimer(at t: UInt64) {
        scheduler.cancel(timeoutEvent); timeoutEvent = nil
        guard fifoEnabled && !rxFIFO.isEmpty else { return }
        timeoutEvent = scheduler.schedule(at: t &+ 4 &* characterCycles) { [weak self] in
            guard let self else { return }
            self.timeoutEvent = nil
            if self.fifoEnabled && !self.rxFIFO.isEmpty { self.timeoutPending = true; self.updateIRQ() }
        }
    }

    // MARK: Modem lines

    /// Modem Control Register, bit 4: in loopback the modem inputs are driven by the MCR outputs
    /// (CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2); otherwise CTS, DSR and DCD follow the
    /// backend's connection and RI is inactive.
    private func refreshModemInputs(reportDeltas: Bool) {
        var inputs: UInt8 = 0
        if loopback {
            if mcr & 0x02 != 0 { inputs |= 0x10 }
            if mcr & 0x01 != 0 { inputs |= 0x20 }
            if mcr & 0x04 != 0 { inputs |= 0x40 }
            if mcr & 0x08 != 0 { inputs |= 0x80 }
        } else if let backend, backend.isConnected {
            inputs = 0xB0
        }
        let old = msr & 0xF0
        var deltas: UInt8 = 0
        if reportDeltas {
            let changed = old ^ inputs
            if changed & 0x10 != 0 { deltas |= 0x01 }                       // DCTS
            if changed & 0x20 != 0 { deltas |= 0x02 }                       // DDSR
            if old & 0x40 != 0 && inputs & 0x40 == 0 { deltas |= 0x04 }     // TERI: RI 1 -> 0
            if changed & 0x80 != 0 { deltas |= 0x08 }                       // DDCD
        }
        msr = inputs | (msr & 0x0F) | deltas
    }

    // MARK: Interrupt output

    /// The 16550's INTR output reaches the PIC only through the PC adapter's driver that OUT2
    /// enables. In loopback the datasheet forces the modem outputs (OUT2 too) inactive, so
    /// the interrupt is disconnected from the bus then (Modem Control Register, bit 4).
    private func updateIRQ() {
        let high = highestPending != nil && mcr & 0x08 != 0 && !loopback
        if high != irqOutput {
            irqOutput = high
            irqLines.setIRQ(irq, high)
        }
    }

    // MARK: Host side

    private func schedulePoll() {
        guard let backend, backend.hasInput, pollEvent == nil else { return }
        let interval = max(1, scheduler.cycles(nanoseconds: Self.pollIntervalNanoseconds))
        let when = scheduler.now() &+ interval
        pollEvent = scheduler.schedule(at: when) { [weak self] in
            guard let self else { return }
            self.pollEvent = nil
            self.pollBackend()
            self.schedulePoll()
        }
    }

    /// Reads what the host has for the receiver (never blocks) and notices connection changes.
    public func pollBackend() {
        guard let backend else { return }
        let room = Self.hostInputLimit - hostInput.count
        if room > 0 { hostInput.append(contentsOf: backend.receive(max: room)) }
        refreshModemInputs(reportDeltas: true)
        scheduleHostDelivery()
        updateIRQ()
    }

    /// Host bytes enter the receiver one character time apart, while the receiver has room
    /// and is connected to the line (not in loopback).
    private func scheduleHostDelivery() {
        guard deliveryEvent == nil, !hostInput.isEmpty, !loopback,
              rxFIFO.count < fifoCapacity else { return }
        let when = scheduler.now() &+ characterCycles
        deliveryEvent = scheduler.schedule(at: when) { [weak self] in
            guard let self else { return }
            self.deliveryEvent = nil
            guard !self.loopback, !self.hostInput.isEmpty, self.rxFIFO.count < self.fifoCapacity else { return }
            self.receive(self.hostInput.removeFirst(), at: when)
            self.scheduleHostDelivery()
        }
    }
}
