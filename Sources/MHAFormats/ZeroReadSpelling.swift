/// A number nonzero as written that float64 reads as 0 (`1e-400`): where 0 would change an
/// option's meaning (a scale, an ε, a RoPE base), such a value is refused, not warned of.
public enum ZeroReadSpelling {
    /// The reason given when such a value is refused.
    public static let reason =
        "it is below float64's smallest subnormal (4.9e-324) and would be read as 0: give 0 for zero"

    /// Whether `text`, read as `value`, is a nonzero spelling read as zero: `value` is ±0 and
    /// the significand (before any exponent) has a nonzero digit.
    public static func readsNonzeroAsZero(_ text: some StringProtocol, value: Double) -> Bool {
        value == 0 && text.prefix { $0 != "e" && $0 != "E" }.contains { ("1"..."9").contains($0) }
    }
}
