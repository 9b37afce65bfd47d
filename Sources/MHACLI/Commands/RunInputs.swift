import MHACore
import MHAFormats

/// Everything a run needs, gathered from `--bundle` and the matrix options (which override
/// it), with missing weights filled by `--weights` or refused by name.
struct RunInputs {
    /// H and the weights, biases, mask and in_proj by bundle key.
    var matrices: [String: Matrix<Double>]
    /// τ, g, causal, scale, token, layout after merging options over the bundle.
    var configuration: AttentionConfiguration
    /// The weight layout.
    var layout: WeightLayout
    /// The file each value came from when it was not a flag: `heads`, `kv_heads`, `token`,
    /// `scale` from the bundle, `mask` from its file or the bundle; for error messages.
    var origins: [String: String] = [:]

    /// Reads the bundle, then each matrix file, then fills or refuses missing weights.
    /// - Throws: `FormatError` (66 or 65) from the readers, `UsageError` for a missing input.
    init(_ o: RunOptions) throws {
        let checkpointLayer = try o.checkpoint?.read(heads: o.heads)
        let bundle = try checkpointLayer.map(\.bundle)
            ?? o.bundle.map { path throws(FormatError) in try InputBundle.read(path: path) } ?? InputBundle()
        matrices = bundle.matrices
        for (key, path) in o.paths.sorted(by: { $0.key < $1.key }) {
            matrices[key] = try MatrixReader.read(path: path)
        }
        let bundleName = o.checkpoint?.path ?? o.bundle.map { $0 == "-" ? "<stdin>" : $0 }
        layout = o.layout ?? bundle.layout ?? .xw
        configuration = AttentionConfiguration(
            heads: o.heads ?? bundle.heads ?? 1, kvHeads: o.kvHeads ?? bundle.kvHeads,
            causal: o.noCausal ? false : o.causal || (bundle.causal ?? false), scale: o.scale ?? bundle.scale,
            token: o.token ?? bundle.token, intermediates: o.intermediates)
        if let checkpointLayer { checkpointLayer.configure(&configuration) }
        if let bundleName {
            let fromBundle = [("heads", o.heads == nil && bundle.heads != nil), ("kv_heads", o.kvHeads == nil && bundle.kvHeads != nil),
                              ("token", o.token == nil && bundle.token != nil), ("scale", o.scale == nil && bundle.scale != nil),
                              ("mask", o.paths["mask"] == nil && bundle.matrices["mask"] != nil)]
            for (name, taken) in fromBundle where taken { origins[name] = bundleName }
        }
        if let mask = o.paths["mask"] { origins["mask"] = mask == "-" ? "<stdin>" : mask }
        try fillWeights(o.fill)
        // The engine's budget, with the inputs and the filled weights held (`run` reads it again
        // just before the forward pass).
        configuration.memoryLimit = AvailableMemory.bytes()
    }

    /// H, or a usage error saying how to give it.
    func input() throws(UsageError) -> Matrix<Double> {
        guard let x = matrices["x"] else {
            throw .missingOption(option: "-x, --input <file>", reason: "give H with -x FILE or a --bundle with \"x\"")
        }
        return x
    }

    /// Fills every missing weight from `fill`, or throws naming the first missing one.
    private mutating func fillWeights(_ fill: RunOptions.WeightFill?) throws {
        let x = try input()
        let needed = matrices["in_proj"] == nil ? ["wq", "wk", "wv", "wo"] : ["wo"]
        let missing = needed.filter { matrices[$0] == nil }
        guard let first = missing.first else { return }
        guard let fill else {
            throw UsageError.missingOption(option: "--\(first) <file>",
                reason: "give \(missing.map { "--" + $0 }.joined(separator: ", ")) (or a --bundle with them), or fill them with --weights identity or --weights random[:SEED]")
        }
        let d = x.columns
        let heads = configuration.heads
        let kvHeads = configuration.kvHeads ?? heads
        // The fill's shapes need τ | d_model and g | τ: refused here in the engine's words
        // (the weights cannot be filled, so the run would otherwise stop at "missing --wo"),
        // which also keeps g·d_k ≤ d_model from overflowing.
        let refusal: AttentionError? = heads <= 0 ? .nonPositive(name: "heads", value: heads)
            : kvHeads <= 0 ? .nonPositive(name: "kv_heads", value: kvHeads)
            : d % heads != 0 ? .headsDoNotDivideModel(modelDim: d, heads: heads)
            : heads % kvHeads != 0 ? .kvHeadsDoNotDivideHeads(heads: heads, kvHeads: kvHeads) : nil
        if let refusal { throw BundleSourcedError.attributing(refusal, origins: origins) ?? refusal }
        let kvDim = kvHeads * (d / heads)
        var generator = SplitMix64(seed: { if case let .random(seed) = fill { return seed } else { return 0 } }())
        let shapes = ["wq": (d, d), "wk": (d, kvDim), "wv": (d, kvDim), "wo": (d, d)]
        try MemoryBudget.check(values: Self.valueCount(missing.compactMap { shapes[$0] }), bytesPerValue: 8,
                               what: "filling the weights")
        for key in missing {
            guard let (rows, columns) = shapes[key] else { continue }
            let w = WeightFiller.matrix(rows, columns, fill, scale: 1 / Double(d).squareRoot(), &generator)
            matrices[key] = layout == .xw ? w : w.transposed
        }
    }

    /// Σ rows·columns over `shapes`, or nil if it overflows `Int`.
    private static func valueCount(_ shapes: [(Int, Int)]) -> Int? {
        CheckedArithmetic.elementCount(shapes)
    }

    /// The parameters for the engine, in precision `S`.
    func parameters<S: AttentionScalar>(_: S.Type) throws -> AttentionParameters<S> {
        func get(_ key: String) -> Matrix<S>? { matrices[key]?.converted(to: S.self) }
        guard let wo = get("wo") else { throw UsageError.missingOption(option: "--wo <file>", reason: "W^o is required") }
        if let packed = get("in_proj") {
            if let separate = ["wq", "wk", "wv"].first(where: { matrices[$0] != nil }) {
                throw UsageError.invalidRequest("in_proj replaces wq, wk and wv, but \(separate) was given too")
            }
            return AttentionParameters(inProjection: packed, wo: wo, bq: get("bq"), bk: get("bk"), bv: get("bv"),
                                       bo: get("bo"), layout: layout)
        }
        guard let wq = get("wq"), let wk = get("wk"), let wv = get("wv") else {
            throw UsageError.missingOption(option: "--wq <file>", reason: "W^q, W^k and W^v are required")
        }
        return AttentionParameters(wq: wq, wk: wk, wv: wv, wo: wo, bq: get("bq"), bk: get("bk"), bv: get("bv"),
                                   bo: get("bo"), layout: layout)
    }
}

/// The matrices `--weights` fills in.
enum WeightFiller {
    /// An identity (ones on the diagonal of a possibly rectangular matrix), or uniform [-1, 1)
    /// values times `scale` drawn row by row from `generator`.
    static func matrix(_ rows: Int, _ columns: Int, _ fill: RunOptions.WeightFill, scale: Double,
                       _ generator: inout SplitMix64) -> Matrix<Double> {
        switch fill {
        case .identity:
            return Matrix(rows: rows, columns: columns) { i, j in i == j ? 1 : 0 }
        case .random:
            return Matrix(rows: rows, columns: columns) { _, _ in generator.nextSigned() * scale }
        }
    }
}
