#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Double: AttentionScalar {
    /// eˣ through the C library's `exp` (within one ulp).
    @inlinable
    public static func exponential(_ x: Double) -> Double { exp(x) }

    /// `"float64"`, as numpy names it.
    public static var precisionName: String { "float64" }
}
