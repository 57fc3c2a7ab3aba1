import Chipset
import CPUInterpreter
import Foundation

/// The debugger's command shell (the language of docs/debugger.md): reads command lines
/// from a script or a terminal, runs them against a `DebugSession`, prints to its transcript.
public final class DebuggerShell {
    public let session: DebugSession
    public private(set) var history: [String] = []
    /// Set by `quit` (and at the end of a script).
    public private(set) var finished = false
    private var lastRepeatable: String?
    private var out: Transcript { session.transcript }
    private var memory: GuestMemory { session.memory }
    private var cpu: CPU { session.cpu }

    public static let prompt = "(pcemu) "

    public init(session: DebugSession) { self.session = session }

    // MARK: Input

    /// Runs a script: one command a line, `#` starts a comment line. Each command is echoed
    /// after the prompt before its output. Stops early at `quit`; at its end the shell is
    /// finished unless `thenContinue` (the caller then reads more commands, e.g. a terminal).
    public func runScript(_ text: String, thenContinue: Bool = false) {
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\r", with: "")
            if line.isEmpty || line.hasPrefix("#") { continue }
            out.line(Self.prompt + line)
            execute(line)
            if finished { break }
        }
        if !thenContinue { finished = true }
    }

    /// Reads commands until `quit` or the end of input. With `terminal`, a prompt is shown and
    /// the typed line is not echoed (the terminal shows it); an empty line repeats `step`,
    /// `next` or `x`. Otherwise input is treated as a script.
    public func runInteractive(terminal: Bool, readLine: () -> String?) {
        while !finished {
            if terminal { out.prompt(Self.prompt) }
            guard let raw = readLine() else { break }
            if terminal { out.userEnteredLine() }
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.isEmpty {
                guard terminal, let again = lastRepeatable else { continue }
                line = again
            }
            if !terminal { out.line(Self.prompt + line) }
            execute(line)
        }
        finished = true
    }

    // MARK: Commands

    /// Runs one command line.
    public func execute(_ line: String) {
        history.append(line)
        let (word, rest) = Self.split(line)
        do {
            try dispatch(word.lowercased(), rest, line)
        } catch let e as SyntaxError {
            out.line("error: \(e.description)")
        } catch {
            out.line("error: \(error)")
        }
    }

    static func split(_ line: String) -> (String, String) {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard let sp = t.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (t, "") }
        return (String(t[..<sp]), t[sp...].trimmingCharacters(in: .whitespaces))
    }

    private func dispatch(_ word: String, _ rest: String, _ line: String) throws {
        lastRepeatable = nil
        if word.hasPrefix("x/") || word == "x" {
            try examine(format: word == "x" ? "" : String(word.dropFirst(2)), rest)
            lastRepeatable = line
            return
        }
        switch word {
        case "step", "s", "stepi", "si":
            let n = rest.isEmpty ? 1 : try count(rest)
            report(session.step(n), quietWhenStepped: true)
            lastRepeatable = word
        case "next", "n", "nexti", "ni":
            report(session.next(), quietWhenStepped: true)
            lastRepeatable = word
        case "continue", "c", "cont":
            report(session.run(), quietWhenStepped: false)
        case "until":
            guard !rest.isEmpty else { throw SyntaxError("until needs an address") }
            report(session.run(target: try codeLocation(rest, untilSemantics: true)), quietWhenStepped: false)
        case "quit", "q", "exit":
            finished = true
        case "break", "b":
            try breakCommand(rest)
        case "watch":
            try watchCommand(rest)
        case "delete", "d":
            let n = rest.isEmpty ? nil : try count(rest)
            let gone = session.deleteBreakpoint(n)
            out.line(n == nil ? "deleted \(gone) breakpoint\(gone == 1 ? "" : "s")" : gone == 0 ? "no breakpoint \(n!)" : "deleted breakpoint \(n!)")
        case "info", "i":
            try info(rest)
        case "regs", "r", "registers":
            RegisterView.general(cpu).forEach(out.line)
        case "sregs":
            SegmentView.lines(cpu, memory).forEach(out.line)
        case "cregs":
            RegisterView.control(cpu, memory).forEach(out.line)
        case "page":
            guard !rest.isEmpty else { throw SyntaxError("page needs a linear address") }
            guard case .linear(let la) = try memory.resolve(try AddressSpec.parse(rest)) else {
                throw SyntaxError("page walks a linear address, not a physical one")
            }
            PageWalkView.lines(la, cpu, memory).forEach(out.line)
        case "set":
            try setCommand(rest)
        case "disasm", "u", "disassemble":
            try disasm(rest)
            lastRepeatable = nil
        case "print", "p":
            var p = ExpressionParser(rest)
            let v = try p.parse().evaluate(memory)
            out.line("0x\(hex(v, 8)) (\(v))")
        case "explain":
            switch rest.lowercased() {
            case "on": session.setExplain(true); out.line("explain on: every protection check is narrated")
            case "off": session.setExplain(false); out.line("explain off")
            case "": out.line("explain is \(session.explaining ? "on" : "off")")
            default: throw SyntaxError("explain on|off")
            }
        case "echo":
            out.line(rest)
        case "history":
            for (k, l) in history.enumerated() { out.line("\(String(k + 1).leftPadded(4))  \(l)") }
        case "help", "h", "?":
            HelpText.lines.forEach(out.line)
        default:
            throw SyntaxError("unknown command '\(word)' (try help)")
        }
    }

    private func count(_ text: String) throws -> Int {
        guard let v = ExpressionParser.number(text.trimmingCharacters(in: .whitespaces)), v > 0, v <= 100_000_000 else {
            throw SyntaxError("'\(text)' is not a count (1 to 100000000)")
        }
        return Int(v)
    }

    // MARK: Run results

    /// Prints why a run stopped and, unless it was a plain step, where execution is now.
    private func report(_ stop: StopReason, quietWhenStepped: Bool) {
        let s = session
        switch stop {
        case .stepped:
            if quietWhenStepped { return }
        case .breakpoint(let n):
            let what = s.breakpoints.entries.first { $0.number == n }?.what ?? ""
            out.line("breakpoint \(n) (\(what))")
        case .reached:
            break
        case .watch(let hit, let old, let new, let start):
            let kind = hit.write ? "write" : "read"
            out.line("watchpoint \(hit.number): \(kind) of \(hit.bytes) byte\(hit.bytes == 1 ? "" : "s") at \(hex(hit.linear, 8)), value 0x\(hex(hit.value, hit.bytes * 2)), by \(s.positionText(hit.codeSelector, hit.instructionAddress))")
            if hit.write {
                func bytes(_ b: [UInt8?]) -> String { b.map { $0.map { hex($0, 2) } ?? "??" }.joined(separator: " ") }
                out.line("  watched bytes at \(hex(start, 8)): \(bytes(old)) -> \(bytes(new))")
            }
        case .exception(let n, let f, let cs, let ip):
            out.line("exception break \(n): \(DebugSession.faultText(f)) raised by \(s.positionText(cs, ip)); not delivered yet (step or continue delivers it)")
            if f.hasErrorCode {
                out.line("  error code 0x\(hex(f.errorCode, 4)): " + InterruptDelivery.describeErrorCode(vector: f.vector, f.errorCode, cr2: cpu.cr2))
            }
        case .io(let n, let port, let size, let value, let write, let cs, let ip):
            out.line("io break \(n): \(write ? "out" : "in") port 0x\(hex(port, 4)), \(size) byte\(size == 1 ? "" : "s"), value 0x\(hex(value, size * 2)), by \(s.positionText(cs, ip))")
        case .mode(let n, let old, let new):
            out.line("mode break \(n): \(old) -> \(new)")
        case .cpl(let n, let old, let new):
            out.line("cpl break \(n): CPL \(old) -> \(new)")
        case .task(let n, let old, let new):
            out.line("task break \(n): task switch, TR \(hex(old, 4)) -> \(hex(new, 4))")
        case .interrupted:
            out.line("interrupted")
        case .ended(let o):
            out.line("the machine has ended: \(o.debuggerDescription)")
            return
        }
        out.line(s.instructionLine(cpu.segSelector[Seg.cs], cpu.eip, marker: "=> ").text)
    }

    // MARK: break, watch

    /// A code location from an address. `until` matches a plain number against EIP or the linear address.
    private func codeLocation(_ text: String, untilSemantics: Bool) throws -> CodeLocation {
        let spec = try AddressSpec.parse(text)
        switch spec {
        case .linear(let e):
            let v = e.evaluate(memory)
            return untilSemantics ? .offsetOrLinear(v) : .linear(v)
        case .physical(let e):
            return .physical(e.evaluate(memory))
        case .segmented(.selector(let sel), let off):
            return .selectorOffset(UInt16(truncatingIfNeeded: sel.evaluate(memory)), off.evaluate(memory))
        case .segmented(.register, _):
            guard case .linear(let la) = try memory.resolve(spec) else { throw SyntaxError("bad address") }
            return .linear(la)
        }
    }

    private func breakCommand(_ rest: String) throws {
        let (sub, arg) = Self.split(rest)
        let kind: Breakpoint.Kind
        switch sub.lowercased() {
        case "":
            throw SyntaxError("break ADDR [if EXPR] | break exception [N] | break io PORT | break mode | break cpl | break task")
        case "exception", "exc", "ex":
            if arg.isEmpty {
                kind = .exception(nil)
            } else {
                guard let v = ExpressionParser.number(arg), v < 256 else { throw SyntaxError("'\(arg)' is not a vector (0-255)") }
                kind = .exception(UInt8(v))
            }
        case "io":
            guard let v = ExpressionParser.number(arg), v <= 0xFFFF else { throw SyntaxError("break io needs a port number (0-0xFFFF)") }
            kind = .io(UInt16(v))
        case "mode": kind = .mode
        case "cpl": kind = .cpl
        case "task": kind = .task
        default:
            var addressText = rest
            var condition: Expression? = nil
            var conditionText: String? = nil
            if let r = rest.range(of: " if ") {
                addressText = String(rest[..<r.lowerBound])
                conditionText = rest[r.upperBound...].trimmingCharacters(in: .whitespaces)
                var p = ExpressionParser(conditionText!)
                condition = try p.parse()
            }
            kind = .code(try codeLocation(addressText, untilSemantics: false), condition: condition, conditionText: conditionText)
        }
        let b = session.addBreakpoint(kind)
        out.line("\(b.typeName) \(b.number): \(b.what)")
    }

    private func watchCommand(_ rest: String) throws {
        var (first, arg) = Self.split(rest)
        var kind = WatchKind.write
        if let k = WatchKind(rawValue: first.lowercased()) {
            kind = k
        } else {
            arg = rest
        }
        guard !arg.isEmpty else { throw SyntaxError("watch [r|w|rw] ADDR [LEN]") }
        // The last word is a length when there are two words and it is a number.
        var addrText = arg
        var length: UInt32 = 1
        let words = arg.split(separator: " ")
        if words.count >= 2, let n = ExpressionParser.number(String(words.last!)) {
            length = n
            addrText = words.dropLast().joined(separator: " ")
        }
        guard length >= 1 && length <= 4096 else { throw SyntaxError("a watch length must be 1 to 4096 bytes") }
        guard case .linear(let la) = try memory.resolve(try AddressSpec.parse(addrText)) else {
            throw SyntaxError("watchpoints are on linear addresses (not p:)")
        }
        let b = session.addBreakpoint(.watch(kind, linear: la, length: length))
        out.line("\(b.typeName) \(b.number): \(b.what)")
    }

    // MARK: info

    private func info(_ rest: String) throws {
        let (what, args) = Self.split(rest)
        let numbers = try args.split(separator: " ").map { t -> Int in
            guard let v = ExpressionParser.number(String(t)) else { throw SyntaxError("'\(t)' is not a number") }
            return Int(v)
        }
        let first = numbers.first, last = numbers.count > 1 ? numbers[1] : nil
        switch what.lowercased() {
        case "break", "breakpoints", "b", "watch", "watchpoints":
            session.breakpoints.listing.forEach(out.line)
        case "gdt": TableView.gdt(cpu, memory, first: first, last: last).forEach(out.line)
        case "ldt": TableView.ldt(cpu, memory, first: first, last: last).forEach(out.line)
        case "idt", "ivt": TableView.idt(cpu, memory, first: first, last: last).forEach(out.line)
        case "tss": TableView.tss(cpu, memory).forEach(out.line)
        case "registers", "regs", "r": RegisterView.general(cpu).forEach(out.line)
        default: throw SyntaxError("info break|gdt|ldt|idt|tss")
        }
    }

    // MARK: memory

    private func examine(format: String, _ rest: String) throws {
        guard !rest.isEmpty else { throw SyntaxError("x[/Nb|/Nw|/Nd] ADDR") }
        var unit = 1
        var n = 16
        if !format.isEmpty {
            var digits = format
            if let last = format.last, "bwd".contains(last) {
                unit = last == "b" ? 1 : last == "w" ? 2 : 4
                digits = String(format.dropLast())
                n = 16 / unit
            }
            if !digits.isEmpty {
                guard let v = Int(digits), v > 0 else { throw SyntaxError("x/FORMAT: a count then b, w or d (x/16b, x/4d)") }
                n = v
            }
        }
        guard n * unit <= 4096 else { throw SyntaxError("at most 4096 bytes at a time") }
        let a = try memory.resolve(try AddressSpec.parse(rest))
        let bytes = memory.read(a, count: n * unit)
        switch a {
        case .linear(let la): MemoryDump.lines(bytes, start: la, unit: unit, physical: false).forEach(out.line)
        case .physical(let pa): MemoryDump.lines(bytes, start: pa, unit: unit, physical: true).forEach(out.line)
        }
    }

    private func setCommand(_ rest: String) throws {
        guard let eq = rest.firstIndex(of: "=") else { throw SyntaxError("set ADDR = BYTE... | set REG = VALUE") }
        let left = rest[..<eq].trimmingCharacters(in: .whitespaces)
        let right = rest[rest.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard !right.isEmpty else { throw SyntaxError("set: a value is missing after '='") }
        if let reg = RegisterName(left) {
            var p = ExpressionParser(right)
            let v = try p.parse().evaluate(memory)
            try RegisterWriter.write(reg, v, session: session)
            out.line("\(left.lowercased()) = 0x\(hex(reg.read(cpu), 8))")
            return
        }
        var bytes: [UInt8] = []
        for t in right.split(whereSeparator: { $0 == " " || $0 == "," }) {
            var p = ExpressionParser(String(t))
            let v = try p.parse().evaluate(memory)
            guard v <= 0xFF else { throw SyntaxError("'\(t)' is not a byte (0-0xFF)") }
            bytes.append(UInt8(v))
        }
        let a = try memory.resolve(try AddressSpec.parse(left))
        let written: Int
        switch a {
        case .linear(let la): written = memory.writeLinear(la, bytes)
        case .physical(let pa): written = bytes.enumerated().filter { memory.writePhysical(pa &+ UInt32($0.offset), $0.element) }.count
        }
        out.line("wrote \(written) of \(bytes.count) byte\(bytes.count == 1 ? "" : "s")"
                 + (written < bytes.count ? " (the rest is ROM, a device or not mapped)" : ""))
    }

    private func disasm(_ rest: String) throws {
        let words = rest.split(separator: " ").map(String.init)
        var address: ResolvedAddress? = nil
        var n = 8
        if !words.isEmpty {
            if words.count >= 2, let c = ExpressionParser.number(words.last!) {
                n = Int(min(c, 1000))
                address = try memory.resolve(try AddressSpec.parse(words.dropLast().joined(separator: " ")))
            } else {
                address = try memory.resolve(try AddressSpec.parse(rest))
            }
        }
        session.disassembly(at: address, count: n).forEach(out.line)
    }
}
