@testable import MHACore

/// `count` uniform values in -1...1.
func randomValues<S: AttentionScalar>(_ type: S.Type, count: Int, seed: UInt64) -> [S] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in S(Double.random(in: -1...1, using: &generator)) }
}

/// The reference product in Double (Float inputs are exactly representable), with the
/// error scale Σₚ |a_ip|·|op(b)_pj| of each entry, the natural bound for rounding error.
/// Operands are row-major with strides; op(B) is B or Bᵀ.
func referenceProduct<S: AttentionScalar>(
    m: Int, n: Int, k: Int, a: [S], lda: Int, b: [S], ldb: Int, transposeB: Bool
) -> (value: [Double], scale: [Double]) {
    var value = [Double](repeating: 0, count: m * n)
    var scale = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0, compensation = 0.0, magnitude = 0.0
            for p in 0..<k {
                let x = Double(a[i * lda + p])
                let y = Double(transposeB ? b[j * ldb + p] : b[p * ldb + j])
                // Kahan summation: the reference must be more exact than the Double kernel.
                let term = x * y - compensation
                let next = sum + term
                compensation = (next - sum) - term
                sum = next
                magnitude += abs(x * y)
            }
            value[i * n + j] = sum
            scale[i * n + j] = magnitude
        }
    }
    return (value, scale)
}
