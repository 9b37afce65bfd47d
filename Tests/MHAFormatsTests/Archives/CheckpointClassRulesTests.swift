import Foundation
import MHACore
import Testing

@testable import MHAFormats

/// What transformers 5's classes do with config.json keys and tensors the names alone do not
/// settle (the QA pass against transformers): BERT's is_decoder, quantized weights, the
/// sliding window per model type, buffers and biases transformers ignores, `--arch` over
/// another model type, and config.json values that cannot be computed.
@Suite struct CheckpointClassRulesTests {
    typealias T = FormatTestSupport

    static func config(_ json: String) throws -> ModelConfig {
        try ModelConfig(bytes: Array(json.utf8), name: "config.json")
    }

    /// A safetensors archive of zero-filled tensors: (name, dtype, shape, bytes per element).
    static func archive(_ tensors: [(String, String, [Int], Int)]) throws -> any ArrayArchive {
        var entries: [String] = [], offset = 0
        for (name, dtype, shape, size) in tensors {
            let bytes = shape.reduce(1, *) * size
            entries.append(
                "\"\(name)\": {\"dtype\": \"\(dtype)\", \"shape\": \(shape), \"data_offsets\": [\(offset), \(offset + bytes)]}"
            )
            offset += bytes
        }
        let header = Array(("{" + entries.joined(separator: ", ") + "}").utf8)
        let bytes =
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
            + [UInt8](repeating: 0, count: offset)
        return try ArrayArchives.open(bytes: bytes, name: "model.safetensors", format: .safetensors)
    }

    /// Llama attention names of layer 0 (4 × 4 projections) in `dtype`, plus `extra`.
    static func llama(_ dtype: String = "F32", size: Int = 4, extra: [(String, String, [Int], Int)] = [])
        throws -> any ArrayArchive
    {
        try archive(
            ["q_proj", "k_proj", "v_proj", "o_proj"].map {
                ("model.layers.0.self_attn.\($0).weight", dtype, [4, 4], size)
            }
                + extra)
    }

    @Test func bertFamilyIsCausalExactlyWhenIsDecoder() throws {
        let decoder = try CheckpointLayerTests.layer("bert-decoder", 0)
        #expect(decoder.causal && decoder.architecture == .bert)
        #expect(try !CheckpointLayerTests.layer("bert", 0).causal)
        #expect(decoder.sources["wq"] == "bert.encoder.layer.0.attention.self.query.weight")
    }

    @Test func quantizedAttentionWeightsAreRefusedNamingTheTensor() throws {
        let w8a8 = try Self.config(
            #"{"model_type": "llama", "num_attention_heads": 1, "quantization_config": {"quant_method": "compressed-tensors"}}"#
        )
        #expect(w8a8.quantizationMethod == "compressed-tensors")
        let cases: [(any ArrayArchive, String)] = [
            (try Self.llama("I8", size: 1), #""model.layers.0.self_attn.q_proj.weight" is I8"#),
            (try Self.llama("U8", size: 1), #""model.layers.0.self_attn.q_proj.weight" is U8"#),
            (try Self.llama("F8_E4M3", size: 1), #""model.layers.0.self_attn.q_proj.weight" is F8_E4M3"#),
            (
                try Self.llama(extra: [("model.layers.0.self_attn.k_proj.weight_scale", "F32", [4, 1], 4)]),
                #""model.layers.0.self_attn.k_proj.weight_scale" is quantization data"#
            ),
            (
                try Self.llama(extra: [("model.layers.0.self_attn.v_proj.SCB", "F32", [4], 4)]),
                #""model.layers.0.self_attn.v_proj.SCB" is quantization data"#
            ),
            (
                try Self.llama(extra: [("model.layers.0.self_attn.k_scale", "F32", [], 4)]),
                #""model.layers.0.self_attn.k_scale" is quantization data"#
            ),
            (
                try Self.archive([("model.layers.0.self_attn.q_proj.qweight", "I32", [1, 4], 4)]),
                #""model.layers.0.self_attn.q_proj.qweight" is quantization data"#
            ),
        ]
        for (archive, words) in cases {
            T.expectError(
                line: nil, column: nil, words, "quantized weights are not read",
                "quantization_config: compressed-tensors"
            ) {
                try CheckpointLayer(archive: archive, layer: 0, config: w8a8)
            }
            #expect(CheckpointLayer.refusal(archive: archive, config: w8a8)?.message.contains(words) == true)
        }
        // Float weights under a quantization_config are read as stored, with a warning.
        let float = try CheckpointLayer(archive: try Self.llama(), layer: 0, config: w8a8)
        #expect(float.warnings.count == 1 && float.warnings[0].contains("quantization_config (compressed-tensors)"))
    }

    /// transformers 5: Mistral and Mixtral window every layer and ignore layer_types; Llama has
    /// no window; Qwen2 and Qwen2-MoE follow layer_types (or their own rule) and read the
    /// window only for a windowed layer.
    @Test func theSlidingWindowFollowsEachModelClass() throws {
        let cases: [(String, [Int?])] = [
            (#"{"model_type": "mistral", "sliding_window": 3, "layer_types": ["full_attention"]}"#, [3, 3, 3, 3]),
            (#"{"model_type": "mistral"}"#, [4096, 4096, 4096, 4096]),  // MistralConfig's default
            (#"{"model_type": "mixtral"}"#, [nil, nil, nil, nil]),
            (
                #"{"model_type": "mixtral", "sliding_window": 2, "layer_types": ["full_attention", "sliding_attention"]}"#,
                [2, 2, 2, 2]
            ),
            (
                #"{"model_type": "llama", "sliding_window": 2, "layer_types": ["sliding_attention", "sliding_attention"]}"#,
                [nil, nil, nil, nil]
            ),
            // As transformers 5 saves Qwen2-MoE without use_sliding_window.
            (
                #"{"model_type": "qwen2_moe", "use_sliding_window": false, "sliding_window": 0, "layer_types": ["full_attention", "full_attention", "full_attention", "full_attention"]}"#,
                [nil, nil, nil, nil]
            ),
            (#"{"model_type": "qwen2_moe", "sliding_window": 0}"#, [nil, nil, nil, nil]),
            (#"{"model_type": "qwen2", "use_sliding_window": true, "sliding_window": null}"#, [nil, nil, nil, nil]),
            (
                #"{"model_type": "qwen2", "use_sliding_window": true, "max_window_layers": 1, "layer_types": ["sliding_attention", "full_attention"]}"#,
                [4096, nil, 4096, 4096]  // past layer_types' end, the model's own rule
            ),
        ]
        for (json, expected) in cases {
            let c = try Self.config(json)
            #expect(try (0..<4).map { try CheckpointLayer.slidingWindow(c, layer: $0) } == expected, "\(json)")
        }
        let refused: [(String, String)] = [
            (#"{"model_type": "mistral", "sliding_window": 0}"#, "a sliding window of 0"),
            (
                #"{"model_type": "qwen2", "use_sliding_window": false, "sliding_window": 4, "layer_types": ["sliding_attention"]}"#,
                "layer 0 is sliding_attention but transformers has no window for it"
            ),
            (
                #"{"model_type": "qwen2_moe", "use_sliding_window": true, "sliding_window": 0, "layer_types": ["sliding_attention"]}"#,
                "a sliding window of 0"
            ),
        ]
        for (json, words) in refused {
            T.expectError(line: nil, column: nil, words) {
                try CheckpointLayer.slidingWindow(Self.config(json), layer: 0) as Any
            }
        }
    }

    @Test func buffersAndBiasesTransformersIgnoresAreIgnored() throws {
        let layer = try CheckpointLayerTests.layer("llama-ignored", 0)
        #expect(layer.matrices["bq"] == nil && layer.matrices["bk"] == nil && layer.window == nil)
        #expect(
            layer.warnings == [
                "ignored layers.0.self_attn.q_proj.bias, layers.0.self_attn.k_proj.bias, layers.0.self_attn.v_proj.bias: LlamaAttention has no biases when attention_bias is false (config.json's model_type); transformers ignores such tensors when loading, and so does this reader"
            ])
        // Qwen2's q/k/v biases are its class's: read, no warning.
        #expect(try CheckpointLayerTests.layer("qwen2", 0).warnings.isEmpty)
        // Another tensor inside the block is refused, its whole name printed.
        let long = "model.layers.0.self_attn.rotary_emb.inv_freq_of_a_fork_with_a_very_long_name"
        let archive = try Self.llama(extra: [(long, "F32", [2], 4)])
        T.expectError(line: nil, column: nil, "\"\(long)\" is part of this attention layer") {
            try CheckpointLayer(archive: archive, layer: 0, architecture: .llama, config: nil, heads: 1, ropeBase: 10)
        }
    }

    @Test func anArchitectureForcedOverAnotherModelTypeWarns() throws {
        let cohere = try Self.config(
            #"{"model_type": "cohere", "num_attention_heads": 1, "use_qk_norm": false, "rope_theta": 10000, "hidden_size": 4}"#
        )
        let layer = try CheckpointLayer(archive: try Self.llama(), layer: 0, architecture: .llama, config: cohere)
        #expect(
            layer.warnings == [
                "config.json's model_type \"cohere\" is read as llama (--arch): what makes cohere differ from llama is not read; keys the llama reader does not know: use_qk_norm"
            ])
        let llama = try Self.config(#"{"model_type": "llama", "num_attention_heads": 1}"#)
        #expect(
            try CheckpointLayer(archive: try Self.llama(), layer: 0, architecture: .llama, config: llama).warnings == []
        )
    }

    /// Python's json writes NaN and Infinity: config.json is read with them in keys attention
    /// does not use, and refused naming the key when attention would use it.
    @Test func pythonNonFiniteLiteralsOnlyMatterInKeysThatAreRead() throws {
        let c = try Self.config(
            #"{"model_type": "llama", "num_attention_heads": 2, "initializer_range": NaN, "layer_norm_eps": Infinity, "z_loss": -Infinity, "rope_theta": 100}"#
        )
        #expect(try c.number("initializer_range") == nil && c.ropeTheta == 100 && c.keys.contains("initializer_range"))
        for (json, written) in [
            (#"{"rope_theta": NaN}"#, "NaN"), (#"{"num_attention_heads": Infinity}"#, "Infinity"),
            (#"{"rope_parameters": {"rope_theta": -Infinity}}"#, "-Infinity"),
        ] {
            T.expectError(line: nil, column: nil, "expected a finite number, found \(written)") {
                try Self.config(json)
            }
        }
        // Other JSON inputs stay strict (RFC 8259).
        T.expectError(line: 1, column: 7, kind: .syntax, "NaN is not a JSON number") {
            try InputBundle.parse(bytes: Array(#"{"x": NaN}"#.utf8), name: "b.json")
        }
    }

    /// GPTBigCode's c_attn (nn.Linear, (d + 2·d_k) × d) has GPT-2's names but not its packed
    /// d × 3d layout: refused before reading, so inspect does not offer it to run.
    @Test func aPackedProjectionOfAnotherShapeIsRefusedFromTheHeader() throws {
        let bigcode = try Self.archive([
            ("transformer.h.0.attn.c_attn.weight", "F32", [12, 4], 4),
            ("transformer.h.0.attn.c_proj.weight", "F32", [4, 4], 4),
        ])
        let refusal = try #require(CheckpointLayer.refusal(archive: bigcode, config: nil))
        #expect(refusal.description.contains("transformer.h.0.attn.c_attn.weight: shape (12, 4), expected d × 3d"))
        let gpt2 = try ArrayArchives.open(path: try CheckpointLayerTests.folder("gpt2") + "/model.safetensors")
        #expect(CheckpointLayer.refusal(archive: gpt2, config: nil) == nil)
    }

    @Test(arguments: [
        (#""rope_theta": 0"#, "$.rope_theta", "RoPE's base must be a positive number, found 0"),
        (#""rope_parameters": {"rope_theta": -5}"#, "$.rope_parameters.rope_theta", "found -5"),
        (#""rope_theta": 10, "partial_rotary_factor": 0"#, "$.partial_rotary_factor", "must be in (0, 1]"),
        (#""rope_theta": 10, "partial_rotary_factor": -1"#, "$.partial_rotary_factor", "found -1"),
        (#""rope_theta": 10, "partial_rotary_factor": 1.5"#, "$.partial_rotary_factor", "found 1.5"),
        (
            #""rope_theta": 10, "num_key_value_heads": 0"#, "$.num_key_value_heads",
            "expected a positive integer, found 0"
        ),
    ])
    func configValuesThatCannotBeComputedAreDataErrors(_ keys: String, _ path: String, _ words: String) throws {
        let c = try Self.config(#"{"model_type": "llama", "num_attention_heads": 1, \#(keys)}"#)
        T.expectError(line: nil, column: nil, path: path, "config.json", words) {
            try CheckpointLayer(archive: try Self.llama(), layer: 0, config: c)
        }
    }
}
