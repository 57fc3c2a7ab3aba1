// Keystrokes from a terminal in raw mode, as PS/2 key presses.
//
// A terminal sends characters, not keys, so each character becomes the key (and
// Shift) that types it on a US keyboard, and the key sequences xterm, VTE, the Linux
// console and tmux send for cursor, editing and function keys become those keys.
// A terminal sends no key releases: each keystroke goes to the guest as press,
// a short pause, release (modifiers around it), at a typing pace in guest time.
//
// Byte → key:
//   printable ASCII          the US-layout key, with Shift where needed
//   0x0D CR, 0x0A LF         Enter          0x09       Tab
//   0x7F DEL, 0x08 BS        Backspace      0x1B alone Escape (after a short wait)
//   0x00, 0x01–0x1A, 0x1C, 0x1E, 0x1F   Ctrl + Space, A–Z, \, 6, -
//   0x1D (Ctrl-])            ends the run (the quit key)
//   ESC + a character        Alt + that character's key
//   bytes ≥ 0x80             ignored (UTF-8 text has no PC key)
// Escape sequences (ECMA-48 CSI and SS3, xterm's "PC-style function keys"):
//   CSI A/B/C/D/H/F, SS3 A/B/C/D/H/F   Up/Down/Right/Left/Home/End
//   CSI n ~   1 Home, 2 Insert, 3 Delete, 4 End, 5 PgUp, 6 PgDn, 7 Home, 8 End,
//             11–15 F1–F5, 17–21 F6–F10, 23 F11, 24 F12
//   SS3 P/Q/R/S, CSI 1;m P/Q/R/S, CSI [ A–E (Linux console)   F1–F4 (F5)
//   CSI Z     Shift+Tab
//   a second parameter m adds modifiers: m − 1 has bit 0 Shift, 1 Alt, 2 Ctrl.
// Other sequences are read whole and ignored.

public struct TerminalKeystroke: Equatable, Sendable {
    /// The key's set 2 make sequence.
    public var make: [UInt8]
    public var modifiers: PS2KeyMap.Modifiers
    public init(_ make: [UInt8], _ modifiers: PS2KeyMap.Modifiers = []) {
        self.make = make; self.modifiers = modifiers
    }

    /// Press and release, with the modifiers pressed before and released after.
    public func events(holdMilliseconds: Int = 20, gapMilliseconds: Int = 20) -> [MachineRunner.InputEvent] {
        var mods: [[UInt8]] = []
        if modifiers.contains(.ctrl) { mods.append([0x14]) }
        if modifiers.contains(.alt) { mods.append([0x11]) }
        if modifiers.contains(.shift) { mods.append([0x12]) }
        var e: [MachineRunner.InputEvent] = mods.map { .keyDown($0) }
        e.append(.keyDown(make))
        e.append(.delay(milliseconds: holdMilliseconds))
        e.append(.keyUp(make))
        e += mods.reversed().map { .keyUp($0) }
        e.append(.delay(milliseconds: gapMilliseconds))
        return e
    }
}

public struct TerminalInputParser {
    public enum Input: Equatable, Sendable {
        case key(TerminalKeystroke)
        case quit
    }

    /// The byte that ends the run (Ctrl-] = 0x1D).
    public var quitByte: UInt8 = 0x1D
    private var pending: [UInt8] = []

    public init() {}

    /// Bytes held back because they may start an escape sequence.
    public var hasPending: Bool { !pending.isEmpty }

    /// Parses what the terminal sent; an unfinished escape sequence waits for more bytes.
    public mutating func feed(_ bytes: [UInt8]) -> [Input] {
        pending += bytes
        var out: [Input] = []
        var i = 0
        while i < pending.count {
            guard let (inputs, used) = parse(pending, at: i, final: false) else { break }
            out += inputs
            i += used
        }
        pending.removeFirst(i)
        return out
    }

    /// No more bytes came: what is held back is taken as typed (a lone ESC is Escape).
    public mutating func flush() -> [Input] {
        var out: [Input] = []
        var i = 0
        while i < pending.count {
            let (inputs, used) = parse(pending, at: i, final: true)!
            out += inputs
            i += used
        }
        pending.removeAll()
        return out
    }

    /// One input at `i`: the inputs and the bytes used, or nil if more bytes are needed.
    private func parse(_ b: [UInt8], at i: Int, final: Bool) -> ([Input], Int)? {
        let c = b[i]
        if c == quitByte { return ([.quit], 1) }
        guard c == 0x1B else {
            return (Self.key(forByte: c).map { [.key($0)] } ?? [], 1)
        }
        guard i + 1 < b.count else {
            return final ? ([.key(TerminalKeystroke([0x76]))], 1) : nil
        }
        let n = b[i + 1]
        if n == UInt8(ascii: "[") || n == UInt8(ascii: "O") {
            // CSI: parameters 0x30–0x3F, intermediates 0x20–0x2F, final 0x40–0x7E.
            // The Linux console's F1–F5 are CSI [ A–E.
            var j = i + 2
            if n == UInt8(ascii: "["), j < b.count, b[j] == UInt8(ascii: "[") {
                guard j + 1 < b.count else { return final ? ([], b.count - i) : nil }
                let f = b[j + 1]
                let keys: [UInt8] = [0x05, 0x06, 0x04, 0x0C, 0x03]
                if f >= UInt8(ascii: "A") && f <= UInt8(ascii: "E") {
                    return ([.key(TerminalKeystroke([keys[Int(f - UInt8(ascii: "A"))]]))], j + 2 - i)
                }
                return ([], j + 2 - i)
            }
            while j < b.count && b[j] >= 0x20 && b[j] < 0x40 { j += 1 }
            guard j < b.count else { return final ? ([], b.count - i) : nil }
            let finalByte = b[j]
            let params = String(decoding: b[(i + 2)..<j], as: UTF8.self)
                .split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
            let used = j + 1 - i
            guard finalByte >= 0x40 && finalByte <= 0x7E else { return ([], used) }
            guard let key = Self.sequenceKey(final: finalByte, params: params, ss3: n == UInt8(ascii: "O")) else {
                return ([], used)
            }
            return ([.key(key)], used)
        }
        if n == 0x1B {
            // ESC ESC: Escape, then the second ESC starts over.
            return ([.key(TerminalKeystroke([0x76]))], 1)
        }
        // ESC + character: Alt + that key.
        if n == quitByte { return ([.quit], 2) }
        guard var k = Self.key(forByte: n) else { return ([], 2) }
        k.modifiers.insert(.alt)
        return ([.key(k)], 2)
    }

    private static func sequenceKey(final f: UInt8, params: [Int?], ss3: Bool) -> TerminalKeystroke? {
        var mods: PS2KeyMap.Modifiers = []
        if params.count >= 2, let m = params[1], m >= 2 {
            let bits = m - 1
            if bits & 1 != 0 { mods.insert(.shift) }
            if bits & 2 != 0 { mods.insert(.alt) }
            if bits & 4 != 0 { mods.insert(.ctrl) }
        }
        func k(_ make: [UInt8]) -> TerminalKeystroke { TerminalKeystroke(make, mods) }
        switch f {
        case UInt8(ascii: "A"): return k([0xE0, 0x75])
        case UInt8(ascii: "B"): return k([0xE0, 0x72])
        case UInt8(ascii: "C"): return k([0xE0, 0x74])
        case UInt8(ascii: "D"): return k([0xE0, 0x6B])
        case UInt8(ascii: "H"): return k([0xE0, 0x6C])
        case UInt8(ascii: "F"): return k([0xE0, 0x69])
        case UInt8(ascii: "P"): return k([0x05])
        case UInt8(ascii: "Q"): return k([0x06])
        case UInt8(ascii: "R"): return k([0x04])
        case UInt8(ascii: "S"): return k([0x0C])
        case UInt8(ascii: "Z"):
            guard !ss3 else { return nil }
            var t = k([0x0D]); t.modifiers.insert(.shift); return t
        case UInt8(ascii: "~"):
            guard !ss3, let first = params.first, let n = first else { return nil }
            switch n {
            case 1, 7: return k([0xE0, 0x6C])
            case 2: return k([0xE0, 0x70])
            case 3: return k([0xE0, 0x71])
            case 4, 8: return k([0xE0, 0x69])
            case 5: return k([0xE0, 0x7D])
            case 6: return k([0xE0, 0x7A])
            case 11: return k([0x05])
            case 12: return k([0x06])
            case 13: return k([0x04])
            case 14: return k([0x0C])
            case 15: return k([0x03])
            case 17: return k([0x0B])
            case 18: return k([0x83])
            case 19: return k([0x0A])
            case 20: return k([0x01])
            case 21: return k([0x09])
            case 23: return k([0x78])
            case 24: return k([0x07])
            default: return nil
            }
        default:
            return nil
        }
    }

    /// The key that types a byte on a US keyboard.
    public static func key(forByte c: UInt8) -> TerminalKeystroke? {
        switch c {
        case 0x0D, 0x0A: return TerminalKeystroke([0x5A])
        case 0x09: return TerminalKeystroke([0x0D])
        case 0x7F, 0x08: return TerminalKeystroke([0x66])
        case 0x1B: return TerminalKeystroke([0x76])
        case 0x00: return TerminalKeystroke([0x29], .ctrl)
        case 0x01...0x1A:
            return TerminalKeystroke(PS2KeyMap.make(sdlScancode: Int(c) - 1 + 4)!, .ctrl)
        case 0x1C: return TerminalKeystroke([0x5D], .ctrl)
        case 0x1E: return TerminalKeystroke([0x36], .ctrl)
        case 0x1F: return TerminalKeystroke([0x4E], .ctrl)
        case 0x20...0x7E:
            guard let (make, shift) = usKeys[c] else { return nil }
            return TerminalKeystroke([make], shift ? .shift : [])
        default: return nil
        }
    }

    /// Printable ASCII → (set 2 make code, Shift) on a US keyboard.
    static let usKeys: [UInt8: (UInt8, Bool)] = {
        var t: [UInt8: (UInt8, Bool)] = [:]
        for (k, ch) in "abcdefghijklmnopqrstuvwxyz".utf8.enumerated() {
            let make = PS2KeyMap.make(sdlScancode: 4 + k)![0]
            t[ch] = (make, false)
            t[ch - 0x20] = (make, true)
        }
        let pairs: [(Character, Character, UInt8)] = [
            ("1", "!", 0x16), ("2", "@", 0x1E), ("3", "#", 0x26), ("4", "$", 0x25), ("5", "%", 0x2E),
            ("6", "^", 0x36), ("7", "&", 0x3D), ("8", "*", 0x3E), ("9", "(", 0x46), ("0", ")", 0x45),
            ("-", "_", 0x4E), ("=", "+", 0x55), ("[", "{", 0x54), ("]", "}", 0x5B), ("\\", "|", 0x5D),
            (";", ":", 0x4C), ("'", "\"", 0x52), ("`", "~", 0x0E), (",", "<", 0x41), (".", ">", 0x49),
            ("/", "?", 0x4A),
        ]
        for (plain, shifted, make) in pairs {
            t[plain.asciiValue!] = (make, false)
            t[shifted.asciiValue!] = (make, true)
        }
        t[0x20] = (0x29, false)
        return t
    }()
}
