import MHACore
import MHAFormats

/// The declaration of `mha-cli run`: every option of docs/contract.md (§3 and §4).
extension RunCommand {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "run",
        abstract: "Compute multi-head attention and print heads, shapes and the projected result.",
        discussion: """
            H (n × d_model) is projected to Q = H·W^q + b^q, K, V; head j = 1…τ uses columns (j−1)·d_k ..< j·d_k \
            and computes softmax(Q_j·K_jᵀ·scale + mask)·V_j; output = [head_1 | … | head_τ]·W^o + b^o. \
            Heads are numbered 1…τ everywhere; tokens (rows of H, --token, mask rows and columns, heatmap labels) 0…n−1. \
            Matrices are read from .csv, .tsv, .json or .npy files, or one array of an .npz or .safetensors \
            file as FILE:NAME ('-' reads stdin, format sniffed; -:NAME picks from an archive on stdin); options \
            given on the command line override \
            the values of a --bundle or --checkpoint.

            With -m, --memory M keys and values come from M (cross-attention). Positions: keys are at \
            0…n_k−1 and query row i at n_k − n_q + i (plus --position-offset), so --causal with n_q ≠ n_k \
            is aligned at the end (query row i sees keys 0 … i + n_k − n_q, Hugging Face's KV-cache \
            convention); PyTorch SDPA's is_causal aligns at the start instead. Per head: \
            s = (Q_j·K_jᵀ)·scale → soft-cap → + ALiBi → masks (causal, window, --mask) → softmax → ·V_j; \
            RoPE turns Q_j and K_j first. A 3-D .npy input (B × n × d_model) runs as a batch of B \
            sequences with the same weights (a 3-D memory or mask gives one per sequence).
            """,
        options: [
            input, memory, wq, wk, wv, wo, bq, bk, bv, bo, bundle, weights, heads, kvHeads, causal, noCausal, mask,
            scale, token, layout, inProjection, qkv, qkvBias, inProjectionBias,
        ] + ScoreOptions.declarations + [gq, gk] + [
            format, show, precision, useFloat, output, steps, heatmap, heatmapScale, tokens, noColor, full, checkpoint,
            layer, arch,
            config,
        ])

    static let input = Option<String>.file(
        "input", short: "x", help: "H, n × d_model, one token per row ('-' reads stdin).")
    static let memory = Option<String>.file(
        "memory", short: "m",
        help:
            "Cross-attention: M, n_k × d_mem, the sequence keys and values come from (K = M·W^k + b^k, V = M·W^v + b^v; W^k, W^v are d_mem × kv_heads·d_k, PyTorch's kdim/vdim); masks are n × n_k."
    )
    static let wq = Option<String>.file("wq", help: "W^q, d_model × τ·d_k (d_model × d_model unless --head-dim).")
    static let wk = Option<String>.file("wk", help: "W^k, d_model × kv_heads·d_k (d_mem rows with --memory).")
    static let wv = Option<String>.file("wv", help: "W^v, d_model × kv_heads·d_k (d_mem rows with --memory).")
    /// `--wk` and `--wv` worded for commands without `--memory` (decode, check).
    static let selfAttentionWK = wk.reworded("W^k, d_model × kv_heads·d_k.")
    static let selfAttentionWV = wv.reworded("W^v, d_model × kv_heads·d_k.")
    static let selfAttentionKeyValueWeights = [selfAttentionWK, selfAttentionWV]
    static let wo = Option<String>.file("wo", help: "W^o, τ·d_k × d_out.")
    static let bq = Option<String>.file("bq", help: "Bias b^q, a row of τ·d_k values (d_model unless --head-dim).")
    static let bk = Option<String>.file("bk", help: "Bias b^k, a row of kv_heads·d_k values.")
    static let bv = Option<String>.file("bv", help: "Bias b^v, a row of kv_heads·d_k values.")
    static let bo = Option<String>.file("bo", help: "Bias b^o, a row of d_out values.")
    static let gq = Option<String>.file(
        "gq", help: "γ^q, the QK-norm's gain on Q: a row of d_k values (--qk-norm head) or τ·d_k (projection).")
    static let gk = Option<String>.file(
        "gk", help: "γ^k, the QK-norm's gain on K: a row of d_k values (--qk-norm head) or kv_heads·d_k (projection).")
    static let bundle = Option<String>.file(
        "bundle",
        help:
            "A JSON object (or an .npz of arrays named like its matrix keys) with any of x, memory, wq, wk, wv, wo, bq, bk, bv, bo, mask, in_proj, qkv, qkv_bias, in_proj_bias, gq, gk, heads, kv_heads, head_dim, causal, scale, token, layout, rope, rope_base, rope_dims, rope_scaling, position_offset, alibi, window, softcap, mask_kind, qk_norm, qk_norm_eps ('-' reads stdin)."
    )
    static let weights = Option<RunOptions.WeightFill>(
        .value(
            "weights", "fill",
            help:
                "Fill weights that are not given: identity, or random[:SEED] (uniform in [-1, 1) scaled by 1/√d_model). Without it a missing weight is an error.",
            completion: .words(["identity", "random"])),
        convert: { text, spec throws(UsageError) in try RunOptions.WeightFill(text, spec) })
    static let heads = Option<Int>.integer(
        "heads", "n", minimum: 1,
        help: "τ, the number of attention heads; must divide d_model (attend: Q's width) unless --head-dim.",
        default: "1, or the bundle's or checkpoint's")
    static let kvHeads = Option<Int>.integer(
        "kv-heads", "g", minimum: 1, help: "Key/value heads for grouped-query attention; must divide τ.", default: "τ")
    static let causal = Flag(
        "causal",
        help:
            "Token i attends to tokens 0…i only; with n_q ≠ n_k aligned at the end (row i sees keys 0 … i + n_k − n_q), unlike PyTorch SDPA's is_causal, which aligns at the start."
    )
    static let noCausal = Flag(
        "no-causal",
        help: "Not causal, even if the bundle says \"causal\": true or the checkpoint's layer is a decoder's.")
    static let mask = Option<String>.file(
        "mask",
        help:
            "n × n_k matrix (a 1 × n_k key-padding row is broadcast to every query; B × n × n_k per batch), read as --mask-kind says: by default 1 = may attend, 0 = blocked."
    )
    static let scale = Option<Double>.number("scale", "s", help: "Factor applied to Q_j·K_jᵀ.", default: "1/√d_k")
    static let token = Option<Int>.integer(
        "token", "i", minimum: 0, help: "Compute only query row i (0-based); with --causal the autoregressive step.")
    static let layout = Option<WeightLayout>.choice(
        "layout", "layout", help: "Weight layout: xw is H·W (in × out), torch is PyTorch's out × in.", default: "xw",
        values: [.xw, .torch])
    static let inProjection = Option<String>.file(
        "in-proj",
        help:
            "PyTorch's packed in_proj_weight (3·d_model × d_model) instead of --wq --wk --wv; always PyTorch's out × in whatever --layout says, while --wo follows --layout."
    )
    static let qkv = Option<String>.file(
        "qkv",
        help:
            "A packed [W^q | W^k | W^v] in the xw layout, d_model × (τ·d_k + 2·kv_heads·d_k) (GPT-2's c_attn.weight), instead of --wq --wk --wv."
    )
    static let qkvBias = Option<String>.file(
        "qkv-bias",
        help:
            "The packed [b^q | b^k | b^v], τ·d_k + 2·kv_heads·d_k values (GPT-2's c_attn.bias), split as the weights are; instead of --bq --bk --bv."
    )
    static let inProjectionBias = Option<String>.file(
        "in-proj-bias", help: "PyTorch's in_proj_bias: the same packed [b^q | b^k | b^v] as --qkv-bias.")
    static let format = Option<OutputFormat>.choice(
        "format", "format",
        help:
            "Output format; csv, tsv and npy hold one matrix, npz every shown part. -o FILE picks it by extension (.json, .csv, .tsv, .npy, .npz, .tex for latex, .md for markdown, .svg).",
        default: "text, or -o's extension")
    static let show = Option<[String]>.list(
        "show", "parts", allowed: Part.allCases.map(\.rawValue),
        help: "Comma list of the parts to print: qkv, scores, weights, heads, concat, output.",
        default: "heads,concat,output")
    static let precision = Option<Int>.integer(
        "precision", "n", in: 0...17,
        help:
            "Decimals (0…17) in text, csv, tsv, latex, markdown and svg output and in a --heatmap FILE.svg's tooltips; text switches to scientific notation for values ≥ 1e6 or all below 10^-n; csv and tsv without it print shortest round-trip numbers; refused with json, npy and npz, which hold the values exactly.",
        default: "4, shortest round-trip in csv and tsv")
    static let useFloat = Flag("float", help: "Compute in single precision (double by default).")
    static let output = Option<String>.outputFile(
        "output", short: "o",
        help:
            "Write the result to a file, atomically ('-' is stdout); its extension picks the format: .json, .csv, .tsv, .npy, .npz, .tex (latex), .md (markdown), .svg; any other is --format's (text by default)."
    )
    static let steps = Flag("steps", help: "Print every step in order with its shape and values.")
    static let heatmap = Option<HeatmapTarget>(
        .value(
            "heatmap", "file.svg",
            help:
                "Show each head's attention weights as a terminal heatmap, or with a FILE.svg write them all as one SVG picture (labels, legend, each value in a tooltip).",
            completion: .file
        )
        .withOptionalValue(
            emptyRefused:
                "expected a file name ending in .svg (an empty value names no file); give --heatmap alone for the terminal heatmap"
        ), convert: { text, spec throws(UsageError) in try HeatmapTarget(text, spec) })
    static let heatmapScale = Option<HeatmapScale>.choice(
        "heatmap-scale", "scale",
        help:
            "Heatmap shades: head spans 0…each head's largest weight; absolute spans 0…1 for every head, so heads compare.",
        default: "head")
    static let tokens = Option<[String]>.names(
        "tokens", "names", help: #"Comma list of names for the token rows and columns (a comma inside a name is \,)."#)
    static let noColor = Flag(
        "no-color", help: "No ANSI colour even on a terminal (a non-empty NO_COLOR, or TERM=dumb, does the same).")
    static let checkpoint = Option<String>.file(
        "checkpoint",
        help:
            "A model's .safetensors (or .npz): take layer --layer's attention weights, biases, layout, τ, g, d_k, scale, causal mask and RoPE from it and its config.json; flags still win."
    )
    static let layer = Option<Int>.integer(
        "layer", "L", minimum: 0, help: "The attention layer of --checkpoint to read (0-based).")
    static let arch = Option<String>(
        .value(
            "arch", "family",
            help:
                "The checkpoint's architecture: auto (config.json's model_type, else the tensor names), gpt2, bert (BERT family), llama (Llama, Mistral, Mixtral, Qwen2 and Qwen3 (and their MoE), OLMo 2, Gemma 1–3, Granite, StarCoder2, SmolLM3), gpt_neox (Pythia), opt, phi (Phi-1, 2), phi3 (Phi-3, Phi-4-mini), bloom or distilbert.",
            default: "auto", values: ["auto"] + CheckpointArchitecture.allCases.map(\.rawValue))
    ) { text, spec throws(UsageError) in
        guard text == "auto" || CheckpointArchitecture(rawValue: text) != nil else {
            throw spec.invalid(
                text, "expected one of auto, " + CheckpointArchitecture.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        return text
    }
    static let config = Option<String>.string(
        "config", "file", help: "The checkpoint's config.json (default: config.json beside --checkpoint).",
        completion: .file)
    static let full = Flag(
        "full",
        help:
            "Print whole matrices instead of eliding the middle of large ones, in text, latex and markdown (the other formats always hold every value, and refuse it)."
    )
}

/// The output formats of every command that prints results (`shapes` and `bench` accept
/// text and json).
enum OutputFormat: String, CaseIterable, Sendable {
    /// Aligned tables with shapes, for people.
    case text
    /// One JSON object with the keys of docs/contract.md, for jq.
    case json
    /// One bare matrix, for the next tool.
    case csv
    /// One bare matrix, tab-separated.
    case tsv
    /// One matrix as a NumPy `.npy` file (binary).
    case npy
    /// Every shown part as a NumPy `.npz` archive (binary): `output`, `concat`, `head_1`…
    case npz
    /// A LaTeX document: each shown part as a captioned bmatrix.
    case latex
    /// Markdown: each shown part as a table.
    case markdown
    /// Every head's weights as one SVG picture.
    case svg
}

/// Where `--heatmap` draws: the terminal, or an SVG file.
enum HeatmapTarget: Equatable, Sendable {
    /// `--heatmap` alone.
    case terminal
    /// `--heatmap FILE.svg`.
    case svg(path: String)

    /// Nothing (the terminal) or a path ending in `.svg`.
    init(_ text: String, _ option: OptionSpec) throws(UsageError) {
        if text.isEmpty {
            self = .terminal
        } else if text.lowercased().hasSuffix(".svg") {
            self = .svg(path: text)
        } else {
            throw option.invalid(text, "expected a file ending in .svg, or nothing for the terminal heatmap")
        }
    }
}

/// What the heatmap's shades span (`--heatmap-scale`).
enum HeatmapScale: String, CaseIterable, Sendable {
    /// 0…each head's largest weight (the default).
    case head
    /// 0…1 for every head.
    case absolute
}

/// The parts of a forward pass `--show` can name.
enum Part: String, CaseIterable, Sendable {
    case qkv, scores, weights, heads, concat, output
}
