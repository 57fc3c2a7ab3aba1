// PNG encoder for frames (screenshots, golden images), with its own deflate.
//
// Sources: PNG specification (W3C, 2nd edition): signature, IHDR/IDAT/IEND chunks,
// CRC-32 over chunk type + data, filter types 0–2 per row; RFC 1950 (zlib stream:
// CMF/FLG header, Adler-32 trailer); RFC 1951 (deflate: one final block with the
// fixed Huffman codes of section 3.2.6, LZ77 matches of length 3–258 at distances
// up to 32768, Huffman codes sent most significant bit first, everything else
// least significant bit first).
//
// The encoder is deterministic (the same frame gives the same bytes), which the
// golden-image tests rely on. Frames with every alpha at 255 are written as RGB.

public enum PNGWriter {
    /// PNG bytes for a frame of `width` × `height` pixels whose bytes are R, G, B, A.
    public static func encode(width: Int, height: Int, pixels: [UInt32]) -> [UInt8] {
        precondition(pixels.count >= width * height && width > 0 && height > 0)
        let opaque = pixels.allSatisfy { $0 >> 24 == 0xFF }
        let channels = opaque ? 3 : 4
        let rowBytes = width * channels
        var raw = [UInt8]()
        raw.reserveCapacity((rowBytes + 1) * height)
        var previous = [UInt8](repeating: 0, count: rowBytes)
        var current = [UInt8](repeating: 0, count: rowBytes)
        var sub = [UInt8](repeating: 0, count: rowBytes)
        var up = [UInt8](repeating: 0, count: rowBytes)
        for y in 0..<height {
            for x in 0..<width {
                let p = pixels[y * width + x]
                for c in 0..<channels { current[x * channels + c] = UInt8(truncatingIfNeeded: p >> (8 * c)) }
            }
            // Filter 1 (Sub) and 2 (Up); keep whichever of 0, 1, 2 has the smallest sum of
            // absolute signed bytes (the specification's suggested heuristic).
            var costs = [0, 0, 0]
            for i in 0..<rowBytes {
                sub[i] = current[i] &- (i >= channels ? current[i - channels] : 0)
                up[i] = current[i] &- previous[i]
                costs[0] += abs(Int(Int8(bitPattern: current[i])))
                costs[1] += abs(Int(Int8(bitPattern: sub[i])))
                costs[2] += abs(Int(Int8(bitPattern: up[i])))
            }
            let best = costs[1] < costs[0] ? (costs[2] < costs[1] ? 2 : 1) : (costs[2] < costs[0] ? 2 : 0)
            raw.append(UInt8(best))
            raw.append(contentsOf: best == 0 ? current : best == 1 ? sub : up)
            swap(&previous, &current)
        }

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = [UInt8]()
        ihdr.appendBigEndian(UInt32(width))
        ihdr.appendBigEndian(UInt32(height))
        ihdr += [8, opaque ? 2 : 6, 0, 0, 0]   // depth 8, RGB/RGBA, deflate, filter 0, no interlace
        appendChunk(&png, "IHDR", ihdr)
        appendChunk(&png, "IDAT", zlib(raw))
        appendChunk(&png, "IEND", [])
        return png
    }

    static func appendChunk(_ png: inout [UInt8], _ type: String, _ data: [UInt8]) {
        png.appendBigEndian(UInt32(data.count))
        let typeBytes = Array(type.utf8)
        png += typeBytes
        png += data
        png.appendBigEndian(CRC32.checksum(data, initial: CRC32.checksum(typeBytes)))
    }

    /// A zlib stream (RFC 1950) around one deflate block.
    static func zlib(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]   // 32 KiB window, deflate; (0x7801 % 31 == 0)
        out += Deflate.compress(data)
        out.appendBigEndian(adler32(data))
        return out
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        while i < data.count {
            // 5552 bytes is the most that cannot overflow 32 bits before the modulo.
            let end = min(i + 5552, data.count)
            while i < end { a &+= UInt32(data[i]); b &+= a; i += 1 }
            a %= 65521; b %= 65521
        }
        return b << 16 | a
    }
}

/// CRC-32 (ISO 3309 / PNG / zlib polynomial 0xEDB88320, reflected).
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    /// Continues a CRC (pass the previous result as `initial`).
    public static func checksum<C: Collection>(_ bytes: C, initial: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
        var c = ~initial
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }
    /// CRC-32 of a frame's bytes (R, G, B, A per pixel).
    public static func checksum(pixels: [UInt32]) -> UInt32 {
        pixels.withUnsafeBytes { checksum($0) }
    }
}

/// Deflate with the fixed Huffman codes and greedy LZ77 over hash chains.
enum Deflate {
    struct BitWriter {
        var bytes: [UInt8] = []
        var acc: UInt64 = 0
        var count: UInt64 = 0
        mutating func write(_ value: UInt32, _ bits: Int) {
            acc |= UInt64(value) << count
            count += UInt64(bits)
            while count >= 8 { bytes.append(UInt8(truncatingIfNeeded: acc)); acc >>= 8; count -= 8 }
        }
        /// Huffman codes go most significant bit first.
        mutating func writeCode(_ code: UInt32, _ bits: Int) {
            var r: UInt32 = 0
            for i in 0..<bits { r |= ((code >> i) & 1) << (bits - 1 - i) }
            write(r, bits)
        }
        mutating func flush() { if count > 0 { bytes.append(UInt8(truncatingIfNeeded: acc)); acc = 0; count = 0 } }
    }

    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                     3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                  257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                  8193, 12289, 16385, 24577]
    static let distExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                   7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// Fixed literal/length code (RFC 1951 3.2.6).
    static func writeSymbol(_ w: inout BitWriter, _ s: Int) {
        switch s {
        case 0...143: w.writeCode(UInt32(0x30 + s), 8)
        case 144...255: w.writeCode(UInt32(0x190 + s - 144), 9)
        case 256...279: w.writeCode(UInt32(s - 256), 7)
        default: w.writeCode(UInt32(0xC0 + s - 280), 8)
        }
    }

    static func compress(_ data: [UInt8]) -> [UInt8] {
        var w = BitWriter()
        w.bytes.reserveCapacity(data.count / 4 + 64)
        w.write(1, 1)   // BFINAL
        w.write(1, 2)   // BTYPE = 01, fixed Huffman
        let n = data.count
        let hashSize = 1 << 15, window = 32768, maxChain = 48
        var head = [Int](repeating: -1, count: hashSize)
        var prev = [Int](repeating: -1, count: window)
        @inline(__always) func hash(_ i: Int) -> Int {
            (Int(data[i]) << 10 ^ Int(data[i + 1]) << 5 ^ Int(data[i + 2])) & (hashSize - 1)
        }
        @inline(__always) func insert(_ i: Int) {
            guard i + 2 < n else { return }
            let h = hash(i)
            prev[i & (window - 1)] = head[h]
            head[h] = i
        }
        var i = 0
        while i < n {
            var bestLength = 0, bestDistance = 0
            if i + 2 < n {
                var candidate = head[hash(i)]
                var chain = 0
                let limit = min(258, n - i)
                while candidate >= 0 && i - candidate <= window && chain < maxChain {
                    if data[candidate + bestLength] == data[i + bestLength] || bestLength == 0 {
                        var l = 0
                        while l < limit && data[candidate + l] == data[i + l] { l += 1 }
                        if l > bestLength { bestLength = l; bestDistance = i - candidate }
                        if l == limit { break }
                    }
                    let next = prev[candidate & (window - 1)]
                    if next >= candidate { break }
                    candidate = next
                    chain += 1
                }
            }
            if bestLength >= 3 {
                var code = 0
                while code < 28 && lengthBase[code + 1] <= bestLength { code += 1 }
                writeSymbol(&w, 257 + code)
                if lengthExtra[code] > 0 { w.write(UInt32(bestLength - lengthBase[code]), lengthExtra[code]) }
                var d = 0
                while d < 29 && distBase[d + 1] <= bestDistance { d += 1 }
                w.writeCode(UInt32(d), 5)
                if distExtra[d] > 0 { w.write(UInt32(bestDistance - distBase[d]), distExtra[d]) }
                for k in 0..<bestLength { insert(i + k) }
                i += bestLength
            } else {
                writeSymbol(&w, Int(data[i]))
                insert(i)
                i += 1
            }
        }
        writeSymbol(&w, 256)
        w.flush()
        return w.bytes
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ v: UInt32) {
        append(UInt8(v >> 24)); append(UInt8((v >> 16) & 0xFF)); append(UInt8((v >> 8) & 0xFF)); append(UInt8(v & 0xFF))
    }
}
