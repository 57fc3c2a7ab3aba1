/// The debugger's watchpoints on linear memory, without a check on the fast path: pages a
/// watcher watches never get a TLB entry for that kind of access, so every access to them
/// takes the slow path, which reports it after it succeeded. Other pages keep their entries.
/// With no watcher the slow path pays one nil check. Instruction fetches are not reported.
public protocol MemoryWatcher: AnyObject {
    /// Whether reads (`write` false) or writes of linear page `vpn` must be reported.
    func watches(linearPage vpn: UInt32, write: Bool) -> Bool
    /// A data access that just happened: `bytes` at linear `linear`, the value read or written.
    func accessed(linear: UInt32, bytes: Int, write: Bool, value: UInt32)
}

extension CPU {
    /// Sets the watcher (nil: none) and drops every translation, so that pages it watches
    /// lose their TLB entries. Call `flushTLB()` again whenever the watched pages change.
    public func watchMemory(_ watcher: MemoryWatcher?) {
        memoryWatcher = watcher
        flushTLB()
    }
}
