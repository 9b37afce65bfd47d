import MHACore

/// The declaration of `mha-cli decode` (DESIGN §4, the `decode` row).
extension DecodeCommand {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "decode",
        abstract: "Autoregressive decoding with a KV cache: each row of H in, its causal output row out, as it arrives.",
        discussion: """
        Reads H one row per line (CSV or TSV, from -x FILE or stdin) and writes each token's output row \
        as soon as its line is read, keeping the keys and values of earlier tokens: row i equals row i of \
        `run --causal` on all the rows. Rows already waiting are computed together as one block. With \
        --cache FILE.npz the cache is read from FILE if it exists and written back atomically at the end \
        (and on SIGINT or SIGTERM), so a pipeline can stop and resume; a cache made with other dimensions, \
        settings or weights is refused.
        """,
        options: [
            input, RunCommand.wq, RunCommand.wk, RunCommand.wv, RunCommand.wo, RunCommand.bq, RunCommand.bk,
            RunCommand.bv, RunCommand.bo, RunCommand.inProjection, RunCommand.weights, RunCommand.heads,
            RunCommand.kvHeads, RunCommand.scale, RunCommand.layout,
        ] + scoreOptions + [cache, format, RunCommand.precision, RunCommand.useFloat])

    static let input = Option<String>.file("input", short: "x", help: "H, one token per line (CSV or TSV; '-' or no -x reads stdin).")
    static let cache = Option<String>.file("cache", help: "A KV cache (.npz): continued from if the file exists, written back atomically at the end and on SIGINT/SIGTERM.")
    static let format = Option<DecodeFormat>.choice("format", "format", help: "csv: one output row per line; json: JSON Lines {\"token\": i, \"output\": [...]}, i the absolute position.", default: "csv")

    // The score options of DESIGN §4, spelt as `run` spells them (shared declarations once
    // `run` has them on main).
    static let rope = Option<RotaryEmbedding.Convention>.choice(
        "rope", "pairs",
        help: "Rotary position embedding on each head's Q_j and K_j: half pairs dimension i with i + R/2 (Hugging Face Llama), interleaved pairs 2i with 2i+1 (GPT-J).")
    static let ropeBase = Option<Double>(
        .value("rope-base", "b", help: "RoPE's base: pair i turns by position · b^(−2i/R).", default: "10000"),
        convert: { text, spec throws(UsageError) in try positive(text, spec) })
    static let ropeDims = Option<Int>(
        .value("rope-dims", "R", help: "Rotate only the first R dimensions of each head (partial rotary); even, at most d_k.", default: "d_k"),
        convert: { text, spec throws(UsageError) in
            guard let value = Int(text), value > 0, value % 2 == 0 else {
                throw spec.invalid(text, "expected a positive even integer (dimensions turn in pairs)")
            }
            return value
        })
    static let positionOffset = Option<Int>.integer(
        "position-offset", "p", minimum: 0,
        help: "The position of the first token of a new cache (a continued sequence).", default: "0")
    static let alibi = Flag("alibi", help: "ALiBi: add −m_j·(query position − key position) to head j's scores (Press et al., BLOOM).")
    static let window = Option<Int>.integer(
        "window", "w", minimum: 1,
        help: "Sliding window of W keys: token i sees tokens i−W+1 … i (Mistral); the cache keeps only W − 1 tokens.")
    static let softcap = Option<Double>(
        .value("softcap", "c", help: "Soft-cap the scores: s ← c·tanh(s / c), after scaling and before masks (Gemma 2)."),
        convert: { text, spec throws(UsageError) in try positive(text, spec) })
    static let headDim = Option<Int>.integer(
        "head-dim", "k", minimum: 1,
        help: "d_k, each head's width when it is not d_model/τ: W^q is d_model × τ·k, W^o is τ·k × d_out.",
        default: "d_model/τ")

    static let scoreOptions: [any DeclaredOption] = [rope, ropeBase, ropeDims, positionOffset, alibi, window, softcap, headDim]

    /// A positive finite number.
    private static func positive(_ text: String, _ spec: OptionSpec) throws(UsageError) -> Double {
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw spec.invalid(text, "expected a positive finite number")
        }
        return value
    }
}

/// What `decode` writes per token.
enum DecodeFormat: String, CaseIterable, Sendable {
    /// The output row as CSV.
    case csv
    /// One JSON object per line: `{"token": i, "output": [...]}`.
    case json
}
