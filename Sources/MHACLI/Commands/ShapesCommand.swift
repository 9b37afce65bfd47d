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
        options: [modelDim, heads, headDim, kvHeads, seqLen, format, explainFlag, claim])

    // Zero and negative values reach the calculator, whose message explains them.
    static let modelDim = Option<Int>.integer("d-model", "d", help: "Model width d_model.")
    static let heads = Option<Int>.integer("heads", "t", help: "τ, the number of heads.")
    static let headDim = Option<Int>.integer("head-dim", "k", help: "d_k, the width of one head.")
    static let kvHeads = Option<Int>.integer("kv-heads", "g", help: "Key/value heads (grouped-query attention).", default: "τ")
    static let seqLen = Option<Int>.integer("seq-len", "n", help: "n, the number of tokens.", default: "the symbol n")
    static let format = Option<OutputFormat>.choice("format", "format", help: "Output format.", default: "text", values: [.text, .json])
    static let explainFlag = Flag("explain", help: "Write out the arithmetic step by step.")
    static let claim = Option<ClaimCheck.Claim>(
        .value("claim", "key=value", help: "Check a claimed dimension (repeatable): a shapes JSON key (d_model, heads, head_dim, kv_heads, concat_dim, parameters) or a tensor (wq_j=768x64, head_j=nx64); prints right or wrong with the arithmetic; exit 1 if one is wrong.", repeatable: true),
        convert: { text, spec throws(UsageError) in try ClaimCheck.claim(text, spec) })

    /// The dimension question.
    let query: ShapeQuery
    /// `--format json`.
    let json: Bool
    /// `--explain`.
    let explain: Bool

    init(_ arguments: ParsedArguments) throws {
        query = ShapeQuery(modelDim: try arguments[Self.modelDim], heads: try arguments[Self.heads],
                           headDim: try arguments[Self.headDim], kvHeads: try arguments[Self.kvHeads],
                           seqLen: try arguments[Self.seqLen])
        json = try arguments[Self.format] == .json
        explain = arguments[Self.explainFlag]
        claims = try arguments.all(Self.claim)
    }

    /// `--claim`s, in order.
    let claims: [ClaimCheck.Claim]

    func run() throws -> CommandOutput {
        let report = try ShapeCalculator.solve(query)
        if !claims.isEmpty {
            let verdicts = try ClaimCheck.verdicts(claims, report)
            let text = json ? ClaimCheck.json(verdicts).serialized() : ClaimCheck.lines(verdicts).joined(separator: "\n")
            return CommandOutput(text: text + "\n", status: verdicts.allSatisfy(\.correct) ? 0 : 1)
        }
        if json {
            return CommandOutput(text: ShapesReport.json(report, explanation: explain ? ShapeExplanation.lines(for: report, given: query) : nil).serialized() + "\n")
        }
        var lines = ShapesReport.text(report)
        if explain { lines += ["", "the arithmetic, step by step:"] + ShapeExplanation.lines(for: report, given: query).map { "  " + $0 } }
        return CommandOutput(text: lines.joined(separator: "\n") + "\n")
    }
}
