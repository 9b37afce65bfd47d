import Foundation
import Testing

@testable import MHACLI

/// `mha-cli run` end to end: formats, options, warnings, and the data (65) and input (66)
/// error classes.
@Suite struct RunEndToEndTests {
    static let example = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads")
    static let bundle = example.appendingPathComponent("bundle.json").path

    /// Writes `text` to a file in a fresh folder and returns its path (the folder is left to
    /// the system's temporary cleanup).
    static func file(_ name: String, _ text: String) throws -> String {
        let url = try BuiltBinary.temporaryFolder().appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func jsonHasExactlyTheDesignKeys() throws {
        let outcome = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--format", "json", "--show", "qkv,scores,weights,heads,concat,output",
        ])
        #expect(outcome.status == 0 && outcome.stderr.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        // What was computed.
        let computed: Set<String> = ["tokens", "token", "causal", "scale", "mask", "precision", "positions"]
        #expect(
            Set(object.keys)
                == computed.union(["shapes", "q", "k", "v", "scores", "weights", "heads", "concat", "output"]))
        #expect(object["causal"] as? Bool == false && object["token"] is NSNull && object["mask"] is NSNull)
        #expect(abs((object["scale"] as? Double ?? 0) - 1 / 2.0.squareRoot()) < 1e-15)
        let shapes = try #require(object["shapes"] as? [String: Any])
        #expect(Set(shapes.keys) == ["input", "heads", "kv_heads", "head_dim", "head_output", "concat", "output"])
        #expect(shapes["head_output"] as? [Int] == [3, 2] && shapes["kv_heads"] as? Int == 2)
        let weights = try #require(object["weights"] as? [[[Double]]])
        for row in weights.flatMap({ $0 }) { #expect(abs(row.reduce(0, +) - 1) < 1e-12) }
        let plain = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "json"])
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any]).keys
        #expect(Set(keys) == computed.union(["shapes", "heads", "concat", "output"]))
    }

    @Test func csvFilesAndBundleAgreeAndTokenModeIsOneRowOfTheCausalRun() throws {
        let e = Self.example.path
        let files = try BuiltBinary.run([
            "run", "-x", "\(e)/x.csv", "--wq", "\(e)/wq.csv", "--wk", "\(e)/wk.csv",
            "--wv", "\(e)/wv.csv", "--wo", "\(e)/wo.csv", "--heads", "2", "--format", "csv",
        ])
        let bundle = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "csv"])
        #expect(files.status == 0 && files.stdout == bundle.stdout && files.stdout.split(separator: "\n").count == 3)
        let causal = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--causal", "--format", "csv", "--precision", "10",
        ])
        let token = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--causal", "--token", "1", "--format", "csv", "--precision", "10",
        ])
        #expect(token.stdout == String(causal.stdout.split(separator: "\n")[1]) + "\n")
    }

    @Test func floatAgreesWithDoubleToSinglePrecision() throws {
        let double = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "json"])
        let float = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "json", "--float"])
        func output(_ text: String) throws -> [Double] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return try #require(object["output"] as? [[Double]]).flatMap { $0 }
        }
        let (a, b) = (try output(double.stdout), try output(float.stdout))
        #expect(a.count == 12 && b.count == 12 && a != b)
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-5 * max(abs(x), 1e-3)) }
    }

    @Test func textShowsShapesAndTokenLabels() throws {
        let outcome = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--tokens", "the,cat,sat", "--show", "weights,heads",
        ])
        #expect(outcome.status == 0)
        let text = outcome.stdout
        #expect(text.hasPrefix("input H · 3 × 4   τ = 2 heads   d_k = 4 / 2 = 2   scale = 1/√2 = 0.7071\n"))
        #expect(text.contains("\nhead 2 of 2 · 3 × 2\n") && text.contains("\nweights 1 of 2 · 3 × 3\n"))
        #expect(text.contains("          the     cat     sat\n  the  "))
        #expect(!text.contains("output"))
    }

    @Test func projectionTitlesNameOnlyTheGivenBiases() throws {
        let plain = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--show", "qkv,output"])
        #expect(
            plain.stdout.contains("\nQ = H·W^q · 3 × 4\n") && plain.stdout.contains("\noutput = concat · W^o · 3 × 4\n")
        )
        #expect(!plain.stdout.contains("b^"))
        let bq = try Self.file("bq.csv", "0.5,0,0,1\n")
        let biased = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--bq", bq, "--show", "qkv"])
        #expect(biased.status == 0 && biased.stdout.contains("\nQ = H·W^q + b^q · 3 × 4\n"))
        #expect(biased.stdout.contains("\nK = H·W^k · 3 × 4\n"))
    }

    @Test func initBundleIsAcceptedFromStdin() throws {
        let bundle = try BuiltBinary.run([
            "init", "--d-model", "8", "--heads", "4", "--kv-heads", "2", "--seq-len", "5", "--causal", "--biases",
        ])
        let outcome = try BuiltBinary.run(["run", "--bundle", "-", "--format", "json"], stdin: bundle.stdout)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let shapes = try #require(
            (try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])?["shapes"]
                as? [String: Any])
        #expect(shapes["kv_heads"] as? Int == 2 && shapes["output"] as? [Int] == [5, 8])
    }

    @Test func fullyMaskedRowWarnsOnStderr() throws {
        let mask = try Self.file("mask.csv", "0,0,0\n1,1,0\n1,1,1\n")
        let outcome = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--mask", mask, "--format", "csv"])
        #expect(outcome.status == 0)
        #expect(
            outcome.stderr
                == "mha-cli: warning: token 0 can attend to no key (every key is masked): its head outputs are zero rows\n"
        )
        #expect(outcome.stdout.hasPrefix("0.0,0.0,0.0,0.0\n"))
    }

    /// Many rows without a key are one warning with their count and ranges, not one line each.
    @Test func manyFullyMaskedRowsAreOneWarning() throws {
        let queries = (0..<30).map { "\($0 % 7),1" }.joined(separator: "\n") + "\n"
        let q = try Self.file("q30.csv", queries), k = try Self.file("k3.csv", "1,0\n0,1\n1,1\n")
        let outcome = try BuiltBinary.run(["attend", "-q", q, "-k", k, "-v", k, "--causal", "--window", "2"])
        #expect(outcome.status == 0)
        #expect(
            outcome.stderr
                == "mha-cli: warning: 27 query rows can attend to no key (every key is masked): 0…26; their head outputs are zero rows\n"
        )
        #expect(RunCommand.ranges([7, 1, 2, 3, 9, 10]) == "1…3, 7, 9…10")
        #expect(RunCommand.ranges(Array(stride(from: 0, to: 40, by: 2))) == "0, 2, 4, 6, 8, 10, 12, 14, …")
    }

    @Test func weightsFillIsSeededAndMissingWeightIsNamed() throws {
        let x = Self.example.appendingPathComponent("x.csv").path
        let a = try BuiltBinary.run(["run", "-x", x, "--heads", "2", "--weights", "random:9", "--format", "csv"])
        let b = try BuiltBinary.run(["run", "-x", x, "--heads", "2", "--weights", "random:9", "--format", "csv"])
        let c = try BuiltBinary.run(["run", "-x", x, "--heads", "2", "--weights", "random:10", "--format", "csv"])
        #expect(a.status == 0 && a.stdout == b.stdout && a.stdout != c.stdout)
        let missing = try BuiltBinary.run(["run", "-x", x, "--wq", x])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("mha-cli: error: Missing '--wk <file>': give --wk, --wv, --wo"))
    }

    /// Data errors (65) and unopenable inputs (66): one line naming the file or matrix.
    @Test(arguments: [
        ("bad.csv", "1,2,3,4\n5,abc,7,8\n", 65, ":2:3: expected a number, found \"abc\"\n"),
        ("nan.csv", "1,nan,0,0\n", 65, ":1:3: non-finite value \"nan\" is not allowed\n"),
        ("ragged.csv", "1,2,3,4\n5,6\n", 65, ""),
        ("broken.json", "[[1, 2, 3, 4]", 65, ""),
    ])
    func dataErrorsExit65(_ name: String, _ content: String, _ status: Int32, _ suffix: String) throws {
        let path = try Self.file(name, content)
        let outcome = try BuiltBinary.run(["run", "-x", path, "--heads", "2", "--weights", "identity"])
        #expect(outcome.status == status)
        #expect(outcome.stderr.hasPrefix("mha-cli: error: \(path):"))
        #expect(outcome.stderr.hasSuffix(suffix) && outcome.stderr.split(separator: "\n").count == 1)
        #expect(outcome.stdout.isEmpty)
    }

    @Test func shapeMismatchExits65() throws {
        let e = Self.example.path
        let outcome = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--wo", "\(e)/x.csv"])
        #expect(outcome.status == 65)
        #expect(
            outcome.stderr == "mha-cli: error: wo is 3×4 but the concat has 4 columns (τ·d_k = 2·2): wo must be 4×4\n")
    }

    @Test(arguments: ["/nonexistent/x.csv", "/tmp"])
    func unopenableInputExits66(_ path: String) throws {
        let outcome = try BuiltBinary.run(["run", "-x", path, "--weights", "identity"])
        #expect(outcome.status == 66)
        #expect(outcome.stderr.hasPrefix("mha-cli: error: cannot open '\(path)': "))
        #expect(outcome.stdout.isEmpty)
    }

    @Test func stepsAndHeatmapAreWiredForText() throws {
        let steps = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--steps"])
        #expect(steps.status == 0 && steps.stdout.contains("Step 1. ") && steps.stdout.contains("Step 5. "))
        let heatmap = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--heatmap", "--show", "output"])
        #expect(heatmap.status == 0 && heatmap.stdout.contains("\noutput = concat · W^o · 3 × 4\n"))
        #expect(
            heatmap.stdout.contains("head 2 of 2 (rows: queries, columns: keys") && !heatmap.stdout.contains("\u{1B}"))
        let json = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--heatmap", "--format", "json"])
        #expect(
            json.status == 64
                && json.stderr
                    == "mha-cli: error: --heatmap draws text for people; it cannot be combined with --format json\n"
        )
    }

    @Test func largeMatricesAreElidedUnlessFull() throws {
        let bundle = try BuiltBinary.run(["init", "--d-model", "20", "--heads", "2", "--seq-len", "16"])
        let elided = try BuiltBinary.run(["run", "--bundle", "-", "--show", "output"], stdin: bundle.stdout)
        let full = try BuiltBinary.run(["run", "--bundle", "-", "--show", "output", "--full"], stdin: bundle.stdout)
        #expect(elided.status == 0 && full.status == 0)
        #expect(elided.stdout.contains("⋮") && elided.stdout.contains("…"))
        #expect(!full.stdout.contains("⋮") && !full.stdout.contains("…"))
        let rows = full.stdout.split(separator: "\n").drop { !$0.hasPrefix("output") }.dropFirst()
        #expect(rows.count == 16 && rows.allSatisfy { $0.split(separator: " ").count == 20 })
    }

    @Test func runOutputFileFailsWith74() throws {
        let outcome = try BuiltBinary.run(["run", "--bundle", Self.bundle, "-o", "/dev/full"])
        #expect(
            outcome.status == 74
                && outcome.stderr == "mha-cli: error: cannot write '/dev/full': No space left on device\n")
        // The heatmap beside a result that could not be written is not left behind.
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let heatmap = folder.appendingPathComponent("h.svg").path
        let failed = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--heatmap", heatmap, "-o", folder.appendingPathComponent("no/x.txt").path,
        ])
        #expect(failed.status == 74 && failed.stderr.contains("cannot write"))
        #expect(!FileManager.default.fileExists(atPath: heatmap))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "no temporary file left")
    }

    /// A heatmap that cannot be written stops the run before the report: nothing on stdout
    /// (a redirected report looked complete although the run failed), as with -o.
    @Test func aHeatmapThatCannotBeWrittenPrintsNoReport() throws {
        let failed = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--heatmap", "/nonexistent/h.svg"])
        #expect(failed.status == 74 && failed.stdout.isEmpty)
        #expect(
            failed.stderr
                == "mha-cli: error: cannot write '/nonexistent/h.svg': the folder '/nonexistent' does not exist\n")
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = folder.appendingPathComponent("report.txt").path
        let directory = folder.appendingPathComponent("d.svg").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let both = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--heatmap", directory, "-o", report])
        #expect(both.status == 74 && both.stdout.isEmpty)
        #expect(both.stderr == "mha-cli: error: cannot write '\(directory)': it is a directory\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["d.svg"], "no report written")
        let heatmap = folder.appendingPathComponent("h.svg").path
        let written = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--heatmap", heatmap])
        #expect(written.status == 0 && written.stdout.hasPrefix("input H · 3 × 4"))
        #expect(try String(contentsOfFile: heatmap, encoding: .utf8).contains("<svg"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["d.svg", "h.svg"])
    }
}
