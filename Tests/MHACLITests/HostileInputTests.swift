import Foundation
import MHACore
import MHAFormats
import Testing

@testable import MHACLI

/// Hostile input, as a shell pipeline may produce it, given to the built binary: each case
/// must end with the right exit code and one line on stderr (or a correct, finite result),
/// never a crash, a hang (killed after `HostileRun.killAfterSeconds`) or unbounded memory
/// (`ulimit -v` of `HostileRun.memoryLimitKiB`). Files are generated at test time.
@Suite("Hostile input")
struct HostileInputTests {
    /// `--weights identity`: the input alone decides the run.
    static let identity = ["--weights", "identity"]

    /// The size of the "100 MB single line" cases: 100 MB with an optimised binary; with a
    /// debug binary (whose reader is ~80× slower), 4 MB, so the suite stays fast. Set
    /// MHA_HOSTILE_FULL=1 to use 100 MB anyway.
    static var longLineBytes: Int {
        fullSize ? 100_000_000 : 4_000_000
    }

    /// Whether the long-line cases use the full 100 MB.
    static var fullSize: Bool {
        let full =
            ProcessInfo.processInfo.environment["MHA_HOSTILE_FULL"] == "1"
            || BuiltBinary.url?.path.contains("/release/") == true
        return full
    }

    /// The hang bound of the long-line cases: 100 MB of numbers takes the readers several
    /// seconds on a busy machine, so at full size a hang is 60 s.
    static var longLineKillAfter: Int { fullSize ? 60 : HostileRun.killAfterSeconds }

    // MARK: - Unreadable and malformed files

    @Test("an empty file is a data error")
    func emptyFile() throws {
        let folder = try ScratchFolder()
        for name in ["empty.csv", "empty.json", "empty.npy"] {
            try folder.write(name, [])
            try folder.run(["run", "-x", name] + Self.identity).expectRefusal(65, name)
        }
        try folder.run(["run", "-x", "-"] + Self.identity, stdinFile: "empty.csv").expectRefusal(65, "<stdin>")
    }

    @Test("binary garbage is a data error, whatever the extension, and on stdin")
    func binaryGarbage() throws {
        let folder = try ScratchFolder()
        var generator = SplitMix64(seed: 6)
        let garbage = (0..<65_536).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        for name in ["garbage.csv", "garbage.tsv", "garbage.json", "garbage.npy", "garbage.dat"] {
            try folder.write(name, garbage)
            try folder.run(["run", "-x", name] + Self.identity).expectRefusal(65, name)
        }
        try folder.run(["run", "-x", "-"] + Self.identity, stdinFile: "garbage.csv").expectRefusal(65, "<stdin>")
        try folder.run(["run", "--bundle", "garbage.json"]).expectRefusal(65, "garbage.json")
        try folder.write("nul.csv", [0x31, 0x2C, 0x00, 0x32, 0x0A])
        try folder.run(["run", "-x", "nul.csv"] + Self.identity).expectRefusal(65, "nul.csv:1:")
    }

    @Test("a directory is cannot-open (66)")
    func directory() throws {
        let folder = try ScratchFolder()
        try FileManager.default.createDirectory(
            at: folder.url.appendingPathComponent("adir.csv"),
            withIntermediateDirectories: false)
        try folder.run(["run", "-x", "adir.csv"] + Self.identity).expectRefusal(66, "adir.csv", "directory")
        try folder.run(["run", "--bundle", "adir.csv"]).expectRefusal(66, "adir.csv", "directory")
    }

    @Test("a missing file is cannot-open (66)")
    func missingFile() throws {
        let folder = try ScratchFolder()
        try folder.run(["run", "-x", "absent.csv"] + Self.identity).expectRefusal(66, "absent.csv", "No such file")
    }

    @Test("an unreadable file is cannot-open (66)")
    func unreadableFile() throws {
        let folder = try ScratchFolder()
        try folder.write("secret.csv", "1,2\n")
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o000],
            ofItemAtPath: folder.url.appendingPathComponent("secret.csv").path)
        let run = try folder.run(["run", "-x", "secret.csv"] + Self.identity, asNobody: true)
        run.expectRefusal(66, "secret.csv", "Permission denied")
    }

    // MARK: - Numbers

    @Test(
        "1e400 and other values beyond float64 are data errors naming the value",
        arguments: [("big.csv", "1,1e400\n"), ("big.json", "[[1, -1e400]]"), ("big.tsv", "1\t1e99999\n")])
    func outOfRange(_ name: String, _ content: String) throws {
        let folder = try ScratchFolder()
        try folder.write(name, content)
        try folder.run(["run", "-x", name] + Self.identity).expectRefusal(65, name, "out of range")
    }

    @Test("nan and inf in a file are data errors", arguments: ["nan,1\n", "1,inf\n", "-Infinity,1\n"])
    func nonFinite(_ content: String) throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", content)
        try folder.run(["run", "-x", "x.csv"] + Self.identity).expectRefusal(65, "x.csv:1:")
    }

    /// With one token and identity weights, every step is exact: the output is H itself.
    @Test("-0 and subnormals are read and computed exactly (one token, identity weights)")
    func negativeZeroAndSubnormals() throws {
        let folder = try ScratchFolder()
        // Subnormals by their bits (a literal like 1e-310 draws an underflow warning):
        // 5e-324 (the least), 1e-310 and -3e-320 rounded to their nearest subnormals.
        let subnormals = [
            Double.leastNonzeroMagnitude, Double(bitPattern: 0x0000_1268_8B70_E62B),
            -Double(bitPattern: 0x0000_0000_0000_17B8),
        ]
        let values: [Double] = [-0.0, subnormals[0], 2.2250738585072014e-308, subnormals[1], subnormals[2], 1]
        try folder.write("x.csv", values.map { "\($0)" }.joined(separator: ",") + "\n")
        let run = try folder.run(["run", "-x", "x.csv", "--format", "json"] + Self.identity)
        run.expectSuccess()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let output = try #require(object["output"] as? [[NSNumber]])
        #expect(output.count == 1)
        #expect(output.first?.map(\.doubleValue) == values, "\(output)")
    }

    @Test(
        "values whose scores overflow are a data error or a finite answer, never NaN or inf",
        arguments: [["1e200,1e200\n1e200,-1e200\n"], ["1e154,1e154\n-1e154,1e154\n"], ["1e300\n1e300\n"]])
    func overflowingScores(_ content: [String]) throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", content[0])
        for precision in [[], ["--float"]] {
            for format in ["text", "json", "csv"] {
                let run = try folder.run(["run", "-x", "x.csv", "--format", format] + precision + Self.identity)
                if run.status == 65 {
                    // Double: the engine's overflow error; --float: the values do not fit in a Float.
                    run.expectRefusal(65)
                    #expect(
                        precision.isEmpty
                            ? run.stderr.contains("overflow") : run.stderr.contains("beyond float32's range"),
                        "\(run.stderr)")
                } else {
                    run.expectSuccess()
                }
            }
        }
    }

    @Test("a mask that blocks every key gives zero rows and a warning, never NaN")
    func fullyMaskedRows() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.write("mask.csv", "0,0\n0,1\n")
        let run = try folder.run(["run", "-x", "x.csv", "--mask", "mask.csv", "--format", "json"] + Self.identity)
        #expect(run.status == 0 && !run.hung, "exit \(run.status): \(run.stderr)")
        HostileRun.expectFinite(run.stdout)
        #expect(run.stderr.hasPrefix("mha-cli: warning: token 0 "), "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let output = try #require(object["output"] as? [[NSNumber]])
        // Token 0 sees nothing: zeros. Token 1 sees only itself: with identity weights, its own row.
        #expect(output.map { $0.map(\.doubleValue) } == [[0, 0], [3, 4]], "\(output)")
    }

    @Test(
        "mask values other than 0 and 1, and a mask of the wrong shape, are data errors",
        arguments: ["0.5,1\n1,1\n", "1,1,1\n", "nan,1\n1,1\n"])
    func badMask(_ mask: String) throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.write("mask.csv", mask)
        try folder.run(["run", "-x", "x.csv", "--mask", "mask.csv"] + Self.identity).expectRefusal(65, "mask")
    }

    // MARK: - Size

    @Test("a 100 MB single line of numbers (CSV, JSON) is refused for memory, not allocated")
    func longLineOfNumbers() throws {
        let folder = try ScratchFolder()
        try folder.write("line.csv", repeating: "0.5,", count: Self.longLineBytes / 4, end: "0.5\n")
        try folder.run(["run", "-x", "line.csv"] + Self.identity, killAfter: Self.longLineKillAfter).expectRefusal(
            65, "needs", "available")
        try folder.write("line.json", start: "[", repeating: "0.5,", count: Self.longLineBytes / 4, end: "0.5]")
        try folder.run(["run", "-x", "line.json"] + Self.identity, killAfter: Self.longLineKillAfter).expectRefusal(
            65, "needs", "available")
    }

    @Test("a 100 MB single number is read or refused with a short message")
    func longNumber() throws {
        let folder = try ScratchFolder()
        try folder.write("one.csv", repeating: "0", count: Self.longLineBytes, end: "1\n")
        try folder.run(["run", "-x", "one.csv", "--format", "json"] + Self.identity, killAfter: Self.longLineKillAfter)
            .expectSuccess()
        try folder.write("huge.csv", repeating: "9", count: Self.longLineBytes)
        try folder.run(["run", "-x", "huge.csv"] + Self.identity, killAfter: Self.longLineKillAfter).expectRefusal(
            65, "huge.csv:1:1", "out of range")
        try folder.write("text.csv", start: "1,", repeating: "x", count: Self.longLineBytes)
        try folder.run(["run", "-x", "text.csv"] + Self.identity, killAfter: Self.longLineKillAfter).expectRefusal(
            65, "text.csv:1:3", "xxxx…")
    }

    @Test("a million columns are refused for memory before allocating d_model² weights")
    func millionColumns() throws {
        let folder = try ScratchFolder()
        try folder.write("wide.csv", repeating: "1,", count: 999_999, end: "1\n")
        try folder.run(["run", "-x", "wide.csv"] + Self.identity).expectRefusal(65, "needs", "available")
        try folder.run(["run", "-x", "wide.csv", "--weights", "random:3"]).expectRefusal(65, "needs", "available")
    }

    @Test(
        "200 000 tokens asking for n × n weights are refused for memory",
        arguments: [
            ["--show", "weights", "--format", "json"], ["--steps"], ["--heatmap"],
        ])
    func tallInputWithSquareIntermediates(_ options: [String]) throws {
        let folder = try ScratchFolder()
        try folder.write("tall.csv", repeating: "0.5,1\n", count: 200_000, end: "")
        try folder.run(["run", "-x", "tall.csv"] + options + Self.identity).expectRefusal(65, "needs", "available")
    }

    @Test("an NPY on stdin claiming 10^12 elements is a data error")
    func npyHugeShapeOnStandardInput() throws {
        let folder = try ScratchFolder()
        try folder.write(
            "big.npy",
            Self.npy(
                header: "{'descr': '>f4', 'fortran_order': True, 'shape': (1000000, 1000000), }",
                payload: [UInt8](repeating: 0, count: 64)))
        try folder.run(["run", "-x", "-"] + Self.identity, stdinFile: "big.npy").expectRefusal(65, "<stdin>")
    }

    @Test("JSON nested 100 000 deep is a data error", arguments: ["-x", "--bundle"])
    func deepJSON(_ option: String) throws {
        let folder = try ScratchFolder()
        try folder.write("deep.json", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        let extra = option == "-x" ? Self.identity : []
        try folder.run(["run", option, "deep.json"] + extra).expectRefusal(65, "deep.json:1:", "nesting")
    }

    @Test(
        "an NPY header claiming 10^12 elements, or more than Int holds, is a data error",
        arguments: [
            "(1000000, 1000000)", "(4294967296, 4294967296)", "(1, 2305843009213693952)",
            "(99999999999999999999999, 1)",
        ])
    func npyHugeShape(_ shape: String) throws {
        let folder = try ScratchFolder()
        try folder.write(
            "big.npy",
            Self.npy(
                header: "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }",
                payload: [UInt8](repeating: 0, count: 64)))
        try folder.run(["run", "-x", "big.npy"] + Self.identity).expectRefusal(65, "big.npy")
    }

    @Test(
        "dimension arguments whose products overflow Int are usage errors",
        arguments: [
            ["shapes", "--d-model", "9223372036854775807", "--heads", "1", "--seq-len", "9223372036854775807"],
            ["shapes", "--d-model", "4611686018427387904", "--heads", "2", "--kv-heads", "1"],
            ["init", "--d-model", "4611686018427387904", "--heads", "2", "--seq-len", "4611686018427387904"],
            ["bench", "--seq-len", "4611686018427387904", "--d-model", "4611686018427387904", "--heads", "2"],
            ["init", "--d-model", "99999999999999999999", "--heads", "1", "--seq-len", "1"],
        ])
    func overflowingDimensions(_ arguments: [String]) throws {
        let folder = try ScratchFolder()
        let run = try folder.run(arguments)
        if run.status == 0 {
            // shapes may answer when every count fits: the answer must then be finite.
            run.expectSuccess()
        } else {
            run.expectRefusal(64)
        }
    }

    @Test(
        "init and bench sizes beyond memory are refused with needed vs available",
        arguments: [
            ["init", "--d-model", "65536", "--heads", "2", "--seq-len", "65536"],
            ["bench", "--seq-len", "1000000", "--d-model", "65536", "--heads", "2"],
        ])
    func beyondMemory(_ arguments: [String]) throws {
        let folder = try ScratchFolder()
        try folder.run(arguments).expectRefusal(65, "needs", "available")
    }

    // MARK: - Output

    /// A small valid input whose run writes a few kilobytes.
    static func smallInput(_ folder: ScratchFolder) throws {
        try folder.write("x.csv", "1,0,2,0\n0,1,0,3\n1,1,1,1\n")
    }

    @Test("-o /dev/full exits 74 with one line")
    func outputDeviceFull() throws {
        let folder = try ScratchFolder()
        try Self.smallInput(folder)
        try folder.run(["run", "-x", "x.csv", "-o", "/dev/full"] + Self.identity)
            .expectRefusal(74, "/dev/full", "No space left")
        try folder.run(["run", "-x", "x.csv"] + Self.identity, stdinFile: nil).expectSuccess()
    }

    @Test("-o naming a directory exits 74 and leaves the directory empty")
    func outputIntoDirectory() throws {
        let folder = try ScratchFolder()
        try Self.smallInput(folder)
        try FileManager.default.createDirectory(
            at: folder.url.appendingPathComponent("out"), withIntermediateDirectories: false)
        try folder.run(["run", "-x", "x.csv", "-o", "out"] + Self.identity).expectRefusal(74, "out")
        #expect(try folder.contents(of: "out").isEmpty)
        try folder.run(["run", "-x", "x.csv", "-o", "out/"] + Self.identity).expectRefusal(74, "out")
        #expect(try folder.contents(of: "out").isEmpty)
    }

    @Test("-o in a folder without write permission exits 74 and leaves no file")
    func outputWithoutPermission() throws {
        let folder = try ScratchFolder()
        try Self.smallInput(folder)
        let locked = folder.url.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        let run = try folder.run(["run", "-x", "x.csv", "-o", "locked/result.txt"] + Self.identity, asNobody: true)
        run.expectRefusal(74, "locked/result.txt", "Permission denied")
        #expect(try folder.contents(of: "locked").isEmpty)
    }

    @Test("an existing -o file stays whole when the write fails")
    func outputKeepsOldFileOnFailure() throws {
        let folder = try ScratchFolder()
        try Self.smallInput(folder)
        let locked = folder.url.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
        try folder.write("locked/result.txt", "old\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o666],
            ofItemAtPath: locked.appendingPathComponent("result.txt").path)
        let run = try folder.run(["run", "-x", "x.csv", "-o", "locked/result.txt"] + Self.identity, asNobody: true)
        run.expectRefusal(74, "locked/result.txt")
        #expect(try folder.contents(of: "locked") == ["result.txt"])
        #expect(try String(contentsOf: locked.appendingPathComponent("result.txt"), encoding: .utf8) == "old\n")
    }

    @Test(
        "a closed stdout (| head -c 1) ends quietly with status 0",
        arguments: [
            ("text", []), ("json", []), ("csv", []), ("json", ["-o", "-"]), ("text", ["-o", "/dev/stdout"]),
        ])
    func closedStandardOutput(_ format: String, _ output: [String]) throws {
        let folder = try ScratchFolder()
        // 300 tokens: the weights alone are ~1 MB of text, far beyond a pipe's buffer.
        try folder.write("x.csv", repeating: "0.25,-0.5,1,2\n", count: 300, end: "")
        let binary = try #require(BuiltBinary.url)
        let show = format == "csv" ? "weights" : "weights,output"
        let command =
            ([binary.path, "run", "-x", "x.csv", "--show", show, "--format", format, "--weights", "random:1"] + output)
            .map(HostileRun.quoted).joined(separator: " ")
        let script = """
            ulimit -v \(HostileRun.memoryLimitKiB)
            { timeout -s KILL \(HostileRun.killAfterSeconds) \(command) 2>stderr.txt; echo $? >status.txt; } \
            | head -c 1 >head.txt
            """
        #expect(try HostileRun.shell(script, in: folder.url) == 0)
        let status = try String(contentsOf: folder.url.appendingPathComponent("status.txt"), encoding: .utf8)
        #expect(status == "0\n", "mha-cli exited \(status)")
        #expect(try String(contentsOf: folder.url.appendingPathComponent("stderr.txt"), encoding: .utf8).isEmpty)
        #expect(try Data(contentsOf: folder.url.appendingPathComponent("head.txt")).count == 1)
    }

    // MARK: - Helpers

    /// An NPY version 1.0 file with `header` (padded as numpy pads it) and `payload`.
    static func npy(header: String, payload: [UInt8]) -> [UInt8] {
        var text = Array(header.utf8)
        let padding = (64 - (10 + text.count + 1) % 64) % 64
        text += [UInt8](repeating: 0x20, count: padding) + [0x0A]
        let length = UInt16(text.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + text + payload
    }
}

/// Replays the argument parser's fuzz regression corpus
/// (`Tests/MHAFormatsTests/Fixtures/fuzz-regressions/args/`, one argv per file, arguments
/// separated by NUL bytes) through the steps of `MHACLI.dispatch` up to validation, as the
/// fuzz target does: every argv gives a value or an `MHAError` with a one-line message.
@Suite("Argument fuzz regression corpus")
struct ArgumentFuzzRegressionTests {
    /// The corpus folder, read in place from the package (it is not a resource of this target).
    static let folder = BuiltBinary.packageRoot.appendingPathComponent(
        "Tests/MHAFormatsTests/Fixtures/fuzz-regressions/args")

    /// The corpus files' names, sorted.
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()

    @Test("the corpus is not empty")
    func corpusIsNotEmpty() {
        #expect(!Self.names.isEmpty, "no files in \(Self.folder.path)")
    }

    @Test("each argv parses and validates, or fails with a one-line error", arguments: names)
    func replay(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(name)))
        let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        do {
            try Self.parseAndValidate(arguments)
        } catch let error as any MHAError {
            // What the front end prints: line breaks inside a quoted argument shown as `\n`.
            let printed = MHACLI.line("error: ", error.description)
            #expect(!printed.isEmpty && !printed.contains(where: \.isNewline), "\(printed)")
        } catch {
            Issue.record("untyped error \(error) for \(arguments)")
        }
    }

    /// `MHACLI.dispatch` without the work of `run`, `init` and `bench` (only `shapes` and
    /// `help`, which do no I/O, are run).
    static func parseAndValidate(_ arguments: [String]) throws {
        guard let first = arguments.first, !ArgumentParser.looksLikeOption(first) else {
            _ = try RootCommand.run(arguments)
            return
        }
        let command = try RootCommand.command(named: first)
        let parsed = try ArgumentParser.parse(Array(arguments.dropFirst()), for: command.spec)
        if parsed.helpRequested { return }
        let instance = try command.init(parsed)
        if command == ShapesCommand.self || command == HelpCommand.self { _ = try instance.run() }
    }
}
