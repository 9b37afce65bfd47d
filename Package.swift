// swift-tools-version:6.0
import PackageDescription

/// mha-cli: exact multi-head attention in the terminal.
///
/// `MHACore` is the engine (no printing, no exit codes); `MHACLI` is the front end's
/// logic (arguments, commands, formatters) kept in a library so it can be unit tested;
/// `mha-cli` is the executable: a `main.swift` that hands `CommandLine.arguments` to `MHACLI`.
let package = Package(
    name: "mha-cli",
    products: [
        .executable(name: "mha-cli", targets: ["mha-cli"]),
        .library(name: "MHACore", targets: ["MHACore"]),
    ],
    targets: [
        .target(name: "MHACore"),
        .target(name: "MHACLI", dependencies: ["MHACore"]),
        .executableTarget(name: "mha-cli", dependencies: ["MHACLI"]),
        .testTarget(
            name: "MHACoreTests",
            dependencies: ["MHACore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "MHACLITests", dependencies: ["MHACLI", "MHACore"]),
    ],
    swiftLanguageModes: [.v5]
)
