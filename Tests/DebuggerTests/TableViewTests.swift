import CPUInterpreter
import Foundation
import Testing

/// `info gdt` and `info idt` print every descriptor type's name whole, in a column as wide as
/// the longest name ("data read/write expand-down"), with DPL and P under their headings.
@Suite struct TableViewTests {
    @Test func everyTypeNameFitsItsColumn() throws {
        let f = try DebuggerFixture()
        f.run("break mode\ncontinue\ndelete")    // the demo's GDT is at 1000h from here on
        var widest = 0
        for type in 0..<32 {
            // GDT entry 7 (0038h): limit FFFFh, base 0, present, DPL 0, S and type from `type`.
            let access = 0x80 | type
            let name = Descriptor(low: 0x0000_FFFF, high: UInt32(access) << 8 | 0x00CF_0000).typeName
            widest = max(widest, name.count)
            let hexAccess = String(access, radix: 16)
            let out = f.run("set 0x1038 = 0xff 0xff 0 0 0 0x\(hexAccess) 0xcf 0\ninfo gdt 7")
            let lines = out.split(separator: "\n").map(String.init)
            let header = try #require(lines.first { $0.hasPrefix("index  sel   type") }, "\(out)")
            let row = try #require(lines.first { $0.hasPrefix("    7  0038  ") }, "\(out)")
            #expect(row.contains("  \(name) "), "type \(type): '\(name)' is cut in '\(row)'")
            // DPL 0 and P 1 stand under their headings.
            let dpl = try #require(header.range(of: "DPL P"))
            let column = header.distance(from: header.startIndex, to: dpl.lowerBound)
            #expect(Array(row).count > column + 4 && String(Array(row)[column..<column + 5]) == "0   1",
                    "type \(type): DPL/P not under their headings:\n\(header)\n\(row)")
        }
        #expect(widest == "data read/write expand-down".count)
    }
}
