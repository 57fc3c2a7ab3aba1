import Chipset
import CPUInterpreter
import Foundation

/// `--gdb tcp::PORT`: a GDB remote-protocol stub for the i386 (GDB's `set architecture i386`).
///
/// Registers, in GDB's i386 order: EAX ECX EDX EBX ESP EBP ESI EDI EIP EFLAGS CS SS DS ES FS GS,
/// 32-bit little-endian each; the x87 and SSE registers are not sent (GDB marks them
/// unavailable). Addresses in `m`/`M`/`Z` packets are linear (CS.base + EIP for code),
/// translated through the guest's page tables without side effects. Breakpoints (`Z0`
/// software, `Z1` hardware) are the debugger's code breakpoints: no guest memory is patched.
/// `Z2`/`Z3`/`Z4` are write/read/access watchpoints. Packets: `?` `g` `G` `p` `P` `m` `M`
/// `c` `s` `Z0-4` `z0-4` `qSupported` `QStartNoAckMode` `qAttached` `qC` `qfThreadInfo`
/// `qsThreadInfo` `H` `T` `D` `k`, and 0x03 (interrupt). Unknown packets get the empty reply.
public final class GDBStub {
    public let session: DebugSession
    private let connection: RSPConnection
    private var lastStop = "S05"
    /// GDB's breakpoints by (type, address) → the debugger's breakpoint number.
    private var installed: [String: Int] = [:]
    /// How the session ended for pcemu: the guest's outcome, `.stopped` when GDB killed it
    /// or detached before the end.
    public private(set) var detached = false

    /// Waits for GDB on 127.0.0.1:`port` (`announce` gets the port, which is useful with port 0).
    public init(session: DebugSession, port: UInt16, announce: (UInt16) -> Void) throws {
        self.session = session
        do {
            connection = try RSPConnection.accept(port: port, announce: announce)
        } catch {
            throw GDBError(description: "--gdb: \(error)")
        }
        connection.onInterrupt = { [weak session] in session?.interrupt() }
    }

    public struct GDBError: Error, CustomStringConvertible { public let description: String }

    /// Parses `tcp::PORT`, `tcp:127.0.0.1:PORT`, `:PORT` or `PORT`. Only loopback is accepted.
    public static func port(from text: String) throws -> UInt16 {
        var t = text
        if t.hasPrefix("tcp:") { t.removeFirst(4) }
        if t.hasPrefix("127.0.0.1:") { t.removeFirst("127.0.0.1:".count) }
        else if t.hasPrefix("localhost:") { t.removeFirst("localhost:".count) }
        if t.hasPrefix(":") { t.removeFirst() }
        guard let p = UInt16(t) else {
            throw GDBError(description: "--gdb '\(text)': use tcp::PORT (the stub listens on 127.0.0.1 only)")
        }
        return p
    }

    /// Serves the client until it detaches, kills the machine or goes away.
    public func serve() {
        while let packet = connection.nextPacket() {
            if packet == "QStartNoAckMode" {        // this reply is still acknowledged
                connection.send("OK")
                connection.noAck = true
                continue
            }
            if let reply = handle(packet) { connection.send(reply) }
            if packet == "k" || packet.hasPrefix("D") || packet.hasPrefix("vKill") { break }
        }
        connection.shutdownConnection()
    }

    private func handle(_ p: String) -> String? {
        let cpu = session.cpu
        guard let kind = p.first else { return "" }
        let body = String(p.dropFirst())
        switch kind {
        case "?": return lastStop
        case "g": return (0..<16).map { le32(register($0)) }.joined()
        case "G":
            let bytes = Self.bytes(body)
            for r in 0..<min(16, bytes.count / 4) {
                setRegister(r, bytes[(r * 4)..<(r * 4 + 4)].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) })
            }
            return "OK"
        case "p":
            guard let n = Int(body, radix: 16) else { return "E01" }
            return n < 16 ? le32(register(n)) : "E45"
        case "P":
            let parts = body.split(separator: "=")
            guard parts.count == 2, let n = Int(parts[0], radix: 16), n < 16 else { return "E01" }
            let b = Self.bytes(String(parts[1]))
            guard b.count >= 4 else { return "E01" }
            setRegister(n, UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24)
            return "OK"
        case "m":
            let parts = body.split(separator: ",")
            guard parts.count == 2, let a = UInt32(parts[0], radix: 16), let n = Int(parts[1], radix: 16), n <= 0x4000 else { return "E01" }
            let bytes = session.memory.readLinear(a, count: n)
            let readable = bytes.prefix { $0 != nil }.map { $0! }
            return readable.isEmpty && n > 0 ? "E14" : readable.map { hex($0, 2).lowercased() }.joined()
        case "M":
            let parts = body.split(separator: ":", maxSplits: 1)
            let head = parts.first?.split(separator: ",") ?? []
            guard parts.count == 2, head.count == 2, let a = UInt32(head[0], radix: 16) else { return "E01" }
            let data = Self.bytes(String(parts[1]))
            return session.memory.writeLinear(a, data) == data.count ? "OK" : "E14"
        case "c":
            if let a = UInt32(body, radix: 16) { cpu.eip = a }
            return resume(steps: nil)
        case "s":
            if let a = UInt32(body, radix: 16) { cpu.eip = a }
            return resume(steps: 1)
        case "Z", "z":
            return breakpoint(insert: kind == "Z", body)
        case "D":
            detached = true
            return "OK"
        case "k":
            return nil
        case "H", "T":
            return "OK"
        case "q", "Q":
            return query(p)
        case "v":
            if p.hasPrefix("vKill") { return "OK" }
            return ""
        default:
            return ""
        }
    }

    private func query(_ p: String) -> String {
        if p.hasPrefix("qSupported") { return "PacketSize=4000;QStartNoAckMode+" }
        switch p {
        case "qAttached": return "1"
        case "qC": return "QC1"
        case "qfThreadInfo": return "m1"
        case "qsThreadInfo": return "l"
        case "qOffsets": return "Text=0;Data=0;Bss=0"
        default: return ""
        }
    }

    private func register(_ n: Int) -> UInt32 {
        let cpu = session.cpu
        switch n {
        case 0..<8: return cpu.reg32(n)
        case 8: return cpu.eip
        case 9: return cpu.eflags
        default:
            let seg = [Seg.cs, Seg.ss, Seg.ds, Seg.es, Seg.fs, Seg.gs][n - 10]
            return UInt32(cpu.segSelector[seg])
        }
    }

    private func setRegister(_ n: Int, _ v: UInt32) {
        let names = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags", "cs", "ss", "ds", "es", "fs", "gs"]
        guard let r = RegisterName(names[n]), r.read(session.cpu) != v else { return }
        try? RegisterWriter.write(r, v, session: session)
    }

    private func le32(_ v: UInt32) -> String {
        (0..<4).map { hex((v >> (8 * UInt32($0))) & 0xFF, 2).lowercased() }.joined()
    }

    static func bytes(_ hexText: String) -> [UInt8] {
        let chars = Array(hexText.utf8)
        var out: [UInt8] = []
        var i = 0
        while i + 1 < chars.count {
            guard let b = UInt8(String(decoding: chars[i...i + 1], as: UTF8.self), radix: 16) else { break }
            out.append(b)
            i += 2
        }
        return out
    }

    /// Z0/Z1 code breakpoints at a linear address; Z2 write, Z3 read, Z4 access watchpoints.
    private func breakpoint(insert: Bool, _ body: String) -> String {
        let parts = body.split(separator: ",")
        guard parts.count >= 3, let type = Int(parts[0]), let a = UInt32(parts[1], radix: 16),
              let len = UInt32(parts[2], radix: 16) else { return "E01" }
        let key = "\(type):\(a):\(len)"
        if !insert {
            if let n = installed.removeValue(forKey: key) { _ = session.deleteBreakpoint(n) }
            return "OK"
        }
        let kind: Breakpoint.Kind
        switch type {
        case 0, 1: kind = .code(.linear(a), condition: nil, conditionText: nil)
        case 2: kind = .watch(.write, linear: a, length: max(len, 1))
        case 3: kind = .watch(.read, linear: a, length: max(len, 1))
        case 4: kind = .watch(.readWrite, linear: a, length: max(len, 1))
        default: return ""
        }
        if installed[key] == nil { installed[key] = session.addBreakpoint(kind).number }
        return "OK"
    }

    /// Runs (or steps) and returns the stop reply.
    private func resume(steps: Int?) -> String {
        if connection.takeInterrupt() { lastStop = "S02"; return lastStop }
        let stop = steps.map { session.run(steps: $0) } ?? session.run()
        switch stop {
        case .ended(let o):
            lastStop = Self.exitReply(o)
        case .watch(let hit, _, _, let start):
            let type = installed.first { $0.value == hit.number }.map { $0.key.hasPrefix("3:") ? "rwatch" : $0.key.hasPrefix("4:") ? "awatch" : "watch" } ?? "watch"
            lastStop = "T05\(type):\(hex(start, 8).lowercased());"
        default:
            lastStop = "S" + hex(stop.gdbSignal, 2)
        }
        return lastStop
    }

    /// W: the guest ended with pcemu's exit status (0 success, 1 guest failure, 2 triple fault,
    /// 3 halted, 4 cycle limit).
    static func exitReply(_ o: Machine.Outcome) -> String {
        switch o {
        case .guestExit(let ok, _): return ok ? "W00" : "W01"
        case .tripleFault: return "W02"
        case .haltedWithInterruptsDisabled, .haltedIdle: return "W03"
        case .cycleLimit: return "W04"
        case .stopped: return "W00"
        }
    }
}
