import ArgumentParser
import CPUInterpreter
import Display

@main
struct PCEmu: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcemu",
        abstract: "A portable PC emulator in the Bochs tradition: exact x86, cycle-driven, explainable.",
        discussion: """
            With no arguments pcemu runs its embedded demo ROM and prints what the guest writes \
            to the debug console (port 0xE9). Exit status: 0 the guest asked for a clean exit; \
            1 the guest reported failure (port 0xF4 value other than 0x10); 2 triple fault; \
            3 HLT with interrupts disabled (or nothing left to wake the CPU); 4 cycle limit reached; \
            64 bad command line; 66 unreadable input file.
            """,
        version: "pcemu 0.1 (SDL \(SDLLibrary.version))",
        subcommands: [Run.self, Conformance.self, Bench.self, Lesson.self],
        defaultSubcommand: Run.self)
}

extension CPUModel: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { CPUModel.allCases.map(\.rawValue) }
}
