import Foundation
import MHACore
import MHAFormats
import Testing

/// Scaled RoPE through the built binary: `--rope-scaling` and a bundle's `rope_scaling`
/// against transformers' float64 outputs (the llama3-rope and qwen2-yarn checkpoint fixtures,
/// read with a config.json stripped of its scaling so that only the flag brings it), how the
/// scaling is reported, decode and its cache, and every refusal.
@Suite struct RopeScalingCommandTests {
    static let llama3 =
        "llama3:factor=8,low_freq_factor=1,high_freq_factor=4,original_max_position_embeddings=16"

    /// A folder with `fx` (the checkpoint fixtures) and `plain.json`: `model`'s config.json
    /// with its RoPE scaling taken out (the base kept).
    static func folder(stripping model: String) throws -> URL {
        let url = CheckpointEndToEndTests.checkpoints.appendingPathComponent("\(model)/config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let base = (config["rope_parameters"] as? [String: Any])?["rope_theta"] ?? config["rope_theta"]
        config["rope_parameters"] = ["rope_type": "default", "rope_theta": try #require(base)]
        config["rope_scaling"] = nil
        config["rope_theta"] = nil
        return try CheckpointCommandsTests.folder([
            "plain.json": Array(try JSONSerialization.data(withJSONObject: config))
        ])
    }

    static func output(_ model: String, _ layer: Int, in folder: URL, _ extra: [String]) throws -> Matrix<Double> {
        try CheckpointCommandsTests.matrix(
            try CheckpointCommandsTests.run(model, layer, show: "output", in: folder, extra: extra), "output")
    }

    @Test(arguments: [
        ("llama3-rope", llama3),
        ("qwen2-yarn", "yarn:factor=4,original_max_position_embeddings=16"),
        ("llama-linear-rope", "linear:factor=4"),
    ])
    func theFlagReproducesTransformers(_ model: String, _ rule: String) throws {
        let folder = try Self.folder(stripping: model)
        defer { try? FileManager.default.removeItem(at: folder) }
        for layer in 0..<2 {
            let expected = try CheckpointCommandsTests.reference(model, "layer\(layer)_output")
            let flagged = try Self.output(model, layer, in: folder, ["--config", "plain.json", "--rope-scaling", rule])
            #expect(try CheckpointCommandsTests.error(flagged, expected) <= 1e-12, "\(model) layer \(layer)")
            // Without the rule the answer is far off: the fixture does test the scaling.
            let plain = try Self.output(model, layer, in: folder, ["--config", "plain.json"])
            #expect(try CheckpointCommandsTests.error(plain, expected) > 1e-3, "\(model) layer \(layer)")
            let dropped = try Self.output(model, layer, in: folder, ["--rope-scaling", "default"])
            #expect(try CheckpointCommandsTests.error(dropped, plain) <= 1e-15)
        }
    }

    @Test func theReportNamesTheScaling() throws {
        let folder = try CheckpointCommandsTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = try CheckpointCommandsTests.run("qwen2-yarn", 0, show: "output", in: folder)
        let positions = try #require(json["positions"] as? [String: Any])
        let rope = try #require(positions["rope"] as? [String: Any])
        let scaling = try #require(rope["scaling"] as? [String: Any])
        #expect(scaling["type"] as? String == "yarn" && scaling["factor"] as? Double == 4)
        #expect(scaling["original_max_position_embeddings"] as? Double == 16 && scaling["truncate"] as? Bool == true)
        let factor = try #require(scaling["attention_factor"] as? Double)
        #expect(abs(factor - (0.1 * log(4.0) + 1)) < 1e-15)
        let text = try BuiltBinary.run(
            [
                "run", "--checkpoint", "fx/llama3-rope/model.safetensors", "--layer", "0", "-x",
                "fx/llama3-rope/reference.npz:layer0_x", "--steps",
            ], in: folder)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout.contains(
                "llama3 scaling (factor 8, low_freq_factor 1, high_freq_factor 4, original_max_position_embeddings 16)")
        )
        #expect(text.stdout.contains("f_i = 10000.0000^(−2i/16) changed by llama3 scaling"))
    }

    @Test func decodeFollowsTheScalingAndItsCacheRemembersIt() throws {
        let folder = try CheckpointCommandsTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let x = try CheckpointCommandsTests.reference("llama3-rope", "layer1_x")
        let arguments = ["decode", "--checkpoint", "fx/llama3-rope/model.safetensors", "--layer", "1"]
        let first = try BuiltBinary.run(
            arguments + ["--cache", "c.npz"], stdin: CSVWriter.matrix(x.rowBlock(0..<3), decimals: nil), in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        let rest = try BuiltBinary.run(
            arguments + ["--cache", "c.npz"], stdin: CSVWriter.matrix(x.rowBlock(3..<x.rows), decimals: nil),
            in: folder)
        #expect(rest.status == 0, "\(rest.stderr)")
        let rows = try MatrixReader.read(bytes: Array((first.stdout + rest.stdout).utf8), name: "decode", format: .csv)
        let expected = try CheckpointCommandsTests.reference("llama3-rope", "layer1_output")
        #expect(try CheckpointCommandsTests.error(rows, expected) <= 1e-12)
        // The same cache continued without the scaling is refused, naming it.
        let other = try BuiltBinary.run(
            arguments + ["--cache", "c.npz", "--rope-scaling", "linear:factor=2"], stdin: "1\n", in: folder)
        #expect(other.status == 65)
        #expect(other.stderr.contains("this cache was made with rope half") && other.stderr.contains("llama3 scaling"))
        #expect(other.stderr.contains("linear scaling (factor 2)"), "\(other.stderr)")
    }

    @Test func aBundleCarriesTheScalingAsConfigJSONSaysIt() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let x = "[[1, 0.5, -1, 2], [0, 1, 0.25, -0.5], [2, -1, 1, 0]]"
        let weights = (1...4).map { i in
            "[" + (0..<4).map { j in "\(Double((i * 7 + j * 3) % 11) / 10 - 0.5)" }.joined(separator: ", ") + "]"
        }
        let matrix = "[" + weights.joined(separator: ", ") + "]"
        func bundle(_ extra: String) -> String {
            #"{"x": \#(x), "wq": \#(matrix), "wk": \#(matrix), "wv": \#(matrix), "wo": \#(matrix), "heads": 1, "rope": "half", "position_offset": 40\#(extra)}"#
        }
        let rule =
            #", "rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 16}"#
        try Data(bundle(rule).utf8).write(to: folder.appendingPathComponent("scaled.json"))
        try Data(bundle("").utf8).write(to: folder.appendingPathComponent("plain.json"))
        let fromBundle = try BuiltBinary.run(["run", "--bundle", "scaled.json", "--format", "json"], in: folder)
        let fromFlag = try BuiltBinary.run(
            ["run", "--bundle", "plain.json", "--format", "json", "--rope-scaling", Self.llama3], in: folder)
        let unscaled = try BuiltBinary.run(["run", "--bundle", "plain.json", "--format", "json"], in: folder)
        #expect(fromBundle.status == 0 && fromFlag.status == 0 && unscaled.status == 0, "\(fromBundle.stderr)")
        #expect(fromBundle.stdout == fromFlag.stdout)
        #expect(fromBundle.stdout != unscaled.stdout)
        // The flag wins over the bundle's rule.
        let overridden = try BuiltBinary.run(
            ["run", "--bundle", "scaled.json", "--format", "json", "--rope-scaling", "default"], in: folder)
        #expect(overridden.stdout == unscaled.stdout)
        // null, as a Llama config.json writes it, means no scaling.
        try Data(bundle(#", "rope_scaling": null"#).utf8).write(to: folder.appendingPathComponent("null.json"))
        let null = try BuiltBinary.run(["run", "--bundle", "null.json", "--format", "json"], in: folder)
        #expect(null.status == 0 && null.stdout == unscaled.stdout, "\(null.stderr)")
        for (extra, message) in [
            (#", "rope_scaling": {"rope_type": "llama3", "factor": 8}"#, "rope scaling llama3 needs low_freq_factor"),
            (#", "rope_scaling": {"type": "linear", "factor": 2, "fator": 3}"#, #"has no parameter "fator""#),
            (#", "rope_scaling": {"factor": 2}"#, "needs a rope_type"),
            (#", "rope_scaling": "linear""#, "expected an object"),
            (
                #", "rope_scaling": {"rope_type": "linear", "factor": -1}"#,
                "factor -1.0 must be a positive finite number"
            ),
            (
                #", "rope_scaling": {"rope_type": "linear", "factor": 2, "rope_theta": 500000}"#,
                "rope_theta is RoPE's base (rope_base), not part of the scaling; give it there"
            ),
        ] {
            try Data(bundle(extra).utf8).write(to: folder.appendingPathComponent("bad.json"))
            let bad = try BuiltBinary.run(["run", "--bundle", "bad.json"], in: folder)
            #expect(bad.status == 65, "\(extra): \(bad.stderr)")
            #expect(bad.stderr.hasPrefix("mha-cli: error: bad.json") && bad.stderr.contains(message), "\(bad.stderr)")
            #expect(bad.stderr.split(separator: "\n").count == 1)
        }
        let ropeless = bundle(rule).replacingOccurrences(of: #""rope": "half", "#, with: "")
        try Data(ropeless.utf8).write(to: folder.appendingPathComponent("ropeless.json"))
        let refused = try BuiltBinary.run(["run", "--bundle", "ropeless.json"], in: folder)
        #expect(refused.status == 65 && refused.stderr.contains(#"give "rope" (or --rope) too"#), "\(refused.stderr)")
    }

    @Test(arguments: [
        ("linear", "rope scaling linear needs factor"),
        ("linear:factor=two", "factor expects a finite number"),
        ("linear:fator=2", #"has no parameter "fator""#),
        ("linear:factor=2,factor=3", "factor is given twice"),
        ("linear:factor", "expected name=value"),
        ("dynamic:factor=2", #"rope_type "dynamic" (scaled RoPE) is not supported"#),
        ("yarn:factor=2", "needs original_max_position_embeddings"),
        ("yarn:factor=2,original_max_position_embeddings=16,truncate=maybe", "truncate takes true or false"),
        ("default:factor=2", "default takes no parameters"),
        ("none:factor=2", "none takes no parameters"),
        (
            "llama3:factor=8,low_freq_factor=4,high_freq_factor=1,original_max_position_embeddings=16",
            "low_freq_factor 4.0 must be below high_freq_factor 1.0"
        ),
        ("linear:factor=0", "factor 0.0 must be a positive finite number"),
    ])
    func badRulesAreUsageErrors(_ rule: String, _ message: String) throws {
        let run = try BuiltBinary.run(
            ["run", "--weights", "random:1", "-x", "-", "--heads", "1", "--rope", "half", "--rope-scaling", rule],
            stdin: "1,2\n3,4\n")
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    /// `none`, the word the help gives as the default, means no scaling as `default` does, also
    /// over a bundle's rule; an unknown word is refused with every accepted word named.
    @Test func noneIsNoScaling() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let x = "[[1, 0.5, -1, 2], [0, 1, 0.25, -0.5], [2, -1, 1, 0]]"
        let bundle =
            #"{"x": \#(x), "heads": 1, "rope": "half", "position_offset": 40, "rope_scaling": {"rope_type": "linear", "factor": 4}}"#
        try Data(bundle.utf8).write(to: folder.appendingPathComponent("scaled.json"))
        let run = ["run", "--bundle", "scaled.json", "--weights", "random:3", "--format", "json"]
        let scaled = try BuiltBinary.run(run, in: folder)
        let none = try BuiltBinary.run(run + ["--rope-scaling", "none"], in: folder)
        let standard = try BuiltBinary.run(run + ["--rope-scaling", "default"], in: folder)
        #expect(scaled.status == 0 && none.status == 0 && standard.status == 0, "\(none.stderr)")
        #expect(none.stdout == standard.stdout && none.stdout != scaled.stdout)
        let plainRun = ["run", "-x", "-", "--weights", "identity", "--rope", "half"]
        let text = try BuiltBinary.run(plainRun + ["--rope-scaling", "none"], stdin: "1,2\n3,4\n")
        let unscaled = try BuiltBinary.run(plainRun, stdin: "1,2\n3,4\n")
        #expect(text.status == 0 && text.stderr.isEmpty, "\(text.stderr)")
        #expect(text.stdout == unscaled.stdout)
        let refused = try BuiltBinary.run(
            ["run", "-x", "-", "--weights", "identity", "--rope", "half", "--rope-scaling", "nope"], stdin: "1,2\n")
        #expect(refused.status == 64)
        #expect(
            refused.stderr.contains("supported: none or default (no scaling), linear, llama3, yarn"),
            "\(refused.stderr)")
    }

    @Test func theRuleNeedsRotaryPositions() throws {
        let random = ["--weights", "random:1", "--heads", "1"]
        for command in [
            ["run", "-x", "-"] + random, ["attend", "-q", "-", "-k", "k", "-v", "v"], ["decode"] + random,
        ] {
            let run = try BuiltBinary.run(command + ["--rope-scaling", "linear:factor=2"], stdin: "1,2\n")
            #expect(run.status == 64, "\(command): \(run.stderr)")
            #expect(run.stderr.contains("--rope-scaling"), "\(run.stderr)")
        }
        let bench = try BuiltBinary.run(
            [
                "bench", "--seq-len", "8", "--d-model", "8", "--heads", "2", "--repeat", "1", "--rope", "half",
                "--rope-scaling", "linear:factor=2",
            ])
        #expect(bench.status == 0, "\(bench.stderr)")
    }
}
