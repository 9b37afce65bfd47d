/// A user mask in the one form the kernels read: values added to the logits (0 = may attend,
/// −∞ = blocked, any other finite value a bias), row-major n_q × n_k, or one row broadcast to
/// every query (`rowStride` 0).
struct ResolvedMask<Scalar: AttentionScalar> {
    var additive: [Scalar]
    var rowStride: Int
    /// Warnings about the mask itself (a 0/1 mask that looks inverted).
    var warnings: [AttentionWarning]
    /// Whether some finite value is at least 1 in magnitude: only such a bias can swamp a
    /// score by more than the precision's rounding (`HeadOperands.firstSwampedRow`).
    var hasLargeBiases = false

    /// The additive form of row `row` (an index into all n_q rows), key `key`.
    func value(row: Int, key: Int) -> Scalar { additive[row * rowStride + key] }
}

extension ResolvedMask {
    /// Checks the mask's shape (n_q × n_k, or 1 × n_k) and entries for its kind and converts
    /// it to the additive form.
    /// - Throws: `.shapeMismatch` naming both shapes, `.invalidMaskValue` / `.invalidMaskEntry`.
    init(_ mask: AttentionMask<Scalar>, queries: Int, keys: Int) throws(AttentionError) {
        let m = mask.values
        let broadcast = m.rows == 1 && m.columns == keys
        guard broadcast || (m.rows == queries && m.columns == keys) else {
            throw .shapeMismatch(
                name: "mask", actual: m.shape,
                reason: queries == keys
                    ? "the input has \(keys) tokens"
                    : queries == 1
                        ? "there is 1 query row and \(keys) keys" : "there are \(queries) query rows and \(keys) keys",
                expected: queries == 1
                    ? "1×\(keys) (one value per key)" : "\(queries)×\(keys) (or 1×\(keys), one value per key)")
        }
        var additive = [Scalar](repeating: 0, count: m.elements.count)
        for (index, value) in m.elements.enumerated() {
            if let error = AttentionMask.entryError(value, index: index, columns: keys, kind: mask.kind) { throw error }
            switch mask.kind {
            case .keep, .block:
                let blocked = (value == 1) == (mask.kind == .block)
                additive[index] = blocked ? -Scalar.infinity : 0
            case .additive:
                additive[index] = value
            }
        }
        self.additive = additive
        hasLargeBiases = mask.kind == .additive && additive.contains { $0.isFinite && Swift.abs($0) >= 1 }
        rowStride = broadcast ? 0 : keys
        warnings =
            mask.kind == .keep
            ? Self.inversionEvidence(additive, rows: m.rows, keys: keys, queries: queries, broadcast: broadcast)
                .map { [.probablyInvertedMask($0)] } ?? []
            : []
    }

    /// Why a 0/1 mask read as keep looks written the other way round: every query row blocks
    /// the key at its own position (rows of a full mask, at least two of them), or every row
    /// blocks more than half of at least two keys. Nil when it looks as meant.
    static func inversionEvidence(
        _ additive: [Scalar], rows: Int, keys: Int, queries: Int,
        broadcast: Bool
    ) -> AttentionWarning.InvertedMaskEvidence? {
        guard keys >= 2 else { return nil }
        if !broadcast {
            // Query row i is at key coordinate i + n_k − n_q.
            let own = (0..<rows).compactMap { i -> Int? in
                let t = i + keys - queries
                return (0..<keys).contains(t) ? i * keys + t : nil
            }
            if own.count >= 2 && own.allSatisfy({ additive[$0] == -Scalar.infinity }) { return .diagonalBlocked }
        }
        let mostBlocked = (0..<rows).allSatisfy { i in
            additive[(i * keys)..<((i + 1) * keys)].filter { $0 == -Scalar.infinity }.count * 2 > keys
        }
        return mostBlocked ? .mostKeysBlocked : nil
    }
}
