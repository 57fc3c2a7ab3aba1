/// Per-model cycle costs (see docs/timings.tsv for sources). Placeholder values during bring-up.
final class CycleTable {
    let model: CPUModel
    let branchTakenExtra: UInt32
    init(model: CPUModel) {
        self.model = model
        branchTakenExtra = 0
    }
    @inline(__always) func cost(of ins: Instruction) -> UInt16 { 1 }
    func multiplyExtra(size: Int, operand: UInt32) -> UInt32 { 0 }
    func shiftExtra(count: UInt32) -> UInt32 { 0 }
    func repIteration(_ ins: Instruction) -> UInt32 { 1 }
    func enterExtra(level: UInt32) -> UInt32 { 0 }
    func bitScanExtra(index: UInt32) -> UInt32 { 0 }
}
