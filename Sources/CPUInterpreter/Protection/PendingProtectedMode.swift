// TEMPORARY during bring-up: replaced by FarTransfer.swift / Interrupts.swift / TaskSwitch.swift.
extension CPU {
    func protectedFarJump(_ selector: UInt16, _ offset: UInt32, _ size: Int) throws(Fault) { throw Fault.generalProtection(0) }
    func protectedFarCall(_ selector: UInt16, _ offset: UInt32, _ size: Int) throws(Fault) { throw Fault.generalProtection(0) }
    func protectedFarReturn(_ size: Int, release: UInt32) throws(Fault) { throw Fault.generalProtection(0) }
    func protectedIret(_ size: Int) throws(Fault) { throw Fault.generalProtection(0) }
    func protectedModeInterrupt(vector: UInt8, errorCode: UInt32?, returnTo: UInt32, software: Bool, external: Bool) throws(Fault) { throw Fault.generalProtection(0) }
    func checkIOPermissionBitmap(port: UInt16, size: Int) throws(Fault) { throw Fault.generalProtection(0) }
}
