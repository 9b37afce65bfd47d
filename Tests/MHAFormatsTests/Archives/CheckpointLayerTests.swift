import Foundation
import MHACore
import Testing

@testable import MHAFormats

/// Attention layers read from the tiny Hugging Face checkpoints of Fixtures/checkpoints
/// (make_checkpoints.py) reproduce the layer's float64 output captured from transformers.
@Suite struct CheckpointLayerTests {
    typealias T = FormatTestSupport

    static func folder(_ model: String) throws -> String { try T.fixture("checkpoints/" + model).path }

    /// Layer `layer` of `model`, with its config.json.
    static func layer(_ model: String, _ layer: Int, architecture: CheckpointArchitecture? = nil) throws
        -> CheckpointLayer
    {
        let folder = try folder(model)
        return try CheckpointLayer(
            archive: ArrayArchives.open(path: folder + "/model.safetensors"), layer: layer,
            architecture: architecture, config: ModelConfig(path: folder + "/config.json"))
    }

    /// The captured layerL_x and layerL_output of `model`.
    static func reference(_ model: String, _ layer: Int) throws -> (x: Matrix<Double>, output: Matrix<Double>) {
        let archive = try ArrayArchives.open(path: try folder(model) + "/reference.npz")
        return (try archive.matrix(named: "layer\(layer)_x"), try archive.matrix(named: "layer\(layer)_output"))
    }

    /// The engine's output for a layer without RoPE.
    static func output(_ layer: CheckpointLayer, _ x: Matrix<Double>) throws -> Matrix<Double> {
        let m = layer.matrices
        let parameters = AttentionParameters(
            wq: try #require(m["wq"]), wk: try #require(m["wk"]), wv: try #require(m["wv"]),
            wo: try #require(m["wo"]), bq: m["bq"], bk: m["bk"], bv: m["bv"], bo: m["bo"],
            layout: layer.layout)
        return try MultiHeadAttention.forward(input: x, parameters: parameters, configuration: layer.configuration)
            .output
    }

    @Test(
        arguments: [
            "gpt2", "bert", "llama", "qwen2", "mistral", "llama-f16", "gpt2-bf16", "gpt2-unscaled", "qwen2-window",
            "mixtral", "llama3-rope", "llama-linear-rope", "qwen2-yarn", "bert-decoder", "qwen2-moe", "llama-ignored",
            "gemma", "gemma2", "gpt-neox", "opt", "phi", "bloom", "distilbert", "qwen3", "qwen3-moe", "olmo2", "gemma3",
            "gemma3-v4", "gemma3-softcap",
        ], [0, 1])
    func reproducesTheLayer(_ model: String, _ index: Int) throws {
        let layer = try Self.layer(model, index)
        let (x, expected) = try Self.reference(model, index)
        let actual = try Self.output(layer, x)
        let error = try #require(actual.maxRelativeError(to: expected))
        #expect(error <= 1e-12, "\(model) layer \(index): relative error \(error)")
    }

    /// Qwen3's QK-norm is per head (γ of d_k values), OLMo 2's over the whole projection (γ^k of
    /// g·d_k); ε from rms_norm_eps. Without the norm, or with the other span, the layer is far off.
    @Test func readsTheQueryKeyNorms() throws {
        let qwen = try Self.layer("qwen3", 1)
        #expect(qwen.qkNorm?.span == .head && qwen.qkNorm?.epsilon == 1e-6 && qwen.window == 3)
        #expect(qwen.qkNorm?.queryGain?.count == 8 && qwen.sources["gk"] == "layers.1.self_attn.k_norm.weight")
        #expect(try Self.layer("qwen3", 0).window == nil)  // max_window_layers 1
        #expect(try Self.layer("qwen3-moe", 0).window == 3)  // every layer
        let olmo = try Self.layer("olmo2", 0)
        #expect(olmo.qkNorm?.span == .projection && olmo.qkNorm?.epsilon == 1e-3 && olmo.window == nil)
        #expect(olmo.qkNorm?.queryGain?.count == 32 && olmo.qkNorm?.keyGain?.count == 16)
        for model in ["qwen3", "olmo2"] {
            var layer = try Self.layer(model, 0)
            let (x, expected) = try Self.reference(model, 0)
            layer.qkNorm = nil
            #expect(try #require(try Self.output(layer, x).maxRelativeError(to: expected)) > 1e-2)
        }
    }

    /// Gemma 3's two kinds of layer, in transformers 5's spelling (layer_types, RoPE per layer
    /// type) and the Hub's (rope_local_base_freq, rope_scaling, sliding_window_pattern): the
    /// sliding layer turns by 10000 in a window of 3, the full one by 1e6 with linear scaling 2;
    /// the QK-norm's gains are 1 + the stored weights.
    @Test(arguments: ["gemma3", "gemma3-v4"])
    func readsGemma3sLayerKinds(_ model: String) throws {
        let (sliding, full) = (try Self.layer(model, 0), try Self.layer(model, 1))
        #expect(sliding.window == 3 && sliding.rope?.base == 10000 && sliding.rope?.scaling == nil)
        #expect(full.window == nil && full.rope?.base == 1_000_000 && full.rope?.scaling == .linear(factor: 2))
        #expect(sliding.scale == 1 / 24.0.squareRoot() && sliding.softcap == nil && sliding.causal)
        #expect(sliding.qkNorm?.span == .head && sliding.sources["gq"] == "1 + layers.0.self_attn.q_norm.weight")
        let archive = try ArrayArchives.open(path: try Self.folder(model) + "/model.safetensors")
        let stored = try archive.matrix(named: "layers.0.self_attn.q_norm.weight")
        #expect(sliding.qkNorm?.queryGain == stored.elements.map { $0 + 1 })
        let text = try String(contentsOfFile: try Self.folder(model) + "/config.json", encoding: .utf8)
        let both = text.replacingOccurrences(
            of: "\"use_bidirectional_attention\": false", with: "\"use_bidirectional_attention\": true")
        #expect(both != text)
        let bidirectional = try ModelConfig(bytes: Array(both.utf8), name: "config.json")
        let refusal = CheckpointLayer.refusal(archive: archive, config: bidirectional, layer: 0)
        #expect(refusal?.description.contains("use_bidirectional_attention") == true)
    }

    /// Granite's scale, StarCoder2's biases and window, SmolLM3's layer without RoPE (its
    /// sliding one).
    @Test func readsGraniteStarCoder2AndSmolLM3() throws {
        #expect(try Self.layer("granite", 0).scale == 0.3)
        let starcoder = try Self.layer("starcoder2", 1)
        #expect(starcoder.window == 3 && starcoder.matrices["bq"] != nil && starcoder.matrices["bo"] != nil)
        let (roped, plain) = (try Self.layer("smollm3", 0), try Self.layer("smollm3", 1))
        #expect(roped.rope?.base == 2000 && roped.window == nil)
        #expect(plain.rope == nil && plain.window == 3)
    }

    /// Phi-3's packed qkv_proj split by rows with grouped-query widths; recognised by its names
    /// without a config.json too.
    @Test func readsPhi3sPackedRows() throws {
        let layer = try Self.layer("phi3", 1)
        #expect(layer.architecture == .phi3 && (layer.heads, layer.kvHeads, layer.headDim) == (4, 2, 8))
        #expect(layer.matrices["wk"]?.shape == Shape(rows: 16, columns: 32) && layer.window == 3)
        #expect(layer.sources["wv"] == "layers.1.self_attn.qkv_proj.weight rows 48..<64")
        #expect(layer.rope?.dimensions == 4)
        let archive = try ArrayArchives.open(path: try Self.folder("phi3") + "/model.safetensors")
        #expect(RecognisedCheckpoint.recognise(archive.arrays.map(\.name))?.architecture == .phi3)
    }

    /// q_norm and k_norm are read only where config.json's model_type says which norm they are.
    @Test func refusesQueryKeyNormsOfOtherTypes() throws {
        let archive = try ArrayArchives.open(path: try Self.folder("qwen3") + "/model.safetensors")
        for text in [#"{"model_type": "llama", "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8}"#] {
            let config = try ModelConfig(bytes: Array(text.utf8), name: "config.json")
            #expect(throws: FormatError.self) { try CheckpointLayer(archive: archive, layer: 0, config: config) }
        }
        #expect(throws: FormatError.self) {
            try CheckpointLayer(archive: archive, layer: 0, config: nil, heads: 4, ropeBase: 10000)
        }
    }

    @Test func readsGPT2SettingsAndSplitsThePackedProjection() throws {
        let layer = try Self.layer("gpt2", 1)
        #expect(layer.architecture == .gpt2 && layer.layout == .xw && layer.causal)
        #expect((layer.heads, layer.kvHeads, layer.headDim) == (4, 4, 8))
        #expect(layer.matrices.keys.sorted() == ["bk", "bo", "bq", "bv", "wk", "wo", "wq", "wv"])
        #expect(layer.sources["wk"] == "transformer.h.1.attn.c_attn.weight columns 32..<64")
    }

    @Test func readsLlamaFamilySettings() throws {
        let llama = try Self.layer("llama", 0)
        #expect((llama.heads, llama.kvHeads, llama.headDim, llama.causal) == (4, 2, 8, true))
        #expect(llama.rope == RotaryEmbedding(convention: .half, base: 1000))
        #expect(llama.matrices["bq"] == nil && llama.sources["wq"] == "layers.0.self_attn.q_proj.weight")
        let qwen = try Self.layer("qwen2", 1)  // rope_theta at the top level of its config.json
        #expect(qwen.rope?.base == 50000 && qwen.matrices["bq"] != nil && qwen.matrices["bo"] == nil)
        #expect(qwen.sources["wq"] == "model.layers.1.self_attn.q_proj.weight")
        let mistral = try Self.layer("mistral", 0)
        #expect((mistral.kvHeads, mistral.rope?.base) == (1, 20000))
        let half = try Self.layer("llama-f16", 1)
        #expect(half.sources["wo"] == "model.layers.1.self_attn.o_proj.weight")
    }

    /// A checkpoint saved in shards reads through its index as one archive.
    @Test(arguments: [0, 1])
    func readsAShardedCheckpointThroughItsIndex(_ index: Int) throws {
        let folder = try Self.folder("llama-sharded")
        let archive = try ArrayArchives.open(path: folder + "/model.safetensors.index.json")
        #expect(archive.formatName == "safetensors" && archive.arrays.count == 20)
        let layer = try CheckpointLayer(
            archive: archive, layer: index, config: ModelConfig(path: folder + "/config.json"))
        let (x, expected) = try Self.reference("llama-sharded", index)
        let error = try #require(try Self.output(layer, x).maxRelativeError(to: expected))
        #expect(error <= 1e-12, "layer \(index): relative error \(error)")
    }

    /// An index that names a shard outside its folder, a tensor its shard lacks, or a shard
    /// that is not there is refused, naming the file.
    @Test func refusesABadShardIndex() throws {
        let source = try Self.folder("llama-sharded")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let shard = "model-00001-of-00004.safetensors"
        try FileManager.default.copyItem(atPath: source + "/" + shard, toPath: folder + "/" + shard)
        let cases: [(String, FormatError.Kind, String)] = [
            (#"{"weight_map": {"a": "../x.safetensors"}}"#, .data, "is not a file name in the index's folder"),
            (#"{"weight_map": {"no.such.tensor": "\#(shard)"}}"#, .data, "does not hold it"),
            (#"{"weight_map": {"a": "missing.safetensors"}}"#, .cannotOpen, "missing.safetensors"),
            (#"{"metadata": {}}"#, .data, "expected a shard index"),
        ]
        for (json, kind, words) in cases {
            let index = folder + "/model.safetensors.index.json"
            try Data(json.utf8).write(to: URL(fileURLWithPath: index))
            #expect {
                _ = try ArrayArchives.open(path: index)
            } throws: { error in
                guard let error = error as? FormatError else { return false }
                return error.kind == kind && error.description.contains(words)
            }
        }
    }

    /// The settings that differ by layer or by model default, as transformers reads them.
    @Test func readsPerLayerSettingsAndModelDefaults() throws {
        let unscaled = try (0..<2).map { try Self.layer("gpt2-unscaled", $0).scale }
        #expect(unscaled == [1, 0.5])  // no 1/√d_k, then 1/(layer + 1)
        let window = try (0..<2).map { try Self.layer("qwen2-window", $0).window }
        #expect(window == [nil, 2])  // layer_types: full_attention, sliding_attention
        #expect(try Self.layer("mixtral", 0).rope?.base == 1_000_000)  // no rope_theta: Mixtral's default
        func config(_ json: String) throws -> ModelConfig {
            try ModelConfig(bytes: Array(json.utf8), name: "config.json")
        }
        // Without layer_types (transformers 4 configs), each model's own rule.
        let cases: [(String, [Int?])] = [
            (
                #"{"model_type": "qwen2", "use_sliding_window": true, "sliding_window": 7, "max_window_layers": 2}"#,
                [nil, nil, 7, 7]
            ),
            (
                #"{"model_type": "qwen2", "use_sliding_window": false, "sliding_window": 7, "max_window_layers": 0}"#,
                [nil, nil, nil, nil]
            ),
            (
                #"{"model_type": "qwen2_moe", "use_sliding_window": true, "sliding_window": 7, "max_window_layers": 3}"#,
                [7, nil, 7, nil]
            ),
            (#"{"model_type": "mistral", "sliding_window": 7}"#, [7, 7, 7, 7]),
            (#"{"model_type": "mistral", "sliding_window": null}"#, [nil, nil, nil, nil]),
            (#"{"model_type": "llama", "sliding_window": 7}"#, [nil, nil, nil, nil]),
        ]
        for (json, expected) in cases {
            let c = try config(json)
            #expect(try (0..<4).map { try CheckpointLayer.slidingWindow(c, layer: $0) } == expected, "\(json)")
        }
        let chunked = try config(#"{"model_type": "qwen2", "layer_types": ["chunked_attention"]}"#)
        T.expectError(line: nil, column: nil, "layer type \"chunked_attention\"", "not computed") {
            _ = try CheckpointLayer.slidingWindow(chunked, layer: 0)
        }
        // With both objects, transformers reads the legacy rope_scaling whole (its base too).
        let both = try config(
            #"{"rope_parameters": {"rope_type": "default", "rope_theta": 1000}, "rope_scaling": {"type": "linear", "factor": 2}}"#
        )
        let bothScaling = try both.rotaryScaling()
        #expect(bothScaling == .linear(factor: 2))
        #expect(both.ropeTheta == nil)
        // The RoPE object's base wins over a top-level one, as in transformers 5.
        let nested = try config(
            #"{"rope_theta": 5000, "rope_parameters": {"rope_type": "default", "rope_theta": 1000}}"#)
        let nestedScaling = try nested.rotaryScaling()
        #expect(nested.ropeTheta == 1000 && nestedScaling == nil)
    }

    /// Without config.json, each family is recognised from its names; those that share the
    /// query's name are told apart by the output projection's: o_proj (Llama), out_proj (OPT),
    /// dense (Phi); GPT-2's and BLOOM's `h.L.` by their tails.
    @Test func familiesSharingQProjAreToldApartByTheirOutput() throws {
        for (model, family, prefix) in [
            ("opt", CheckpointArchitecture.opt, "decoder."), ("phi", .phi, ""), ("llama", .llama, ""),
            ("gpt-neox", .gptNeox, ""), ("bloom", .bloom, ""), ("gpt2", .gpt2, "transformer."),
            ("distilbert", .distilbert, ""), ("bert", .bert, ""),
        ] {
            let archive = try ArrayArchives.open(path: try Self.folder(model) + "/model.safetensors")
            let recognised = try #require(RecognisedCheckpoint.recognise(archive.arrays.map(\.name)), "\(model)")
            #expect(recognised.architecture == family && recognised.prefix == prefix && recognised.layers == [0, 1])
        }
    }

    /// An odd int(d_k · partial factor) is refused (transformers' RoPE is not defined for it);
    /// Gemma 2 stays causal under use_bidirectional_attention (its eager path ignores it).
    @Test func oddRotaryWidthsAreRefusedAndGemma2StaysCausal() throws {
        func config(_ json: String) throws -> ModelConfig {
            try ModelConfig(bytes: Array(json.utf8), name: "config.json")
        }
        let neox = try ArrayArchives.open(path: try Self.folder("gpt-neox") + "/model.safetensors")
        let odd = try config(#"{"model_type": "gpt_neox", "num_attention_heads": 4, "rotary_pct": 0.375}"#)
        T.expectError(line: nil, column: nil, "of d_k = 8 is 3 dimensions, an odd number") {
            _ = try CheckpointLayer(archive: neox, layer: 0, config: odd)
        }
        let even = try config(#"{"model_type": "gpt_neox", "num_attention_heads": 4, "rotary_pct": 0.5}"#)
        #expect(try CheckpointLayer(archive: neox, layer: 0, config: even).rope?.dimensions == 4)
        let gemma2 = try ArrayArchives.open(path: try Self.folder("gemma2") + "/model.safetensors")
        let text = try String(contentsOfFile: try Self.folder("gemma2") + "/config.json", encoding: .utf8)
        #expect(text.contains("\"use_bidirectional_attention\": null"))
        let bidirectional = try config(
            text.replacingOccurrences(
                of: "\"use_bidirectional_attention\": null", with: "\"use_bidirectional_attention\": true"))
        #expect(try CheckpointLayer(archive: gemma2, layer: 0, config: bidirectional).causal)
    }

    /// Gemma 2's score rules and window, with Gemma2Config's defaults for absent keys.
    @Test func readsGemma2SettingsWithTheClassDefaults() throws {
        func config(_ json: String) throws -> ModelConfig {
            try ModelConfig(bytes: Array(json.utf8), name: "config.json")
        }
        let layers = try (0..<2).map { try Self.layer("gemma2", $0) }
        #expect(layers.map(\.window) == [3, nil] && layers.map(\.softcap) == [2, 2])
        #expect(abs((layers[0].scale ?? 0) - 1 / 24.0.squareRoot()) < 1e-16 && layers[0].headDim == 16)
        let bare = try config(#"{"model_type": "gemma2"}"#)
        let scores = try CheckpointLayer.gemma2Scores(bare)
        #expect(scores.scale == 1.0 / 16 && scores.softcap == 50)
        #expect(try (0..<4).map { try CheckpointLayer.slidingWindow(bare, layer: $0) } == [4096, nil, 4096, nil])
        let uncapped = try config(#"{"model_type": "gemma2", "attn_logit_softcapping": null, "sliding_window": null}"#)
        #expect(try CheckpointLayer.gemma2Scores(uncapped).softcap == nil)
        #expect(try CheckpointLayer.slidingWindow(uncapped, layer: 1) == nil)
        // A sliding layer without a window: transformers raises.
        T.expectError(line: nil, column: nil, path: "$.sliding_window", "transformers has no window") {
            _ = try CheckpointLayer.slidingWindow(uncapped, layer: 0)
        }
        let listed = try config(
            #"{"model_type": "gemma2", "sliding_window": 5, "layer_types": ["full_attention", "sliding_attention"]}"#)
        #expect(try (0..<2).map { try CheckpointLayer.slidingWindow(listed, layer: $0) } == [nil, 5])
        T.expectError(line: nil, column: nil, "query_pre_attn_scalar", "positive number") {
            _ = try CheckpointLayer.gemma2Scores(try config(#"{"model_type": "gemma2", "query_pre_attn_scalar": 0}"#))
        }
        let gemma = try Self.layer("gemma", 0)
        #expect(gemma.scale == nil && gemma.softcap == nil && gemma.window == nil && gemma.kvHeads == 1)
    }

    /// Each scaling rule is read with transformers' names and defaults.
    @Test func readsRotaryScalingsWithTransformersDefaults() throws {
        func config(_ json: String) throws -> ModelConfig {
            try ModelConfig(bytes: Array(json.utf8), name: "config.json")
        }
        let llama3 = try config(
            #"{"max_position_embeddings": 131072, "rope_scaling": {"rope_type": "llama3", "factor": 32, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 8192}}"#
        )
        let llama3Scaling = try llama3.rotaryScaling()
        #expect(
            llama3Scaling
                == .llama3(.init(factor: 32, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 8192)))
        // yarn: original from max_position_embeddings when the object lacks it; the top-level
        // original_max_position_embeddings wins over the object's; betas 0 mean the defaults.
        let yarn = try config(
            #"{"max_position_embeddings": 65536, "rope_scaling": {"type": "yarn", "factor": 4, "beta_fast": 0}}"#)
        let yarnScaling = try yarn.rotaryScaling()
        #expect(yarnScaling == .yarn(.init(factor: 4, originalContext: 65536)))
        let top = try config(
            #"{"original_max_position_embeddings": 4096, "rope_scaling": {"rope_type": "yarn", "factor": 4, "original_max_position_embeddings": 8192, "truncate": false}}"#
        )
        let topScaling = try top.rotaryScaling()
        #expect(topScaling == .yarn(.init(factor: 4, originalContext: 4096, truncate: false)))
        // DeepSeek's mscale pair: the attention factor is the ratio of the two magnitudes.
        let deepseek = try config(
            #"{"rope_scaling": {"rope_type": "yarn", "factor": 40, "original_max_position_embeddings": 4096, "mscale": 1, "mscale_all_dim": 0.5}}"#
        )
        guard case let .yarn(y)? = try deepseek.rotaryScaling() else {
            Issue.record("not yarn")
            return
        }
        let magnitude = { (m: Double) in 0.1 * m * log(40.0) + 1 }
        let attentionFactor = try #require(y.attentionFactor)
        #expect(abs(attentionFactor - magnitude(1) / magnitude(0.5)) < 1e-15)
        for (json, message) in [
            (#"{"rope_scaling": {"rope_type": "dynamic", "factor": 2}}"#, #"rope_type "dynamic""#),
            (#"{"rope_scaling": {"rope_type": "llama3", "factor": 8}}"#, "needs low_freq_factor"),
            (#"{"rope_scaling": {"factor": 2}}"#, "no rope_type"),
        ] {
            T.expectError(line: nil, column: nil, message) { _ = try config(json).rotaryScaling() }
        }
    }

    @Test func refusesAttentionPartsItDoesNotRead() throws {
        let weight = #"{"dtype": "F32", "shape": [2, 2], "data_offsets": "#
        let names = ["q_proj", "k_proj", "v_proj", "o_proj", "q_norm"]
        let header =
            "{"
            + names.enumerated().map { index, name in
                "\"layers.0.self_attn.\(name).weight\": \(weight)[\(16 * index), \(16 * index + 16)]}"
            }.joined(separator: ", ") + "}"
        var length = UInt64(header.utf8.count).littleEndian
        let bytes = withUnsafeBytes(of: &length) { Array($0) } + Array(header.utf8) + [UInt8](repeating: 0, count: 80)
        let archive = try ArrayArchives.open(bytes: bytes, name: "qwen3.safetensors", format: .safetensors)
        T.expectError(line: nil, column: nil, "\"layers.0.self_attn.q_norm.weight\"", "would change the result") {
            try CheckpointLayer(archive: archive, layer: 0, architecture: .llama, config: nil, heads: 1)
        }
    }

    @Test func recognisesArchitecturesWithAndWithoutPrefix() throws {
        let cases: [(String, CheckpointArchitecture, String)] = [
            ("gpt2", .gpt2, "transformer."), ("gpt2-bf16", .gpt2, ""), ("bert", .bert, ""),
            ("llama", .llama, ""), ("qwen2", .llama, "model."), ("llama-f16", .llama, "model."),
        ]
        for (model, architecture, prefix) in cases {
            let names = try ArrayArchives.open(path: try Self.folder(model) + "/model.safetensors").arrays.map(\.name)
            let recognised = try #require(RecognisedCheckpoint.recognise(names))
            #expect(
                recognised == RecognisedCheckpoint(architecture: architecture, prefix: prefix, layers: [0, 1]),
                "\(model)")
            #expect(RecognisedCheckpoint.recognise(names.map { "bert." + $0 })?.prefix == "bert." + prefix)
        }
    }

    @Test func unknownNamesListTheAttentionLikeTensors() throws {
        let archive = try ArrayArchives.open(path: try Self.folder("llama") + "/model.safetensors")
        T.expectError(
            line: nil, column: nil, "no gpt2 attention tensors (like h.0.attn.c_attn)",
            "attention-like tensors: ", "layers.0.self_attn.q_proj.weight"
        ) {
            try CheckpointLayer(archive: archive, layer: 0, architecture: .gpt2, config: nil)
        }
        T.expectError(line: nil, column: nil, "no attention layer 7", "layers 0…1") {
            try CheckpointLayer(archive: archive, layer: 7, config: nil, heads: 4)
        }
        T.expectError(line: nil, column: nil, "number of heads", "no config.json says it") {
            try CheckpointLayer(archive: archive, layer: 0, config: nil)
        }
        let config = try ModelConfig(bytes: Array(#"{"model_type": "cohere"}"#.utf8), name: "config.json")
        T.expectError(line: nil, column: nil, "config.json", "model_type \"cohere\"", "--arch") {
            try CheckpointLayer(archive: archive, layer: 0, config: config)
        }
        let bert = try ArrayArchives.open(path: try Self.folder("bert") + "/model.safetensors")
        let relative = try ModelConfig(
            bytes: Array(
                #"{"model_type": "bert", "num_attention_heads": 4, "position_embedding_type": "relative_key"}"#.utf8),
            name: "config.json")
        T.expectError(line: nil, column: nil, "position_embedding_type \"relative_key\"") {
            try CheckpointLayer(archive: bert, layer: 0, config: relative)
        }
        let scaled = try ModelConfig(
            bytes: Array(
                #"{"model_type": "llama", "num_attention_heads": 4, "rope_scaling": {"rope_type": "longrope", "factor": 8}}"#
                    .utf8),
            name: "config.json")
        T.expectError(line: nil, column: nil, "rope_type \"longrope\"", "not supported") {
            try CheckpointLayer(archive: archive, layer: 0, config: scaled)
        }
    }

    /// What only config.json says is asked of the caller when there is no config.json (or it
    /// lacks the key), never guessed: τ always, RoPE's base for the Llama family.
    @Test func missingSettingsAreNamedNotGuessed() throws {
        let llama = try ArrayArchives.open(path: try Self.folder("llama") + "/model.safetensors")
        let gpt2 = try ArrayArchives.open(path: try Self.folder("gpt2") + "/model.safetensors")
        let config = try ModelConfig(path: try Self.folder("llama") + "/config.json")
        typealias L = CheckpointLayer
        #expect(
            try L.missingSettings(archive: llama, architecture: nil, config: nil, given: []) == [.heads, .ropeBase])
        #expect(try L.missingSettings(archive: llama, architecture: nil, config: nil, given: [.heads]) == [.ropeBase])
        #expect(try L.missingSettings(archive: llama, architecture: nil, config: config, given: []) == [])
        #expect(try L.missingSettings(archive: gpt2, architecture: nil, config: nil, given: []) == [.heads])
        let given = try L(archive: llama, layer: 0, config: nil, heads: 4, ropeBase: 1000)
        #expect(given.rope == RotaryEmbedding(convention: .half, base: 1000))
        #expect(given.configuration == (try Self.layer("llama", 0)).configuration)
        #expect(given.modelDim == 32)
        T.expectError(line: nil, column: nil, "RoPE's base (rope_theta)", "no config.json") {
            try L(archive: llama, layer: 0, config: nil, heads: 4)
        }
        let bare = try ModelConfig(bytes: Array(#"{"model_type": "llama"}"#.utf8), name: "config.json")
        #expect(try L.missingSettings(archive: llama, architecture: nil, config: bare, given: []) == [.heads])
        // A config.json without rope_theta means transformers' default.
        #expect(try L(archive: llama, layer: 0, config: bare, heads: 4).rope?.base == 10000)
    }
}
