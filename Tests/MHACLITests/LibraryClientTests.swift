import Foundation
import Testing

/// examples/library-client depends on MHACore by source-control URL and version, as another
/// Swift project would: it is built against a temporary clone of this package tagged 0.2.0
/// (SwiftPM refuses unsafe build flags in such a dependency), and its forward pass must equal
/// mha-cli's on the same problem.
@Suite struct LibraryClientTests {
    static let swift = ["/usr/bin/swift", "/opt/swift/usr/bin/swift"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let git = ["/usr/bin/git", "/usr/local/bin/git"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: swift != nil && git != nil, "swift or git is not installed"), .timeLimit(.minutes(10)))
    func buildsAgainstATaggedCloneAndAgreesWithTheCLI() throws {
        let (swift, git) = (try #require(Self.swift), try #require(Self.git))
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = BuiltBinary.packageRoot
        let clone = folder.appendingPathComponent("mha-cli")
        let client = folder.appendingPathComponent("client")
        let files = FileManager.default
        try files.createDirectory(at: clone, withIntermediateDirectories: true)
        for item in ["Package.swift", "Sources"] {
            try files.copyItem(at: root.appendingPathComponent(item), to: clone.appendingPathComponent(item))
        }
        try files.createDirectory(at: client, withIntermediateDirectories: true)
        for item in ["Package.swift", "Sources"] {
            try files.copyItem(
                at: root.appendingPathComponent("examples/library-client/\(item)"),
                to: client.appendingPathComponent(item))
        }
        let gitSteps = [
            ["init", "-q"], ["add", "-A"],
            ["-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "snapshot"],
            ["tag", "0.2.0"],
        ]
        for step in gitSteps {
            let outcome = try BuiltBinary.launch(URL(fileURLWithPath: git), step, in: clone)
            try #require(outcome.status == 0, "git \(step.joined(separator: " ")): \(outcome.stderr)")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["MHA_CLI_URL"] = clone.absoluteString
        let built = try BuiltBinary.launch(
            URL(fileURLWithPath: swift), ["run", "-q", "LibraryClient"], in: client,
            environment: environment)
        try #require(built.status == 0, "the library client did not build or run: \(built.stderr.suffix(2000))")

        let matrices = [
            ("x.csv", "1,0,1,0\n0,2,0,1\n1,1,1,1\n"),
            ("wq.csv", "1,0,0.5,0\n0,1,0,0.5\n0.5,0,1,0\n0,0.5,0,1\n"),
        ]
        for (name, text) in matrices {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let cli = try BuiltBinary.run(
            [
                "run", "-x", "x.csv", "--wq", "wq.csv", "--wk", "wq.csv", "--weights", "identity",
                "--heads", "2", "--format", "csv",
            ], in: folder)
        try #require(cli.status == 0, "\(cli.stderr)")
        let library = built.stdout.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        let expected = cli.stdout.split(separator: "\n").map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(library.count == 3 && library.map(\.count) == expected.map(\.count))
        for (a, b) in zip(library.joined(), expected.joined()) {
            #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "library \(a) vs mha-cli \(b)")
        }
    }
}
