import MHACore
import MHAFormats

/// `mha-cli shapes`: the dimension calculator (no data).
struct ShapesCommand: Command {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "shapes",
        abstract: "Dimension calculator: every tensor's shape, parameter counts and FLOPs (no data).",
        discussion: """
            Any two of --d-model, --heads, --head-dim give the third (d_model = τ·d_k); all three may be \
            given when the heads are not d_model/τ wide (Gemma: W^q is d_model × τ·d_k). Without --seq-len \
            the token count stays the symbol n. --memory-len or --memory-dim asks about cross-attention \
            (keys and values from a memory of n_k rows, d_mem wide); --layers or --dtype adds the KV cache: \
            L·g·(d_k + d_v)·bytes per token (2·L·g·d_k·bytes when d_v = d_k), and for --seq-len tokens.
            """,
        options: [
            modelDim, heads, headDim, valueDim, kvHeads, seqLen, memoryLen, memoryDim, layers, dtype, format,
            explainFlag, claim,
        ])

    // Zero and negative values reach the calculator, whose message explains them.
    static let modelDim = Option<Int>.integer("d-model", "d", help: "Model width d_model.")
    static let heads = Option<Int>.integer("heads", "t", help: "τ, the number of heads.")
    static let headDim = Option<Int>.integer(
        "head-dim", "k",
        help:
            "d_k, the width of one head's queries and keys (with --d-model and --heads, it may differ from d_model/τ).")
    static let valueDim = Option<Int>.integer(
        "value-dim", "v", help: "d_v, the width of one head's values and output.", default: "d_k")
    static let kvHeads = Option<Int>.integer(
        "kv-heads", "g", help: "Key/value heads (grouped-query attention).", default: "τ")
    static let seqLen = Option<Int>.integer(
        "seq-len", "n", help: "n, the number of tokens (queries).", default: "the symbol n")
    static let memoryLen = Option<Int>.integer(
        "memory-len", "n_k", help: "Cross-attention: n_k, the rows of the memory that keys and values come from.",
        default: "the symbol n_k")
    static let memoryDim = Option<Int>.integer(
        "memory-dim", "d_mem",
        help: "Cross-attention: d_mem, the memory's width (PyTorch's kdim/vdim); W^k, W^v are d_mem × g·d_k.",
        default: "d_model")
    static let layers = Option<Int>.integer(
        "layers", "L", help: "Layers whose keys and values a KV cache holds; adds the cache size.", default: "1")
    static let dtype = Option<CacheElement>.choice(
        "dtype", "type", help: "Element type of the KV cache; adds the cache size.", default: "f64")
    static let format = Option<OutputFormat>.choice(
        "format", "format", help: "Output format.", default: "text", values: [.text, .json])
    static let explainFlag = Flag(
        "explain", help: "Write out the arithmetic step by step (not with --claim, whose claims print their own).")
    static let claim = Option<ClaimCheck.Claim>(
        .value(
            "claim", "key=value",
            help:
                "Check a claimed dimension (repeatable): a shapes JSON key (d_model, heads, head_dim, value_dim, kv_heads, concat_dim, memory_len, parameters, kv_cache.bytes …; or the symbols d_k, d_v, τ, g, n) or a tensor (wq_j=768x64, head_j=nx64); prints right or wrong with the arithmetic; exit 1 if one is wrong.",
            repeatable: true),
        convert: { text, spec throws(UsageError) in try ClaimCheck.claim(text, spec) })

    /// The dimension question.
    let query: ShapeQuery
    /// `--format json`.
    let json: Bool
    /// `--explain`.
    let explain: Bool

    init(_ arguments: ParsedArguments) throws {
        query = ShapeQuery(
            modelDim: try arguments[Self.modelDim], heads: try arguments[Self.heads],
            headDim: try arguments[Self.headDim], valueDim: try arguments[Self.valueDim],
            kvHeads: try arguments[Self.kvHeads], seqLen: try arguments[Self.seqLen],
            memoryLen: try arguments[Self.memoryLen], memoryDim: try arguments[Self.memoryDim],
            layers: try arguments[Self.layers], cacheElement: try arguments[Self.dtype])
        json = try arguments[Self.format] == .json
        explain = arguments[Self.explainFlag]
        claims = try arguments.all(Self.claim)
        try Self.refuseIgnored(arguments, claims: claims)
    }

    /// Options `--claim` would ignore are refused, as everywhere: `--explain` (a claim prints
    /// its own arithmetic), and `--layers`/`--dtype` when no claim is about the KV cache.
    private static func refuseIgnored(_ arguments: ParsedArguments, claims: [ClaimCheck.Claim]) throws {
        guard !claims.isEmpty else { return }
        if arguments[Self.explainFlag] {
            throw UsageError.invalidRequest(
                "--claim prints each claim's own arithmetic and --explain the whole calculation; give one")
        }
        let cache = ["layers", "dtype"].first { arguments.occurrences[$0] != nil }
        if let cache, !claims.contains(where: { $0.key.hasPrefix("kv_cache.") }) {
            throw UsageError.invalidRequest(
                "--\(cache) only sizes the KV cache, which no claim is about (kv_cache.bytes_per_token, kv_cache.bytes); leave it out or claim one of those"
            )
        }
    }

    /// `--claim`s, in order.
    let claims: [ClaimCheck.Claim]

    func run() throws -> CommandOutput {
        let report: ShapeReport
        do throws(ShapeError) { report = try ShapeCalculator.solve(query) } catch { throw Self.inFlags(error) }
        if !claims.isEmpty {
            let verdicts = try ClaimCheck.verdicts(claims, report)
            let text =
                json ? ClaimCheck.json(verdicts).serialized() : ClaimCheck.lines(verdicts).joined(separator: "\n")
            return CommandOutput(text: text + "\n", status: verdicts.allSatisfy(\.correct) ? 0 : 1)
        }
        if json {
            return CommandOutput(
                text: ShapesReport.json(
                    report, explanation: explain ? ShapeExplanation.lines(for: report, given: query) : nil
                ).serialized() + "\n")
        }
        var lines = ShapesReport.text(report)
        if explain {
            lines +=
                ["", "the arithmetic, step by step:"]
                + ShapeExplanation.lines(for: report, given: query).map { "  " + $0 }
        }
        return CommandOutput(text: lines.joined(separator: "\n") + "\n")
    }
}

extension ShapesCommand {
    /// The calculator's refusal in the command line's words: every value shapes reads came
    /// from a flag, so a dimension out of range is named by that flag (`--head-dim`, not the
    /// JSON key `head_dim`), as are the dimensions missing. Other refusals (not divisible, too
    /// large) describe the arithmetic and stand as they are.
    static func inFlags(_ error: ShapeError) -> any Error {
        switch error {
        case let .nonPositive(name, value):
            return UsageError.invalidRequest("\(flag(name)) must be a positive integer, got \(value)")
        case let .underdetermined(given):
            let got = given.isEmpty ? "none" : "only " + given.map(flag).joined(separator: " and ")
            return UsageError.invalidRequest(
                "need two of --d-model, --heads and --head-dim (d_model = heads · head_dim); got \(got)")
        case .notDivisible, .overflow:
            return error
        }
    }

    /// The flag that gives the dimension the calculator calls `name` (`head_dim` →
    /// `--head-dim`); the name itself if no option of shapes gives it.
    static func flag(_ name: String) -> String {
        let spelt = "--" + name.replacing("_", with: "-")
        return spec.option(named: spelt) == nil ? name : spelt
    }
}
