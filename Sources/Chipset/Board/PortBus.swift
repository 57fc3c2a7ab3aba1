import CPUInterpreter

/// A device on the I/O bus.
public protocol IODevice: AnyObject {
    func readPort(_ port: UInt16, size: Int) -> UInt32
    func writePort(_ port: UInt16, size: Int, value: UInt32)
}

/// The 64 Ki I/O port space as a flat table of device indices. Unmapped ports read
/// all ones and ignore writes. A word or dword access goes whole to the device that owns
/// its first port when no other device owns one of the ports it covers (the device decides
/// how it takes a wide access: a 16-bit card such as the VBE data port at 1CFh takes the
/// word itself). When the access spans two devices the bus splits it into byte cycles,
/// lowest port first, each going to the owner of its port, as the AT's bus controller
/// splits a 16-bit cycle for 8-bit devices: `out dx, ax` across two devices reaches both.
public final class IOPortBus: PortBus {
    private var owner = [UInt8](repeating: 0, count: 65536)
    private var devices: [IODevice?] = [nil]
    public private(set) var names: [String] = ["(unmapped)"]

    /// Called with every access (port, size, value, write) when set (`pcemu --trace-ports`).
    public var trace: ((UInt16, Int, UInt32, Bool) -> Void)?

    public init() {}

    public func map(_ ports: ClosedRange<UInt16>, _ device: IODevice, name: String) {
        let index: Int
        if let i = devices.firstIndex(where: { $0 === device }) { index = i }
        else {
            precondition(devices.count < 255, "too many I/O devices")
            devices.append(device); names.append(name); index = devices.count - 1
        }
        for p in ports { owner[Int(p)] = UInt8(index) }
    }

    public func deviceName(at port: UInt16) -> String { names[Int(owner[Int(port)])] }

    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        if let t = trace {
            let v = readUntraced(port, size: size)
            t(port, size, v, false)
            return v
        }
        return readUntraced(port, size: size)
    }

    /// The owner of `port` when no other device owns one of the `size` ports from it, else nil.
    @inline(__always)
    private func soleOwner(_ port: UInt16, size: Int) -> UInt8? {
        let first = owner[Int(port)]
        for k in 1..<max(size, 1) {
            let o = owner[Int(port &+ UInt16(k))]
            if o != first && o != 0 { return nil }
        }
        return first
    }

    private func readUntraced(_ port: UInt16, size: Int) -> UInt32 {
        if let i = soleOwner(port, size: size) {
            if let d = devices[Int(i)] { return d.readPort(port, size: size) }
            if size == 1 { return 0xFF }
        }
        var v: UInt32 = 0
        for k in 0..<size { v |= (readUntraced(port &+ UInt16(k), size: 1) & 0xFF) << (8 * k) }
        return v
    }

    public func writePort(_ port: UInt16, size: Int, value: UInt32) {
        trace?(port, size, value, true)
        if let i = soleOwner(port, size: size) {
            if let d = devices[Int(i)] { d.writePort(port, size: size, value: value); return }
            if size == 1 { return }
        }
        for k in 0..<size { writePort(port &+ UInt16(k), size: 1, value: (value >> (8 * k)) & 0xFF) }
    }
}
