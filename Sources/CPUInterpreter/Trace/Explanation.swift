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

    public func delivered(_ delivery: InterruptDelivery) {
        guard includePassing || delivery.source == .exception else { return }
        write(delivery.explanation(cr2: cpu.cr2) + "\n")
    }
}

/// Text for a delivery: what was raised (with the error code decoded), the table entry and
/// gate, the stack, what was pushed and which flags were cleared.
///
///   [explain] 001B:000000B0 exception #GP(0x0038) (vector 13) delivered to 0008:000000DD
///             error code 0x0038: selector index 7 in the GDT, EXT=0
///             IDT[13] at 00002068: 32-bit interrupt gate, DPL 0 -> 0008:000000DD
///             stack switch CPL 3 -> 0: SS:ESP from the TSS (SS0:ESP0) = 0010:00009000
///             pushed (4 bytes each): SS=0023 ESP=00008000 EFLAGS=00000002 CS=001B EIP=000000B0 error code=00000038
///             now SS:ESP=0010:00008FE8; cleared IF TF NT RF VM
extension InterruptDelivery {
    public func explanation(cr2: UInt32) -> String {
        let indent = "\n          "
        var what: String
        switch source {
        case .exception: what = "exception \(Self.mnemonic(vector, errorCode)) (vector \(vector))"
        case .softwareInterrupt: what = "INT 0x\(hex(vector, 2)) (vector \(vector))"
        case .hardwareInterrupt: what = "hardware interrupt, vector 0x\(hex(vector, 2)) (\(vector))"
        }
        let target = "\(hex(handlerSelector, 4)):\(hex(handlerOffset, 8))"
        var text = "[explain] \(hex(fromSelector, 4)):\(hex(instructionAddress, 8)) \(what) delivered to \(target)"
        if let code = errorCode {
            text += indent + "error code 0x\(hex(code, 4)): " + Self.describeErrorCode(vector: vector, code, cr2: cr2)
        }
        if realMode {
            text += indent + "IVT[\(vector)] at \(hex(entryAddress, 8)) -> \(target)"
        } else if let tss = taskSelector {
            text += indent + "IDT[\(vector)] at \(hex(entryAddress, 8)): \(gateType), DPL \(gateDPL) -> task switch to TSS \(hex(tss, 4)), which runs at \(target)"
        } else {
            text += indent + "IDT[\(vector)] at \(hex(entryAddress, 8)): \(gateType), DPL \(gateDPL) -> \(target)"
        }
        if let sw = stackSwitch {
            text += indent + "stack switch CPL \(sw.fromCPL) -> \(sw.toCPL): SS:ESP from the TSS (SS\(sw.toCPL):ESP\(sw.toCPL)) = \(hex(sw.selector, 4)):\(hex(sw.pointer, 8))"
        } else if !realMode && taskSelector == nil {
            text += indent + "no stack switch (handler at the same privilege level)"
        }
        if !pushed.isEmpty {
            let width = pushWidth == 4 ? "4 bytes each" : "2 bytes each"
            let selectors: Set<String> = ["SS", "CS", "DS", "ES", "FS", "GS"]
            let values = pushed.map { "\($0.name)=\(hex($0.value, selectors.contains($0.name) ? 4 : pushWidth * 2))" }
            text += indent + "pushed (\(width)\(taskSelector != nil ? ", on the new task's stack" : "")): " + values.joined(separator: " ")
        }
        let sp = realMode ? "SS:SP=\(hex(stackSelector, 4)):\(hex(stackPointer & 0xFFFF, 4))" : "SS:ESP=\(hex(stackSelector, 4)):\(hex(stackPointer, 8))"
        text += indent + "now " + sp + (clearedFlags.isEmpty ? "" : "; cleared " + clearedFlags.joined(separator: " "))
        return text
    }

    static func mnemonic(_ vector: UInt8, _ code: UInt32?) -> String {
        let f = Fault(vector, errorCode: code)
        return ProtectionCheck.describe(f)
    }

    /// The error code decoded (SDM vol. 3, 6.13 and 4.7): a selector index with its table and
    /// EXT bit, or for #PF the P, W/R and U/S bits and CR2.
    public static func describeErrorCode(vector: UInt8, _ code: UInt32, cr2: UInt32) -> String {
        if vector == 14 {
            let p = code & 1 != 0 ? "P=1 protection violation" : "P=0 page not present"
            let w = code & 2 != 0 ? "W/R=1 write" : "W/R=0 read"
            let u = code & 4 != 0 ? "U/S=1 user mode (CPL 3)" : "U/S=0 supervisor mode"
            return "\(p), \(w), \(u); CR2=\(hex(cr2, 8))"
        }
        if code & 0xFFFC == 0 && code & 2 == 0 {
            return "no selector (0)" + (code & 1 != 0 ? ", EXT=1 (raised while delivering an external event)" : "")
        }
        let ext = "EXT=\(code & 1)"
        if code & 2 != 0 { return "IDT vector \((code >> 3) & 0x1FFF), \(ext)" }
        return "selector index \((code >> 3) & 0x1FFF) in the \(code & 4 != 0 ? "LDT" : "GDT"), \(ext)"
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

    public func delivered(_ delivery: InterruptDelivery) { next?.delivered(delivery) }

    /// One line per rule: "rule  passed N  failed M".
    public var summary: String {
        Rule.allCases.map { r in
            r.rawValue + String(repeating: " ", count: max(1, 32 - r.rawValue.count)) + "passed \(passed[r] ?? 0)  failed \(failed[r] ?? 0)"
        }.joined(separator: "\n")
    }
}
