import ArgumentParser
import Chipset
import Foundation

/// pcemu's exit statuses (documented in the README and in `pcemu --help`).
enum ExitStatus {
    static let guestSuccess: Int32 = 0
    static let guestFailure: Int32 = 1
    static let tripleFault: Int32 = 2
    static let halted: Int32 = 3
    static let cycleLimit: Int32 = 4
    static let usage: Int32 = 64
    static let noInput: Int32 = 66

    static func of(_ outcome: Machine.Outcome) -> Int32 {
        switch outcome {
        case .guestExit(let ok, _): return ok ? guestSuccess : guestFailure
        case .tripleFault: return tripleFault
        case .haltedWithInterruptsDisabled, .haltedIdle: return halted
        case .cycleLimit: return cycleLimit
        case .stopped: return guestSuccess
        }
    }
}

/// Prints `message` to standard error and exits with `status`.
func fail(_ message: String, status: Int32) -> ExitCode {
    FileHandle.standardError.write(Data(("pcemu: " + message + "\n").utf8))
    return ExitCode(status)
}

func readInputFile(_ path: String, what: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else {
        throw fail("\(what) '\(path)': no such file", status: ExitStatus.noInput)
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw fail("\(what) '\(path)': cannot read it (permissions?)", status: ExitStatus.noInput)
    }
    return [UInt8](data)
}
