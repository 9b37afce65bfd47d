import MHACore

/// RoPE as transformers 5's class for config.json's `model_type` computes it: the base, the
/// rotated width and the scaling, with each class's defaults and each class's reading of
/// `partial_rotary_factor`.
extension CheckpointLayer {
    /// A layer's RoPE and what was read differently from what config.json suggests.
    struct Rotary {
        var rope: RotaryEmbedding
        var warnings: [String] = []
    }

    /// RoPE from config.json: `rotate_half` pairing, base `rope_theta` (GPT-NeoX's
    /// `rotary_emb_base`; the class's default when a config.json omits it), the rotated width
    /// and the scaling (`linear`, `llama3`, `yarn`; other types are refused rather than
    /// computed wrong).
    ///
    /// The rotated width follows each class: GPT-NeoX's `partial_rotary_factor` in the RoPE
    /// object, else `rotary_pct` (0.25), never a top-level `partial_rotary_factor` or
    /// `rope_theta` (GPTNeoXConfig does not read them); Phi's `partial_rotary_factor` (0.5) and
    /// Phi-3's (1); the Llama family's classes rotate all of d_k without scaling, whatever
    /// `partial_rotary_factor` says (ignored with a warning), and with a scaling fail on one
    /// that narrows it (refused).
    /// - Parameter given: RoPE's base given explicitly (it wins over config.json).
    /// - Throws: a data error for what transformers refuses or fails on, or a missing base
    ///   without a config.json.
    static func rotary(
        _ family: CheckpointArchitecture, config: ModelConfig?, layer: Int, headDim: Int, base given: Double?,
        archive: any ArrayArchive
    ) throws(FormatError) -> Rotary {
        let neox = family == .gptNeox
        var scaling = try config?.rotaryScaling()
        var configured = try config?.ropeBase(topLevel: !neox)
        var layerType: String?
        // Gemma 3's sliding layers in transformers 4's spelling read no RoPE object.
        var readsRopeObject = true
        if let config, config.modelType == "gemma3_text" {
            let sliding = try gemma3Sliding(config, layer: layer)
            (configured, scaling) = try gemma3Rotary(config, sliding: sliding)
            if config.hasRopeParameters(forLayerType: gemma3LayerType(sliding: sliding)) {
                layerType = gemma3LayerType(sliding: sliding)
            } else {
                readsRopeObject = !sliding
            }
        }
        if configured == nil, neox { configured = try config?.positiveNumber("rotary_emb_base") }
        guard let base = given ?? configured ?? config.map({ defaultRopeTheta($0.modelType) }) else {
            throw FormatError(
                kind: .data, file: archive.name,
                message: "RoPE's base (rope_theta) is not in the weights and there is no config.json to say it")
        }
        var warnings: [String] = []
        if readsRopeObject, let warning = try config?.unreadRopeParametersWarning(layerType: layerType) {
            warnings.append(warning)
        }
        let fraction: Double?
        var path = config?.rotaryFractionPath(layerType: layerType) ?? "$.partial_rotary_factor"
        switch family {
        case .gptNeox:
            // GPTNeoXConfig: the RoPE object's factor, else rotary_pct, else 0.25.
            var neoxFraction = try config?.rotaryFraction(topLevel: false)
            if neoxFraction == nil, let pct = try config?.positiveNumber("rotary_pct") {
                (neoxFraction, path) = (pct, "$.rotary_pct")
            }
            fraction = neoxFraction ?? 0.25
        case .phi: fraction = try config?.rotaryFraction() ?? 0.5  // PhiConfig's default
        case .phi3: fraction = try config?.rotaryFraction()
        default:
            let asked = try config?.rotaryFraction(layerType: layerType)
            if let asked, let config, Int(Double(headDim) * asked) != headDim {
                guard scaling == nil else {
                    throw FormatError(
                        kind: .data, file: config.name, path: path,
                        message:
                            "partial_rotary_factor \(ModelConfig.describe(asked)) with scaled RoPE: transformers' \(config.modelType ?? "llama") computes frequencies for \(Int(Double(headDim) * asked)) of d_k = \(headDim) dimensions and then fails to apply them (its attention turns all of d_k); not computed"
                    )
                }
                warnings.append(
                    "\(config.name)'s partial_rotary_factor \(ModelConfig.describe(asked)) is not read: \(config.modelType ?? "llama")'s RoPE without scaling turns all d_k = \(headDim) dimensions, as transformers' class does (it ignores the key)"
                )
            }
            fraction = nil
        }
        var dimensions = headDim
        if let factor = fraction {
            // transformers takes int(d_k · factor) as the rotated width in the frequencies'
            // exponent; an odd one then rotates one more dimension than it has frequencies for
            // (GPT-NeoX) or fails (Phi): refused rather than rounded.
            dimensions = Int(Double(headDim) * factor)
            guard dimensions >= 2, dimensions % 2 == 0 else {
                throw FormatError(
                    kind: .data, file: config?.name ?? archive.name, path: path,
                    message:
                        dimensions < 2
                        ? "partial_rotary_factor \(factor) rotates no pair of d_k = \(headDim) dimensions"
                        : "partial_rotary_factor \(factor) of d_k = \(headDim) is \(dimensions) dimensions, an odd number: transformers' RoPE is not defined for it (GPT-NeoX rotates \(dimensions + 1) with frequencies for \(dimensions)); not computed"
                )
            }
        }
        let rope = RotaryEmbedding(
            convention: .half, base: base, dimensions: dimensions == headDim ? nil : dimensions, scaling: scaling)
        return Rotary(rope: rope, warnings: warnings)
    }

    /// transformers' RoPE base for a config.json that names none: its class's `default_theta`,
    /// 10000 but for Mixtral (1e6) and SmolLM3 (2e6); Gemma 3's are per layer type (1e6 full,
    /// 1e4 sliding: `gemma3Rotary`).
    static func defaultRopeTheta(_ modelType: String?) -> Double {
        switch modelType {
        case "mixtral": return 1_000_000
        case "smollm3": return 2_000_000
        default: return 10000
        }
    }
}
