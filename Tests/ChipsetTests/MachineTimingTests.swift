import Testing
import CPUInterpreter
@testable import Chipset

/// Device events scheduled while the CPU runs fire on time: the machine ends the CPU's
/// run at the new deadline instead of at the end of its batch (up to 2^20 cycles later).
@Suite struct MachineTimingTests {
    /// A ROM that sets COM1 to 115200 baud 8N1, writes one character to the THR and polls
    /// the LSR until TEMT (transmitter empty), then halts with interrupts disabled:
    ///     mov dx,3FBh / mov al,80h / out dx,al      ; DLAB
    ///     mov dx,3F8h / mov al,1 / out dx,al        ; divisor 1
    ///     inc dx / xor al,al / out dx,al
    ///     mov dx,3FBh / mov al,3 / out dx,al        ; 8N1
    ///     mov dx,3F8h / mov al,'A' / out dx,al      ; THR
    ///     mov dx,3FDh
    /// p:  in al,dx / test al,40h / jz p
    ///     hlt
    static let threROM: [UInt8] = [
        0xBA, 0xFB, 0x03, 0xB0, 0x80, 0xEE, 0xBA, 0xF8, 0x03, 0xB0, 0x01, 0xEE,
        0x42, 0x30, 0xC0, 0xEE, 0xBA, 0xFB, 0x03, 0xB0, 0x03, 0xEE, 0xBA, 0xF8,
        0x03, 0xB0, 0x41, 0xEE, 0xBA, 0xFD, 0x03, 0xEC, 0xA8, 0x40, 0x74, 0xFB,
        0xF4,
    ]

    @Test(arguments: [CPUModel.i386, .pentium])
    func transmitterEmptiesOneCharacterTimeAfterTheWrite(model: CPUModel) throws {
        var config = Machine.Configuration()
        config.model = model
        config.memoryMiB = 1
        var rom = [UInt8](repeating: 0xF4, count: 65536)
        rom.replaceSubrange(0xE000..<0xE000 + Self.threROM.count, with: Self.threROM)
        rom.replaceSubrange(0xFFF0..<0xFFF5, with: [0xEA, 0x00, 0xE0, 0x00, 0xF0])   // jmp F000:E000
        config.rom = rom
        let machine = try Machine(config)
        let outcome = machine.run(maxCycles: 50_000_000)
        #expect(outcome == .haltedWithInterruptsDisabled)
        let character = try #require(machine.serialPorts.first).characterCycles
        // The 16 set-up instructions and the last poll take far fewer than 2,000 cycles;
        // an event fired only at the end of a 2^20-cycle batch would overshoot by ~10^6.
        let cycles = machine.cpu.cycles
        #expect(cycles >= character && cycles < character + 2_000,
                "halted at cycle \(cycles); one 8N1 character at 115200 baud is \(character) cycles")
    }
}
