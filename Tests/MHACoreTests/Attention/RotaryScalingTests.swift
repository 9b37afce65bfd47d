import Foundation
import MHACore
import Testing

/// RotaryScaling against transformers' own frequencies for published configs
/// (Fixtures/rope-scaling/frequencies.json, made by make_frequencies.py: Llama 3.1 and 3.2,
/// Qwen2.5's YaRN, a DeepSeek-style mscale YaRN, linear interpolation). transformers computes
/// them in float32 (its pow loses up to ~10⁻⁶ on the smallest frequencies), so they agree to
/// 2·10⁻⁶ relative; the float64 results are checked
/// end to end against float64 references by the checkpoint fixtures.
@Suite struct RotaryScalingTests {
    struct Case: Decodable {
        var head_dim: Int
        var base: Double
        var scaling: [String: Scalar]
        var inv_freq: [Double]
        var attention_factor: Double
    }

    /// A JSON number, string or boolean of a scaling object.
    enum Scalar: Decodable {
        case number(Double), text(String), flag(Bool)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                self = .flag(b)
            } else if let d = try? c.decode(Double.self) {
                self = .number(d)
            } else {
                self = .text(try c.decode(String.self))
            }
        }
        var number: Double? { if case let .number(d) = self { return d } else { return nil } }
    }

    static func cases() throws -> [String: Case] {
        let url = try #require(
            Bundle.module.url(forResource: "Fixtures/rope-scaling/frequencies", withExtension: "json"))
        return try JSONDecoder().decode([String: Case].self, from: Data(contentsOf: url))
    }

    /// The engine's rule for a case, built from its parameters by hand (MHACore reads no
    /// config.json; MHAFormats' reading of these names is tested there).
    static func rule(_ c: Case) throws -> RotaryScaling {
        let p = c.scaling.compactMapValues(\.number)
        guard case let .text(type)? = c.scaling["rope_type"] ?? c.scaling["type"] else {
            throw CocoaError(.coderInvalidValue)
        }
        switch type {
        case "linear": return .linear(factor: try #require(p["factor"]))
        case "llama3":
            return .llama3(
                .init(
                    factor: try #require(p["factor"]), lowFrequencyFactor: try #require(p["low_freq_factor"]),
                    highFrequencyFactor: try #require(p["high_freq_factor"]),
                    originalContext: try #require(p["original_max_position_embeddings"])))
        default:
            let factor = try #require(p["factor"])
            var attention: Double?
            if let m = p["mscale"], let all = p["mscale_all_dim"] {
                attention = (0.1 * m * log(factor) + 1) / (0.1 * all * log(factor) + 1)
            }
            var truncate = true
            if case let .flag(t)? = c.scaling["truncate"] { truncate = t }
            return .yarn(
                .init(
                    factor: factor, originalContext: try #require(p["original_max_position_embeddings"]),
                    betaFast: p["beta_fast"] ?? 32, betaSlow: p["beta_slow"] ?? 1, attentionFactor: attention,
                    truncate: truncate))
        }
    }

    @Test func frequenciesAgreeWithTransformers() throws {
        let cases = try Self.cases()
        #expect(cases.count == 5)
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let scaling = try Self.rule(c)
            let rope = RotaryEmbedding(convention: .half, base: c.base, scaling: scaling)
            let ours = try rope.inverseFrequencies(headDim: c.head_dim)
            #expect(ours.count == c.inv_freq.count, "\(name)")
            for (i, (a, b)) in zip(ours, c.inv_freq).enumerated() {
                #expect(abs(a - b) <= 2e-6 * abs(b), "\(name) pair \(i): \(a) vs transformers' \(b)")
            }
            #expect(abs(scaling.amplitude - c.attention_factor) <= 1e-7 * c.attention_factor, "\(name)")
            // Scaling changes something: the plain frequencies differ from transformers'.
            let plain = try RotaryEmbedding(convention: .half, base: c.base).inverseFrequencies(headDim: c.head_dim)
            #expect(zip(plain, c.inv_freq).contains { abs($0 - $1) > 1e-3 * abs($1) }, "\(name)")
        }
    }

    /// YaRN's attention factor multiplies every cosine and sine: a rotated row is the plain
    /// rotation (with YaRN's frequencies) times the factor, on the rotated dimensions only.
    @Test func yarnScalesOnlyTheRotatedDimensions() throws {
        let yarn = RotaryScaling.yarn(.init(factor: 4, originalContext: 16))
        let a = yarn.amplitude
        #expect(abs(a - (0.1 * log(4.0) + 1)) < 1e-15)
        let m = try Matrix<Double>([[1, 2, 3, 4, 5, 6], [0.5, -1, 2, 0.25, 3, -2]])
        let scaled = RotaryEmbedding(convention: .interleaved, base: 100, dimensions: 4, scaling: yarn)
        var frequenciesOnly = scaled
        frequenciesOnly.scaling = nil
        let rotated = scaled.rotated(m, heads: 1, headDim: 6, firstPosition: 3)
        // The same rotation by hand: the scaled frequencies, angles at positions 3 and 4.
        let f = try scaled.inverseFrequencies(headDim: 6)
        #expect(try f != frequenciesOnly.inverseFrequencies(headDim: 6))
        for row in 0..<2 {
            let p = Double(3 + row)
            for i in 0..<2 {
                let (x, y) = (m[row, 2 * i], m[row, 2 * i + 1])
                let (c, s) = (cos(p * f[i]) * a, sin(p * f[i]) * a)
                #expect(abs(rotated[row, 2 * i] - (x * c - y * s)) < 1e-14)
                #expect(abs(rotated[row, 2 * i + 1] - (y * c + x * s)) < 1e-14)
            }
            #expect(rotated[row, 4] == m[row, 4] && rotated[row, 5] == m[row, 5])
        }
    }

    @Test func parametersOutOfTheirDomainAreRefused() throws {
        let x = try Matrix<Double>([[1, 0], [0, 1]])
        let weights = AttentionParameters(wq: x, wk: x, wv: x, wo: x)
        let rules: [(RotaryScaling, String)] = [
            (.linear(factor: 0), "factor 0.0"),
            (.linear(factor: .infinity), "factor inf"),
            (.llama3(.init(factor: 8, lowFrequencyFactor: 4, highFrequencyFactor: 1, originalContext: 8192)), "below"),
            (.yarn(.init(factor: 4, originalContext: -1)), "original_max_position_embeddings -1.0"),
            (.yarn(.init(factor: 4, originalContext: 16, attentionFactor: .nan)), "attention_factor nan"),
        ]
        for (rule, message) in rules {
            let c = AttentionConfiguration(heads: 1, rope: RotaryEmbedding(base: 100, scaling: rule))
            #expect(throws: AttentionError.self) {
                _ = try MultiHeadAttention.forward(input: x, parameters: weights, configuration: c)
            }
            do {
                _ = try MultiHeadAttention.forward(input: x, parameters: weights, configuration: c)
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }
}
