/// `x/Nb|/Nw|/Nd ADDR`: memory in bytes, words or dwords, 16 bytes a line with the
/// characters beside them. Bytes on pages that are not mapped show as `??`.
enum MemoryDump {
    static func lines(_ bytes: [UInt8?], start: UInt32, unit: Int, physical: Bool) -> [String] {
        var out: [String] = []
        var offset = 0
        while offset < bytes.count {
            let chunk = Array(bytes[offset..<min(offset + 16, bytes.count)])
            var cells: [String] = []
            var k = 0
            while k < chunk.count {
                let group = chunk[k..<min(k + unit, chunk.count)]
                if group.contains(where: { $0 == nil }) || group.count < unit {
                    cells.append(group.map { $0.map { hex($0, 2) } ?? "??" }.joined())
                } else {
                    let v = group.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element!) << (8 * $1.offset) }
                    cells.append(hex(v, unit * 2))
                }
                k += unit
            }
            let chars = chunk.map { b -> String in
                guard let b, b >= 0x20 && b < 0x7F else { return "." }
                return String(UnicodeScalar(b))
            }.joined()
            let addr = (physical ? "p:" : "") + hex(start &+ UInt32(offset), 8)
            out.append("\(addr): \(cells.joined(separator: " "))".padding(toLength: (physical ? 12 : 10) + 48, withPad: " ", startingAt: 0) + "  |\(chars)|")
            offset += 16
        }
        return out
    }
}
