// Host keys to PS/2 scan code set 2 make sequences.
//
// The SDL window reports physical keys as SDL scancodes, which are the USB HID
// keyboard page usages (HID Usage Tables 1.3, chapter 10 "Keyboard/Keypad Page 0x07")
// below 256 and SDL's own numbers from 257 for the consumer-page keys
// (<SDL2/SDL_scancode.h>). Each is sent as the key in the same place on a PC
// keyboard, so any host layout works: the guest applies its own layout.
//
// Set 2 codes: IBM PS/2 Hardware Interface Technical Reference, "Keyboard", scan code
// set 2 table; Microsoft "Keyboard Scan Code Specification" (rev. 1.3a, 2000),
// appendix C "USB HID to PS/2 Scan Code Translation Table", for the extended (E0)
// keys, Windows/Application keys, the ACPI power keys and the multimedia keys.
//
// Keys with special sequences:
//   Print Screen  E0 12 E0 7C; with Shift or Ctrl held E0 7C; with Alt held 84 (SysRq)
//   Pause         E1 14 77 E1 F0 14 F0 77 (no break); with Ctrl held E0 7E (Break)
// The "fake shift" codes a real keyboard wraps around gray keys while Num Lock or
// Shift is on (E0 12 / E0 F0 12) are not sent: no PC operating system needs them.

public enum PS2KeyMap {
    /// Modifier keys held when a key goes down (they change Print Screen and Pause).
    public struct Modifiers: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let shift = Modifiers(rawValue: 1)
        public static let ctrl = Modifiers(rawValue: 2)
        public static let alt = Modifiers(rawValue: 4)
    }

    public static let printScreen: [UInt8] = [0xE0, 0x12, 0xE0, 0x7C]
    public static let pause: [UInt8] = [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77]

    /// The make sequence for an SDL scancode (USB HID usage), or nil for keys a PC
    /// keyboard does not have.
    public static func make(sdlScancode code: Int, modifiers: Modifiers = []) -> [UInt8]? {
        switch code {
        case 70:    // Print Screen
            if modifiers.contains(.alt) { return [0x84] }
            if !modifiers.isDisjoint(with: [.shift, .ctrl]) { return [0xE0, 0x7C] }
            return printScreen
        case 72:    // Pause
            return modifiers.contains(.ctrl) ? [0xE0, 0x7E] : pause
        default:
            break
        }
        if code >= 0 && code < hidTable.count {
            let v = hidTable[code]
            if v == 0 { return nil }
            return v & 0x100 != 0 ? [0xE0, UInt8(v & 0xFF)] : [UInt8(v)]
        }
        switch code {
        case 258: return [0xE0, 0x4D]   // next track
        case 259: return [0xE0, 0x15]   // previous track
        case 260: return [0xE0, 0x3B]   // stop
        case 261: return [0xE0, 0x34]   // play/pause
        case 262: return [0xE0, 0x23]   // mute
        case 263: return [0xE0, 0x50]   // media select
        case 264: return [0xE0, 0x3A]   // WWW home (SDL "WWW")
        case 265: return [0xE0, 0x48]   // mail
        case 266: return [0xE0, 0x2B]   // calculator
        case 267: return [0xE0, 0x40]   // my computer
        case 268: return [0xE0, 0x10]   // WWW search
        case 269: return [0xE0, 0x3A]   // WWW home
        case 270: return [0xE0, 0x38]   // WWW back
        case 271: return [0xE0, 0x30]   // WWW forward
        case 272: return [0xE0, 0x28]   // WWW stop
        case 273: return [0xE0, 0x20]   // WWW refresh
        case 274: return [0xE0, 0x18]   // WWW favorites
        case 282: return [0xE0, 0x3F]   // sleep
        default: return nil
        }
    }

    /// Set 2 code by HID usage: 0 = no key, bit 8 = E0 prefix.
    static let hidTable: [UInt16] = {
        var t = [UInt16](repeating: 0, count: 256)
        func set(_ usage: Int, _ code: UInt16) { t[usage] = code }
        // Letters A–Z (usages 4–29).
        let letters: [UInt16] = [0x1C, 0x32, 0x21, 0x23, 0x24, 0x2B, 0x34, 0x33, 0x43, 0x3B, 0x42, 0x4B, 0x3A,
                                 0x31, 0x44, 0x4D, 0x15, 0x2D, 0x1B, 0x2C, 0x3C, 0x2A, 0x1D, 0x22, 0x35, 0x1A]
        for (k, c) in letters.enumerated() { set(4 + k, c) }
        // Digits 1–9, 0 (usages 30–39).
        let digits: [UInt16] = [0x16, 0x1E, 0x26, 0x25, 0x2E, 0x36, 0x3D, 0x3E, 0x46, 0x45]
        for (k, c) in digits.enumerated() { set(30 + k, c) }
        set(40, 0x5A)   // Enter
        set(41, 0x76)   // Escape
        set(42, 0x66)   // Backspace
        set(43, 0x0D)   // Tab
        set(44, 0x29)   // Space
        set(45, 0x4E)   // - _
        set(46, 0x55)   // = +
        set(47, 0x54)   // [ {
        set(48, 0x5B)   // ] }
        set(49, 0x5D)   // \ |
        set(50, 0x5D)   // non-US # ~ (the same key position as \ on ISO keyboards)
        set(51, 0x4C)   // ; :
        set(52, 0x52)   // ' "
        set(53, 0x0E)   // ` ~
        set(54, 0x41)   // , <
        set(55, 0x49)   // . >
        set(56, 0x4A)   // / ?
        set(57, 0x58)   // Caps Lock
        // F1–F12 (usages 58–69).
        let fkeys: [UInt16] = [0x05, 0x06, 0x04, 0x0C, 0x03, 0x0B, 0x83, 0x0A, 0x01, 0x09, 0x78, 0x07]
        for (k, c) in fkeys.enumerated() { set(58 + k, c) }
        set(71, 0x7E)   // Scroll Lock
        set(73, 0x170)  // Insert
        set(74, 0x16C)  // Home
        set(75, 0x17D)  // Page Up
        set(76, 0x171)  // Delete
        set(77, 0x169)  // End
        set(78, 0x17A)  // Page Down
        set(79, 0x174)  // Right
        set(80, 0x16B)  // Left
        set(81, 0x172)  // Down
        set(82, 0x175)  // Up
        set(83, 0x77)   // Num Lock
        set(84, 0x14A)  // keypad /
        set(85, 0x7C)   // keypad *
        set(86, 0x7B)   // keypad -
        set(87, 0x79)   // keypad +
        set(88, 0x15A)  // keypad Enter
        // Keypad 1–9, 0, . (usages 89–99).
        let keypad: [UInt16] = [0x69, 0x72, 0x7A, 0x6B, 0x73, 0x74, 0x6C, 0x75, 0x7D, 0x70, 0x71]
        for (k, c) in keypad.enumerated() { set(89 + k, c) }
        set(100, 0x61)  // non-US \ | (the extra key left of Z on ISO keyboards)
        set(101, 0x12F) // Application (menu)
        set(102, 0x137) // Power
        set(103, 0x0F)  // keypad =
        // F13–F24 (usages 104–115).
        let fhigh: [UInt16] = [0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38, 0x40, 0x48, 0x50, 0x57, 0x5F]
        for (k, c) in fhigh.enumerated() { set(104 + k, c) }
        set(127, 0x123) // Mute
        set(128, 0x132) // Volume Up
        set(129, 0x121) // Volume Down
        set(133, 0x6D)  // keypad , (Brazilian)
        set(135, 0x51)  // International1: Ro
        set(136, 0x13)  // International2: Katakana/Hiragana
        set(137, 0x6A)  // International3: Yen
        set(138, 0x64)  // International4: Henkan
        set(139, 0x67)  // International5: Muhenkan
        set(224, 0x14)  // Left Ctrl
        set(225, 0x12)  // Left Shift
        set(226, 0x11)  // Left Alt
        set(227, 0x11F) // Left GUI (Windows)
        set(228, 0x114) // Right Ctrl
        set(229, 0x59)  // Right Shift
        set(230, 0x111) // Right Alt (AltGr)
        set(231, 0x127) // Right GUI
        return t
    }()
}
