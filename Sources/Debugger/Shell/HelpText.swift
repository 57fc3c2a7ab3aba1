/// `help`: one line per command (the full language is in docs/debugger.md).
enum HelpText {
    static let commands: [(String, String)] = [
        ("step [N], s [N]", "run N instructions (default 1), printing each before it runs"),
        ("next, n", "step, but run a CALL, INT or REP instruction until the instruction after it"),
        ("continue, c", "run until a breakpoint, watchpoint, event break or the end of the guest"),
        ("until ADDR", "run until EIP or the linear address of CS:EIP is ADDR (or a seg:off, p:phys)"),
        ("break ADDR [if EXPR], b", "breakpoint at linear ADDR, p:PHYS or SEL:OFF, with an optional condition"),
        ("break exception [N]", "stop when exception vector N (any, if omitted) is raised, before delivery"),
        ("break io PORT", "stop after an IN or OUT to PORT"),
        ("break mode|cpl|task", "stop when CR0.PE/PG or EFLAGS.VM changes | CPL changes | a task switch happens"),
        ("watch [r|w|rw] ADDR [LEN]", "stop after a data read and/or write of linear memory (default w, 1 byte)"),
        ("info break", "list breakpoints, watchpoints and event breaks; delete [N] removes one or all"),
        ("regs, r", "general registers, EIP, EFLAGS with each flag, CPL, IOPL and the mode"),
        ("sregs", "segment registers: selector, hidden cache, and what the GDT/LDT says now (stale caches marked)"),
        ("cregs", "CR0-CR4 decoded, GDTR, IDTR, LDTR, TR"),
        ("info gdt|ldt|idt [FIRST [LAST]]", "descriptor tables decoded (the IVT in real mode)"),
        ("info tss", "the current TSS: stacks per ring, saved registers, I/O bitmap"),
        ("page ADDR", "page-table walk of a linear address, each entry's bits"),
        ("x[/Nb|/Nw|/Nd] ADDR", "dump N bytes, words or dwords (default 16 bytes)"),
        ("set ADDR = BYTE...", "write bytes to memory; set REG = VALUE writes a register"),
        ("disasm [ADDR] [N], u", "disassemble N instructions (default 8) at ADDR (default CS:EIP)"),
        ("print EXPR, p", "evaluate an expression (registers, cpl, flags, [ADDR], arithmetic, comparisons)"),
        ("explain on|off", "narrate every protection check, exception and interrupt delivery"),
        ("echo TEXT", "print TEXT"),
        ("history", "the commands entered so far"),
        ("help", "this list"),
        ("quit, q", "end pcemu"),
    ]

    static var lines: [String] {
        ["Commands (addresses: 0x1F or 1Fh hex, 31 decimal; p:PHYS physical; SEL:OFF or cs:eip segmented):"]
            + commands.map { "  " + $0.0.padding(toLength: 32, withPad: " ", startingAt: 0) + $0.1 }
    }
}

import Foundation
