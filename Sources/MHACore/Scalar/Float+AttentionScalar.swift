import Foundation

extension Float: AttentionScalar {
    @inlinable
    public static func exponential(_ x: Float) -> Float { Foundation.expf(x) }

    public static var precisionName: String { "float32" }
}
