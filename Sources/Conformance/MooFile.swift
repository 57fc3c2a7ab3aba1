/// The MOO test-vector format of the SingleStepTests project (v1): a chunked,
/// little-endian binary of per-instruction tests recorded from a real CPU.
///
///   file  := "MOO " header, "META" (optional), "TEST"*
///   TEST  := u32 index, then NAME BYTS INIT FINA CYCL [EXCP] HASH subchunks
///   INIT/FINA := REGS RAM  QUEU subchunks
public struct MooTest: Sendable {
    public var index: UInt32 = 0
    public var name = ""
    public var bytes: [UInt8] = []
    public var initial = MooState()
    public var final = MooState()
    /// Exception taken: vector and the physical address of the pushed FLAGS word.
    public var exception: (vector: UInt8, flagsAddress: UInt32)?
    public var hash: [UInt8] = []
}

public struct MooState: Sendable {
    /// ax bx cx dx cs ss ds es sp bp si di ip flags, in that order; nil = not present.
    public var registers = [UInt16?](repeating: nil, count: 14)
    public var ram: [(address: UInt32, value: UInt8)] = []
}

public enum MooRegister: Int, CaseIterable, Sendable {
    case ax, bx, cx, dx, cs, ss, ds, es, sp, bp, si, di, ip, flags
    public var name: String { String(describing: self) }
}

public struct MooFormatError: Error, CustomStringConvertible {
    public let description: String
}

public struct MooFile: Sendable {
    public var cpu = ""
    public var mnemonic = ""
    public var tests: [MooTest] = []

    public init(bytes b: [UInt8], name: String) throws(MooFormatError) {
        var r = Reader(b: b, name: name)
        guard b.count >= 8, String(decoding: b[0..<4], as: UTF8.self) == "MOO " else {
            throw MooFormatError(description: "\(name): not a MOO file (missing \"MOO \" header)")
        }
        var declared: UInt32? = nil
        while r.pos < b.count {
            let (type, start, end) = try r.chunk(limit: b.count)
            switch type {
            case "MOO ":
                guard end - start >= 12 else { throw r.error("MOO header too short") }
                declared = r.u32(start + 4)
                cpu = String(decoding: b[(start + 8)..<(start + 12)], as: UTF8.self)
            case "META":
                if end - start >= 15 {
                    mnemonic = String(decoding: b[(start + 7)..<(start + 15)], as: UTF8.self)
                        .trimmingCharacters(in: .whitespaces)
                }
            case "TEST":
                tests.append(try r.test(start, end))
            default:
                break   // unknown chunk types are skipped by their length
            }
            r.pos = end
        }
        if let d = declared, d != UInt32(tests.count) {
            throw MooFormatError(description: "\(name): truncated: header declares \(d) tests, file holds \(tests.count)")
        }
    }

    private struct Reader {
        let b: [UInt8]
        let name: String
        var pos = 0

        func error(_ m: String) -> MooFormatError { MooFormatError(description: "\(name): \(m) at byte \(pos)") }
        func u32(_ at: Int) -> UInt32 {
            UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
        }
        func u16(_ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }

        /// The chunk at `pos`: its type and payload range, checked against `limit`.
        mutating func chunk(limit: Int) throws(MooFormatError) -> (String, Int, Int) {
            guard pos + 8 <= limit else { throw error("truncated chunk header") }
            let type = String(decoding: b[pos..<(pos + 4)], as: UTF8.self)
            let length = Int(u32(pos + 4))
            let start = pos + 8
            guard length >= 0, start + length <= limit else { throw error("chunk \"\(type)\" runs past its container (truncated file?)") }
            return (type, start, start + length)
        }

        mutating func test(_ start: Int, _ end: Int) throws(MooFormatError) -> MooTest {
            guard end - start >= 4 else { throw error("TEST chunk too short") }
            var t = MooTest()
            t.index = u32(start)
            var p = Reader(b: b, name: name, pos: start + 4)
            while p.pos < end {
                let (type, s, e) = try p.chunk(limit: end)
                switch type {
                case "NAME":
                    guard e - s >= 4, s + 4 + Int(u32(s)) <= e else { throw p.error("bad NAME") }
                    t.name = String(decoding: b[(s + 4)..<(s + 4 + Int(u32(s)))], as: UTF8.self)
                case "BYTS":
                    guard e - s >= 4, s + 4 + Int(u32(s)) <= e else { throw p.error("bad BYTS") }
                    t.bytes = Array(b[(s + 4)..<(s + 4 + Int(u32(s)))])
                case "INIT": t.initial = try p.state(s, e)
                case "FINA": t.final = try p.state(s, e)
                case "EXCP":
                    guard e - s >= 5 else { throw p.error("bad EXCP") }
                    t.exception = (b[s], u32(s + 1))
                case "HASH": t.hash = Array(b[s..<e])
                default: break
                }
                p.pos = e
            }
            return t
        }

        mutating func state(_ start: Int, _ end: Int) throws(MooFormatError) -> MooState {
            var st = MooState()
            var p = Reader(b: b, name: name, pos: start)
            while p.pos < end {
                let (type, s, e) = try p.chunk(limit: end)
                switch type {
                case "REGS":
                    guard e - s >= 2 else { throw p.error("bad REGS") }
                    let mask = u16(s)
                    var at = s + 2
                    for i in 0..<14 where mask & (1 << i) != 0 {
                        guard at + 2 <= e else { throw p.error("REGS shorter than its mask says") }
                        st.registers[i] = u16(at)
                        at += 2
                    }
                case "RAM ":
                    guard e - s >= 4 else { throw p.error("bad RAM") }
                    let count = Int(u32(s))
                    guard s + 4 + count * 5 <= e else { throw p.error("RAM shorter than its count says") }
                    st.ram.reserveCapacity(count)
                    for k in 0..<count {
                        let at = s + 4 + k * 5
                        st.ram.append((u32(at), b[at + 4]))
                    }
                default: break
                }
                p.pos = e
            }
            return st
        }
    }
}

import Foundation
