/// RMS normalisation of the queries and keys before RoPE ("QK-norm": Qwen3, OLMo 2).
///
/// Each vector x of the span's width, in every row of Q and of K, becomes
///
///     x / √(mean(x²) + ε) ⊙ γ
///
/// where γ is `queryGain` for Q and `keyGain` for K (all ones when not given). The span is
/// each head's d_k values (`.head`: Qwen3, Gemma 3, with one γ of d_k values shared by the
/// heads) or each row's whole projection (`.projection`: OLMo 2, γ^q of τ·d_k values, γ^k of
/// g·d_k). The order is Q = H·W^q + b^q → norm → RoPE, as in transformers.
///
/// The sum of squares is taken in float64 after dividing by the vector's largest magnitude,
/// so that it neither overflows nor underflows whatever the precision and size of the
/// values (transformers computes it in float32).
public struct QueryKeyNorm: Sendable, Equatable {
    /// Which values share one root mean square.
    public enum Span: String, Sendable, CaseIterable {
        /// Each head's d_k values (Qwen3, Gemma 3).
        case head
        /// Each row's τ·d_k (queries) or g·d_k (keys) values (OLMo 2).
        case projection
    }

    /// The values normalised together.
    public var span: Span
    /// ε ≥ 0 under the square root (`rms_norm_eps`; 1e-6 in Qwen3 and OLMo 2).
    public var epsilon: Double
    /// γ^q, the span's width of values multiplying the normalised queries; nil: ones.
    public var queryGain: [Double]?
    /// γ^k, the span's width of values multiplying the normalised keys; nil: ones.
    public var keyGain: [Double]?

    /// A QK-norm; by default per head with ε = 1e-6 and no gains.
    public init(span: Span = .head, epsilon: Double = 1e-6, queryGain: [Double]? = nil, keyGain: [Double]? = nil) {
        self.span = span
        self.epsilon = epsilon
        self.queryGain = queryGain
        self.keyGain = keyGain
    }

    /// The width of one normalised vector in a matrix of `heads` heads of width `headDim`.
    public func width(heads: Int, headDim: Int) -> Int { span == .head ? headDim : heads * headDim }

    /// Throws unless ε is finite and ≥ 0 and each gain has the span's width and finite values.
    func validate(heads: Int, kvHeads: Int, headDim: Int) throws(AttentionError) {
        guard epsilon.isFinite, epsilon >= 0 else { throw .invalidNormEpsilon(epsilon) }
        for (name, gain, count) in [("gq", queryGain, heads), ("gk", keyGain, kvHeads)] {
            guard let gain else { continue }
            let width = width(heads: count, headDim: headDim)
            guard gain.count == width else {
                let what = span == .head ? "d_k = \(headDim)" : "\(count)·\(headDim) = \(width)"
                throw .shapeMismatch(
                    name: name, actual: Shape(rows: 1, columns: gain.count),
                    reason: "the QK-norm spans \(span == .head ? "each head" : "the whole projection") (\(what))",
                    expected: "1×\(width)")
            }
            if let bad = gain.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(name: name, row: 0, column: bad, value: gain[bad])
            }
        }
    }

    /// `m` (rows of Q or K: `heads` blocks of `headDim` columns) with every span normalised
    /// and multiplied by `gain`; `name` ("Q", "K") and `firstToken` name a row whose values
    /// are all zero when ε = 0, which has no norm.
    /// - Throws: `AttentionError.zeroNorm`.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func normalised<S: AttentionScalar>(
        _ m: Matrix<S>, heads: Int, headDim: Int, gain: [Double]?, name: String, firstToken: Int
    ) throws(AttentionError) -> Matrix<S> {
        let width = width(heads: heads, headDim: headDim)
        guard width > 0, m.rows > 0 else { return m }
        var out = m
        let spans = m.columns / width
        let gain = gain ?? [Double](repeating: 1, count: width)
        let epsilon = epsilon
        var zeroRow: Int?
        out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for row in 0..<m.rows where zeroRow == nil {
                for span in 0..<spans where !Self.normalise(base + row * m.columns + span * width, width, epsilon, gain)
                {
                    zeroRow = row
                }
            }
        }
        if let zeroRow { throw .zeroNorm(name: name, token: firstToken + zeroRow) }
        return out
    }

    /// One span in place; false when it is all zeros and ε = 0.
    private static func normalise<S: AttentionScalar>(
        _ x: UnsafeMutablePointer<S>, _ width: Int, _ epsilon: Double, _ gain: [Double]
    ) -> Bool {
        var largest = 0.0
        for i in 0..<width { largest = Swift.max(largest, Double(x[i]).magnitude) }
        guard largest > 0 else { return epsilon > 0 }  // zeros stay zeros
        var sum = 0.0
        for i in 0..<width {
            let y = Double(x[i]) / largest
            sum += y * y
        }
        let mean = sum / Double(width)
        // x / √(mean(x²) + ε) = (x / m) / √(mean((x/m)²) + ε/m²); when ε/m² overflows, m²·mean
        // is negligible beside ε and the denominator is √ε.
        let shifted = epsilon / largest / largest
        if shifted.isFinite {
            let root = (mean + shifted).squareRoot()
            for i in 0..<width { x[i] = S(Double(x[i]) / largest / root * gain[i]) }
        } else {
            let root = epsilon.squareRoot()
            for i in 0..<width { x[i] = S(Double(x[i]) / root * gain[i]) }
        }
        return true
    }
}
