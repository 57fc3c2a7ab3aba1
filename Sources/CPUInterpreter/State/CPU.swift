/// One x86 CPU: its architectural state, its view of memory (TLB), and the
/// interpreter. The state lives in raw allocations so the hot path pays no ARC,
/// exclusivity or bounds checks (DESIGN.md, "The hot path").
public final class CPU {
    public let model: CPUModel

    // MARK: General registers
    /// EAX ECX EDX EBX ESP EBP ESI EDI, in encoding order. Entries 8-255 are always 0, so an
    /// effective address reads its "no base"/"no index" register code (0xFF) as a zero
    /// register without a branch (Execute/Operands.swift).
    public let regs: UnsafeMutablePointer<UInt32>
    /// EIP. The run loop keeps a copy in a register (Execute/Interpreter.swift); every other
    /// write goes through this setter, which tells the loop to take the stored value.
    public var eip: UInt32 {
        @inline(__always) get { eipStore }
        @inline(__always) set { eipStore = newValue; loopCopiesStale = true }
    }
    var eipStore: UInt32 = 0xFFF0

    // MARK: Segment registers and their hidden descriptor caches (ES CS SS DS FS GS)
    // All seven tables live in one allocation (`segBlock`) at fixed offsets, so a function
    // that touches several of them (a memory access: an end and a base; a segment load: all
    // seven) loads one pointer from the CPU instead of one per table.
    let segBlock: UnsafeMutableRawPointer
    @inline(__always) public var segSelector: UnsafeMutablePointer<UInt16> {
        (segBlock + SegmentBlock.selector).assumingMemoryBound(to: UInt16.self)
    }
    @inline(__always) public var segBase: UnsafeMutablePointer<UInt32> {
        (segBlock + SegmentBlock.base).assumingMemoryBound(to: UInt32.self)
    }
    /// Effective byte-granular limit (G already applied).
    @inline(__always) public var segLimit: UnsafeMutablePointer<UInt32> {
        (segBlock + SegmentBlock.limit).assumingMemoryBound(to: UInt32.self)
    }
    /// Descriptor bits 40-55: access byte in 0-7, AVL/L/D-B/G in 12-15.
    @inline(__always) public var segAttr: UnsafeMutablePointer<UInt16> {
        (segBlock + SegmentBlock.attr).assumingMemoryBound(to: UInt16.self)
    }
    /// Precomputed access checks for the hot path (`SegmentAccess` bits).
    @inline(__always) var segAccess: UnsafeMutablePointer<UInt8> {
        (segBlock + SegmentBlock.access).assumingMemoryBound(to: UInt8.self)
    }
    /// Precomputed limit checks for the hot path (Memory/SegmentedAccess.swift): an access
    /// of `n` bytes at `off` passes when `off + n <= segReadEnd[s]` (reads) or `segWriteEnd[s]`
    /// (writes); 0 sends every access of that kind to the full check.
    @inline(__always) var segReadEnd: UnsafeMutablePointer<UInt64> {
        (segBlock + SegmentBlock.readEnd).assumingMemoryBound(to: UInt64.self)
    }
    @inline(__always) var segWriteEnd: UnsafeMutablePointer<UInt64> {
        (segBlock + SegmentBlock.writeEnd).assumingMemoryBound(to: UInt64.self)
    }

    // MARK: Flags
    /// All of EFLAGS except that CF PF AF ZF SF OF are stale while `lazy.op != none`.
    var flagsStore: UInt32 = 0x2
    var lazy = LazyFlags()

    // MARK: System state
    public var cr0: UInt32 = 0
    public var cr2: UInt32 = 0
    public var cr3: UInt32 = 0
    public var cr4: UInt32 = 0
    public var gdtrBase: UInt32 = 0, gdtrLimit: UInt32 = 0
    public var idtrBase: UInt32 = 0, idtrLimit: UInt32 = 0x3FF
    public var ldtrSelector: UInt16 = 0, ldtrBase: UInt32 = 0, ldtrLimit: UInt32 = 0
    public var trSelector: UInt16 = 0, trBase: UInt32 = 0, trLimit: UInt32 = 0, trAttr: UInt16 = 0
    public internal(set) var cpl: UInt8 = 0 {
        didSet { if (cpl == 3) != (oldValue == 3) { selectTLB() } }
    }
    /// DR0-DR7 (stored; breakpoints through them are not raised).
    public var debugRegisters: [UInt32] = [0, 0, 0, 0, 0, 0, 0xFFFF_0FF0, 0x400]

    // MARK: Execution state
    /// Cycles charged so far; the board's clock.
    /// The run loop keeps a copy in a register, as it does EIP's.
    public var cycles: UInt64 {
        @inline(__always) get { cyclesStore }
        @inline(__always) set { cyclesStore = newValue; loopCopiesStale = true }
    }
    var cyclesStore: UInt64 = 0
    /// Something other than the run loop wrote EIP or the cycle count since the loop stored
    /// them: the loop's register copies are stale.
    var loopCopiesStale = false
    /// Guest instructions retired (a REP iteration counts as one, as Bochs counts).
    public var instructionsRetired: UInt64 = 0
    public internal(set) var halted = false {
        didSet { if halted { requestAttention() } }
    }
    public internal(set) var shutdown = false {
        didSet { if shutdown { requestAttention() } }
    }
    /// Set by the host (another thread may set it) to make `run` return soon.
    public var stopRequested = false {
        didSet { if stopRequested { requestAttention() } }
    }
    /// The EIP of the instruction being executed: faults restart here.
    public internal(set) var instructionStart: UInt32 = 0
    /// The cycle count at which the current `run` returns (REP instructions yield there).
    /// A device event scheduled during the run can bring it forward (`endRun(by:)`).
    var cycleDeadline: UInt64 = 0
    /// Where the run loop's inner loop stops (Execute/Interpreter.swift): the run's deadline
    /// while nothing needs the per-instruction checks, 0 once something does (`requestAttention`).
    var fastDeadline: UInt64 = 0
    /// The instruction being executed began with TF = 1: the run loop raises the
    /// single-step trap after it unless it faulted (Execute/Interpreter.swift).
    var singleStepPending = false
    /// The INTR pin, driven by the board's interrupt controller.
    public var intrLine = false {
        didSet { if intrLine { requestAttention() } }
    }
    /// MOV SS / POP SS / STI inhibit interrupts for one instruction.
    var interruptShadow = false {
        didSet { if interruptShadow { requestAttention() } }
    }
    /// The last fault delivered (for the debugger and tests).
    public var lastFault: Fault?
    /// Task switches so far (the debugger's "break task").
    public internal(set) var taskSwitches: UInt64 = 0

    // MARK: The outside world
    /// Receives every protection check when set (the explain trace); nil costs one branch.
    public var observer: ProtectionObserver?
    /// Called with every fault an instruction raises (vector, CS, EIP of the instruction).
    public var faultObserver: ((Fault, UInt16, UInt32) -> Void)?
    /// The debugger's "break on exception": asked about each fault an instruction raises,
    /// before delivery; true holds the fault (see `deliverHeldException`).
    public var exceptionBreak: ((Fault) -> Bool)?
    /// A fault held by `exceptionBreak`: EIP still points at the faulting instruction.
    public internal(set) var heldException: Fault?
    /// Reports data accesses to watched pages (the debugger's watchpoints); set with `watchMemory`.
    public internal(set) var memoryWatcher: MemoryWatcher?
    /// True while the fetch slow path reads instruction bytes (not reported to the watcher).
    var fetchingInstruction = false
    public let memory: PhysicalMemory
    public var ports: PortBus
    public var interrupts: InterruptController?
    /// Physical address lines: 24 on the 286, 32 later; the board clears bit 20 when A20 is off.
    public var physicalAddressMask: UInt32 {
        didSet { if physicalAddressMask != oldValue { flushTLB() } }
    }

    // MARK: Memory fast path
    /// The TLB set of the current privilege: `supervisorTLB` or `userTLB`.
    var tlb: TLB
    let supervisorTLB: TLB
    let userTLB: TLB
    /// The fetch memo (Execute/Fetch.swift): EIP values `fetchEIPBase ..< fetchEIPBase + fetchSpan`
    /// have their decoded instructions at `fetchPage[eip - fetchEIPBase]`. Span 0: no memo.
    /// (64-bit fields: the run loop's index needs no zero extension.)
    /// Set together by `setFetchMemo` (Execute/Fetch.swift), with `fetchEntryBias`.
    private(set) var fetchEIPBase: UInt64 = 0
    var fetchSpan: UInt64 = 0 {
        didSet { fetchEnd = fetchSpan == 0 ? 0 : fetchEIPBase &+ fetchSpan }
    }
    /// `fetchEIPBase + fetchSpan`, or 0 with no memo: the run loop's only test of a fetch. It
    /// tests the upper end alone, so the loop's EIP copy never lies below `fetchEIPBase` while
    /// this is non-zero: falling through only moves EIP up, a taken near branch below the base
    /// clears it (`branchTo`), and every other change of EIP goes through the setter and the
    /// loop's reload, which clears it too (`checkReloadedPC`).
    private(set) var fetchEnd: UInt64 = 0
    private(set) var fetchPage: UnsafeMutablePointer<Instruction>
    /// The address of `fetchPage` minus `fetchEIPBase` entries: EIP's entry lies at this plus
    /// EIP entries, so the run loop's load address does not wait for the subtraction.
    private(set) var fetchEntryBias: Int = 0
    /// The loop's EIP copy was reloaded from EIP (or taken from a branch): below the memo's
    /// base, the next fetch must miss (`fetchEnd`).
    @inline(__always) func checkReloadedPC(_ pc: UInt64) {
        if _slowPath(pc < fetchEIPBase) { fetchEnd = 0 }
    }
    /// Points the fetch memo at `page` for EIP values from `eipBase` (the span is set apart).
    @inline(__always) func setFetchMemo(eipBase: UInt32, page: UnsafeMutablePointer<Instruction>) {
        fetchEIPBase = UInt64(eipBase)
        fetchPage = page
        fetchEntryBias = Int(bitPattern: page) &- Int(eipBase) &* MemoryLayout<Instruction>.stride
    }

    /// The VM flag the segment access bits were last computed for.
    var segmentRulesForV86 = false
    /// The last page walk found a global page (PTE.G with CR4.PGE).
    var lastWalkGlobal = false
    let icache: DecodeCache
    /// Decoded instructions that run past their page end (Execute/CrossPageFetch.swift).
    let crossPage: UnsafeMutablePointer<CrossPageEntry>
    /// Moves on whenever decoded code is dropped for a write: the page-crossing cache's
    /// entries from before are checked again (Execute/CrossPageFetch.swift).
    var crossPageEpoch: UInt64 = 0
    /// Moves on whenever a watched block (decoded code, a remembered descriptor) is written or
    /// a translation is dropped (`flushTLB`, or a TLB fill evicting the entry of a page with
    /// watched bytes, `fillReadTLB`): the memos from before are empty
    /// (Protection/InwardTransitionMemos.swift).
    var watchEpoch: UInt64 = 1
    /// The last INT n and CALL through a call gate that went inward from CPL 3
    /// (Protection/InwardTransitionMemos.swift).
    var interruptMemo = InwardTransitionMemo()
    var callGateMemo = InwardTransitionMemo()
    /// The last IRET or RETF to an outer level (Protection/OutwardReturnMemo.swift).
    var outwardMemo = OutwardReturnMemo()
    let decoder: Decoder
    let costs: CycleTable

    public init(model: CPUModel, memory: PhysicalMemory, ports: PortBus = OpenBus()) {
        self.model = model
        self.memory = memory
        self.ports = ports
        physicalAddressMask = model == .i286 ? 0x00FF_FFFF : 0xFFFF_FFFF
        regs = .allocate(capacity: 256)
        regs.initialize(repeating: 0, count: 256)
        segBlock = SegmentBlock.allocate()
        supervisorTLB = TLB()
        userTLB = TLB()
        tlb = supervisorTLB
        icache = DecodeCache()
        crossPage = .allocate(capacity: CrossPageEntry.count)
        crossPage.initialize(repeating: CrossPageEntry(), count: CrossPageEntry.count)
        fetchPage = icache.entries
        fetchEntryBias = Int(bitPattern: icache.entries)
        decoder = Decoder(model: model)
        costs = CycleTable(model: model)
        reset()
    }

    deinit {
        regs.deallocate(); segBlock.deallocate()
        decoder.deallocate()
        supervisorTLB.deallocate()
        userTLB.deallocate()
        icache.deallocate()
        crossPage.deallocate()
        costs.deallocate()
    }

    /// The state after RESET (SDM vol. 3, table 9-1): real mode, CS:IP = F000:FFF0 with
    /// CS base FFFF0000 (F0000 on the 286), DX = family/model/stepping.
    public func reset() {
        for i in 0..<8 { regs[i] = 0 }
        regs[Reg.edx] = model.resetEDX
        eip = 0xFFF0
        for s in 0..<6 {
            segSelector[s] = 0
            segBase[s] = 0
            segLimit[s] = 0xFFFF
            segAttr[s] = 0x93            // present, DPL 0, data read/write, accessed
        }
        segSelector[Seg.cs] = 0xF000
        segBase[Seg.cs] = 0xFFFF_0000  // physically F0000 on the 286 (24 address lines)
        segAttr[Seg.cs] = 0x9B           // present, code execute/read, accessed
        for s in 0..<6 { updateSegmentAccess(s) }
        flagsStore = 0x2
        lazy = LazyFlags()
        cr0 = model == .i286 ? 0xFFF0 : (model >= .i486 ? 0x6000_0010 : 0x10)
        cr2 = 0; cr3 = 0; cr4 = 0
        gdtrBase = 0; gdtrLimit = 0xFFFF
        idtrBase = 0; idtrLimit = 0x3FF
        ldtrSelector = 0; ldtrBase = 0; ldtrLimit = 0xFFFF
        trSelector = 0; trBase = 0; trLimit = 0xFFFF; trAttr = 0x8B
        cpl = 0
        halted = false
        shutdown = false
        interruptShadow = false
        lastFault = nil
        flushTLB()
    }

    // MARK: Register access by encoding number

    @inline(__always) public func reg32(_ r: Int) -> UInt32 { regs[r] }
    @inline(__always) public func setReg32(_ r: Int, _ v: UInt32) { regs[r] = v }
    @inline(__always) public func reg16(_ r: Int) -> UInt16 { UInt16(truncatingIfNeeded: regs[r]) }
    @inline(__always) public func setReg16(_ r: Int, _ v: UInt16) {
        regs[r] = (regs[r] & 0xFFFF_0000) | UInt32(v)
    }
    /// AL CL DL BL AH CH DH BH.
    @inline(__always) public func reg8(_ r: Int) -> UInt8 {
        r < 4 ? UInt8(truncatingIfNeeded: regs[r]) : UInt8(truncatingIfNeeded: regs[r - 4] >> 8)
    }
    @inline(__always) public func setReg8(_ r: Int, _ v: UInt8) {
        if r < 4 { regs[r] = (regs[r] & 0xFFFF_FF00) | UInt32(v) }
        else { regs[r - 4] = (regs[r - 4] & 0xFFFF_00FF) | (UInt32(v) << 8) }
    }
    /// Register by operand size (0 = 8, 1 = 16, 2 = 32 bits), zero-extended.
    @inline(__always) func readReg(_ r: Int, _ size: Int) -> UInt32 {
        switch size {
        case 0: return UInt32(reg8(r))
        case 1: return regs[r] & 0xFFFF
        default: return regs[r]
        }
    }
    @inline(__always) func writeReg(_ r: Int, _ size: Int, _ v: UInt32) {
        switch size {
        case 0: setReg8(r, UInt8(truncatingIfNeeded: v))
        case 1: regs[r] = (regs[r] & 0xFFFF_0000) | (v & 0xFFFF)
        default: regs[r] = v
        }
    }

    // MARK: Modes

    @inline(__always) public var protectedMode: Bool { cr0 & 1 != 0 }
    @inline(__always) public var v86Mode: Bool { flagsStore & Flag.vm != 0 }
    /// CS.D: the default operand and address size of the code segment.
    @inline(__always) var codeIs32: Bool { segAttr[Seg.cs] & 0x4000 != 0 }
    /// SS.B: whether the stack pointer is ESP (true) or SP.
    @inline(__always) var stackIs32: Bool { segAttr[Seg.ss] & 0x4000 != 0 }
}

/// Register numbers as the instruction encoding uses them.
public enum Reg {
    public static let eax = 0, ecx = 1, edx = 2, ebx = 3, esp = 4, ebp = 5, esi = 6, edi = 7
}

/// Segment register numbers as the instruction encoding uses them.
public enum Seg {
    public static let es = 0, cs = 1, ss = 2, ds = 3, fs = 4, gs = 5
    public static let names = ["ES", "CS", "SS", "DS", "FS", "GS"]
}

extension CPU {
    /// Sets a segment register and its hidden cache directly (test fixtures, the debugger,
    /// and loaders that start a guest in a prepared state).
    public func setSegmentRegister(_ s: Int, selector: UInt16, base: UInt32, limit: UInt32, attributes: UInt16) {
        segSelector[s] = selector
        segBase[s] = base
        segLimit[s] = limit
        segAttr[s] = attributes
        updateSegmentAccess(s)
        if s == Seg.cs && protectedMode { cpl = UInt8(selector & 3) }
    }

    /// Real-mode style load: base = selector · 16, limit 64 KiB, read/write data (code for CS).
    public func setRealModeSegment(_ s: Int, _ selector: UInt16) {
        setSegmentRegister(s, selector: selector, base: UInt32(selector) << 4, limit: 0xFFFF,
                           attributes: s == Seg.cs ? 0x9B : 0x93)
    }
}

/// Byte offsets of the segment tables in `CPU.segBlock` (six entries each, ES CS SS DS FS GS).
enum SegmentBlock {
    static let readEnd = 0              // UInt64 × 6
    static let writeEnd = readEnd + 48  // UInt64 × 6
    static let base = writeEnd + 48     // UInt32 × 6
    static let limit = base + 24        // UInt32 × 6
    static let selector = limit + 24    // UInt16 × 6
    static let attr = selector + 12     // UInt16 × 6
    static let access = attr + 12       // UInt8 × 6
    /// ValidatedDataLoad × 16 (Protection/ValidatedDataLoads.swift)
    static let validatedDataLoads = access + 8
    static let byteCount = validatedDataLoads + MemoryLayout<ValidatedDataLoad>.stride * ValidatedDataLoad.count

    static func allocate() -> UnsafeMutableRawPointer {
        let p = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        (p + readEnd).bindMemory(to: UInt64.self, capacity: 6)
        (p + writeEnd).bindMemory(to: UInt64.self, capacity: 6)
        (p + base).bindMemory(to: UInt32.self, capacity: 6)
        (p + limit).bindMemory(to: UInt32.self, capacity: 6)
        (p + selector).bindMemory(to: UInt16.self, capacity: 6)
        (p + attr).bindMemory(to: UInt16.self, capacity: 6)
        (p + access).bindMemory(to: UInt8.self, capacity: 6)
        (p + validatedDataLoads).bindMemory(to: ValidatedDataLoad.self, capacity: ValidatedDataLoad.count)
            .initialize(repeating: ValidatedDataLoad(), count: ValidatedDataLoad.count)
        return p
    }
}
