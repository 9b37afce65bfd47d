// swift-tools-version:6.0
import PackageDescription

/// mha-cli: exact multi-head attention in the terminal.
///
/// `MHACore` is the engine (no printing, no exit codes), with its matrix and exponential
/// micro-kernels in the C target `CMHAKernels`, compiled for several instruction sets and
/// chosen at run time (no unsafe flags, so the engine can be a versioned dependency); `MHACLI` is the front end's
/// logic (arguments, commands, formatters) kept in a library so it can be unit tested;
/// `mha-cli` is the executable: a `main.swift` that hands `CommandLine.arguments` to `MHACLI`.
let package = Package(
    name: "mha-cli",
    products: [
        .executable(name: "mha-cli", targets: ["mha-cli"]),
        .library(name: "MHACore", targets: ["MHACore"]),
        .library(name: "MHAFormats", targets: ["MHAFormats"]),
    ],
    targets: [
        .target(name: "CMHAKernels"),
        .target(name: "MHACore", dependencies: ["CMHAKernels"]),
        // The system zlib, for deflated .npz members (headers: zlib1g-dev on Debian/Ubuntu).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "MHAFormats", dependencies: ["MHACore", "CZlib"]),
        .target(name: "MHACLI", dependencies: ["MHACore", "MHAFormats"]),
        // The release executable on Linux is one fully static file (`-static-executable`: the
        // Swift runtime, zlib and glibc inside, no dynamic loader): it runs on a machine without
        // the toolchain and starts in about 2 ms (with `-static-stdlib` alone, 3.6 ms, most of the
        // difference the loader relocating libstdc++ and libc symbols). Only this target has the
        // flag: the libraries stay usable by URL.
        .executableTarget(
            name: "mha-cli", dependencies: ["MHACLI"],
            linkerSettings: [
                .unsafeFlags(["-static-executable"], .when(platforms: [.linux], configuration: .release)),
                // What a static FoundationEssentials would need besides itself (Sources import no
                // Foundation today; these archives add nothing unless one does).
                .linkedLibrary("_FoundationCollections", .when(platforms: [.linux], configuration: .release)),
                .linkedLibrary("_FoundationCShims", .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        .testTarget(
            name: "MHACoreTests",
            dependencies: ["MHACore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MHAFormatsTests",
            dependencies: ["MHAFormats", "MHACore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MHACLITests", dependencies: ["MHACLI", "MHAFormats", "MHACore"],
            exclude: ["Fixtures"]  // data read from the package folder by path
        ),
    ],
    swiftLanguageModes: [.v6]
)
