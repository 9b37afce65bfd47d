import MHACore

/// The declaration of `mha-cli decode` (DESIGN §4, the `decode` row).
extension DecodeCommand {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "decode",
        abstract:
            "Autoregressive decoding with a KV cache: each row of H in, its causal output row out, as it arrives.",
        discussion: """
            Reads H one row per line (CSV or TSV, from -x FILE or stdin) and writes each token's output row \
            as soon as its line is read, keeping the keys and values of earlier tokens: row i equals row i of \
            `run --causal` on all the rows. Rows already waiting are computed together as one block. With \
            --cache FILE.npz the cache is read from FILE if it exists and written back atomically at the end \
            (and on SIGINT, SIGTERM, SIGHUP, SIGALRM or SIGXCPU, after the block in progress, even while \
            stdout waits for a reader that is not reading), so a pipeline can stop and resume; a cache made with other dimensions, \
            settings or key and value weights (W^k, W^v, their biases, the key norm) is refused. With --checkpoint FILE --layer L the layer's weights, biases, layout, \
            τ, g, d_k, scale, RoPE and window come from the checkpoint and its config.json, exactly as for run \
            (flags still win); the rows are the hidden states the attention block receives.
            """,
        options: [
            input, RunCommand.wq, RunCommand.selfAttentionWK, RunCommand.selfAttentionWV, RunCommand.wo, RunCommand.bq,
            RunCommand.bk,
            RunCommand.bv, RunCommand.bo, RunCommand.inProjection, RunCommand.qkv, RunCommand.qkvBias,
            RunCommand.inProjectionBias, RunCommand.gq, RunCommand.gk, RunCommand.weights, heads,
            RunCommand.kvHeads, RunCommand.scale, RunCommand.layout,
        ] + scoreOptions + [
            cache, format, precision, RunCommand.useFloat, RunCommand.checkpoint, RunCommand.layer,
            RunCommand.arch, RunCommand.config,
        ])

    static let input = Option<String>.file(
        "input", short: "x", help: "H, one token per line (CSV or TSV; '-' or no -x reads stdin).")
    static let cache = Option<String>.file(
        "cache",
        help:
            "A KV cache (.npz): continued from if the file exists, written back atomically at the end and on SIGINT, SIGTERM, SIGHUP, SIGALRM or SIGXCPU."
    )
    static let format = Option<DecodeFormat>.choice(
        "format", "format",
        help:
            "csv: one output row per line; json: JSON Lines {\"token\": i, \"output\": [...]}, i the absolute position.",
        default: "csv")
    static let heads = Option<Int>.integer(
        "heads", "n", minimum: 1, help: "τ, the number of attention heads; must divide d_model unless --head-dim.",
        default: "1, or the checkpoint's")
    static let precision = Option<Int>.integer(
        "precision", "n", in: 0...17,
        help: "Decimals in csv output (0…17); not with --format json, which prints shortest round-trip numbers.",
        default: "shortest round-trip")

    // The score options of DESIGN §4: run's declarations, but for the two whose meaning
    // decode's cache refines (where a new cache starts, what a window keeps).
    static let rope = ScoreOptions.ropeOption
    static let ropeBase = ScoreOptions.ropeBaseOption
    static let ropeDims = ScoreOptions.ropeDimsOption
    static let ropeScaling = ScoreOptions.ropeScalingOption
    static let alibi = ScoreOptions.alibiFlag
    static let softcap = ScoreOptions.softcapOption
    static let headDim = ScoreOptions.headDimOption
    static let positionOffset = Option<Int>.integer(
        "position-offset", "p", minimum: 0,
        help: "The position of the first token of a new cache (a continued sequence).", default: "0")
    static let window = Option<Int>.integer(
        "window", "w", minimum: 1,
        help: "Sliding window of W keys: token i sees tokens i−W+1 … i (Mistral); the cache keeps only W − 1 tokens.")

    static let scoreOptions: [any DeclaredOption] = [
        rope, ropeBase, ropeDims, ropeScaling, positionOffset, alibi, window, softcap, headDim,
        ScoreOptions.qkNormOption, ScoreOptions.qkNormEpsilonOption,
    ]
}

/// What `decode` writes per token.
enum DecodeFormat: String, CaseIterable, Sendable {
    /// The output row as CSV.
    case csv
    /// One JSON object per line: `{"token": i, "output": [...]}`.
    case json
}
