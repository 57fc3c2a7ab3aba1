import Chipset
import Testing

/// The tap behind `--until-serial`: forwards every byte, keeps the most recent ones, and
/// leaves the guest's view of the line as it was.
@Suite struct SerialTapTests {
    @Test func forwardsAndRemembersTheMostRecentBytes() {
        let inner = BufferSerialBackend(input: [0x41])
        let tap = SerialTap(inner, capacity: 8)
        for b in Array("hello, world".utf8) { tap.send(b) }
        #expect(inner.output == Array("hello, world".utf8))
        #expect(tap.count == 12)
        #expect(tap.recent == Array("o, world".utf8))        // the last 8
        #expect(tap.contains(Array("world".utf8)))
        #expect(!tap.contains(Array("hello".utf8)))           // scrolled out of the window
        #expect(!tap.contains(Array("worlds".utf8)))
        #expect(tap.receive(max: 4) == [0x41])
        #expect(tap.hasInput && tap.isConnected)
    }

    @Test func withoutABackendTheLineLooksUnconnected() {
        let tap = SerialTap(nil)
        tap.send(0x4F); tap.send(0x4B)
        #expect(tap.contains(Array("OK".utf8)))
        #expect(!tap.isConnected && !tap.hasInput)
        #expect(tap.receive(max: 16).isEmpty)
    }
}
