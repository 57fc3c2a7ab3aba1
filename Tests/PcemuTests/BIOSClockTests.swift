import Foundation
import Testing

/// The RTC alarm through the BIOS: bios/tests/rtctest.asm sets the clock, asks INT 1Ah 06h
/// for an alarm three seconds later, expects a second 06h to be refused while one is pending,
/// waits for INT 4Ah (called from IRQ8 when the RTC raises its alarm flag), then cancels it with
/// 07h. The same boot sector runs with the own BIOS and with Debian's Bochs BIOS: both must
/// fire the alarm at the time it was set for (the guest's clock, so the test is deterministic).
/// Images and runs go through BIOSServiceTests' workspace and boot helper.
@Suite struct BIOSClockTests {
    static let expected = [
        "RTCTEST alarm set for 102033",
        "RTCTEST second alarm refused (CF=1)",
        "RTCTEST INT 4Ah at 102033",
        "RTCTEST alarm reset, a new one accepted",
        "RTCTEST done",
    ]

    @Test(arguments: ["own", "bochs"])
    func alarmFiresThroughINT4Ah(bios: String) throws {
        let work = try BIOSServiceTests.Workspace()
        var args = ["--floppy", try work.disk("rtctest", size: 1_474_560)]
        if bios == "bochs" {
            args += ["--bios", "/usr/share/bochs/BIOS-bochs-legacy", "--vgabios", "/usr/share/vgabios/vgabios.bin"]
        }
        let r = try BIOSServiceTests.boot(args, prefix: "RTCTEST")
        #expect(r.lines == Self.expected, "\(bios) BIOS:\n\(r.stdout)\n\(r.stderr)")
        #expect(r.status == 0, "\(r.stderr)")
    }
}
