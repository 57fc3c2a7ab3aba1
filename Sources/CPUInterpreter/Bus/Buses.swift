/// The CPU's only view of the world outside it. The board (Chipset) implements these;
/// tests use `FlatMemory`. No CPU file knows a device.

/// Physical memory as the CPU sees it after A20 masking.
public protocol PhysicalMemory: AnyObject {
    /// The host address of the 4 KiB physical page holding `address` if that page is
    /// plain RAM for this kind of access (`write` false: readable RAM or ROM; true: RAM
    /// that may be written directly), or nil to take the slow path for every access.
    func hostPage(containing address: UInt32, write: Bool) -> UnsafeMutablePointer<UInt8>?
    /// Slow-path accesses (MMIO, ROM writes, unmapped space, page-crossing accesses).
    func readPhysical(_ address: UInt32) -> UInt8
    func writePhysical(_ address: UInt32, _ value: UInt8)
}

/// The 64 Ki I/O port space.
public protocol PortBus: AnyObject {
    func readPort(_ port: UInt16, size: Int) -> UInt32
    func writePort(_ port: UInt16, size: Int, value: UInt32)
}

/// The INTR line and the interrupt-acknowledge cycle (the PIC answers with a vector).
public protocol InterruptController: AnyObject {
    /// True while an unmasked interrupt request is pending (the INTR pin).
    var interruptPending: Bool { get }
    /// The INTA cycle: the vector of the highest-priority pending request.
    func acknowledge() -> UInt8
}

/// An I/O bus with nothing on it: every port reads all ones, writes vanish.
public final class OpenBus: PortBus {
    public init() {}
    public func readPort(_ port: UInt16, size: Int) -> UInt32 {
        size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFF_FFFF
    }
    public func writePort(_ port: UInt16, size: Int, value: UInt32) {}
}

/// A flat RAM of `size` bytes starting at physical 0; reads beyond it return 0xFF.
/// Used by the conformance runner and by unit tests.
public final class FlatMemory: PhysicalMemory {
    public let bytes: UnsafeMutablePointer<UInt8>
    public let size: Int

    public init(size: Int) {
        precondition(size > 0 && size % 4096 == 0, "RAM size must be a multiple of 4 KiB")
        self.size = size
        bytes = .allocate(capacity: size)
        bytes.initialize(repeating: 0, count: size)
    }
    deinit { bytes.deallocate() }

    public func hostPage(containing address: UInt32, write: Bool) -> UnsafeMutablePointer<UInt8>? {
        let page = Int(address & ~0xFFF)
        return page < size ? bytes + page : nil
    }
    public func readPhysical(_ address: UInt32) -> UInt8 {
        Int(address) < size ? bytes[Int(address)] : 0xFF
    }
    public func writePhysical(_ address: UInt32, _ value: UInt8) {
        if Int(address) < size { bytes[Int(address)] = value }
    }
}
