import Foundation

extension Double: AttentionScalar {
    @inlinable
    public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }

    public static var precisionName: String { "float64" }
}
