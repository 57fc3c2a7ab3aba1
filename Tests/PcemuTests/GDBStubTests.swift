import Foundation
import Testing

/// `pcemu --gdb tcp::PORT` against Debian's real `gdb` in batch mode (scripts/install-deps
/// installs it): breakpoints, continue, registers, memory, single step, watchpoints, register
/// and memory writes, detach; and the interrupt byte (Ctrl-C) from a raw protocol client.
/// pcemu listens on port 0 (the OS picks a free one) and names the port on standard error.
@Suite(.serialized) struct GDBStubTests {
    static let rom = TestROMTests.path("debug-demo")

    /// A pcemu waiting for GDB, and the port it listens on.
    struct Target {
        let process: Process
        let port: UInt16
        let stdout: Pipe
        func output() -> String {
            process.waitUntilExit()
            return String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
    }

    static func startTarget(_ args: [String]) throws -> Target {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        p.arguments = args + ["--gdb", "tcp::0"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        var text = ""
        while !text.contains("\n") {
            let d = err.fileHandleForReading.availableData
            if d.isEmpty { break }
            text += String(decoding: d, as: UTF8.self)
        }
        guard let r = text.range(of: "127.0.0.1:"), let port = UInt16(text[r.upperBound...].prefix { $0.isNumber }) else {
            p.terminate()
            throw GDBTestError(description: "pcemu did not announce its port: \(text)")
        }
        return Target(process: p, port: port, stdout: out)
    }

    struct GDBTestError: Error, CustomStringConvertible { let description: String }

    static func gdb(_ commands: [String], port: UInt16) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/gdb")
        p.arguments = ["-batch", "-nx", "-ex", "set architecture i386", "-ex", "target remote 127.0.0.1:\(port)"]
            + commands.flatMap { ["-ex", $0] }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text
    }

    /// The value GDB prints for `info registers NAME` ("eip  0xf0184  0xf0184").
    static func register(_ name: String, in text: Substring) -> UInt32? {
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.count >= 2, f[0] == name, f[1].hasPrefix("0x") { return UInt32(f[1].dropFirst(2), radix: 16) }
        }
        return nil
    }

    @Test func realGDBSetsABreakpointContinuesReadsStepsAndDetaches() throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb"), "gdb is missing: run scripts/install-deps")
        let t = try Self.startTarget(["--bios", Self.rom])
        let text = try Self.gdb([
            "break *0xf0184", "continue",                     // the procedure the ROM calls three times
            "echo <<first\\n", "info registers", "x/4xb 0x5000",
            "stepi", "echo <<stepped\\n", "info registers eip", "x/4xb 0x5000", "x/1i $pc",
            "delete", "detach",
        ], port: t.port)
        let out = t.output()
        #expect(t.process.terminationStatus == 0, "\(text)")
        let parts = text.components(separatedBy: "<<")
        try #require(parts.count == 3, "\(text)")
        let first = Substring(parts[1]), stepped = Substring(parts[2])
        #expect(text.contains("Breakpoint 1, 0x000f0184 in ?? ()"))
        #expect(Self.register("eip", in: first) == 0xF0184)
        #expect(Self.register("ecx", in: first) == 3, "the LOOP counter at the first call")
        #expect(Self.register("cs", in: first) == 0x08)
        #expect(Self.register("ss", in: first) == 0x10)
        #expect(Self.register("fs", in: first) == 0x38)
        #expect(Self.register("esp", in: first) == 0x8FFC, "STACK0 minus the return address")
        #expect(first.contains("0x5000:\t0x00\t0x00\t0x00\t0x00"))
        // inc dword [0x5000] is 6 bytes: the step lands on RET and the counter is 1.
        #expect(Self.register("eip", in: stepped) == 0xF018A)
        #expect(stepped.contains("0x5000:\t0x01\t0x00\t0x00\t0x00"))
        #expect(stepped.contains("=> 0xf018a:\tret"))
        #expect(text.contains("[Inferior 1 (Remote target) detached]"))
        // After the detach the guest runs to its end by itself.
        #expect(out.contains("#GP from ring 3, done"))
    }

    @Test func watchpointsHardwareBreakpointsAndWrites() throws {
        let t = try Self.startTarget(["--bios", Self.rom])
        let text = try Self.gdb([
            "watch *(int*)0x5000", "continue", "continue", "delete",
            "hbreak *0xf0174", "continue", "echo <<ring3\\n", "info registers cs", "info registers eip",
            "set var $eax = 0x77", "info registers eax", "set *(char*)0x5000 = 9", "x/1xb 0x5000", "kill",
        ], port: t.port)
        _ = t.output()
        #expect(text.contains("Old value = 0\nNew value = 1"), "\(text)")
        #expect(text.contains("Old value = 1\nNew value = 2"))
        let ring3 = Substring(text.components(separatedBy: "<<").last ?? "")
        #expect(Self.register("cs", in: ring3) == 0x1B, "ring 3 code after the IRET")
        #expect(Self.register("eip", in: ring3) == 0xF0174)
        #expect(Self.register("eax", in: ring3) == 0x77)
        #expect(ring3.contains("0x5000:\t0x09"))
        #expect(t.process.terminationStatus == 0)
    }

    /// A raw client: `c` on a ROM that spins, then 0x03 stops it with SIGINT (S02).
    @Test func interruptByteStopsARunningGuest() throws {
        let spin = try CommandLineTests.rom([0xEB, 0xFE])      // jmp $
        let t = try Self.startTarget(["--bios", spin])
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = t.port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        defer { close(fd) }
        func send(_ s: String) { _ = s.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) } }
        func receive(until marker: String) -> String {
            var text = ""
            var buf = [UInt8](repeating: 0, count: 256)
            while !text.contains(marker) {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                text += String(decoding: buf[0..<n], as: UTF8.self)
            }
            return text
        }
        send("$c#63")
        usleep(300_000)
        send("\u{03}")
        let reply = receive(until: "#")
        #expect(reply.contains("$S02#b5"), "\(reply)")
        send("+$g#67")
        let regs = receive(until: "#")
        // EIP (register 8, little-endian) is F000:FFF0's jmp $: 0000FFF0.
        #expect(regs.contains("f0ff0000"), "\(regs)")
        send("+$k#6b")
        t.process.waitUntilExit()
        #expect(t.process.terminationStatus == 0)
    }

    @Test func badGDBOptionIsAClearError() throws {
        let r = try CommandLineTests.run(["--bios", Self.rom, "--gdb", "tcp:10.0.0.1:1234"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("use tcp::PORT (the stub listens on 127.0.0.1 only)"))
    }
}
