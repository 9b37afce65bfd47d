import MHACore

/// `--d-model`, `--heads`, `--kv-heads`, `--seq-len` of `init` and `bench`, checked: all
/// positive, τ divides d_model, g divides τ, and the products the command will form do not
/// overflow.
struct DimensionArguments: Sendable, Equatable {
    /// The options every sized command shares.
    static let modelDim = Option<Int>.integer("d-model", "d", minimum: 1, help: "Model width d_model.")
    static let heads = Option<Int>.integer(
        "heads", "t", minimum: 1, help: "τ, the number of heads; must divide d_model.")
    static let seqLen = Option<Int>.integer("seq-len", "n", minimum: 1, help: "n, the number of tokens.")
    static let kvHeads = Option<Int>.integer(
        "kv-heads", "g", minimum: 1, help: "Key/value heads (grouped-query attention); must divide τ.", default: "τ")

    /// d_model.
    let modelDim: Int
    /// τ.
    let heads: Int
    /// g (τ unless given).
    let kvHeads: Int
    /// n.
    let seqLen: Int

    /// d_k: d_model / τ, or `bench`'s `--head-dim`.
    let headDim: Int
    /// τ·d_k, the width of Q and of the concat.
    var concatDim: Int { heads * headDim }
    /// g·d_k, the width of K and V.
    var kvDim: Int { kvHeads * headDim }

    /// Reads and checks the dimension options; `defaultHeads` stands in for a missing
    /// `--heads` (for `bench --gemm`, which has no heads); `givenHeadDim` (`bench --head-dim`)
    /// sets d_k, and τ then need not divide d_model.
    /// - Throws: `UsageError` naming the missing option or explaining the arithmetic.
    init(
        _ a: ParsedArguments, kvHeads kvHeadsOption: Option<Int>? = Self.kvHeads,
        defaultHeads: Int? = nil, headDim givenHeadDim: Int? = nil
    ) throws(UsageError) {
        guard let d = try a[Self.modelDim] else {
            throw .missingOption(option: Self.modelDim.spec.display, reason: "the model width is required")
        }
        guard let t = try a[Self.heads] ?? defaultHeads else {
            throw .missingOption(option: Self.heads.spec.display, reason: "the number of heads is required")
        }
        guard let n = try a[Self.seqLen] else {
            throw .missingOption(option: Self.seqLen.spec.display, reason: "the number of tokens is required")
        }
        let g = try kvHeadsOption.flatMap { option throws(UsageError) in try a[option] } ?? t
        guard d % t == 0 || givenHeadDim != nil else {
            throw .invalidRequest(
                "--d-model \(d) is not divisible by --heads \(t): d_k = \(d) / \(t) is not an integer; give --head-dim to set it"
            )
        }
        guard t % g == 0 else {
            throw .invalidRequest(
                "--heads \(t) is not divisible by --kv-heads \(g): each K/V head must serve a whole group of query heads"
            )
        }
        if let k = givenHeadDim, t.multipliedReportingOverflow(by: k).overflow {
            throw .invalidRequest("--heads \(t) and --head-dim \(k) are too large: τ·d_k overflows a 64-bit integer")
        }
        (modelDim, heads, kvHeads, seqLen, headDim) = (d, t, g, n, givenHeadDim ?? d / t)
        guard bundleValueCount != nil else {
            throw .invalidRequest(
                "--d-model \(d) and --seq-len \(n) are too large: the element counts overflow a 64-bit integer")
        }
    }

    /// Values a bundle of this size holds, for `init`'s memory check: x (n·d), the four
    /// weights (2·d² + 2·d·g·d_k) and the biases (2·d + 2·g·d_k); nil if the count overflows.
    /// Linear in n: `init` never builds an n × n matrix.
    var bundleValueCount: Int? {
        let terms = [
            (seqLen, modelDim), (modelDim, concatDim), (concatDim, modelDim), (modelDim, kvDim),
            (modelDim, kvDim), (2, modelDim), (2, kvDim),
        ]
        return CheckedArithmetic.elementCount(terms)
    }
}
