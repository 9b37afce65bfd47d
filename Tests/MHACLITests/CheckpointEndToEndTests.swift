import Foundation
import MHACore
import MHAFormats
import Testing

/// `run --checkpoint` and `inspect` through the built binary on the tiny Hugging Face models
/// of Tests/MHAFormatsTests/Fixtures/checkpoints (make_checkpoints.py).
@Suite struct CheckpointEndToEndTests {
    static let checkpoints = BuiltBinary.packageRoot.appendingPathComponent(
        "Tests/MHAFormatsTests/Fixtures/checkpoints")

    /// The `output` matrix of a `--format json` run.
    static func output(_ json: String) throws -> Matrix<Double> {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let rows = try #require(object["output"] as? [[Double]])
        return try Matrix(rows)
    }

    @Test(
        arguments: [
            "gpt2", "bert", "llama", "qwen2", "mistral", "llama-f16", "gpt2-bf16", "gpt2-unscaled", "qwen2-window",
            "mixtral", "llama-sharded", "llama3-rope", "llama-linear-rope", "qwen2-yarn", "bert-decoder", "qwen2-moe",
            "llama-ignored", "gemma", "gemma2", "gpt-neox", "opt", "phi", "bloom", "distilbert",
        ], [0, 1])
    func reproducesEachLayer(_ model: String, _ layer: Int) throws {
        let file = model.hasSuffix("-sharded") ? "model.safetensors.index.json" : "model.safetensors"
        let run = try FixtureRun.run(
            [
                "run", "--checkpoint", "fx/\(model)/\(file)", "--layer", "\(layer)",
                "-x", "fx/\(model)/reference.npz:layer\(layer)_x", "--format", "json", "--show", "output",
            ],
            fixtures: Self.checkpoints)
        if model == "llama-ignored" {  // its stray biases are ignored with a warning
            #expect(run.status == 0 && run.stderr.hasPrefix("mha-cli: warning: ignored "), "\(run.stderr)")
        } else {
            run.expectSuccess()
        }
        let expected = try MatrixReader.read(
            path: Self.checkpoints.path + "/\(model)/reference.npz:layer\(layer)_output")
        let error = try #require(try Self.output(run.stdout).maxRelativeError(to: expected))
        #expect(error <= 1e-12, "\(model) layer \(layer): relative error \(error)")
    }

    @Test func flagsWinOverTheCheckpoint() throws {
        let base = [
            "run", "--checkpoint", "fx/gpt2/model.safetensors", "--layer", "0", "-x", "fx/gpt2/reference.npz:layer0_x",
            "--format", "json", "--show", "output",
        ]
        let causal = try FixtureRun.run(base, fixtures: Self.checkpoints)
        let open = try FixtureRun.run(base + ["--no-causal", "--heads", "2"], fixtures: Self.checkpoints)
        causal.expectSuccess()
        open.expectSuccess()
        #expect(causal.stdout != open.stdout)
        #expect(open.stdout.contains("\"heads\":2"))
    }

    @Test func explainsWhatIsMissing() throws {
        let folder = Self.checkpoints
        try FixtureRun.run(
            [
                "run", "--checkpoint", "fx/gpt2/model.safetensors", "--layer", "5", "-x",
                "fx/gpt2/reference.npz:layer0_x",
            ], fixtures: folder
        )
        .expectRefusal(65, "no attention layer 5", "layers 0…1")
        try FixtureRun.run(
            [
                "run", "--checkpoint", "fx/bert/model.safetensors", "--layer", "0", "--arch", "llama",
                "-x", "fx/bert/reference.npz:layer0_x",
            ], fixtures: folder
        )
        .expectRefusal(65, "no llama attention tensors", "encoder.layer.0.attention.self")
        try FixtureRun.run(
            ["run", "--checkpoint", "fx/gpt2/model.safetensors", "-x", "fx/gpt2/reference.npz:layer0_x"],
            fixtures: folder
        )
        .expectRefusal(64, "--layer")
        try FixtureRun.run(
            [
                "run", "--checkpoint", "fx/gpt2/model.safetensors", "--layer", "0", "--config", "missing.json",
                "-x", "fx/gpt2/reference.npz:layer0_x",
            ], fixtures: folder
        )
        .expectRefusal(66, "missing.json")
    }

    /// `inspect --format json` agrees with the safetensors package (listing.json) on names,
    /// dtypes and shapes, and names the architecture and layers.
    @Test(arguments: [
        ("gpt2", "gpt2"), ("bert", "bert"), ("llama", "llama"), ("qwen2", "llama"), ("llama-f16", "llama"),
        ("gpt2-bf16", "gpt2"),
    ])
    func inspectAgreesWithSafetensors(_ model: String, _ architecture: String) throws {
        let run = try FixtureRun.run(
            ["inspect", "fx/\(model)/model.safetensors", "--format", "json"], fixtures: Self.checkpoints)
        run.expectSuccess()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["architecture"] as? String == architecture)
        #expect(object["layers"] as? [Int] == [0, 1])
        #expect(object["format"] as? String == "safetensors")
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        let listing = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Self.checkpoints.appendingPathComponent("\(model)/listing.json")))
                as? [[String: Any]])
        func rows(_ list: [[String: Any]]) -> [String] {
            list.map { "\($0["name"] ?? "") \($0["dtype"] ?? "") \($0["shape"] as? [Int] ?? [])" }.sorted()
        }
        #expect(rows(tensors) == rows(listing))
        #expect(tensors.allSatisfy { $0["bytes"] is Int })
    }

    @Test func inspectPrintsATable() throws {
        let run = try FixtureRun.run(["inspect", "fx/llama-f16/model.safetensors"], fixtures: Self.checkpoints)
        run.expectSuccess()
        #expect(run.stdout.contains("architecture: llama, model_type llama (prefix model.); attention layers 0…1 (2)"))
        let row = run.stdout.split(separator: "\n").first { $0.contains("layers.0.self_attn.k_proj.weight") }
        #expect(row?.split(separator: " ") == ["model.layers.0.self_attn.k_proj.weight", "F16", "(16,", "32)", "1024"])
    }
}
