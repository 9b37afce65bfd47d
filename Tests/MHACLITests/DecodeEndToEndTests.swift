import Foundation
import MHACore
import MHAFormats
import Testing

@testable import MHACLI

/// `mha-cli decode` through the built binary: rows equal `run --causal`, streaming through a
/// pipe, resuming from a cache, refusals that leave the cache alone, signals.
@Suite struct DecodeEndToEndTests {
    /// d_model 8, τ 4, g 2, with biases, seeded; 12 rows of H.
    struct Layer {
        let folder: URL
        let n = 12, d = 8, heads = 4, kvHeads = 2
        var matrices: [String: Matrix<Double>] = [:]

        init() throws {
            folder = try BuiltBinary.temporaryFolder()
            var g = SplitMix64(seed: 42)
            func m(_ r: Int, _ c: Int, _ scale: Double) -> Matrix<Double> {
                Matrix(rows: r, columns: c) { _, _ in g.nextSigned() * scale }
            }
            let kv = kvHeads * d / heads
            matrices = [
                "x": m(n, d, 1), "wq": m(d, d, 0.4), "wk": m(d, kv, 0.4), "wv": m(d, kv, 0.4), "wo": m(d, d, 0.4),
                "bq": m(1, d, 0.1), "bk": m(1, kv, 0.1), "bv": m(1, kv, 0.1), "bo": m(1, d, 0.1),
            ]
            for (name, matrix) in matrices {
                try CSVWriter.matrix(matrix, decimals: nil).write(
                    to: url(name + ".csv"), atomically: true, encoding: .utf8)
            }
        }

        func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

        /// The weight options, and the head counts.
        var weights: [String] {
            ["wq", "wk", "wv", "wo", "bq", "bk", "bv", "bo"].flatMap { ["--\($0)", "\($0).csv"] }
                + ["--heads", "\(heads)", "--kv-heads", "\(kvHeads)"]
        }

        /// Rows `range` of H as CSV lines.
        func lines(_ range: Range<Int>) -> String {
            CSVWriter.matrix(matrices["x", default: Matrix(rows: 0, columns: 0)].rowBlock(range), decimals: nil)
        }

        /// The engine's causal forward pass on all of H.
        func reference(_ change: (inout AttentionConfiguration) -> Void = { _ in }) throws -> Matrix<Double> {
            func w(_ k: String) -> Matrix<Double>? { matrices[k] }
            let p = AttentionParameters(
                wq: w("wq")!, wk: w("wk")!, wv: w("wv")!, wo: w("wo")!,
                bq: w("bq"), bk: w("bk"), bv: w("bv"), bo: w("bo"))
            var c = AttentionConfiguration(heads: heads, kvHeads: kvHeads, causal: true)
            change(&c)
            return try MultiHeadAttention.forward(input: matrices["x"]!, parameters: p, configuration: c).output
        }

        func run(_ arguments: [String], stdin: String? = nil) throws -> BuiltBinary.Outcome {
            try BuiltBinary.run(arguments, stdin: stdin, in: folder)
        }
    }

    static func parse(_ csv: String) throws -> Matrix<Double> {
        try MatrixReader.read(bytes: Array(csv.utf8), name: "out", format: .csv)
    }

    @Test func rowsEqualTheCausalRunFromAFileAndFromStdin() throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        let run = try layer.run(["run", "-x", "x.csv", "--causal", "--format", "csv"] + layer.weights)
        let decoded = try layer.run(["decode", "-x", "x.csv"] + layer.weights)
        #expect(decoded.status == 0 && decoded.stderr.isEmpty)
        let expected = try Self.parse(run.stdout)
        #expect(try Self.parse(decoded.stdout).isClose(to: expected, relativeTolerance: 1e-12))
        let piped = try layer.run(["decode"] + layer.weights, stdin: layer.lines(0..<12))
        #expect(try Self.parse(piped.stdout).isClose(to: expected, relativeTolerance: 1e-12))
        #expect(try Self.parse(decoded.stdout).isClose(to: try layer.reference(), relativeTolerance: 1e-12))
    }

    /// `--weights` fills the layer run would fill, also with a head width d_k ≠ d_model/τ and
    /// grouped K/V heads (decode used to fill d_model × d_model and refuse its own W^q).
    @Test func filledWeightsWithAHeadWidthEqualTheCausalRun() throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        for options in [["--heads", "2", "--head-dim", "3"], ["--heads", "4", "--kv-heads", "2", "--head-dim", "5"]] {
            let fill = ["--weights", "random:4"] + options
            let run = try layer.run(["run", "-x", "x.csv", "--causal", "--format", "csv"] + fill)
            let decoded = try layer.run(["decode", "-x", "x.csv"] + fill)
            #expect(run.status == 0 && decoded.status == 0, "\(run.stderr)\(decoded.stderr)")
            #expect(try Self.parse(decoded.stdout).isClose(to: try Self.parse(run.stdout), relativeTolerance: 1e-12))
        }
    }

    /// decode takes the packed forms run takes (`--qkv` with separate or packed biases,
    /// `--in-proj` with `--in-proj-bias`) and gives run's causal rows; a contradiction is refused.
    @Test func packedWeightsAndBiasesAsRunTakesThem() throws {
        let folder = BuiltBinary.packageRoot.appendingPathComponent("examples/packed-qkv-biases")
        let forms: [[String]] = [
            ["--qkv", "qkv.csv", "--bq", "bq.csv", "--bk", "bk.csv", "--bv", "bv.csv"],
            ["--qkv", "qkv.csv", "--qkv-bias", "qkv_bias.csv"],
            ["--in-proj", "in_proj.csv", "--in-proj-bias", "qkv_bias.csv"],
        ]
        let common = ["-x", "x.csv", "--wo", "wo.csv", "--bo", "bo.csv", "--heads", "2"]
        let run = try BuiltBinary.run(
            ["run", "--causal", "--format", "csv", "--show", "output"] + common + forms[0], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let expected = try Self.parse(run.stdout)
        for form in forms {
            let decoded = try BuiltBinary.run(["decode"] + common + form, in: folder)
            #expect(decoded.status == 0, "\(form): \(decoded.stderr)")
            #expect(try Self.parse(decoded.stdout).isClose(to: expected, relativeTolerance: 1e-12), "\(form)")
        }
        for (extra, message) in [
            (["--qkv", "qkv.csv", "--wq", "wq.csv"], "--qkv replaces --wq, --wk and --wv; do not give --wq too"),
            (
                ["--qkv", "qkv.csv", "--qkv-bias", "qkv_bias.csv", "--in-proj-bias", "qkv_bias.csv"],
                "--qkv-bias and --in-proj-bias are the same packed bias; give one"
            ),
            (
                ["--in-proj", "in_proj.csv", "--in-proj-bias", "qkv_bias.csv", "--bk", "bk.csv"],
                "--in-proj-bias replaces --bq, --bk and --bv; do not give --bk too"
            ),
        ] {
            let refused = try BuiltBinary.run(["decode"] + common + extra, in: folder)
            #expect(refused.status == 64 && refused.stderr == "mha-cli: error: \(message)\n", "\(refused.stderr)")
        }
        // A cache whose next position is near 2^53 (positions are exact up to there) continues.
        let scratch = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let far = ["decode", "--weights", "random:1", "--heads", "1", "--cache", "c.npz"]
        let first = try BuiltBinary.run(far + ["--position-offset", "999999999999999"], stdin: "1\n", in: scratch)
        let next = try BuiltBinary.run(far, stdin: "2\n", in: scratch)
        #expect(first.status == 0 && next.status == 0, "\(first.stderr)\(next.stderr)")
        // RoPE that far out keeps few digits of its angles: said once, as run says it.
        let rotated = try BuiltBinary.run(
            [
                "decode", "--weights", "random:1", "--heads", "1", "--rope", "half", "--position-offset",
                "1000000000000",
            ],
            stdin: "1,2\n3,4\n5,6\n", in: scratch)
        let warnings = rotated.stderr.split(separator: "\n").filter {
            $0.hasPrefix("mha-cli: warning: RoPE turns position")
        }
        #expect(rotated.status == 0 && warnings.count == 1, "\(rotated.stderr)")
        let near = try BuiltBinary.run(
            ["decode", "--weights", "random:1", "--heads", "1", "--rope", "half", "--position-offset", "100000"],
            stdin: "1,2\n", in: scratch)
        #expect(near.status == 0 && near.stderr.isEmpty, "\(near.stderr)")
    }

    @Test func windowAndRopeFollowTheEngine() throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        let windowed = try layer.run(["decode", "-x", "x.csv", "--window", "3"] + layer.weights)
        // run with the window as an explicit 0/1 mask: an independent path.
        let mask = Matrix<Double>(rows: 12, columns: 12) { i, j in j <= i && j > i - 3 ? 1 : 0 }
        try CSVWriter.matrix(mask, decimals: 0).write(to: layer.url("mask.csv"), atomically: true, encoding: .utf8)
        let masked = try layer.run(["run", "-x", "x.csv", "--mask", "mask.csv", "--format", "csv"] + layer.weights)
        #expect(try Self.parse(windowed.stdout).isClose(to: try Self.parse(masked.stdout), relativeTolerance: 1e-12))
        let rope = try layer.run(
            [
                "decode", "-x", "x.csv", "--rope", "interleaved", "--rope-base", "500",
                "--alibi", "--softcap", "2",
            ] + layer.weights)
        #expect(rope.status == 0, "\(rope.stderr)")
        let reference = try layer.reference {
            $0.rope = RotaryEmbedding(convention: .interleaved, base: 500)
            $0.alibi = true
            $0.softcap = 2
        }
        #expect(try Self.parse(rope.stdout).isClose(to: reference, relativeTolerance: 1e-12))
    }

    @Test func resumingFromTheCacheEqualsTheUninterruptedRun() throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        let options = layer.weights + ["--rope", "half", "--format", "json", "--cache", "c.npz"]
        let first = try layer.run(["decode"] + options, stdin: layer.lines(0..<5))
        #expect(first.status == 0 && first.stderr.isEmpty)
        let second = try layer.run(["decode"] + options, stdin: layer.lines(5..<12))
        #expect(second.status == 0 && second.stderr.isEmpty)
        let lines = (first.stdout + second.stdout).split(separator: "\n")
        #expect(lines.count == 12)
        var rows: [[Double]] = []
        for (i, line) in lines.enumerated() {
            #expect(line.hasPrefix("{\"token\": \(i), \"output\": ["))
            let bundle = try InputBundle.parse(
                bytes: Array(("{\"x\": [" + line.drop { $0 != "[" }.dropLast() + "]}").utf8), name: "line")
            rows.append(try #require(bundle.matrices["x"]).elements)
        }
        let reference = try layer.reference { $0.rope = RotaryEmbedding() }
        #expect(try Matrix(rows).isClose(to: reference, relativeTolerance: 1e-12))
        let cache = try DecodeCacheFile.read(path: layer.url("c.npz").path)
        #expect(cache.nextPosition == 12 && cache.keys.rows == 12 && cache.keys.columns == 4)
        #expect(cache.settings["rope"] == [1, 10000, 2])
    }

    @Test func aWindowedCacheResumesEvenWhenItKeepsNoKeys() throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        for window in ["1", "3"] {
            let options = layer.weights + ["--window", window, "--cache", "w\(window).npz"]
            let first = try layer.run(["decode"] + options, stdin: layer.lines(0..<5))
            let second = try layer.run(["decode"] + options, stdin: layer.lines(5..<12))
            #expect(second.status == 0, "\(second.stderr)")
            let whole = try layer.run(["decode", "-x", "x.csv", "--window", window] + layer.weights)
            #expect(
                try Self.parse(first.stdout + second.stdout).isClose(
                    to: try Self.parse(whole.stdout), relativeTolerance: 1e-12))
            let cache = try DecodeCacheFile.read(path: layer.url("w\(window).npz").path)
            #expect(cache.keys.rows == Int(window)! - 1 && cache.nextPosition == 12)
        }
    }

    @Test func aRowWrittenAloneIsAnsweredBeforeStdinCloses() throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        let binary = try #require(BuiltBinary.url)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["decode", "--format", "json"] + layer.weights
        process.currentDirectoryURL = layer.folder
        let input = Pipe(), output = Pipe()
        (process.standardInput, process.standardOutput, process.standardError) = (input, output, Pipe())
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var answers: [String] = []
        for i in 0..<3 {
            input.fileHandleForWriting.write(Data(layer.lines(i..<(i + 1)).utf8))
            let line = try #require(
                Self.readLine(output.fileHandleForReading.fileDescriptor, timeout: 20),
                "no answer to row \(i) while stdin is still open")
            answers.append(line)
            #expect(line.hasPrefix("{\"token\": \(i), "))
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(answers.count == 3)
    }

    /// SIGINT, SIGHUP (a closed terminal), SIGALRM (`timeout -s ALRM`) and SIGXCPU (a CPU
    /// limit) all end decode after its block, with the cache saved: exit 128 + the signal.
    @Test(arguments: [(SIGINT, "SIGINT"), (SIGHUP, "SIGHUP"), (SIGALRM, "SIGALRM"), (SIGXCPU, "SIGXCPU")])
    func aSignalSavesTheCacheAndExits(_ signal: Int32, _ name: String) throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        let binary = try #require(BuiltBinary.url)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["decode", "--cache", "c.npz"] + layer.weights
        process.currentDirectoryURL = layer.folder
        let input = Pipe(), output = Pipe(), error = Pipe()
        (process.standardInput, process.standardOutput, process.standardError) = (input, output, error)
        try process.run()
        input.fileHandleForWriting.write(Data(layer.lines(0..<2).utf8))
        for _ in 0..<2 { _ = try #require(Self.readLine(output.fileHandleForReading.fileDescriptor, timeout: 20)) }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("decode did not end within 20 s of \(name)")
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + signal)
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message == "mha-cli: warning: interrupted by \(name) after position 1; cache saved to c.npz\n")
        let cache = try DecodeCacheFile.read(path: layer.url("c.npz").path)
        #expect(cache.nextPosition == 2)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: layer.folder.path).filter {
            $0.contains("tmp")
        }
        #expect(leftovers.isEmpty)
    }

    /// `--cache ''` is refused before any row, not after every row is printed (it was 74 at
    /// the end).
    @Test func emptyCacheNameIsRefusedFirst() throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        let result = try layer.run(["decode", "--cache", ""] + layer.weights, stdin: layer.lines(0..<2))
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "mha-cli: error: --cache needs a file name (FILE.npz); '' names none\n")
    }

    /// A cache holding a setting no run writes (ALiBi 2, RoPE kind 7) is called damaged, not
    /// "made with alibi off, this run has alibi off".
    @Test(arguments: [
        ("alibi", [2.0], "its alibi is 2, not 0 (off) or 1 (on)"),
        ("rope", [7, 0, 0], "its rope kind is 7, not 0 (none), 1 (half) or 2 (interleaved)"),
    ])
    func damagedSettingsAreNamed(name: String, values: [Double], message: String) throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        _ = try layer.run(["decode", "--cache", "c.npz"] + layer.weights, stdin: layer.lines(0..<2))
        let saved = try DecodeCacheFile.read(path: layer.url("c.npz").path)
        var members: [NPZMember] = [
            .matrix("k", saved.keys), .matrix("v", saved.values),
            .integers("positions", Array(0..<saved.nextPosition)),
            .integers("next_position", [saved.nextPosition]),
        ]
        for (key, recorded) in saved.settings.sorted(by: { $0.key < $1.key }) {
            let kept = key == name ? values : recorded
            members.append(.matrix(key, Matrix(rows: 1, columns: kept.count) { _, c in kept[c] }))
        }
        try Data(NPZWriter.archive(members)).write(to: layer.url("d.npz"))
        let result = try layer.run(["decode", "--cache", "d.npz"] + layer.weights, stdin: layer.lines(2..<3))
        #expect(result.status == 65)
        #expect(result.stderr == "mha-cli: error: d.npz: a damaged decode cache: \(message)\n")
    }

    @Test func badInputIsOneLineAndLeavesTheCacheUntouched() throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        _ = try layer.run(["decode", "--cache", "c.npz"] + layer.weights, stdin: layer.lines(0..<3))
        let cache = try #require(try? Data(contentsOf: layer.url("c.npz")))
        let short = layer.lines(3..<9).split(separator: "\n").enumerated()
            .map {
                $0.offset == 4 ? $0.element.split(separator: ",").dropLast().joined(separator: ",") : String($0.element)
            }
        let wide = try layer.run(
            ["decode", "--cache", "c.npz"] + layer.weights,
            stdin: "# H, continued\n\n" + short.joined(separator: "\n") + "\n")
        #expect(wide.status == 65)
        #expect(wide.stderr == "mha-cli: error: <stdin>:7: line 7 has 7 values; d_model is 8\n")
        let other = try layer.run(
            ["decode", "--cache", "c.npz", "--window", "4"] + layer.weights, stdin: layer.lines(3..<4))
        #expect(other.status == 65)
        #expect(
            other.stderr
                == "mha-cli: error: c.npz: this cache was made with window none, this run has window 4: a cache continues only the configuration that made it\n"
        )
        let float = try layer.run(["decode", "--cache", "c.npz", "--float"] + layer.weights, stdin: layer.lines(3..<4))
        #expect(float.status == 65 && float.stderr.contains("float64 values, this run computes in float32"))
        #expect((try? Data(contentsOf: layer.url("c.npz"))) == cache)
        try cache.prefix(cache.count - 30).write(to: layer.url("cut.npz"))
        let cut = try layer.run(["decode", "--cache", "cut.npz"] + layer.weights, stdin: layer.lines(3..<4))
        #expect(cut.status == 65)
        #expect(cut.stderr.hasPrefix("mha-cli: error: cut.npz: not a readable zip archive"), "\(cut.stderr)")
        #expect(cut.stderr.split(separator: "\n").count == 1)
        #expect((try? Data(contentsOf: layer.url("cut.npz"))) == cache.prefix(cache.count - 30))
        let text = try layer.run(["decode"] + layer.weights, stdin: "1,2,3,4,5,6,7,x\n")
        #expect(text.status == 65 && text.stderr.hasPrefix("mha-cli: error: <stdin>:1:15: "), "\(text.stderr)")
    }

    /// A line of labels after data rows is a field that is not a number (it was "no rows of
    /// numbers after the header"), from stdin and from a file; a first line of labels is still
    /// a header.
    @Test func aLineOfLabelsAfterDataIsNotANumber() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = "1,2,3,4\n5,6,7,8\na,b,c,d\n1,1,1,1\n"
        try text.write(to: folder.appendingPathComponent("h.csv"), atomically: true, encoding: .utf8)
        let arguments = ["decode", "--weights", "random:1", "--heads", "2"]
        let piped = try BuiltBinary.run(arguments, stdin: text, in: folder)
        let file = try BuiltBinary.run(arguments + ["-x", "h.csv"], in: folder)
        #expect(piped.status == 65 && piped.stderr == "mha-cli: error: <stdin>:3:1: expected a number, found \"a\"\n")
        #expect(file.status == 65 && file.stderr == "mha-cli: error: h.csv:3:1: expected a number, found \"a\"\n")
        let headed = try BuiltBinary.run(arguments, stdin: "p,q,r,s\n" + text, in: folder)
        #expect(headed.status == 65 && headed.stderr == "mha-cli: error: <stdin>:4:1: expected a number, found \"a\"\n")
        #expect(piped.stdout.split(separator: "\n").count == 2 && headed.stdout == piped.stdout)
    }

    /// Every row before a bad line is decoded and written, also from a file read in blocks of
    /// 256 (10 good rows wrote nothing, 300 wrote 256), and the run then fails naming the line.
    @Test func rowsBeforeABadLineAreWrittenFromAFileToo() throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        for good in [10, 300] {
            let rows = String(repeating: "1,2,3,4,5,6,7,8\n", count: good) + "1,2,3\n9,9,9,9,9,9,9,9\n"
            try rows.write(to: layer.url("bad.csv"), atomically: true, encoding: .utf8)
            let file = try layer.run(["decode", "-x", "bad.csv", "--cache", "c\(good).npz"] + layer.weights)
            #expect(file.status == 65, "\(good) rows")
            #expect(file.stderr == "mha-cli: error: bad.csv:\(good + 1): line \(good + 1) has 3 values; d_model is 8\n")
            #expect(file.stdout.split(separator: "\n").count == good, "\(good) rows")
            let piped = try layer.run(["decode"] + layer.weights, stdin: rows)
            #expect(piped.status == 65 && piped.stdout == file.stdout)
            #expect(!FileManager.default.fileExists(atPath: layer.url("c\(good).npz").path), "the cache is not written")
        }
    }

    /// A cache path that cannot be written is refused before any row is decoded (74, nothing
    /// on stdout, no temporary file left), not after the whole session.
    @Test func anUnwritableCacheIsRefusedBeforeDecoding() throws {
        let layer = try Layer()
        defer { try? FileManager.default.removeItem(at: layer.folder) }
        try FileManager.default.createSymbolicLink(
            atPath: layer.url("dangling.npz").path, withDestinationPath: "missing/zz.npz")
        for (path, reason) in [
            ("no/such/folder/c.npz", "the folder 'no/such/folder' does not exist"),
            ("dangling.npz", "dangling symbolic link"),
        ] {
            let outcome = try layer.run(["decode", "--cache", path] + layer.weights, stdin: "1,2,3,4,5,6,7,8\n")
            #expect(outcome.status == 74 && outcome.stdout.isEmpty, "\(path): \(outcome.stdout)")
            #expect(
                outcome.stderr.hasPrefix("mha-cli: error: cannot write '\(path)'") && outcome.stderr.contains(reason),
                "\(outcome.stderr)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: layer.folder.path)
        #expect(!left.contains { $0.hasPrefix(".") && $0 != ".DS_Store" }, "temporary files left: \(left)")
    }

    /// One line from `descriptor` (without its newline), or nil after `timeout` seconds.
    static func readLine(_ descriptor: Int32, timeout: Double) -> String? {
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, 100) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(descriptor, &byte, 1) == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }
}
