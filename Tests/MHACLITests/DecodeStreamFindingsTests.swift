import Foundation
import MHACore
import MHAFormats
import Testing

/// `decode` under QA s25's findings, through the built binary: a block too large for the
/// memory limit, a signal while output waits for a stalled reader, an overflow inside a block,
/// an unreadable input, position 2^53 with a cache, a row width taken from the cache.
@Suite("decode: memory per block, signals while writing, overflow rows, messages (QA s25)")
struct DecodeStreamFindingsTests {
    static let filled = ["decode", "--weights", "random:1", "--heads", "1"]

    /// 256 rows whose Q, K and V are 128 MiB each (d_k 65536): the block's own matrices were
    /// not counted, so it crashed ("failed to allocate", 134); it is the one-line refusal (F1).
    @Test("a block whose Q, K, V and concat do not fit is refused with one line, not a crash (F1)")
    func blockMatricesAreCounted() throws {
        let folder = try ScratchFolder()
        try folder.write("rows.csv", (0..<300).map { "1,2,3,\($0)\n" }.joined())
        let run = try folder.run(
            Self.filled + ["--head-dim", "65536", "-x", "rows.csv"], killAfter: 60, addressSpace: 800_000_000)
        run.expectRefusal(65, "this run needs", "available")
    }

    @Test("the engine's bound on a block counts its Q, K, V, concat and output beside the cache")
    func boundCountsTheBlock() throws {
        let (d, k, rows) = (4, 4096, 256)
        let p = AttentionParameters<Double>(
            wq: Matrix(rows: d, columns: k), wk: Matrix(rows: d, columns: k), wv: Matrix(rows: d, columns: k),
            wo: Matrix(rows: k, columns: d))
        let decoder = try AttentionCache(parameters: p, configuration: .init(heads: 1, headDim: k))
        // Q, K, V and the concat are rows × d_k each; the cache grows by K and V.
        let matrices = 4 * rows * k * 8, cache = 2 * rows * k * 8
        #expect(decoder.bytesNeeded(forBlockOf: rows) >= matrices + cache)
    }

    /// The pipe holds a few of the first block's rows; the reader never reads. SIGTERM ended
    /// nothing until the reader drained the block (F2): now the run ends, saving the cache.
    @Test("SIGTERM ends decode while its output waits for a reader that does not read (F2)")
    func signalWhileWritingToAStalledReader() throws {
        let folder = try ScratchFolder()
        let row = (0..<256).map { "0.\($0 % 97 + 1)" }.joined(separator: ",") + "\n"
        try folder.write("big.csv", repeating: row, count: 2000, end: "")
        let binary = try #require(BuiltBinary.url)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["decode", "--weights", "random:1", "--heads", "4", "-x", "big.csv", "--cache", "c.npz"]
        process.currentDirectoryURL = folder.url
        let output = Pipe(), error = Pipe()
        (process.standardOutput, process.standardError) = (output, error)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Output has begun (seen without reading it): the first block is computed and being
        // written into a pipe that holds a fraction of it.
        var request = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&request, 1, 30_000) == 1, "no output within 30 s")
        usleep(300_000)
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("decode did not end within 20 s of SIGTERM while its reader was not reading")
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 143)
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message == "mha-cli: warning: interrupted by SIGTERM after position 255; cache saved to c.npz\n")
        let cache = try DecodeCacheFile.read(path: folder.url.appendingPathComponent("c.npz").path)
        #expect(cache.nextPosition == 256)
    }

    /// Row 2's scores overflow: rows 0 and 1 (which do not see it) were dropped when they came
    /// in the same block from a file, and printed when they came one by one (F3).
    @Test("the rows before a row that overflows are written before the error, from a file as from a pipe (F3)")
    func rowsBeforeAnOverflowAreWritten() throws {
        let folder = try ScratchFolder()
        try folder.write("ovf.csv", "0.5\n0.25\n1e200\n0.1\n")
        let arguments = ["decode", "--weights", "identity", "--heads", "1"]
        let file = try folder.run(arguments + ["-x", "ovf.csv"])
        #expect(file.status == 65)
        #expect(file.stderr.hasPrefix("mha-cli: error: scores of head 1") && file.stderr.contains("query token 2"))
        #expect(file.stderr.split(separator: "\n").count == 1, "\(file.stderr)")
        let values = file.stdout.split(separator: "\n").compactMap { Double($0) }
        #expect(values.count == 2, "\(file.stdout)")
        let expected = [0.5, 0.37890497893075387]
        for (value, right) in zip(values, expected) {
            #expect(abs(value - right) <= 1e-12 * abs(right), "\(value) vs \(right)")
        }
        let cached = try folder.run(arguments + ["-x", "ovf.csv", "--cache", "c.npz"])
        #expect(cached.status == 65 && cached.stdout == file.stdout)
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("c.npz").path))
    }

    @Test("an input that is a directory, or a closed stdin, is named in the message (F4)")
    func unreadableInputIsNamed() throws {
        let folder = try ScratchFolder()
        try FileManager.default.createDirectory(
            at: folder.url.appendingPathComponent("sub"), withIntermediateDirectories: false)
        try folder.run(Self.filled + ["-x", "sub"]).expectRefusal(66, "cannot open 'sub': Is a directory")
        let binary = try #require(BuiltBinary.url)
        let status = try HostileRun.shell(
            "\(HostileRun.quoted(binary.path)) decode --weights random:1 --heads 2 <&- >out.txt 2>err.txt",
            in: folder.url)
        let stderr = try String(contentsOf: folder.url.appendingPathComponent("err.txt"), encoding: .utf8)
        #expect(status == 66 && stderr == "mha-cli: error: cannot read '<stdin>': Bad file descriptor\n", "\(stderr)")
    }

    @Test("a new cache at --position-offset 2^53 is refused up front and no file is made (F5)")
    func offsetWithNoRoomIsRefused() throws {
        let folder = try ScratchFolder()
        let refused = try folder.run(
            [
                "decode", "--weights", "random:1", "--heads", "2", "--position-offset", "9007199254740992", "--cache",
                "full.npz",
            ], stdinCommand: "echo 1,2,3,4")
        refused.expectRefusal(64, "--position-offset 9007199254740992 leaves no room", "2^53 − 1")
        #expect(try folder.contents().filter { $0.contains("full") }.isEmpty)
        let uncached = try folder.run(
            ["decode", "--weights", "random:1", "--heads", "2", "--position-offset", "9007199254740992"],
            stdinCommand: "echo 1,2,3,4")
        #expect(uncached.status == 0 && uncached.stdout.split(separator: "\n").count == 1, "\(uncached.stderr)")
    }

    @Test("a cache already at 2^53 is full without being written, and the message does not say 'saved' (F5)")
    func fullCacheIsNotRewritten() throws {
        let folder = try ScratchFolder()
        let arguments = ["decode", "--weights", "random:3", "--heads", "2", "--cache", "c.npz"]
        #expect(try folder.run(arguments, stdinCommand: "echo 1,2,3,4").status == 0)
        let path = folder.url.appendingPathComponent("c.npz").path
        let saved = try DecodeCacheFile.read(path: path)
        let cache = try KVCache(
            keys: saved.keys, values: saved.values, kvHeads: 2, headDim: 2,
            nextPosition: DecodeCacheFile.maximumNextPosition)
        let bytes = try DecodeCacheFile.archive(
            cache, settings: saved.settings.sorted { $0.key < $1.key }.map { ($0, $1) })
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let full = try folder.run(arguments, stdinCommand: "echo 1,2,3,4")
        full.expectRefusal(65, "c.npz: the cache is full", "no row was decoded and the file is unchanged")
        #expect(!full.stderr.contains("saved"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
    }

    @Test("help decode lists every signal that saves the cache (F6)")
    func helpListsTheSignals() throws {
        let help = try BuiltBinary.run(["help", "decode"])
        #expect(help.status == 0)
        #expect(help.stdout.components(separatedBy: "SIGXCPU").count == 3, "\(help.stdout)")
        #expect(!help.stdout.contains("SIGINT/SIGTERM") && !help.stdout.contains("SIGINT or SIGTERM"))
    }

    @Test("a row whose width differs from the cache's d_model says the d_model comes from the cache (F7)")
    func widthFromTheCacheIsNamed() throws {
        let folder = try ScratchFolder()
        let arguments = ["decode", "--weights", "random:1", "--heads", "2", "--cache", "dm.npz"]
        #expect(try folder.run(arguments, stdinCommand: "echo 1,2,3,4").status == 0)
        let wide = try folder.run(arguments, stdinCommand: "echo 1,2,3,4,5,6,7,8")
        #expect(wide.status == 65)
        #expect(wide.stderr == "mha-cli: error: <stdin>:1: line 1 has 8 values; d_model is 4 (from the cache dm.npz)\n")
    }
}
