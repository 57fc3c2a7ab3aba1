import CZlib
import Foundation

/// Reads a whole file, gunzipping it when it is gzip-compressed (zlib's gzread passes
/// plain files through unchanged).
public enum GzipFile {
    public struct ReadError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func read(_ path: String) throws(ReadError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ReadError(description: "\(path): no such file")
        }
        guard let f = gzopen(path, "rb") else {
            throw ReadError(description: "\(path): cannot open (\(String(cString: strerror(errno))))")
        }
        defer { gzclose(f) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(f, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                let msg = gzerror(f, &code).map { String(cString: $0) } ?? "unknown error"
                throw ReadError(description: "\(path): corrupt or truncated compressed data (\(msg))")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        return out
    }
}
