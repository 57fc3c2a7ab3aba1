// The own BIOS's VESA BIOS Extensions on the whole machine: testroms/bios-vbe.asm, a
// boot floppy program, calls 4F00h-4F0Ah as boot loaders and DOS programs do (and the
// 32-bit protected-mode code 4F0Ah hands out, from a 32-bit code segment), reports on
// port E9h, and ends in 640×480 with 32 bits a pixel, drawing through the linear
// framebuffer at the PhysBasePtr the BIOS reported.
//
// What the expectations rest on:
//  - the VBE 2.0/3.0 core specification: the block layouts, the status codes (014Fh
//    failed, 024Fh not supported by the hardware, 034Fh invalid in this mode: 4F05h in
//    a linear-framebuffer mode and outside VBE modes, 4F08h in direct colour), the
//    mode-number bits (14: linear framebuffer, 15: memory kept), the palette entry
//    order (blue, green, red, alignment), the protected-mode display start in units
//    of 4 bytes;
//  - the card: 16 MiB of video memory (dispi register 10 = 0100h), its linear
//    framebuffer at VGACard.defaultLFBAddress (E0000000h), a bank of 64 KiB;
//  - arithmetic on those: e.g. 640×480×8 has 16 MiB / 307,200 = 54 pages (35h = 53
//    more), 26,214 (6666h) lines of 640 bytes, at most 34,952 (8888h) bytes a line
//    for 480 lines.
// Checked by hand against a real peer: the same floppy on pcemu with Debian's Bochs
// legacy BIOS and LGPL VGA BIOS (`--bios /usr/share/bochs/BIOS-bochs-legacy --vgabios
// /usr/share/vgabios/vgabios.bin`) lists the same mode numbers (plus its 4-bit planar
// 102h/104h/106h) and returns byte-identical 4F01h fields for every common mode,
// except the attributes of the 8-bit modes (BFh there: it offers BIOS text output in
// them, BBh here) and 146h's image count (05h there: 261 - 1 truncated to a byte; FFh
// here, the largest a byte holds); it reports VBE 2.0, this BIOS 3.0.

import Foundation
import Testing
import Chipset
@testable import Display

struct BIOSFloppyRun {
    let outcome: Machine.Outcome
    let console: String
    let machine: Machine
    let vga: VGACard

    /// Boots testroms/NAME.bin from a 1.44 MB floppy with the own BIOS (bios/bios.bin).
    init(_ name: String, maxCycles: UInt64 = 1_500_000_000) throws {
        let root = BIOSVideoRun.root
        let program = try Data(contentsOf: root.appendingPathComponent("testroms/\(name).bin"))
        var image = [UInt8](repeating: 0, count: 1_474_560)
        image.replaceSubrange(0..<program.count, with: program)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let floppy = dir.appendingPathComponent("fd.img")
        try Data(image).write(to: floppy)
        var config = Machine.Configuration()
        config.rom = [UInt8](try Data(contentsOf: root.appendingPathComponent("bios/bios.bin")))
        config.memoryMiB = 4
        config.rebootOnTripleFault = false
        config.floppyA = floppy.path
        machine = try Machine(config)
        vga = VGACard(scheduler: machine.scheduler)
        vga.attach(to: machine.ports, memory: machine.memory)
        outcome = machine.run(maxCycles: maxCycles)
        console = String(decoding: machine.debugConsole.transcript, as: UTF8.self)
    }
}

@Suite struct BIOSVBETests {
    static let modes: [(UInt16, Int, Int, Int)] = [
        (0x100, 640, 400, 8), (0x101, 640, 480, 8), (0x103, 800, 600, 8), (0x105, 1024, 768, 8),
        (0x107, 1280, 1024, 8), (0x10D, 320, 200, 15), (0x10E, 320, 200, 16), (0x10F, 320, 200, 24),
        (0x110, 640, 480, 15), (0x111, 640, 480, 16), (0x112, 640, 480, 24), (0x113, 800, 600, 15),
        (0x114, 800, 600, 16), (0x115, 800, 600, 24), (0x116, 1024, 768, 15), (0x117, 1024, 768, 16),
        (0x118, 1024, 768, 24), (0x119, 1280, 1024, 15), (0x11A, 1280, 1024, 16), (0x11B, 1280, 1024, 24),
        (0x11C, 1600, 1200, 8), (0x11D, 1600, 1200, 15), (0x11E, 1600, 1200, 16), (0x11F, 1600, 1200, 24),
        (0x140, 320, 200, 32), (0x141, 640, 400, 32), (0x142, 640, 480, 32), (0x143, 800, 600, 32),
        (0x144, 1024, 768, 32), (0x145, 1280, 1024, 32), (0x146, 320, 200, 8), (0x147, 1600, 1200, 32),
        (0x148, 1152, 864, 8), (0x149, 1152, 864, 15), (0x14A, 1152, 864, 16), (0x14B, 1152, 864, 24),
        (0x14C, 1152, 864, 32), (0x178, 1280, 800, 16), (0x179, 1280, 800, 24), (0x17A, 1280, 800, 32),
        (0x17B, 1280, 960, 16), (0x17C, 1280, 960, 24), (0x17D, 1280, 960, 32), (0x17E, 1440, 900, 16),
        (0x17F, 1440, 900, 24), (0x180, 1440, 900, 32), (0x181, 1400, 1050, 16), (0x182, 1400, 1050, 24),
        (0x183, 1400, 1050, 32), (0x184, 1680, 1050, 16), (0x185, 1680, 1050, 24), (0x186, 1680, 1050, 32),
        (0x187, 1920, 1200, 16), (0x188, 1920, 1200, 24), (0x189, 1920, 1200, 32), (0x18A, 2560, 1600, 16),
        (0x18B, 2560, 1600, 24), (0x18C, 2560, 1600, 32), (0x190, 1920, 1080, 16), (0x191, 1920, 1080, 24),
        (0x192, 1920, 1080, 32)]

    /// The 4F01h line the program prints for a mode, computed from the specification and
    /// the card (16 MiB, framebuffer at E0000000h), not taken from the BIOS.
    static func modeLine(_ m: (UInt16, Int, Int, Int)) -> String {
        let (number, w, h, bpp) = m
        let bytes = (bpp + 7) / 8
        let line = w * bytes
        let pages = min(16 * 1024 * 1024 / (line * h) - 1, 255)
        let fields: String
        switch bpp {
        case 8: fields = "0000000000000000"
        case 15: fields = "050A05050500010F"
        case 16: fields = "050B060505000000"
        case 24: fields = "0810080808000000"
        default: fields = "0810080808000818"
        }
        let model = bpp == 8 ? "04" : "06"
        func hex(_ v: Int, _ digits: Int) -> String {
            let s = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, digits - s.count)) + s
        }
        return "mode \(hex(Int(number), 4)): 004F 00BB 07 0040 0040 A000 \(hex(line, 4)) \(w)x\(h)x\(bpp) "
            + "\(model) \(hex(pages, 2)) \(fields) E0000000"
    }

    @Test func vbeFunctionsAndTheLinearFramebuffer() throws {
        let r = try BIOSFloppyRun("bios-vbe")
        #expect(r.outcome == .guestExit(success: true, code: 0x10), "\(r.outcome)")
        let out = r.console.range(of: "4F00 ").map { String(r.console[$0.lowerBound...]) } ?? r.console
        let expected = ["4F00 004F VESA 0300 00000001 0100 oem pcemu BIOS VBE (Bochs dispi)"]
            + Self.modes.map(Self.modeLine) + [
            // 4F01h/4F02h of a mode that is not there; 4F00h without "VBE2"
            "none: 014F 014F 004F 0300",
            // mode 03h: 4F03h; 4F08h 8 bits, get, 6 bits; 4F05h outside a VBE mode
            "vga: 004F 0003 004F 08 08 06 034F",
            "set8: 004F 004F 0101",
            // bank 1, read back; bank 0 by the far call; bank 0 does not hold bank 1's
            // byte; bank 7FFFh is past the memory
            "bank: 004F 0001 004F 00 014F",
            // 4F06h get, 1024 pixels, 640 bytes, maximum (AX/BX/CX/DX)
            "line: 004F/0280/0280/6666 004F/0400/0400/4000 004F/0280/0280/6666 004F/8888/8888/01E0 ",
            // (0, 10); a start without a full page fails and keeps (0, 10); ECX = 640 × 7 + 16
            "start: 004F 0000/000A 014F 0000/000A 004F 0010/0007 ",
            // 4F04h: one block for the dispi registers, 16 for all states (INT 10h 1Ch's
            // 1 KiB layout); save the registers, move the start, restore: back at (0, 0)
            "state: 004F 0001 004F 0010 004F 004F 0000/0000 ",
            // entry 2 in 6 bits (30h, 0Ah, 15h), 8-bit DAC, entry 2 in 8 bits, secondary palette
            "pal: 004F 00300A15 004F 00C050FF 024F",
            // 4F0Ah; its 4 offsets lie inside the table; after the 32-bit calls: bank 3,
            // start line 5 (address 3,200 / 4), entry 3 = (0Bh, 2Ch, 0Dh)
            "pmi: 004F 04 0003 0000/0005 000B2C0D",
            // mode 03h leaves VBE (4F03h = 3); 101h with bit 15: memory kept (2Ah in bank 1)
            "back: 0003 004F 8101 2A",
            // 142h with bit 14; 4F05h and 4F08h are invalid in a linear direct-colour mode
            "set32: 004F 4142 034F 034F",
            "bios-vbe done", ""]
        #expect(out == expected.joined(separator: "\n"))

        // The frame: 640×480, 32 bits, through the dispi interface.
        #expect(r.vga.vbe.enabled && r.vga.vbe.lfbEnabled && r.vga.vbe.bpp == 32)
        let f = r.vga.renderFrame()
        #expect(f.width == 640 && f.height == 480)
        guard f.width == 640 && f.height == 480 else { return }
        for (x, y) in [(0, 0), (1, 1), (100, 50), (319, 255), (639, 0), (0, 479), (599, 439), (639, 479)] {
            let want = (UInt8(x / 3), UInt8(y / 2), UInt8((x + y) & 0xFF))
            let got = rgb(f.pixels[y * 640 + x])
            #expect(got == want, "pixel (\(x), \(y)) is \(got), expected \(want)")
        }
        for (x, y) in [(600, 440), (615, 455), (607, 447)] {
            #expect(rgb(f.pixels[y * 640 + x]) == (0xFF, 0xFF, 0xFF), "the white square at (\(x), \(y))")
        }
    }
}
