// A floppy disk as a raw sector image ("dd" image): sectors stored in CHS order
// (cylinder, then head, then sector 1...SPT), 512 bytes each, the geometry recognised from
// the file size, as DOS formats them:
//
//   size        cyl heads spt  medium                         data rate (kbit/s)
//   160 KiB      40   1    8   5.25" SS/DD                    250 (360K drive) / 300 (1.2M drive)
//   180 KiB      40   1    9   5.25" SS/DD                    250 / 300
//   320 KiB      40   2    8   5.25" DS/DD                    250 / 300
//   360 KiB      40   2    9   5.25" DS/DD                    250 / 300
//   720 KiB      80   2    9   3.5"  DS/DD                    250
//   1200 KiB     80   2   15   5.25" DS/HD                    500
//   1440 KiB     80   2   18   3.5"  DS/HD                    500
//   1680 KiB     80   2   21   3.5"  DMF (Microsoft)          500
//   2880 KiB     80   2   36   3.5"  DS/ED                    1000
//
// The contents live in memory; writes mark the image dirty and `flush()` writes it back to
// its file (unless the image was opened read-only or as a snapshot, whose writes stay in
// memory). Any other size is refused with an error naming the file.

import Foundation

public struct FloppyGeometry: Equatable, Sendable, CustomStringConvertible {
    public let cylinders: Int
    public let heads: Int
    public let sectorsPerTrack: Int
    /// Data rates (kbit/s) at which a controller can read this medium.
    public let dataRates: [Int]
    public let name: String

    public static let bytesPerSector = 512
    public var totalSectors: Int { cylinders * heads * sectorsPerTrack }
    public var byteCount: Int { totalSectors * Self.bytesPerSector }
    public var description: String { "\(name) (\(cylinders)/\(heads)/\(sectorsPerTrack))" }

    public static let all: [FloppyGeometry] = [
        FloppyGeometry(cylinders: 40, heads: 1, sectorsPerTrack: 8, dataRates: [250, 300], name: "160K"),
        FloppyGeometry(cylinders: 40, heads: 1, sectorsPerTrack: 9, dataRates: [250, 300], name: "180K"),
        FloppyGeometry(cylinders: 40, heads: 2, sectorsPerTrack: 8, dataRates: [250, 300], name: "320K"),
        FloppyGeometry(cylinders: 40, heads: 2, sectorsPerTrack: 9, dataRates: [250, 300], name: "360K"),
        FloppyGeometry(cylinders: 80, heads: 2, sectorsPerTrack: 9, dataRates: [250], name: "720K"),
        FloppyGeometry(cylinders: 80, heads: 2, sectorsPerTrack: 15, dataRates: [500], name: "1.2M"),
        FloppyGeometry(cylinders: 80, heads: 2, sectorsPerTrack: 18, dataRates: [500], name: "1.44M"),
        FloppyGeometry(cylinders: 80, heads: 2, sectorsPerTrack: 21, dataRates: [500], name: "1.68M DMF"),
        FloppyGeometry(cylinders: 80, heads: 2, sectorsPerTrack: 36, dataRates: [1000], name: "2.88M"),
    ]

    /// The geometry of an image of `size` bytes, or nil when no standard format has that size.
    public static func forImageSize(_ size: Int) -> FloppyGeometry? {
        all.first { $0.byteCount == size }
    }

    /// Byte offset of sector (c, h, r) with r counted from 1, or nil outside the medium.
    public func offset(cylinder c: Int, head h: Int, sector r: Int) -> Int? {
        guard (0..<cylinders).contains(c), (0..<heads).contains(h), (1...sectorsPerTrack).contains(r) else { return nil }
        return ((c * heads + h) * sectorsPerTrack + (r - 1)) * Self.bytesPerSector
    }
}

public enum FloppyImageError: Error, Equatable, CustomStringConvertible {
    case unsupportedSize(file: String, size: Int)
    case unreadable(file: String, reason: String)
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupportedSize(file, size):
            let sizes = FloppyGeometry.all.map { "\($0.name) = \($0.byteCount)" }.joined(separator: ", ")
            return "\(file): \(size) bytes is not the size of a floppy image (expected one of: \(sizes))"
        case let .unreadable(file, reason): return "\(file): cannot read floppy image: \(reason)"
        case let .writeFailed(file, reason): return "\(file): cannot write floppy image: \(reason)"
        }
    }
}

public final class FloppyImage {
    public let geometry: FloppyGeometry
    /// The medium is write-protected (the tab is open): writes and formats fail with NW.
    public let readOnly: Bool
    /// The file writes go back to, nil for an image kept only in memory (snapshot, tests).
    public let path: String?
    /// The name used in messages.
    public let name: String
    public private(set) var bytes: [UInt8]
    /// Sectors were written since the last flush.
    public private(set) var dirty = false

    /// An image held in memory only (`flush()` does nothing).
    public init(bytes: [UInt8], readOnly: Bool = false, name: String = "(memory)") throws(FloppyImageError) {
        guard let g = FloppyGeometry.forImageSize(bytes.count) else {
            throw .unsupportedSize(file: name, size: bytes.count)
        }
        geometry = g
        self.bytes = bytes
        self.readOnly = readOnly
        self.name = name
        path = nil
    }

    /// Opens an image file. With `snapshot`, guest writes stay in memory and the file is
    /// never written.
    public init(contentsOf path: String, readOnly: Bool = false, snapshot: Bool = false) throws(FloppyImageError) {
        let data: Data
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .unreadable(file: path, reason: "it is a directory, not an image file")
        }
        // open(2) first: its errno says why a file cannot be read (Foundation's error does not).
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .unreadable(file: path, reason: String(cString: strerror(errno))) }
        close(fd)
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(file: path, reason: error.localizedDescription)
        }
        guard let g = FloppyGeometry.forImageSize(data.count) else {
            throw .unsupportedSize(file: path, size: data.count)
        }
        if !readOnly && !snapshot && !FileManager.default.isWritableFile(atPath: path) {
            throw .unreadable(file: path, reason: "the file is not writable (open it read-only)")
        }
        geometry = g
        bytes = [UInt8](data)
        self.readOnly = readOnly
        self.path = snapshot || readOnly ? nil : path
        name = path
    }

    /// The 512 bytes of sector (c, h, r), or nil outside the medium.
    public func readSector(cylinder c: Int, head h: Int, sector r: Int) -> ArraySlice<UInt8>? {
        guard let o = geometry.offset(cylinder: c, head: h, sector: r) else { return nil }
        return bytes[o ..< o + FloppyGeometry.bytesPerSector]
    }

    /// Stores a sector (short data is padded with zeros). False if read-only or outside.
    @discardableResult
    public func writeSector(cylinder c: Int, head h: Int, sector r: Int, _ data: [UInt8]) -> Bool {
        guard !readOnly, let o = geometry.offset(cylinder: c, head: h, sector: r) else { return false }
        for i in 0..<FloppyGeometry.bytesPerSector {
            bytes[o + i] = i < data.count ? data[i] : 0
        }
        dirty = true
        return true
    }

    /// Writes the contents back to the file if anything changed.
    public func flush() throws(FloppyImageError) {
        guard dirty else { return }
        guard let path else { dirty = false; return }
        do {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? h.close() }
            try h.seek(toOffset: 0)
            try h.write(contentsOf: Data(bytes))
            try h.synchronize()
        } catch {
            throw .writeFailed(file: path, reason: error.localizedDescription)
        }
        dirty = false
    }
}
