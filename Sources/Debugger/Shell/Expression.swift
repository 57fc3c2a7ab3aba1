import CPUInterpreter

/// Expressions of the command language: numbers, registers, flags, `cpl`, memory
/// (`byte|word|dword [ADDR]`, linear), arithmetic and comparisons, `&&` and `||`.
///
///   or   := and ('||' and)*         and := cmp ('&&' cmp)*
///   cmp  := bits (('=='|'!='|'<'|'<='|'>'|'>=') bits)?
///   bits := sum (('&'|'|'|'^') sum)*   sum := unary (('+'|'-'|'*') unary)*
///   unary := ('!'|'~'|'-') unary | NUMBER | REGISTER | SIZE? '[' or ']' | '(' or ')'
///
/// Numbers: `0x1F` or `1Fh` (hex, the h form must start with a digit), plain digits decimal.
indirect enum Expression: Equatable {
    case number(UInt32)
    case register(RegisterName)
    case memory(bytes: Int, Expression)
    case unary(String, Expression)
    case binary(String, Expression, Expression)

    func evaluate(_ memory: GuestMemory) -> UInt32 {
        let cpu = memory.cpu
        switch self {
        case .number(let v): return v
        case .register(let r): return r.read(cpu)
        case .memory(let n, let a): return memory.readLinearValue(a.evaluate(memory), bytes: n) ?? 0
        case .unary(let op, let e):
            let v = e.evaluate(memory)
            switch op {
            case "!": return v == 0 ? 1 : 0
            case "~": return ~v
            default: return 0 &- v
            }
        case .binary(let op, let l, let r):
            let a = l.evaluate(memory)
            if op == "&&" { return a != 0 && r.evaluate(memory) != 0 ? 1 : 0 }
            if op == "||" { return a != 0 || r.evaluate(memory) != 0 ? 1 : 0 }
            let b = r.evaluate(memory)
            switch op {
            case "==": return a == b ? 1 : 0
            case "!=": return a != b ? 1 : 0
            case "<": return a < b ? 1 : 0
            case "<=": return a <= b ? 1 : 0
            case ">": return a > b ? 1 : 0
            case ">=": return a >= b ? 1 : 0
            case "&": return a & b
            case "|": return a | b
            case "^": return a ^ b
            case "+": return a &+ b
            case "-": return a &- b
            default: return a &* b
            }
        }
    }
}

/// A command-language syntax error, shown to the user as it is.
struct SyntaxError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Parses numbers and expressions from the tokens of a command line.
struct ExpressionParser {
    private var tokens: [String]
    private(set) var position = 0

    init(_ text: String) { tokens = Self.tokenize(text) }

    var atEnd: Bool { position >= tokens.count }

    static func tokenize(_ text: String) -> [String] {
        var out: [String] = []
        let chars = Array(text)
        var i = 0
        let two = ["==", "!=", "<=", ">=", "&&", "||"]
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" { i += 1; continue }
            if i + 1 < chars.count, two.contains(String(chars[i...i + 1])) { out.append(String(chars[i...i + 1])); i += 2; continue }
            if "+-*&|^!~()[]<>:".contains(c) { out.append(String(c)); i += 1; continue }
            var j = i
            while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "$" || chars[j] == "." { j += 1 }
            if j == i { out.append(String(c)); i += 1; continue }
            out.append(String(chars[i..<j]))
            i = j
        }
        return out
    }

    /// A number literal: 0x1F, 1Fh (starting with a digit), or decimal digits.
    static func number(_ t: String) -> UInt32? {
        let s = t.lowercased()
        if s.hasPrefix("0x") { return UInt32(s.dropFirst(2), radix: 16) }
        if s.hasSuffix("h"), let f = s.first, f.isNumber { return UInt32(s.dropLast(), radix: 16) }
        if s.allSatisfy(\.isNumber) { return UInt32(s, radix: 10) }
        return nil
    }

    mutating func parse() throws -> Expression {
        let e = try parseOr()
        guard atEnd else { throw SyntaxError("unexpected '\(tokens[position])' in expression") }
        return e
    }

    private func peek() -> String? { position < tokens.count ? tokens[position] : nil }
    private mutating func take() -> String? {
        defer { position += 1 }
        return peek()
    }

    private mutating func binary(_ ops: Set<String>, _ next: (inout ExpressionParser) throws -> Expression) throws -> Expression {
        var left = try next(&self)
        while let t = peek(), ops.contains(t) {
            position += 1
            left = .binary(t, left, try next(&self))
        }
        return left
    }

    private mutating func parseOr() throws -> Expression { try binary(["||"]) { try $0.parseAnd() } }
    private mutating func parseAnd() throws -> Expression { try binary(["&&"]) { try $0.parseCompare() } }
    private mutating func parseCompare() throws -> Expression {
        let left = try parseBits()
        if let t = peek(), ["==", "!=", "<", "<=", ">", ">="].contains(t) {
            position += 1
            return .binary(t, left, try parseBits())
        }
        return left
    }
    private mutating func parseBits() throws -> Expression { try binary(["&", "|", "^"]) { try $0.parseSum() } }
    private mutating func parseSum() throws -> Expression { try binary(["+", "-", "*"]) { try $0.parseUnary() } }

    private mutating func parseUnary() throws -> Expression {
        guard let t = take() else { throw SyntaxError("expression ends too early") }
        switch t {
        case "!", "~", "-": return .unary(t, try parseUnary())
        case "(":
            let e = try parseOr()
            guard take() == ")" else { throw SyntaxError("missing ')'") }
            return e
        case "[":
            return try memory(4)
        default:
            let sizes = ["byte": 1, "word": 2, "dword": 4]
            if let n = sizes[t.lowercased()] {
                guard take() == "[" else { throw SyntaxError("'\(t)' must be followed by [ADDRESS]") }
                return try memory(n)
            }
            if let v = Self.number(t) { return .number(v) }
            if let r = RegisterName(t) { return .register(r) }
            throw SyntaxError("'\(t)' is not a number or a register name")
        }
    }

    private mutating func memory(_ n: Int) throws -> Expression {
        let a = try parseOr()
        guard take() == "]" else { throw SyntaxError("missing ']'") }
        return .memory(bytes: n, a)
    }
}
