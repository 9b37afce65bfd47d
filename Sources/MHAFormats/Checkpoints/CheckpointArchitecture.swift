import MHACore

/// The model families whose attention layers `--checkpoint` reads, each with its tensor names
/// (per layer L, after an optional model prefix such as `transformer.`, `bert.`, `model.`):
///
/// - `gpt2`: `h.L.attn.c_attn.weight` (d × 3d, packed [W^q | W^k | W^v], xw layout) and its
///   bias, `h.L.attn.c_proj.weight`/`.bias` (xw).
/// - `bert`: `encoder.layer.L.attention.self.query|key|value.weight`/`.bias` and
///   `encoder.layer.L.attention.output.dense.weight`/`.bias` (PyTorch layout).
/// - `llama` (also Mistral, Mixtral, Qwen2, Qwen3, OLMo 2, Gemma, Gemma 2, Gemma 3, Granite,
///   StarCoder2, SmolLM3):
///   `layers.L.self_attn.q_proj|k_proj|v_proj|o_proj.weight` (PyTorch layout), optional q/k/v/o
///   biases, grouped-query heads, RoPE (`rotate_half`); Qwen3's, OLMo 2's and Gemma 3's QK-norm gains
///   `q_norm.weight`, `k_norm.weight`.
/// - `gpt_neox` (Pythia): `layers.L.attention.query_key_value.weight` (3d × d, PyTorch layout,
///   [q | k | v] of each head in turn) and its bias, `layers.L.attention.dense.weight`/`.bias`,
///   partial RoPE (`rotate_half` on `rotary_pct` of each head, 0.25 by default).
/// - `opt`: `decoder.layers.L.self_attn.q_proj|k_proj|v_proj|out_proj.weight`/`.bias` (PyTorch
///   layout), no RoPE (OPT's positions are learned embeddings, added before attention).
/// - `phi` (Phi-1, 1.5, 2): `layers.L.self_attn.q_proj|k_proj|v_proj|dense.weight`/`.bias`,
///   partial RoPE (`rotate_half` on `partial_rotary_factor` of each head, 0.5 by default).
/// - `phi3` (Phi-3, Phi-3.5, Phi-4-mini): `layers.L.self_attn.qkv_proj.weight` ((τ + 2g)·d_k × d,
///   PyTorch layout, rows [W^q; W^k; W^v]) and `o_proj`, no biases, partial RoPE
///   (`partial_rotary_factor`, default 1), the window `sliding_window` on every layer.
/// - `bloom`: `h.L.self_attention.query_key_value` packed per head as GPT-NeoX's, `dense`;
///   ALiBi with BLOOM's slopes.
/// - `distilbert`: `transformer.layer.L.attention.q_lin|k_lin|v_lin|out_lin.weight`/`.bias`,
///   bidirectional.
public enum CheckpointArchitecture: String, CaseIterable, Sendable {
    case gpt2, bert, llama
    case gptNeox = "gpt_neox"
    case opt, phi, phi3, bloom, distilbert

    /// The `model_type`s of config.json each family covers exactly (attention as read here).
    static let modelTypes: [CheckpointArchitecture: Set<String>] = [
        .gpt2: ["gpt2"], .bert: ["bert", "roberta", "xlm-roberta", "camembert", "electra"],
        .llama: [
            "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "olmo2", "gemma", "gemma2",
            "gemma3_text", "granite", "granitemoe", "granitemoeshared", "starcoder2", "smollm3",
        ],
        .gptNeox: ["gpt_neox"], .opt: ["opt"], .phi: ["phi"], .phi3: ["phi3"], .bloom: ["bloom"],
        .distilbert: ["distilbert"],
    ]

    /// The architecture a `model_type` names, if it is one of these families.
    public init?(modelType: String) {
        guard let match = Self.modelTypes.first(where: { $0.value.contains(modelType) }) else { return nil }
        self = match.key
    }

    /// The tensor name (without prefix) of layer `layer`'s `part` (`query.weight`, …).
    func name(_ part: Part, layer: Int) -> String {
        let names = projections
        let tail: String
        switch part {
        case .query: tail = names.query
        case .key: tail = names.key
        case .value: tail = names.value
        case .output: tail = names.output
        }
        return block(layer: layer) + tail
    }

    /// The names of layer `layer`'s attention block up to its projections' (`layers.3.self_attn.`).
    func block(layer: Int) -> String { layerStem + "\(layer)." + projections.block }

    /// What follows the layer number: the attention block, then each projection's name (a
    /// packed projection names one tensor for Q, K and V).
    var projections: (block: String, query: String, key: String, value: String, output: String) {
        switch self {
        case .gpt2: return ("attn.", "c_attn", "c_attn", "c_attn", "c_proj")
        case .bert: return ("attention.", "self.query", "self.key", "self.value", "output.dense")
        case .llama: return ("self_attn.", "q_proj", "k_proj", "v_proj", "o_proj")
        case .opt: return ("self_attn.", "q_proj", "k_proj", "v_proj", "out_proj")
        case .phi: return ("self_attn.", "q_proj", "k_proj", "v_proj", "dense")
        case .gptNeox: return ("attention.", "query_key_value", "query_key_value", "query_key_value", "dense")
        case .bloom: return ("self_attention.", "query_key_value", "query_key_value", "query_key_value", "dense")
        case .distilbert: return ("attention.", "q_lin", "k_lin", "v_lin", "out_lin")
        case .phi3: return ("self_attn.", "qkv_proj", "qkv_proj", "qkv_proj", "o_proj")
        }
    }

    /// Whether the family's attention rotates Q and K (RoPE): Llama's, GPT-NeoX's, Phi's.
    var rotates: Bool { [.llama, .gptNeox, .phi, .phi3].contains(self) }

    /// The four projections of an attention layer.
    enum Part: CaseIterable {
        case query, key, value, output
    }

    /// The first part of the layer-0 query weight's name before the layer number, by which
    /// the family is recognised: `h.`, `encoder.layer.`, `layers.`.
    var layerStem: String {
        switch self {
        case .gpt2, .bloom: return "h."
        case .distilbert: return "transformer.layer."
        case .bert: return "encoder.layer."
        case .llama, .gptNeox, .opt, .phi, .phi3: return "layers."
        }
    }

    /// What follows the layer number in the query weight's name.
    var queryTail: String { String(name(.query, layer: 0).dropFirst(layerStem.count + 2)) + ".weight" }
}

/// An architecture recognised in a checkpoint's names: the family, the model prefix and the
/// attention layers present.
public struct RecognisedCheckpoint: Sendable, Equatable {
    /// The family.
    public let architecture: CheckpointArchitecture
    /// What precedes the family's names (`transformer.`, `model.`, or empty).
    public let prefix: String
    /// The layer numbers with an attention query weight, ascending.
    public let layers: [Int]

    /// The family and layers of `names`, or nil when no family's attention names appear.
    /// With `architecture`, only that family is looked for.
    public static func recognise(_ names: [String], as architecture: CheckpointArchitecture? = nil)
        -> RecognisedCheckpoint?
    {
        let candidates = architecture.map { [$0] } ?? CheckpointArchitecture.allCases
        for family in candidates {
            var found: [String: Set<Int>] = [:]
            for name in names where name.hasSuffix(family.queryTail) {
                let head = name.dropLast(family.queryTail.count + 1)  // "prefix" + stem + "L"
                guard let dot = head.lastIndex(of: "."), let layer = Int(head[head.index(after: dot)...]), layer >= 0
                else { continue }
                let beforeLayer = head[...dot]
                guard beforeLayer.hasSuffix(family.layerStem) else { continue }
                let prefix = String(beforeLayer.dropLast(family.layerStem.count))
                guard prefix.isEmpty || prefix.hasSuffix(".") else { continue }
                found[prefix, default: []].insert(layer)
            }
            // Families that share the query's name (Llama's, OPT's and Phi's q_proj) differ in
            // the output projection's: a candidate counts only with its own.
            let present = Set(names)
            found = found.filter { prefix, layers in
                layers.min().map { present.contains(prefix + family.name(.output, layer: $0) + ".weight") } ?? false
            }
            if let best = found.min(by: { ($0.key.count, $0.key) < ($1.key.count, $1.key) }) {
                return RecognisedCheckpoint(architecture: family, prefix: best.key, layers: best.value.sorted())
            }
        }
        return nil
    }
}
