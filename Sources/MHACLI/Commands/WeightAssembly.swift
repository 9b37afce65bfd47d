import MHACore

/// The engine's parameters from the matrices a command was given, by bundle key: separate
/// `wq`, `wk`, `wv`, PyTorch's packed `in_proj` or GPT-2's packed `qkv`; `wo`; separate `bq`,
/// `bk`, `bv` or one packed `qkv_bias` / `in_proj_bias`; `bo`. Shared by `run` and `decode`,
/// so that both take the same weights the same way and refuse the same contradictions.
enum WeightAssembly {
    /// Refuses weight or bias flags that give the same thing twice over (a packed form and its
    /// parts, or both packed biases), in the flags' words, before anything is read. `paths`:
    /// the files given, by bundle key.
    static func refuseContradictingFlags(_ paths: [String: String]) throws(UsageError) {
        if paths["in_proj"] != nil, let separate = ["wq", "wk", "wv"].first(where: { paths[$0] != nil }) {
            throw .invalidRequest("--in-proj replaces --wq, --wk and --wv; do not give --\(separate) too")
        }
        if paths["qkv"] != nil, let other = ["in_proj", "wq", "wk", "wv"].first(where: { paths[$0] != nil }) {
            throw .invalidRequest(
                "--qkv replaces --wq, --wk and --wv; do not give \(ProjectionOverride.flag(other)) too")
        }
        if paths["qkv_bias"] != nil, paths["in_proj_bias"] != nil {
            throw .invalidRequest("--qkv-bias and --in-proj-bias are the same packed bias; give one")
        }
        if let packed = paths["qkv_bias"] != nil ? "--qkv-bias" : paths["in_proj_bias"] != nil ? "--in-proj-bias" : nil,
            let separate = ["bq", "bk", "bv"].first(where: { paths[$0] != nil })
        {
            throw .invalidRequest("\(packed) replaces --bq, --bk and --bv; do not give --\(separate) too")
        }
    }

    /// The parameters in precision `S`; `refusal(message, names)` makes the error for a
    /// contradiction among the named inputs (a usage error, or bad data naming a bundle).
    static func parameters<S: AttentionScalar>(
        _ matrices: [String: Matrix<Double>], layout: WeightLayout, refusal: (String, [String]) -> any Error
    ) throws -> AttentionParameters<S> {
        func get(_ key: String) -> Matrix<S>? { matrices[key]?.converted(to: S.self) }
        guard let wo = get("wo") else {
            throw UsageError.missingOption(option: "--wo <file>", reason: "W^o is required")
        }
        if matrices["qkv_bias"] != nil, matrices["in_proj_bias"] != nil {
            throw refusal("qkv_bias and in_proj_bias are the same packed bias; give one", ["qkv_bias", "in_proj_bias"])
        }
        let packedBiasName = ["qkv_bias", "in_proj_bias"].first(where: { matrices[$0] != nil })
        let packedBias = packedBiasName.flatMap(get)
        if let packedBiasName, let separate = ["bq", "bk", "bv"].first(where: { matrices[$0] != nil }) {
            throw refusal(
                "the packed qkv_bias replaces bq, bk and bv, but \(separate) was given too", [packedBiasName, separate])
        }
        let separate = ["wq", "wk", "wv"].first(where: { matrices[$0] != nil })
        if let packed = get("qkv") {
            if let other = matrices["in_proj"] != nil ? "in_proj" : separate {
                throw refusal("qkv replaces wq, wk and wv, but \(other) was given too", ["qkv", other])
            }
            return AttentionParameters(
                packedQKV: packed, wo: wo, packedBias: packedBias, bq: get("bq"), bk: get("bk"), bv: get("bv"),
                bo: get("bo"), layout: layout)
        }
        if let packed = get("in_proj") {
            if let separate {
                throw refusal("in_proj replaces wq, wk and wv, but \(separate) was given too", ["in_proj", separate])
            }
            return AttentionParameters(
                inProjection: packed, wo: wo, bq: get("bq"), bk: get("bk"), bv: get("bv"),
                bo: get("bo"), layout: layout, packedBias: packedBias)
        }
        guard let wq = get("wq"), let wk = get("wk"), let wv = get("wv") else {
            throw UsageError.missingOption(option: "--wq <file>", reason: "W^q, W^k and W^v are required")
        }
        return AttentionParameters(
            wq: wq, wk: wk, wv: wv, wo: wo, bq: get("bq"), bk: get("bk"), bv: get("bv"),
            bo: get("bo"), layout: layout, packedBias: packedBias)
    }

    /// Sets the QK-norm's gains γ^q and γ^k from `gq` and `gk` (one row or one column of
    /// values each); `refusal` as in `parameters`.
    static func setNormGains(
        _ matrices: [String: Matrix<Double>], _ c: inout AttentionConfiguration,
        refusal: (String, [String]) -> any Error
    ) throws {
        let given = ["gq", "gk"].filter { matrices[$0] != nil }
        guard let first = given.first else { return }
        guard c.qkNorm != nil else {
            throw refusal(
                "\(first) is a QK-norm gain, but no QK-norm is set up; give --qk-norm head or --qk-norm projection (a bundle's \"qk_norm\") too",
                given)
        }
        for key in given {
            guard let m = matrices[key] else { continue }
            guard m.rows == 1 || m.columns == 1 else {
                throw AttentionError.shapeMismatch(
                    name: key, actual: m.shape, reason: "a QK-norm gain is one vector", expected: "one row of values")
            }
            if key == "gq" { c.qkNorm?.queryGain = m.elements } else { c.qkNorm?.keyGain = m.elements }
        }
    }
}
