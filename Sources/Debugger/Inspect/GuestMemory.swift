import Chipset
import CPUInterpreter

/// Guest memory as the debugger sees it. Linear addresses are translated through the
/// guest's page tables without side effects: no accessed or dirty bits are set, no #PF is
/// raised, the TLB and CR2 are left alone, and watchpoints do not fire. (Reads of a device
/// window, such as the VGA's A0000h-BFFFFh, go to the device as a CPU read would.)
struct GuestMemory {
    let machine: Machine
    var cpu: CPU { machine.cpu }

    /// One level of a page walk (SDM vol. 3, 4.3).
    struct WalkStep {
        let name: String          // "PDE" or "PTE"
        let index: UInt32
        let address: UInt32       // physical address of the entry
        let entry: UInt32
    }

    struct Walk {
        let steps: [WalkStep]
        /// The physical address, or nil when an entry is not present.
        let physical: UInt32?
        let largePage: Bool
        /// Effective rights over both levels.
        let writable: Bool
        let user: Bool
    }

    // MARK: Physical

    func readPhysical(_ pa: UInt32) -> UInt8 {
        machine.memory.readPhysical(pa & cpu.physicalAddressMask)
    }

    func readPhysical32(_ pa: UInt32) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(readPhysical(pa &+ UInt32($1))) << (8 * $1) }
    }

    /// Writes through the board (ROM and unmapped space ignore it); the CPU forgets any
    /// instructions it decoded from there. Returns whether the byte now reads back.
    @discardableResult
    func writePhysical(_ pa: UInt32, _ value: UInt8) -> Bool {
        let a = pa & cpu.physicalAddressMask
        machine.memory.writePhysical(a, value)
        cpu.physicalMemoryChanged(from: a, count: 1)
        return machine.memory.readPhysical(a) == value
    }

    // MARK: Linear

    /// The page walk for `la` with every level's entry (paging must be on).
    func walk(_ la: UInt32) -> Walk {
        let mask = cpu.physicalAddressMask
        let pdeAddr = ((cpu.cr3 & 0xFFFF_F000) | ((la >> 20) & 0xFFC)) & mask
        let pde = readPhysical32(pdeAddr)
        var steps = [WalkStep(name: "PDE", index: la >> 22, address: pdeAddr, entry: pde)]
        guard pde & 1 != 0 else { return Walk(steps: steps, physical: nil, largePage: false, writable: false, user: false) }
        if pde & 0x80 != 0 && cpu.cr4 & CR4.pse != 0 {
            return Walk(steps: steps, physical: (pde & 0xFFC0_0000) | (la & 0x3F_FFFF), largePage: true,
                        writable: pde & 2 != 0, user: pde & 4 != 0)
        }
        let pteAddr = ((pde & 0xFFFF_F000) | ((la >> 10) & 0xFFC)) & mask
        let pte = readPhysical32(pteAddr)
        steps.append(WalkStep(name: "PTE", index: (la >> 12) & 0x3FF, address: pteAddr, entry: pte))
        guard pte & 1 != 0 else { return Walk(steps: steps, physical: nil, largePage: false, writable: false, user: false) }
        return Walk(steps: steps, physical: (pte & 0xFFFF_F000) | (la & 0xFFF), largePage: false,
                    writable: pde & 2 != 0 && pte & 2 != 0, user: pde & 4 != 0 && pte & 4 != 0)
    }

    /// Linear → physical (nil: not mapped).
    func translate(_ la: UInt32) -> UInt32? {
        guard cpu.cr0 & CR0.pg != 0 else { return la & cpu.physicalAddressMask }
        return walk(la).physical.map { $0 & cpu.physicalAddressMask }
    }

    /// `count` bytes from linear `la`; nil for a byte whose page is not mapped.
    func readLinear(_ la: UInt32, count: Int) -> [UInt8?] {
        var out: [UInt8?] = []
        out.reserveCapacity(count)
        var page: UInt32 = 0xFFFF_FFFF, base: UInt32? = nil
        for k in 0..<count {
            let a = la &+ UInt32(k)
            if a >> 12 != page { page = a >> 12; base = translate(a & ~0xFFF) }
            out.append(base.map { readPhysical($0 | (a & 0xFFF)) })
        }
        return out
    }

    /// A little-endian value of `bytes` bytes at linear `la`, or nil if a byte is not mapped.
    func readLinearValue(_ la: UInt32, bytes: Int) -> UInt32? {
        var v: UInt32 = 0
        for (k, b) in readLinear(la, count: bytes).enumerated() {
            guard let b else { return nil }
            v |= UInt32(b) << (8 * k)
        }
        return v
    }

    /// Writes bytes at linear `la`; returns how many reached memory (unmapped pages and ROM stop nothing
    /// else but are not counted).
    func writeLinear(_ la: UInt32, _ bytes: [UInt8]) -> Int {
        var written = 0
        for (k, b) in bytes.enumerated() {
            if let pa = translate(la &+ UInt32(k)), writePhysical(pa, b) { written += 1 }
        }
        return written
    }

    // MARK: Descriptor tables

    /// The descriptor a selector names in the GDT or LDT as the tables are now, or why there is none.
    func descriptor(_ value: UInt16) -> Result<Descriptor, LookupError> {
        let sel = Selector(value)
        if sel.isNull && !sel.tableIndicator { return .failure(LookupError("null selector")) }
        let base: UInt32, limit: UInt32
        if sel.tableIndicator {
            guard cpu.ldtrSelector & 0xFFFC != 0 else { return .failure(LookupError("LDT selector, but LDTR is null")) }
            base = cpu.ldtrBase; limit = cpu.ldtrLimit
        } else {
            base = cpu.gdtrBase; limit = cpu.gdtrLimit
        }
        let offset = UInt32(sel.index) << 3
        guard offset &+ 7 <= limit else {
            return .failure(LookupError("index \(sel.index) is beyond the \(sel.tableIndicator ? "LDT" : "GDT") limit 0x\(hex(limit, 4))"))
        }
        guard let low = readLinearValue(base &+ offset, bytes: 4), let high = readLinearValue(base &+ offset &+ 4, bytes: 4) else {
            return .failure(LookupError("the table entry's page is not mapped"))
        }
        return .success(Descriptor(low: low, high: high))
    }

    struct LookupError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}

/// Upper-case hex with leading zeros.
func hex<T: BinaryInteger>(_ v: T, _ digits: Int) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - s.count)) + s
}
