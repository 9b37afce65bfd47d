import MHACore

/// `%.Nf` (and `%.Ne`) formatting through the C library (`PrintfFormat`).
///
/// Same digits as `String(format:)` (both round the exact binary value half-to-even as
/// printf does), without Foundation's formatting machinery, whose first use loads ICU and
/// costs about 5 ms of a one-off run's start-up.
enum FixedDecimal {
    /// `value` with `decimals` digits after the point (clamped to 0…17); `scientific` writes
    /// `%.Ne` (`1.2500e+06`) instead of `%.Nf`.
    static func format(_ value: Double, decimals: Int, scientific: Bool = false) -> String {
        let digits = max(0, min(decimals, 17))
        return PrintfFormat.string("%.\(digits)\(scientific ? "e" : "f")", value)
    }
}
