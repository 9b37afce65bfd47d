import MHACore

/// `mha-cli shapes`: the dimension calculator (no data).
struct ShapesCommand: Command {
    static let spec = CommandSpec(
        name: "shapes",
        abstract: "Dimension calculator: every tensor's shape, parameter counts and FLOPs (no data).",
        discussion: """
        Any two of --d-model, --heads, --head-dim give the third (d_model = τ·d_k). Without --seq-len \
        the token count stays the symbol n.
        """,
        options: [
            .value("d-model", "d", help: "Model width d_model."),
            .value("heads", "t", help: "τ, the number of heads."),
            .value("head-dim", "k", help: "d_k, the width of one head."),
            .value("kv-heads", "g", help: "Key/value heads (grouped-query attention).", default: "τ"),
            .value("seq-len", "n", help: "n, the number of tokens.", default: "the symbol n"),
            .value("format", "format", help: "Output format.", default: "text", values: ["text", "json"]),
            .flag("explain", help: "Explain each shape step by step."),
        ])

    init(_ arguments: ParsedArguments) throws {}

    func run() throws -> CommandOutput {
        throw UsageError.invalidRequest("shapes is not wired yet")
    }
}
