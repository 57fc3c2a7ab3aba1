import CPUInterpreter

/// The watchpoints as the CPU's `MemoryWatcher`: the pages they cover lose their TLB
/// entries (so only accesses to those pages pay), and an access that overlaps a watched
/// range is reported to `onHit` after it happened.
final class WatchpointWatcher: MemoryWatcher {
    struct Watch {
        let number: Int
        let kind: WatchKind
        let linear: UInt32
        let length: UInt32
    }
    struct Hit {
        let number: Int
        let write: Bool
        let linear: UInt32
        let bytes: Int
        let value: UInt32
        let codeSelector: UInt16
        let instructionAddress: UInt32
    }

    private(set) var watches: [Watch] = []
    private var readPages = Set<UInt32>()
    private var writePages = Set<UInt32>()
    var onHit: (Hit) -> Void = { _ in }
    unowned let cpu: CPU

    init(cpu: CPU) { self.cpu = cpu }

    func set(_ list: [Watch]) {
        watches = list
        readPages = []; writePages = []
        for w in list {
            let first = w.linear >> 12, last = (w.linear &+ max(w.length, 1) &- 1) >> 12
            var p = first
            while true {
                if w.kind.watchesReads { readPages.insert(p) }
                if w.kind.watchesWrites { writePages.insert(p) }
                if p == last { break }
                p &+= 1
            }
        }
    }

    func watches(linearPage vpn: UInt32, write: Bool) -> Bool {
        write ? writePages.contains(vpn) : readPages.contains(vpn)
    }

    func accessed(linear: UInt32, bytes: Int, write: Bool, value: UInt32) {
        for w in watches where write ? w.kind.watchesWrites : w.kind.watchesReads {
            // Overlap of [linear, linear+bytes) with [w.linear, w.linear+length), modulo 2^32.
            let a = linear &- w.linear, b = w.linear &- linear
            guard a < w.length || b < UInt32(bytes) else { continue }
            onHit(Hit(number: w.number, write: write, linear: linear, bytes: bytes, value: value,
                      codeSelector: cpu.segSelector[Seg.cs], instructionAddress: cpu.instructionStart))
            return
        }
    }
}
