import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RoPE scaling rules read from transformers' words: a `rope_type` (`linear`, `llama3`,
/// `yarn`; `default` for none) and its parameters by their config.json names. Shared by
/// config.json, a bundle's `rope_scaling` object, and `--rope-scaling TYPE:key=value,…`.
public enum RotaryScalingParameters {
    /// What a rule was read from besides its own parameters: config.json's top-level
    /// `max_position_embeddings` and `original_max_position_embeddings` (which transformers
    /// prefers to the block's own); nil outside a config.json.
    public struct Context: Sendable {
        public var maxPositionEmbeddings: Double?
        public var originalMaxPositionEmbeddings: Double?

        /// The context of a config.json (either may be nil), or none.
        public init(maxPositionEmbeddings: Double? = nil, originalMaxPositionEmbeddings: Double? = nil) {
            self.maxPositionEmbeddings = maxPositionEmbeddings
            self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
        }
    }

    /// Why a rule cannot be read, as one sentence for a message.
    public struct Problem: Error, Sendable {
        public let message: String
    }

    /// The types computed here.
    public static var supportedTypes: [String] { names.keys.sorted() }

    /// The parameter names each type reads.
    static let names: [String: [String]] = [
        "linear": ["factor"],
        "llama3": ["factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"],
        "yarn": [
            "factor", "original_max_position_embeddings", "beta_fast", "beta_slow", "attention_factor", "mscale",
            "mscale_all_dim", "truncate",
        ],
    ]

    /// The rule `type` names with these parameters, or nil for one of `plainWords` (the
    /// paper's RoPE: `default` in config.json and bundles). With `strict`, a parameter the type does not read is refused (a typo on the command
    /// line or in a bundle); config.json may carry others, which transformers ignores too.
    /// Defaults follow transformers: llama3's and yarn's `original_max_position_embeddings`
    /// from the context, yarn's `factor` as max / original, `beta_fast` 32 and `beta_slow` 1
    /// (also for 0), `truncate` true, and the attention factor from `mscale` and
    /// `mscale_all_dim` when both are non-zero.
    public static func rule(
        type: String, numbers: [String: Double], booleans: [String: Bool] = [:], strict: Bool,
        context: Context = Context(), plainWords: [String] = ["default"]
    ) throws(Problem) -> RotaryScaling? {
        if plainWords.contains(type) { return nil }
        guard let known = names[type] else {
            let plain = plainWords.joined(separator: " or ")
            throw Problem(
                message:
                    "rope_type \(MessageText.quoted(type)) (scaled RoPE) is not supported; supported: \(plain) (no scaling), \(supportedTypes.joined(separator: ", "))"
            )
        }
        if strict,
            let extra = (Array(numbers.keys) + Array(booleans.keys)).sorted().first(where: { !known.contains($0) })
        {
            // Keys a config.json's rope_parameters carries beside the scaling.
            let elsewhere = [
                "rope_theta": "RoPE's base (rope_base)", "partial_rotary_factor": "the rotated dimensions (rope_dims)",
            ]
            if let what = elsewhere[extra] {
                throw Problem(message: "\(extra) is \(what), not part of the scaling; give it there")
            }
            throw Problem(
                message:
                    "rope scaling \(type) has no parameter \(MessageText.quoted(extra)); its parameters: \(known.joined(separator: ", "))"
            )
        }
        func required(_ name: String, _ value: Double?) throws(Problem) -> Double {
            guard let value else { throw Problem(message: "rope scaling \(type) needs \(name)") }
            return value
        }
        // transformers prefers config.json's top-level original_max_position_embeddings.
        let original =
            context.originalMaxPositionEmbeddings ?? numbers["original_max_position_embeddings"]
            ?? context.maxPositionEmbeddings
        switch type {
        case "linear":
            return .linear(factor: try required("factor", numbers["factor"]))
        case "llama3":
            return .llama3(
                RotaryScaling.Llama3(
                    factor: try required("factor", numbers["factor"]),
                    lowFrequencyFactor: try required("low_freq_factor", numbers["low_freq_factor"]),
                    highFrequencyFactor: try required("high_freq_factor", numbers["high_freq_factor"]),
                    originalContext: try required("original_max_position_embeddings", original)))
        default:
            let originalContext = try required("original_max_position_embeddings", original)
            let factor = try required(
                "factor", numbers["factor"] ?? context.maxPositionEmbeddings.map { $0 / originalContext })
            return .yarn(yarn(numbers, booleans, factor: factor, originalContext: originalContext))
        }
    }

    /// YaRN's rule: the attention factor from `mscale` and `mscale_all_dim` when both are
    /// non-zero and none is given, the betas' defaults for missing or 0 values.
    private static func yarn(
        _ numbers: [String: Double], _ booleans: [String: Bool], factor: Double, originalContext: Double
    ) -> RotaryScaling.YaRN {
        var attentionFactor = numbers["attention_factor"]
        if attentionFactor == nil, let m = numbers["mscale"], let all = numbers["mscale_all_dim"], m != 0, all != 0 {
            func magnitude(_ m: Double) -> Double { factor <= 1 ? 1 : 0.1 * m * log(factor) + 1 }
            attentionFactor = magnitude(m) / magnitude(all)
        }
        func beta(_ name: String, _ standard: Double) -> Double {
            numbers[name].flatMap { $0 == 0 ? nil : $0 } ?? standard
        }
        return RotaryScaling.YaRN(
            factor: factor, originalContext: originalContext, betaFast: beta("beta_fast", 32),
            betaSlow: beta("beta_slow", 1), attentionFactor: attentionFactor, truncate: booleans["truncate"] ?? true)
    }

    /// `--rope-scaling`'s text: `none` or `default` (no scaling), or `TYPE:name=value,…` with
    /// transformers' names
    /// (`llama3:factor=8,low_freq_factor=1,high_freq_factor=4,original_max_position_embeddings=8192`);
    /// `truncate` takes `true` or `false`. Nil for `none` and `default`.
    public static func parse(_ text: String) throws(Problem) -> RotaryScaling? {
        let (type, rest) =
            text.firstIndex(of: ":").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) }
            ?? (text, "")
        var numbers: [String: Double] = [:], booleans: [String: Bool] = [:]
        let items = rest.isEmpty ? [] : rest.split(separator: ",", omittingEmptySubsequences: false)
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw Problem(message: "expected name=value, found \(MessageText.quoted(String(item)))")
            }
            let (name, value) = (String(parts[0]), String(parts[1]))
            guard numbers[name] == nil, booleans[name] == nil else {
                throw Problem(message: "\(name) is given twice")
            }
            if name == "truncate" {
                guard let flag = Bool(value) else {
                    throw Problem(message: "truncate takes true or false, found \(MessageText.quoted(value))")
                }
                booleans[name] = flag
            } else {
                guard let number = Double(value), number.isFinite else {
                    throw Problem(message: "\(name) expects a finite number, found \(MessageText.quoted(value))")
                }
                guard !ZeroReadSpelling.readsNonzeroAsZero(value, value: number) else {
                    throw Problem(message: "\(name)=\(MessageText.quoted(value)): \(ZeroReadSpelling.reason)")
                }
                numbers[name] = number
            }
        }
        let plainWords = ["none", "default"]
        if plainWords.contains(type), !rest.isEmpty { throw Problem(message: "\(type) takes no parameters") }
        return try rule(type: type, numbers: numbers, booleans: booleans, strict: true, plainWords: plainWords)
    }
}
