#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Float: AttentionScalar {
    /// eˣ through the C library's `expf` (within one ulp).
    @inlinable
    public static func exponential(_ x: Float) -> Float { expf(x) }

    /// `"float32"`, as numpy names it.
    public static var precisionName: String { "float32" }
}

extension Float {
    /// Whether the finite float64 `value` rounds to ±∞ in float32: round to nearest takes every
    /// value below the midpoint between float32's largest finite value (3.4028235e38) and 2¹²⁸,
    /// 3.40282356779733661637539395458142568448e38, to a finite float32 (so `3.4028235e38`, as
    /// float32's largest prints, is kept) and the midpoint itself, a tie, to ±∞ (the even
    /// neighbour).
    public static func roundsToInfinity(_ value: Double) -> Bool {
        value.isFinite && Float(value).isInfinite
    }
}
