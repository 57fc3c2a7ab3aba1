/// A memo of the last 32-bit IRET or RETF to an outer level (Protection/DirectTransfers.swift).
///
/// Such a return checks the popped CS and SS selectors against their descriptors and CPL
/// (SDM vol. 2 IRET, RET "RETURN-TO-OUTER-PRIVILEGE-LEVEL"; the rules are the same for both
/// instructions): whether they pass, and what the hidden caches then hold, depends only on
/// the two selectors, CPL, the GDTR and the two descriptors' 16 bytes. The memo keeps those;
/// the descriptors are watched (Protection/DescriptorWatch.swift). While all are unchanged
/// the checks pass again and only the new EIP's limit check is left to do. Selectors into an
/// LDT are not remembered (the key holds no LDTR).
struct OutwardReturnMemo {
    var context = DescriptorMemoContext()
    var codeSelector: UInt16 = 0
    var stackSelector: UInt16 = 0
    var code = Descriptor(low: 0, high: 0)
    var codeLimit: UInt32 = 0
    var ss = Descriptor(low: 0, high: 0)

    /// The memo is for these selectors and nothing it was made from has changed.
    @inline(__always) func holds(code: UInt16, stack: UInt16, for cpu: CPU) -> Bool {
        codeSelector == code && stackSelector == stack && context.holds(for: cpu)
    }

    /// After every check of an outward return passed: remembers it when both selectors are in
    /// the GDT and both descriptors can be watched; else empties the memo.
    @inline(__always)
    mutating func remember(code value: UInt16, _ d: Descriptor, limit: UInt32, stack ssValue: UInt16, _ ss: Descriptor,
                           for cpu: CPU) {
        context.epoch = 0
        guard cpu.watchGDTDescriptor(Selector(value)), cpu.watchGDTDescriptor(Selector(ssValue)) else { return }
        self = OutwardReturnMemo(context: DescriptorMemoContext(cpu), codeSelector: value, stackSelector: ssValue,
                                 code: d, codeLimit: limit, ss: ss)
    }
}
