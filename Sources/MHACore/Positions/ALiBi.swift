#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Attention with linear biases (Press et al., 2022; BLOOM): head j adds
/// −m_j · (query position − key position) to its scores, a penalty growing with distance.
public enum ALiBi {
    /// The slopes m_1 … m_τ. For τ a power of two, m_j = 2^(−8j/τ) (j = 1…τ). Otherwise,
    /// with p the largest power of two below τ: the p slopes for p heads, then the first
    /// τ − p of every other slope for 2p heads (2^(−4(2k−1)/p), k = 1, 2, …) — the
    /// paper's and BLOOM's `_get_alibi_slopes`.
    /// - Throws: `AttentionError.nonPositive` for fewer than one head.
    /// - Precondition: `heads ≤ 2³⁰` (one slope per head is kept).
    public static func slopes(heads: Int) throws(AttentionError) -> [Double] {
        guard heads > 0 else { throw .nonPositive(name: "heads", value: heads) }
        return slopes(validHeads: heads)
    }

    /// `slopes(heads:)` for a head count already validated (τ > 0).
    static func slopes(validHeads heads: Int) -> [Double] {
        precondition(heads > 0, "ALiBi needs at least one head")
        precondition(heads <= 1 << 30, "ALiBi slopes for \(heads) heads: at most 2^30")
        var p = 1
        while p * 2 <= heads { p *= 2 }
        let first = (1...p).map { j in pow(2, -8 * Double(j) / Double(p)) }
        guard p < heads else { return first }
        let extra = (0..<(heads - p)).map { k in pow(2, -4 * Double(2 * k + 1) / Double(p)) }
        return first + extra
    }

    /// The bias of a query at `queryPosition` for a key at `keyPosition`, slope `slope`.
    public static func bias(slope: Double, queryPosition: Int, keyPosition: Int) -> Double {
        -slope * Double(queryPosition - keyPosition)
    }
}
