import CPUInterpreter
import Foundation

/// The PC/AT: a CPU wired to the board's memory map, I/O bus, clock and devices, run in
/// batches of cycles up to the next scheduled device event.
public final class Machine {
    /// Why a run ended; the command line turns this into an exit status.
    public enum Outcome: Equatable {
        case guestExit(success: Bool, code: UInt32)
        case haltedWithInterruptsDisabled
        /// HLT with IF = 1, but no device on the board can raise an interrupt.
        case haltedIdle
        case tripleFault
        case cycleLimit
        case stopped
    }

    public struct SetupError: Error, CustomStringConvertible { public let description: String }

    public let cpu: CPU
    public let memory: MemoryMap
    public let ports: IOPortBus
    public let scheduler: Scheduler
    public let debugConsole: DebugConsole
    /// Messages a BIOS writes to ports 402h/403h (Bochs's BIOS uses them).
    public let biosMessages: DebugConsole
    public let postCodes = POSTCodePort()
    public let exitPorts = ExitPorts()
    public let rebootOnTripleFault: Bool
    /// How many times the machine was reset (triple fault, 8042, port 92h, port CF9h).
    public private(set) var resets = 0

    // The AT board's devices.
    public let pic: InterruptControllerPair
    public let pit: IntervalTimer
    public let portB: SystemControlPortB
    public let cmos: CMOSClock
    public let keyboardController: KeyboardController
    public let portA: SystemControlPortA
    public let dma: DMAController
    public let floppy: FloppyController
    public let ata: [ATAChannel]
    public let serialPorts: [UART16550]
    private var floppyImages: [FloppyImage?] = [nil, nil]
    private var resetRequested = false
    private var breakRequested = false

    public init(_ config: Configuration) throws(SetupError) {
        guard config.rom.count == 64 << 10 || config.rom.count == 128 << 10 else {
            throw SetupError(description: "a system ROM must be 64 KiB or 128 KiB, this one is \(config.rom.count) bytes")
        }
        rebootOnTripleFault = config.rebootOnTripleFault
        memory = MemoryMap(ramMiB: config.memoryMiB)
        memory.loadROM(config.rom)
        if let vga = config.vgaBIOS {
            guard vga.count <= 128 << 10, vga.count >= 512 else {
                throw SetupError(description: "a VGA BIOS must be between 512 bytes and 128 KiB, this one is \(vga.count) bytes")
            }
            memory.loadOptionROM(vga, at: 0xC_0000)
        }
        ports = IOPortBus()
        debugConsole = DebugConsole(output: config.debugConsole)
        let cpu = CPU(model: config.model, memory: memory, ports: ports)
        self.cpu = cpu
        let scheduler = Scheduler(cyclesPerSecond: config.model.cyclesPerSecond) { [unowned cpu] in cpu.cycles }
        scheduler.eventScheduled = { [unowned cpu] when in cpu.endRun(by: when) }
        self.scheduler = scheduler

        pic = InterruptControllerPair { [unowned cpu] level in cpu.intrLine = level }
        cpu.interrupts = pic
        pit = IntervalTimer(scheduler: scheduler, irq: pic)
        portB = SystemControlPortB(timer: pit)
        cmos = CMOSClock(scheduler: scheduler, irq: pic, start: config.rtcStart)
        let memory = self.memory
        dma = DMAController(readMemory: { memory.readPhysical($0) },
                            writeMemory: { [unowned cpu] a, v in
                                memory.writePhysical(a, v)
                                cpu.physicalMemoryChanged(from: a, count: 1)
                            })
        floppy = FloppyController(scheduler: scheduler, irq: pic, dma: dma)
        // BIOSes written for emulators (Bochs's among them) never program the data rate;
        // Bochs and QEMU accept any rate, and so does the board by default.
        floppy.checkDataRate = false
        // ...and both seek implicitly to a READ/WRITE command's cylinder; the Bochs BIOS needs it.
        floppy.alwaysImpliedSeek = true
        ata = [ATAChannel.primary(scheduler: scheduler, irqLines: pic), ATAChannel.secondary(scheduler: scheduler, irqLines: pic)]
        var uarts: [UART16550] = []
        for (k, backend) in config.serial.enumerated() where k < 2 {
            let p = k == 0 ? UART16550.com1 : UART16550.com2
            uarts.append(UART16550(base: p.base, irq: p.irq, scheduler: scheduler, irqLines: pic, backend: backend))
        }
        serialPorts = uarts
        // Placeholders replaced below once self is complete.
        keyboardController = KeyboardController(scheduler: scheduler, irq: pic)
        portA = SystemControlPortA()

        ports.map(config.postPort...config.postPort, postCodes, name: "POST code")
        ports.map(0xE9...0xE9, debugConsole, name: "debug console")
        // Bochs's BIOS writes its messages to ports 402h (info) and 403h (debug).
        biosMessages = DebugConsole(output: config.biosLog)
        ports.map(0x402...0x403, biosMessages, name: "BIOS message port")
        ports.map(0xF4...0xF4, exitPorts, name: "isa-debug-exit")
        ports.map(0x8900...0x8900, exitPorts, name: "Bochs shutdown port")
        pic.attach(to: ports)
        pit.attach(to: ports)
        portB.attach(to: ports)
        cmos.attach(to: ports)
        dma.attach(to: ports)
        floppy.attach(to: ports)
        for c in ata { c.attach(to: ports) }
        for u in serialPorts { u.attach(to: ports) }
        ports.map(0xCF8...0xCFF, PCIHostInterface { [unowned self] in self.requestReset() }, name: "PCI host interface, reset control (CF9h)")
        exitPorts.onRequest = { [unowned cpu] in cpu.stopRequested = true }

        keyboardController.attach(to: ports)
        keyboardController.onReset = { [unowned self] in self.requestReset() }
        keyboardController.onA20Change = { [unowned self] _ in self.updateA20() }
        portA.onReset = { [unowned self] in self.requestReset() }
        portA.onA20Change = { [unowned self] _ in self.updateA20() }
        portA.attach(to: ports)
        updateA20()

        try attachStorage(config)
        cmos.setConfiguration(memoryKiB: config.memoryMiB * 1024,
                              floppies: floppyImages.enumerated().map { drive, image in
                                  drive == 0 && image == nil && config.emptyFloppyDriveA ? .m1_44 : Self.cmosType(image)
                              },
                              hardDisks: ata[0].hardDiskGeometries,
                              bootOrder: config.bootOrder)
    }

    private func attachStorage(_ config: Configuration) throws(SetupError) {
        for (drive, path) in [config.floppyA, config.floppyB].enumerated() {
            guard let path else { continue }
            guard FileManager.default.fileExists(atPath: path) else {
                throw SetupError(description: "floppy image '\(path)' does not exist")
            }
            do {
                let image = try FloppyImage(contentsOf: path, readOnly: false, snapshot: config.snapshot)
                floppyImages[drive] = image
                floppy.insert(image, drive: drive)
            } catch {
                throw SetupError(description: error.description)
            }
        }
        let positions: [(Int, ATAChannel.Position)] = [(0, .master), (0, .slave), (1, .master), (1, .slave)]
        for (k, path) in config.hardDisks.enumerated() where k < 4 {
            guard let path else { continue }
            do {
                let image = try DiskImage(path: path, mode: config.snapshot ? .snapshot : .readWrite)
                ata[positions[k].0].connect(ATAHardDisk(image: image), at: positions[k].1)
            } catch {
                throw SetupError(description: error.description)
            }
        }
        if let iso = config.cdrom {
            if let size = (try? FileManager.default.attributesOfItem(atPath: iso))?[.size] as? NSNumber,
               size.intValue > 0, size.intValue % 2048 != 0 {
                throw SetupError(description: "CD image '\(iso)': \(size.intValue) bytes is not a multiple of 2048 (truncated or not an ISO image)")
            }
            do {
                let image = try DiskImage(path: iso, mode: .readOnly)
                ata[1].connect(ATAPICDROM(image: image), at: .master)
            } catch {
                throw SetupError(description: error.description)
            }
        }
    }

    private static func cmosType(_ image: FloppyImage?) -> CMOSClock.FloppyType {
        guard let image else { return .none }
        switch image.geometry.cylinders * image.geometry.heads * image.geometry.sectorsPerTrack {
        case 720: return .k360
        case 1440: return .k720
        case 2400: return .m1_2
        case 5760: return .m2_88
        default: return .m1_44
        }
    }

    /// A20 is on when either the 8042's output port or port 92h enables it.
    private func updateA20() {
        let on = keyboardController.a20Enabled || portA.a20Enabled
        if cpu.model == .i286 {
            cpu.physicalAddressMask = on ? 0x00FF_FFFF : 0x00EF_FFFF
        } else {
            cpu.physicalAddressMask = on ? 0xFFFF_FFFF : 0xFFEF_FFFF
        }
    }

    /// Ends `run` with `.stopped` at the next instruction boundary (the debugger: Ctrl-C, the
    /// window's hot key, a watchpoint or an event break). Any thread may call it.
    public func requestBreak() {
        breakRequested = true
        cpu.stopRequested = true
    }

    /// A reset request from a device: the CPU finishes its instruction, then the board resets it.
    private func requestReset() {
        resetRequested = true
        cpu.stopRequested = true
    }

    /// RESET: the CPU restarts at the reset vector; RAM and most device state are kept
    /// (the BIOS reprograms the devices; CMOS byte 0Fh tells it why it was reset).
    public func reset() {
        resets += 1
        resetRequested = false
        cpu.reset()
        portA.reset()
        updateA20()
    }

    /// Flushes disk and floppy images (guest writes reach the files) and closes backends.
    public func shutdown() throws(SetupError) {
        do {
            for c in ata { try c.flush() }
            for f in floppyImages { try f?.flush() }
        } catch {
            throw SetupError(description: "\(error)")
        }
        for u in serialPorts { u.close() }
    }

    /// Runs until the guest asks to exit, halts for good, triple-faults, or `maxCycles` pass.
    /// With `beforeEach`, the CPU calls it before every instruction (tracing, debugging).
    /// With `realtime`, guest time is paced to the wall clock: the machine sleeps whenever
    /// it is ahead of the time its cycle count stands for (`--realtime`).
    public func run(maxCycles: UInt64 = .max, batch: UInt64 = 1 << 20, realtime: Bool = false,
                    beforeEach: ((UInt16, UInt32) -> Bool)? = nil) -> Outcome {
        let startCycles = cpu.cycles
        let startTime = DispatchTime.now().uptimeNanoseconds
        while true {
            if realtime {
                let guestNs = (cpu.cycles - startCycles) &* 1_000_000_000 / scheduler.cyclesPerSecond
                let wallNs = DispatchTime.now().uptimeNanoseconds - startTime
                if guestNs > wallNs + 2_000_000 { usleep(UInt32(min(guestNs - wallNs, 50_000_000) / 1000)) }
            }
            var limit = maxCycles - cpu.cycles > batch ? cpu.cycles + batch : maxCycles
            limit = min(limit, max(scheduler.nextDeadline, cpu.cycles &+ 1))
            var reason = beforeEach.map { cpu.run(until: limit, beforeEach: $0) } ?? cpu.run(until: limit)
            if reason == .halted && !cpu.shutdown && cpu.eflags & Flag.if != 0 {
                // HLT with interrupts enabled: time passes until the next device event,
                // which may raise the interrupt that wakes the CPU.
                let next = scheduler.nextDeadline
                if next != .max {
                    if next >= maxCycles { cpu.cycles = maxCycles; return .cycleLimit }
                    cpu.cycles = max(cpu.cycles, next)
                    reason = .cycleBudget
                }
            }
            scheduler.runDue()
            if let r = exitPorts.request {
                switch r {
                case .success: return .guestExit(success: true, code: 0x10)
                case .failure(let v): return .guestExit(success: false, code: v)
                }
            }
            if resetRequested { reset(); continue }
            switch reason {
            case .shutdown:
                guard rebootOnTripleFault else { return .tripleFault }
                reset()
            case .halted:
                return cpu.eflags & Flag.if == 0 ? .haltedWithInterruptsDisabled : .haltedIdle
            case .cycleBudget:
                if cpu.cycles >= maxCycles { return .cycleLimit }
            case .requested:
                if breakRequested { breakRequested = false; return .stopped }
                if beforeEach != nil && !resetRequested { return .stopped }
            }
        }
    }
}

/// Ports CF8h-CFFh: the PCI configuration mechanism #1 host interface and, at CF9h, the
/// reset control register of PCI-era chipsets (Intel PIIX). pcemu's board has no PCI
/// devices, so configuration reads return all ones; what matters is that a 32-bit access
/// to CF8h goes to the address register (it is not split into byte cycles that would hit
/// CF9h), and that a byte write to CF9h with bit 2 going from 0 to 1 resets the machine.
final class PCIHostInterface: IODevice {
    private var address: UInt32 = 0
    private var resetControl: UInt8 = 0
    private let onReset: () -> Void
    init(onReset: @escaping () -> Void) { self.onReset = onReset }

    func readPort(_ port: UInt16, size: Int) -> UInt32 {
        switch port {
        case 0xCF8 where size == 4: return address
        case 0xCF9 where size == 1: return UInt32(resetControl)
        case 0xCFC...0xCFF: return 0xFFFF_FFFF >> (32 - 8 * UInt32(size))   // no device answers
        default: return 0xFFFF_FFFF >> (32 - 8 * UInt32(size))
        }
    }

    func writePort(_ port: UInt16, size: Int, value: UInt32) {
        switch port {
        case 0xCF8 where size == 4:
            address = value & 0x80FF_FFFC
        case 0xCF9 where size == 1:
            let b = UInt8(truncatingIfNeeded: value)
            if b & 0x04 != 0 && resetControl & 0x04 == 0 { onReset() }
            resetControl = b & ~0x04
        default:
            break    // configuration data writes go nowhere
        }
    }
}
