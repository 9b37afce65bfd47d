/// Which non-finite values a matrix reader accepts.
///
/// Every input is finite, except that an additive mask blocks a key with −∞ (PyTorch's
/// `generate_square_subsequent_mask`, a float `attn_mask`): reading such a mask accepts −∞ and
/// still refuses NaN and +∞.
public enum NonFiniteRule: Sendable, Equatable {
    /// NaN, +∞ and −∞ are data errors.
    case refused
    /// −∞ is a value; NaN and +∞ are data errors.
    case negativeInfinityAllowed

    /// Whether `value` may be read.
    @inline(__always)
    func accepts(_ value: Double) -> Bool {
        value.isFinite || (self == .negativeInfinityAllowed && value == -.infinity)
    }

    /// The index of the first element that may not be read, or nil.
    func firstRefused(_ elements: [Double]) -> Int? {
        NPYReader.allFinite(elements) ? nil : elements.firstIndex { !accepts($0) }
    }

    /// Whether `text` (a CSV field, trimmed) spells −∞ (`-inf`, `-Infinity`, any case) and
    /// this rule accepts it.
    func acceptsNegativeInfinity(spelled text: String) -> Bool {
        self == .negativeInfinityAllowed && ["-inf", "-infinity"].contains(text.lowercased())
    }
}
