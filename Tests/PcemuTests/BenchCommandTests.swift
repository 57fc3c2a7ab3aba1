import Foundation
import Testing

/// `pcemu bench --debugger` on one-iteration builds of the benchmark ROMs: the plain runs and
/// the runs under an idle debugger session must both print the checksum QEMU prints for the
/// same ROM, and do the same instructions. (Timing is reported, never asserted.)
@Suite struct BenchCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Assembles `source` with -DITERS=`iterations` into a temporary file named `name`-...`ext`
    /// (needs Debian's nasm); `include` is nasm's include directory.
    static func assemble(_ source: String, include: String, iterations: Int, name: String, ext: String) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(iterations)-\(UUID().uuidString).\(ext)").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/nasm")
        p.arguments = ["-f", "bin", "-DITERS=\(iterations)", "-I\(include)/", "-o", out, source]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return out
    }

    /// testroms/NAME.asm with -DITERS=1.
    static func oneIteration(_ name: String) throws -> String {
        let dir = root.appendingPathComponent("testroms").path
        return try assemble("\(dir)/\(name).asm", include: dir, iterations: 1, name: name, ext: "bin")
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

    static let sharedBench = root.deletingLastPathComponent().appendingPathComponent("shared/bench").path

    /// ../shared/bench/guest/VARIANT.asm with -DITERS=n: a floppy image (as `peers.sh build` makes).
    static func sharedGuest(_ variant: String, iterations: Int) throws -> String {
        let dir = sharedBench + "/guest"
        return try assemble("\(dir)/\(variant).asm", include: dir, iterations: iterations, name: variant, ext: "img")
    }

    /// The shared guests, at the iteration counts `expected.txt` lists for short runs, boot
    /// from their floppy images under `pcemu bench` and print the checksums Bochs and QEMU
    /// print; a table that says otherwise fails the run. The images are left unchanged.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedBench + "/expected.txt")))
    func sharedGuestsFromFloppyImages() throws {
        let images = try [("realmode", 100), ("pm32", 50), ("protect", 1000)].map { try Self.sharedGuest($0.0, iterations: $0.1) }
        defer { for i in images { try? FileManager.default.removeItem(atPath: i) } }
        let before = try images.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let r = try CommandLineTests.run(["bench", "--runs", "1", "--cpu", "pentium", "--expected", Self.sharedBench + "/expected.txt"] + images)
        #expect(r.status == 0, "\(r.stderr)")
        let verdicts = r.stdout.split(separator: "\n").filter { $0.contains("[pentium]: PCBENCH result") }
        #expect(verdicts.count == 3 && verdicts.allSatisfy { $0.hasSuffix("(expected)") }, "\(r.stdout)")
        #expect(try images.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == before)

        let wrong = FileManager.default.temporaryDirectory.appendingPathComponent("expected-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: wrong) }
        try "protect 1000 0x12345678\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let bad = try CommandLineTests.run(["bench", "--runs", "1", "--cpu", "pentium", "--expected", wrong, images[2]])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("expected checksum=0x12345678"), "\(bad.stderr)")
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
