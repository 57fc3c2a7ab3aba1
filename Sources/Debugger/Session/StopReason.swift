import Chipset
import CPUInterpreter

/// Why a run of the machine under the debugger ended.
enum StopReason {
    /// The requested number of instructions ran.
    case stepped
    case breakpoint(Int)
    /// The place `until` or `next` ran to.
    case reached(CodeLocation)
    case watch(WatchpointWatcher.Hit, old: [UInt8?], new: [UInt8?], watchLinear: UInt32)
    /// A fault held before delivery.
    case exception(Int, Fault, UInt16, UInt32)
    case io(Int, port: UInt16, size: Int, value: UInt32, write: Bool, UInt16, UInt32)
    case mode(Int, old: String, new: String)
    case cpl(Int, old: UInt8, new: UInt8)
    case task(Int, oldTR: UInt16, newTR: UInt16)
    /// Ctrl-C, the window's hot key, or a GDB interrupt.
    case interrupted
    /// The machine ended (guest exit, halt, triple fault, cycle limit).
    case ended(Machine.Outcome)

    /// The signal a GDB client sees for this stop (SIGTRAP, SIGINT, SIGSEGV for an exception).
    var gdbSignal: UInt8 {
        switch self {
        case .interrupted: return 2
        case .exception: return 11
        default: return 5
        }
    }
}

extension Machine.Outcome {
    /// For the transcript: how the machine ended.
    var debuggerDescription: String {
        switch self {
        case .guestExit(let ok, let code): return ok ? "the guest exited (port 0xF4 value 0x10: success)" : "the guest reported failure (port 0xF4 value 0x\(hex(code, 2)))"
        case .haltedWithInterruptsDisabled: return "HLT with interrupts disabled: the machine stopped"
        case .haltedIdle: return "HLT with no device that could wake the CPU: the machine stopped"
        case .tripleFault: return "triple fault: the CPU shut down"
        case .cycleLimit: return "the cycle limit was reached"
        case .stopped: return "stopped"
        }
    }
}
