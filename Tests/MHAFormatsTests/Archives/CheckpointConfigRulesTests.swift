import MHACore
import Testing

@testable import MHAFormats

/// config.json as transformers 5.24's classes read it (the QA pass of checkpoint reading):
/// values of the wrong JSON type refused naming the key, `partial_rotary_factor` applied
/// exactly where each class applies it, each class's default RoPE base, and configs
/// transformers refuses to load refused. Each config is built here over zero-filled tensors of
/// the right shapes (the numbers are checked against transformers in CheckpointLayerTests'
/// fixtures; these are rules, read off transformers' configuration_*.py and modeling_*.py).
@Suite struct CheckpointConfigRulesTests {
    typealias T = FormatTestSupport

    static func config(_ json: String) throws -> ModelConfig {
        try ModelConfig(bytes: Array(json.utf8), name: "config.json")
    }

    /// Llama names of layers 0 and 1: W^q, W^o 16 × 16, W^k, W^v 8 × 16 (τ = 2, g = 1, d_k = 8).
    static func llama(_ prefix: String = "model.", extra: [(String, String, [Int], Int)] = []) throws
        -> any ArrayArchive
    {
        let shapes = ["q_proj": [16, 16], "k_proj": [8, 16], "v_proj": [8, 16], "o_proj": [16, 16]]
        var tensors: [(String, String, [Int], Int)] = []
        for layer in 0..<2 {
            for part in ["q_proj", "k_proj", "v_proj", "o_proj"] {
                tensors.append(("\(prefix)layers.\(layer).self_attn.\(part).weight", "F32", shapes[part] ?? [], 4))
            }
        }
        return try CheckpointClassRulesTests.archive(tensors + extra)
    }

    /// Layer `layer` read with config.json `json` (τ = 2 unless it says).
    static func layer(_ json: String, _ archive: (any ArrayArchive)? = nil, layer: Int = 0) throws -> CheckpointLayer {
        try CheckpointLayer(archive: archive ?? llama(), layer: layer, config: config(json))
    }

    /// Reading the layer fails with `words`, and inspect's refusal is the same error.
    static func expectRefusal(
        _ json: String, in archive: (any ArrayArchive)? = nil, path: String? = nil, _ words: String...,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let archive = try archive ?? llama()
        let config = try config(json)
        var thrown: FormatError?
        do {
            _ = try CheckpointLayer(archive: archive, layer: 0, config: config)
        } catch {
            thrown = error
        }
        let error = try #require(thrown, "read: \(json)", sourceLocation: sourceLocation)
        #expect(error.kind == .data && error.file == "config.json", "\(error)", sourceLocation: sourceLocation)
        if let path { #expect(error.path == path, "\(error)", sourceLocation: sourceLocation) }
        for word in words {
            #expect(error.description.contains(word), "\(error) lacks \(word)", sourceLocation: sourceLocation)
        }
        let refusal = CheckpointLayer.refusal(archive: archive, config: config, layer: 0)
        #expect(refusal?.description == error.description, sourceLocation: sourceLocation)
    }

    // MARK: F2: values of the wrong JSON type

    @Test(arguments: [
        (#""rope_theta": "500000""#, "$.rope_theta", #"expected a number (RoPE's base), found "500000""#),
        (#""rope_theta": true"#, "$.rope_theta", "found true"),
        (#""rope_theta": null"#, "$.rope_theta", "found null"),
        (#""num_attention_heads": "2""#, "$.num_attention_heads", #"expected a positive integer, found "2""#),
        (#""num_attention_heads": 2.5"#, "$.num_attention_heads", "found 2.5"),
        (#""num_attention_heads": [2]"#, "$.num_attention_heads", "found a list"),
        (#""num_key_value_heads": "1""#, "$.num_key_value_heads", #"found "1""#),
        (#""head_dim": {"q": 8}"#, "$.head_dim", "found an object"),
        (#""hidden_size": "16""#, "$.hidden_size", #"found "16""#),
        (#""attention_bias": "false""#, "$.attention_bias", #"expected true or false, found "false""#),
        (#""attention_bias": 0"#, "$.attention_bias", "found 0"),
        (
            #""max_position_embeddings": "64", "rope_scaling": {"rope_type": "yarn", "factor": 2}"#,
            "$.max_position_embeddings", #"found "64""#
        ),
        (#""rope_scaling": "linear""#, "$.rope_scaling", #"expected an object (the RoPE parameters), found "linear""#),
        (#""rope_scaling": {"rope_type": "linear", "factor": "2"}"#, "$.rope_scaling.factor", #"found "2""#),
        (#""rope_scaling": {"rope_type": 3, "factor": 2}"#, "$.rope_scaling.rope_type", "expected a string"),
        (
            #""rope_parameters": {"rope_type": "default", "rope_theta": "1e4"}"#, "$.rope_parameters.rope_theta",
            #"found "1e4""#
        ),
        (
            #""rope_scaling": {"rope_type": "yarn", "factor": 2, "truncate": "no"}"#, "$.rope_scaling.truncate",
            "expected true or false"
        ),
        (#""partial_rotary_factor": "0.5""#, "$.partial_rotary_factor", #"found "0.5""#),
        (#""layer_types": "full_attention""#, "$.layer_types", "expected a list of layer types"),
    ])
    func llamaValuesOfTheWrongTypeAreRefused(_ member: String, _ path: String, _ words: String) throws {
        let heads = member.contains("num_attention_heads") ? "" : #""num_attention_heads": 2, "#
        try Self.expectRefusal(#"{"model_type": "llama", "# + heads + member + "}", path: path, words)
    }

    @Test(arguments: [
        (#"{"model_type": "mistral", "num_attention_heads": 2, "sliding_window": "3"}"#, "$.sliding_window"),
        (#"{"model_type": "qwen2", "num_attention_heads": 2, "use_sliding_window": "yes"}"#, "$.use_sliding_window"),
        (
            #"{"model_type": "qwen2", "num_attention_heads": 2, "use_sliding_window": true, "max_window_layers": "0"}"#,
            "$.max_window_layers"
        ),
        (#"{"model_type": "qwen2_moe", "num_attention_heads": 2, "qkv_bias": "false"}"#, "$.qkv_bias"),
        (#"{"model_type": "starcoder2", "num_attention_heads": 2, "use_bias": 1}"#, "$.use_bias"),
        (
            #"{"model_type": "granite", "num_attention_heads": 2, "attention_multiplier": null}"#,
            "$.attention_multiplier"
        ),
        (
            #"{"model_type": "granite", "num_attention_heads": 2, "attention_multiplier": "0.5"}"#,
            "$.attention_multiplier"
        ),
        (
            #"{"model_type": "gemma2", "num_attention_heads": 2, "head_dim": 8, "query_pre_attn_scalar": "8"}"#,
            "$.query_pre_attn_scalar"
        ),
        (
            #"{"model_type": "gemma2", "num_attention_heads": 2, "head_dim": 8, "attn_logit_softcapping": "50"}"#,
            "$.attn_logit_softcapping"
        ),
        (#"{"model_type": "smollm3", "num_attention_heads": 2, "no_rope_layers": "1,1"}"#, "$.no_rope_layers"),
        (#"{"model_type": "smollm3", "num_attention_heads": 2, "no_rope_layers": [1.5, 1]}"#, "$.no_rope_layers"),
        (
            #"{"model_type": "smollm3", "num_attention_heads": 2, "no_rope_layer_interval": null}"#,
            "$.no_rope_layer_interval"
        ),
        (
            #"{"model_type": "llama", "num_attention_heads": 2, "use_bidirectional_attention": "no"}"#,
            "$.use_bidirectional_attention"
        ),
    ])
    func familyValuesOfTheWrongTypeAreRefused(_ json: String, _ path: String) throws {
        try Self.expectRefusal(json, path: path, "expected")
    }

    /// `model_type` that is not a string is refused when config.json is read.
    @Test func aModelTypeThatIsNotAStringIsRefused() throws {
        T.expectError(line: nil, column: nil, path: "$.model_type", "expected a string (the model type), found 5") {
            try Self.config(#"{"model_type": 5}"#)
        }
    }

    /// `null` reads as absent where transformers' class reads `None` as its default.
    @Test func nullMeansTheDefaultWhereTheClassSaysSo() throws {
        let layer = try Self.layer(
            #"{"model_type": "llama", "num_attention_heads": 2, "head_dim": null, "num_key_value_heads": null, "partial_rotary_factor": null, "rope_scaling": null}"#
        )
        #expect(layer.headDim == 8 && layer.kvHeads == 1 && layer.rope?.dimensions == nil && layer.warnings.isEmpty)
        let yarn = try Self.layer(
            #"{"model_type": "llama", "num_attention_heads": 2, "max_position_embeddings": 64, "rope_scaling": {"rope_type": "yarn", "factor": null, "original_max_position_embeddings": 16}}"#
        )
        guard case let .yarn(rule) = yarn.rope?.scaling else {
            Issue.record("yarn with factor null: \(String(describing: yarn.rope))")
            return
        }
        #expect(rule.factor == 4)  // transformers' max / original for factor None
    }

    // MARK: F1: partial_rotary_factor by class

    /// The Llama family's default RoPE turns all of d_k whatever partial_rotary_factor says
    /// (its compute_default_rope_parameters never reads it): ignored, with a warning.
    @Test(arguments: ["llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "gemma", "granite", "starcoder2", "smollm3"])
    func theLlamaFamilyIgnoresAPartialFactorWithoutScaling(_ type: String) throws {
        for spelling in [
            #""partial_rotary_factor": 0.5"#,
            #""rope_parameters": {"rope_type": "default", "partial_rotary_factor": 0.5}"#,
        ] {
            let json = #"{"model_type": "\#(type)", "num_attention_heads": 2, "head_dim": 8, \#(spelling)}"#
            let layer = try Self.layer(json)
            #expect(layer.rope?.dimensions == nil, "\(json)")
            #expect(layer.warnings.contains { $0.contains("partial_rotary_factor 0.5 is not read") }, "\(json)")
        }
    }

    /// With a scaling, transformers' Llama-family RoPE computes frequencies for the narrowed
    /// width and then fails to apply them to all of d_k: refused, naming the key.
    @Test(arguments: [
        #""rope_scaling": {"rope_type": "linear", "factor": 2}"#,
        #""rope_scaling": {"rope_type": "yarn", "factor": 2, "original_max_position_embeddings": 16}"#,
        #""rope_scaling": {"rope_type": "llama3", "factor": 2, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 16}"#,
    ])
    func theLlamaFamilyRefusesAPartialFactorWithScaling(_ scaling: String) throws {
        try Self.expectRefusal(
            #"{"model_type": "llama", "num_attention_heads": 2, "partial_rotary_factor": 0.5, \#(scaling)}"#,
            path: "$.partial_rotary_factor", "partial_rotary_factor 0.5 with scaled RoPE", "fails to apply them")
        // A factor that keeps all of d_k is harmless.
        let whole = try Self.layer(
            #"{"model_type": "llama", "num_attention_heads": 2, "partial_rotary_factor": 1, \#(scaling)}"#)
        #expect(whole.rope?.dimensions == nil && whole.rope?.scaling != nil)
    }

    /// Phi and Phi-3 apply the top-level factor; GPT-NeoX applies only the RoPE object's (else
    /// rotary_pct), and ignores a top-level partial_rotary_factor and rope_theta.
    @Test func phiPhi3AndGPTNeoXApplyTheirFactors() throws {
        let phi = try CheckpointClassRulesTests.archive(
            ["q_proj", "k_proj", "v_proj", "dense"].map {
                ("model.layers.0.self_attn.\($0).weight", "F32", [16, 16], 4)
            })
        let phiLayer = try Self.layer(
            #"{"model_type": "phi", "num_attention_heads": 2, "partial_rotary_factor": 0.5}"#, phi)
        #expect(phiLayer.rope?.dimensions == 4)
        #expect(try Self.layer(#"{"model_type": "phi", "num_attention_heads": 2}"#, phi).rope?.dimensions == 4)
        let phi3 = try CheckpointClassRulesTests.archive([
            ("model.layers.0.self_attn.qkv_proj.weight", "F32", [48, 16], 4),
            ("model.layers.0.self_attn.o_proj.weight", "F32", [16, 16], 4),
        ])
        let phi3Layer = try Self.layer(
            #"{"model_type": "phi3", "num_attention_heads": 2, "partial_rotary_factor": 0.5}"#, phi3)
        #expect(phi3Layer.rope?.dimensions == 4)
        let neox = try CheckpointClassRulesTests.archive([
            ("gpt_neox.layers.0.attention.query_key_value.weight", "F32", [48, 16], 4),
            ("gpt_neox.layers.0.attention.dense.weight", "F32", [16, 16], 4),
        ])
        let top = try Self.layer(
            #"{"model_type": "gpt_neox", "num_attention_heads": 2, "partial_rotary_factor": 0.5, "rope_theta": 500000}"#,
            neox)
        #expect(top.rope?.dimensions == 2 && top.rope?.base == 10000)  // rotary_pct's 0.25, rotary_emb_base's 10000
        let block = try Self.layer(
            #"{"model_type": "gpt_neox", "num_attention_heads": 2, "rotary_pct": 0.25, "rotary_emb_base": 100, "rope_parameters": {"rope_type": "default", "partial_rotary_factor": 0.5}}"#,
            neox)
        #expect(block.rope?.dimensions == 4 && block.rope?.base == 100)
    }

    // MARK: F3: each class's default base

    @Test func theRopeBaseDefaultsToTheClasssDefaultTheta() throws {
        for (type, base) in [
            ("llama", 10000.0), ("mixtral", 1e6), ("smollm3", 2e6), ("qwen2", 10000), ("starcoder2", 10000),
        ] {
            let layer = try Self.layer(#"{"model_type": "\#(type)", "num_attention_heads": 2, "head_dim": 8}"#)
            #expect(layer.rope?.base == base, "\(type)")
        }
        // Gemma 3: 1e6 on full layers, 1e4 (rope_local_base_freq) on sliding ones, also when a
        // per-layer-type object omits rope_theta.
        let nested =
            #"{"model_type": "gemma3_text", "num_attention_heads": 2, "head_dim": 8, "layer_types": ["sliding_attention", "full_attention"], "rope_theta": 5, "rope_local_base_freq": 7, "rope_parameters": {"full_attention": {"rope_type": "default"}, "sliding_attention": {"rope_type": "default"}}}"#
        let archive = try Self.llama(extra: [
            ("model.layers.0.self_attn.q_norm.weight", "F32", [8], 4),
            ("model.layers.0.self_attn.k_norm.weight", "F32", [8], 4),
            ("model.layers.1.self_attn.q_norm.weight", "F32", [8], 4),
            ("model.layers.1.self_attn.k_norm.weight", "F32", [8], 4),
        ])
        #expect(try Self.layer(nested, archive, layer: 0).rope?.base == 7)
        #expect(try Self.layer(nested, archive, layer: 1).rope?.base == 5)
        // A rope_parameters object that is not per layer type: Gemma3TextConfig ignores it.
        let flat =
            #"{"model_type": "gemma3_text", "num_attention_heads": 2, "head_dim": 8, "layer_types": ["sliding_attention", "full_attention"], "rope_parameters": {"rope_type": "linear", "factor": 8, "rope_theta": 3}}"#
        let full = try Self.layer(flat, archive, layer: 1)
        #expect(full.rope?.base == 1e6 && full.rope?.scaling == nil)
    }

    // MARK: F6: configs transformers refuses

    @Test func configsTransformersRefusesAreRefused() throws {
        try Self.expectRefusal(
            #"{"model_type": "llama", "num_attention_heads": 2, "rope_scaling": {"rope_type": "yarn"}}"#,
            path: "$.rope_scaling", "rope scaling yarn needs factor")
        try Self.expectRefusal(
            #"{"model_type": "qwen2", "num_attention_heads": 2, "num_hidden_layers": 2, "layer_types": ["full_attention"]}"#,
            path: "$.layer_types", "1 layer types for num_hidden_layers = 2 layers")
        // transformers checks layer_types for every class, Mistral's too (which ignores it).
        try Self.expectRefusal(
            #"{"model_type": "mistral", "num_attention_heads": 2, "num_hidden_layers": 3, "layer_types": ["full_attention", "full_attention"]}"#,
            path: "$.layer_types", "2 layer types for num_hidden_layers = 3")
        try Self.expectRefusal(
            #"{"model_type": "llama", "num_attention_heads": 2, "hidden_size": 32}"#, path: "$.hidden_size",
            "hidden_size is 32 but layer 0's attention reads 16-wide hidden states")
        let phi = try CheckpointClassRulesTests.archive(
            ["q_proj", "k_proj", "v_proj", "dense"].map {
                ("model.layers.0.self_attn.\($0).weight", "F32", [16, 16], 4)
            })
        try Self.expectRefusal(
            #"{"model_type": "phi", "num_attention_heads": 2, "qk_layernorm": true}"#, in: phi, path: "$.qk_layernorm",
            "qk_layernorm is true")
        let phi3 = try CheckpointClassRulesTests.archive([
            ("model.layers.0.self_attn.qkv_proj.weight", "F32", [48, 16], 4),
            ("model.layers.0.self_attn.o_proj.weight", "F32", [16, 16], 4),
        ])
        for scaling in [
            #"{"rope_type": "linear", "factor": 2}"#,
            #"{"rope_type": "yarn", "factor": 2, "original_max_position_embeddings": 16}"#,
        ] {
            try Self.expectRefusal(
                #"{"model_type": "phi3", "num_attention_heads": 2, "rope_scaling": \#(scaling)}"#, in: phi3,
                path: "$.rope_scaling", "Phi-3 takes no RoPE scaling but longrope")
        }
    }

    // MARK: F4: the header's checks are inspect's

    /// What the header and config.json settle is refused by `refusal` (inspect) with the error
    /// reading gives: head counts and widths against the shapes, a missing tensor, a missing
    /// QK-norm gain, shapes of the other projections.
    @Test func theHeaderChecksAreMadeByInspectToo() throws {
        try Self.expectRefusal(
            #"{"model_type": "llama", "num_attention_heads": 4, "num_key_value_heads": 3}"#,
            "3 key/value heads of 4 do not make the key projection's 8 outputs")
        try Self.expectRefusal(
            #"{"model_type": "llama", "num_attention_heads": 2, "num_key_value_heads": 2}"#,
            "2 key/value heads of 8 do not make the key projection's 8 outputs")
        try Self.expectRefusal(
            #"{"model_type": "llama", "num_attention_heads": 2, "head_dim": 4}"#,
            "2 heads of 4 do not make the query projection's 16 outputs")
        let config = try Self.config(#"{"model_type": "llama", "num_attention_heads": 2}"#)
        let cases: [(any ArrayArchive, String)] = [
            (
                try CheckpointClassRulesTests.archive(
                    ["q_proj", "v_proj", "o_proj"].map {
                        ("model.layers.0.self_attn.\($0).weight", "F32", [16, 16], 4)
                    }),
                #"no tensor "model.layers.0.self_attn.k_proj.weight" for layer 0 (llama names)"#
            ),
            (
                try CheckpointClassRulesTests.archive(
                    [("q_proj", [16, 16]), ("k_proj", [8, 16]), ("v_proj", [16, 16]), ("o_proj", [16, 16])].map {
                        ("model.layers.0.self_attn.\($0.0).weight", "F32", $0.1, 4)
                    }),
                "v_proj.weight: shape 16 × 16, expected the key projection's shape = 8 × 16"
            ),
            (
                try CheckpointClassRulesTests.archive(
                    [("q_proj", [16, 16]), ("k_proj", [8, 16]), ("v_proj", [8, 16]), ("o_proj", [16, 8])].map {
                        ("model.layers.0.self_attn.\($0.0).weight", "F32", $0.1, 4)
                    }),
                "o_proj.weight: shape 16 × 8, expected d_model × τ·d_k = 16 × 16"
            ),
        ]
        for (archive, words) in cases {
            T.expectError(line: nil, column: nil, words) {
                try CheckpointLayer(archive: archive, layer: 0, config: config)
            }
            #expect(CheckpointLayer.refusal(archive: archive, config: config)?.description.contains(words) == true)
        }
        let qwen3 = try Self.config(#"{"model_type": "qwen3", "num_attention_heads": 2, "head_dim": 8}"#)
        let unnormed = try Self.llama()
        let words =
            #"no tensor "model.layers.0.self_attn.q_norm.weight" for layer 0: qwen3's attention normalises Q and K with it"#
        T.expectError(line: nil, column: nil, words) { try CheckpointLayer(archive: unnormed, layer: 0, config: qwen3) }
        #expect(
            CheckpointLayer.refusal(archive: unnormed, config: qwen3, layer: 0)?.description.contains(words) == true)
        let normed = try Self.llama(extra: [
            ("model.layers.0.self_attn.q_norm.weight", "F32", [8], 4),
            ("model.layers.0.self_attn.k_norm.weight", "F32", [2, 8], 4),
        ])
        let gains = try Self.llama(extra: [
            ("model.layers.0.self_attn.q_norm.weight", "F32", [8], 4),
            ("model.layers.0.self_attn.k_norm.weight", "F32", [8], 4),
        ])
        try Self.expectRefusal(
            #"{"model_type": "qwen3", "num_attention_heads": 2, "head_dim": 8, "rms_norm_eps": "1e-6"}"#, in: gains,
            path: "$.rms_norm_eps", #"expected a number ≥ 0, found "1e-6""#)
        let shape = "k_norm.weight: shape 2 × 8, expected a vector"
        T.expectError(line: nil, column: nil, shape) { try CheckpointLayer(archive: normed, layer: 0, config: qwen3) }
        #expect(CheckpointLayer.refusal(archive: normed, config: qwen3, layer: 0)?.description.contains(shape) == true)
        // Without config.json's τ, inspect leaves the shapes to run (which asks for --heads).
        #expect(CheckpointLayer.refusal(archive: unnormed, config: nil) == nil)
    }

    // MARK: s25: head_dim's class default, windowless sliding layers, undefined scaling

    /// Llama names whose heads are 12 wide (τ = 2, g = 1: W^q 24 × 16), not hidden_size / τ = 8.
    static func wideHeads() throws -> any ArrayArchive {
        let shapes = ["q_proj": [24, 16], "k_proj": [12, 16], "v_proj": [12, 16], "o_proj": [16, 24]]
        return try CheckpointClassRulesTests.archive(
            shapes.map { ("model.layers.0.self_attn.\($0.key).weight", "F32", $0.value, 4) })
    }

    /// Without head_dim, transformers' classes take hidden_size / num_attention_heads (Qwen3's
    /// 128): heads of another width are refused naming $.head_dim, as for Gemma and Phi-3.
    @Test(arguments: ["llama", "mistral", "qwen2", "smollm3", "granite"])
    func anAbsentHeadDimIsTheClasssDefault(_ type: String) throws {
        let wide = try Self.wideHeads()
        try Self.expectRefusal(
            #"{"model_type": "\#(type)", "num_attention_heads": 2, "num_key_value_heads": 1, "hidden_size": 16}"#,
            in: wide, path: "$.head_dim",
            "2 heads of 8 do not make the query projection's 24 outputs (config.json has no head_dim: hidden_size / num_attention_heads = 16 / 2 = 8"
        )
        let given = try Self.layer(#"{"model_type": "\#(type)", "num_attention_heads": 2, "head_dim": 12}"#, wide)
        #expect(given.headDim == 12 && given.kvHeads == 1)
        #expect(try Self.layer(#"{"model_type": "\#(type)", "num_attention_heads": 2}"#).headDim == 8)
    }

    @Test func qwen3sAbsentHeadDimIs128() throws {
        try Self.expectRefusal(
            #"{"model_type": "qwen3_moe", "num_attention_heads": 2}"#, in: try Self.wideHeads(), path: "$.head_dim",
            "2 heads of 8 do not make the query projection's 24 outputs (config.json has no head_dim: hidden_size / num_attention_heads = 16 / 2 = 8"
        )
        try Self.expectRefusal(
            #"{"model_type": "qwen3", "num_attention_heads": 2}"#, in: try Self.wideHeads(), path: "$.head_dim",
            "2 heads of 128 do not make the query projection's 24 outputs (config.json has no head_dim: Qwen3Config's default 128"
        )
    }

    /// A sliding layer with `"sliding_window": null` (or, for SmolLM3, none at all) has no
    /// window in transformers, which raises: refused naming $.sliding_window, as for Qwen2.
    @Test(arguments: [
        #"{"model_type": "gemma2", "num_attention_heads": 2, "head_dim": 8, "sliding_window": null}"#,
        #"{"model_type": "gemma3_text", "num_attention_heads": 2, "head_dim": 8, "sliding_window": null, "layer_types": ["sliding_attention", "full_attention"]}"#,
        #"{"model_type": "smollm3", "num_attention_heads": 2, "use_sliding_window": true, "sliding_window": null, "layer_types": ["sliding_attention", "full_attention"]}"#,
        #"{"model_type": "smollm3", "num_attention_heads": 2, "use_sliding_window": true, "layer_types": ["sliding_attention", "full_attention"]}"#,
    ])
    func aSlidingLayerWithoutAWindowIsRefused(_ json: String) throws {
        let archive = try json.contains("gemma3") ? Self.normed() : Self.llama()
        try Self.expectRefusal(
            json, in: archive, path: "$.sliding_window",
            "layer 0 is sliding_attention but transformers has no window for it")
        #expect(try Self.layer(json, archive, layer: 1).window == nil)  // the full layer is read
    }

    /// `llama()` with per-head QK-norm gains (Gemma 3's, Qwen3's).
    static func normed() throws -> any ArrayArchive {
        try llama(
            extra: (0..<2).flatMap { layer in
                ["q_norm", "k_norm"].map { ("model.layers.\(layer).self_attn.\($0).weight", "F32", [8], 4) }
            })
    }

    /// SmolLM3Model masks a listed sliding_attention layer by sliding_window even when
    /// use_sliding_window is false (checked against transformers 5.24, eager and sdpa); without
    /// layer_types, use_sliding_window decides.
    @Test func smolLM3sListedSlidingLayersAreWindowedWhateverUseSlidingWindowSays() throws {
        let listed = try Self.config(
            #"{"model_type": "smollm3", "use_sliding_window": false, "sliding_window": 3, "layer_types": ["sliding_attention", "full_attention"]}"#
        )
        #expect(try (0..<2).map { try CheckpointLayer.slidingWindow(listed, layer: $0) } == [3, nil])
        let unlisted = try Self.config(
            #"{"model_type": "smollm3", "use_sliding_window": false, "sliding_window": 3, "no_rope_layer_interval": 2}"#
        )
        #expect(try (0..<2).map { try CheckpointLayer.slidingWindow(unlisted, layer: $0) } == [nil, nil])
        let enabled = try Self.config(
            #"{"model_type": "smollm3", "use_sliding_window": true, "sliding_window": 3, "no_rope_layer_interval": 2}"#)
        #expect(try (0..<2).map { try CheckpointLayer.slidingWindow(enabled, layer: $0) } == [nil, 3])
    }

    /// RoPE-scaling values that leave the rule undefined: refused naming the key, the value as
    /// config.json spells it (inspect says the same).
    @Test(arguments: [
        (
            #"{"rope_type": "llama3", "factor": 8, "low_freq_factor": 4.0, "high_freq_factor": 4, "original_max_position_embeddings": 32}"#,
            "$.rope_parameters.low_freq_factor", "low_freq_factor must be below high_freq_factor (4), found 4"
        ),
        (
            #"{"rope_type": "linear", "factor": -2}"#, "$.rope_parameters.factor",
            "factor must be a positive number, found -2"
        ),
        (
            #"{"rope_type": "yarn", "factor": 0, "original_max_position_embeddings": 8}"#, "$.rope_parameters.factor",
            "factor must be a positive number, found 0"
        ),
        (
            #"{"rope_type": "yarn", "factor": 2, "original_max_position_embeddings": 8, "beta_fast": -1}"#,
            "$.rope_parameters.beta_fast", "beta_fast must be a positive number, found -1"
        ),
    ])
    func anUndefinedScalingIsRefusedNamingTheKey(_ rope: String, _ path: String, _ words: String) throws {
        try Self.expectRefusal(
            #"{"model_type": "llama", "num_attention_heads": 2, "rope_parameters": \#(rope)}"#, path: path, words)
    }

    /// Gemma 3 computes no soft-cap (transformers' Gemma3Attention never passes it on): the same
    /// layer as with null, and a warning when config.json gives a number.
    @Test func gemma3IgnoresItsSoftcap() throws {
        let base = #""model_type": "gemma3_text", "num_attention_heads": 2, "head_dim": 8"#
        let capped = try Self.layer("{\(base), \"attn_logit_softcapping\": 2.5}", Self.normed())
        let plain = try Self.layer("{\(base), \"attn_logit_softcapping\": null}", Self.normed())
        #expect(capped.softcap == nil && capped.configuration == plain.configuration)
        #expect(capped.warnings.contains { $0.contains("attn_logit_softcapping 2.5 is ignored") })
        #expect(plain.warnings.isEmpty)
    }

    /// Members the scaling rule does not read are ignored, as transformers ignores them, with
    /// a warning naming them.
    @Test func unreadScalingMembersAreNamed() throws {
        let layer = try Self.layer(
            #"{"model_type": "llama", "num_attention_heads": 2, "rope_parameters": {"rope_type": "default", "rope_theta": 5000, "factor": 2}}"#
        )
        #expect(layer.rope?.scaling == nil && layer.rope?.base == 5000)
        #expect(
            layer.warnings == [
                #"config.json's rope_parameters has factor, which rope_type "default" does not read: ignored, as transformers ignores it (it logs the key as unrecognized)"#
            ])
    }
}
