// Motorola MC146818A real-time clock plus CMOS RAM, as wired on the IBM PC/AT.
//
// Behaviour from the Motorola MC146818A data sheet (sections "Address Map", "Time, Calendar
// and Alarm Locations", "Update Cycle", "Interrupts", "Divider Stages", "Register A–D")
// and, for the meaning of the NVRAM bytes, the IBM PC/AT Technical Reference ("CMOS RAM
// Address Map") with the extensions Bochs's BIOS reads (0x30–0x38, 0x3D).
//
// Ports (PC/AT wiring):
//   0x70 write  bits 0–6: register index; bit 7: 1 = NMI masked (kept in `nmiMasked`).
//               The port is write-only on an AT; reading it returns 0xFF (open bus).
//   0x71 r/w    the indexed register.
//
// Register map (index: meaning):
//   0x00 seconds        0x01 seconds alarm   0x02 minutes   0x03 minutes alarm
//   0x04 hours          0x05 hours alarm     0x06 weekday (1 = Sunday)
//   0x07 day of month   0x08 month           0x09 year (00–99)
//   0x0A register A: bit 7 UIP (read-only), bits 6–4 DV2–0 divider, bits 3–0 RS3–0 rate
//   0x0B register B: 7 SET, 6 PIE, 5 AIE, 4 UIE, 3 SQWE, 2 DM (1 = binary), 1 24/12, 0 DSE
//   0x0C register C (read-only, cleared by reading): 7 IRQF, 6 PF, 5 AF, 4 UF
//   0x0D register D (read-only): 7 VRT (battery good, always 1)
//   0x0E–0x7F battery-backed RAM (PC/AT layout: see `setConfiguration`).
//
// Time: the chip counts from the start time given to the initializer; the divider chain
// runs on the scheduler's cycle counter (32.768 kHz time base, DV = 010), so seconds,
// the UIP window and periodic ticks are all exact functions of the cycle count. The
// device catches up lazily when read and schedules an event only when an enabled
// interrupt can fire. Not modelled: the square-wave output pin (SQWE is stored), time
// bases other than 32.768 kHz; daylight-saving (DSE) is applied per second but skipped by
// catch-ups of more than a day in one go.

/// The MC146818A RTC and 128 bytes of CMOS RAM at ports 0x70/0x71, interrupting on IRQ 8.
public final class CMOSClock: IODevice {
    /// A calendar time. `year` is the full year (e.g. 2024): its last two digits go to
    /// register 9 and its century to NVRAM byte 0x32. `weekday` is 1 = Sunday … 7 = Saturday.
    public struct DateTime: Equatable, Sendable {
        public var year, month, day, hour, minute, second, weekday: Int
        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
            self.year = year; self.month = month; self.day = day
            self.hour = hour; self.minute = minute; self.second = second; self.weekday = weekday
        }
    }

    /// Floppy drive types in NVRAM byte 0x10 (one nibble per drive, A: high).
    public enum FloppyType: UInt8, Sendable {
        case none = 0, k360 = 1, m1_2 = 2, k720 = 3, m1_44 = 4, m2_88 = 5
    }

    /// A hard disk's geometry as the BIOS reads it from the user-defined type 47 entry.
    public struct HardDiskGeometry: Equatable, Sendable {
        public var cylinders, heads, sectorsPerTrack: Int
        public init(cylinders: Int, heads: Int, sectorsPerTrack: Int) {
            self.cylinders = cylinders; self.heads = heads; self.sectorsPerTrack = sectorsPerTrack
        }
    }

    /// Boot devices as Bochs's BIOS encodes them in bytes 0x3D and 0x38.
    public enum BootDevice: UInt8, Sendable { case floppy = 1, hardDisk = 2, cdrom = 3 }

    /// Bits 5–4 of the equipment byte (0x14): the primary display.
    public enum Display: UInt8, Sendable { case egaVGA = 0, cga40 = 1, cga80 = 2, monochrome = 3 }

    // Register indices and bits.
    public static let regA = 0x0A, regB = 0x0B, regC = 0x0C, regD = 0x0D
    public static let uip: UInt8 = 0x80
    public static let set: UInt8 = 0x80, pie: UInt8 = 0x40, aie: UInt8 = 0x20, uie: UInt8 = 0x10
    public static let binaryMode: UInt8 = 0x04, hour24: UInt8 = 0x02
    public static let irqf: UInt8 = 0x80, pf: UInt8 = 0x40, af: UInt8 = 0x20, uf: UInt8 = 0x10

    /// Bit 7 of the last write to port 0x70: the board's NMI mask (1 = NMI disabled).
    public private(set) var nmiMasked = false
    /// The register selected by port 0x70.
    public private(set) var index: UInt8 = 0

    private let scheduler: Scheduler
    private let irq: InterruptRequestLines
    private static let irqLine = 8

    /// Registers 0x00–0x7F. Register C's flags live here too (IRQF is computed).
    private var ram = [UInt8](repeating: 0, count: 128)
    /// Cycle at which the divider chain was at phase 0 (wrapping arithmetic: `t &- origin`
    /// is the time the divider has run at cycle t).
    private var origin: UInt64
    /// Update boundaries (whole seconds since `origin`) already accounted for.
    private var secondsDone: UInt64 = 0
    /// Cycle up to which periodic ticks have been accounted for in PF.
    private var periodicCheckedAt: UInt64
    private var event: Scheduler.EventID?
    private var irqHigh = false
    /// DSE: the October fall-back already happened today (it happens once).
    private var fellBack = false

    /// `start` is the time the clock shows at power-on (the caller reads the host clock,
    /// or passes a fixed time for deterministic runs). Registers A, B and D start as a
    /// BIOS leaves them: A = 0x26 (32.768 kHz, 1024 Hz rate), B = 0x02 (24 h, BCD), D = 0x80.
    public init(scheduler: Scheduler, irq: InterruptRequestLines, start: DateTime) {
        self.scheduler = scheduler
        self.irq = irq
        let t = scheduler.now()
        origin = t
        periodicCheckedAt = t
        ram[Self.regA] = 0x26
        ram[Self.regB] = Self.hour24
        ram[Self.regD] = 0x80
        setTime(start)
    }

    public func attach(to bus: IOPortBus) {
        bus.map(0x70...0x71, self, name: "CMOS RTC")
    }

    /// Sets the time registers (in the current BCD/binary and 12/24 h modes) and the
    /// century byte 0x32 (BCD), as a BIOS setup program would.
    public func setTime(_ d: DateTime) {
        catchUp(scheduler.now())
        ram[0] = encode(clampMod(d.second, 60))
        ram[2] = encode(clampMod(d.minute, 60))
        ram[4] = encodeHour(clampMod(d.hour, 24))
        ram[6] = encode(clampMod(d.weekday - 1, 7) + 1)
        ram[7] = encode(clampMod(d.day - 1, 31) + 1)
        ram[8] = encode(clampMod(d.month - 1, 12) + 1)
        ram[9] = encode(clampMod(d.year, 100))
        ram[0x32] = Self.bcd(clampMod(d.year / 100, 100))
    }

    /// Raw access to the 128 bytes (no side effects, no catch-up): for the machine's setup
    /// and for save states.
    public subscript(nvram offset: Int) -> UInt8 {
        get { ram[offset & 0x7F] }
        set { ram[offset & 0x7F] = newValue }
    }

    // MARK: Ports

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<max(1, min(size, 4)) {
            v |= UInt32(readByte(port &+ UInt16(k))) << (8 * k)
        }
        return v
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        for k in 0..<max(1, min(size, 4)) {
            writeByte(port &+ UInt16(k), UInt8(truncatingIfNeeded: value >> (8 * k)))
        }
    }

    private func readByte(_ port: UInt16) -> UInt8 {
        port == 0x71 ? readRegister(Int(index)) : 0xFF
    }

    private func writeByte(_ port: UInt16, _ v: UInt8) {
        if port == 0x70 {
            index = v & 0x7F
            nmiMasked = v & 0x80 != 0
        } else if port == 0x71 {
            writeRegister(Int(index), v)
        }
    }

    /// Reads register `i` (0–127) with the chip's side effects (catch-up, C cleared).
    public func readRegister(_ i: Int) -> UInt8 {
        let i = i & 0x7F
        switch i {
        case 0x00...0x09:
            catchUp(scheduler.now())
            return ram[i]
        case Self.regA:
            catchUp(scheduler.now())
            return (ram[i] & 0x7F) | (updateInProgress ? Self.uip : 0)
        case Self.regC:
            // Data sheet, Register C: "all flag bits are cleared after register C is read";
            // the IRQ pin goes inactive with IRQF.
            catchUp(scheduler.now())
            let v = (ram[i] & 0x70) | (irqFlag ? Self.irqf : 0)
            ram[i] = 0
            updateIRQ()
            reschedule()
            return v
        case Self.regD:
            return 0x80
        default:
            return ram[i]
        }
    }

    /// Writes register `i` (0–127) as the guest does through port 0x71.
    public func writeRegister(_ i: Int, _ v: UInt8) {
        let i = i & 0x7F
        switch i {
        case 0x00...0x09:
            catchUp(scheduler.now())
            ram[i] = v
        case Self.regA:
            writeRegisterA(v)
        case Self.regB:
            catchUp(scheduler.now())
            var v = v
            // Data sheet, Register B: "UIE is cleared when the SET bit goes high".
            if v & Self.set != 0 { v &= ~Self.uie }
            ram[i] = v
            updateIRQ()
            reschedule()
        case Self.regC, Self.regD:
            break // read-only
        default:
            ram[i] = v
        }
    }

    private func writeRegisterA(_ v: UInt8) {
        let t = scheduler.now()
        catchUp(t)
        let wasRunning = dividerRunning
        ram[Self.regA] = v & 0x7F
        if dividerRunning && !wasRunning {
            // Data sheet, "Divider Stages": after the divider reset is released, "the first
            // update cycle begins one-half second later".
            origin = t &- scheduler.cyclesPerSecond / 2
            secondsDone = 0
        }
        periodicCheckedAt = t
        reschedule()
    }

    // MARK: State derived from the registers

    /// DV2–0 = 010: the 32.768 kHz time base, divider running. 11x holds the divider in
    /// reset; 000/001 select crystals a PC does not have, so the chain does not count.
    private var dividerRunning: Bool { (ram[Self.regA] >> 4) & 7 == 0b010 }
    private var updatesEnabled: Bool { dividerRunning && ram[Self.regB] & Self.set == 0 }
    private var binary: Bool { ram[Self.regB] & Self.binaryMode != 0 }
    private var is24h: Bool { ram[Self.regB] & Self.hour24 != 0 }

    /// Periodic interrupt rate for RS3–0 with the 32.768 kHz time base (data sheet table
    /// "Periodic Interrupt Rate"): 0 = off, 1 = 256 Hz, 2 = 128 Hz, n ≥ 3 = 32768 >> (n-1) Hz.
    public var periodicRateHz: UInt64 {
        let rs = ram[Self.regA] & 0x0F
        switch rs {
        case 0: return 0
        case 1: return 256
        case 2: return 128
        default: return 32768 >> UInt64(rs - 1)
        }
    }

    private var irqFlag: Bool {
        let c = ram[Self.regC], b = ram[Self.regB]
        return c & b & (Self.pf | Self.af | Self.uf) != 0 // PF·PIE + AF·AIE + UF·UIE
    }

    /// Update-in-progress: data sheet, "Update Cycle": UIP rises t_BUC = 244 µs (eight
    /// periods of the 32.768 kHz time base) before the update and falls when it is done.
    /// The update itself is taken as instantaneous at the second boundary.
    private var updateInProgress: Bool {
        guard updatesEnabled else { return false }
        let phase = scheduler.ticks(ofHz: 32768, at: scheduler.now() &- origin) % 32768
        return phase >= 32768 - 8
    }

    // MARK: Time keeping

    /// Brings flags and time registers up to cycle `t`.
    private func catchUp(_ t: UInt64) {
        guard dividerRunning else { periodicCheckedAt = t; return }
        let hz = periodicRateHz
        if hz > 0 {
            let before = scheduler.ticks(ofHz: hz, at: periodicCheckedAt &- origin)
            let after = scheduler.ticks(ofHz: hz, at: t &- origin)
            // Data sheet, "Periodic Interrupt": PF is set at every tap of the divider,
            // whether or not PIE enables the interrupt.
            if after > before { ram[Self.regC] |= Self.pf }
        }
        periodicCheckedAt = t
        let seconds = (t &- origin) / scheduler.cyclesPerSecond
        if seconds > secondsDone {
            let count = seconds - secondsDone
            secondsDone = seconds
            // SET = 1: "any update cycle in progress is aborted" and none begin, so the
            // seconds that pass while SET is high are not counted.
            if ram[Self.regB] & Self.set == 0 { advance(seconds: count) }
        }
    }

    /// Performs `count` update cycles: each increments the time, sets UF, and sets AF when
    /// the alarm bytes match.
    private func advance(seconds count: UInt64) {
        var remaining = count
        // The alarm compares only seconds, minutes and hours, so it matches with a period
        // of one day: past a day, jump straight to the last day and check each second of it.
        let day: UInt64 = 86400
        if remaining > day {
            jump(seconds: remaining - day)
            remaining = day
        }
        for _ in 0..<remaining {
            incrementSecond()
            if alarmMatches() { ram[Self.regC] |= Self.af }
        }
        ram[Self.regC] |= Self.uf
    }

    /// Data sheet, "Alarm": an alarm byte of 0xC0–0xFF ("don't care") matches any value.
    private func alarmMatches() -> Bool {
        func match(_ alarm: UInt8, _ time: UInt8) -> Bool { alarm & 0xC0 == 0xC0 || alarm == time }
        return match(ram[1], ram[0]) && match(ram[3], ram[2]) && match(ram[5], ram[4])
    }

    private func incrementSecond() {
        let s = decode(ram[0]) + 1
        if s < 60 { ram[0] = encode(s); return }
        ram[0] = encode(0)
        let m = decode(ram[2]) + 1
        if m < 60 { ram[2] = encode(m); return }
        ram[2] = encode(0)
        var h = decodeHour(ram[4]) + 1
        if h == 2 && ram[Self.regB] & 0x01 != 0 {
            // Data sheet, Register B, DSE: on the last Sunday in April 1:59:59 AM is
            // followed by 3:00:00 AM; on the last Sunday in October the first 1:59:59 AM
            // is followed by 1:00:00 AM.
            let month = decode(ram[8]), day = decode(ram[7]), sunday = decode(ram[6]) == 1
            if sunday && month == 4 && day > 30 - 7 { h = 3 }
            else if sunday && month == 10 && day > 31 - 7 && !fellBack { fellBack = true; h = 1 }
        }
        if h < 24 { ram[4] = encodeHour(h); return }
        ram[4] = encodeHour(0)
        incrementDay()
    }

    private func incrementDay() {
        fellBack = false
        ram[6] = encode(decode(ram[6]) % 7 + 1)
        let year = decode(ram[9])
        let month = decode(ram[8])
        let d = decode(ram[7]) + 1
        if d <= Self.daysIn(month: month, year: year) { ram[7] = encode(d); return }
        ram[7] = encode(1)
        if month + 1 <= 12 { ram[8] = encode(month + 1); return }
        ram[8] = encode(1)
        ram[9] = encode((year + 1) % 100)
    }

    /// Advances the time by `n` seconds without per-second bookkeeping.
    private func jump(seconds n: UInt64) {
        let sod = UInt64(decodeHour(ram[4]) * 3600 + decode(ram[2]) * 60 + decode(ram[0]))
        let (days, rest) = (sod &+ n).quotientAndRemainder(dividingBy: 86400)
        ram[0] = encode(Int(rest % 60))
        ram[2] = encode(Int(rest / 60 % 60))
        ram[4] = encodeHour(Int(rest / 3600))
        for _ in 0..<days { incrementDay() }
    }

    /// The chip's leap rule: every year divisible by four (right for 1901–2099).
    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private func decode(_ v: UInt8) -> Int {
        binary ? Int(v) : Int(v >> 4) * 10 + Int(v & 0x0F)
    }
    private func encode(_ n: Int) -> UInt8 {
        binary ? UInt8(truncatingIfNeeded: n) : Self.bcd(n)
    }
    private static func bcd(_ n: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: ((n / 10) % 16) << 4 | (n % 10))
    }
    private func clampMod(_ n: Int, _ m: Int) -> Int { ((n % m) + m) % m }

    /// Hours as 0–23. In 12-hour mode the register holds 1–12 with bit 7 set for PM
    /// (data sheet, "Time, Calendar and Alarm Data Modes").
    private func decodeHour(_ v: UInt8) -> Int {
        if is24h { return decode(v) }
        let h = decode(v & 0x7F) % 12
        return v & 0x80 != 0 ? h + 12 : h
    }
    private func encodeHour(_ h: Int) -> UInt8 {
        if is24h { return encode(h) }
        let h12 = h % 12 == 0 ? 12 : h % 12
        return encode(h12) | (h >= 12 ? 0x80 : 0)
    }

    // MARK: Interrupts

    private func updateIRQ() {
        let high = irqFlag
        if high != irqHigh {
            irqHigh = high
            irq.setIRQ(Self.irqLine, high)
        }
    }

    /// Schedules the next moment an enabled interrupt can fire: the next periodic tap while
    /// PIE is set and PF clear, the next update while UIE (UF clear) or AIE (AF clear).
    private func reschedule() {
        scheduler.cancel(event)
        event = nil
        guard dividerRunning else { return }
        let elapsed = scheduler.now() &- origin
        let b = ram[Self.regB], c = ram[Self.regC]
        var next = UInt64.max
        let hz = periodicRateHz
        if b & Self.pie != 0 && c & Self.pf == 0 && hz > 0 {
            let k = scheduler.ticks(ofHz: hz, at: elapsed) &+ 1
            next = min(next, scheduler.cycle(ofTick: k, hz: hz))
        }
        if updatesEnabled && ((b & Self.uie != 0 && c & Self.uf == 0) || (b & Self.aie != 0 && c & Self.af == 0)) {
            let k = elapsed / scheduler.cyclesPerSecond &+ 1
            next = min(next, k &* scheduler.cyclesPerSecond)
        }
        guard next != .max else { return }
        event = scheduler.schedule(at: origin &+ next) { [weak self] in
            guard let self else { return }
            self.event = nil
            self.catchUp(self.scheduler.now())
            self.updateIRQ()
            self.reschedule()
        }
    }

    // MARK: PC/AT NVRAM layout

    /// Fills the configuration bytes a PC/AT BIOS reads and stores the checksum.
    /// - memoryKiB: total RAM. 0x15/0x16 base memory (≤ 640 KiB); 0x17/0x18 and 0x30/0x31
    ///   extended memory above 1 MiB in KiB (capped at 0xFC00 as Bochs does, 63 MiB);
    ///   0x34/0x35 memory above 16 MiB in 64 KiB units (capped at 0xFFFF).
    /// - floppies: drives A: and B: → 0x10 (A: in the high nibble) and the equipment byte.
    /// - hardDisks: up to two; each present disk is type 0xF in 0x12 with extended type 47
    ///   in 0x19/0x1A and its geometry at 0x1B–0x23 (disk 0) / 0x24–0x2C (disk 1).
    /// - bootOrder: up to three devices → 0x3D (first low nibble, second high nibble) and
    ///   0x38 bits 7–4 (third); 0x38 bit 0 = 1 skips the floppy boot-signature check.
    public func setConfiguration(memoryKiB: Int, floppies: [FloppyType], hardDisks: [HardDiskGeometry?],
                                 bootOrder: [BootDevice], mathCoprocessor: Bool = false,
                                 display: Display = .egaVGA, checkFloppyBootSignature: Bool = true) {
        let total = max(0, memoryKiB)
        let base = min(total, 640)
        setWord(0x15, base)
        let extended = min(max(0, total - 1024), 0xFC00)
        setWord(0x17, extended)
        setWord(0x30, extended)
        let above16M = min(max(0, total - 16 * 1024) / 64, 0xFFFF)
        setWord(0x34, above16M)

        let a = floppies.count > 0 ? floppies[0] : .none
        let b = floppies.count > 1 ? floppies[1] : .none
        ram[0x10] = a.rawValue << 4 | b.rawValue
        let drives = (a != .none ? 1 : 0) + (b != .none ? 1 : 0)
        // Equipment byte (IBM AT TechRef): bit 0 floppy drives present, bit 1 coprocessor,
        // bits 5–4 primary display, bits 7–6 number of floppy drives minus one.
        var equipment: UInt8 = display.rawValue << 4
        if drives > 0 { equipment |= 0x01 | UInt8(drives - 1) << 6 }
        if mathCoprocessor { equipment |= 0x02 }
        ram[0x14] = equipment

        ram[0x12] = 0
        for unit in 0..<2 {
            let base = unit == 0 ? 0x1B : 0x24
            for k in 0..<9 { ram[base + k] = 0 }
            ram[0x19 + unit] = 0
            guard unit < hardDisks.count, let g = hardDisks[unit] else { continue }
            ram[0x12] |= unit == 0 ? 0xF0 : 0x0F
            ram[0x19 + unit] = 47 // user-defined type
            let cyl = min(max(0, g.cylinders), 0xFFFF)
            let heads = min(max(0, g.heads), 0xFF)
            setWord(base, cyl)
            ram[base + 2] = UInt8(heads)
            setWord(base + 3, 0xFFFF)                  // write precompensation: none
            ram[base + 5] = 0xC0 | (heads > 8 ? 0x08 : 0) // control byte: > 8 heads
            setWord(base + 6, cyl)                      // landing zone
            ram[base + 8] = UInt8(min(max(0, g.sectorsPerTrack), 0xFF))
        }

        let order = bootOrder.map(\.rawValue) + [0, 0, 0]
        ram[0x3D] = order[0] | order[1] << 4
        ram[0x38] = order[2] << 4 | (checkFloppyBootSignature ? 0 : 1)
        updateChecksum()
    }

    /// The standard checksum: the 16-bit sum of bytes 0x10–0x2D, big-endian at 0x2E/0x2F.
    public func updateChecksum() {
        let sum = ram[0x10...0x2D].reduce(0) { $0 &+ UInt16($1) }
        ram[0x2E] = UInt8(sum >> 8)
        ram[0x2F] = UInt8(sum & 0xFF)
    }

    private func setWord(_ i: Int, _ v: Int) {
        ram[i] = UInt8(truncatingIfNeeded: v)
        ram[i + 1] = UInt8(truncatingIfNeeded: v >> 8)
    }
}
