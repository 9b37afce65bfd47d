import MHACore
import MHAFormats

/// `mha-cli shapes`: the dimension calculator (no data).
struct ShapesCommand: Command {
    /// The declaration that parsing, help and completions read.
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
            .flag("explain", help: "Write out the arithmetic step by step."),
        ])

    /// The dimension question.
    let query: ShapeQuery
    /// `--format json`.
    let json: Bool
    /// `--explain`.
    let explain: Bool

    init(_ arguments: ParsedArguments) throws {
        // Zero and negative values reach the calculator, whose message explains them.
        query = ShapeQuery(modelDim: try arguments.integer("d-model"),
                           heads: try arguments.integer("heads"),
                           headDim: try arguments.integer("head-dim"),
                           kvHeads: try arguments.integer("kv-heads"),
                           seqLen: try arguments.integer("seq-len"))
        json = arguments.string("format") == "json"
        explain = arguments.flag("explain")
    }

    func run() throws -> CommandOutput {
        let report = try ShapeCalculator.solve(query)
        if json {
            return CommandOutput(text: ShapesReport.json(report, explanation: explain ? ShapeExplanation.lines(for: report, given: query) : nil).serialized() + "\n")
        }
        var lines = ShapesReport.text(report)
        if explain { lines += ["", "the arithmetic, step by step:"] + ShapeExplanation.lines(for: report, given: query).map { "  " + $0 } }
        return CommandOutput(text: lines.joined(separator: "\n") + "\n")
    }
}
