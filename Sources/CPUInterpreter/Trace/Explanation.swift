/// Text for the explain trace: one protection check in one line, and the SDM rule under it.
///
///   [explain] CS:EIP=001B:00001012 call gate DPL >= CPL, RPL: PASS  call gate selector=0x0023 (index 4, GDT, RPL 3) DPL=3 CPL=3 RPL=3
///             SDM 3 5.8.4: call gate needs DPL >= CPL and DPL >= RPL, else #GP(gate selector)
extension ProtectionCheck {
    public func explanation(codeSelector: UInt16) -> String {
        let verdict = passed ? "PASS" : "FAIL -> \(fault.map(Self.describe) ?? "fault")"
        return "[explain] \(hex(codeSelector, 4)):\(hex(instructionAddress, 8)) \(rule.rawValue): \(verdict)  \(facts)\n"
            + "          \(rule.sdm)"
    }

    static func describe(_ f: Fault) -> String {
        f.hasErrorCode ? "\(f.mnemonic)(0x\(hex(f.errorCode, 4)))" : f.mnemonic
    }
}

func hex<T: BinaryInteger>(_ v: T, _ digits: Int) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - s.count)) + s
}

/// An observer that turns every check into explain text.
public final class ExplainPrinter: ProtectionObserver {
    public var write: (String) -> Void
    public var includePassing: Bool
    private unowned let cpu: CPU

    public init(cpu: CPU, includePassing: Bool = true, write: @escaping (String) -> Void) {
        self.cpu = cpu
        self.includePassing = includePassing
        self.write = write
    }

    public func observe(_ check: ProtectionCheck) {
        guard includePassing || !check.passed else { return }
        write(check.explanation(codeSelector: cpu.segSelector[Seg.cs]) + "\n")
    }
}

/// Counts how often each rule passed and failed (`pcemu --rule-summary`, coverage tests).
public final class RuleTally: ProtectionObserver {
    public private(set) var passed: [Rule: Int] = [:]
    public private(set) var failed: [Rule: Int] = [:]
    public var next: ProtectionObserver?

    public init(next: ProtectionObserver? = nil) { self.next = next }

    public func observe(_ check: ProtectionCheck) {
        if check.passed { passed[check.rule, default: 0] += 1 } else { failed[check.rule, default: 0] += 1 }
        next?.observe(check)
    }

    /// One line per rule: "rule  passed N  failed M".
    public var summary: String {
        Rule.allCases.map { r in
            r.rawValue + String(repeating: " ", count: max(1, 32 - r.rawValue.count)) + "passed \(passed[r] ?? 0)  failed \(failed[r] ?? 0)"
        }.joined(separator: "\n")
    }
}
