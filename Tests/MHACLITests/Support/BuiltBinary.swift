import Foundation
import Testing

/// The built `mha-cli` executable, run as a user would: arguments, optional stdin, and the
/// captured stdout, stderr and exit status.
enum BuiltBinary {
    /// What one run produced.
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The executable: `$MHA_CLI` if set, else `mha-cli` next to the test bundle (SwiftPM puts
    /// both in `.build/<config>/`), else the package's `.build/debug/mha-cli`.
    static let url: URL? = {
        let fileManager = FileManager.default
        if let path = ProcessInfo.processInfo.environment["MHA_CLI"], fileManager.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        var candidates: [URL] = []
        for bundle in Bundle.allBundles + [Bundle.main] {
            var folder = bundle.bundleURL
            for _ in 0..<4 {
                candidates.append(folder.appendingPathComponent("mha-cli"))
                folder.deleteLastPathComponent()
            }
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/mha-cli"))
        return candidates.first { fileManager.isExecutableFile(atPath: $0.path) && !isDirectory($0) }
    }()

    /// The folder holding Package.swift.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }

    /// Runs the binary with `arguments` in `folder`, feeding `stdin`.
    static func run(
        _ arguments: [String], stdin: String? = nil, in folder: URL? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Outcome {
        let binary = try #require(
            url, "mha-cli not found next to the tests; set MHA_CLI", sourceLocation: sourceLocation)
        return try launch(binary, arguments, stdin: stdin, in: folder)
    }

    /// Runs `executable` and collects its output (both pipes drained concurrently).
    static func launch(
        _ executable: URL, _ arguments: [String], stdin: String? = nil, in folder: URL? = nil,
        environment: [String: String]? = nil
    ) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        if let environment { process.environment = environment }
        _ = brokenPipesIgnored
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        // A binary that stops reading early (it refused its input) closes the pipe: the rest
        // of stdin is not written (EPIPE), which is not the test's failure.
        if let stdin { try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// SIGPIPE ignored in the test process, once: writing stdin to a child that has already
    /// exited then fails with EPIPE instead of killing `swift test` (signal 13).
    private static let brokenPipesIgnored: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// A fresh temporary folder, removed by the caller.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mha-cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
