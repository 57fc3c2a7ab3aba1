import Foundation
import Testing
@testable import Chipset

/// Temporary files for the disk tests: one directory per test, removed at the end.
final class ATATestFiles {
    let dir: URL

    init() {
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("pcemu-ata-tests-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Sector `lba` of a patterned image: its LBA in the first 8 bytes, then a ramp.
    static func pattern(_ lba: UInt64) -> [UInt8] {
        var s = (0..<512).map { UInt8(truncatingIfNeeded: Int(lba &* 7) &+ $0) }
        for k in 0..<8 { s[k] = UInt8(truncatingIfNeeded: lba >> (8 * UInt64(k))) }
        return s
    }

    /// A patterned image of `sectors` sectors.
    func image(_ name: String, sectors: Int) -> String {
        // Filled through a raw pointer: debug builds are slow with per-element closures.
        var d = [UInt8](repeating: 0, count: sectors * 512)
        d.withUnsafeMutableBufferPointer { p in
            for i in 0..<sectors {
                let base = i * 512
                for j in 0..<512 { p[base + j] = UInt8(truncatingIfNeeded: i &* 7 &+ j) }
                for k in 0..<8 { p[base + k] = UInt8(truncatingIfNeeded: UInt64(i) >> (8 * UInt64(k))) }
            }
        }
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(d))
        return p
    }

    func file(_ name: String, bytes: [UInt8]) -> String {
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    static func contents(_ path: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
    }
}

@Suite struct DiskImageTests {
    private func openError(_ path: String, _ mode: DiskImage.Mode) -> DiskImageError? {
        do { _ = try DiskImage(path: path, mode: mode); return nil } catch { return error }
    }

    @Test func missingFileIsNamed() {
        let f = ATATestFiles()
        let p = f.path("nope.img")
        let e = openError(p, .readOnly)
        #expect(e?.kind == .missing)
        #expect(e?.description.contains(p) == true)
    }

    @Test func truncatedImageIsRejectedWithItsName() {
        let f = ATATestFiles()
        let p = f.file("short.img", bytes: [UInt8](repeating: 0, count: 1000))
        let e = openError(p, .readWrite)
        #expect(e?.kind == .badSize)
        #expect(e?.description.contains(p) == true)
        #expect(e?.description.contains("truncated or not a disk image") == true)
        #expect(e?.description.contains("1000 bytes") == true)
    }

    @Test func emptyImageIsRejected() {
        let f = ATATestFiles()
        let p = f.file("empty.img", bytes: [])
        let e = openError(p, .snapshot)
        #expect(e?.kind == .empty)
        #expect(e?.description.contains(p) == true)
    }

    @Test func unreadableImageIsRejected() {
        // A directory cannot be a disk image (tests may run as root, so a mode-000 file
        // would still be readable).
        let f = ATATestFiles()
        let e = openError(f.dir.path, .readOnly)
        #expect(e?.kind == .unreadable)
        #expect(e?.description.contains(f.dir.path) == true)
    }

    @Test func secondWriterIsRefusedUntilTheFirstCloses() throws {
        let f = ATATestFiles()
        let p = f.image("disk.img", sectors: 16)
        let first = try DiskImage(path: p, mode: .readWrite)
        let e = openError(p, .readWrite)
        #expect(e?.kind == .locked)
        #expect(e?.description.contains(p) == true)
        // Readers that never write the file are not refused.
        #expect(openError(p, .snapshot) == nil)
        #expect(openError(p, .readOnly) == nil)
        first.close()
        #expect(openError(p, .readWrite) == nil)
    }

    @Test func snapshotNeverWritesTheFile() throws {
        let f = ATATestFiles()
        let p = f.image("disk.img", sectors: 16)
        let before = ATATestFiles.contents(p)
        let img = try DiskImage(path: p, mode: .snapshot)
        let data = [UInt8](repeating: 0xA5, count: 1024)
        try img.write(lba: 3, data)
        try img.flush()
        #expect(try img.read(lba: 3, count: 2) == data)
        // Neighbouring sectors still come from the file.
        #expect(try img.read(lba: 2, count: 1) == ATATestFiles.pattern(2))
        #expect(try img.read(lba: 5, count: 1) == ATATestFiles.pattern(5))
        #expect(img.overlaySectorCount == 2)
        img.close()
        #expect(ATATestFiles.contents(p) == before)
    }

    @Test func readWriteWritesReachTheFile() throws {
        let f = ATATestFiles()
        let p = f.image("disk.img", sectors: 16)
        let img = try DiskImage(path: p, mode: .readWrite)
        let data = [UInt8](repeating: 0x5A, count: 512)
        try img.write(lba: 15, data)
        try img.flush()
        img.close()
        let after = ATATestFiles.contents(p)
        #expect(Array(after[15 * 512 ..< 16 * 512]) == data)
        #expect(Array(after[14 * 512 ..< 15 * 512]) == ATATestFiles.pattern(14))
    }

    @Test func boundsAndWriteProtection() throws {
        let f = ATATestFiles()
        let p = f.image("disk.img", sectors: 8)
        let img = try DiskImage(path: p, mode: .readOnly)
        #expect(img.sectorCount == 8)
        #expect(try img.read(lba: 7, count: 1) == ATATestFiles.pattern(7))
        #expect(throws: DiskImageError.self) { try img.read(lba: 7, count: 2) }
        #expect(throws: DiskImageError.self) { try img.read(lba: UInt64.max, count: 2) }
        #expect(throws: DiskImageError.self) { try img.read(lba: 0, count: -1) }
        do { try img.write(lba: 0, [UInt8](repeating: 0, count: 512)); Issue.record("write allowed") }
        catch { #expect(error.kind == .writeProtected) }
    }
}
