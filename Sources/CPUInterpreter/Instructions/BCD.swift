/// Decimal adjust: DAA DAS AAA AAS AAM AAD, and the undocumented SALC (SDM vol. 2).
extension CPU {
    /// 27 DAA: OF is undefined (left from the last flag computation).
    func daa() {
        let al = UInt32(reg8(0))
        let oldCF = cf, oldAF = af
        var newAL = al
        var newCF = false, newAF = false
        if al & 0x0F > 9 || oldAF {
            newAL = (al &+ 6) & 0xFF
            newCF = oldCF || al > 0xF9
            newAF = true
        }
        if al > 0x99 || oldCF {
            newAL = (newAL &+ 0x60) & 0xFF
            newCF = true
        }
        setReg8(0, UInt8(newAL))
        setFlagsSZP(newAL, 0, cf: newCF, of: of, af: newAF)
    }

    /// 2F DAS.
    func das() {
        let al = UInt32(reg8(0))
        let oldCF = cf, oldAF = af
        var newAL = al
        var newCF = false, newAF = false
        if al & 0x0F > 9 || oldAF {
            newAL = (al &- 6) & 0xFF
            newCF = oldCF || al < 6
            newAF = true
        }
        if al > 0x99 || oldCF {
            newAL = (newAL &- 0x60) & 0xFF
            newCF = true
        }
        setReg8(0, UInt8(newAL))
        setFlagsSZP(newAL, 0, cf: newCF, of: of, af: newAF)
    }

    /// 37 AAA / 3F AAS: AX ± 106h when AL's low nibble > 9 or AF; then AL &= 0Fh.
    /// OF SF ZF PF are undefined; we set SF ZF PF from the resulting AL... as the
    /// 386 does, from the result before masking.
    func asciiAdjust(subtract: Bool) {
        let ax = regs[Reg.eax] & 0xFFFF
        let al = ax & 0xFF
        if al & 0x0F > 9 || af {
            let r = subtract ? ax &- 0x106 : ax &+ 0x106
            setReg16(Reg.eax, UInt16(truncatingIfNeeded: r & 0xFF0F))
            setFlagsSZP(r, 0, cf: true, of: of, af: true)
        } else {
            setReg16(Reg.eax, UInt16(truncatingIfNeeded: ax & 0xFF0F))
            setFlagsSZP(al, 0, cf: false, of: of, af: false)
        }
    }

    /// D4 AAM ib: AH ← AL / imm, AL ← AL mod imm; imm = 0 raises #DE.
    func aam(_ base: UInt32) throws(Fault) {
        guard base & 0xFF != 0 else { throw Fault.divideError }
        let al = UInt32(reg8(0))
        let b = base & 0xFF
        let r = ((al / b) << 8) | (al % b)
        setReg16(Reg.eax, UInt16(truncatingIfNeeded: r))
        setFlagsSZP(r & 0xFF, 0, cf: false, of: false, af: false)
    }

    /// D5 AAD ib: AL ← (AL + AH·imm) & FFh, AH ← 0. Flags as the 8-bit ADD it performs.
    func aad(_ base: UInt32) {
        let al = UInt32(reg8(0)), ah = UInt32(reg8(4))
        let product = (ah &* (base & 0xFF)) & 0xFF
        let r = alu(0, al, product, 0)
        setReg16(Reg.eax, UInt16(truncatingIfNeeded: r))
    }

    /// D6 SALC (undocumented, all Intel CPUs from the 8086): AL ← CF ? FFh : 00h.
    func salc() {
        setReg8(0, cf ? 0xFF : 0)
    }
}
