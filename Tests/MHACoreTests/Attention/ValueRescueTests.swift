import Testing

@testable import MHACore

/// Values near the largest finite number: Σ p_t·v_t overflows before the division by ℓ,
/// but the head (a weighted mean of V's rows) does not; every path returns it, checked
/// against a normalise-first reference whose partial sums stay below max|v|.
@Suite("Value rescue")
struct ValueRescueTests {
    /// softmax(Q_j·K_jᵀ·scale [causal]) · V_j per head, the weights normalised before they
    /// multiply V, in Double whatever S is.
    static func reference<S: AttentionScalar>(
        _ q: Matrix<S>, _ k: Matrix<S>, _ v: Matrix<S>, heads: Int, causal: Bool
    ) -> Matrix<Double> {
        let (n, nk, d, dv) = (q.rows, k.rows, q.columns / heads, v.columns / heads)
        var out = Matrix<Double>(rows: n, columns: heads * dv)
        for j in 0..<heads {
            for i in 0..<n {
                let visible = causal ? 0..<(i + nk - n + 1) : 0..<nk
                let scores = visible.map { t in
                    (0..<d).reduce(0.0) { $0 + Double(q[i, j * d + $1]) * Double(k[t, j * d + $1]) }
                        / Double(d).squareRoot()
                }
                let top = scores.max() ?? 0
                let e = scores.map { Double.exponential($0 - top) }
                let total = e.reduce(0, +)
                for c in 0..<dv {
                    out[i, j * dv + c] = zip(visible, e).reduce(0.0) { $0 + $1.1 / total * Double(v[$1.0, j * dv + c]) }
                }
            }
        }
        return out
    }

    /// 200 tokens (two key tiles), two heads of width 2; head 2's values are near the top of
    /// the range in one column and ordinary in the other, head 1's ordinary.
    static func operands<S: AttentionScalar>(_ type: S.Type, huge: S) -> (Matrix<S>, Matrix<S>, Matrix<S>) {
        var random = SplitMix64(seed: 7)
        let q = Matrix<S>.random(rows: 200, columns: 4, scale: 1, using: &random)
        let k = Matrix<S>.random(rows: 200, columns: 4, scale: 1, using: &random)
        var v = Matrix<S>.random(rows: 200, columns: 4, scale: 1, using: &random)
        for t in 0..<200 { v[t, 2] = t % 3 == 0 ? -huge : huge * S(0.5 + Double(t % 7) / 14) }
        return (q, k, v)
    }

    @Test(
        "attend: streamed and plain, full and causal, Double and Float",
        arguments: [Intermediates(), [.weights]], [false, true])
    func attend(_ keep: Intermediates, _ causal: Bool) throws {
        let configuration = AttentionConfiguration(heads: 2, causal: causal, intermediates: keep)
        let (q, k, v) = Self.operands(Double.self, huge: 1e308)
        let r = try MultiHeadAttention.attend(queries: q, keys: k, values: v, configuration: configuration)
        expectClose(r.concat, Self.reference(q, k, v, heads: 2, causal: causal), relativeTolerance: 1e-13)
        let (qf, kf, vf) = Self.operands(Float.self, huge: 3e38)
        let f = try MultiHeadAttention.attend(queries: qf, keys: kf, values: vf, configuration: configuration)
        let expected = Self.reference(qf, kf, vf, heads: 2, causal: causal)
        expectClose(
            Matrix(
                uncheckedRows: f.concat.rows, columns: f.concat.columns, elements: f.concat.elements.map(Double.init)),
            expected, relativeTolerance: 1e-5, normwise: true)
    }

    @Test("forward: V = H·W^v near the top of the range, W^o the identity")
    func forward() throws {
        let (q, k, v) = Self.operands(Double.self, huge: 1e308)
        // H = [Q | K | V]; W^q, W^k, W^v pick those columns, W^o is the identity.
        let h = Matrix<Double>(rows: 200, columns: 12) { i, c in c < 4 ? q[i, c] : c < 8 ? k[i, c - 4] : v[i, c - 8] }
        let pick = { (offset: Int) in Matrix<Double>(rows: 12, columns: 4) { r, c in r == offset + c ? 1 : 0 } }
        let identity = Matrix<Double>(rows: 4, columns: 4) { r, c in r == c ? 1 : 0 }
        let r = try MultiHeadAttention.forward(
            input: h, parameters: .init(wq: pick(0), wk: pick(4), wv: pick(8), wo: identity),
            configuration: .init(heads: 2, headDim: 2))
        expectClose(r.output, Self.reference(q, k, v, heads: 2, causal: false), relativeTolerance: 1e-13)
    }

    @Test("scores that overflow are still named, with or without huge values")
    func scoresStillOverflow() throws {
        var (q, k, v) = Self.operands(Double.self, huge: 1e308)
        q[150, 0] = 1e200
        k[20, 0] = 1e200
        #expect(
            throws: AttentionError.overflow(
                stage: "scores of head 1 (Q_1·K_1ᵀ before the scale, query token 150)", precision: "float64")
        ) {
            _ = try MultiHeadAttention.attend(queries: q, keys: k, values: v, configuration: .init(heads: 2))
        }
    }

    /// V at the largest finite number everywhere: the mean is that number, on the streamed
    /// path (Σp/ℓ rounded to 1 + 1 ulp used to push it to ∞: 65) as on the kept-weights one.
    @Test("V at the largest finite number is that number", arguments: [false, true])
    func largestValues(keepWeights: Bool) throws {
        for (rows, keys) in [(3, 3), (40, 300)] {
            let q = Matrix<Double>(rows: rows, columns: 4) { i, j in Double((i * 7 + j * 3) % 11) / 5 - 1 }
            let k = Matrix<Double>(rows: keys, columns: 4) { i, j in Double((i * 5 + j) % 13) / 6 - 1 }
            let v = Matrix<Double>(rows: keys, columns: 4, repeating: -.greatestFiniteMagnitude)
            let c = AttentionConfiguration(heads: 2, intermediates: keepWeights ? .weights : [])
            let r = try MultiHeadAttention.attend(queries: q, keys: k, values: v, configuration: c)
            // A mean of equal values, within the roundings of Σp·v/ℓ (about n_k ulps).
            let largest = -Double.greatestFiniteMagnitude
            #expect(r.concat.elements.allSatisfy { $0.isFinite && abs($0 / largest - 1) < 1e-13 }, "\(rows) × \(keys)")
            let f = Matrix<Float>(rows: keys, columns: 4, repeating: .greatestFiniteMagnitude)
            let single = try MultiHeadAttention.attend(
                queries: q.converted(to: Float.self), keys: k.converted(to: Float.self), values: f, configuration: c)
            #expect(single.concat.elements.allSatisfy { $0.isFinite && abs($0 / .greatestFiniteMagnitude - 1) < 1e-6 })
        }
    }

    @Test("the exponent keeps n_k·2^−e below one half")
    func exponent() {
        for n in [1, 2, 3, 127, 128, 129, 1 << 20, Int.max / 2] {
            let e = ValueRescue.exponent(keyCount: n)
            // n_k·2^−e < 1/2 ⟺ n_k < 2^(e−1); and e is the least such: n_k ≥ 2^(e−2).
            #expect(e - 1 >= Int.bitWidth - 1 || n < 1 << (e - 1), "n_k = \(n), e = \(e)")
            #expect(n >= 1 << (e - 2), "n_k = \(n), e = \(e) is not the least")
        }
    }
}
