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
