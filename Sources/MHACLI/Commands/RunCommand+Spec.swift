/// The declaration of `mha-cli run`: every option of DESIGN §3.
extension RunCommand {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "run",
        abstract: "Compute multi-head attention and print heads, shapes and the projected result.",
        discussion: """
        H (n × d_model) is projected to Q = H·W^q + b^q, K, V; head j uses columns j·d_k ..< (j+1)·d_k \
        and computes softmax(Q_j·K_jᵀ·scale + mask)·V_j; output = [head_1 | … | head_τ]·W^o + b^o. \
        Matrices are read from .csv, .tsv, .json or .npy files ('-' reads stdin, format sniffed); \
        options given on the command line override the values of a --bundle.
        """,
        options: [
            .value("input", short: "x", "file", help: "H, n × d_model, one token per row ('-' reads stdin).", completion: .file),
            .value("wq", "file", help: "W^q, d_model × d_model.", completion: .file),
            .value("wk", "file", help: "W^k, d_model × kv_heads·d_k.", completion: .file),
            .value("wv", "file", help: "W^v, d_model × kv_heads·d_k.", completion: .file),
            .value("wo", "file", help: "W^o, τ·d_k × d_out.", completion: .file),
            .value("bq", "file", help: "Bias b^q, a row of d_model values.", completion: .file),
            .value("bk", "file", help: "Bias b^k, a row of kv_heads·d_k values.", completion: .file),
            .value("bv", "file", help: "Bias b^v, a row of kv_heads·d_k values.", completion: .file),
            .value("bo", "file", help: "Bias b^o, a row of d_out values.", completion: .file),
            .value("bundle", "file", help: "A JSON object with any of x, wq, wk, wv, wo, bq, bk, bv, bo, mask, in_proj, heads, kv_heads, causal, scale, token, layout ('-' reads stdin).", completion: .file),
            .value("weights", "fill", help: "Fill weights that are not given: identity, or random[:SEED] (uniform in [-1, 1) scaled by 1/√d_model). Without it a missing weight is an error.", completion: .words(["identity", "random"])),
            .value("heads", "n", help: "τ, the number of attention heads; must divide d_model.", default: "1, or the bundle's"),
            .value("kv-heads", "g", help: "Key/value heads for grouped-query attention; must divide τ.", default: "τ"),
            .flag("causal", help: "Token i attends to tokens 0…i only."),
            .value("mask", "file", help: "n × n matrix: 1 = may attend, 0 = blocked.", completion: .file),
            .value("scale", "s", help: "Factor applied to Q_j·K_jᵀ.", default: "1/√d_k"),
            .value("token", "i", help: "Compute only query row i (0-based); with --causal the autoregressive step."),
            .value("layout", "layout", help: "Weight layout: xw is H·W (in × out), torch is PyTorch's out × in.", default: "xw", values: ["xw", "torch"]),
            .value("in-proj", "file", help: "PyTorch's packed in_proj_weight (3·d_model × d_model) instead of --wq --wk --wv.", completion: .file),
            .value("format", "format", help: "Output format; csv prints one matrix.", default: "text", values: OutputFormat.allCases.map(\.rawValue)),
            .value("show", "parts", help: "Comma list of the parts to print: qkv, scores, weights, heads, concat, output.", default: "heads,concat,output", completion: .words(Part.allCases.map(\.rawValue))),
            .value("precision", "n", help: "Decimals in text and csv output (0…17); json prints shortest round-trip numbers.", default: "4"),
            .flag("float", help: "Compute in single precision (double by default)."),
            .value("output", short: "o", "file", help: "Write the result to a file, atomically ('-' is stdout).", completion: .file),
            .flag("steps", help: "Print every step in order with its shape and values."),
            .flag("heatmap", help: "Show each head's attention weights as a terminal heatmap."),
            .value("tokens", "names", help: "Comma list of names for the token rows and columns."),
            .flag("no-color", help: "No ANSI colour even on a terminal (NO_COLOR does the same)."),
            .flag("full", help: "Print whole matrices instead of eliding the middle of large ones."),
        ])
}

/// The output formats of `run`.
enum OutputFormat: String, CaseIterable, Sendable {
    /// Aligned tables with shapes, for people.
    case text
    /// One JSON object with the keys of DESIGN §3, for jq.
    case json
    /// One bare matrix, for the next tool.
    case csv
}

/// The parts of a forward pass `--show` can name.
enum Part: String, CaseIterable, Sendable {
    case qkv, scores, weights, heads, concat, output
}
