/// The commonest privilege transitions, decided before anything changes: delivery through an
/// interrupt or trap gate in protected mode (INT n, exceptions, hardware interrupts), IRET to
/// the same or an outer level, a far CALL through a call gate to an inner level and RETF to the
/// same or an outer level, with no observer attached.
///
/// Each function evaluates the checks of the full path (Interrupts.swift, InterruptReturn.swift,
/// FarTransfer.swift, Stacks.swift) on values read without side effects: descriptors, gates and the TSS's SS:ESP
/// from pages the supervisor TLB set maps (`probeSystem64`), the stack frame in one page the
/// TLB maps for the access. Only when every check passes and nothing left can fault (the
/// accessed bits are already set, so no descriptor write is due; the frame's page is mapped)
/// does it make the state changes of the full path, in the same order. Otherwise it returns
/// false having changed nothing, and the full path runs from the start: it raises the exact
/// fault, narrates, walks the page tables and sets accessed bits as it always did.
extension CPU {
    /// Interrupt or trap gate delivery outside virtual-8086 mode (SDM vol. 3, 6.12.1).
    /// The gate's size (D, type bit 3) picks a copy of the body compiled for that frame size.
    @inline(never)
    func deliverThroughGateDirectly(vector: UInt8, errorCode: UInt32?, returnTo: UInt32, software: Bool) -> Bool {
        // The same INT n as last time, with every byte it read unchanged
        // (Protection/InwardTransitionMemos.swift): the checks passed then, so they pass now.
        if software && errorCode == nil && interruptMemo.holds(UInt32(vector), for: self) {
            let m = interruptMemo
            return deliverInward(m.gate, code: m.code, codeLimit: m.codeLimit, stack: m.stack, ss: m.ss, size: 2,
                                 errorCode: nil, returnTo: returnTo)
        }
        let entry = UInt32(vector) &* 8
        // SDM 3 6.10: the gate lies within the IDT limit.
        guard entry &+ 7 <= idtrLimit, let q = probeSystem64(idtrBase &+ entry) else { return false }
        let gate = Descriptor(low: UInt32(truncatingIfNeeded: q), high: UInt32(truncatingIfNeeded: q >> 32))
        if gate.high & 0x800 != 0 {
            return deliverThroughGate(gate, vector: vector, size: 2, errorCode: errorCode, returnTo: returnTo, software: software)
        }
        return deliverThroughGate(gate, vector: vector, size: 1, errorCode: errorCode, returnTo: returnTo, software: software)
    }

    /// The rest of `deliverThroughGateDirectly` for a gate of `size` (1: 16-bit, 2: 32-bit).
    @inline(__always)
    private func deliverThroughGate(_ gate: Descriptor, vector: UInt8, size: Int, errorCode: UInt32?, returnTo: UInt32,
                                    software: Bool) -> Bool {
        // SDM 3 6.11: an interrupt or trap gate, 16 or 32 bits (S = 0, type 6, 7, 14 or 15);
        // task gates take the full path.
        let kind = UInt8(truncatingIfNeeded: gate.high >> 8) & 0x1F
        guard kind & 0x16 == 0x06 else { return false }
        // SDM 3 6.12.1.1: INT n, INT3 and INTO need gate DPL >= CPL.
        if software && gate.dpl < cpl { return false }
        // SDM 3 6.12.1: the gate must be present.
        guard gate.present else { return false }
        // SDM 3 6.12.1: the handler CS is a non-null selector within its table naming a code
        // segment with DPL <= CPL, present (and already accessed: nothing to write).
        let codeSel = Selector(gate.gateSelector)
        guard !codeSel.isNull, let code = probeDescriptor(codeSel), code.isCode, code.dpl <= cpl,
              code.present, code.high & 0x100 != 0 else { return false }
        let n = UInt32(1 << size)
        let target = size == 2 ? gate.gateOffset : gate.gateOffset & 0xFFFF
        // SDM 2 INT n: the handler's EIP must lie within the code segment limit.
        let codeLimit = code.limit
        guard target <= codeLimit else { return false }
        if !code.conforming && code.dpl < cpl {
            let newCPL = code.dpl
            // SDM 3 7.2.1: SS:ESP for the new level from a 32-bit TSS, within its limit
            // (a 16-bit TSS takes the full path).
            let offset = UInt32(newCPL) &* 8 &+ 4
            guard trAttr & 0x8 != 0, offset &+ 5 <= trLimit, let t = probeSystem64(trBase &+ offset) else { return false }
            // SDM 3 6.12.1: the new SS is a non-null selector within its table, RPL = DPL = new
            // CPL, a writable data segment, present (and already accessed).
            let ssSel = Selector(UInt16(truncatingIfNeeded: t >> 32))
            guard !ssSel.isNull, let ss = probeDescriptor(ssSel), ssSel.rpl == newCPL, ss.dpl == newCPL,
                  ss.writable, ss.present, ss.high & 0x100 != 0 else { return false }
            if software && errorCode == nil && size == 2 {
                interruptMemo.remember(UInt32(vector), gateAt: idtrBase &+ UInt32(vector) &* 8, gate: gate, code: code,
                                       codeLimit: codeLimit, stackAt: trBase &+ offset, stack: t, ss: ss, for: self)
            }
            return deliverInward(gate, code: code, codeLimit: codeLimit, stack: t, ss: ss, size: size,
                                 errorCode: errorCode, returnTo: returnTo)
        }
        // The same level: the frame below ESP on the current stack.
        let frameBytes = UInt32(3 + (errorCode != nil ? 1 : 0)) &* n
        let flags = eflags
        guard let p = beginFrame(frameBytes).host else { return false }
        setStackPointer(stackPointer &- frameBytes)
        finishDelivery(gate, code: code, codeLimit: codeLimit, frame: p + Int(frameBytes), flags: flags, size: size,
                       errorCode: errorCode, returnTo: returnTo, newCPL: cpl)
        return true
    }

    /// Delivery to the inner level of `code` on the stack `stack` (the TSS's ESP, SS) names,
    /// every check before the stack's room passed.
    @inline(__always)
    private func deliverInward(_ gate: Descriptor, code: Descriptor, codeLimit: UInt32, stack: UInt64, ss: Descriptor,
                               size: Int, errorCode: UInt32?, returnTo: UInt32) -> Bool {
        let n = UInt32(1 << size)
        let frameBytes = UInt32(5 + (errorCode != nil ? 1 : 0)) &* n
        let ssValue = UInt16(truncatingIfNeeded: stack >> 32), newESP = UInt32(truncatingIfNeeded: stack)
        // SDM 3 6.12.1 (stack room, #SS).
        guard let (top, frame, ssLimit) = innerStackFrame(ss, esp: newESP, bytes: frameBytes) else { return false }
        // Everything passed: switch to the inner stack and push SS and ESP.
        let flags = eflags
        let oldSS = UInt32(segSelector[Seg.ss]), oldESP = regs[Reg.esp]
        loadStackSegmentCache(ssValue, ss, limit: ssLimit)
        regs[Reg.esp] = ss.defaultBig ? newESP &- frameBytes : (oldESP & 0xFFFF_0000) | (top &- frameBytes)
        store(frame + Int(frameBytes &- n), size, oldSS)
        store(frame + Int(frameBytes &- 2 &* n), size, oldESP)
        finishDelivery(gate, code: code, codeLimit: codeLimit, frame: frame + Int(frameBytes &- 2 &* n), flags: flags,
                       size: size, errorCode: errorCode, returnTo: returnTo, newCPL: code.dpl)
        return true
    }

    /// The `frameBytes` bytes below the new ESP on the inner stack `ss`, when they fit in the
    /// expand-up segment (else #SS, which the full path raises) and lie in one page the
    /// supervisor set maps for writing: the stack's top, the frame's host address and `ss.limit`.
    @inline(__always)
    private func innerStackFrame(_ ss: Descriptor, esp newESP: UInt32, bytes frameBytes: UInt32)
        -> (UInt32, UnsafeMutableRawPointer, UInt32)? {
        let top = ss.defaultBig ? newESP : newESP & 0xFFFF
        let limit = ss.limit
        guard ss.type & 4 == 0, top >= frameBytes, top &- 1 <= limit else { return nil }
        let low = ss.base &+ (top &- frameBytes)
        let vpn = low >> 12, i = TLB.index(vpn)
        guard (ss.base &+ (top &- 1)) >> 12 == vpn, supervisorTLB.writeTag[i] == vpn else { return nil }
        return (top, UnsafeMutableRawPointer(bitPattern: supervisorTLB.writeAddend[i] &+ Int(low)).unsafelyUnwrapped, limit)
    }

    /// The rest of a delivery: EFLAGS CS EIP [error code] below `frame`, CS:EIP ← the handler
    /// and CPL ← `newCPL` (loading CS sets it).
    @inline(__always)
    private func finishDelivery(_ gate: Descriptor, code: Descriptor, codeLimit: UInt32, frame: UnsafeMutableRawPointer,
                                flags: UInt32, size: Int, errorCode: UInt32?, returnTo: UInt32, newCPL: UInt8) {
        let n = UInt32(1 << size)
        store(frame - Int(n), size, flags & (size == 2 ? 0xFFFF_FFFF : 0xFFFF))
        // CS is still the interrupted code's: the stack switch above loads SS only.
        store(frame - Int(2 &* n), size, UInt32(segSelector[Seg.cs]))
        store(frame - Int(3 &* n), size, returnTo)
        if let e = errorCode { store(frame - Int(4 &* n), size, e) }
        loadCodeSegmentCache((gate.gateSelector & ~3) | UInt16(newCPL), code, limit: codeLimit)
        eip = size == 2 ? gate.gateOffset : gate.gateOffset & 0xFFFF
        // SDM 6.12.1.2: TF, NT, RF and VM are cleared; an interrupt gate (type bit 0 = 0) also clears IF.
        var clear = Flag.tf | Flag.nt | Flag.rf | Flag.vm
        if (gate.high >> 8) & 1 == 0 { clear |= Flag.if }
        flagsStore &= ~clear
        updateAfterFlagsWrite()
    }

    /// `bytes` bytes from SP up when SS is an expand-up readable segment holding them within its
    /// limit without wrap-around and they lie in one page the current TLB set maps for reading:
    /// reads there are exactly what `peekStack` would read. Nil otherwise.
    @inline(__always) func directStackSlots(_ bytes: UInt32) -> UnsafeRawPointer? {
        let sp = stackPointer
        let last = sp &+ (bytes &- 1)
        // SDM 5.3, 5.4: readable, expand-up, every byte within the limit.
        guard segAccess[Seg.ss] & (SegmentAccess.readable | SegmentAccess.expandDown) == SegmentAccess.readable,
              last >= sp, last <= stackMask(), last <= segLimit[Seg.ss] else { return nil }
        let low = segBase[Seg.ss] &+ sp
        let vpn = low >> 12, i = TLB.index(vpn)
        guard (segBase[Seg.ss] &+ last) >> 12 == vpn, tlb.readTag[i] == vpn else { return nil }
        return UnsafeRawPointer(bitPattern: tlb.readAddend[i] &+ Int(low))
    }

    /// Stack slot `k` (of `1 << size` bytes each) from `p` up.
    @inline(__always) func slot(_ p: UnsafeRawPointer, _ k: UInt32, _ size: Int) -> UInt32 {
        size == 2 ? p.loadUnaligned(fromByteOffset: Int(k) << 2, as: UInt32.self)
                  : UInt32(p.loadUnaligned(fromByteOffset: Int(k) << 1, as: UInt16.self))
    }

    /// IRET to the same or an outer level, NT = 0, outside virtual-8086 mode (SDM vol. 2 IRET).
    @inline(never)
    func returnFromInterruptDirectly(_ size: Int) -> Bool {
        size == 2 ? returnFromInterrupt(size: 2) : returnFromInterrupt(size: 1)
    }

    /// `returnFromInterruptDirectly` compiled for one operand size (1: IRET, 2: IRETD).
    @inline(__always)
    private func returnFromInterrupt(size: Int) -> Bool {
        guard let p = directStackSlots(3 &* UInt32(1 << size)) else { return false }
        let offset = slot(p, 0, size), value = UInt16(truncatingIfNeeded: slot(p, 1, size)), flags = slot(p, 2, size)
        // SDM 2 IRET: a return to virtual-8086 mode takes the full path.
        if size == 2 && flags & Flag.vm != 0 && cpl == 0 { return false }
        // An outward return to the CS and SS of the last one, their descriptors unchanged
        // (Protection/OutwardReturnMemo.swift): only the EIP limit check depends on more.
        if size == 2 && UInt8(value & 3) > cpl, let q = directStackSlots(5 &* 4) {
            let ssValue = UInt16(truncatingIfNeeded: slot(q, 4, size))
            if outwardMemo.holds(code: value, stack: ssValue, for: self) {
                let m = outwardMemo
                // SDM 2 IRET: EIP within the code segment limit.
                guard offset <= m.codeLimit else { return false }
                returnFromInterruptOutward(value, m.code, limit: m.codeLimit, target: offset, flags: flags,
                                           ssValue: ssValue, m.ss, esp: slot(q, 3, size), size: size)
                return true
            }
        }
        // SDM 2 IRET: the return CS is a non-null selector with RPL >= CPL within its table, a
        // code segment with DPL = RPL (conforming: DPL <= RPL), present (and already accessed).
        let sel = Selector(value)
        guard !sel.isNull, sel.rpl >= cpl, let d = probeDescriptor(sel), d.isCode,
              d.conforming ? d.dpl <= sel.rpl : d.dpl == sel.rpl, d.present, d.high & 0x100 != 0 else { return false }
        let target = size == 2 ? offset : offset & 0xFFFF
        // SDM 2 IRET: EIP within the code segment limit.
        let limit = d.limit
        guard target <= limit else { return false }
        let oldCPL = cpl
        if sel.rpl == cpl {
            setStackPointer((stackPointer &+ 3 &* UInt32(1 << size)) & stackMask())
            loadCodeSegmentCache(value, d, limit: limit)
            eip = target
            writeFlagsOnReturn(flags, size: size, privilege: oldCPL)
            return true
        }
        guard let q = directStackSlots(5 &* UInt32(1 << size)) else { return false }
        let newESP = slot(q, 3, size), ssValue = UInt16(truncatingIfNeeded: slot(q, 4, size))
        // SDM 2 IRET: the outer SS is a non-null selector within its table with RPL = the
        // return RPL, a writable data segment with DPL = that RPL, present (and already accessed).
        let ssSel = Selector(ssValue)
        guard !ssSel.isNull, let ss = probeDescriptor(ssSel), ssSel.rpl == sel.rpl, ss.writable,
              ss.dpl == sel.rpl, ss.present, ss.high & 0x100 != 0 else { return false }
        if size == 2 { outwardMemo.remember(code: value, d, limit: limit, stack: ssValue, ss, for: self) }
        returnFromInterruptOutward(value, d, limit: limit, target: target, flags: flags, ssValue: ssValue, ss,
                                   esp: newESP, size: size)
        return true
    }

    /// The outward IRET's state changes, every check passed.
    @inline(__always)
    private func returnFromInterruptOutward(_ value: UInt16, _ d: Descriptor, limit: UInt32, target: UInt32, flags: UInt32,
                                            ssValue: UInt16, _ ss: Descriptor, esp newESP: UInt32, size: Int) {
        let oldCPL = cpl
        loadCodeSegmentCache(value, d, limit: limit)
        eip = target
        writeFlagsOnReturn(flags, size: size, privilege: oldCPL)
        loadStackSegmentCache(ssValue, ss, limit: ss.limit)
        let esp = size == 2 ? newESP : newESP & 0xFFFF
        if ss.defaultBig { regs[Reg.esp] = esp } else { setReg16(Reg.esp, UInt16(truncatingIfNeeded: esp)) }
        nullInaccessibleDataSegments()
    }

    /// CALL through a 16/32-bit call gate to a more privileged non-conforming code segment
    /// (SDM vol. 3, 5.8.4-5.8.5; vol. 2 CALL "CALL-GATE", "MORE-PRIVILEGE").
    @inline(never)
    func callThroughGateDirectly(_ value: UInt16) -> Bool {
        // The same call gate as last time, with every byte it read unchanged
        // (Protection/InwardTransitionMemos.swift): the checks passed then, so they pass now.
        if callGateMemo.holds(UInt32(value), for: self) {
            let m = callGateMemo
            return callInward(m.gate, code: m.code, codeLimit: m.codeLimit, stack: m.stack, ss: m.ss, size: 2)
        }
        let gateSel = Selector(value)
        // SDM 2 CALL: a non-null selector within its table naming a call gate (S = 0, type 4 or 12).
        guard !gateSel.isNull, let gate = probeDescriptor(gateSel) else { return false }
        let kind = UInt8(truncatingIfNeeded: gate.high >> 8) & 0x17
        guard kind == 0x04 else { return false }
        // The gate's size (type bit 3) picks a copy of the rest compiled for that frame size.
        return gate.high & 0x800 != 0 ? callThroughGate(gateSel, gate, size: 2) : callThroughGate(gateSel, gate, size: 1)
    }

    /// The rest of `callThroughGateDirectly` for a call gate of `size` (1: 16-bit, 2: 32-bit).
    @inline(__always)
    private func callThroughGate(_ gateSel: Selector, _ gate: Descriptor, size: Int) -> Bool {
        // SDM 3 5.8.4: gate DPL >= CPL and >= RPL; the gate must be present.
        guard gate.dpl >= cpl && gate.dpl >= gateSel.rpl, gate.present else { return false }
        // SDM 3 5.8.4: the gate names a non-null selector within its table of a present code
        // segment with DPL <= CPL (already accessed); here a non-conforming one with DPL < CPL.
        let codeSel = Selector(gate.gateSelector)
        guard !codeSel.isNull, let code = probeDescriptor(codeSel), code.isCode, code.dpl <= cpl,
              code.present, code.high & 0x100 != 0, !code.conforming, code.dpl < cpl else { return false }
        let target = size == 2 ? gate.gateOffset : gate.gateOffset & 0xFFFF
        // SDM 2 CALL: the target EIP within the code segment limit.
        let codeLimit = code.limit
        guard target <= codeLimit else { return false }
        let newCPL = code.dpl
        // SDM 3 7.2.1: SS:ESP for the new level from a 32-bit TSS, within its limit.
        let offset = UInt32(newCPL) &* 8 &+ 4
        guard trAttr & 0x8 != 0, offset &+ 5 <= trLimit, let t = probeSystem64(trBase &+ offset) else { return false }
        // SDM 3 5.8.5: the new SS is a non-null selector within its table, RPL = DPL = new CPL,
        // a writable data segment, present (and already accessed).
        let ssSel = Selector(UInt16(truncatingIfNeeded: t >> 32))
        guard !ssSel.isNull, let ss = probeDescriptor(ssSel), ssSel.rpl == newCPL, ss.dpl == newCPL,
              ss.writable, ss.present, ss.high & 0x100 != 0 else { return false }
        if size == 2 && !gateSel.tableIndicator {
            callGateMemo.remember(UInt32(gateSel.value), gateAt: descriptorAddress(gateSel), gate: gate,
                                  code: code, codeLimit: codeLimit, stackAt: trBase &+ offset, stack: t, ss: ss, for: self)
        }
        return callInward(gate, code: code, codeLimit: codeLimit, stack: t, ss: ss, size: size)
    }

    /// The call to the inner level of `code` on the stack `stack` (the TSS's ESP, SS) names,
    /// every check before the parameters and the stack's room passed.
    @inline(__always)
    private func callInward(_ gate: Descriptor, code: Descriptor, codeLimit: UInt32, stack: UInt64, ss: Descriptor,
                            size: Int) -> Bool {
        let n = UInt32(1 << size)
        let parameters = gate.gateParameterCount
        let newCPL = code.dpl
        let ssValue = UInt16(truncatingIfNeeded: stack >> 32), newESP = UInt32(truncatingIfNeeded: stack)
        // The parameters, read from the caller's stack as `peekStack` reads them.
        var source: UnsafeRawPointer? = nil
        if parameters > 0 {
            guard let p = directStackSlots(parameters &* n) else { return false }
            source = p
        }
        // SDM 3 5.8.5 (#SS): SS ESP, the parameters, CS EIP fit below the new ESP.
        let frameBytes = (4 &+ parameters) &* n
        guard let (top, frame, ssLimit) = innerStackFrame(ss, esp: newESP, bytes: frameBytes) else { return false }
        // The full path reads every parameter before it pushes any: a frame overlapping them takes it.
        if let src = source, UnsafeRawPointer(frame) < src + Int(parameters &* n), src < UnsafeRawPointer(frame) + Int(frameBytes) {
            return false
        }
        // Everything passed: switch stacks, copy the frame, enter the handler.
        let oldSS = UInt32(segSelector[Seg.ss]), oldESP = regs[Reg.esp], oldCS = UInt32(segSelector[Seg.cs])
        if let src = source {
            for k in 0..<Int(parameters) { store(frame + (2 + k) * Int(n), size, slot(src, UInt32(k), size)) }
        }
        loadStackSegmentCache(ssValue, ss, limit: ssLimit)
        regs[Reg.esp] = ss.defaultBig ? newESP &- frameBytes : (oldESP & 0xFFFF_0000) | (top &- frameBytes)
        store(frame + Int(frameBytes &- n), size, oldSS)
        store(frame + Int(frameBytes &- 2 &* n), size, oldESP)
        store(frame + Int(n), size, oldCS)
        store(frame, size, eip)
        loadCodeSegmentCache((gate.gateSelector & ~3) | UInt16(newCPL), code, limit: codeLimit)
        eip = size == 2 ? gate.gateOffset : gate.gateOffset & 0xFFFF
        return true
    }

    @inline(__always) private func slot(_ p: UnsafeRawPointer, byteOffset k: UInt32, _ size: Int) -> UInt32 {
        size == 2 ? p.loadUnaligned(fromByteOffset: Int(k), as: UInt32.self)
                  : UInt32(p.loadUnaligned(fromByteOffset: Int(k), as: UInt16.self))
    }

    /// RETF (imm16) to the same or an outer level (SDM vol. 2 RET "PROTECTED-MODE").
    @inline(never)
    func farReturnDirectly(_ size: Int, release: UInt32) -> Bool {
        size == 2 ? farReturn(size: 2, release: release) : farReturn(size: 1, release: release)
    }

    /// `farReturnDirectly` compiled for one operand size (1: 16-bit, 2: 32-bit).
    @inline(__always)
    private func farReturn(size: Int, release: UInt32) -> Bool {
        let n = UInt32(1 << size)
        guard let p = directStackSlots(2 &* n) else { return false }
        let offset = slot(p, 0, size), value = UInt16(truncatingIfNeeded: slot(p, 1, size))
        // An outward return to the CS and SS of the last one, their descriptors unchanged
        // (Protection/OutwardReturnMemo.swift): only the EIP limit check depends on more.
        if size == 2 && UInt8(value & 3) > cpl, let q = directStackSlots(4 &* n &+ release) {
            let ssValue = UInt16(truncatingIfNeeded: slot(q, byteOffset: 3 &* n &+ release, size))
            if outwardMemo.holds(code: value, stack: ssValue, for: self) {
                let m = outwardMemo
                // SDM 2 RET: EIP within the code segment limit.
                guard offset <= m.codeLimit else { return false }
                farReturnOutward(value, m.code, limit: m.codeLimit, target: offset, ssValue: ssValue, m.ss,
                                 esp: slot(q, byteOffset: 2 &* n &+ release, size), release: release, size: size)
                return true
            }
        }
        // SDM 2 RET: the return CS is a non-null selector with RPL >= CPL within its table, a
        // code segment with DPL = RPL (conforming: DPL <= RPL), present (and already accessed).
        let sel = Selector(value)
        guard !sel.isNull, sel.rpl >= cpl, let d = probeDescriptor(sel), d.isCode,
              d.conforming ? d.dpl <= sel.rpl : d.dpl == sel.rpl, d.present, d.high & 0x100 != 0 else { return false }
        let target = size == 2 ? offset : offset & 0xFFFF
        // SDM 2 RET: EIP within the code segment limit.
        let limit = d.limit
        guard target <= limit else { return false }
        if sel.rpl == cpl {
            setStackPointer((stackPointer &+ 2 &* n &+ release) & stackMask())
            loadCodeSegmentCache(value, d, limit: limit)
            eip = target
            return true
        }
        // The caller's SS:ESP above the released parameters.
        guard let q = directStackSlots(4 &* n &+ release) else { return false }
        let newESP = slot(q, byteOffset: 2 &* n &+ release, size)
        let ssValue = UInt16(truncatingIfNeeded: slot(q, byteOffset: 3 &* n &+ release, size))
        // SDM 2 RET: the outer SS is a non-null selector within its table with RPL = the return
        // RPL, a writable data segment with DPL = that RPL, present (and already accessed).
        let ssSel = Selector(ssValue)
        guard !ssSel.isNull, let ss = probeDescriptor(ssSel), ssSel.rpl == sel.rpl, ss.writable,
              ss.dpl == sel.rpl, ss.present, ss.high & 0x100 != 0 else { return false }
        if size == 2 { outwardMemo.remember(code: value, d, limit: limit, stack: ssValue, ss, for: self) }
        farReturnOutward(value, d, limit: limit, target: target, ssValue: ssValue, ss, esp: newESP, release: release,
                         size: size)
        return true
    }

    /// The outward RETF's state changes, every check passed.
    @inline(__always)
    private func farReturnOutward(_ value: UInt16, _ d: Descriptor, limit: UInt32, target: UInt32, ssValue: UInt16,
                                  _ ss: Descriptor, esp newESP: UInt32, release: UInt32, size: Int) {
        loadCodeSegmentCache(value, d, limit: limit)
        eip = target
        loadStackSegmentCache(ssValue, ss, limit: ss.limit)
        let esp = (size == 2 ? newESP : newESP & 0xFFFF) &+ release
        if ss.defaultBig { regs[Reg.esp] = esp } else { setReg16(Reg.esp, UInt16(truncatingIfNeeded: esp)) }
        nullInaccessibleDataSegments()
    }
}
