import CPUInterpreter

/// `set REG = VALUE`: the debugger writes a register directly, without the checks an
/// instruction would make. A segment register gets the hidden cache a load would give it
/// now (selector × 16 in real mode, the GDT/LDT descriptor in protected mode).
enum RegisterWriter {
    static func write(_ reg: RegisterName, _ v: UInt32, session: DebugSession) throws {
        let cpu = session.cpu
        switch reg {
        case .gpr32(let r): cpu.setReg32(r, v)
        case .gpr16(let r): cpu.setReg16(r, UInt16(truncatingIfNeeded: v))
        case .gpr8(let r): cpu.setReg8(r, UInt8(truncatingIfNeeded: v))
        case .eip: cpu.eip = v
        case .ip: cpu.eip = v & 0xFFFF
        case .eflags: cpu.eflags = v
        case .flags: cpu.eflags = (cpu.eflags & 0xFFFF_0000) | (v & 0xFFFF)
        case .flagBit(let b): cpu.eflags = v != 0 ? cpu.eflags | b : cpu.eflags & ~b
        case .segment(let s):
            let sel = UInt16(truncatingIfNeeded: v)
            if !cpu.protectedMode || cpu.v86Mode {
                cpu.setRealModeSegment(s, sel)
            } else if Selector(sel).isNull && s != Seg.cs && s != Seg.ss {
                cpu.setSegmentRegister(s, selector: sel, base: 0, limit: 0, attributes: 0)
            } else {
                switch session.memory.descriptor(sel) {
                case .success(let d) where d.isCodeOrData:
                    cpu.setSegmentRegister(s, selector: sel, base: d.base, limit: d.limit, attributes: d.attributes)
                case .success(let d):
                    throw SyntaxError("selector 0x\(hex(sel, 4)) names a \(d.typeName), not a code or data segment")
                case .failure(let e):
                    throw SyntaxError("selector 0x\(hex(sel, 4)): \(e)")
                }
            }
        case .cr(let n):
            switch n {
            case 0: cpu.cr0 = v
            case 2: cpu.cr2 = v
            case 3: cpu.cr3 = v & 0xFFFF_F018
            default: cpu.cr4 = v
            }
            cpu.flushTLB()
        case .cpl, .iopl:
            throw SyntaxError("CPL and IOPL change through CS and EFLAGS (set cs = ..., set eflags = ...)")
        }
    }
}
