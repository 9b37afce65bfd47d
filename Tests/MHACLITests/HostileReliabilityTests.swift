import Foundation
import Testing

/// Issue 10's classes, one test each, through the built binary: every limit honoured, every
/// signal survived, no silent wrong answer. Each asserts the exit code, the one line on
/// stderr, and what is left in the folder.
@Suite("Hostile input: limits, signals, overflow")
struct HostileReliabilityTests {
    static let identity = ["--weights", "identity"]

    /// The names in `folder` that look like a temporary output file.
    static func leftovers(_ folder: ScratchFolder) throws -> [String] {
        try folder.contents().filter { $0.contains(".tmp-") }
    }

    // MARK: - Memory limits (prlimit --as)

    @Test("under prlimit --as, n × n weights are refused with needed vs available, not killed")
    func addressSpaceWeights() throws {
        let folder = try ScratchFolder()
        try folder.write("tall.csv", repeating: "0.5,1,0.25,2\n", count: 3000, end: "")
        let run = try folder.run(
            ["run", "-x", "tall.csv", "--show", "weights", "--format", "json"] + Self.identity,
            addressSpace: 300_000_000)
        run.expectRefusal(65, "needs", "available")
    }

    @Test("under prlimit --as, filling d_model² weights is refused (it was 'failed to allocate', exit 134)")
    func addressSpaceFill() throws {
        let folder = try ScratchFolder()
        try folder.write("wide.csv", repeating: "1,", count: 2999, end: "1\n")
        for fill in ["identity", "random:3"] {
            try folder.run(["run", "-x", "wide.csv", "--weights", fill], addressSpace: 200_000_000)
                .expectRefusal(65, "filling the weights needs", "available")
        }
    }

    @Test("under prlimit --as, the forward pass's own estimate refuses (streamed heads, elided text)")
    func addressSpaceEngine() throws {
        let folder = try ScratchFolder()
        // 20 000 × 64 (NPY: read fast even by a debug build): Q, K, V, heads, concat, output
        // ≈ 59 MiB, more than the ~35 MiB left. (The limits here leave about as much as they did
        // when the binary mapped Foundation, ~47 MB of address space it no longer takes.)
        let payload = [UInt8](repeating: 0, count: 20_000 * 64 * 8)
        try folder.write(
            "x.npy",
            HostileInputTests.npy(
                header: "{'descr': '<f8', 'fortran_order': False, 'shape': (20000, 64), }",
                payload: payload))
        let run = try folder.run(
            ["run", "-x", "x.npy", "--weights", "identity", "-o", "out.txt"],
            killAfter: 30, addressSpace: 78_000_000)
        run.expectRefusal(65, "needs", "available")
        #expect(try folder.contents() == ["x.npy"])
    }

    @Test("under prlimit --as, a text whose parse cannot fit is refused before parsing")
    func addressSpaceParse() throws {
        let folder = try ScratchFolder()
        try folder.write("line.csv", repeating: "0,", count: 10_000_000, end: "0\n")
        try folder.run(["run", "-x", "line.csv"] + Self.identity, addressSpace: 103_000_000)
            .expectRefusal(65, "line.csv", "needs up to", "available")
    }

    @Test("an endless pipe (yes 1, | run -x -) is cut at the memory budget with one line")
    func endlessPipe() throws {
        let folder = try ScratchFolder()
        let run = try folder.run(["run", "-x", "-"] + Self.identity, addressSpace: 600_000_000, stdinCommand: "yes 1,")
        run.expectRefusal(65, "<stdin>", "reading the input needs more than", "available")
    }

    // MARK: - No silent wrong answer

    @Test(
        "scores overflowing to −∞ are a data error naming the scores, never 'every key is masked'",
        arguments: [[], ["--show", "weights"], ["--float"], ["--float", "--show", "scores", "--format", "json"]])
    func scoresOverflowNegative(_ extra: [String]) throws {
        let folder = try ScratchFolder()
        // A negative scale turns every score to −(huge): all −∞ once they overflow.
        let value = extra.contains("--float") ? "1e20" : "1e200"
        try folder.write("x.csv", "\(value),\(value)\n\(value),\(value)\n")
        let run = try folder.run(["run", "-x", "x.csv", "--scale", "-1"] + extra + Self.identity)
        run.expectRefusal(65, "scores of head 1", "overflowed", extra.contains("--float") ? "float32" : "float64")
        #expect(!run.stderr.contains("masked"))
    }

    @Test(
        "scores overflowing to +∞ name the scores too (streamed and plain paths)",
        arguments: [[], ["--show", "scores"]])
    func scoresOverflowPositive(_ extra: [String]) throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1e200,1e200\n1e-3,2e-3\n")
        try folder.run(["run", "-x", "x.csv"] + extra + Self.identity).expectRefusal(
            65, "scores of head 1", "query token 0")
    }

    @Test("a huge negative --scale is an overflow error, not zeros and a masking warning")
    func hugeNegativeScale() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        for extra in [[], ["--causal"], ["--show", "weights"], ["--float"]] {
            let scale = extra == ["--float"] ? "-3e38" : "-1e308"
            let run = try folder.run(["run", "-x", "x.csv", "--scale", scale] + extra + Self.identity)
            run.expectRefusal(65, "scores of head 1", "inputs, weights or scale")
            #expect(!run.stderr.contains("masked"))
        }
        // A large but representable negative scale still answers (the weights of the smallest score win).
        try folder.run(["run", "-x", "x.csv", "--scale", "-1e300", "--format", "json"] + Self.identity).expectSuccess()
    }

    @Test("--float warns, with the first's place and spelling and the count, about nonzero values that round to 0")
    func floatUnderflow() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1e-200,1\n3,-1e-50\n")
        let run = try folder.run(["run", "-x", "x.csv", "--float"] + Self.identity)
        #expect(run.status == 0, "\(run.stderr)")
        run.expectOneLine(
            prefix:
                "mha-cli: warning: x.csv:1:1: x[0, 0] = 1e-200 rounds to 0 in float32 (|v| < 1.4e-45) (and 1 more of x)"
        )
        #expect(!run.stdout.isEmpty)
        // Without --float nothing is said: float64 holds them.
        try folder.run(["run", "-x", "x.csv", "--format", "json"] + Self.identity).expectSuccess()
    }

    @Test(
        "--weights identity|random with --kv-heads near Int.max is a usage error, not signal 4",
        arguments: ["identity", "random", "random:7"])
    func kvHeadsNearIntMax(_ fill: String) throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2,3,4\n")
        for kv in ["9223372036854775807", "4611686018427387904", "4611686018427387905"] {
            let run = try folder.run(["run", "-x", "x.csv", "--weights", fill, "--heads", "2", "--kv-heads", kv])
            run.expectRefusal(64, "kv_heads")
        }
    }

    // MARK: - Wrong words

    @Test("--weights identity --heads 3 with d_model 4 reports the divisibility, not a missing --wo")
    func headsDoNotDivide() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2,3,4\n")
        let run = try folder.run(["run", "-x", "x.csv", "--heads", "3"] + Self.identity)
        run.expectRefusal(64, "d_model 4 is not divisible by 3 heads")
        #expect(!run.stderr.contains("--wo"))
    }

    @Test(
        "a NUL byte in CSV is named as such, where it is, not as a short row",
        arguments: [
            [0x31, 0x2C, 0x32, 0x0A, 0x33, 0x00, 0x2C, 0x34, 0x0A],
            [0x31, 0x2C, 0x32, 0x0A, 0x33, 0x2C, 0x34, 0x00, 0x0A],
        ])
    func nulByte(_ bytes: [UInt8]) throws {
        let folder = try ScratchFolder()
        try folder.write("nul.csv", bytes)
        let run = try folder.run(["run", "-x", "nul.csv"] + Self.identity)
        run.expectRefusal(65, "nul.csv:2:", "NUL byte")
        #expect(!run.stderr.contains("values; the rows above"))
    }

    @Test("a header whose width differs from the data is an error, not dropped silently")
    func headerWidth() throws {
        let folder = try ScratchFolder()
        try folder.write("h.csv", "a,b,c\n1,2\n3,4\n")
        try folder.run(["run", "-x", "h.csv"] + Self.identity).expectRefusal(
            65, "h.csv:1:1", "header has 3 labels", "2 values")
        try folder.write("ok.csv", "a,b\n1,2\n3,4\n")
        try folder.run(["run", "-x", "ok.csv"] + Self.identity).expectSuccess()
    }

    // MARK: - -o and symbolic links

    @Test("-o through a live link writes the target atomically and keeps the link")
    func liveLink() throws {
        let folder = try ScratchFolder()
        try HostileInputTests.smallInput(folder)
        try FileManager.default.createDirectory(
            at: folder.url.appendingPathComponent("real"), withIntermediateDirectories: false)
        try folder.write("real/result.txt", "old\n")
        try FileManager.default.createSymbolicLink(
            atPath: folder.url.appendingPathComponent("link.txt").path,
            withDestinationPath: "real/result.txt")
        try folder.run(["run", "-x", "x.csv", "-o", "link.txt"] + Self.identity).expectSuccessQuietly()
        let link = try FileManager.default.destinationOfSymbolicLink(
            atPath: folder.url.appendingPathComponent("link.txt").path)
        #expect(link == "real/result.txt")
        let written = try String(contentsOf: folder.url.appendingPathComponent("real/result.txt"), encoding: .utf8)
        #expect(written.hasPrefix("input H"), "\(written)")
        #expect(try folder.contents(of: "real") == ["result.txt"])
        #expect(try Self.leftovers(folder).isEmpty)
    }

    @Test("-o onto a dangling link or a link loop is refused (74); nothing is created or replaced")
    func danglingLink() throws {
        let folder = try ScratchFolder()
        try HostileInputTests.smallInput(folder)
        let fileManager = FileManager.default
        try fileManager.createSymbolicLink(
            atPath: folder.url.appendingPathComponent("dangling.txt").path,
            withDestinationPath: "missing/result.txt")
        try folder.run(["run", "-x", "x.csv", "-o", "dangling.txt"] + Self.identity)
            .expectRefusal(74, "dangling.txt", "dangling symbolic link", "missing/result.txt")
        #expect(
            try fileManager.destinationOfSymbolicLink(atPath: folder.url.appendingPathComponent("dangling.txt").path)
                == "missing/result.txt")
        try fileManager.createSymbolicLink(
            atPath: folder.url.appendingPathComponent("a").path, withDestinationPath: "b")
        try fileManager.createSymbolicLink(
            atPath: folder.url.appendingPathComponent("b").path, withDestinationPath: "a")
        try folder.run(["run", "-x", "x.csv", "-o", "a"] + Self.identity).expectRefusal(74, "'a'", "loop")
        #expect(try folder.contents() == ["a", "b", "dangling.txt", "x.csv"])
    }

    // MARK: - Signals

    @Test(
        "SIGINT, SIGTERM, SIGHUP during -o remove the temporary file, keep the old target, exit 130/143/129",
        arguments: [(SIGINT, 130, "SIGINT"), (SIGTERM, 143, "SIGTERM"), (SIGHUP, 129, "SIGHUP")])
    func signalDuringOutput(_ signal: Int32, _ status: Int32, _ name: String) throws {
        let folder = try ScratchFolder()
        try HostileInputTests.smallInput(folder)
        try folder.write("result.txt", "old\n")
        let outcome = try SignalledRun.run(
            ["run", "-x", "x.csv", "-o", "result.txt"] + Self.identity, in: folder.url,
            signal: signal
        ) { try Self.leftovers(folder).count == 1 }
        #expect(outcome.sawTemporaryFile, "the run never stopped with its temporary file written")
        #expect(outcome.status == status, "exit \(outcome.status): \(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("mha-cli: error: ") && outcome.stderr.contains(name), "\(outcome.stderr)")
        #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
        #expect(try Self.leftovers(folder).isEmpty)
        #expect(try String(contentsOf: folder.url.appendingPathComponent("result.txt"), encoding: .utf8) == "old\n")
    }

    // MARK: - Concurrent writers

    @Test("20 pairs of concurrent writers to one -o file: each file ends whole, one writer's result, no leftovers")
    func concurrentWriters() throws {
        let folder = try ScratchFolder()
        try folder.write("a.csv", repeating: "0.25,-0.5,1,2\n", count: 200, end: "")
        try folder.write("b.csv", repeating: "1,3,-2,0.5\n", count: 200, end: "")
        let binary = try #require(BuiltBinary.url)
        let expected = try ["a.csv", "b.csv"].map { input in
            try BuiltBinary.run(["run", "-x", input, "--weights", "random:5", "--format", "json"], in: folder.url)
                .stdout
        }
        #expect(expected[0] != expected[1] && expected.allSatisfy { $0.count > 10_000 })
        var processes: [Process] = []
        for pair in 0..<20 {
            for input in ["a.csv", "b.csv"] {
                let process = Process()
                process.executableURL = binary
                process.arguments = [
                    "run", "-x", input, "--weights", "random:5", "--format", "json", "-o", "out-\(pair).json",
                ]
                process.currentDirectoryURL = folder.url
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                processes.append(process)
            }
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        }
        for pair in 0..<20 {
            let text = try String(contentsOf: folder.url.appendingPathComponent("out-\(pair).json"), encoding: .utf8)
            #expect(expected.contains(text), "out-\(pair).json is neither writer's whole result (\(text.count) bytes)")
        }
        #expect(try Self.leftovers(folder).isEmpty)
        #expect(try folder.contents().count == 22)
    }
}

extension HostileRun {
    /// Checks a success that prints nothing (a run with `-o`): exit 0, empty stdout and stderr.
    func expectSuccessQuietly(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!hung && status == 0, "exit \(status), stderr: \(stderr.prefix(2000))", sourceLocation: sourceLocation)
        #expect(
            stdout.isEmpty && stderr.isEmpty, "stdout: \(stdout.prefix(200)) stderr: \(stderr.prefix(200))",
            sourceLocation: sourceLocation)
    }
}

/// A run that stops itself (SIGSTOP) with its `-o` temporary file written but not renamed
/// (`MHA_CLI_STOP_BEFORE_RENAME`), is sent `signal` and then SIGCONT.
enum SignalledRun {
    struct Outcome {
        var status: Int32
        var stderr: String
        var sawTemporaryFile: Bool
    }

    /// Runs the binary; once it has stopped, checks `temporaryFileExists`, signals it and lets it go on.
    static func run(
        _ arguments: [String], in folder: URL, signal: Int32,
        temporaryFileExists: () throws -> Bool
    ) throws -> Outcome {
        let binary = try #require(BuiltBinary.url)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["MHA_CLI_STOP_BEFORE_RENAME"] = "1"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        var stopped = false
        for _ in 0..<1000 where !stopped {
            stopped = isStopped(pid)
            if !stopped { usleep(10_000) }
        }
        let saw = try stopped && temporaryFileExists()
        kill(pid, signal)
        kill(pid, SIGCONT)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let status =
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Outcome(status: status, stderr: stderr, sawTemporaryFile: saw)
    }

    /// Whether process `pid` is stopped (state `T` in /proc/PID/stat).
    static func isStopped(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("T")
    }
}
