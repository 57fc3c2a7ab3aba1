/// CLC STC CMC CLD STD CLI STI (SDM vol. 2).
extension CPU {
    func flagControl(_ ins: Instruction) throws(Fault) {
        try checkLock(ins, lockable: false)
        switch ins.op {
        case 0xF5: setCF(!cf)
        case 0xF8: setCF(false)
        case 0xF9: setCF(true)
        case 0xFC: flagsStore &= ~Flag.df
        case 0xFD: flagsStore |= Flag.df
        case 0xFA:
            try checkInterruptFlagPrivilege()
            flagsStore &= ~Flag.if
        default: // FB STI: interrupts stay blocked until after the next instruction
            try checkInterruptFlagPrivilege()
            if flagsStore & Flag.if == 0 { interruptShadow = true }
            flagsStore |= Flag.if
        }
    }

    /// SDM vol. 2, CLI/STI: protected mode needs CPL ≤ IOPL; virtual-8086 mode needs IOPL = 3; else #GP(0).
    @inline(__always) func checkInterruptFlagPrivilege() throws(Fault) {
        guard protectedMode else { return }
        let allowed = v86Mode ? iopl == 3 : UInt32(cpl) <= iopl
        try require(allowed, .ioPrivilegeLevel, Fault.generalProtection(0), "CPL=\(cpl) IOPL=\(iopl)\(v86Mode ? " (V86)" : "")")
    }

    /// After POPF/IRET changed EFLAGS: if VM changed, so did the segment rules. The test
    /// inline (VM rarely changes), the recomputation out of line.
    @inline(__always) func updateAfterFlagsWrite() {
        let vm = flagsStore & Flag.vm != 0
        guard vm != segmentRulesForV86 else { return }
        updateSegmentRules(vm: vm)
    }

    @inline(never) func updateSegmentRules(vm: Bool) {
        segmentRulesForV86 = vm
        for s in 0..<6 { updateSegmentAccess(s) }
    }
}
