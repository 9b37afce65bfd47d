/// How precisely a number was written, which decides how close to the right value it must
/// be: within half a unit of its last written digit (`0.67` covers 0.665…0.675).
///
///     WrittenPrecision(decimals: 2, significantDigits: 2)   // "0.67"
///     WrittenPrecision(decimals: 4, significantDigits: 2)   // "1.5e-3"
public struct WrittenPrecision: Sendable, Equatable, Hashable {
    /// Position of the last written digit: 10^−decimals (`0.67` → 2, `12` → 0, `1.5e-3` → 4,
    /// `1.2e3` → −2).
    public var decimals: Int
    /// Significant digits written (`0.0670` → 3).
    public var significantDigits: Int
    /// Whether the number was written as an integer (no point, no exponent: `0`, `1`, `12`).
    public var isIntegral: Bool

    /// A precision; `isIntegral` defaults to `decimals == 0` when not said.
    public init(decimals: Int, significantDigits: Int, isIntegral: Bool? = nil) {
        self.decimals = decimals
        self.significantDigits = significantDigits
        self.isIntegral = isIntegral ?? (decimals == 0)
    }

    /// A number stored in binary (an .npy file): compared at full precision.
    public static let binary = WrittenPrecision(decimals: 17, significantDigits: 17, isIntegral: false)

    /// Significant digits from which a number counts as written at full precision, compared
    /// with relative tolerance `fullPrecisionTolerance` instead of its last digit.
    public static let fullPrecisionDigits = 10
    /// The relative tolerance of a full-precision entry.
    public static let fullPrecisionTolerance = 1e-9

    /// Whether this counts as full precision.
    public var isFull: Bool { significantDigits >= Self.fullPrecisionDigits }

    /// Half a unit of the last written digit, 0.5·10^−decimals.
    public var halfUnit: Double {
        var unit = 1.0
        for _ in 0..<abs(decimals) { unit *= 10 }
        return 0.5 * (decimals >= 0 ? 1 / unit : unit)
    }

    /// How far an entry written like this may be from `right`: half a unit of its last
    /// digit, and never less than 1e-9 relative to `right` (or to `scale`, the right
    /// matrix's largest magnitude × 1e-3, for values near zero) — so that full-precision
    /// answers from another program pass despite last-digit rounding.
    public func tolerance(for right: Double, scale: Double) -> Double {
        let relative = Self.fullPrecisionTolerance * max(right.magnitude, scale)
        return max(halfUnit * (1 + 1e-9), relative)
    }
}
