/// Memos of the last inward privilege transition of two kinds: INT n through a 32-bit
/// interrupt or trap gate, and CALL through a 32-bit call gate, each to an inner level on a
/// 32-bit stack (Protection/DirectTransfers.swift).
///
/// Whether such a transition passes every check before the new stack's room, and where it
/// goes, depends only on the vector or gate selector, CPL, the GDTR, IDTR and TR, and 32
/// bytes of guest memory: the gate, the target code segment's descriptor, the TSS's SS:ESP
/// for the new level and the new SS's descriptor (SDM vol. 3, 5.8.4-5.8.5, 6.12.1; vol. 2
/// INT n, CALL). A memo keeps those inputs and what was read. The three descriptors are
/// watched (Protection/DescriptorWatch.swift: a write to them or a dropped translation moves
/// `watchEpoch` on). The TSS's SS:ESP is read again
/// and compared instead (watching it would send every store to the rest of the TSS's page,
/// often the kernel's busiest data, down the slow path). A memo whose epoch, key, CPL, table
/// registers and SS:ESP all equal the current ones holds exactly what the checks would read
/// again, so the transition goes straight to the stack's room and on, with the same state
/// changes. Selectors into an LDT are not remembered (the key holds no LDTR).
struct InwardTransitionMemo {
    var context = DescriptorMemoContext()
    /// The vector (INT n) or the gate selector (CALL).
    var key: UInt32 = 0
    var trAttr: UInt16 = 0
    var idtrBase: UInt32 = 0, idtrLimit: UInt32 = 0
    var trBase: UInt32 = 0, trLimit: UInt32 = 0
    var gate = Descriptor(low: 0, high: 0)
    var code = Descriptor(low: 0, high: 0)
    var codeLimit: UInt32 = 0
    var ss = Descriptor(low: 0, high: 0)
    /// The TSS's ESP (low half) and SS (high half) for the new level, and their linear address.
    var stack: UInt64 = 0
    var stackAt: UInt32 = 0

    /// The memo is for `key` and nothing it was made from has changed.
    @inline(__always) func holds(_ key: UInt32, for cpu: CPU) -> Bool {
        self.key == key && context.holds(for: cpu) && idtrBase == cpu.idtrBase
            && idtrLimit == cpu.idtrLimit && trBase == cpu.trBase && trLimit == cpu.trLimit && trAttr == cpu.trAttr
            && cpu.probeSystem64(stackAt) == stack
    }

    /// After every check up to the stack's room passed: remembers the transition when its
    /// selectors are in the GDT and its three descriptors (the gate at `gateAt`, the code and
    /// stack segments) can all be watched; else empties the memo.
    @inline(__always)
    mutating func remember(_ key: UInt32, gateAt: UInt32, gate: Descriptor, code: Descriptor, codeLimit: UInt32,
                           stackAt: UInt32, stack: UInt64, ss: Descriptor, for cpu: CPU) {
        context.epoch = 0
        guard ss.defaultBig, cpu.watchSystem64(gateAt), cpu.watchGDTDescriptor(Selector(gate.gateSelector)),
              cpu.watchGDTDescriptor(Selector(UInt16(truncatingIfNeeded: stack >> 32))) else { return }
        self = InwardTransitionMemo(context: DescriptorMemoContext(cpu), key: key, trAttr: cpu.trAttr, idtrBase: cpu.idtrBase,
                                    idtrLimit: cpu.idtrLimit, trBase: cpu.trBase, trLimit: cpu.trLimit, gate: gate,
                                    code: code, codeLimit: codeLimit, ss: ss, stack: stack, stackAt: stackAt)
    }
}
