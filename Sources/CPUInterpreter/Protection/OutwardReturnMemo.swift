/// A memo of the last 32-bit IRET or RETF to an outer level (Protection/DirectTransfers.swift).
///
/// Such a return checks the popped CS and SS selectors against their descriptors and CPL
/// (SDM vol. 2 IRET, RET "RETURN-TO-OUTER-PRIVILEGE-LEVEL"; the rules are the same for both
/// instructions): whether they pass, and what the hidden caches then hold, depends only on
/// the two selectors, CPL, the GDTR and the two descriptors' 16 bytes. The memo keeps those;
/// the descriptors are watched as the inward memos' are (Protection/InwardTransitionMemos.swift:
/// a write to them or a dropped translation moves `watchEpoch` on). While all are unchanged
/// the checks pass again and only the new EIP's limit check is left to do. Selectors into an
/// LDT are not remembered (the key holds no LDTR).
struct OutwardReturnMemo {
    /// `watchEpoch` when filled; 0 (never an epoch): empty.
    var epoch: UInt64 = 0
    var codeSelector: UInt16 = 0
    var stackSelector: UInt16 = 0
    var cpl: UInt8 = 0
    var gdtrBase: UInt32 = 0, gdtrLimit: UInt32 = 0
    var code = Descriptor(low: 0, high: 0)
    var codeLimit: UInt32 = 0
    var ss = Descriptor(low: 0, high: 0)

    /// The memo is for these selectors and nothing it was made from has changed.
    @inline(__always) func holds(code: UInt16, stack: UInt16, for cpu: CPU) -> Bool {
        epoch == cpu.watchEpoch && codeSelector == code && stackSelector == stack && cpl == cpu.cpl
            && gdtrBase == cpu.gdtrBase && gdtrLimit == cpu.gdtrLimit
    }

    /// After every check of an outward return passed: remembers it when both selectors are in
    /// the GDT and both descriptors can be watched; else empties the memo.
    @inline(__always)
    mutating func remember(code value: UInt16, _ d: Descriptor, limit: UInt32, stack ssValue: UInt16, _ ss: Descriptor,
                           for cpu: CPU) {
        let codeSel = Selector(value), ssSel = Selector(ssValue)
        epoch = 0
        guard !codeSel.tableIndicator, !ssSel.tableIndicator,
              cpu.watchSystem64(cpu.gdtrBase &+ UInt32(codeSel.index) &* 8),
              cpu.watchSystem64(cpu.gdtrBase &+ UInt32(ssSel.index) &* 8) else { return }
        self = OutwardReturnMemo(epoch: cpu.watchEpoch, codeSelector: value, stackSelector: ssValue, cpl: cpu.cpl,
                                 gdtrBase: cpu.gdtrBase, gdtrLimit: cpu.gdtrLimit, code: d, codeLimit: limit, ss: ss)
    }
}
