/// A register tile type that can also exponentiate a whole vector, for the streamed softmax.
protocol AttentionTile: GEMMTile {
    /// eˣ lane by lane for x ≤ 0 (the softmax's x − max), within about 2 ulp; lanes below
    /// the underflow cutoff (including −∞, a masked score) give exactly 0.
    static func exponential(_ x: Row) -> Row
}

extension Kernels {
    /// a·b + c, fused in builds with FMA.
    @inline(__always)
    static func fusedMultiplyAdd<R: SIMD>(_ a: R, _ b: R, _ c: R) -> R
    where R.Scalar: AttentionScalar {
        #if MHA_FMA
        return c.addingProduct(a, b)
        #else
        return a * b + c
        #endif
    }
}

// Both exponentials use the same scheme: k = round(x / ln 2), r = x − k·ln 2 (ln 2 split in
// a high part exact in k·ln2Hi and a low part), |r| ≤ ln 2 / 2; eʳ from its Taylor series,
// long enough that the truncation error is below half an ulp (r¹⁴/14! < 5e-18 for Double,
// r⁸/8! < 6e-9 for Float); 2ᵏ built directly in the exponent bits: adding 1.5·2^52 (2^23)
// leaves k in the low bits, to which the exponent bias is added before shifting it into place.

extension DoubleTile: AttentionTile {
    @inline(__always)
    static func exponential(_ x: Row) -> Row {
        let cutoff = -708.0
        let underflow = x .< Row(repeating: cutoff)
        let clamped = x.replacing(with: cutoff, where: underflow)
        let k = (clamped * 1.442_695_040_888_963_4).rounded(.toNearestOrEven)
        let r = (clamped - k * 6.931_471_803_691_238_164_90e-01) - k * 1.908_214_929_270_587_700_02e-10
        var p = Row(repeating: 1.0 / 6_227_020_800)
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1.0 / 479_001_600))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1.0 / 39_916_800))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1.0 / 3_628_800))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1.0 / 362_880))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1.0 / 40_320))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1.0 / 5_040))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1.0 / 720))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1.0 / 120))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1.0 / 24))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1.0 / 6))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 0.5))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1))
        let bits = unsafeBitCast(k + Row(repeating: 6_755_399_441_055_744), to: RowBits.self)
        let twoToK = unsafeBitCast((bits &+ 1023) &<< 52, to: Row.self)
        return (p * twoToK).replacing(with: 0, where: underflow)
    }
}

extension FloatTile: AttentionTile {
    @inline(__always)
    static func exponential(_ x: Row) -> Row {
        let cutoff: Float = -87
        let underflow = x .< Row(repeating: cutoff)
        let clamped = x.replacing(with: cutoff, where: underflow)
        let k = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
        let r = (clamped - k * 0.693_145_751_953_125) - k * 1.428_606_765_330_187e-06
        var p = Row(repeating: 1 / 5_040)
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1 / 720))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1 / 120))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1 / 24))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1 / 6))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 0.5))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1))
        p = Kernels.fusedMultiplyAdd(p, r, Row(repeating: 1))
        let bits = unsafeBitCast(k + Row(repeating: 12_582_912), to: RowBits.self)
        let twoToK = unsafeBitCast((bits &+ 127) &<< 23, to: Row.self)
        return (p * twoToK).replacing(with: 0, where: underflow)
    }
}
