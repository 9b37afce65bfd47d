/// `--d-model`, `--heads`, `--kv-heads`, `--seq-len` of `init` and `bench`, checked: all
/// positive, τ divides d_model, g divides τ, and the products the command will form do not
/// overflow.
struct DimensionArguments: Sendable, Equatable {
    /// d_model.
    let modelDim: Int
    /// τ.
    let heads: Int
    /// g (τ unless given).
    let kvHeads: Int
    /// n.
    let seqLen: Int

    /// d_k = d_model / τ.
    var headDim: Int { modelDim / heads }
    /// g·d_k, the width of K and V.
    var kvDim: Int { kvHeads * headDim }

    /// Reads and checks the dimension options.
    /// - Throws: `UsageError` naming the missing option or explaining the arithmetic.
    init(_ a: ParsedArguments) throws(UsageError) {
        guard let d = try a.integer("d-model", minimum: 1) else {
            throw .missingOption(option: "--d-model <d>", reason: "the model width is required")
        }
        guard let t = try a.integer("heads", minimum: 1) else {
            throw .missingOption(option: a.spec.option(long: "heads")?.display ?? "--heads", reason: "the number of heads is required")
        }
        guard let n = try a.integer("seq-len", minimum: 1) else {
            throw .missingOption(option: "--seq-len <n>", reason: "the number of tokens is required")
        }
        let g = try a.integer("kv-heads", minimum: 1) ?? t
        guard d % t == 0 else {
            throw .invalidRequest("--d-model \(d) is not divisible by --heads \(t): d_k = \(d) / \(t) is not an integer")
        }
        guard t % g == 0 else {
            throw .invalidRequest("--heads \(t) is not divisible by --kv-heads \(g): each K/V head must serve a whole group of query heads")
        }
        (modelDim, heads, kvHeads, seqLen) = (d, t, g, n)
        guard bundleValueCount != nil else {
            throw .invalidRequest("--d-model \(d) and --seq-len \(n) are too large: the element counts overflow a 64-bit integer")
        }
    }

    /// Values a run of this size holds at once, for the memory check: x (n·d), the four
    /// weights (2·d² + 2·d·g·d_k), one head's n × n scores, and the biases (2·d + 2·g·d_k);
    /// nil if the count overflows.
    var bundleValueCount: Int? {
        let terms = [(seqLen, modelDim), (modelDim, modelDim), (modelDim, modelDim), (modelDim, kvDim),
                     (modelDim, kvDim), (seqLen, seqLen), (2, modelDim), (2, kvDim)]
        var total = 0
        for (a, b) in terms {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            guard !overflow else { return nil }
            let (sum, overflowSum) = total.addingReportingOverflow(product)
            guard !overflowSum else { return nil }
            total = sum
        }
        return total
    }
}
