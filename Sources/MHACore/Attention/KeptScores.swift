/// The path that keeps a head's weights (and, with `.scores`, every score stage): from the raw
/// products Q_j·K_jᵀ to the weights, the stages of docs/attention-options.md's order applied
/// band by band of rows, so that each band goes through scale, soft-cap, ALiBi, masks and the
/// softmax while it is in cache (a whole n_q × n_k matrix per stage was one pass over memory
/// each); a stage's matrix is filled only when the scores are kept.
struct KeptScores<Scalar: AttentionScalar> {
    /// Softmax(masked logits), rows × n_k.
    var weights: Matrix<Scalar>
    /// Every stage, with `.scores`.
    var stages: ScoreStages<Scalar>?
    /// Rows with a score that overflowed the precision (the scaled product, or a bias added).
    var overflowedRows: [Bool]
    /// Rows (of the call, from 0) with no key left to attend to.
    var fullyMaskedRows: [Int]

    /// Elements per band: 32 Ki (256 KiB of Double), within L2 beside the stage copies.
    static var bandElements: Int { 1 << 15 }

    /// The stages of `products` (rows × n_k, raw Q_j·K_jᵀ), row r being query row
    /// `firstRow + r` at position `firstPosition + r` (key coordinates).
    init(
        products: consuming Matrix<Scalar>, rule: ScoreRule<Scalar>, mask: ResolvedMask<Scalar>?,
        firstRow: Int, firstPosition: Int, keepStages: Bool, alibiSlope: Double?
    ) {
        var logits = products
        let (rows, n) = (logits.rows, logits.columns)
        func stage(_ wanted: Bool) -> Matrix<Scalar>? { wanted ? Matrix(rows: rows, columns: n) : nil }
        var scaled = stage(keepStages)
        var capped = stage(keepStages && rule.softcap != nil)
        var biased = stage(keepStages && rule.slope != nil)
        var masked = stage(keepStages)
        var overflowed = [Bool](repeating: false, count: rows)
        var fullyMasked: [Int] = []
        let band = Swift.max(1, Self.bandElements / Swift.max(n, 1))
        for first in stride(from: 0, to: rows, by: band) {
            let range = first..<Swift.min(rows, first + band)
            logits.updateRows(range) { r, row in
                // Only the visible keys' scores can overflow the row: a key the causal/window
                // range blocks is never used (as in the streamed path).
                let visible = rule.visibleKeys(position: firstPosition + r, keyCount: n).clamped(to: 0..<n)
                overflowed[r] = !Kernels.scaledFinite(
                    UnsafeMutableBufferPointer(rebasing: row[visible]), scale: rule.scale)
                for t in row.indices { row[t] *= rule.scale }
            }
            scaled?.copyRows(range, from: logits)
            if let c = rule.softcap {
                logits.updateRows(range) { _, row in
                    for t in row.indices { row[t] = ScoreRule.cap(row[t], c) }
                }
                capped?.copyRows(range, from: logits)
            }
            if let m = rule.slope {
                logits.updateRows(range) { r, row in
                    let position = firstPosition + r
                    for t in row.indices { row[t] -= m * Scalar(position - t) }
                }
                biased?.copyRows(range, from: logits)
            }
            logits.updateRows(range) { r, row in
                let visible = rule.visibleKeys(position: firstPosition + r, keyCount: n).clamped(to: 0..<n)
                if let mask {
                    for t in row.indices {
                        row[t] = ScoreRule.biased(row[t], mask.value(row: firstRow + r, key: t))
                        if row[t].isNaN && visible.contains(t) { overflowed[r] = true }  // the bias overflowed it
                    }
                }
                let (lower, upper) = (
                    visible.isEmpty ? n : visible.lowerBound, visible.isEmpty ? n : visible.upperBound
                )
                UnsafeMutableBufferPointer(rebasing: row[0..<lower]).update(repeating: -Scalar.infinity)
                UnsafeMutableBufferPointer(rebasing: row[upper..<n]).update(repeating: -Scalar.infinity)
            }
            masked?.copyRows(range, from: logits)
            fullyMasked += Kernels.softmaxRows(&logits, rows: range)
        }
        weights = logits
        if let scaled, let masked {
            stages = ScoreStages(scaled: scaled, capped: capped, biased: biased, masked: masked, alibiSlope: alibiSlope)
        } else {
            stages = nil
        }
        overflowedRows = overflowed
        fullyMaskedRows = fullyMasked
    }
}
