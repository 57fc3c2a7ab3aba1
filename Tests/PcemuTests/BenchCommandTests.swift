import Foundation
import Testing

/// `pcemu bench --debugger` on one-iteration builds of the benchmark ROMs: the plain runs and
/// the runs under an idle debugger session must both print the checksum QEMU prints for the
/// same ROM, and do the same instructions. (Timing is reported, never asserted.)
@Suite struct BenchCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Assembles testroms/NAME.asm with -DITERS=1 into a temporary file (needs Debian's nasm).
    static func oneIteration(_ name: String) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-iters1-\(UUID().uuidString).bin").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/nasm")
        p.currentDirectoryURL = root.appendingPathComponent("testroms")
        p.arguments = ["-f", "bin", "-DITERS=1", "-o", out, "\(name).asm"]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return out
    }

    /// Checksums printed under QEMU 7.2 (Debian), e.g. for pm32:
    ///   nasm -f bin -DITERS=1 -o pm32-1.bin bench-pm32.asm
    ///   qemu-system-i386 -bios pm32-1.bin -m 16 -display none -chardev stdio,id=c \
    ///     -device isa-debugcon,chardev=c,iobase=0xe9 -device isa-debug-exit,iobase=0xf4,iosize=1
    @Test(arguments: [("bench-pm32", "0x263EE1F6"), ("bench-rings", "0x855C15EC")])
    func idleDebuggerRunPrintsTheReferenceChecksum(rom: String, checksum: String) throws {
        let path = try Self.oneIteration(rom)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CommandLineTests.run(["bench", "--debugger", "--runs", "1", path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let plain = lines.filter { $0.contains("[386]:") }
        let idle = lines.filter { $0.contains("[386, idle debugger]:") }
        #expect(plain.count == 1 && plain.first?.hasSuffix("BENCH result checksum=\(checksum)") == true, "\(r.stdout)")
        #expect(idle.count == 1 && idle.first?.hasSuffix("BENCH result checksum=\(checksum)") == true, "\(r.stdout)")
        #expect(lines.contains { $0.hasPrefix("  idle debugger vs plain: wall ") }, "\(r.stdout)")
    }

    @Test func aBadWorkloadGetsAClearMessage() throws {
        let unknown = try CommandLineTests.run(["bench", "--debugger", "nosuchworkload"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown workload 'nosuchworkload'"))
        let missing = try CommandLineTests.run(["bench", "--debugger", "/nonexistent/w.bin"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no such file"))
    }
}
