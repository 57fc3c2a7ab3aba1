import CPUInterpreter

/// `sregs`: each segment register's selector, its hidden descriptor cache, and what the
/// GDT/LDT entry says now. A cache that no longer matches its table entry is marked
/// `(stale: table now says ...)`: the CPU keeps using the cache until the register is
/// loaded again (SDM vol. 3, 3.4.3).
enum SegmentView {
    static func cacheText(base: UInt32, limit: UInt32, attributes a: UInt16) -> String {
        let d = descriptor(base: base, limit: limit, attributes: a)
        if a & 0x80 == 0 && a & 0x1F == 0 { return "base=\(hex(base, 8)) limit=\(hex(limit, 8)) (unusable: not present)" }
        return "base=\(hex(base, 8)) limit=\(hex(limit, 8)) \(d.typeName) DPL=\(d.dpl) P=\(d.present ? 1 : 0) "
            + "\(d.isCode ? "D" : "B")=\(d.defaultBig ? 1 : 0) G=\(d.granularity ? 1 : 0)"
    }

    /// A descriptor with a cache's fields (limit already byte-granular).
    static func descriptor(base: UInt32, limit: UInt32, attributes a: UInt16) -> Descriptor {
        let high = (base & 0xFF00_0000) | ((base >> 16) & 0xFF) | (UInt32(a & 0xF0FF) << 8)
        return Descriptor(low: (base << 16), high: high)
    }

    static func selectorText(_ v: UInt16) -> String {
        let s = Selector(v)
        return "index \(s.index), \(s.tableIndicator ? "LDT" : "GDT"), RPL \(s.rpl)"
    }

    static func lines(_ cpu: CPU, _ memory: GuestMemory) -> [String] {
        var out: [String] = []
        let realLike = !cpu.protectedMode || cpu.v86Mode
        for s in [Seg.cs, Seg.ds, Seg.ss, Seg.es, Seg.fs, Seg.gs] {
            let sel = cpu.segSelector[s]
            let name = Seg.names[s]
            let cache = cacheText(base: cpu.segBase[s], limit: cpu.segLimit[s], attributes: cpu.segAttr[s])
            if realLike {
                let expected = UInt32(sel) << 4
                var notes = [cpu.segBase[s] == expected ? "base = selector × 16"
                    : "stale: selector × 16 = \(hex(expected, 8)), the cache keeps the base of an earlier load or of RESET"]
                if cpu.segLimit[s] != 0xFFFF && !cpu.v86Mode {
                    notes.append("limit is not FFFF: kept from protected mode (\"unreal mode\")")
                }
                out.append("\(name)=\(hex(sel, 4))  cache: \(cache)")
                out.append("         (\(notes.joined(separator: "; ")))")
                continue
            }
            if Selector(sel).isNull && !Selector(sel).tableIndicator {
                out.append("\(name)=\(hex(sel, 4)) (null)  cache: \(cache)")
                continue
            }
            out.append("\(name)=\(hex(sel, 4)) (\(selectorText(sel)))  cache: \(cache)")
            let table = Selector(sel).tableIndicator ? "LDT" : "GDT"
            switch memory.descriptor(sel) {
            case .failure(let e):
                out.append("         (stale: the \(table) has no such entry now: \(e))")
            case .success(let d):
                // The accessed bit is left out: the CPU sets it in the table when it loads the cache.
                let cacheDesc = descriptor(base: cpu.segBase[s], limit: cpu.segLimit[s], attributes: cpu.segAttr[s])
                let same = d.base == cpu.segBase[s] && d.limit == cpu.segLimit[s]
                    && d.attributes & 0xF0FE == cpu.segAttr[s] & 0xF0FE
                let now = "base=\(hex(d.base, 8)) limit=\(hex(d.limit, 8)) \(d.typeName) DPL=\(d.dpl) P=\(d.present ? 1 : 0)"
                    + (d.isCodeOrData ? " \(d.isCode ? "D" : "B")=\(d.defaultBig ? 1 : 0) G=\(d.granularity ? 1 : 0)" : "")
                if same {
                    out.append("         \(table)[\(Selector(sel).index)] says the same")
                } else {
                    var diffs: [String] = []
                    if d.base != cacheDesc.base { diffs.append("base") }
                    if d.limit != cpu.segLimit[s] { diffs.append("limit") }
                    if d.attributes & 0xF0FE != cpu.segAttr[s] & 0xF0FE { diffs.append("attributes") }
                    out.append("         (stale: table now says \(now); \(diffs.joined(separator: ", ")) differ)")
                }
            }
        }
        return out
    }
}
