import CPUInterpreter

/// Where execution stops: matched before the instruction at that place runs.
enum CodeLocation: Equatable {
    /// CS.base + EIP.
    case linear(UInt32)
    /// CS.base + EIP translated through the page tables.
    case physical(UInt32)
    /// CS selector and EIP exactly (`break 0x08:0x1000`).
    case selectorOffset(UInt16, UInt32)
    /// EIP or CS.base + EIP (`until ADDR`).
    case offsetOrLinear(UInt32)

    var description: String {
        switch self {
        case .linear(let a): return "linear 0x\(hex(a, 8))"
        case .physical(let a): return "physical 0x\(hex(a, 8))"
        case .selectorOffset(let s, let o): return "\(hex(s, 4)):\(hex(o, 8))"
        case .offsetOrLinear(let a): return "EIP or linear 0x\(hex(a, 8))"
        }
    }
}

/// What a watchpoint watches.
enum WatchKind: String {
    case read = "r", write = "w", readWrite = "rw"
    var watchesReads: Bool { self != .write }
    var watchesWrites: Bool { self != .read }
}

/// One entry of `info break`.
struct Breakpoint {
    enum Kind {
        case code(CodeLocation, condition: Expression?, conditionText: String?)
        case watch(WatchKind, linear: UInt32, length: UInt32)
        case exception(UInt8?)
        case io(UInt16)
        case mode
        case cpl
        case task
    }
    let number: Int
    let kind: Kind
    var hits = 0

    var typeName: String {
        switch kind {
        case .code: return "breakpoint"
        case .watch(let k, _, _): return "watch \(k.rawValue)"
        case .exception: return "exception"
        case .io: return "io"
        case .mode: return "mode"
        case .cpl: return "cpl"
        case .task: return "task"
        }
    }

    var what: String {
        switch kind {
        case .code(let loc, _, let cond): return loc.description + (cond.map { " if \($0)" } ?? "")
        case .watch(_, let la, let len): return "linear 0x\(hex(la, 8)) length \(len)"
        case .exception(let v?): return "vector \(v) (\(Fault(v).mnemonic))"
        case .exception(nil): return "any exception"
        case .io(let p): return "port 0x\(hex(p, 4))"
        case .mode: return "CR0.PE, CR0.PG or EFLAGS.VM changes"
        case .cpl: return "CPL changes"
        case .task: return "task switch"
        }
    }
}

/// The breakpoints, watchpoints and event breaks, numbered from 1 in the order set.
struct BreakpointTable {
    private(set) var entries: [Breakpoint] = []
    private var nextNumber = 1

    var isEmpty: Bool { entries.isEmpty }

    mutating func add(_ kind: Breakpoint.Kind) -> Breakpoint {
        let b = Breakpoint(number: nextNumber, kind: kind)
        nextNumber += 1
        entries.append(b)
        return b
    }

    /// Deletes one entry (number) or all (nil); returns how many went.
    mutating func delete(_ number: Int?) -> Int {
        let before = entries.count
        if let number { entries.removeAll { $0.number == number } } else { entries.removeAll() }
        return before - entries.count
    }

    mutating func hit(_ number: Int) {
        if let i = entries.firstIndex(where: { $0.number == number }) { entries[i].hits += 1 }
    }

    /// Code breakpoints (checked before each instruction while any is set).
    var code: [(number: Int, location: CodeLocation, condition: Expression?)] {
        entries.compactMap { if case .code(let l, let c, _) = $0.kind { return ($0.number, l, c) } else { return nil } }
    }
    var watches: [(number: Int, kind: WatchKind, linear: UInt32, length: UInt32)] {
        entries.compactMap { if case .watch(let k, let la, let n) = $0.kind { return ($0.number, k, la, n) } else { return nil } }
    }
    var exceptions: [(number: Int, vector: UInt8?)] {
        entries.compactMap { if case .exception(let v) = $0.kind { return ($0.number, v) } else { return nil } }
    }
    var ports: [(number: Int, port: UInt16)] {
        entries.compactMap { if case .io(let p) = $0.kind { return ($0.number, p) } else { return nil } }
    }
    func first(_ match: (Breakpoint.Kind) -> Bool) -> Int? { entries.first { match($0.kind) }?.number }
    var modeBreak: Int? { first { if case .mode = $0 { return true } else { return false } } }
    var cplBreak: Int? { first { if case .cpl = $0 { return true } else { return false } } }
    var taskBreak: Int? { first { if case .task = $0 { return true } else { return false } } }

    /// Whether a check before every instruction is needed (code breakpoints, CPL/mode/task breaks).
    var needsInstructionHook: Bool { !code.isEmpty || modeBreak != nil || cplBreak != nil || taskBreak != nil }

    /// The `info break` table.
    var listing: [String] {
        guard !entries.isEmpty else { return ["no breakpoints, watchpoints or event breaks"] }
        var lines = ["Num  Type        Hits  What"]
        for b in entries {
            let num = String(b.number).padding(toLength: 4, withPad: " ", startingAt: 0)
            let type = b.typeName.padding(toLength: 11, withPad: " ", startingAt: 0)
            let hits = String(b.hits).padding(toLength: 5, withPad: " ", startingAt: 0)
            lines.append("\(num) \(type) \(hits) \(b.what)")
        }
        return lines
    }
}

import Foundation
