// swift-tools-version:6.0
// A program that depends on mha-cli's engine as a library, by source-control URL and version.
// MHA_CLI_URL points it at another clone (the tests use a temporary tagged file:// clone).
import PackageDescription

let source = Context.environment["MHA_CLI_URL"] ?? "https://github.com/mha-cli/mha-cli.git"

let package = Package(
    name: "LibraryClient",
    dependencies: [.package(url: source, from: "0.2.0")],
    targets: [
        .executableTarget(name: "LibraryClient", dependencies: [.product(name: "MHACore", package: "mha-cli")]),
    ]
)
