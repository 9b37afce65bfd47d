/// A user mask on the scores, as PyTorch and Hugging Face write them.
///
/// `values` is n_q × n_k (one row per query row, one column per key), or 1 × n_k: a
/// key-padding vector broadcast to every query row. In single-token mode an n_q × n_k mask
/// contributes the token's row. How the values read depends on `kind`:
/// - `.keep` (the default, the textbook's): 1 = may attend, 0 = blocked;
/// - `.block` (PyTorch's `key_padding_mask` and boolean `attn_mask` in `nn.MultiheadAttention`):
///   1 = blocked, 0 = may attend;
/// - `.additive` (Hugging Face's and T5's): each value is added to the score; −∞ blocks the
///   key, any finite value is a bias (large negative values all but block it).
public struct AttentionMask<Scalar: AttentionScalar>: Sendable {
    /// How the mask's values are read.
    public enum Kind: String, Sendable, CaseIterable {
        /// 1 = may attend, 0 = blocked.
        case keep
        /// 1 = blocked, 0 = may attend.
        case block
        /// Added to the scores; −∞ = blocked.
        case additive
    }

    /// n_q × n_k, or 1 × n_k for a key-padding vector.
    public var values: Matrix<Scalar>
    /// How `values` is read.
    public var kind: Kind

    /// A mask of `values` read as `kind`.
    public init(_ values: Matrix<Scalar>, kind: Kind = .keep) {
        self.values = values
        self.kind = kind
    }
}

extension AttentionMask {
    /// Checks every entry for `kind`, as the forward pass does: keep and block entries must be
    /// 0 or 1, additive ones finite or −∞. A front end that rounds a float64 mask to float32
    /// calls it on the values as read first, so that a mask refused in float64 is refused
    /// alike (rounded, 1.00000001 would pass as 1 and 1e-50 as 0).
    /// - Throws: `.invalidMaskValue` (keep) or `.invalidMaskEntry` for the first entry in
    ///   row-major order that is neither.
    public func validateEntries() throws(AttentionError) {
        for (index, value) in values.elements.enumerated() {
            if let error = Self.entryError(value, index: index, columns: values.columns, kind: kind) { throw error }
        }
    }

    /// The refusal of entry `index` (row-major, `columns` wide) holding `value`, or nil when
    /// `kind` accepts it.
    static func entryError(_ value: Scalar, index: Int, columns: Int, kind: Kind) -> AttentionError? {
        let (row, column) = (index / Swift.max(columns, 1), index % Swift.max(columns, 1))
        switch kind {
        case .keep, .block:
            guard value != 0, value != 1 else { return nil }
            return kind == .keep
                ? .invalidMaskValue(row: row, column: column, value: Double(value))
                : .invalidMaskEntry(row: row, column: column, value: Double(value), kind: kind.rawValue)
        case .additive:
            guard !value.isFinite, value != -Scalar.infinity else { return nil }
            return .invalidMaskEntry(row: row, column: column, value: Double(value), kind: kind.rawValue)
        }
    }
}
