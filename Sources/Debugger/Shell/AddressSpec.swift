import CPUInterpreter

/// An address as the user writes it: linear `0x1000`, physical `p:0x1000`, or
/// segmented `SEG:OFF`, where SEG is a segment register (`cs:eip`, `ds:0x10`: its
/// current hidden base) or a selector value (`0x08:0x1000`: the base the GDT/LDT gives
/// it now in protected mode, selector × 16 in real and virtual-8086 mode).
enum AddressSpec: Equatable {
    enum Segment: Equatable { case register(Int), selector(Expression) }
    case linear(Expression)
    case physical(Expression)
    case segmented(Segment, Expression)

    static func parse(_ text: String) throws -> AddressSpec {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw SyntaxError("an address is missing") }
        if t.lowercased().hasPrefix("p:") {
            var p = ExpressionParser(String(t.dropFirst(2)))
            return .physical(try p.parse())
        }
        if let colon = Self.topLevelColon(t) {
            let left = String(t[..<colon]).trimmingCharacters(in: .whitespaces)
            let right = String(t[t.index(after: colon)...])
            var off = ExpressionParser(right)
            let offset = try off.parse()
            if let i = RegisterName.segmentNames.firstIndex(of: left.lowercased()) {
                return .segmented(.register(i), offset)
            }
            var sel = ExpressionParser(left)
            return .segmented(.selector(try sel.parse()), offset)
        }
        var p = ExpressionParser(t)
        return .linear(try p.parse())
    }

    /// The first ':' outside brackets.
    private static func topLevelColon(_ t: String) -> String.Index? {
        var depth = 0
        for i in t.indices {
            switch t[i] {
            case "[", "(": depth += 1
            case "]", ")": depth -= 1
            case ":" where depth == 0: return i
            default: break
            }
        }
        return nil
    }
}

/// Where an address points once resolved against the machine's state now.
enum ResolvedAddress: Equatable {
    case linear(UInt32)
    case physical(UInt32)
}

extension GuestMemory {
    /// The segment base for a selector value as a load would give it now.
    func segmentBase(selector: UInt16) throws -> UInt32 {
        if !cpu.protectedMode || cpu.v86Mode { return UInt32(selector) << 4 }
        switch descriptor(selector) {
        case .success(let d): return d.base
        case .failure(let e): throw SyntaxError("selector 0x\(hex(selector, 4)): \(e)")
        }
    }

    func resolve(_ spec: AddressSpec) throws -> ResolvedAddress {
        switch spec {
        case .linear(let e): return .linear(e.evaluate(self))
        case .physical(let e): return .physical(e.evaluate(self))
        case .segmented(.register(let s), let off): return .linear(cpu.segBase[s] &+ off.evaluate(self))
        case .segmented(.selector(let sel), let off):
            let base = try segmentBase(selector: UInt16(truncatingIfNeeded: sel.evaluate(self)))
            return .linear(base &+ off.evaluate(self))
        }
    }

    /// Bytes at a resolved address (nil: not mapped).
    func read(_ a: ResolvedAddress, count: Int) -> [UInt8?] {
        switch a {
        case .linear(let la): return readLinear(la, count: count)
        case .physical(let pa): return (0..<count).map { readPhysical(pa &+ UInt32($0)) }
        }
    }
}

import Foundation
