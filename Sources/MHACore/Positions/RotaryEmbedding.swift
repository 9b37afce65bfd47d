#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rotary position embedding (RoPE, Su et al.): each head's Q_j and K_j rows are rotated in
/// pairs of dimensions by angles proportional to the token's position, so that
/// q_pos·k_posᵀ depends on positions only through their difference.
///
/// Pair i (0 ≤ i < R/2) of a row at position p turns by θ = p · base^(−2i/R):
///
///     (x_a, x_b) ← (x_a·cos θ − x_b·sin θ,  x_b·cos θ + x_a·sin θ)
///
/// where (a, b) = (i, i + R/2) for `.half` and (2i, 2i + 1) for `.interleaved`. Only the
/// first R dimensions of each head turn (partial rotary); the rest pass unchanged. A
/// `scaling` rule (Llama 3.1's, YaRN, linear) changes the frequencies base^(−2i/R) first.
public struct RotaryEmbedding: Sendable, Equatable {
    /// Which dimensions form a rotated pair.
    public enum Convention: String, Sendable, CaseIterable {
        /// i with i + R/2: Hugging Face Llama / GPT-NeoX `rotate_half`.
        case half
        /// 2i with 2i + 1: RoFormer, GPT-J, Meta's original Llama code.
        case interleaved
    }

    /// The pairing of dimensions.
    public var convention: Convention
    /// The base of the frequencies (10000 in the paper; Llama 3 uses 500000). Positive, finite.
    public var base: Double
    /// R, the rotated dimensions of each head: even, 2 ≤ R ≤ d_k; `nil` means d_k.
    public var dimensions: Int?
    /// How the frequencies are changed for long contexts; `nil` for the paper's.
    public var scaling: RotaryScaling?

    /// A rotary embedding; defaults are the paper's (base 10000, every dimension, no scaling).
    public init(
        convention: Convention = .half, base: Double = 10000, dimensions: Int? = nil, scaling: RotaryScaling? = nil
    ) {
        self.convention = convention
        self.base = base
        self.dimensions = dimensions
        self.scaling = scaling
    }

    /// R for heads of width `headDim`.
    public func rotatedDimensions(headDim: Int) -> Int { dimensions ?? headDim }

    /// base^(−2i/R) for i = 0 ..< R/2, changed by `scaling` when there is one, in float64:
    /// the angle per position of each pair.
    /// - Throws: `AttentionError.nonPositive` for `headDim` < 1, and
    ///   `AttentionError.invalidRotaryDimensions` for an R that is not even, positive and at
    ///   most `headDim` (as the forward pass refuses them).
    public func inverseFrequencies(headDim: Int) throws(AttentionError) -> [Double] {
        guard headDim > 0 else { throw .nonPositive(name: "head_dim", value: headDim) }
        try checkDimensions(headDim: headDim)
        return inverseFrequencies(validHeadDim: headDim)
    }

    /// Throws `AttentionError.invalidRotaryDimensions` unless R is even, positive and at most
    /// `headDim`: the pairs RoPE can turn.
    func checkDimensions(headDim: Int) throws(AttentionError) {
        let r = rotatedDimensions(headDim: headDim)
        guard r > 0, r % 2 == 0, r <= headDim else {
            throw .invalidRotaryDimensions(dimensions: r, headDim: headDim)
        }
    }

    /// `inverseFrequencies(headDim:)` for dimensions already validated (none for R < 2).
    func inverseFrequencies(validHeadDim headDim: Int) -> [Double] {
        let r = Swift.max(0, rotatedDimensions(headDim: headDim))  // none for a negative R
        let plain = (0..<(r / 2)).map { i in pow(base, -Double(2 * i) / Double(r)) }
        return scaling?.scaled(plain, base: base, rotatedDimensions: r) ?? plain
    }

    /// The largest angle RoPE turns by for positions up to `lastPosition` (that position times
    /// the largest frequency) and the error float64 leaves in it: p·f and f are each rounded
    /// to half an ulp, so about 2⁻⁵² of the angle.
    public func angleError(lastPosition: Int, headDim: Int) -> (angle: Double, error: Double) {
        let angle = Double(Swift.max(0, lastPosition)) * (inverseFrequencies(validHeadDim: headDim).max() ?? 0)
        return (angle, angle * 0x1p-52)
    }

    /// Absolute angle errors above this are reported (`AttentionWarning.imprecisePositions`):
    /// reached at angles of about 4.5·10⁶ radians, a million or so positions from 0.
    public static let reportedAngleError = 1e-9

    /// The two dimensions (within a head) of pair `i`.
    public func pair(_ i: Int, headDim: Int) -> (Int, Int) {
        let r = rotatedDimensions(headDim: headDim)
        switch convention {
        case .half: return (i, i + r / 2)
        case .interleaved: return (2 * i, 2 * i + 1)
        }
    }

    /// The matrix with every head's row `r` rotated for position `firstPosition + r`;
    /// `heads` column blocks of width `headDim` (the rows of Q or of K).
    ///
    /// Rows are rotated in bands of 64, spread over the cores when there are many (each
    /// element is computed the same way however the bands are split); within a row, each head's
    /// pairs are one loop over contiguous halves (`.half`) or adjacent elements
    /// (`.interleaved`), which the compiler vectorises.
    /// - Complexity: O(rows · heads · R) time; the cosines and sines (times the scaling's
    ///   amplitude, YaRN's attention factor) are computed once per row and pair, in float64.
    /// - Precondition: R even and 2 ≤ R ≤ `headDim`; `heads · headDim ≤ m.columns`;
    ///   `firstPosition ≥ 0` and the last position `firstPosition + rows − 1` at most 2⁵³
    ///   (the forward pass checks all of them before calling this).
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public func rotated<S: AttentionScalar>(
        _ m: Matrix<S>, heads: Int, headDim: Int,
        firstPosition: Int
    ) -> Matrix<S> {
        let r = rotatedDimensions(headDim: headDim)
        precondition(r >= 2 && r % 2 == 0 && r <= headDim, "RoPE rotates an even R of 2 … d_k = \(headDim), not \(r)")
        let width = heads.multipliedReportingOverflow(by: headDim)
        precondition(
            heads >= 0 && !width.overflow && width.partialValue <= m.columns,
            "\(heads) heads of \(headDim) in \(m.shape)")
        precondition(
            firstPosition >= 0 && firstPosition <= AttentionRules.maximumPosition - Swift.max(0, m.rows - 1),
            "positions \(firstPosition) … of \(m.rows) rows pass 2^53")
        var out = m
        let frequencies = inverseFrequencies(validHeadDim: headDim)
        let amplitude = scaling?.amplitude ?? 1
        let (rows, columns, pairs) = (m.rows, m.columns, frequencies.count)
        let band = 64
        let bands = (rows + band - 1) / band
        let work = rows.multipliedReportingOverflow(by: heads * 2 * pairs)
        let threads = work.overflow || work.partialValue >= 1 << 18 ? KernelContext.current.threads : 1
        out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, pairs > 0 else { return }
            frequencies.withUnsafeBufferPointer { frequencies in
                Kernels.parallelFor(bands, threads: threads) { index in
                    let angles = UnsafeMutablePointer<S>.allocate(capacity: 2 * pairs)
                    defer { angles.deallocate() }
                    let (cosines, sines) = (angles, angles + pairs)
                    for row in (index * band)..<Swift.min(rows, (index + 1) * band) {
                        let position = Double(firstPosition + row)
                        for i in 0..<pairs {
                            let angle = position * frequencies[i]
                            cosines[i] = S(cos(angle) * amplitude)
                            sines[i] = S(sin(angle) * amplitude)
                        }
                        for head in 0..<heads {
                            rotate(base + row * columns + head * headDim, pairs: pairs, cosines, sines)
                        }
                    }
                }
            }
        }
        return out
    }

    /// One head's row: pair i turns by the angle whose cosine and sine are `cosines[i]`,
    /// `sines[i]`: (x_a, x_b) ← (x_a·cos − x_b·sin, x_b·cos + x_a·sin).
    @inline(__always)
    private func rotate<S: AttentionScalar>(
        _ row: UnsafeMutablePointer<S>, pairs: Int, _ cosines: UnsafePointer<S>, _ sines: UnsafePointer<S>
    ) {
        switch convention {
        case .half:
            let second = row + pairs
            for i in 0..<pairs {
                let (x, y) = (row[i], second[i])
                row[i] = x * cosines[i] - y * sines[i]
                second[i] = y * cosines[i] + x * sines[i]
            }
        case .interleaved:
            for i in 0..<pairs {
                let (x, y) = (row[2 * i], row[2 * i + 1])
                row[2 * i] = x * cosines[i] - y * sines[i]
                row[2 * i + 1] = y * cosines[i] + x * sines[i]
            }
        }
    }
}
