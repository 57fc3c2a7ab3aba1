import Foundation
import Testing
@testable import Conformance
import CPUInterpreter

@Suite struct MooFileTests {
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/conformance/singlestep/80286").path

    /// A minimal MOO file with one test: `mov ax, 1234h ; hlt` at 0000:0100.
    static func tinyFile(truncateBy: Int = 0) -> [UInt8] {
        func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func u16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func chunk(_ t: String, _ p: [UInt8]) -> [UInt8] { Array(t.utf8) + u32(p.count) + p }
        let code: [UInt8] = [0xB8, 0x34, 0x12, 0xF4]
        var regs = u16(0x3FFF)
        for r in 0..<14 { regs += u16(r == 12 ? 0x100 : (r == 13 ? 0x2 : (r == 8 ? 0x1000 : 0))) }
        var ram = u32(code.count)
        for (k, b) in code.enumerated() { ram += u32(0x100 + k) + [b] }
        let initial = chunk("REGS", regs) + chunk("RAM ", ram) + chunk("QUEU", u32(0))
        let final = chunk("REGS", u16(1 | 1 << 12) + u16(0x1234) + u16(0x104)) + chunk("RAM ", u32(0))
        let name = Array("mov ax,1234h".utf8)
        let test = u32(0) + chunk("NAME", u32(name.count) + name) + chunk("BYTS", u32(code.count) + code)
            + chunk("INIT", initial) + chunk("FINA", final) + chunk("CYCL", u32(0))
        let file = chunk("MOO ", [1, 0, 0, 0] + u32(1) + Array("C286".utf8)) + chunk("TEST", test)
        return Array(file.dropLast(truncateBy))
    }

    @Test func parsesAndRunsATinyFile() throws {
        let file = try MooFile(bytes: Self.tinyFile(), name: "tiny")
        #expect(file.tests.count == 1)
        #expect(file.tests[0].name == "mov ax,1234h")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moo-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{\"opcodes\": {}}".utf8).write(to: dir.appendingPathComponent("metadata.json"))
        try Data(Self.tinyFile()).write(to: dir.appendingPathComponent("B8.MOO"))
        let runner = try SingleStepRunner(directory: dir.path, model: .i286)
        let r = try runner.run(path: dir.appendingPathComponent("B8.MOO").path)
        #expect(r.passed == 1 && r.total == 1)
    }

    @Test func truncatedFilesAreRejectedWithTheirName() {
        for cut in [1, 5, 30] {
            #expect(throws: MooFormatError.self) { try MooFile(bytes: Self.tinyFile(truncateBy: cut), name: "cut.MOO") }
        }
        do {
            _ = try MooFile(bytes: Self.tinyFile(truncateBy: 5), name: "cut.MOO")
        } catch {
            #expect(error.description.contains("cut.MOO"))
        }
        #expect(throws: MooFormatError.self) { try MooFile(bytes: Array("not a moo file".utf8), name: "x") }
    }

    @Test func corruptGzipIsAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(getpid()).MOO.gz").path
        var gz: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03]
        gz += [UInt8](repeating: 0xFF, count: 64)
        FileManager.default.createFile(atPath: path, contents: Data(gz))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: GzipFile.ReadError.self) { try GzipFile.read(path) }
        #expect(throws: GzipFile.ReadError.self) { try GzipFile.read("/nonexistent/file.MOO.gz") }
    }

    /// One real vector file from the recorded 80286, when ../shared is present.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: vectors)))
    func aRealVectorFilePasses() throws {
        let runner = try SingleStepRunner(directory: Self.vectors, model: .i286)
        let r = try runner.run(path: Self.vectors + "/02.MOO.gz")
        #expect(r.total == 2000)
        #expect(r.passed == 2000)
    }
}
