import Foundation
import Testing

/// Runs the built `pcemu` executable the way a user does and checks its output and exit status.
@Suite struct CommandLineTests {
    static var binary: String {
        // The test bundle sits next to the built products.
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var url = dir
        while url.path != "/" {
            let candidate = url.appendingPathComponent("pcemu").path
            if FileManager.default.isExecutableFile(atPath: candidate) && !candidate.hasSuffix(".xctest") { return candidate }
            url = url.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/pcemu").path
    }

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    static func run(_ args: [String]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A 64 KiB ROM whose reset vector (F000:FFF0) runs `code`.
    static func rom(_ code: [UInt8]) throws -> String {
        var image = [UInt8](repeating: 0xF4, count: 65536)
        for (k, b) in code.enumerated() { image[0xFFF0 + k] = b }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rom-\(UUID().uuidString).bin").path
        FileManager.default.createFile(atPath: path, contents: Data(image))
        return path
    }

    @Test func theEmbeddedDemoRunsAndExitsCleanly() throws {
        let r = try Self.run([])
        #expect(r.status == 0)
        #expect(r.stdout.contains("pcemu demo ROM: real-mode x86 running."))
        #expect(r.stdout.contains("Sum of 1..100 = 5050"))
    }

    @Test func guestExitStatuses() throws {
        // mov al,11h ; out F4h,al ; hlt  -> guest failure
        let failing = try Self.rom([0xB0, 0x11, 0xE6, 0xF4, 0xF4])
        #expect(try Self.run(["--bios", failing]).status == 1)
        // cli ; hlt  -> halted with interrupts disabled
        let halting = try Self.rom([0xFA, 0xF4])
        let h = try Self.run(["--bios", halting])
        #expect(h.status == 3)
        #expect(h.stderr.contains("HLT with interrupts disabled"))
        // jmp $  -> cycle limit
        let spinning = try Self.rom([0xEB, 0xFE])
        #expect(try Self.run(["--bios", spinning, "--max-cycles", "100000"]).status == 4)
        // lidt [cs:zero-limit] then int3: #GP on the vector, #DF, then shutdown (triple fault)
        // FFF0: 2E 0F 01 1E F8 FF   lidt cs:[FFF8]   ; FFF6: CC int3 ; FFF8: 00 00 00 00 00 00
        let triple = try Self.rom([0x2E, 0x0F, 0x01, 0x1E, 0xF8, 0xFF, 0xCC, 0xF4, 0, 0, 0, 0, 0, 0])
        let t = try Self.run(["--bios", triple, "--no-reboot"])
        #expect(t.status == 2)
        #expect(t.stderr.contains("triple fault"))
        // Without --no-reboot the board resets and the ROM runs again, until the cycle limit.
        let again = try Self.run(["--bios", triple, "--max-cycles", "20000"])
        #expect(again.status == 4)
        for p in [failing, halting, spinning, triple] { try? FileManager.default.removeItem(atPath: p) }
    }

    @Test func badInputGetsAClearMessage() throws {
        let cpu = try Self.run(["--cpu", "8086"])
        #expect(cpu.status != 0)
        #expect(cpu.stderr.contains("8086"))
        let missing = try Self.run(["--bios", "/nonexistent/rom.bin"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/nonexistent/rom.bin"))
        let small = FileManager.default.temporaryDirectory.appendingPathComponent("small-\(getpid()).bin").path
        FileManager.default.createFile(atPath: small, contents: Data(count: 1000))
        defer { try? FileManager.default.removeItem(atPath: small) }
        let wrongSize = try Self.run(["--bios", small])
        #expect(wrongSize.status == 66)
        #expect(wrongSize.stderr.contains("64 KiB or 128 KiB"))
        let noDir = try Self.run(["conformance", "singlestep", "/nonexistent/vectors"])
        #expect(noDir.status == 66)
        #expect(noDir.stderr.contains("no such directory"))
        let badCPU = try Self.run(["conformance", "singlestep", "/tmp", "--cpu", "z80"])
        #expect(badCPU.status != 0)
        #expect(badCPU.stderr.contains("z80"))
    }

    @Test func truncatedVectorFileIsReportedNotCrashed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vec-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{\"opcodes\": {}}".utf8).write(to: dir.appendingPathComponent("metadata.json"))
        try Data(Array("MOO ".utf8) + [12, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0] + Array("C286TEST".utf8) + [200, 0, 0, 0, 1])
            .write(to: dir.appendingPathComponent("90.MOO"))
        let r = try Self.run(["conformance", "singlestep", dir.path])
        #expect(r.status == 66)
        #expect(r.stdout.contains("90.MOO") && r.stdout.contains("ERROR"))
    }
}
