import Foundation
import MHACore
import MHAFormats
import Testing

/// `decode` at its limits, through the built binary (QA s23): a line that never ends, signals
/// while a line is arriving, a cache that reaches position 2^53, binary input, `--float`
/// values that float32 cannot hold or rounds to 0.
@Suite("decode: long lines, signals, a full cache, --float")
struct DecodeLimitsTests {
    static let filled = ["decode", "--weights", "random:1", "--heads", "1"]

    @Test("an empty stream with --weights is no tokens: nothing written, no cache, exit 0 (it was 64)")
    func anEmptyStreamIsNoTokens() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try BuiltBinary.run(
            ["decode", "--weights", "random:5", "--heads", "2", "--cache", "c.npz"], stdin: "", in: folder)
        #expect(run.status == 0 && run.stdout.isEmpty && run.stderr.isEmpty, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("c.npz").path))
    }

    @Test("an endless line (yes 1, | tr -d '\\n') is refused at its bound, not read forever (F11)")
    func endlessLine() throws {
        let folder = try ScratchFolder()
        // d_model unknown (filled weights): the bound is 64 bytes for each of 2^16 values.
        let run = try folder.run(Self.filled, stdinCommand: "yes 1, | tr -d '\\n'")
        run.expectRefusal(65, "<stdin>:1: line 1 is longer than 4195328 bytes", "is a newline missing?")
        // d_model known from --wq: 64 bytes a value, at least 64 KiB.
        try folder.write("wq.csv", "1,0\n0,1\n")
        let known = try folder.run(
            ["decode", "--wq", "wq.csv", "--weights", "identity", "--heads", "1"],
            stdinCommand: "yes 1, | tr -d '\\n'")
        known.expectRefusal(65, "line 1 is longer than 65536 bytes (64 for each of d_model = 2 values")
    }

    @Test("a 10 MB line without a newline is refused, from a pipe and from a file; rows before it are decoded")
    func tenMegabyteLine() throws {
        let folder = try ScratchFolder()
        try folder.write("long.csv", start: "1,2\n3,4\n", repeating: "1,", count: 5_000_000, end: "")
        let file = try folder.run(Self.filled + ["-x", "long.csv"])
        #expect(!file.hung && file.status == 65, "\(file.status) \(file.stderr)")
        #expect(file.stdout.split(separator: "\n").count == 2)
        #expect(
            file.stderr.hasPrefix("mha-cli: error: long.csv:3: line 3 is longer than 65536 bytes"), "\(file.stderr)")
        let piped = try folder.run(Self.filled, stdinCommand: "cat long.csv")
        #expect(!piped.hung && piped.status == 65 && piped.stdout == file.stdout, "\(piped.stderr)")
        // A normal stream still works: lines of d_model numbers, far below the bound.
        try folder.write("wide.csv", repeating: "0.123456789012345678,", count: 1499, end: "1\n")
        let wide = try folder.run(Self.filled + ["-x", "wide.csv"], killAfter: 60)
        #expect(wide.status == 0 && wide.stdout.split(separator: ",").count == 1500, "\(wide.stderr)")
    }

    /// A first line still arriving (below the bound) when the signal comes: the run ends with
    /// 128 + the signal and says so (it was 64, "no weights and no input rows").
    @Test(
        "SIGINT and SIGTERM end decode while a line is arriving", arguments: [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")])
    func signalWhileALineArrives(_ number: Int32, _ name: String) throws {
        let binary = try #require(BuiltBinary.url)
        signal(SIGPIPE, SIG_IGN)  // a write after the process ended fails with EPIPE instead
        let process = Process()
        process.executableURL = binary
        process.arguments = Self.filled
        let input = Pipe(), output = Pipe(), error = Pipe()
        (process.standardInput, process.standardOutput, process.standardError) = (input, output, error)
        try process.run()
        // 20 bytes every 5 ms, never a newline, until the process has ended.
        let writer = input.fileHandleForWriting.fileDescriptor
        let chunk = Array("1,1,1,1,1,1,1,1,1,1,".utf8)
        let start = Date()
        while Date().timeIntervalSince(start) < 1 {
            _ = chunk.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
            usleep(5_000)
        }
        kill(process.processIdentifier, number)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline {
            _ = chunk.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
            usleep(5_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("decode did not end within 20 s of \(name)")
        }
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        #expect(process.terminationStatus == 128 + number)
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message == "mha-cli: warning: interrupted by \(name) before any row\n")
        #expect(output.fileHandleForReading.readDataToEndOfFile().isEmpty)
    }

    /// A cache at next_position 2^53 − 1: of a block of three rows one fits; it is decoded,
    /// printed and saved, then the run stops with 65 saying the cache is full (it was 64,
    /// "give a smaller position offset", and the cache was not updated).
    @Test("a cache that reaches 2^53 − 1 is full: the rows that fit are decoded and saved, then 65 (F12)")
    func fullCache() throws {
        let folder = try ScratchFolder()
        let rows = "1,2,3,4\n5,6,7,8\n9,1,2,3\n"
        try folder.write("h.csv", rows)
        let arguments = ["decode", "--weights", "random:3", "--heads", "2", "--rope", "half", "--cache", "c.npz"]
        let first = try folder.run(arguments + ["-x", "h.csv"])
        #expect(first.status == 0, "\(first.stderr)")
        let path = folder.url.appendingPathComponent("c.npz").path
        let saved = try DecodeCacheFile.read(path: path)
        let last = DecodeCacheFile.maximumNextPosition - 1
        let cache = try KVCache(
            keys: saved.keys, values: saved.values, kvHeads: 2, headDim: 2, nextPosition: last)
        try Data(
            try DecodeCacheFile.archive(cache, settings: saved.settings.sorted { $0.key < $1.key }.map { ($0, $1) })
        ).write(to: URL(fileURLWithPath: path))
        let full = try folder.run(arguments + ["-x", "h.csv", "--format", "json"])
        #expect(full.status == 65)
        #expect(full.stdout.hasPrefix("{\"token\": \(last), ") && full.stdout.split(separator: "\n").count == 1)
        #expect(
            full.stderr
                == "mha-cli: warning: RoPE turns position 9007199254740991 by up to 9.01e+15 radians, which float64 holds only to about 2: the rotated Q and K, and the scores, lose digits this far from position 0\n"
                + "mha-cli: error: c.npz: the cache is full: it holds positions up to 2^53 − 1 = 9007199254740991 (float64 holds every integer up to 2^53 exactly); it was saved with every row decoded before, and the rows after were not decoded\n"
        )
        #expect(try DecodeCacheFile.read(path: path).nextPosition == DecodeCacheFile.maximumNextPosition)
        let again = try folder.run(arguments, stdinCommand: "echo 1,2,3,4")
        #expect(again.status == 65 && again.stdout.isEmpty && again.stderr.contains("the cache is full"))
    }

    @Test(".npy and .npz input is named as such, not 'bytes that are not UTF-8' (F13)")
    func binaryInput() throws {
        let folder = try ScratchFolder()
        try folder.write(
            "h.npy",
            HostileInputTests.npy(
                header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }",
                payload: [1.0, 2].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }))
        try folder.run(Self.filled + ["-x", "h.npy"])
            .expectRefusal(65, "h.npy: this looks like a NumPy .npy file, but decode reads CSV or TSV text")
        try folder.run(Self.filled, stdinCommand: "cat h.npy").expectRefusal(65, "<stdin>: this looks like a NumPy")
        try folder.write("c.npz", [0x50, 0x4B, 3, 4, 0x0A, 0, 0, 0])
        try folder.run(Self.filled + ["-x", "c.npz"]).expectRefusal(65, "c.npz: this looks like a zip archive (.npz)")
    }

    @Test("decode --float warns of rows and weights that round to 0, and refuses values beyond float32 by line (F3)")
    func floatRange() throws {
        let folder = try ScratchFolder()
        try folder.write("wq.csv", "1e-50,0\n0,1\n")
        let rows = try folder.run(
            ["decode", "--weights", "identity", "--heads", "1", "--float"],
            stdinCommand: "printf '1e-46,2e-45\\n3,4\\n'")
        #expect(rows.status == 0 && rows.stdout == "0.0,1e-45\n3.0,4.0\n", "\(rows.stderr)")
        #expect(
            rows.stderr
                == "mha-cli: warning: <stdin>:1:1: value 1 of line 1 = 1e-46 rounds to 0 in float32 (|v| < 1.4e-45): run without --float to keep it (said once, for the first such line)\n"
        )
        let weights = try folder.run(
            ["decode", "--wq", "wq.csv", "--weights", "identity", "--heads", "1", "--float"],
            stdinCommand: "echo 1,2")
        #expect(weights.status == 0)
        #expect(
            weights.stderr
                == "mha-cli: warning: wq.csv:1:1: wq[0, 0] = 1e-50 rounds to 0 in float32 (|v| < 1.4e-45): run without --float to keep it\n"
        )
        let beyond = try folder.run(
            ["decode", "--weights", "identity", "--heads", "1", "--float"], stdinCommand: "printf '1,2\\n 1.0E+39,2\\n'"
        )
        #expect(beyond.status == 65 && beyond.stdout == "1.0,2.0\n")
        #expect(
            beyond.stderr
                == "mha-cli: error: <stdin>:2:2: value 1 of line 2 is 1.0E+39, beyond float32's range (±3.4028235e38): run without --float\n"
        )
        try folder.write("big.csv", "1e39,0\n0,1\n")
        try folder.run(
            ["decode", "--wq", "big.csv", "--weights", "identity", "--heads", "1", "--float"], stdinCommand: "echo 1,2"
        ).expectRefusal(65, "big.csv:1:1: wq[0, 0] is 1e39, beyond float32's range")
    }
}
