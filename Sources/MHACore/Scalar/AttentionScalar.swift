/// What a floating-point type must provide for the attention engine to run on it.
///
/// `Double` (the default, exact to about 1e-15 relative) and `Float` (single precision,
/// about 1e-6 relative) conform, each in its own file.
public protocol AttentionScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Hashable, Codable,
    LosslessStringConvertible, CustomStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// eˣ, correctly rounded to within one ulp (the platform's `exp`/`expf`).
    static func exponential(_ x: Self) -> Self

    /// A short name for messages: `"float64"` or `"float32"`.
    static var precisionName: String { get }
}
