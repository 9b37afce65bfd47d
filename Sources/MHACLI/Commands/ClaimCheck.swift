import MHACore
import MHAFormats

/// `shapes --claim KEY=VALUE`: a claimed dimension checked against the calculator, with the
/// right value and the arithmetic. KEY is a shapes JSON key (`d_model`, `heads`, `head_dim`,
/// `kv_heads`, `concat_dim`, `seq_len`, `parameters`, `flops`, or `parameters.wq` …) or a
/// tensor name (`wq_j`, `head_j`, `wo`, …) claimed as `RxC` (`n` for the sequence length).
///
///     shapes --d-model 768 --heads 12 --claim head_dim=64 --claim wq_j=768x768
///     right: head_dim = 64 (d_k = d_model / τ = 768 / 12 = 64)
///     wrong: wq_j = 768 × 768; W^q_j is d_model × d_k = 768 × 64
struct ClaimCheck {
    /// One claim as given.
    struct Claim: Equatable, Sendable {
        var key: String
        var value: String
    }

    /// The verdict on one claim.
    struct Verdict {
        var claim: Claim
        var correct: Bool
        /// The right value as written back (`64`, `768 × 64`).
        var right: String
        /// How it follows (`d_k = d_model / τ = 768 / 12 = 64`).
        var arithmetic: String
    }

    /// The scalar keys, in the order messages list them.
    static let scalarKeys = [
        "d_model", "heads", "head_dim", "kv_heads", "concat_dim", "seq_len", "parameters", "flops",
    ]

    /// `KEY=VALUE`, or a usage error quoting the option.
    static func claim(_ text: String, _ option: OptionSpec) throws(UsageError) -> Claim {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw option.invalid(text, "expected KEY=VALUE, e.g. head_dim=64 or wq_j=768x64")
        }
        return Claim(
            key: String(text[..<equals]).trimmingSpaces(),
            value: String(text[text.index(after: equals)...]).trimmingSpaces())
    }

    /// Every claim judged against `r`.
    /// - Throws: `UsageError` for an unknown key or a value that is not a number or `RxC`.
    static func verdicts(_ claims: [Claim], _ r: ShapeReport) throws(UsageError) -> [Verdict] {
        var verdicts: [Verdict] = []
        for claim in claims { verdicts.append(try verdict(claim, r)) }
        return verdicts
    }

    private static func verdict(_ claim: Claim, _ r: ShapeReport) throws(UsageError) -> Verdict {
        if let tensor = r.tensor(claim.key) { return try tensorVerdict(claim, tensor, r) }
        guard let (value, arithmetic) = scalar(claim.key, r) else {
            throw .invalidRequest(
                "unknown claim key '\(claim.key)': expected one of \(scalarKeys.joined(separator: ", ")), parameters.wq … parameters.total, or a tensor (\(r.tensors.map(\.name).joined(separator: ", ")))"
            )
        }
        guard let claimed = Int(claim.value.replacing("_", with: "")) else {
            throw .invalidRequest("claim \(claim.key)=\(claim.value): the value must be an integer")
        }
        var note = ""
        if claim.key == "parameters" || claim.key == "parameters.total", claimed != value,
            claimed == r.parameterCount("weights")
        {
            note = "; \(claimed) is the weights alone, without the biases (claim parameters.weights for that)"
        }
        return Verdict(
            claim: claim, correct: value.map { $0 == claimed } ?? false,
            right: value.map(String.init) ?? "n (not given)",
            arithmetic: arithmetic + note)
    }

    /// A scalar key's value (nil for an unknown n) and its arithmetic, or nil for an unknown key.
    private static func scalar(_ key: String, _ r: ShapeReport) -> (Int?, String)? {
        let (d, t, k, g) = (r.modelDim, r.heads, r.headDim, r.kvHeads)
        let p = { (name: String) in r.parameterCount(name) ?? 0 }
        switch key {
        case "d_model": return (d, "d_model = τ · d_k = \(t) · \(k) = \(d)")
        case "heads": return (t, "τ = d_model / d_k = \(d) / \(k) = \(t)")
        case "head_dim": return (k, "d_k = d_model / τ = \(d) / \(t) = \(k)")
        case "kv_heads":
            return (
                g,
                g == t
                    ? "kv_heads = τ = \(t) (no grouped-query attention)"
                    : "kv_heads = \(g) as given (\(t / g) query heads per K/V head)"
            )
        case "concat_dim": return (r.concatDim, "concat = τ · d_k = \(t) · \(k) = \(r.concatDim)")
        case "seq_len": return (r.seqLen, r.seqLen.map { "n = \($0) as given" } ?? "n is not given (--seq-len)")
        case "parameters", "parameters.total":
            return (
                p("total"),
                "W^q \(p("wq")) + W^k \(p("wk")) + W^v \(p("wv")) + W^o \(p("wo")) = \(p("weights")) weights, + \(p("biases")) biases = \(p("total"))"
            )
        case "parameters.weights":
            return (p("weights"), "W^q \(p("wq")) + W^k \(p("wk")) + W^v \(p("wv")) + W^o \(p("wo")) = \(p("weights"))")
        case "parameters.biases":
            return (p("biases"), "b^q \(d) + b^k \(g * k) + b^v \(g * k) + b^o \(d) = \(p("biases"))")
        case "parameters.wq": return (p("wq"), "W^q is d_model × d_model = \(d) · \(d) = \(p("wq"))")
        case "parameters.wk", "parameters.wv":
            return (p(String(key.dropFirst("parameters.".count))), "d_model × g·d_k = \(d) · \(g * k) = \(d * g * k)")
        case "parameters.wo": return (p("wo"), "W^o is τ·d_k × d_model = \(r.concatDim) · \(d) = \(p("wo"))")
        case "flops":
            return (
                r.flops,
                "FLOPs = \(r.flopsPerToken)·n + \(r.flopsPerTokenSquared)·n²"
                    + (r.flops.map { " = \($0)" } ?? " (give --seq-len for a number)")
            )
        default: return nil
        }
    }

    /// A tensor claimed as `RxC` (`768x64`, `768×64`, `n x 64`).
    private static func tensorVerdict(_ claim: Claim, _ tensor: TensorShape, _ r: ShapeReport) throws(UsageError)
        -> Verdict
    {
        let sides = claim.value.lowercased().split(whereSeparator: { $0 == "x" || $0 == "×" || $0 == "*" })
            .map { $0.trimmingSpacesAndTabs() }
        guard sides.count == 2, sides.allSatisfy({ $0 == "n" || Int($0) != nil }) else {
            throw .invalidRequest(
                "claim \(claim.key)=\(claim.value): a tensor's shape is written RxC, e.g. \(tensor.name)=\(tensor.rows)x\(tensor.columns)"
            )
        }
        func matches(_ side: String, _ dimension: Dimension) -> Bool {
            switch dimension {
            case let .size(value): return Int(side) == value || (side == "n" && r.seqLen == value)
            case .symbol: return side == "n"
            }
        }
        let correct = matches(sides[0], tensor.rows) && matches(sides[1], tensor.columns)
        let symbols = Self.symbols[tensor.name].map { "\($0.0) × \($0.1) = " } ?? ""
        return Verdict(
            claim: claim, correct: correct, right: "\(tensor.rows) × \(tensor.columns)",
            arithmetic: "\(tensor.symbol) is \(symbols)\(tensor.rows) × \(tensor.columns): \(tensor.meaning)")
    }

    /// Each tensor's shape in symbols.
    static let symbols: [String: (String, String)] = [
        "input": ("n", "d_model"), "wq": ("d_model", "d_model"), "wq_j": ("d_model", "d_k"), "wk": ("d_model", "g·d_k"),
        "wk_j": ("d_model", "d_k"), "wv": ("d_model", "g·d_k"), "wv_j": ("d_model", "d_k"), "q": ("n", "d_model"),
        "q_j": ("n", "d_k"), "k_j": ("n", "d_k"), "v_j": ("n", "d_k"), "scores_j": ("n", "n"), "weights_j": ("n", "n"),
        "head_j": ("n", "d_k"), "concat": ("n", "τ·d_k"), "wo": ("τ·d_k", "d_model"), "output": ("n", "d_model"),
    ]

    /// `right: head_dim = 64 (…)` or `wrong: wq_j = 768x768; the right value is …`.
    static func lines(_ verdicts: [Verdict]) -> [String] {
        verdicts.map { v in
            v.correct
                ? "right: \(v.claim.key) = \(v.claim.value) (\(v.arithmetic))"
                : "wrong: \(v.claim.key) = \(v.claim.value); the right value is \(v.right): \(v.arithmetic)"
        }
    }

    /// `{"correct": bool, "claims": [{"key", "claimed", "correct", "right", "arithmetic"}]}`.
    static func json(_ verdicts: [Verdict]) -> JSONValue {
        .object([
            ("correct", .bool(verdicts.allSatisfy(\.correct))),
            (
                "claims",
                .array(
                    verdicts.map { v in
                        .object([
                            ("key", .string(v.claim.key)), ("claimed", .string(v.claim.value)),
                            ("correct", .bool(v.correct)),
                            ("right", .string(v.right)), ("arithmetic", .string(v.arithmetic)),
                        ])
                    })
            ),
        ])
    }
}
