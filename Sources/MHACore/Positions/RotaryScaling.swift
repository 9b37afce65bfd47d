#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a rotary embedding's frequencies are changed so that a model reaches past the context
/// it was trained on (`rope_type` in a Hugging Face config.json). Each rule maps the plain
/// frequencies f_i = base^(−2i/R), i = 0 ..< R/2, to new ones, once and independently of the
/// position; YaRN also multiplies every cosine and sine by an attention factor.
public enum RotaryScaling: Sendable, Equatable {
    /// Position interpolation (Chen et al. 2023, transformers' `linear`): f_i / factor, the
    /// same as dividing every position by `factor`.
    case linear(factor: Double)
    /// Llama 3.1's rule (transformers' `llama3`).
    case llama3(Llama3)
    /// YaRN (Peng et al. 2023, transformers' `yarn`).
    case yarn(YaRN)

    /// Llama 3.1's parameters. With wavelength λ_i = 2π / f_i and the context L it was
    /// trained on: λ_i < L / high keeps f_i; λ_i > L / low gives f_i / factor; between, with
    /// s = (L / λ_i − low) / (high − low), it gives (1 − s)·f_i / factor + s·f_i.
    public struct Llama3: Sendable, Equatable {
        /// The stretch of the low frequencies (8 in Llama 3.1).
        public var factor: Double
        /// `low_freq_factor` (1 in Llama 3.1): wavelengths above L / low are stretched.
        public var lowFrequencyFactor: Double
        /// `high_freq_factor` (4 in Llama 3.1): wavelengths below L / high are kept.
        public var highFrequencyFactor: Double
        /// L, `original_max_position_embeddings` (8192 in Llama 3.1).
        public var originalContext: Double

        /// Llama 3.1's rule with these parameters.
        public init(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Double) {
            self.factor = factor
            self.lowFrequencyFactor = lowFrequencyFactor
            self.highFrequencyFactor = highFrequencyFactor
            self.originalContext = originalContext
        }
    }

    /// YaRN's parameters. Pair i's dimension count d_i = R·ln(L / (2π·β)) / (2·ln base) at
    /// β = `betaFast` gives the low end and at β = `betaSlow` the high end of a ramp (floored
    /// and ceiled when `truncate`, then clamped to 0 … R − 1); r_i = clamp((i − low) /
    /// (high − low), 0, 1) blends f_i / factor (weight r_i) with f_i (weight 1 − r_i).
    public struct YaRN: Sendable, Equatable {
        /// s, the stretch of the context.
        public var factor: Double
        /// L, `original_max_position_embeddings`.
        public var originalContext: Double
        /// β_fast (32 in the paper).
        public var betaFast: Double
        /// β_slow (1 in the paper).
        public var betaSlow: Double
        /// The factor on every cosine and sine, so on the rotated part of each score twice;
        /// `nil` means the paper's 0.1·ln s + 1 (1 when s ≤ 1).
        public var attentionFactor: Double?
        /// Whether the ramp's ends are rounded outward to whole dimensions.
        public var truncate: Bool

        /// YaRN with these parameters; the defaults are the paper's.
        public init(
            factor: Double, originalContext: Double, betaFast: Double = 32, betaSlow: Double = 1,
            attentionFactor: Double? = nil, truncate: Bool = true
        ) {
            self.factor = factor
            self.originalContext = originalContext
            self.betaFast = betaFast
            self.betaSlow = betaSlow
            self.attentionFactor = attentionFactor
            self.truncate = truncate
        }

        /// The attention factor in use: the given one, or 0.1·ln s + 1 (1 when s ≤ 1).
        public var resolvedAttentionFactor: Double {
            attentionFactor ?? (factor <= 1 ? 1 : 0.1 * log(factor) + 1)
        }
    }

    /// The factor on every cosine and sine: YaRN's attention factor, 1 for the others.
    public var amplitude: Double {
        if case let .yarn(y) = self { return y.resolvedAttentionFactor }
        return 1
    }

    /// transformers' name of the rule (`linear`, `llama3`, `yarn`).
    public var name: String {
        switch self {
        case .linear: return "linear"
        case .llama3: return "llama3"
        case .yarn: return "yarn"
        }
    }

    /// The rule's parameters by transformers' names, in a fixed order (for reports and the
    /// decode cache's record).
    public var parameters: [(name: String, value: Double)] {
        switch self {
        case let .linear(factor):
            return [("factor", factor)]
        case let .llama3(l):
            return [
                ("factor", l.factor), ("low_freq_factor", l.lowFrequencyFactor),
                ("high_freq_factor", l.highFrequencyFactor), ("original_max_position_embeddings", l.originalContext),
            ]
        case let .yarn(y):
            return [
                ("factor", y.factor), ("original_max_position_embeddings", y.originalContext),
                ("beta_fast", y.betaFast), ("beta_slow", y.betaSlow),
                ("attention_factor", y.resolvedAttentionFactor), ("truncate", y.truncate ? 1 : 0),
            ]
        }
    }

    /// The parameter that leaves the rule undefined, by transformers' name: the first that is
    /// not a positive finite number, or llama3's `low_freq_factor` when it is not below
    /// `high_freq_factor`; nil when the rule is well defined.
    public var invalidParameter: String? {
        for (name, value) in parameters where name != "truncate" && !(value.isFinite && value > 0) { return name }
        if case let .llama3(l) = self, !(l.lowFrequencyFactor < l.highFrequencyFactor) { return "low_freq_factor" }
        return nil
    }

    /// `invalidParameter` described; nil when the rule is well defined.
    public var invalidity: String? {
        guard let name = invalidParameter else { return nil }
        if case let .llama3(l) = self, name == "low_freq_factor", l.lowFrequencyFactor.isFinite,
            l.lowFrequencyFactor > 0
        {
            return "low_freq_factor \(l.lowFrequencyFactor) must be below high_freq_factor \(l.highFrequencyFactor)"
        }
        let value = parameters.first { $0.name == name }?.value ?? .nan
        return "\(name) \(value) must be a positive finite number"
    }

    /// The frequencies f_i = base^(−2i/R) (`plain`, i = 0 ..< R/2) changed by this rule.
    public func scaled(_ plain: [Double], base: Double, rotatedDimensions r: Int) -> [Double] {
        switch self {
        case let .linear(factor):
            return plain.map { $0 / factor }
        case let .llama3(l):
            let longest = l.originalContext / l.lowFrequencyFactor
            let shortest = l.originalContext / l.highFrequencyFactor
            return plain.map { f in
                let wavelength = 2 * Double.pi / f
                if wavelength < shortest { return f }
                if wavelength > longest { return f / l.factor }
                let s =
                    (l.originalContext / wavelength - l.lowFrequencyFactor)
                    / (l.highFrequencyFactor - l.lowFrequencyFactor)
                return (1 - s) * f / l.factor + s * f
            }
        case let .yarn(y):
            let (low, high) = y.ramp(rotatedDimensions: r, base: base)
            return plain.enumerated().map { i, f in
                let weight = Swift.min(Swift.max((Double(i) - low) / (high - low), 0), 1)
                return f / y.factor * weight + f * (1 - weight)
            }
        }
    }
}

extension RotaryScaling.YaRN {
    /// The ramp's ends (low, high) over the pairs, high > low.
    func ramp(rotatedDimensions r: Int, base: Double) -> (Double, Double) {
        func dimension(_ rotations: Double) -> Double {
            Double(r) * log(originalContext / (rotations * 2 * Double.pi)) / (2 * log(base))
        }
        var (low, high) = (dimension(betaFast), dimension(betaSlow))
        if truncate { (low, high) = (low.rounded(.down), high.rounded(.up)) }
        (low, high) = (Swift.max(low, 0), Swift.min(high, Double(r - 1)))
        return (low, high == low ? high + 0.001 : high)
    }
}
