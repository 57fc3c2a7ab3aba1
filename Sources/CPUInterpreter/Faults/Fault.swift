/// An exception raised while executing an instruction (Intel SDM vol. 3, ch. 6).
/// Thrown with typed throws so the hot path never allocates; caught once per
/// instruction by the interpreter loop, which delivers it through the IVT/IDT.
public struct Fault: Error, Equatable, Sendable {
    public let vector: UInt8
    public let errorCode: UInt32
    public let hasErrorCode: Bool

    @inlinable public init(_ vector: UInt8, errorCode: UInt32? = nil) {
        self.vector = vector
        self.errorCode = errorCode ?? 0
        self.hasErrorCode = errorCode != nil
    }

    public static let divideError = Fault(0)           // #DE
    public static let debug = Fault(1)                 // #DB
    public static let breakpoint = Fault(3)            // #BP
    public static let overflow = Fault(4)              // #OF
    public static let boundRange = Fault(5)            // #BR
    public static let invalidOpcode = Fault(6)         // #UD
    public static let deviceNotAvailable = Fault(7)    // #NM
    public static func doubleFault() -> Fault { Fault(8, errorCode: 0) }             // #DF
    public static func invalidTSS(_ c: UInt32) -> Fault { Fault(10, errorCode: c) }   // #TS
    public static func segmentNotPresent(_ c: UInt32) -> Fault { Fault(11, errorCode: c) } // #NP
    public static func stackFault(_ c: UInt32) -> Fault { Fault(12, errorCode: c) }   // #SS
    public static func generalProtection(_ c: UInt32) -> Fault { Fault(13, errorCode: c) } // #GP
    public static func pageFault(_ c: UInt32) -> Fault { Fault(14, errorCode: c) }    // #PF

    /// Mnemonic as the SDM names the vector.
    public var mnemonic: String {
        switch vector {
        case 0: return "#DE"
        case 1: return "#DB"
        case 2: return "NMI"
        case 3: return "#BP"
        case 4: return "#OF"
        case 5: return "#BR"
        case 6: return "#UD"
        case 7: return "#NM"
        case 8: return "#DF"
        case 10: return "#TS"
        case 11: return "#NP"
        case 12: return "#SS"
        case 13: return "#GP"
        case 14: return "#PF"
        case 16: return "#MF"
        case 17: return "#AC"
        default: return "INT \(vector)"
        }
    }

    /// Exception classes for the double-fault rules (SDM vol. 3, table 6-5).
    enum Class { case benign, contributory, pageFault }
    var faultClass: Class {
        switch vector {
        case 0, 10, 11, 12, 13: return .contributory
        case 14: return .pageFault
        default: return .benign
        }
    }
}

/// Why `CPU.run` returned.
public enum StopReason: Equatable, Sendable {
    case cycleBudget          // reached the requested cycle count
    case halted               // HLT executed (and no interrupt woke the CPU)
    case shutdown             // triple fault: the CPU stopped; the board decides what next
    case requested            // the host asked the CPU to stop (stopRequested)
}
