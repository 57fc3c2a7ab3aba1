import Foundation
import Testing
@testable import Chipset

/// The 82077AA floppy controller against its datasheet: reset and polling, seeks, the
/// result-phase bytes of READ/WRITE/READ ID/FORMAT, MT, write protect, the disk-change
/// line, non-DMA mode; and floppy image geometry detection.
@Suite struct FloppyControllerTests {
    final class Clock { var t: UInt64 = 0 }
    final class RAM { var bytes = [UInt8](repeating: 0, count: 1 << 24) }

    /// A 1.44M image whose every sector holds its LBA as 16-bit words.
    static func lbaImage(readOnly: Bool = false) -> FloppyImage {
        var words = [UInt16](repeating: 0, count: 1_474_560 / 2)
        words.withUnsafeMutableBufferPointer { w in
            for lba in 0..<2880 { w[lba * 256 ..< lba * 256 + 256].update(repeating: UInt16(lba).littleEndian) }
        }
        let bytes = words.withUnsafeBytes { [UInt8]($0) }
        return try! FloppyImage(bytes: bytes, readOnly: readOnly, name: "lba.img")
    }

    static func lba(_ c: Int, _ h: Int, _ r: Int) -> Int { (c * 2 + h) * 18 + r - 1 }

    final class Rig {
        let clock = Clock()
        let scheduler: Scheduler
        let irq = IRQRecorder()
        let ram = RAM()
        let bus = IOPortBus()
        let dma: DMAController
        let fdc: FloppyController

        init(image: FloppyImage? = FloppyControllerTests.lbaImage()) {
            let clock = self.clock, ram = self.ram
            scheduler = Scheduler(cyclesPerSecond: 10_000_000) { clock.t }
            dma = DMAController(readMemory: { ram.bytes[Int($0 & 0xFF_FFFF)] },
                                writeMemory: { ram.bytes[Int($0 & 0xFF_FFFF)] = $1 })
            fdc = FloppyController(scheduler: scheduler, irq: irq, dma: dma)
            dma.attach(to: bus)
            fdc.attach(to: bus)
            if let image { fdc.insert(image, drive: 0) }
            // BIOS-style cascade setup: channel 4 cascade, unmasked.
            out(0xD6, 0xC0); out(0xD4, 0x00)
        }

        func out(_ port: UInt16, _ v: UInt8) { bus.writePort(port, size: 1, value: UInt32(v)) }
        func inb(_ port: UInt16) -> UInt8 { UInt8(truncatingIfNeeded: bus.readPort(port, size: 1)) }
        var msr: UInt8 { inb(0x3F4) }
        var irq6: Bool { irq.levels[6] }

        /// Writes command bytes, each one only when MSR says RQM = 1, DIO = 0.
        func command(_ bytes: [UInt8]) {
            for b in bytes {
                #expect(msr & 0xC0 == 0x80, "controller not ready for command byte \(b)")
                out(0x3F5, b)
            }
        }

        /// Reads result bytes while MSR says RQM = 1, DIO = 1.
        func result() -> [UInt8] {
            var r: [UInt8] = []
            while msr & 0xC0 == 0xC0 && r.count < 16 { r.append(inb(0x3F5)) }
            return r
        }

        /// Lets device time pass in 100 µs steps until IRQ6 rises (or `ms` pass).
        @discardableResult
        func waitIRQ(ms: Int = 3000) -> Bool {
            for _ in 0..<(ms * 10) {
                if irq6 { return true }
                clock.t += 1000
                scheduler.runDue()
            }
            return irq6
        }

        func advance(ms: Int) {
            clock.t += UInt64(ms) * 10_000
            scheduler.runDue()
        }

        /// Releases reset with motor A on and DMA/IRQ enabled, and eats the four polling
        /// interrupts; selects 500 kbit/s and SPECIFY (SRT 3 ms, DMA mode).
        func bringUp(nonDMA: Bool = false) {
            out(0x3F2, 0x1C)
            #expect(waitIRQ())
            for d in 0..<4 { command([0x08]); #expect(result() == [0xC0 | UInt8(d), 0]) }
            out(0x3F7, 0x00)
            command([0x03, 0xDF, nonDMA ? 0x03 : 0x02])
        }

        func seek(cylinder: UInt8, head: UInt8 = 0, drive: UInt8 = 0) -> [UInt8] {
            command([0x0F, head << 2 | drive, cylinder])
            #expect(waitIRQ())
            command([0x08])
            return result()
        }

        /// Channel 2 for `bytes` bytes at `address`; mode 0x46 = write to memory, 0x4A = read.
        func programDMA(address: UInt32, bytes: Int, mode: UInt8) {
            out(0x0A, 0x06); out(0x0C, 0); out(0x0B, mode)
            out(0x04, UInt8(address & 0xFF)); out(0x04, UInt8((address >> 8) & 0xFF))
            out(0x81, UInt8(address >> 16))
            let count = UInt16(bytes - 1)
            out(0x05, UInt8(count & 0xFF)); out(0x05, UInt8(count >> 8))
            out(0x0A, 0x02)
        }

        func words(at address: Int, sectors: Int) -> [Int] {
            (0..<sectors).map { s in
                let o = address + s * 512
                return Int(ram.bytes[o]) | Int(ram.bytes[o + 1]) << 8
            }
        }
    }

    // MARK: Reset, polling, invalid commands

    @Test func resetRaisesIRQAndFourSenseInterruptsReportPolling() {
        let r = Rig()
        #expect(r.msr == 0x00)                        // held in reset after power-on (DOR = 0)
        r.out(0x3F2, 0x0C)                            // !RESET high, DMA gate on
        #expect(r.waitIRQ())
        #expect(r.msr == 0x80)
        for d in 0..<4 {
            r.command([0x08])
            #expect(r.msr & 0xF0 == 0xD0)
            #expect(r.result() == [0xC0 | UInt8(d), 0x00])
            #expect(!r.irq6)                          // SENSE INTERRUPT STATUS clears INT
        }
        // Nothing left to report: SENSE INTERRUPT STATUS is an invalid command.
        r.command([0x08])
        #expect(r.result() == [0x80])
        // A DSR software reset does the same again.
        r.out(0x3F4, 0x80)
        #expect(r.irq6)
        r.command([0x08])
        #expect(r.result() == [0xC0, 0x00])
    }

    @Test func irqIsGatedByTheDORDMAGateBit() {
        let r = Rig()
        r.out(0x3F2, 0x04)                            // out of reset, gate off
        #expect(!r.irq6)
        #expect(r.inb(0x3F0) & 0x80 != 0)             // SRA INT PENDING shows it anyway
        r.out(0x3F2, 0x0C)
        #expect(r.irq6)
    }

    @Test func invalidCommandVersionLockConfigureAndDumpreg() {
        let r = Rig()
        r.bringUp()
        r.command([0x1F])
        #expect(r.result() == [0x80])
        r.command([0x10])
        #expect(r.result() == [0x90])
        r.command([0x13, 0x00, 0x57, 0x05])          // EIS, no FIFO... POLL off, FIFOTHR 7, PRETRK 5
        r.command([0x94])
        #expect(r.result() == [0x10])
        r.command([0x12, 0x83])                      // PERPENDICULAR: accepted, no result
        #expect(r.msr == 0x80)
        _ = r.seek(cylinder: 3)
        r.command([0x0E])
        #expect(r.result() == [3, 0, 0, 0, 0xDF, 0x02, 0x00, 0x80 | 0x03, 0x57, 0x05])
        // LOCK keeps CONFIGURE across a software reset (polling disabled: one status).
        r.out(0x3F4, 0x80)
        r.command([0x08]); #expect(r.result() == [0xC0, 3])
        r.command([0x0E])
        let dump = r.result()
        #expect(dump.count == 10 && dump[8] == 0x57 && dump[9] == 0x05)
        #expect(dump[7] & 0x03 == 0)                  // GAP and WGATE cleared by reset
    }

    // MARK: Seek, recalibrate, sense drive status

    @Test func recalibrateAndSeekResults() {
        let r = Rig()
        r.bringUp()
        r.command([0x07, 0x00])
        #expect(r.msr == 0x81)                        // command phase over, drive 0 busy
        #expect(r.waitIRQ())
        r.command([0x08])
        #expect(r.result() == [0x20, 0])              // SE, drive 0, PCN 0
        #expect(r.msr == 0x80)
        #expect(r.seek(cylinder: 40, head: 1) == [0x24, 40])
        r.command([0x04, 0x04])
        #expect(r.result() == [0x28 | 0x04])          // not WP, not track 0, head 1
        // Seek timing: 40 steps at (16 - 0xD) = 3 ms each.
        r.command([0x0F, 0x00, 0])
        r.advance(ms: 100)
        #expect(!r.irq6)
        r.advance(ms: 25)
        #expect(r.irq6)
        r.command([0x08]); #expect(r.result() == [0x20, 0])
        r.command([0x04, 0x00])
        #expect(r.result() == [0x38])                 // track 0
        // Drive 2 does not exist: no TRK0 after 79 steps → abnormal, SE, EC.
        r.command([0x07, 0x02])
        #expect(r.waitIRQ())
        r.command([0x08])
        #expect(r.result() == [0x72, 0])
    }

    // MARK: Read data

    @Test func readDataOfAKnownSectorViaDMA() {
        let r = Rig()
        r.bringUp()
        #expect(r.seek(cylinder: 5, head: 1) == [0x24, 5])
        r.programDMA(address: 0x01_0000, bytes: 512, mode: 0x46)
        r.command([0xE6, 0x04, 5, 1, 3, 2, 18, 0x1B, 0xFF])
        #expect(r.msr == 0x10)                        // execution phase in DMA mode
        #expect(!r.irq6)
        #expect(r.waitIRQ())
        #expect(r.msr & 0xF0 == 0xD0)
        // TC at the end of sector 3: normal termination, ID of the next sector.
        #expect(r.result() == [0x04, 0x00, 0x00, 5, 1, 4, 2])
        #expect(!r.irq6)                              // cleared by reading the result
        let lba = FloppyControllerTests.lba(5, 1, 3)
        #expect(r.words(at: 0x01_0000, sectors: 1) == [lba])
        #expect(r.ram.bytes[0x01_0000 + 511] == UInt8(lba >> 8))
        #expect(r.ram.bytes[0x01_0000 + 512] == 0)    // nothing past the DMA count
        #expect(r.inb(0x08) & 0x04 != 0)              // DMA status: TC on channel 2
    }

    @Test func multiTrackReadCrossesToHeadOneAndEndsAtTerminalCount() {
        let r = Rig()
        r.bringUp()
        _ = r.seek(cylinder: 2)
        r.programDMA(address: 0x02_0000, bytes: 4 * 512, mode: 0x46)
        r.command([0xC6, 0x00, 2, 0, 17, 2, 18, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x04, 0x00, 0x00, 2, 1, 3, 2])
        let expected = [(2, 0, 17), (2, 0, 18), (2, 1, 1), (2, 1, 2)].map { FloppyControllerTests.lba($0.0, $0.1, $0.2) }
        #expect(r.words(at: 0x02_0000, sectors: 4) == expected)
    }

    @Test func readPastEndOfTrackWithoutTerminalCountSetsEndOfCylinder() {
        let r = Rig()
        r.bringUp()
        _ = r.seek(cylinder: 2, head: 1)
        // MT on head 1: sector 18 is the last of the cylinder; the DMA wants 2 sectors.
        r.programDMA(address: 0x03_0000, bytes: 1024, mode: 0x46)
        r.command([0xC6, 0x04, 2, 1, 18, 2, 18, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        // Abnormal termination, ST1 EN; C + 1, H's LSB complemented, R = 1.
        #expect(r.result() == [0x44, 0x80, 0x00, 3, 0, 1, 2])
        #expect(r.words(at: 0x03_0000, sectors: 1) == [FloppyControllerTests.lba(2, 1, 18)])
        // Without MT: C + 1, H unchanged, R = 1.
        r.programDMA(address: 0x03_0000, bytes: 1024, mode: 0x46)
        r.command([0x46, 0x04, 2, 1, 18, 2, 18, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x44, 0x80, 0x00, 3, 1, 1, 2])
    }

    @Test func readErrorsNoDataWrongCylinderMissingAddressMarkOverrun() {
        let r = Rig()
        r.bringUp()
        _ = r.seek(cylinder: 1)
        r.programDMA(address: 0x1000, bytes: 512, mode: 0x46)
        // Sector 19 does not exist: ND after two revolutions.
        r.command([0x46, 0x00, 1, 0, 19, 2, 19, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x40, 0x04, 0x00, 1, 0, 19, 2])
        // The command's C differs from the track's IDs: ND and ST2 WC.
        r.command([0x46, 0x00, 7, 0, 1, 2, 18, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x40, 0x04, 0x10, 7, 0, 1, 2])
        // 250 kbit/s does not read a 1.44M disk: no address mark.
        r.out(0x3F7, 0x02)
        r.command([0x46, 0x00, 1, 0, 1, 2, 18, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x40, 0x01, 0x00, 1, 0, 1, 2])
        r.out(0x3F7, 0x00)
        // Channel 2 masked: the data is not taken in time — overrun.
        r.out(0x0A, 0x06)
        r.command([0x46, 0x00, 1, 0, 1, 2, 18, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x40, 0x10, 0x00, 1, 0, 1, 2])
    }

    /// The board's setting (as Bochs and QEMU behave; the Bochs BIOS reads without SEEK):
    /// READ DATA for another cylinder seeks there first and reads the sector.
    @Test func alwaysImpliedSeekReadsAnotherCylinderWithoutSeek() {
        let r = Rig()
        r.fdc.alwaysImpliedSeek = true
        r.bringUp()
        _ = r.seek(cylinder: 1)
        r.programDMA(address: 0x1000, bytes: 512, mode: 0x46)
        r.command([0xE6, 0x00, 7, 0, 1, 2, 1, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        // MT with EOT = 1: after sector 1 of head 0 the next ID is head 1, sector 1.
        #expect(r.result() == [0x04, 0x00, 0x00, 7, 1, 1, 2])
        #expect(r.words(at: 0x1000, sectors: 1) == [FloppyControllerTests.lba(7, 0, 1)])
        // The head is now on cylinder 7: a relative seek of 0 reports PCN 7.
        #expect(r.seek(cylinder: 7) == [0x20, 7])
    }

    @Test func noDiskMeansNoIndexAndTheCommandWaitsForReset() {
        let r = Rig(image: nil)
        r.bringUp()
        r.command([0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF])
        #expect(!r.waitIRQ(ms: 2000))
        #expect(r.msr == 0x10)
        r.out(0x3F2, 0x18); r.out(0x3F2, 0x1C)       // reset recovers
        #expect(r.irq6 && r.msr == 0x80)
    }

    // MARK: Write, write protect, format, read ID

    @Test func writeDataThenReadBack() {
        let image = FloppyControllerTests.lbaImage()
        let r = Rig(image: image)
        r.bringUp()
        _ = r.seek(cylinder: 10)
        for i in 0..<1024 { r.ram.bytes[0x4000 + i] = UInt8(truncatingIfNeeded: i &* 7 &+ 1) }
        r.programDMA(address: 0x4000, bytes: 1024, mode: 0x4A)   // memory → device
        r.command([0xC5, 0x00, 10, 0, 18, 2, 18, 0x1B, 0xFF])     // MT: 10/0/18 then 10/1/1
        #expect(r.waitIRQ())
        #expect(r.result() == [0x04, 0x00, 0x00, 10, 1, 2, 2])
        #expect(image.dirty)
        let off = FloppyControllerTests.lba(10, 0, 18) * 512
        #expect(Array(image.bytes[off..<off + 1024]) == Array(r.ram.bytes[0x4000..<0x4000 + 1024]))
        // Read both back elsewhere.
        r.programDMA(address: 0x8000, bytes: 1024, mode: 0x46)
        r.command([0xC6, 0x00, 10, 0, 18, 2, 18, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x04, 0x00, 0x00, 10, 1, 2, 2])
        #expect(Array(r.ram.bytes[0x8000..<0x8400]) == Array(r.ram.bytes[0x4000..<0x4400]))
    }

    @Test func writeProtectedDiskGivesNotWritable() {
        let image = FloppyControllerTests.lbaImage(readOnly: true)
        let r = Rig(image: image)
        r.bringUp()
        r.command([0x04, 0x00])
        #expect(r.result()[0] & 0x40 != 0)            // ST3 WP
        r.programDMA(address: 0x4000, bytes: 512, mode: 0x4A)
        r.command([0x45, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x40, 0x02, 0x00, 0, 0, 1, 2])
        #expect(!image.dirty)
        r.command([0x4D, 0x00, 2, 18, 0x54, 0xF6])   // FORMAT is refused as well
        #expect(r.waitIRQ())
        #expect(Array(r.result().prefix(3)) == [0x40, 0x02, 0x00])
    }

    @Test func readIDReportsTheSectorsPassingUnderTheHead() {
        let r = Rig()
        r.bringUp()
        _ = r.seek(cylinder: 7, head: 1)
        r.command([0x4A, 0x04])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x04, 0x00, 0x00, 7, 1, 1, 2])
        r.command([0x4A, 0x04])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x04, 0x00, 0x00, 7, 1, 2, 2])
        // FM (MFM bit clear) finds no MFM address marks.
        r.command([0x0A, 0x04])
        #expect(r.waitIRQ())
        #expect(Array(r.result().prefix(3)) == [0x44, 0x01, 0x00])
    }

    @Test func formatTrackFillsSectorsWithTheFillerByte() {
        let image = FloppyControllerTests.lbaImage()
        let r = Rig(image: image)
        r.bringUp()
        _ = r.seek(cylinder: 3)
        // Interleaved IDs C H R N, supplied by DMA.
        let order = [1, 10, 2, 11, 3, 12, 4, 13, 5, 14, 6, 15, 7, 16, 8, 17, 9, 18]
        for (i, s) in order.enumerated() {
            r.ram.bytes[0x6000 + 4 * i ..< 0x6000 + 4 * i + 4] = [3, 0, UInt8(s), 2]
        }
        r.programDMA(address: 0x6000, bytes: 18 * 4, mode: 0x4A)
        r.command([0x4D, 0x00, 2, 18, 0x54, 0xF6])
        #expect(r.msr == 0x10)
        #expect(r.waitIRQ())
        let res = r.result()
        #expect(res.count == 7 && Array(res.prefix(3)) == [0x00, 0x00, 0x00])
        for s in 1...18 {
            let off = FloppyControllerTests.lba(3, 0, s) * 512
            #expect(image.bytes[off..<off + 512].allSatisfy { $0 == 0xF6 })
        }
        // Neighbouring tracks untouched.
        let other = FloppyControllerTests.lba(3, 1, 1) * 512
        #expect(image.bytes[other] == UInt8(FloppyControllerTests.lba(3, 1, 1) & 0xFF))
    }

    // MARK: Non-DMA mode

    @Test func nonDMAReadThroughTheFIFO() {
        let r = Rig()
        r.bringUp(nonDMA: true)
        _ = r.seek(cylinder: 4)
        r.command([0x46, 0x00, 4, 0, 9, 2, 9, 0x1B, 0xFF])
        #expect(r.msr & 0xB0 == 0x30)                 // NDMA + CB, RQM = 0: no data yet
        #expect(r.waitIRQ())                           // data ready interrupt
        #expect(r.msr == 0xF0)                        // RQM, DIO, NDMA, CB
        var data: [UInt8] = []
        while r.msr & 0xE0 == 0xE0 { data.append(r.inb(0x3F5)) }
        #expect(data.count == 512)
        let lba = FloppyControllerTests.lba(4, 0, 9)
        #expect(data[0] == UInt8(lba & 0xFF) && data[1] == UInt8(lba >> 8))
        #expect(r.waitIRQ())
        // No terminal count in non-DMA mode: the read ends at EOT with EN.
        #expect(r.result() == [0x40, 0x80, 0x00, 5, 0, 1, 2])
    }

    @Test func nonDMAWriteThroughTheFIFO() {
        let image = FloppyControllerTests.lbaImage()
        let r = Rig(image: image)
        r.bringUp(nonDMA: true)
        r.command([0x45, 0x00, 0, 0, 2, 2, 2, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        #expect(r.msr == 0xB0)                        // RQM, NDMA, CB, DIO = 0
        for i in 0..<512 { r.out(0x3F5, UInt8(i & 0xFF) ^ 0x55) }
        #expect(r.waitIRQ())
        #expect(r.result() == [0x40, 0x80, 0x00, 1, 0, 1, 2])
        #expect(image.bytes[512] == 0x55 && image.bytes[1023] == 0xFF ^ 0x55)
    }

    // MARK: Disk change line

    @Test func diskChangeLineAfterEjectAndInsert() {
        let r = Rig()
        r.bringUp()
        #expect(r.inb(0x3F7) & 0x80 != 0)             // active after power-on
        _ = r.seek(cylinder: 0)                       // no step pulse: stays active
        #expect(r.inb(0x3F7) & 0x80 != 0)
        _ = r.seek(cylinder: 1)                       // a step with a disk clears it
        #expect(r.inb(0x3F7) & 0x80 == 0)
        let disk = r.fdc.eject(drive: 0)
        #expect(disk != nil)
        #expect(r.inb(0x3F7) & 0x80 != 0)
        _ = r.seek(cylinder: 0)                       // stepping with no disk: still active
        #expect(r.inb(0x3F7) & 0x80 != 0)
        r.fdc.insert(disk!, drive: 0)
        #expect(r.inb(0x3F7) & 0x80 != 0)
        _ = r.seek(cylinder: 1)
        #expect(r.inb(0x3F7) & 0x80 == 0)
        // DIR reports the drive selected in the DOR: B: still shows its power-on change.
        r.out(0x3F2, 0x2D)
        #expect(r.inb(0x3F7) & 0x80 != 0)
        #expect(r.inb(0x3F2) == 0x2D)
    }

    @Test func verifyWithSectorCountAndRelativeSeek() {
        let r = Rig()
        r.bringUp()
        _ = r.seek(cylinder: 6)
        // RELATIVE SEEK in by 2 (DIR = 1), then out by 3.
        r.command([0xCF, 0x00, 2]); #expect(r.waitIRQ())
        r.command([0x08]); #expect(r.result() == [0x20, 8])
        r.command([0x8F, 0x00, 3]); #expect(r.waitIRQ())
        r.command([0x08]); #expect(r.result() == [0x20, 5])
        // VERIFY with EC = 1: SC = 3 sectors from R = 4, no DMA involved.
        r.command([0x56, 0x80, 5, 0, 4, 2, 18, 0x1B, 3])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x00, 0x00, 0x00, 5, 0, 7, 2])
        // EC = 0: through EOT, successful termination.
        r.command([0x56, 0x00, 5, 0, 17, 2, 18, 0x1B, 0xFF])
        #expect(r.waitIRQ())
        #expect(r.result() == [0x00, 0x00, 0x00, 6, 0, 1, 2])
    }

    @Test func randomPortTrafficNeverCrashes() {
        let r = Rig()
        let disk = FloppyControllerTests.lbaImage()
        var x: UInt32 = 0x1234_5678
        func next() -> UInt32 { x ^= x << 13; x ^= x >> 17; x ^= x << 5; return x }
        let ports: [UInt16] = Array(0x00...0x0F) + Array(0x80...0x8F) + Array(0xC0...0xDF) + Array(0x3F0...0x3F7)
        for i in 0..<20_000 {
            let p = ports[Int(next() % UInt32(ports.count))]
            let size = [1, 2, 4][Int(next() % 3)]
            if next() & 1 == 0 { r.bus.writePort(p, size: size, value: next()) } else { _ = r.bus.readPort(p, size: size) }
            if i % 64 == 0 { r.clock.t += UInt64(next() % 200_000); r.scheduler.runDue() }
            if i % 5000 == 0 { _ = r.fdc.eject(drive: Int(next() % 3)); r.fdc.insert(disk, drive: 0) }
        }
        // Still a working controller after a reset.
        r.out(0x3F2, 0x00)
        r.out(0x3F2, 0x0C)
        #expect(r.irq6)
        r.command([0x08])
        #expect(r.result().first.map { $0 & 0xC0 } == 0xC0)
        r.command([0x10])
        #expect(r.result() == [0x90])
    }

    // MARK: Images

    @Test func geometryDetectedFromEachImageSize() throws {
        let expected: [(Int, Int, Int, Int)] = [
            (163_840, 40, 1, 8), (184_320, 40, 1, 9), (327_680, 40, 2, 8), (368_640, 40, 2, 9),
            (737_280, 80, 2, 9), (1_228_800, 80, 2, 15), (1_474_560, 80, 2, 18),
            (1_720_320, 80, 2, 21), (2_949_120, 80, 2, 36),
        ]
        for (size, c, h, s) in expected {
            let image = try FloppyImage(bytes: [UInt8](repeating: 0, count: size))
            #expect(image.geometry.cylinders == c && image.geometry.heads == h && image.geometry.sectorsPerTrack == s)
        }
        #expect(throws: FloppyImageError.unsupportedSize(file: "x.img", size: 1_000_000)) {
            try FloppyImage(bytes: [UInt8](repeating: 0, count: 1_000_000), name: "x.img")
        }
    }

    @Test func imageFileErrorsNameTheFileAndFlushWritesBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fdc-test-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let odd = dir.appendingPathComponent("odd.img").path
        _ = FileManager.default.createFile(atPath: odd, contents: Data(count: 1_474_561))
        do {
            _ = try FloppyImage(contentsOf: odd)
            Issue.record("an odd-sized image was accepted")
        } catch {
            #expect(error.description.contains(odd))
            #expect(error.description.contains("1474561"))
        }
        let good = dir.appendingPathComponent("good.img").path
        _ = FileManager.default.createFile(atPath: good, contents: Data(count: 737_280))
        let image = try FloppyImage(contentsOf: good)
        #expect(image.geometry.name == "720K")
        image.writeSector(cylinder: 1, head: 1, sector: 9, [UInt8](repeating: 0xAB, count: 512))
        #expect(image.dirty)
        try image.flush()
        #expect(!image.dirty)
        let back = try Data(contentsOf: URL(fileURLWithPath: good))
        let off = ((1 * 2 + 1) * 9 + 8) * 512
        #expect(back[off] == 0xAB && back[off + 511] == 0xAB && back[off - 1] == 0)
        // A snapshot never writes the file.
        let snap = try FloppyImage(contentsOf: good, snapshot: true)
        snap.writeSector(cylinder: 0, head: 0, sector: 1, [1, 2, 3])
        try snap.flush()
        #expect(try Data(contentsOf: URL(fileURLWithPath: good))[0] == 0)
        #expect(throws: FloppyImageError.self) { try FloppyImage(contentsOf: dir.appendingPathComponent("missing.img").path) }
    }
}
