// DiskImage — a raw disk image file (hard disk or CD-ROM ISO) behind the storage devices.
//
// Not a chip: this is the host side of the ATA/ATAPI devices (ATAController.swift,
// ATAPICDROM.swift). Behaviour follows issue 4, "Disk images safely":
//   - raw images, 512-byte sectors, addressed by LBA; a CD image (ISO 9660, 2048-byte
//     blocks) is read as four 512-byte sectors per block;
//   - opened read-write only when the caller asks (`.readWrite`); `.readOnly` refuses
//     writes; `.snapshot` never writes the file: writes go into an in-memory
//     copy-on-write overlay, one 512-byte sector per entry, and reads prefer it;
//   - a writer takes an advisory lock, flock(2) LOCK_EX | LOCK_NB, so a second pcemu
//     that asks to write the same image fails at once with an error naming the file.
//     flock locks belong to the open file description, so two writers in one process
//     conflict as well. Read-only and snapshot users take no lock (they never write);
//   - `flush()` (guest FLUSH CACHE, and `close()` on exit) pushes writes to stable
//     storage with fsync(2);
//   - a missing file, an unreadable file, a zero-length file and a file whose size is not
//     a multiple of 512 each get an error whose message names the file;
//   - reads and writes are bounds-checked: an address past the end is an error value
//     (the ATA device turns it into IDNF), never a trap.
//
// Register map: none (host-side object, no I/O ports).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a disk image could not be opened, read or written. `description` names the file.
public struct DiskImageError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case missing, unreadable, empty, badSize, locked, writeProtected, outOfRange, io, closed
    }
    public let kind: Kind
    public let path: String
    public let description: String

    init(_ kind: Kind, _ path: String, _ message: String) {
        self.kind = kind
        self.path = path
        self.description = message
    }
}

public final class DiskImage {
    public enum Mode: Sendable {
        /// Guest writes fail (the device reports an error); the file is opened O_RDONLY.
        case readOnly
        /// Guest writes go to the file; the image is locked against other writers.
        case readWrite
        /// The file is opened O_RDONLY and never written; guest writes live in memory.
        case snapshot
    }

    public static let sectorSize = 512

    public let path: String
    public let mode: Mode
    /// Size of the image in 512-byte sectors.
    public let sectorCount: UInt64
    private var fd: Int32
    /// Snapshot mode: sectors written by the guest, keyed by LBA, 512 bytes each.
    private var overlay: [UInt64: [UInt8]] = [:]

    /// Sectors held in the snapshot overlay (0 outside snapshot mode).
    public var overlaySectorCount: Int { overlay.count }
    public var isWritable: Bool { mode != .readOnly }

    public init(path: String, mode: Mode) throws(DiskImageError) {
        self.path = path
        self.mode = mode
        let flags = mode == .readWrite ? O_RDWR : O_RDONLY
        let fd = open(path, flags | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            if e == ENOENT {
                throw DiskImageError(.missing, path, "disk image '\(path)' does not exist")
            }
            throw DiskImageError(.unreadable, path,
                                 "cannot open disk image '\(path)'\(mode == .readWrite ? " for writing" : ""): \(Self.errorText(e))")
        }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let e = errno
            _ = closeDescriptor(fd)
            throw DiskImageError(.unreadable, path, "cannot examine disk image '\(path)': \(Self.errorText(e))")
        }
        let isRegular = (st.st_mode & S_IFMT) == S_IFREG
        let isBlock = (st.st_mode & S_IFMT) == S_IFBLK
        guard isRegular || isBlock else {
            _ = closeDescriptor(fd)
            throw DiskImageError(.unreadable, path, "disk image '\(path)' is not a regular file")
        }
        var size = Int64(st.st_size)
        if isBlock {
            size = Int64(lseek(fd, 0, SEEK_END))
            _ = lseek(fd, 0, SEEK_SET)
        }
        if size == 0 {
            _ = closeDescriptor(fd)
            throw DiskImageError(.empty, path, "disk image '\(path)' is empty (0 bytes)")
        }
        if size % Int64(Self.sectorSize) != 0 {
            _ = closeDescriptor(fd)
            throw DiskImageError(.badSize, path,
                                 "disk image '\(path)' is \(size) bytes, not a multiple of 512: truncated or not a disk image")
        }
        // Reading the first sector proves the file is readable (a directory or a file
        // without read permission fails here rather than in the middle of a boot).
        var probe = [UInt8](repeating: 0, count: Self.sectorSize)
        let got = probe.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Self.sectorSize, 0) }
        if got != Self.sectorSize {
            let e = errno
            _ = closeDescriptor(fd)
            throw DiskImageError(.unreadable, path, "cannot read disk image '\(path)': \(got < 0 ? Self.errorText(e) : "short read")")
        }
        if mode == .readWrite && flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            _ = closeDescriptor(fd)
            if e == EWOULDBLOCK || e == EAGAIN {
                throw DiskImageError(.locked, path,
                                     "disk image '\(path)' is in use by another writer (locked); use --snapshot to run without writing it")
            }
            throw DiskImageError(.unreadable, path, "cannot lock disk image '\(path)': \(Self.errorText(e))")
        }
        self.fd = fd
        self.sectorCount = UInt64(size) / UInt64(Self.sectorSize)
    }

    deinit { close() }

    /// Flushes pending writes and releases the file and its lock. Further I/O fails.
    public func close() {
        guard fd >= 0 else { return }
        if mode == .readWrite { _ = fsync(fd) }
        _ = closeDescriptor(fd)   // closing the last descriptor releases the flock
        fd = -1
    }

    /// Makes the guest's writes durable (ATA FLUSH CACHE). In snapshot mode there is
    /// nothing to do: the overlay lives only as long as the run.
    public func flush() throws(DiskImageError) {
        guard fd >= 0 else { throw DiskImageError(.closed, path, "disk image '\(path)' is closed") }
        guard mode == .readWrite else { return }
        if fsync(fd) != 0 {
            throw DiskImageError(.io, path, "cannot flush disk image '\(path)': \(Self.errorText(errno))")
        }
    }

    private func checkRange(_ lba: UInt64, _ count: Int) throws(DiskImageError) {
        guard fd >= 0 else { throw DiskImageError(.closed, path, "disk image '\(path)' is closed") }
        let (end, overflow) = lba.addingReportingOverflow(UInt64(max(count, 0)))
        if count < 0 || overflow || end > sectorCount {
            throw DiskImageError(.outOfRange, path,
                                 "sectors \(lba)+\(count) are past the end of disk image '\(path)' (\(sectorCount) sectors)")
        }
    }

    /// Reads `count` sectors starting at `lba`.
    public func read(lba: UInt64, count: Int) throws(DiskImageError) -> [UInt8] {
        try checkRange(lba, count)
        var out = [UInt8](repeating: 0, count: count * Self.sectorSize)
        if count == 0 { return out }
        let fd = self.fd
        let bytes = count * Self.sectorSize
        let offset = off_t(lba) * off_t(Self.sectorSize)
        var failure: Int32 = 0
        out.withUnsafeMutableBytes { buf in
            var done = 0
            while done < bytes {
                let n = pread(fd, buf.baseAddress! + done, bytes - done, offset + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno; return
                }
                if n == 0 { failure = EIO; return }
                done += n
            }
        }
        if failure != 0 {
            throw DiskImageError(.io, path, "cannot read disk image '\(path)' at sector \(lba): \(Self.errorText(failure))")
        }
        if !overlay.isEmpty {
            for i in 0..<count {
                if let s = overlay[lba + UInt64(i)] {
                    out.replaceSubrange(i * Self.sectorSize ..< (i + 1) * Self.sectorSize, with: s)
                }
            }
        }
        return out
    }

    /// Writes whole sectors at `lba`; `data.count` must be a multiple of 512.
    public func write(lba: UInt64, _ data: [UInt8]) throws(DiskImageError) {
        let count = data.count / Self.sectorSize
        guard data.count % Self.sectorSize == 0 else {
            throw DiskImageError(.io, path, "write of \(data.count) bytes to '\(path)' is not whole sectors")
        }
        try checkRange(lba, count)
        switch mode {
        case .readOnly:
            throw DiskImageError(.writeProtected, path, "disk image '\(path)' is open read-only")
        case .snapshot:
            for i in 0..<count {
                overlay[lba + UInt64(i)] = Array(data[i * Self.sectorSize ..< (i + 1) * Self.sectorSize])
            }
        case .readWrite:
            let fd = self.fd
            let offset = off_t(lba) * off_t(Self.sectorSize)
            var failure: Int32 = 0
            data.withUnsafeBytes { buf in
                var done = 0
                while done < data.count {
                    let n = pwrite(fd, buf.baseAddress! + done, data.count - done, offset + off_t(done))
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno; return
                    }
                    if n == 0 { failure = EIO; return }
                    done += n
                }
            }
            if failure != 0 {
                throw DiskImageError(.io, path, "cannot write disk image '\(path)' at sector \(lba): \(Self.errorText(failure))")
            }
        }
    }

    private static func errorText(_ e: Int32) -> String {
        guard let s = strerror(e) else { return "error \(e)" }
        return String(cString: s)
    }
}

/// The C library's close(2), which `DiskImage.close()` would otherwise shadow.
@inline(__always)
private func closeDescriptor(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #elseif canImport(Musl)
    return Musl.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}
