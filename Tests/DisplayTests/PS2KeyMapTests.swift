import Chipset
import Foundation
import Testing
@testable import Display

/// The SDL scancode → set 2 table, checked against set 1 codes written down separately
/// (the XT scan codes of the IBM PC/XT and AT Technical References, by key) through the
/// 8042's own translation table: two independent tables have to agree for every key.
@Suite struct PS2KeyMapTests {
    /// HID usage → set 1 make sequence of the same key.
    static let set1: [(usage: Int, name: String, set1: [UInt8])] = {
        var t: [(Int, String, [UInt8])] = []
        let letters: [UInt8] = [0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25, 0x26, 0x32,
                                0x31, 0x18, 0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11, 0x2D, 0x15, 0x2C]
        for (k, c) in letters.enumerated() {
            t.append((4 + k, String(UnicodeScalar(UInt8(ascii: "A") + UInt8(k))), [c]))
        }
        for k in 0..<10 { t.append((30 + k, "digit \((k + 1) % 10)", [UInt8(2 + k)])) }
        t += [(40, "Enter", [0x1C]), (41, "Escape", [0x01]), (42, "Backspace", [0x0E]), (43, "Tab", [0x0F]),
              (44, "Space", [0x39]), (45, "-", [0x0C]), (46, "=", [0x0D]), (47, "[", [0x1A]), (48, "]", [0x1B]),
              (49, "\\", [0x2B]), (50, "non-US #", [0x2B]), (51, ";", [0x27]), (52, "'", [0x28]), (53, "`", [0x29]),
              (54, ",", [0x33]), (55, ".", [0x34]), (56, "/", [0x35]), (57, "Caps Lock", [0x3A])]
        for k in 0..<10 { t.append((58 + k, "F\(k + 1)", [UInt8(0x3B + k)])) }
        t += [(68, "F11", [0x57]), (69, "F12", [0x58]), (71, "Scroll Lock", [0x46]),
              (73, "Insert", [0xE0, 0x52]), (74, "Home", [0xE0, 0x47]), (75, "Page Up", [0xE0, 0x49]),
              (76, "Delete", [0xE0, 0x53]), (77, "End", [0xE0, 0x4F]), (78, "Page Down", [0xE0, 0x51]),
              (79, "Right", [0xE0, 0x4D]), (80, "Left", [0xE0, 0x4B]), (81, "Down", [0xE0, 0x50]), (82, "Up", [0xE0, 0x48]),
              (83, "Num Lock", [0x45]), (84, "keypad /", [0xE0, 0x35]), (85, "keypad *", [0x37]),
              (86, "keypad -", [0x4A]), (87, "keypad +", [0x4E]), (88, "keypad Enter", [0xE0, 0x1C]),
              (89, "keypad 1", [0x4F]), (90, "keypad 2", [0x50]), (91, "keypad 3", [0x51]), (92, "keypad 4", [0x4B]),
              (93, "keypad 5", [0x4C]), (94, "keypad 6", [0x4D]), (95, "keypad 7", [0x47]), (96, "keypad 8", [0x48]),
              (97, "keypad 9", [0x49]), (98, "keypad 0", [0x52]), (99, "keypad .", [0x53]),
              (100, "non-US \\", [0x56]), (101, "Application", [0xE0, 0x5D]), (102, "Power", [0xE0, 0x5E]),
              (224, "Left Ctrl", [0x1D]), (225, "Left Shift", [0x2A]), (226, "Left Alt", [0x38]),
              (227, "Left Windows", [0xE0, 0x5B]), (228, "Right Ctrl", [0xE0, 0x1D]), (229, "Right Shift", [0x36]),
              (230, "Right Alt", [0xE0, 0x38]), (231, "Right Windows", [0xE0, 0x5C]),
              (127, "Mute", [0xE0, 0x20]), (128, "Volume Up", [0xE0, 0x30]), (129, "Volume Down", [0xE0, 0x2E])]
        return t
    }()

    @Test func everyKeyAgreesWithItsSet1Code() {
        for k in Self.set1 {
            let make = PS2KeyMap.make(sdlScancode: k.usage)
            #expect(make.map(ScanCodeTranslation.toSet1) == k.set1, "\(k.name) (usage \(k.usage)): set 2 \(make.map(hex) ?? "none")")
        }
    }

    @Test func specialSequences() {
        #expect(PS2KeyMap.make(sdlScancode: 70) == [0xE0, 0x12, 0xE0, 0x7C])                 // Print Screen
        #expect(ScanCodeTranslation.toSet1(PS2KeyMap.make(sdlScancode: 70)!) == [0xE0, 0x2A, 0xE0, 0x37])
        #expect(PS2KeyMap.make(sdlScancode: 70, modifiers: .shift) == [0xE0, 0x7C])
        #expect(PS2KeyMap.make(sdlScancode: 70, modifiers: .alt) == [0x84])                   // SysRq
        #expect(ScanCodeTranslation.toSet1([0x84]) == [0x54])
        #expect(PS2KeyMap.make(sdlScancode: 72) == [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77])   // Pause
        #expect(ScanCodeTranslation.toSet1(PS2KeyMap.make(sdlScancode: 72)!) == [0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5])
        #expect(PS2KeyMap.make(sdlScancode: 72, modifiers: .ctrl) == [0xE0, 0x7E])             // Break
        #expect(PS2KeyMap.make(sdlScancode: 0) == nil)
        #expect(PS2KeyMap.make(sdlScancode: 300) == nil)
        // Break codes derived by the keyboard: E0 keys keep their prefix.
        #expect(PS2Keyboard.breakCode(forMake: PS2KeyMap.make(sdlScancode: 82)!) == [0xE0, 0xF0, 0x75])
    }

    /// No two keys of a 105-key keyboard send the same code (the ISO # key shares the
    /// US backslash position by design).
    @Test func keysAreDistinct() {
        var seen: [[UInt8]: Int] = [:]
        for k in Self.set1 where k.usage != 50 {
            let make = PS2KeyMap.make(sdlScancode: k.usage)!
            #expect(seen[make] == nil, "usage \(k.usage) and \(seen[make] ?? -1) both send \(hex(make))")
            seen[make] = k.usage
        }
    }

    func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02X", $0) }.joined(separator: " ") }
}
