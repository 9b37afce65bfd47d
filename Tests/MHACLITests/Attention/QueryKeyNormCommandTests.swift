import Foundation
import MHACore
import MHAFormats
import Testing

/// The QK-norm through the built binary: flags and a bundle's keys give the same layer (the
/// qwen3-qk-norm example, which transformers checks), decode equals run's causal rows and its
/// cache remembers γ^k, attend normalises given Q and K, and every refusal is one line.
@Suite struct QueryKeyNormCommandTests {
    static let example = BuiltBinary.packageRoot.appendingPathComponent("examples/qwen3-qk-norm")

    /// A folder holding the example's bundle split into a bundle without the QK-norm keys and
    /// `gq.csv`, `gk.csv`, and a 2 × 4 `square.csv`.
    static func folder() throws -> URL {
        let data = try Data(contentsOf: example.appendingPathComponent("qwen3-layer.json"))
        var bundle = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let row = { (key: String) throws -> String in
            let values = try #require(bundle[key] as? [Double])
            return values.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        let files = [
            "gq.csv": Array(try row("gq").utf8), "gk.csv": Array(try row("gk").utf8),
            "square.csv": Array("1,2,3,4\n5,6,7,8\n".utf8),
        ]
        for key in ["gq", "gk", "qk_norm", "qk_norm_eps"] { bundle[key] = nil }
        let x = try #require(bundle["x"] as? [[Double]])
        let csv = x.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
        return try CheckpointCommandsTests.folder(
            files.merging([
                "plain.json": Array(try JSONSerialization.data(withJSONObject: bundle)), "x.csv": Array(csv.utf8),
            ]) { a, _ in a })
    }

    static func output(_ arguments: [String], in folder: URL) throws -> Matrix<Double> {
        let outcome = try BuiltBinary.run(arguments + ["--show", "output", "--format", "json"], in: folder)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        return try CheckpointCommandsTests.matrix(json, "output")
    }

    @Test func flagsAndTheBundleGiveTheSameLayer() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bundled = try Self.output(
            ["run", "--bundle", Self.example.appendingPathComponent("qwen3-layer.json").path, "--causal"], in: folder)
        let flagged = try Self.output(
            [
                "run", "--bundle", "plain.json", "--causal", "--qk-norm", "head", "--qk-norm-eps", "1e-6", "--gq",
                "gq.csv",
                "--gk", "gk.csv",
            ], in: folder)
        // The gains went through JSONSerialization, which may read a value 1 ulp off.
        #expect(try CheckpointCommandsTests.error(flagged, bundled) <= 1e-12)
        let plain = try Self.output(["run", "--bundle", "plain.json", "--causal"], in: folder)
        #expect(try CheckpointCommandsTests.error(plain, bundled) > 1e-2)
        // The header and JSON say what was computed.
        let text = try BuiltBinary.run(
            ["run", "--bundle", Self.example.appendingPathComponent("qwen3-layer.json").path, "--show", "qkv"],
            in: folder)
        #expect(text.stdout.contains("QK-norm over each head's d_k = 4 (ε 1e-06, ⊙ γ^q, γ^k)"))
        #expect(text.stdout.contains("Q after the QK-norm") && text.stdout.contains("K after the QK-norm"))
    }

    @Test func decodeEqualsRunsCausalRowsAndItsCacheRemembersTheKeyGain() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let layer = ["--weights", "random:5", "--heads", "2", "--qk-norm", "head", "--gq", "gq.csv", "--gk", "gk.csv"]
        let full = try Self.output(["run", "-x", "x.csv", "--causal", "--rope", "half"] + layer, in: folder)
        let decode = try BuiltBinary.run(
            ["decode", "-x", "x.csv", "--rope", "half", "--cache", "c.npz"] + layer, in: folder)
        #expect(decode.status == 0, "\(decode.stderr)")
        let rows = try MatrixReader.read(bytes: Array(decode.stdout.utf8), name: "decode", format: .csv)
        #expect(try CheckpointCommandsTests.error(rows, full) <= 1e-12)
        // Resuming with another γ^k would mix keys normalised two ways: refused.
        let other = layer.map { $0 == "gk.csv" ? "gq.csv" : $0 }
        let resumed = try BuiltBinary.run(
            ["decode", "-x", "x.csv", "--rope", "half", "--cache", "c.npz"] + other, in: folder)
        #expect(resumed.status == 65 && resumed.stderr.contains("key norm"), "\(resumed.stderr)")
    }

    @Test func attendNormalisesTheGivenQueriesAndKeys() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let arguments = ["attend", "-q", "x.csv", "-k", "x.csv", "-v", "x.csv", "--heads", "2", "--format", "json"]
        let normed = try BuiltBinary.run(
            arguments + ["--qk-norm", "head", "--gq", "gq.csv", "--show", "qkv,concat"], in: folder)
        #expect(normed.status == 0, "\(normed.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(normed.stdout.utf8)) as? [String: Any])
        #expect(json["q_normed"] != nil && json["k_normed"] != nil)
        let positions = try #require(json["positions"] as? [String: Any])
        let norm = try #require(positions["qk_norm"] as? [String: Any])
        #expect(norm["span"] as? String == "head" && norm["epsilon"] as? Double == 1e-6)
    }

    @Test(arguments: [
        (["--qk-norm-eps", "1e-5"], 64, "nothing sets a QK-norm up"),
        (["--gq", "gq.csv"], 64, "no QK-norm is set up"),
        (["--qk-norm", "head", "--gq", "square.csv"], 65, "gq is 2×4"),
        (["--qk-norm", "projection", "--gq", "gq.csv"], 65, "gq must be 1×8"),
        (["--qk-norm", "head", "--qk-norm-eps", "-1"], 64, "--qk-norm-eps"),
        (["--qk-norm", "sideways"], 64, "--qk-norm"),
    ])
    func refusals(_ extra: [String], _ status: Int32, _ phrase: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try BuiltBinary.run(["run", "--bundle", "plain.json"] + extra, in: folder)
        #expect(outcome.status == status, "\(extra): \(outcome.stderr)")
        #expect(outcome.stderr.contains(phrase), "\(extra): \(outcome.stderr)")
        #expect(outcome.stderr.split(separator: "\n").count == 1)
    }
}
