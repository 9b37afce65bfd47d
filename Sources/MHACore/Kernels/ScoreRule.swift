#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one head turns a raw dot product q·k into the logit its softmax sees, in docs/attention-options.md's
/// order: `s = (q·k)·scale` → soft-cap `C·tanh(s/C)` → ALiBi `−m·(p − t)` → masks (the
/// causal/window range of visible keys, then a user mask's additive values, −∞ = blocked).
///
/// Positions here are in key coordinates: key t is at t, and the kernels' query row r at
/// `p = firstPosition + r` (for query row i of n_q against n_k keys, p = i + n_k − n_q); the
/// common position offset cancels in every rule.
struct ScoreRule<S: AttentionScalar> {
    /// The factor on q·k.
    var scale: S
    /// C, or nil for no soft-cap.
    var softcap: S? = nil
    /// m, the head's ALiBi slope, or nil.
    var slope: S? = nil
    /// Keys after the query's position are blocked.
    var causal: Bool = false
    /// Sliding window W: keys p−W+1 … p (causal) or |p − t| < W.
    var window: Int? = nil
    /// A user mask's additive form, row-major: row r of the kernel call at `bias + r·biasStride`
    /// (`biasStride` 0 broadcasts one key-padding row); nil for none.
    var bias: UnsafePointer<S>? = nil
    var biasStride: Int = 0

    /// Whether anything beyond scaling and the visible range changes the scores (the
    /// kernels' fast path folds the scale into the exponentiation otherwise).
    var reshapes: Bool { softcap != nil || slope != nil || bias != nil }

    /// Whether the kernels fold the scale into the exponentiation: with a positive scale and
    /// nothing else reshaping the scores, max(x·scale) = scale·max(x), so a row stays raw and
    /// each weight is exp(x·scale − m).
    var foldsScale: Bool { scale > 0 && !reshapes }

    /// The keys the query at `position` may see before the user mask: a contiguous range,
    /// non-decreasing in both ends as the position grows (so a tile of rows sees the union
    /// from its first row's lower end to its last row's upper end).
    @inline(__always)
    func visibleKeys(position p: Int, keyCount: Int) -> Range<Int> {
        var lower = 0
        var upper = keyCount
        if causal { upper = Swift.min(upper, p + 1) }
        if let window {
            lower = Swift.max(0, p - window + 1)
            if !causal { upper = Swift.min(upper, p + window) }
        }
        lower = Swift.min(lower, keyCount)
        return lower..<Swift.max(lower, upper)
    }

    /// The logit of raw dot product `raw` for key `key` from the query at `position`
    /// (kernel row `row`), the key being in the visible range.
    @inline(__always)
    func logit(_ raw: S, key: Int, position: Int, row: Int) -> S {
        var s = raw * scale
        if let softcap { s = Self.cap(s, softcap) }
        if let slope { s -= slope * S(position - key) }
        if let bias { s = Self.biased(s, bias[row * biasStride + key]) }
        return s
    }

    /// s + b, but NaN (an overflow, reported as such) when a finite b takes s to −∞, as the
    /// vector kernels do: only a bias of −∞ blocks a key.
    @inline(__always)
    static func biased(_ s: S, _ b: S) -> S {
        let sum = s + b
        return sum == -.infinity && b != -.infinity ? .nan : sum
    }

    /// C·tanh(s/C), evaluated in float64.
    @inline(__always)
    static func cap(_ s: S, _ c: S) -> S {
        S(tanh(Double(s / c))) * c
    }
}
