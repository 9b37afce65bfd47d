import Foundation
import Testing

/// Every way of giving the same layer's weights (separate W^q, W^k, W^v; PyTorch's `--in-proj`;
/// GPT-2's `--qkv`) with every way of giving its biases (separate `--bq --bk --bv`; packed
/// `--qkv-bias` or `--in-proj-bias`), from flags and from a bundle, through the built binary:
/// each applies every bias and gives PyTorch's output (examples/packed-qkv-biases, whose
/// torch-reference.json `torch_examples.py` computes with F.multi_head_attention_forward), and
/// `check` grades that output correct. A packed bias together with a separate one is refused.
@Suite struct PackedBiasCombinationTests {
    static let folder = BuiltBinary.packageRoot.appendingPathComponent("examples/packed-qkv-biases")

    static let weights: [String: [String]] = [
        "separate": ["--wq", "wq.csv", "--wk", "wk.csv", "--wv", "wv.csv"],
        "in_proj": ["--in-proj", "in_proj.csv"],
        "qkv": ["--qkv", "qkv.csv"],
    ]
    static let biases: [String: [String]] = [
        "separate": ["--bq", "bq.csv", "--bk", "bk.csv", "--bv", "bv.csv"],
        "qkv_bias": ["--qkv-bias", "qkv_bias.csv"],
        "in_proj_bias": ["--in-proj-bias", "qkv_bias.csv"],
    ]
    static let common = ["-x", "x.csv", "--wo", "wo.csv", "--bo", "bo.csv", "--heads", "2"]

    /// PyTorch's float64 output of the layer, row-major.
    static func reference() throws -> [Double] {
        let data = try Data(contentsOf: folder.appendingPathComponent("torch-reference.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(json["output"].flatMap(AttentionExamplesTorchTests.flattened))
    }

    /// `run … --format json`'s output, row-major.
    static func output(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [Double] {
        let outcome = try BuiltBinary.run(arguments + ["--format", "json"], in: folder)
        #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)", sourceLocation: sourceLocation)
        #expect(outcome.stderr.isEmpty, sourceLocation: sourceLocation)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any],
            sourceLocation: sourceLocation)
        return try #require(
            json["output"].flatMap(AttentionExamplesTorchTests.flattened), sourceLocation: sourceLocation)
    }

    static func expectClose(_ got: [Double], _ want: [Double], _ label: String) {
        #expect(got.count == want.count && !want.isEmpty, "\(label)")
        for (a, b) in zip(got, want) {
            #expect(abs(a - b) <= 1e-12 * max(abs(b), 1e-3), "\(label): \(a) vs PyTorch \(b)")
        }
    }

    @Test(arguments: ["separate", "in_proj", "qkv"], ["separate", "qkv_bias", "in_proj_bias"])
    func everyWeightFormWithEveryBiasForm(_ weight: String, _ bias: String) throws {
        let arguments = ["run"] + Self.common + (Self.weights[weight] ?? []) + (Self.biases[bias] ?? [])
        Self.expectClose(try Self.output(arguments), try Self.reference(), "\(weight) weights, \(bias) biases")
    }

    @Test("a bundle's qkv with bq, bk, bv applies the biases (they were dropped), alone or under flags")
    func bundleQKVWithSeparateBiases() throws {
        let want = try Self.reference()
        Self.expectClose(try Self.output(["run", "--bundle", "layer.json"]), want, "bundle")
        Self.expectClose(
            try Self.output(["run", "--bundle", "layer.json", "--bq", "bq.csv", "--qkv", "qkv.csv"]), want,
            "bundle under --bq and --qkv")
    }

    @Test("check grades PyTorch's output correct when the problem gives --qkv with --bq, --bk, --bv")
    func checkGradesTheRightAnswerCorrect() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let want = try Self.reference()
        let rows = stride(from: 0, to: want.count, by: 4).map { Array(want[$0..<($0 + 4)]) }
        let answer = folder.appendingPathComponent("answer.json")
        try JSONSerialization.data(withJSONObject: rows).write(to: answer)
        for problem in [
            Self.common + (Self.weights["qkv"] ?? []) + (Self.biases["separate"] ?? []), ["--bundle", "layer.json"],
        ] {
            let outcome = try BuiltBinary.run(["check", "--answer", answer.path] + problem, in: Self.folder)
            #expect(outcome.status == 0, "\(problem): \(outcome.stdout) \(outcome.stderr)")
            #expect(outcome.stdout.hasPrefix("correct"), "\(outcome.stdout)")
        }
    }

    @Test("a packed bias together with a separate one is refused from flags; a flag's packed bias replaces a bundle's")
    func packedAndSeparateBiasesAreRefused() throws {
        let flags = try BuiltBinary.run(
            ["run"] + Self.common + (Self.weights["qkv"] ?? []) + ["--qkv-bias", "qkv_bias.csv", "--bv", "bv.csv"],
            in: Self.folder)
        #expect(flags.status == 64)
        #expect(flags.stderr == "mha-cli: error: --qkv-bias replaces --bq, --bk and --bv; do not give --bv too\n")
        // Flags override a bundle (docs/contract.md): --qkv-bias replaces the bundle's bq, bk, bv.
        Self.expectClose(
            try Self.output(["run", "--bundle", "layer.json", "--qkv-bias", "qkv_bias.csv"]), try Self.reference(),
            "bundle's bq, bk, bv under --qkv-bias")
    }
}
