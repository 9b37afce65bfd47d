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
    /// Whether the number was stored in binary (an .npy array), not written as text.
    public var isBinary: Bool
    /// The narrower binary type the number was stored in (an `<f4` .npy), if any: it is then
    /// compared at that type's precision, not at full float64 precision.
    public var storage: NarrowFloat?

    /// A precision; `isIntegral` defaults to `decimals == 0` when not said.
    public init(
        decimals: Int, significantDigits: Int, isIntegral: Bool? = nil, isBinary: Bool = false,
        storage: NarrowFloat? = nil
    ) {
        self.decimals = decimals
        self.significantDigits = significantDigits
        self.isIntegral = isIntegral ?? (decimals == 0)
        self.isBinary = isBinary || storage != nil
        self.storage = storage
    }

    /// A number stored in binary as float64 (an `<f8` .npy file): compared at full precision.
    public static let binary = WrittenPrecision(decimals: 17, significantDigits: 17, isIntegral: false, isBinary: true)

    /// A number stored in binary as `type` (float32, PyTorch's default): compared at its precision.
    public static func stored(_ type: NarrowFloat) -> WrittenPrecision {
        WrittenPrecision(decimals: 17, significantDigits: 17, isIntegral: false, storage: type)
    }

    /// Significant digits from which a number counts as written at full precision, compared
    /// with relative tolerance `fullPrecisionTolerance` instead of its last digit.
    public static let fullPrecisionDigits = 10
    /// The relative tolerance of a full-precision entry.
    public static let fullPrecisionTolerance = 1e-9

    /// Whether this counts as full (float64) precision.
    public var isFull: Bool { storage == nil && significantDigits >= Self.fullPrecisionDigits }

    /// Half a unit of the last written digit, 0.5·10^−decimals.
    public var halfUnit: Double {
        var unit = 1.0
        // 10^400 is already +∞ (and its reciprocal 0): more decimals change nothing.
        for _ in 0..<Swift.min(decimals.magnitude, 400) { unit *= 10 }
        return 0.5 * (decimals >= 0 ? 1 / unit : unit)
    }

    /// How far an entry written like this may be from `right`: half a unit of its last
    /// digit, and never less than 1e-9 relative to `right` (or to the right matrix's
    /// `largest` magnitude × 1e-3, for values near zero) — so that full-precision answers
    /// from another program pass despite last-digit rounding. An entry stored as a narrower
    /// float is within its type's `relativeTolerance` of `right` or of `largest`.
    public func tolerance(for right: Double, largest: Double) -> Double {
        if let storage { return storage.tolerance(for: right, largest: largest) }
        let relative = Self.fullPrecisionTolerance * max(right.magnitude, 1e-3 * largest)
        return max(halfUnit * (1 + 1e-9), relative)
    }
}

/// A binary type narrower than float64 that an answer can come in: its values carry only
/// that type's precision (and a computation in it, a few units in its last place more).
public enum NarrowFloat: String, Sendable, Hashable, CaseIterable {
    case float32, float16, bfloat16

    /// Significant digits from which a written number holds as much as a float32 does (its
    /// 24-bit significand is 7.2 decimal digits): only such entries are excused by its rounding.
    public static let float32Digits = 7

    /// The rounding a computation in this type leaves, relative to the matrix's largest
    /// magnitude: float32 1e-6 and float16 8e-3, about eight units in the last place of a
    /// value of magnitude 1 (2^−23 ≈ 1.2e-7, 2^−10); bfloat16 1.6e-2 (torch.testing's rtol
    /// for bfloat16, two units of 2^−7): a whole forward pass in bfloat16 (PyTorch SDPA, n up
    /// to 1024, d_model 768) is off by at most 6.4e-3 of the largest output magnitude, and
    /// the earlier 6e-2 let a forgotten scale pass.
    public var relativeTolerance: Double {
        switch self {
        case .float32: return 1e-6
        case .float16: return 8e-3
        case .bfloat16: return 1.6e-2
        }
    }

    /// `relativeTolerance` as the docs write it: `1e-6`.
    public var toleranceText: String {
        switch self {
        case .float32: return "1e-6"
        case .float16: return "8e-3"
        case .bfloat16: return "1.6e-2"
        }
    }

    /// `relativeTolerance` of `right` or of the matrix's `largest` magnitude, whichever is
    /// larger: a rounding error in this type is relative to the magnitudes it is computed from.
    public func tolerance(for right: Double, largest: Double) -> Double {
        relativeTolerance * max(right.magnitude, largest)
    }
}
