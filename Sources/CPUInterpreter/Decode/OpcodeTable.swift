/// Operand layout of every opcode, for the decoder and the disassembler: whether a
/// ModRM byte follows, and which immediate (Intel SDM vol. 2, appendix A opcode maps).
enum Operands {
    static let modrm: UInt8 = 0x10
    // Immediate kinds (low nibble)
    static let none: UInt8 = 0
    static let ib: UInt8 = 1          // 8-bit immediate or rel8
    static let iw: UInt8 = 2          // 16-bit immediate
    static let iv: UInt8 = 3          // 16 or 32 bits by operand size (also rel16/32)
    static let farPointer: UInt8 = 4  // offset (iv) then selector (iw)
    static let moffs: UInt8 = 5       // offset by address size
    static let enter: UInt8 = 6       // iw then ib
    static let groupF6: UInt8 = 7     // F6/F7: an immediate only for /0 and /1 (TEST)

    /// 512 entries: one-byte map then the 0F map.
    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 512)
        func set(_ ops: [Int], _ v: UInt8) { for o in ops { t[o] = v } }
        // 00-3F: the eight ALU operations, each Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iv
        for row in stride(from: 0, to: 0x40, by: 8) {
            set([row, row + 1, row + 2, row + 3], modrm)
            t[row + 4] = ib
            t[row + 5] = iv
        }
        set([0x62, 0x63, 0x69, 0x6B], modrm)
        t[0x68] = iv; t[0x69] |= iv; t[0x6A] = ib; t[0x6B] |= ib
        for o in 0x70...0x7F { t[o] = ib }
        t[0x80] = modrm | ib; t[0x81] = modrm | iv; t[0x82] = modrm | ib; t[0x83] = modrm | ib
        for o in 0x84...0x8F { t[o] = modrm }
        t[0x9A] = farPointer
        for o in 0xA0...0xA3 { t[o] = moffs }
        t[0xA8] = ib; t[0xA9] = iv
        for o in 0xB0...0xB7 { t[o] = ib }
        for o in 0xB8...0xBF { t[o] = iv }
        t[0xC0] = modrm | ib; t[0xC1] = modrm | ib
        t[0xC2] = iw; t[0xC4] = modrm; t[0xC5] = modrm
        t[0xC6] = modrm | ib; t[0xC7] = modrm | iv
        t[0xC8] = enter; t[0xCA] = iw; t[0xCD] = ib
        for o in 0xD0...0xD3 { t[o] = modrm }
        t[0xD4] = ib; t[0xD5] = ib
        for o in 0xD8...0xDF { t[o] = modrm }
        for o in 0xE0...0xE7 { t[o] = ib }
        t[0xE8] = iv; t[0xE9] = iv; t[0xEA] = farPointer; t[0xEB] = ib
        t[0xF6] = modrm | groupF6; t[0xF7] = modrm | groupF6
        t[0xFE] = modrm; t[0xFF] = modrm
        // 0F map
        let x = 0x100
        set([x + 0x00, x + 0x01, x + 0x02, x + 0x03], modrm)
        for o in 0x20...0x27 { t[x + o] = modrm }
        for o in 0x40...0x4F { t[x + o] = modrm }
        for o in 0x80...0x8F { t[x + o] = iv }
        for o in 0x90...0x9F { t[x + o] = modrm }
        set([x + 0xA3, x + 0xA5, x + 0xAB, x + 0xAD, x + 0xAF], modrm)
        t[x + 0xA4] = modrm | ib; t[x + 0xAC] = modrm | ib
        for o in 0xB0...0xBF { t[x + o] = modrm }
        t[x + 0xBA] = modrm | ib
        set([x + 0xC0, x + 0xC1, x + 0xC7], modrm)
        return t
    }()
}
