// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Code generation for the CPU that builds: the matrix kernels use AVX-512 (or AVX2 + FMA)
/// register tiles only when this machine has them, read from /proc/cpuinfo; anywhere else
/// (another OS or architecture, or `MHA_PORTABLE=1` in the environment, for a binary meant
/// to run on other machines) the build is portable. Measured on an AVX-512 machine, matrix
/// product GFLOP/s: portable 23 (Double) / 46 (Float), AVX2 53 / 103, AVX-512 100 / 195
/// per core (benchmarks/RESULTS.md). `-Ounchecked` and `-enforce-exclusivity=unchecked`
/// gave nothing measurable and drop safety checks, so they are not used.
func hostCodeGeneration() -> [SwiftSetting] {
    #if arch(x86_64) && os(Linux)
    let environment = ProcessInfo.processInfo.environment
    guard environment["MHA_PORTABLE"] == nil,
          let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    let flags = Set(flagsLine.split(separator: " ").map(String.init))
    let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    let avx2 = ["avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "movbe", "abm"]
    if (avx512 + avx2).allSatisfy(flags.contains) {
        return [.unsafeFlags(["-target-cpu", "skylake-avx512"]),
                .define("MHA_AVX512"), .define("MHA_FMA")]
    }
    if avx2.allSatisfy(flags.contains) {
        return [.unsafeFlags(["-target-cpu", "haswell"]), .define("MHA_AVX2"), .define("MHA_FMA")]
    }
    #endif
    return []
}

let codeGeneration = hostCodeGeneration()


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
        .library(name: "MHAFormats", targets: ["MHAFormats"]),
    ],
    targets: [
        .target(name: "MHACore", swiftSettings: codeGeneration),
        // The system zlib, for deflated .npz members (headers: zlib1g-dev on Debian/Ubuntu).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "MHAFormats", dependencies: ["MHACore", "CZlib"], swiftSettings: codeGeneration),
        .target(name: "MHACLI", dependencies: ["MHACore", "MHAFormats"], swiftSettings: codeGeneration),
        .executableTarget(name: "mha-cli", dependencies: ["MHACLI"], swiftSettings: codeGeneration),
        // Hidden measuring tool for benchmarks/ until `mha-cli bench` exists; not a product.
        .executableTarget(name: "mha-bench", dependencies: ["MHACore"], swiftSettings: codeGeneration),
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
        .testTarget(name: "MHACLITests", dependencies: ["MHACLI", "MHAFormats", "MHACore"]),
    ],
    swiftLanguageModes: [.v5]
)
