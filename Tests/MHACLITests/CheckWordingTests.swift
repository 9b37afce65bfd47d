import Foundation
import Testing

/// The wording QA found wrong, through the built binary: `check`'s shape reasons and
/// precision, its output-format refusal, a head number that is not one, `shapes --claim` with
/// the symbols the tool prints, scientific notation for a value that rounds to 1e6, counts in
/// the right number, and `run --help` listing every extension `-o` takes.
@Suite struct CheckWordingTests {
    static let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path

    private static func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func shapeReasonsAreWords() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let all = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--causal", "--format", "csv", "--precision", "4",
        ])
        let firstRow = try Self.write(String(all.stdout.split(separator: "\n")[0]) + "\n", "row.csv", in: folder)
        let row = try BuiltBinary.run(["check", "--answer", firstRow, "--bundle", Self.bundle, "--causal"])
        #expect(row.status == 1)
        #expect(
            row.stdout.hasPrefix(
                "not correct: output is n × d_out = 3 × 4, the answer is 1 × 4: 2 rows missing (n = 3, one row per token)\n"
            ), "\(row.stdout)")
        let rows = try Self.write(all.stdout, "all.csv", in: folder)
        let token = try BuiltBinary.run([
            "check", "--answer", rows, "--bundle", Self.bundle, "--causal", "--token", "2",
        ])
        #expect(token.status == 1)
        #expect(
            token.stdout.hasPrefix(
                "not correct: output is 1 × d_out = 1 × 4, the answer is 3 × 4: 3 rows are n, not 1\n"),
            "\(token.stdout)")
        let tex = try BuiltBinary.run(
            ["check", "--answer", rows, "--bundle", Self.bundle, "--causal", "-o", "v.tex"], in: folder)
        #expect(tex.status == 64)
        #expect(tex.stderr == "mha-cli: error: -o v.tex: this command writes text or json, not latex\n")
    }

    @Test func fullPrecisionIsSaidOnce() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "json", "--show", "output"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let output = try #require(object["output"] as? [[Double]])
        let shifted = output.map { $0.map { $0 + 1 } }
        let answer = folder.appendingPathComponent("wrong.json")
        try JSONSerialization.data(withJSONObject: shifted).write(to: answer)
        let outcome = try BuiltBinary.run(["check", "--answer", answer.path, "--bundle", Self.bundle])
        #expect(outcome.status == 1)
        #expect(
            outcome.stdout.hasPrefix(
                "not correct: 12 of 12 entries of output (3 × 4) differ from the right values (checked at full precision, relative 1e-9)\n"
            ), "\(outcome.stdout)")
    }

    @Test func aHeadNumberThatIsNotANumberIsNamed() throws {
        let outcome = try BuiltBinary.run(["check", "--answer", "a.csv", "--bundle", Self.bundle, "--part", "head:1x"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("'1x' is not a head number; expected head:J with J = 1…τ"), "\(outcome.stderr)")
        let zero = try BuiltBinary.run(["check", "--answer", "a.csv", "--bundle", Self.bundle, "--part", "weights:0"])
        #expect(zero.status == 64)
        #expect(zero.stderr.contains("heads are numbered from 1 (weights:1 … weights:τ)"), "\(zero.stderr)")
    }

    @Test func claimsTakeThePrintedSymbols() throws {
        let outcome = try BuiltBinary.run([
            "shapes", "--d-model", "768", "--heads", "12", "--claim", "d_k=64", "--claim", "τ=12", "--claim", "g=4",
        ])
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(
            outcome.stdout
                == """
                right: d_k = 64 (d_k = d_model / τ = 768 / 12 = 64)
                right: τ = 12 (τ = d_model / d_k = 768 / 64 = 12)
                wrong: g = 4; the right value is 12: kv_heads = τ = 12 (no grouped-query attention)

                """, "\(outcome.stdout)")
    }

    @Test func aValueThatRoundsToAMillionIsScientific() throws {
        let outcome = try BuiltBinary.run(
            ["run", "-x", "-", "--weights", "identity", "--show", "output"], stdin: "999999.99999,0.5\n")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.hasSuffix("  1.0000e+06  5.0000e-01\n"), "\(outcome.stdout)")
        let fits = try BuiltBinary.run(
            ["run", "-x", "-", "--weights", "identity", "--show", "output"], stdin: "999999.9999,0.5\n")
        #expect(fits.stdout.hasSuffix("  999999.9999       0.5000\n"), "\(fits.stdout)")
    }

    @Test func oneIsSingular() throws {
        let outcome = try BuiltBinary.run(
            ["run", "-x", "-", "--weights", "identity", "--tokens", "a"], stdin: "1,2\n3,4\n")
        #expect(outcome.status == 64)
        #expect(outcome.stderr == "mha-cli: error: --tokens names 1 token but the input has 2 rows\n")
        let steps = try BuiltBinary.run(["run", "-x", "-", "--weights", "identity", "--steps"], stdin: "1,2\n")
        #expect(steps.stdout.contains("n = 1 token, d_model = 2, τ = 1 head"), "\(steps.stdout)")
    }

    @Test func runHelpListsEveryOutputExtension() throws {
        let outcome = try BuiltBinary.run(["help", "run"])
        let text = outcome.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for ext in [".json", ".csv", ".tsv", ".npy", ".npz", ".tex", ".md", ".svg"] {
            #expect(text.contains("its extension picks the format:") && text.contains(ext), "\(ext)")
        }
        #expect(text.contains(".tex (latex), .md (markdown), .svg; any other is --format's (text by default)"))
    }
}
