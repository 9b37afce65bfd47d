import MHACore
import MHAFormats

/// The options of DESIGN §4 that shape the scores, shared by `run` and `attend`: positions
/// (RoPE, ALiBi, offset), window, soft-cap, head width and how a mask is read. Declared once
/// here, listed by both commands' specs, read into `ScoreOptions`.
struct ScoreOptions: Sendable, Equatable {
    /// `--rope`, with `--rope-base` and `--rope-dims`.
    var rope: RotaryEmbedding.Convention?
    var ropeBase: Double?
    var ropeDims: Int?
    /// `--rope-scaling`: a rule, or `none`/`default` to take a checkpoint's away.
    var ropeScaling: RopeScalingChoice?
    /// `--position-offset`.
    var positionOffset: Int?
    /// `--alibi`.
    var alibi = false
    /// `--window`.
    var window: Int?
    /// `--softcap`.
    var softcap: Double?
    /// `--head-dim`.
    var headDim: Int?
    /// `--mask-kind`.
    var maskKind: AttentionMask<Double>.Kind?
    /// `--qk-norm`, `--qk-norm-eps`.
    var qkNorm: QueryKeyNorm.Span?
    var qkNormEpsilon: Double?

    static let ropeOption = Option<RotaryEmbedding.Convention>.choice(
        "rope", "pairs",
        help:
            "Rotary position embedding on each head's Q_j and K_j: half pairs dimension i with i + R/2 (Hugging Face Llama, NeoX rotate_half), interleaved pairs 2i with 2i+1 (RoFormer, GPT-J, Meta's Llama code)."
    )
    static let ropeBaseOption = Option<Double>(
        .value(
            "rope-base", "b", help: "RoPE's base: pair i turns by position · b^(−2i/R).",
            default: "10000, or the checkpoint's"),
        convert: { text, spec throws(UsageError) in try positive(text, spec) })
    static let ropeDimsOption = Option<Int>(
        .value(
            "rope-dims", "R",
            help: "Rotate only the first R dimensions of each head (partial rotary, GPT-J, NeoX); even, at most d_k.",
            default: "d_k"),
        convert: { text, spec throws(UsageError) in
            guard let value = Int(text), value > 0, value % 2 == 0 else {
                throw spec.invalid(text, "expected a positive even integer (dimensions turn in pairs)")
            }
            return value
        })
    static let ropeScalingOption = Option<RopeScalingChoice>(
        .value(
            "rope-scaling", "rule",
            help:
                ropeScalingRules + " none (or default): no scaling, also dropping a checkpoint's.",
            default: "none, or the checkpoint's"),
        convert: { text, spec throws(UsageError) in
            let rule: RotaryScaling?
            do throws(RotaryScalingParameters.Problem) {
                rule = try RotaryScalingParameters.parse(text)
            } catch {
                throw spec.invalid(text, error.message)
            }
            return rule.map(RopeScalingChoice.rule) ?? .plain
        })
    /// What `--rope-scaling` takes, in every command's help.
    private static let ropeScalingRules =
        "Change RoPE's frequencies as a config.json's rope_type does: TYPE:name=value,… with its parameter names; linear: factor; llama3: factor, low_freq_factor, high_freq_factor, original_max_position_embeddings; yarn: factor, original_max_position_embeddings, and optionally beta_fast, beta_slow, attention_factor, mscale, mscale_all_dim, truncate."
    static let positionOffsetOption = Option<Int>.integer(
        "position-offset", "p", minimum: 0,
        help:
            "Add p to every position (a continued sequence): keys are at p … p+n_k−1, query row i at p + n_k − n_q + i.",
        default: "0")
    static let alibiFlag = Flag(
        "alibi",
        help:
            "ALiBi: add −m_j·(query position − key position) to head j's scores, slopes m_j as in Press et al. and BLOOM."
    )
    static let windowOption = Option<Int>.integer(
        "window", "w", minimum: 1,
        help:
            "Sliding window of W keys: with --causal query i sees keys i−W+1 … i (Mistral); without, keys with |i − j| < W."
    )
    static let softcapOption = Option<Double>(
        .value(
            "softcap", "c", help: "Soft-cap the scores: s ← c·tanh(s / c), after scaling and before masks (Gemma 2)."),
        convert: { text, spec throws(UsageError) in try positive(text, spec) })
    static let headDimOption = Option<Int>.integer(
        "head-dim", "k", minimum: 1,
        help:
            "d_k, each head's width when it is not d_model/τ (Gemma, some Llama variants): W^q is d_model × τ·k, W^o is τ·k × d_out.",
        default: "d_model/τ")
    static let maskKindOption = Option<AttentionMask<Double>.Kind>.choice(
        "mask-kind", "kind",
        help:
            "How --mask reads: keep (1 = may attend, 0 = blocked), block (1 = blocked, PyTorch's key_padding_mask and boolean attn_mask), additive (added to the scores; -inf or large negative = blocked, finite values are biases, as Hugging Face and T5).",
        default: "keep")

    static let qkNormOption = Option<QueryKeyNorm.Span>.choice(
        "qk-norm", "span",
        help:
            qkNormSpans + "; γ^q, γ^k from --gq, --gk (else ones)."
    )
    /// What `--qk-norm` does, in every command's help.
    private static let qkNormSpans =
        "RMS-normalise Q and K before RoPE, x / √(mean(x²) + ε) ⊙ γ: head over each head's d_k values (Qwen3), projection over each row's whole Q and K (OLMo 2)"
    static let qkNormEpsilonOption = Option<Double>(
        .value("qk-norm-eps", "e", help: "ε of the QK-norm (rms_norm_eps).", default: "1e-6, or the checkpoint's"),
        convert: { text, spec throws(UsageError) in
            guard let value = Double(text), value.isFinite, value >= 0 else {
                throw spec.invalid(text, "expected a finite number, 0 or more")
            }
            try Option<Double>.refuseZeroRead(text, value, spec)
            return value
        })

    /// `run`'s declarations, in the order help lists them: a bundle may bring RoPE scaling too.
    static let declarations: [any DeclaredOption] = [
        ropeOption, ropeBaseOption, ropeDimsOption,
        ropeScalingOption.reworded(
            ropeScalingRules + " none (or default): no scaling, also dropping a checkpoint's or bundle's.",
            default: "none, or the bundle's or checkpoint's"),
        positionOffsetOption, alibiFlag, windowOption, softcapOption,
        headDimOption, qkNormOption, qkNormEpsilonOption, maskKindOption,
    ]

    /// `attend`'s declarations: heads are Q's columns, there are no projections.
    static let attendDeclarations: [any DeclaredOption] = [
        ropeOption, ropeBaseOption, ropeDimsOption, ropeScalingOption, positionOffsetOption, alibiFlag, windowOption,
        softcapOption,
        headDimOption.reworded(
            "d_k, each head's width when it is not Q's width / τ: Q is n_q × τ·k, K is n_k × kv_heads·k.",
            default: "Q's width / τ"),
        qkNormOption, qkNormEpsilonOption, maskKindOption,
    ]

    /// The declarations `bench` accepts: all but the mask kind (bench times no mask), worded
    /// without a checkpoint, bundle or gains to take settings from.
    static let benchDeclarations: [any DeclaredOption] = [
        ropeOption, ropeBaseOption.reworded(ropeBaseOption.spec.help, default: "10000"), ropeDimsOption,
        ropeScalingOption.reworded(ropeScalingRules + " none (or default): no scaling.", default: "none"),
        positionOffsetOption, alibiFlag, windowOption, softcapOption,
        headDimOption, qkNormOption.reworded(qkNormSpans + "; γ^q = γ^k = ones."),
        qkNormEpsilonOption.reworded(qkNormEpsilonOption.spec.help, default: "1e-6"),
    ]

    /// Whether any option was given (bench then times the configured pass).
    var isEmpty: Bool { self == ScoreOptions() }

    /// The options given, as a command line would spell them: `rope half, window 256`.
    var summary: [String] {
        var parts: [String] = []
        if let rope { parts.append("rope \(rope.rawValue)" + (ropeDims.map { " (\($0) dims)" } ?? "")) }
        if let ropeBase { parts.append("rope base \(ScoreRulesSummary.plain(ropeBase))") }
        if let ropeScaling { parts.append(ropeScaling.rule.map(ScoreRulesSummary.describe) ?? "no rope scaling") }
        if let positionOffset { parts.append("offset \(positionOffset)") }
        if alibi { parts.append("alibi") }
        if let window { parts.append("window \(window)") }
        if let softcap { parts.append("softcap \(ScoreRulesSummary.plain(softcap))") }
        if let headDim { parts.append("head dim \(headDim)") }
        if let qkNorm { parts.append("qk-norm \(qkNorm.rawValue)") }
        if let qkNormEpsilon { parts.append("qk-norm eps \(ScoreRulesSummary.plain(qkNormEpsilon))") }
        return parts
    }

    /// A positive finite number.
    private static func positive(_ text: String, _ spec: OptionSpec) throws(UsageError) -> Double {
        guard let value = Double(text), value.isFinite else {
            throw spec.invalid(text, "expected a positive finite number")
        }
        try Option<Double>.refuseZeroRead(text, value, spec)
        guard value > 0 else { throw spec.invalid(text, "expected a positive finite number") }
        return value
    }

    /// Nothing given.
    init() {}

    /// Reads the options from `a`. With `rotaryFromFile` (a `--checkpoint` or `--bundle` that
    /// may bring RoPE), `--rope-base` and `--rope-dims` may adjust its RoPE without `--rope`.
    init(_ a: ParsedArguments, rotaryFromFile: Bool = false) throws(UsageError) {
        let declared = { (spec: OptionSpec) in a.spec.option(long: spec.long) != nil }
        rope = try a[Self.ropeOption]
        ropeBase = try a[Self.ropeBaseOption]
        ropeDims = try a[Self.ropeDimsOption]
        ropeScaling = try a[Self.ropeScalingOption]
        positionOffset = try a[Self.positionOffsetOption]
        alibi = a[Self.alibiFlag]
        window = try a[Self.windowOption]
        softcap = try a[Self.softcapOption]
        headDim = try a[Self.headDimOption]
        maskKind = declared(Self.maskKindOption.spec) ? try a[Self.maskKindOption] : nil
        qkNorm = try a[Self.qkNormOption]
        qkNormEpsilon = try a[Self.qkNormEpsilonOption]
        try requireRope(rotaryFromFile: rotaryFromFile)
    }

    /// Refuses `--rope-base`, `--rope-dims` or `--rope-scaling` without `--rope`, unless a
    /// checkpoint or bundle may bring the RoPE they adjust.
    func requireRope(rotaryFromFile: Bool) throws(UsageError) {
        if rope == nil, !rotaryFromFile, let given = adjustment {
            throw .invalidRequest("\(given) sets up rotary positions; give --rope half or --rope interleaved too")
        }
    }

    /// The first RoPE-adjusting option given, as spelt on the command line.
    var adjustment: String? {
        ropeBase != nil ? "--rope-base" : ropeDims != nil ? "--rope-dims" : ropeScaling != nil ? "--rope-scaling" : nil
    }

    /// The rotary embedding for the engine, or nil.
    var rotaryEmbedding: RotaryEmbedding? {
        rope.map {
            RotaryEmbedding(convention: $0, base: ropeBase ?? 10000, dimensions: ropeDims, scaling: ropeScaling?.rule)
        }
    }
}

extension ScoreOptions {
    /// Sets the configuration's head width, positions and score rules from the options given,
    /// leaving the others as they are (a checkpoint's, or the defaults).
    func configure(_ c: inout AttentionConfiguration) throws(UsageError) {
        if let headDim { c.headDim = headDim }
        if let positionOffset { c.positionOffset = positionOffset }
        if let rotaryEmbedding {
            c.rope = rotaryEmbedding
        } else if var rope = c.rope {  // a checkpoint's RoPE, adjusted by --rope-base, -dims, -scaling
            if let ropeBase { rope.base = ropeBase }
            if let ropeDims { rope.dimensions = ropeDims }
            if let ropeScaling { rope.scaling = ropeScaling.rule }
            c.rope = rope
        } else if let given = adjustment {
            throw .invalidRequest(
                "\(given) adjusts RoPE, but nothing here sets RoPE up (no --rope, bundle \"rope\" or checkpoint RoPE); give --rope half or --rope interleaved to add it"
            )
        }
        if alibi { c.alibi = true }
        if let window { c.window = window }
        if let softcap { c.softcap = softcap }
        try configureNorm(&c)
    }

    /// The QK-norm: `--qk-norm` sets one up (keeping a checkpoint's gains and ε unless
    /// replaced), `--qk-norm-eps` changes its ε.
    private func configureNorm(_ c: inout AttentionConfiguration) throws(UsageError) {
        if let qkNorm {
            var norm = c.qkNorm ?? QueryKeyNorm()
            if norm.span != qkNorm { (norm.queryGain, norm.keyGain) = (nil, nil) }  // another span's gains do not fit
            norm.span = qkNorm
            c.qkNorm = norm
        }
        guard let qkNormEpsilon else { return }
        guard c.qkNorm != nil else {
            throw .invalidRequest(
                "--qk-norm-eps sets the QK-norm's epsilon, but nothing sets a QK-norm up; give --qk-norm head or --qk-norm projection too"
            )
        }
        c.qkNorm?.epsilon = qkNormEpsilon
    }
}

/// `--rope-scaling`'s value: a rule, or `none`/`default` (the paper's frequencies, also taking
/// a checkpoint's scaling away).
enum RopeScalingChoice: Sendable, Equatable {
    case plain
    case rule(RotaryScaling)

    /// The rule, or nil for the paper's frequencies.
    var rule: RotaryScaling? {
        if case let .rule(r) = self { return r }
        return nil
    }
}

extension AttentionMask.Kind {
    /// The same kind for a mask of another precision.
    func converted<T: AttentionScalar>() -> AttentionMask<T>.Kind {
        switch self {
        case .keep: return .keep
        case .block: return .block
        case .additive: return .additive
        }
    }
}
