import MHACore
import MHAFormats

/// What a decode cache records about the layer that made it, and the check that a run
/// continues only a cache of its own configuration: d_model, τ, g, d_k, the window, RoPE,
/// ALiBi, soft-cap, a fingerprint of W^k, W^v, b^k, b^v (and the key norm's rule, γ^k, ε), and
/// the precision.
enum DecodeCacheSettings {
    /// One recorded setting: the array's name, its values, and how a message shows them.
    struct Setting {
        var name: String
        var values: [Double]
        var shown: String
    }

    /// The settings of `decoder`, in the order they are checked.
    static func settings<S: AttentionScalar>(_ decoder: AttentionCache<S>) -> [Setting] {
        let s = decoder.shapes, c = decoder.configuration
        let rope = c.rope
        let fingerprint = decoder.keyValueFingerprint
        let ropeName =
            rope.map {
                "\($0.convention.rawValue) (base \($0.base), \($0.rotatedDimensions(headDim: s.headDim)) dimensions\($0.scaling.map { ", " + ScoreRulesSummary.describe($0) } ?? ""))"
            } ?? "none"
        // A scaling's rule and parameters follow the three plain values (so that a cache made
        // before scalings existed still matches an unscaled run).
        let ropeValues: [Double] =
            rope.map {
                [$0.convention == .half ? 1 : 2, $0.base, Double($0.rotatedDimensions(headDim: s.headDim))]
                    + ($0.scaling.map(Self.values) ?? [])
            } ?? [0, 0, 0]
        return [
            Setting(name: "d_model", values: [Double(s.modelDim)], shown: "\(s.modelDim)"),
            Setting(name: "heads", values: [Double(s.heads)], shown: "\(s.heads)"),
            Setting(name: "kv_heads", values: [Double(s.kvHeads)], shown: "\(s.kvHeads)"),
            Setting(name: "head_dim", values: [Double(s.headDim)], shown: "\(s.headDim)"),
            Setting(name: "window", values: [Double(c.window ?? 0)], shown: c.window.map { "\($0)" } ?? "none"),
            Setting(name: "rope", values: ropeValues, shown: ropeName),
            Setting(name: "alibi", values: [c.alibi ? 1 : 0], shown: c.alibi ? "on" : "off"),
            Setting(name: "softcap", values: [c.softcap ?? 0], shown: c.softcap.map { "\($0)" } ?? "none"),
            Setting(
                name: "kv_weights", values: [Double(fingerprint >> 32), Double(fingerprint & 0xFFFF_FFFF)],
                shown: String(fingerprint, radix: 16)),
        ]
    }

    /// A scaling as numbers: its rule (1 linear, 2 llama3, 3 yarn), then its parameters.
    private static func values(_ scaling: RotaryScaling) -> [Double] {
        let rule = (scalingRules.firstIndex(of: scaling.name) ?? -1) + 1
        return [Double(rule)] + scaling.parameters.map(\.value)
    }

    /// The scaling rules in the order their numbers (1, 2, 3) record them.
    private static let scalingRules = ["linear", "llama3", "yarn"]

    /// Refuses a saved cache whose settings or precision differ from `current` (exit 65,
    /// naming the file, the setting and both values).
    static func check(_ saved: DecodeCacheFile, against current: [Setting], precisionBits: Int, file: String)
        throws(FormatError)
    {
        func refuse(_ difference: String) -> FormatError {
            FormatError(
                kind: .data, file: file,
                message: "this cache was made with \(difference): a cache continues only the configuration that made it"
            )
        }
        if saved.precisionBits != precisionBits {
            throw refuse(
                "float\(saved.precisionBits) values, this run computes in float\(precisionBits)\(precisionBits == 32 ? " (--float)" : " (no --float)")"
            )
        }
        for setting in current {
            guard let values = saved.settings[setting.name] else {
                throw FormatError(kind: .data, file: file, message: "not a decode cache: no array '\(setting.name)'")
            }
            if let damage = damage(setting.name, values) {
                throw FormatError(kind: .data, file: file, message: "a damaged decode cache: \(damage)")
            }
            guard values == setting.values else {
                if setting.name == "kv_weights" {
                    throw refuse("other W^k, W^v, biases or key norm (QK-norm γ^k, ε) than this run's")
                }
                throw refuse(
                    "\(setting.name) \(describe(setting.name, values)), this run has \(setting.name) \(setting.shown)")
            }
        }
    }

    /// What is wrong with a saved setting no run could have written (an `alibi` other than 0
    /// or 1, a `rope` kind other than 0 none, 1 half, 2 interleaved), or nil.
    private static func damage(_ name: String, _ values: [Double]) -> String? {
        switch name {
        case "alibi" where values != [0] && values != [1]:
            return "its alibi is \(values.map(count).joined(separator: ", ")), not 0 (off) or 1 (on)"
        case "rope" where values.count < 3 || ![0, 1, 2].contains(values[0]):
            return "its rope kind is \(values.first.map(count) ?? "missing"), not 0 (none), 1 (half) or 2 (interleaved)"
        default: return nil
        }
    }

    /// A saved setting's values as the messages show them.
    private static func describe(_ name: String, _ values: [Double]) -> String {
        switch name {
        case "window": return values.first.map { $0 == 0 ? "none" : count($0) } ?? "?"
        case "rope":
            guard values.count >= 3, values[0] != 0 else { return "none" }
            let rule = Int(exactly: values.count > 3 ? values[3] : 0).flatMap { number in
                scalingRules.indices.contains(number - 1) ? scalingRules[number - 1] : nil
            }
            let scaling =
                values.count > 3
                ? ", \(rule ?? "unknown") scaling (\(values.dropFirst(4).map { "\($0)" }.joined(separator: ", ")))"
                : ""
            return
                "\(values[0] == 1 ? "half" : "interleaved") (base \(values[1]), \(Self.count(values[2])) dimensions\(scaling))"
        case "alibi": return values.first == 1 ? "on" : "off"
        case "softcap": return values.first.map { $0 == 0 ? "none" : "\($0)" } ?? "?"
        default: return values.map(count).joined(separator: ", ")
        }
    }

    /// A saved number as a count when it is a whole one (`3`), else as it is (`2.5`, `1e+300`):
    /// a damaged file may hold any float.
    private static func count(_ value: Double) -> String { Int(exactly: value).map { "\($0)" } ?? "\(value)" }
}
