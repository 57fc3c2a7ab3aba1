/// The fetch memos of the last few code pages (Execute/Fetch.swift builds the current one).
///
/// Every privilege transition loads CS and most switch the TLB set, and both drop the fetch
/// memo; the protect guest then rebuilt it on every INT, IRET, call-gate CALL and RETF
/// (callgrind: `fetchMiss` + `decodedPage`, 0.37 M calls at about 120 host instructions).
/// A memo is a pure function of the CS base, limit and D bit, the linear page of EIP, that
/// page's TLB entry (its physical page) and the pool slot of that physical page; so one kept
/// with those inputs is exactly the memo a rebuild would give whenever they still hold. The
/// entry is found by linear page, its CS inputs are compared, and the current TLB set must
/// still hold the page with the same physical page (a flush, INVLPG or a refill elsewhere
/// makes it miss; the rebuild then walks the page tables as before). Pool-slot reuse drops
/// them all (`decodedPage`).
struct FetchMemo {
    static let count = 8
    /// Linear page of the memo (`invalid`: no memo).
    var vpn: UInt32
    var csBase: UInt32
    var csLimit: UInt32
    /// The physical page the TLB mapped `vpn` to.
    var ppn: UInt32
    var eipBase: UInt32
    /// EIP values `eipBase ..< eipBase + span` lie in the page (`span`) and in the memo
    /// proper (`fetchSpan`: cut 15 bytes short of a CS limit inside the page).
    var span: UInt32
    var code32: Bool
    var page: UnsafeMutablePointer<Instruction>
    var fetchSpan: UInt32

    static let invalid: UInt32 = 0xFFFF_FFFF

    /// The entry for linear page `vpn` under CS base `csBase`. The base takes part, so two
    /// code segments that alias one page (a real-mode far CALL to CS 0x0700 of code CS 0
    /// also runs) keep a memo each instead of rebuilding one on every transfer between them
    /// (real-mode bases differ in bits 4 and up; flat protected-mode bases are 0).
    @inline(__always) static func slot(vpn: UInt32, csBase: UInt32) -> Int {
        Int((vpn ^ (csBase >> 4) ^ (csBase >> 12)) & UInt32(count - 1))
    }
}

extension CPU {
    /// Forgets every kept memo (a decode-pool slot was reused).
    func dropFetchMemos() {
        for k in 0..<FetchMemo.count { icache.memos[k].vpn = FetchMemo.invalid }
    }
}
