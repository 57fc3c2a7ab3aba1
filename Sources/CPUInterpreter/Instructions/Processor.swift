/// HLT, CPUID, RDTSC, RDMSR/WRMSR, the x87 escapes and WAIT, UD2.
extension CPU {
    /// F4 HLT: privileged in protected mode (SDM vol. 2, HLT).
    func hlt(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        try requireCPL0()
        halted = true
    }

    /// SDM vol. 3, 5.9: privileged instructions raise #GP(0) unless CPL = 0 (V86 runs at CPL 3).
    @inline(__always) func requireCPL0() throws(Fault) {
        guard protectedMode else { return }
        let ok = cpl == 0 && !v86Mode
        try require(ok, .privilegedInstructionAtCPL0, Fault.generalProtection(0), "CPL=\(v86Mode ? 3 : cpl)")
    }

    /// 0F A2 CPUID (Pentium and P6; the 386 and 486 models raise #UD).
    /// No FPU is reported: x87 arrives in its own issue.
    func cpuid() {
        let leaf = regs[Reg.eax]
        switch leaf {
        case 0:
            regs[Reg.eax] = 1
            regs[Reg.ebx] = 0x756E_6547     // "Genu"
            regs[Reg.edx] = 0x4965_6E69     // "ineI"
            regs[Reg.ecx] = 0x6C65_746E     // "ntel"
        default:
            // Family, model, stepping; PSE, TSC, MSR, CX8 (+ PGE, CMOV on P6).
            regs[Reg.eax] = model.resetEDX
            regs[Reg.ebx] = 0
            regs[Reg.ecx] = 0
            var features: UInt32 = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8)
            if model == .p6 { features |= (1 << 13) | (1 << 15) }
            regs[Reg.edx] = leaf == 1 ? features : 0
            if leaf != 1 { regs[Reg.eax] = 0 }
        }
    }

    /// 0F 31 RDTSC: the cycle counter; CR4.TSD makes it privileged.
    func rdtsc() throws(Fault) {
        if cr4 & CR4.tsd != 0 { try requireCPL0() }
        regs[Reg.eax] = UInt32(truncatingIfNeeded: cycles)
        regs[Reg.edx] = UInt32(truncatingIfNeeded: cycles >> 32)
    }

    /// 0F 32 RDMSR / 0F 30 WRMSR: only the time-stamp counter (MSR 10h) exists; others #GP(0).
    func msr(write: Bool) throws(Fault) {
        try requireCPL0()
        guard regs[Reg.ecx] == 0x10 else { throw Fault.generalProtection(0) }
        if write {
            cycles = UInt64(regs[Reg.edx]) << 32 | UInt64(regs[Reg.eax])
        } else {
            regs[Reg.eax] = UInt32(truncatingIfNeeded: cycles)
            regs[Reg.edx] = UInt32(truncatingIfNeeded: cycles >> 32)
        }
    }

    /// D8-DF: x87 escapes. With no FPU: CR0.EM or CR0.TS raise #NM (SDM vol. 3, 2.5);
    /// otherwise the instruction finds no coprocessor and does nothing.
    func floatingPointEscape(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        if cr0 & (CR0.em | CR0.ts) != 0 { throw Fault.deviceNotAvailable }
    }

    /// 9B WAIT/FWAIT: #NM when CR0.TS and CR0.MP are both set.
    func wait(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        if cr0 & (CR0.ts | CR0.mp) == (CR0.ts | CR0.mp) { throw Fault.deviceNotAvailable }
    }
}
