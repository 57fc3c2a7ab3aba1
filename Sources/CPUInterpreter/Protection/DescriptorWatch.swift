/// Watched descriptor bytes, for the memos that skip reading and checking descriptors
/// (ValidatedDataLoads.swift, InwardTransitionMemos.swift, OutwardReturnMemo.swift).
///
/// A watched descriptor is marked like decoded code (Decode/DecodeCache.swift): a write to it,
/// by the CPU or by DMA, takes the slow path and moves `watchEpoch` on, as does every dropped
/// translation (`flushTLB`, INVLPG, a CR3 load, a TLB fill evicting a page with watched bytes).
/// A memo records the epoch, CPL and GDTR it was made with (`DescriptorMemoContext`); while
/// they are unchanged, its descriptors hold the bytes a read would return.
extension CPU {
    /// Watches the 8 bytes at linear `la` that `probeSystem64` has just read. False, watching
    /// nothing, if the page has left the TLB.
    @inline(__always) func watchSystem64(_ la: UInt32) -> Bool {
        let vpn = la >> 12
        let i = TLB.index(vpn)
        guard supervisorTLB.readTag[i] == vpn && la & 0xFFF <= 4096 - 8 else { return false }
        markCode((supervisorTLB.readPhysPage[i] << 12) | (la & 0xFFF), length: 8)
        return true
    }

    /// Watches the descriptor a GDT selector names; false for an LDT selector (the memos'
    /// keys hold no LDTR) or a page that has left the TLB.
    func watchGDTDescriptor(_ sel: Selector) -> Bool {
        !sel.tableIndicator && watchSystem64(descriptorAddress(sel))
    }
}

/// What a descriptor memo's validity depends on besides its own selectors: the watch epoch,
/// CPL and the GDTR its descriptors were read through.
struct DescriptorMemoContext {
    /// `watchEpoch` when made; 0 (never an epoch): the memo is empty.
    var epoch: UInt64 = 0
    var cpl: UInt8 = 0
    var gdtrBase: UInt32 = 0, gdtrLimit: UInt32 = 0

    init() {}

    /// The context now; `watched` false gives an empty one (epoch 0) with the current CPL.
    @inline(__always) init(_ cpu: CPU, watched: Bool = true) {
        epoch = watched ? cpu.watchEpoch : 0
        cpl = cpu.cpl
        gdtrBase = cpu.gdtrBase
        gdtrLimit = cpu.gdtrLimit
    }

    /// Nothing the memo was made from has changed.
    @inline(__always) func holds(for cpu: CPU) -> Bool {
        epoch == cpu.watchEpoch && cpl == cpu.cpl && gdtrBase == cpu.gdtrBase && gdtrLimit == cpu.gdtrLimit
    }
}
