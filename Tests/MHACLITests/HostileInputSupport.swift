import Foundation
import MHAFormats
import Testing

/// Runs the built `mha-cli` on hostile input under a time bound (the process is killed after
/// `HostileRun.killAfterSeconds`; being killed is reported as a hang) and a memory bound
/// (`ulimit -v`, so an unbounded allocation fails instead of swapping the machine), with
/// stdout and stderr captured in files.
struct HostileRun {
    /// Seconds after which the run is killed and counted as a hang. Generous: only a hang
    /// should reach it, even with a debug binary on a busy machine.
    static let killAfterSeconds = 10
    /// The address-space limit of the run, in KiB (4 GiB).
    static let memoryLimitKiB = 4 * 1024 * 1024
    /// The uid/gid the run takes with `asNobody` (root ignores file permissions).
    static let nobody = 65534

    /// The exit status (128 + signal when killed by a signal, as the shell reports it).
    var status: Int32
    /// Everything written to stdout.
    var stdout: String
    /// Everything written to stderr.
    var stderr: String
    /// Whether the time bound killed the run.
    var hung: Bool

    /// The run's own user is root, whose file permissions do not apply.
    static var isRoot: Bool { getuid() == 0 }

    /// Runs `mha-cli arguments` in `folder`, stdin from `stdinFile` (else /dev/null); as the
    /// `nobody` user when `asNobody` and this process is root.
    /// - Parameters:
    ///   - addressSpace: run under `prlimit --as=BYTES` (instead of the default `ulimit -v`),
    ///     BYTES beyond what the budget keeps back for worker threads (`SystemFiles.threadReserve`,
    ///     which grows with the cores), so a limit means the same headroom on every machine.
    ///   - stdinCommand: a shell command whose output is piped to stdin (`yes 1,`).
    static func run(
        _ arguments: [String], in folder: URL, stdinFile: String? = nil, asNobody: Bool = false,
        killAfter seconds: Int = killAfterSeconds, addressSpace: Int? = nil, stdinCommand: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> HostileRun {
        let binary = try #require(
            BuiltBinary.url, "mha-cli not found next to the tests; set MHA_CLI",
            sourceLocation: sourceLocation)
        let command = ([binary.path] + arguments).map(quoted).joined(separator: " ")
        let user =
            asNobody && isRoot
            ? "setpriv --reuid=\(nobody) --regid=\(nobody) --clear-groups " : ""
        let limit = addressSpace.map { "prlimit --as=\($0 + SystemFiles.live.threadReserve) " } ?? ""
        let feed = stdinCommand.map { "\($0) 2>/dev/null | " } ?? ""
        let input = stdinCommand == nil ? " <\(quoted(stdinFile ?? "/dev/null"))" : ""
        let script = """
            ulimit -v \(memoryLimitKiB)
            \(feed)timeout -s KILL \(seconds) \(limit)\(user)\(command)\(input) \
            >.hostile-stdout 2>.hostile-stderr
            """
        let status = try shell(script, in: folder)
        defer {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(".hostile-stdout"))
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(".hostile-stderr"))
        }
        return HostileRun(
            status: status,
            stdout: try contents(folder.appendingPathComponent(".hostile-stdout")),
            stderr: try contents(folder.appendingPathComponent(".hostile-stderr")),
            hung: status == 128 + 9)
    }

    /// Runs `/bin/sh -c script` in `folder` and returns its exit status.
    static func shell(_ script: String, in folder: URL) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = folder
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        // `timeout -s KILL` kills its own process group too: the shell then dies of SIGKILL.
        let signalled = process.terminationReason == .uncaughtSignal
        return signalled ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// `text` in single quotes for the shell.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The file's bytes as text (invalid UTF-8 repaired).
    private static func contents(_ url: URL) throws -> String {
        String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    /// Checks a refusal: not a hang or a crash, exit `status`, nothing on stdout, and exactly
    /// one line on stderr, `mha-cli: error: …`, containing each of `words`.
    func expectRefusal(_ status: Int32, _ words: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!hung, "killed after \(Self.killAfterSeconds) s: a hang", sourceLocation: sourceLocation)
        #expect(
            self.status == status, "exit \(self.status), stderr: \(stderr.prefix(2000))", sourceLocation: sourceLocation
        )
        #expect(stdout.isEmpty, "stdout: \(stdout.prefix(200))", sourceLocation: sourceLocation)
        expectOneLine(prefix: "mha-cli: error: ", sourceLocation: sourceLocation)
        for word in words {
            #expect(
                stderr.contains(word), "stderr lacks \"\(word)\": \(stderr.prefix(2000))",
                sourceLocation: sourceLocation)
        }
    }

    /// Checks that stderr is one line (at most 1000 bytes) starting with `prefix`.
    func expectOneLine(prefix: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            lines.count == 2 && lines[1].isEmpty, "not one line: \(stderr.prefix(2000))", sourceLocation: sourceLocation
        )
        #expect(stderr.hasPrefix(prefix), "stderr: \(stderr.prefix(2000))", sourceLocation: sourceLocation)
        #expect(stderr.utf8.count <= 1000, "a \(stderr.utf8.count)-byte message", sourceLocation: sourceLocation)
    }

    /// Checks a success: exit 0, nothing on stderr, and no NaN or infinity in stdout.
    func expectSuccess(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!hung && status == 0, "exit \(status), stderr: \(stderr.prefix(2000))", sourceLocation: sourceLocation)
        #expect(stderr.isEmpty, "stderr: \(stderr.prefix(2000))", sourceLocation: sourceLocation)
        HostileRun.expectFinite(stdout, sourceLocation: sourceLocation)
    }

    /// Checks that `text` shows no NaN or infinity in any spelling.
    static func expectFinite(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lower = text.lowercased()
        for word in ["nan", "inf", "∞"] {
            #expect(!lower.contains(word), "output shows \(word): \(text.prefix(500))", sourceLocation: sourceLocation)
        }
    }
}

/// A temporary folder for one test's generated files, removed at the end of the test.
final class ScratchFolder {
    /// The folder (world-traversable, so a run as `nobody` can reach its files).
    let url: URL

    init() throws {
        url = try BuiltBinary.temporaryFolder()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    deinit {
        let fileManager = FileManager.default
        if let items = fileManager.enumerator(atPath: url.path) {
            for case let item as String in items {
                try? fileManager.setAttributes(
                    [.posixPermissions: 0o755], ofItemAtPath: url.appendingPathComponent(item).path)
            }
        }
        try? fileManager.removeItem(at: url)
    }

    /// Writes `bytes` to `name` and returns the name.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: url.appendingPathComponent(name))
        return name
    }

    /// Writes `text` (UTF-8) to `name` and returns the name.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Array(text.utf8))
    }

    /// Writes `start`, `count` repetitions of `unit` and then `end` to `name`, in chunks (no
    /// huge string).
    @discardableResult
    func write(_ name: String, start: String = "", repeating unit: String, count: Int, end: String = "\n") throws
        -> String
    {
        let path = url.appendingPathComponent(name).path
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw CocoaError(.fileWriteUnknown) }
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(start.utf8))
        let chunkUnits = max(1, (1 << 20) / max(unit.utf8.count, 1))
        let chunk = Data(String(repeating: unit, count: chunkUnits).utf8)
        var written = 0
        while written + chunkUnits <= count {
            try handle.write(contentsOf: chunk)
            written += chunkUnits
        }
        try handle.write(contentsOf: Data((String(repeating: unit, count: count - written) + end).utf8))
        return name
    }

    /// The names in the folder, sorted.
    func contents(of subfolder: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.appendingPathComponent(subfolder).path).sorted()
    }

    /// Runs mha-cli in this folder.
    func run(
        _ arguments: [String], stdinFile: String? = nil, asNobody: Bool = false,
        killAfter seconds: Int = HostileRun.killAfterSeconds, addressSpace: Int? = nil,
        stdinCommand: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> HostileRun {
        try HostileRun.run(
            arguments, in: url, stdinFile: stdinFile, asNobody: asNobody, killAfter: seconds,
            addressSpace: addressSpace, stdinCommand: stdinCommand, sourceLocation: sourceLocation)
    }
}
