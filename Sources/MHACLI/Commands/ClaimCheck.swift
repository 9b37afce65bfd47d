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
        "d_model", "heads", "head_dim", "value_dim", "kv_heads", "concat_dim", "seq_len", "memory_len", "memory_dim",
        "parameters", "flops", "kv_cache.bytes_per_token", "kv_cache.bytes",
    ]

    /// The symbols `shapes` prints, accepted as the keys they stand for: `d_k=64` is `head_dim=64`.
    static let symbolKeys = [
        "d_k": "head_dim", "d_v": "value_dim", "τ": "heads", "tau": "heads", "g": "kv_heads", "n": "seq_len",
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
        if claim.value.lowercased() == "none", let verdict = noneVerdict(claim, r) { return verdict }
        if let tensor = r.tensor(claim.key) { return try tensorVerdict(claim, tensor, r) }
        if claim.key == "memory" { return try absentMemoryVerdict(claim) }
        guard let (value, arithmetic) = scalar(symbolKeys[claim.key] ?? claim.key, r) else {
            throw .invalidRequest(
                "unknown claim key '\(claim.key)': expected one of \(scalarKeys.joined(separator: ", ")) (or the symbols d_k, d_v, τ, tau, g, n), parameters.wq … parameters.total, or a tensor (\(tensorKeys(r).joined(separator: ", ")))"
            )
        }
        guard let claimed = Int(claim.value.replacing("_", with: "")) else {
            throw .invalidRequest("claim \(claim.key)=\(claim.value): the value must be an integer")
        }
        if value == nil, let (missing, give) = undecidedBy(symbolKeys[claim.key] ?? claim.key, r) {
            throw .invalidRequest(
                "cannot check \(claim.key) = \(claim.value) without \(missing): \(arithmetic); give \(give)")
        }
        var note = ""
        if ["parameters", "parameters.total"].contains(claim.key), claimed != value,
            claimed == r.parameterCount("weights")
        {
            note = "; \(claimed) is the weights alone, without the biases (claim parameters.weights for that)"
        }
        return Verdict(
            claim: claim, correct: value.map { $0 == claimed } ?? false,
            right: value.map(String.init) ?? unknownValue(symbolKeys[claim.key] ?? claim.key, r),
            arithmetic: arithmetic + note)
    }

    /// The tensor names a claim may use: the report's, and `memory` in self-attention too
    /// (a claimed memory there is wrong, as `memory_len` is).
    private static func tensorKeys(_ r: ShapeReport) -> [String] {
        var names = r.tensors.map(\.name)
        if !names.contains("memory") { names.insert("memory", at: names.firstIndex(of: "input").map { $0 + 1 } ?? 0) }
        return names
    }

    /// `memory=RxC` claimed of self-attention: wrong, there is no memory.
    private static func absentMemoryVerdict(_ claim: Claim) throws(UsageError) -> Verdict {
        _ = try claimedSides(claim, example: "memory=10x64")
        return Verdict(claim: claim, correct: false, right: "none", arithmetic: noMemory("--memory-len"))
    }

    /// `memory=none`, `memory_len=none` or `memory_dim=none`: the value a self-attention
    /// verdict prints, claimed back (right in self-attention, wrong in cross-attention); nil
    /// for other keys, whose values are numbers or shapes.
    private static func noneVerdict(_ claim: Claim, _ r: ShapeReport) -> Verdict? {
        guard ["memory", "memory_len", "memory_dim"].contains(claim.key) else { return nil }
        let option = claim.key == "memory_dim" ? "--memory-dim" : "--memory-len"
        guard let memory = r.memory else {
            return Verdict(claim: claim, correct: true, right: "none", arithmetic: noMemory(option))
        }
        let right: String
        switch claim.key {
        case "memory": right = r.tensor("memory").map { "\($0.rows) × \($0.columns)" } ?? "n_k × d_mem"
        case "memory_len": right = memory.length.map(String.init) ?? "n_k (not given)"
        default: right = String(memory.width)
        }
        return Verdict(
            claim: claim, correct: false, right: right,
            arithmetic: "this is cross-attention: keys and values come from a memory of n_k rows, d_mem wide")
    }

    /// Why a memory's sizes are `none`: `no memory: this is self-attention (--memory-len)`.
    private static func noMemory(_ option: String) -> String { "no memory: this is self-attention (\(option))" }

    /// A scalar key's value (nil for an unknown n) and its arithmetic, or nil for an unknown key.
    private static func scalar(_ key: String, _ r: ShapeReport) -> (Int?, String)? {
        if let parameter = parameterScalar(key, r) { return parameter }
        let (d, t, k, v, g) = (r.modelDim, r.heads, r.headDim, r.valueDim, r.kvHeads)
        let symbols = Symbols(r)
        switch key {
        case "d_model":
            return (
                d,
                r.hasCustomHeadDim
                    ? "d_model = \(d) as given (τ · d_k = \(t * k) differs)" : "d_model = τ · d_k = \(t) · \(k) = \(d)"
            )
        case "heads":
            return (t, r.hasCustomHeadDim ? "τ = \(t) as given" : "τ = d_model / d_k = \(d) / \(k) = \(t)")
        case "head_dim":
            return (
                k,
                r.hasCustomHeadDim ? "d_k = \(k) as given (not d_model / τ)" : "d_k = d_model / τ = \(d) / \(t) = \(k)"
            )
        case "value_dim": return (v, v == k ? "d_v = d_k = \(k) (no --value-dim)" : "d_v = \(v) as given")
        case "kv_heads":
            return (
                g,
                g == t
                    ? "kv_heads = τ = \(t) (no grouped-query attention)"
                    : "kv_heads = \(g) as given (\(t / g) query heads per K/V head)"
            )
        case "concat_dim": return (r.concatDim, "concat = τ · \(symbols.dv) = \(t) · \(v) = \(r.concatDim)")
        case "seq_len": return (r.seqLen, r.seqLen.map { "n = \($0) as given" } ?? "n is not given (--seq-len)")
        case "memory_len":
            guard let memory = r.memory else { return (nil, "no memory: this is self-attention (--memory-len)") }
            return (memory.length, memory.length.map { "n_k = \($0) as given" } ?? "n_k is not given (--memory-len)")
        case "memory_dim":
            guard let memory = r.memory else { return (nil, "no memory: this is self-attention (--memory-dim)") }
            return (memory.width, "d_mem = \(memory.width)" + (memory.width == d ? " (= d_model)" : " as given"))
        case "flops":
            return (
                r.flops,
                "FLOPs = \(r.flopsFormula)" + (r.flops.map { " = \($0)" } ?? " (give --seq-len for a number)")
            )
        case "kv_cache.bytes_per_token", "kv_cache.bytes":
            guard let cache = r.kvCache else {
                return (
                    nil, "the KV cache holds L · g · (d_k + d_v) · bytes = L · \(g) · (\(k) + \(v)) · bytes per token"
                )
            }
            let perToken =
                "\(cache.layers) · \(g) · (\(k) + \(v)) · \(cache.element.bytes) bytes = \(cache.bytesPerToken) per token"
            if key == "kv_cache.bytes_per_token" {
                return (cache.bytesPerToken, "L · g · (d_k + d_v) · bytes = " + perToken)
            }
            return (
                cache.bytes, perToken + (cache.bytes.map { ", \($0) in all" } ?? " (give --seq-len for a total)")
            )
        default: return nil
        }
    }

    /// The options whose absence leaves a value unknown and the options to give
    /// (`--seq-len` for counts of tokens, `--layers or --dtype` for the KV cache), or nil when
    /// the value is absent rather than unknown (a memory in self-attention).
    private static func undecidedBy(_ key: String, _ r: ShapeReport) -> (missing: String, give: String)? {
        if key.hasPrefix("memory_") { return r.memory == nil ? nil : ("--memory-len", "--memory-len") }
        if key.hasPrefix("kv_cache.") {
            guard r.kvCache == nil else { return ("--seq-len", "--seq-len") }
            let sizes = "--layers L and --dtype (either alone takes the other's default: 1 layer, f64)"
            return (
                "--layers or --dtype", key == "kv_cache.bytes" && r.seqLen == nil ? sizes + " and --seq-len" : sizes
            )
        }
        return ("--seq-len", "--seq-len")
    }

    /// How a value that is not known reads: `n (not given)` for counts that need the
    /// sequence length, `none` for a memory the shapes do not have.
    private static func unknownValue(_ key: String, _ r: ShapeReport) -> String {
        if key.hasPrefix("memory_") { return r.memory == nil ? "none" : "not given" }
        if key.hasPrefix("kv_cache.") { return "not given" }
        return "n (not given)"
    }

    /// `parameters`, `parameters.total`, `.weights`, `.biases`, `.wq` … `.wo`, or nil.
    private static func parameterScalar(_ key: String, _ r: ShapeReport) -> (Int?, String)? {
        let p = { (name: String) in r.parameterCount(name) ?? 0 }
        let symbols = Symbols(r)
        let weights = "W^q \(p("wq")) + W^k \(p("wk")) + W^v \(p("wv")) + W^o \(p("wo")) = \(p("weights"))"
        switch key {
        case "parameters", "parameters.total":
            return (p("total"), weights + " weights, + \(p("biases")) biases = \(p("total"))")
        case "parameters.weights": return (p("weights"), weights)
        case "parameters.biases":
            let (t, k, v, g, d) = (r.heads, r.headDim, r.valueDim, r.kvHeads, r.modelDim)
            return (p("biases"), "b^q \(t * k) + b^k \(g * k) + b^v \(g * v) + b^o \(d) = \(p("biases"))")
        case "parameters.wq", "parameters.wk", "parameters.wv", "parameters.wo":
            let name = String(key.dropFirst("parameters.".count))
            guard let (rows, columns) = symbols.table[name], let tensor = r.tensor(name) else { return nil }
            return (
                p(name),
                "\(symbols.math[name] ?? name) is \(rows) × \(columns) = \(tensor.rows) · \(tensor.columns) = \(p(name))"
            )
        default: return nil
        }
    }

    /// A tensor claimed as `RxC` (`768x64`, `768×64`, `n x 64`).
    private static func tensorVerdict(_ claim: Claim, _ tensor: TensorShape, _ r: ShapeReport) throws(UsageError)
        -> Verdict
    {
        let sides = try claimedSides(claim, example: "\(tensor.name)=\(tensor.rows)x\(tensor.columns)")
        func matches(_ side: String, _ dimension: Dimension) -> Bool {
            switch dimension {
            case let .size(value): return Int(side) == value || (side == "n" && r.seqLen == value)
            case .symbol: return side == "n"
            }
        }
        let correct = matches(sides[0], tensor.rows) && matches(sides[1], tensor.columns)
        let symbols = Symbols(r).table[tensor.name].map { "\($0.0) × \($0.1) = " } ?? ""
        // A number claimed for a size not known (n without --seq-len) cannot be judged unless
        // another side already makes the claim wrong.
        func undecided(_ side: String, _ dimension: Dimension) -> String? {
            if case let .symbol(name) = dimension, Int(side) != nil { return name }
            return nil
        }
        func holds(_ side: String, _ dimension: Dimension) -> Bool {
            undecided(side, dimension) != nil || matches(side, dimension)
        }
        let unknown = [
            undecided(sides[0], tensor.rows).map { ($0, sides[0]) },
            undecided(sides[1], tensor.columns).map { ($0, sides[1]) },
        ].compactMap { $0 }
        // n × n claimed as 10 × 12 is wrong for every n.
        let consistent = unknown.count < 2 || unknown[0].0 != unknown[1].0 || unknown[0].1 == unknown[1].1
        if let (name, _) = unknown.first, consistent, holds(sides[0], tensor.rows), holds(sides[1], tensor.columns) {
            let option = name == "n_k" ? "--memory-len" : "--seq-len"
            let claimed = "\(sides[0]) × \(sides[1])"
            throw .invalidRequest(
                "cannot check \(claim.key) = \(claim.value) without \(option): \(tensor.symbol) is \(symbols)\(tensor.rows) × \(tensor.columns), which is \(claimed) when \(name) = \(name == tensor.rows.description ? sides[0] : sides[1]); give \(option)"
            )
        }
        return Verdict(
            claim: claim, correct: correct, right: "\(tensor.rows) × \(tensor.columns)",
            arithmetic: "\(tensor.symbol) is \(symbols)\(tensor.rows) × \(tensor.columns): \(tensor.meaning)")
    }

    /// The two sides of a claimed `RxC` (`768x64`, `768×64`, `n x 64`), or a usage error
    /// showing `example`.
    private static func claimedSides(_ claim: Claim, example: String) throws(UsageError) -> [String] {
        let sides = claim.value.lowercased().split(whereSeparator: { $0 == "x" || $0 == "×" || $0 == "*" })
            .map { $0.trimmingSpacesAndTabs() }
        guard sides.count == 2, sides.allSatisfy({ $0 == "n" || Int($0) != nil }) else {
            throw .invalidRequest("claim \(claim.key)=\(claim.value): a tensor's shape is written RxC, e.g. \(example)")
        }
        return sides
    }

    /// Each tensor's shape in symbols, for this report: `d_model × τ·d_k` for W^q when the
    /// heads are not d_model/τ wide, `d_mem` rows for W^k and W^v in cross-attention, `n_k`
    /// keys, `d_v` where the values are narrower or wider than the keys.
    struct Symbols {
        /// `d_v`, or `d_k` when the values are as wide as the keys.
        let dv: String
        /// Rows and columns by tensor name.
        let table: [String: (String, String)]
        /// Weight names as written in formulas.
        let math = ["wq": "W^q", "wk": "W^k", "wv": "W^v", "wo": "W^o"]

        init(_ r: ShapeReport) {
            let dv = r.valueDim == r.headDim ? "d_k" : "d_v"
            let queries = r.hasCustomHeadDim ? "τ·d_k" : "d_model"
            let (rows, keys) = r.memory == nil ? ("d_model", "n") : ("d_mem", "n_k")
            self.dv = dv
            table = [
                "input": ("n", "d_model"), "memory": ("n_k", "d_mem"), "wq": ("d_model", queries),
                "wq_j": ("d_model", "d_k"), "wk": (rows, "g·d_k"), "wk_j": (rows, "d_k"), "wv": (rows, "g·" + dv),
                "wv_j": (rows, dv), "q": ("n", queries), "q_j": ("n", "d_k"), "k_j": (keys, "d_k"),
                "v_j": (keys, dv), "scores_j": ("n", keys), "weights_j": ("n", keys), "head_j": ("n", dv),
                "concat": ("n", "τ·" + dv), "wo": ("τ·" + dv, "d_model"), "output": ("n", "d_model"),
            ]
        }
    }

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
