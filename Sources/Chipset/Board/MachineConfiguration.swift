import CPUInterpreter

extension Machine {
    /// Everything that describes a machine before it starts (the command line and the
    /// configuration file fill it).
    public struct Configuration {
        public var model: CPUModel = .i386
        public var memoryMiB = 64
        /// The system ROM (64 or 128 KiB), mapped below 1 MiB and 4 GiB.
        public var rom: [UInt8] = []
        /// An option ROM for the video card, mapped at C0000h.
        public var vgaBIOS: [UInt8]?
        public var debugConsole: ([UInt8]) -> Void = { _ in }
        /// Where BIOS messages on ports 402h/403h go.
        public var biosLog: ([UInt8]) -> Void = { _ in }
        /// Where the POST-code latch answers (0x80 on PCs).
        public var postPort: UInt16 = 0x80
        /// A triple fault resets the machine, as on a PC; false ends the run (QEMU's -no-reboot).
        public var rebootOnTripleFault = true
        public var floppyA: String?
        public var floppyB: String?
        /// A 1.44 MB drive A: is installed even with no image (`floppyA` nil): an empty drive.
        public var emptyFloppyDriveA = false
        /// ATA hard disks: primary master, primary slave, secondary master, secondary slave.
        public var hardDisks: [String?] = [nil, nil, nil, nil]
        /// An ISO image on the secondary master (ATAPI CD-ROM).
        public var cdrom: String?
        /// Never write images: writes go to an in-memory overlay.
        public var snapshot = false
        public var bootOrder: [CMOSClock.BootDevice] = [.floppy, .hardDisk, .cdrom]
        /// COM1 and COM2 backends (nil: the port exists but is not connected).
        public var serial: [SerialBackend?] = [nil, nil]
        /// The RTC's time at power-on. Fixed by default so that runs are reproducible.
        public var rtcStart = CMOSClock.DateTime(year: 2026, month: 1, day: 1, hour: 12, minute: 0, second: 0, weekday: 5)

        public init() {}
    }
}

extension ATAChannel {
    /// Geometries of the attached hard disks (master, slave) for the CMOS disk types.
    var hardDiskGeometries: [CMOSClock.HardDiskGeometry?] {
        [Position.master, Position.slave].map { p in
            guard let disk = device(at: p) as? ATAHardDisk else { return nil }
            return CMOSClock.HardDiskGeometry(cylinders: disk.defaultCylinders, heads: disk.defaultHeads,
                                              sectorsPerTrack: disk.defaultSectorsPerTrack)
        }
    }
}
