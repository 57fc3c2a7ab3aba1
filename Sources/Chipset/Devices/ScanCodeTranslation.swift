// Scan code set 2 → set 1 translation, as done by the Intel 8042 keyboard controller when
// bit 6 of its command byte is set (IBM PC/AT Technical Reference, "Keyboard Controller",
// command byte bit 6 "IBM PC Compatibility Mode"; IBM Personal System/2 Keyboard and
// Auxiliary Device Controller reference, "Scan Code Translation").
//
// The controller maps each byte from the keyboard through a fixed 256-entry table; the
// break prefix 0xF0 is swallowed and sets bit 7 of the next translated byte. Bytes
// 0x80–0xFF pass unchanged (so 0xE0/0xE1 prefixes and replies 0xFA, 0xAA, 0xEE, 0xFE keep
// their values) except 0x83 (F7 in set 2) → 0x41 and 0x84 (Alt+SysRq) → 0x54. The same
// mapping gives set 1 codes when the keyboard itself is switched to set 1.

/// The 8042's set-2 → set-1 translation.
public enum ScanCodeTranslation {
    /// Table entry n is the set-1 code for set-2 byte n (for n < 0x80, and 0x83/0x84).
    public static let set2ToSet1: [UInt8] = {
        let low: [UInt8] = [
            0xFF, 0x43, 0x41, 0x3F, 0x3D, 0x3B, 0x3C, 0x58, // 00–07
            0x64, 0x44, 0x42, 0x40, 0x3E, 0x0F, 0x29, 0x59, // 08–0F
            0x65, 0x38, 0x2A, 0x70, 0x1D, 0x10, 0x02, 0x5A, // 10–17
            0x66, 0x71, 0x2C, 0x1F, 0x1E, 0x11, 0x03, 0x5B, // 18–1F
            0x67, 0x2E, 0x2D, 0x20, 0x12, 0x05, 0x04, 0x5C, // 20–27
            0x68, 0x39, 0x2F, 0x21, 0x14, 0x13, 0x06, 0x5D, // 28–2F
            0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5E, // 30–37
            0x6A, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5F, // 38–3F
            0x6B, 0x33, 0x25, 0x17, 0x18, 0x0B, 0x0A, 0x60, // 40–47
            0x6C, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0C, 0x61, // 48–4F
            0x6D, 0x73, 0x28, 0x74, 0x1A, 0x0D, 0x62, 0x6E, // 50–57
            0x3A, 0x36, 0x1C, 0x1B, 0x75, 0x2B, 0x63, 0x76, // 58–5F
            0x55, 0x56, 0x77, 0x78, 0x79, 0x7A, 0x0E, 0x7B, // 60–67
            0x7C, 0x4F, 0x7D, 0x4B, 0x47, 0x7E, 0x7F, 0x6F, // 68–6F
            0x52, 0x53, 0x50, 0x4C, 0x4D, 0x48, 0x01, 0x45, // 70–77
            0x57, 0x4E, 0x51, 0x4A, 0x37, 0x49, 0x46, 0x54, // 78–7F
        ]
        var table = low + (0x80...0xFF).map { UInt8($0) }
        table[0x83] = 0x41
        table[0x84] = 0x54
        return table
    }()

    /// A translator with the controller's one bit of state (a 0xF0 was seen).
    public struct Translator: Sendable {
        private var breakPending = false
        public init() {}

        /// Translates one byte; returns nil for the swallowed 0xF0 prefix.
        public mutating func translate(_ b: UInt8) -> UInt8? {
            if b == 0xF0 { breakPending = true; return nil }
            let out = ScanCodeTranslation.set2ToSet1[Int(b)] | (breakPending ? 0x80 : 0)
            breakPending = false
            return out
        }

        public mutating func reset() { breakPending = false }
    }

    /// Translates a whole set-2 sequence (e.g. a key's make or break codes).
    public static func toSet1(_ bytes: [UInt8]) -> [UInt8] {
        var t = Translator()
        return bytes.compactMap { t.translate($0) }
    }
}
