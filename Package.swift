// swift-tools-version: 6.0
import PackageDescription

// The hot path depends on these: exclusivity checks on class properties cost ~8x in
// the interpreter loop (see ../shared/DESIGN.md); guest-memory bounds never depend on
// them because every guest access goes through the TLB and the RAM bounds check.
let hotPathFlags: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"]),
]

let package = Package(
    name: "pcemu",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pcemu", targets: ["pcemu"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries from Debian: libsdl2-dev and zlib1g-dev.
        .systemLibrary(name: "CSDL2", pkgConfig: "sdl2", providers: [.apt(["libsdl2-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The project's own ROM images (testroms/, bios/), embedded with C23 #embed.
        .target(name: "ROMImages", cSettings: [.unsafeFlags(["-std=c23"])]),

        .target(name: "CPUInterpreter", swiftSettings: hotPathFlags),
        .target(name: "Chipset", dependencies: ["CPUInterpreter"], swiftSettings: hotPathFlags),
        .target(name: "Display", dependencies: ["Chipset", "CSDL2"]),
        // The debugger shell, its command language and the GDB remote stub (docs/debugger.md).
        .target(name: "Debugger", dependencies: ["Chipset"]),
        // Third-party CPU test-vector formats (SingleStepTests MOO) and their runner.
        .target(name: "Conformance", dependencies: ["CPUInterpreter", "CZlib"]),
        .executableTarget(
            name: "pcemu",
            dependencies: [
                "Display", "Debugger", "Conformance", "ROMImages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "CPUInterpreterTests", dependencies: ["CPUInterpreter"]),
        .testTarget(name: "ChipsetTests", dependencies: ["Chipset", "ROMImages"]),
        .testTarget(name: "ConformanceTests", dependencies: ["Conformance"]),
        .testTarget(name: "DebuggerTests", dependencies: ["Debugger", "Chipset"], exclude: ["Golden"]),
        .testTarget(name: "DisplayTests", dependencies: ["Display", "Chipset"], exclude: ["Golden"]),
        .testTarget(name: "PcemuTests", dependencies: ["pcemu"]),
    ]
)
