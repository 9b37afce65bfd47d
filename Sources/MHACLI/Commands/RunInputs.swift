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
    /// The sequences of a 3-D `.npy` input by key (`x`, `memory`, `mask`); `matrices` holds
    /// the first of each.
    var batches: [String: [Matrix<Double>]] = [:]
    /// Whether any input is a batch of sequences (a 3-D `.npy` file).
    var isBatch: Bool { !batches.isEmpty }
    /// How the mask reads (`--mask-kind`, or the bundle's `mask_kind`).
    var maskKind: AttentionMask<Double>.Kind = .keep
    /// The file each value came from when it was not a flag, by bundle key: `heads`,
    /// `kv_heads`, `token`, `scale`, the score options (`rope_dims`, `window`, `mask_kind`, …)
    /// and the matrices the bundle gave, `mask` from its file or the bundle; for error messages.
    var origins: [String: String] = [:]
    /// What reading a checkpoint's layer warned of.
    var warnings: [String] = []

    /// Reads the bundle, then each matrix file, then fills or refuses missing weights.
    /// - Throws: `FormatError` (66 or 65) from the readers, `UsageError` for a missing input.
    init(_ o: RunOptions) throws {
        let checkpointLayer = try o.checkpoint?.read(heads: o.heads, ropeBase: o.score.ropeBase)
        let bundle =
            try checkpointLayer.map(\.bundle)
            ?? o.bundle.map { path in try MaskFile.bundle(path, kind: o.score.maskKind) } ?? InputBundle()
        matrices = bundle.matrices
        warnings = checkpointLayer?.warnings ?? []
        let bundleName = o.checkpoint?.path ?? o.bundle.map { $0 == "-" ? "<stdin>" : $0 }
        try ProjectionOverride.apply(to: &matrices, given: Set(o.paths.keys), bundle: bundleName ?? "the bundle")
        let score = try Self.merged(o.score, bundle, file: bundleName ?? "bundle")
        for (key, path) in o.paths.sorted(by: { $0.key < $1.key }) {
            let input = try MaskFile.read(
                path, key: key, kind: score.maskKind, batchable: ["x", "memory", "mask"].contains(key))
            (matrices[key], batches[key]) = (input.matrix, input.batch)
        }
        layout = o.layout ?? bundle.layout ?? .xw
        configuration = AttentionConfiguration(
            heads: o.heads ?? bundle.heads ?? 1, kvHeads: o.kvHeads ?? bundle.kvHeads,
            causal: o.noCausal ? false : o.causal || (bundle.causal ?? false), scale: o.scale ?? bundle.scale,
            token: o.token ?? bundle.token, intermediates: o.intermediates)
        if let checkpointLayer {
            checkpointLayer.configure(&configuration)
            if let x = matrices["x"], o.paths["wq"] == nil, o.paths["in_proj"] == nil, o.paths["qkv"] == nil {
                try checkpointLayer.checkWidth(x, name: o.paths["x"].map { $0 == "-" ? "<stdin>" : $0 } ?? "-x")
            }
        }
        try score.configure(&configuration)
        maskKind = score.maskKind ?? .keep
        if let bundleName {
            for name in Self.taken(from: bundle, over: o) { origins[name] = bundleName }
        }
        if let mask = o.paths["mask"] { origins["mask"] = mask == "-" ? "<stdin>" : mask }
        var normed = configuration
        try WeightAssembly.setNormGains(matrices, &normed) { message, names in refusal(message, among: names) }
        configuration = normed
        if matrices["mask"] == nil, score.maskKind != nil {
            throw refusal(
                "--mask-kind says how to read a mask, but no --mask (or bundle \"mask\") was given",
                among: ["mask_kind"],
                fromFile: "mask_kind says how to read a mask, but no \"mask\" (or --mask) was given")
        }
        try fillWeights(o.fill)
        // The engine's budget, with the inputs and the filled weights held (`run` reads it again
        // just before the forward pass).
        AvailableMemory.limit(&configuration)
    }

    /// The bundle's keys whose values the run takes (no flag overrides them): the settings,
    /// the score options and the matrices. `rope_dims` is the bundle's too when its `rope`
    /// rotates the default d_k dimensions.
    private static func taken(from bundle: InputBundle, over o: RunOptions) -> [String] {
        let s = o.score
        let settings: [(String, Bool)] = [
            ("heads", o.heads == nil && bundle.heads != nil),
            ("kv_heads", o.kvHeads == nil && bundle.kvHeads != nil),
            ("token", o.token == nil && bundle.token != nil), ("scale", o.scale == nil && bundle.scale != nil),
            ("rope", s.rope == nil && bundle.rope != nil),
            ("rope_base", s.ropeBase == nil && bundle.ropeBase != nil),
            ("rope_dims", s.ropeDims == nil && (bundle.ropeDims != nil || (s.rope == nil && bundle.rope != nil))),
            ("rope_scaling", s.ropeScaling == nil && bundle.ropeScaling != nil),
            ("position_offset", s.positionOffset == nil && bundle.positionOffset != nil),
            ("window", s.window == nil && bundle.window != nil), ("softcap", s.softcap == nil && bundle.softcap != nil),
            ("head_dim", s.headDim == nil && bundle.headDim != nil),
            ("mask_kind", s.maskKind == nil && bundle.maskKind != nil),
            ("qk_norm", s.qkNorm == nil && bundle.qkNorm != nil),
            ("qk_norm_eps", s.qkNormEpsilon == nil && bundle.qkNormEpsilon != nil),
        ]
        let matrices = bundle.matrices.keys.filter { o.paths[$0] == nil }
        return settings.filter(\.1).map(\.0) + matrices
    }

    /// `message` as a usage error, or as bad data naming the file (`fromFile`, else `message`)
    /// when every one of `names` came from one file rather than a flag.
    private func refusal(_ message: String, among names: [String], fromFile: String? = nil) -> any Error {
        BundleSourcedError.attributing(fromFile ?? message, among: names, origins: origins)
            ?? UsageError.invalidRequest(message)
    }

    /// The score options: the command line's, else the bundle's.
    private static func merged(_ o: ScoreOptions, _ b: InputBundle, file: String) throws -> ScoreOptions {
        var s = o
        s.rope = s.rope ?? b.rope
        s.ropeBase = s.ropeBase ?? b.ropeBase
        s.ropeDims = s.ropeDims ?? b.ropeDims
        s.ropeScaling = s.ropeScaling ?? b.ropeScaling.map(RopeScalingChoice.rule)
        s.positionOffset = s.positionOffset ?? b.positionOffset
        s.alibi = s.alibi || (b.alibi ?? false)
        s.window = s.window ?? b.window
        s.softcap = s.softcap ?? b.softcap
        s.headDim = s.headDim ?? b.headDim
        s.maskKind = s.maskKind ?? b.maskKind
        s.qkNorm = s.qkNorm ?? b.qkNorm
        s.qkNormEpsilon = s.qkNormEpsilon ?? b.qkNormEpsilon
        // The bundle adjusts a RoPE that nothing sets up (s.rope is the flag's, else the bundle's).
        if s.rope == nil, o.adjustment == nil, s.adjustment != nil {
            throw BundleSourcedError(
                file: file,
                message: "rope_base, rope_dims and rope_scaling set up rotary positions; give \"rope\" (or --rope) too")
        }
        // The same for the QK-norm's ε (the flag's own case is ScoreOptions' usage error).
        if s.qkNorm == nil, o.qkNormEpsilon == nil, b.qkNormEpsilon != nil {
            throw BundleSourcedError(
                file: file,
                message:
                    "qk_norm_eps sets the QK-norm's epsilon, but nothing sets a QK-norm up; give \"qk_norm\" (or --qk-norm) too"
            )
        }
        return s
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
        let packed = matrices["in_proj"] != nil || matrices["qkv"] != nil
        let needed = packed ? ["wo"] : ["wq", "wk", "wv", "wo"]
        let missing = needed.filter { matrices[$0] == nil }
        guard let first = missing.first else { return }
        guard let fill else {
            throw UsageError.missingOption(
                option: "--\(first) <file>",
                reason:
                    "give \(missing.map { "--" + $0 }.joined(separator: ", ")) (or a --bundle with them), or fill them with --weights identity or --weights random[:SEED]"
            )
        }
        do {
            let filled = try fill.weights(
                missing, modelDim: x.columns, sourceDim: matrices["memory"]?.columns ?? x.columns,
                configuration: configuration, layout: layout)
            matrices.merge(filled) { given, _ in given }
        } catch let refusal as AttentionError {
            // In the engine's words, attributed to the bundle when it set τ or g (the weights
            // cannot be filled, so the run would otherwise stop at "missing --wo").
            throw BundleSourcedError.attributing(refusal, origins: origins) ?? refusal
        }
    }

    /// The parameters for the engine, in precision `S`.
    func parameters<S: AttentionScalar>(_: S.Type) throws -> AttentionParameters<S> {
        try WeightAssembly.parameters(matrices, layout: layout) { message, names in refusal(message, among: names) }
    }

    /// The user mask for the engine, read as `maskKind`, in precision `S`.
    func mask<S: AttentionScalar>(_: S.Type) -> AttentionMask<S>? {
        matrices["mask"].map { AttentionMask($0.converted(to: S.self), kind: maskKind.converted()) }
    }
}
