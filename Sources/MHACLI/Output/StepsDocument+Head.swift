import MHACore
import MHAFormats

extension StepsDocument {
    /// Step 3 for head `j` (0-based): raw scores, scaling, masking, softmax, weighted sum.
    func headStep(_ j: Int) -> [String] {
        let s = shapes
        let h = j + 1
        let rows = s.queryRows
        let scores = result.scores.flatMap { $0.indices.contains(j) ? $0[j] : nil }
        let weights = result.weights.flatMap { $0.indices.contains(j) ? $0[j] : nil }
        let square = Self.shape(rows, s.tokens)
        var lines = [title("Step 3, head \(h) of \(s.heads): head_\(h) = softmax(Q_\(h)·K_\(h)ᵀ·scale + mask)·V_\(h)")]
        lines.append("  3a. Scores Q_\(h)·K_\(h)ᵀ  →  (\(Self.shape(rows, s.headDim)))·(\(Self.shape(s.headDim, s.tokens)))"
                         + " = \(square)")
        lines += scoreValues(rawScores(j))
        lines.append("  3b. Scale by \(scaleText())  →  \(square)")
        lines += scoreValues(scores)
        lines += maskLines(scores, square: square)
        lines.append("  3d. Softmax of each row → attention weights A_\(h) (each row sums to 1)  →  \(square)")
        lines += fullyMaskedNote(h)
        lines += scoreValues(weights)
        lines.append("  3e. head_\(h) = A_\(h)·V_\(h)  →  (\(square))·(\(Self.shape(s.tokens, s.headDim)))"
                         + " = \(Self.shape(rows, s.headDim))")
        lines += values(result.heads.indices.contains(j) ? result.heads[j] : nil, rowLabels: queryLabels)
        return lines
    }

    /// Q_j·K_jᵀ before scaling, computed from the kept Q and K.
    func rawScores(_ j: Int) -> Matrix<S>? {
        let s = shapes
        let q = j * s.headDim ..< (j + 1) * s.headDim
        let g = s.kvHead(for: j)
        let kv = g * s.headDim ..< (g + 1) * s.headDim
        guard let queries = result.queries, let keys = result.keys,
              queries.columns >= q.upperBound, keys.columns >= kv.upperBound else { return nil }
        return Kernels.productTransposed(queries.columnBlock(q), keys.columnBlock(kv))
    }

    /// A rows × n matrix labelled with query tokens down and key tokens across.
    func scoreValues(_ m: Matrix<S>?) -> [String] {
        values(m, rowLabels: queryLabels, columnLabels: tokenLabels)
    }

    /// `1/√d_k = 1/√2 = 0.7071`, or the scale given with `--scale`.
    func scaleText() -> String {
        let d = shapes.headDim
        guard configuration.scale != nil else {
            return "1/√d_k = 1/√\(d) = \(number(shapes.scale))"
        }
        return "the given scale \(number(shapes.scale)) (not 1/√\(d) = \(number(1 / Double(d).squareRoot())))"
    }

    /// 3c: which mask applies and the scores with blocked entries as `-inf`.
    func maskLines(_ scores: Matrix<S>?, square: String) -> [String] {
        let causal = configuration.causal
        let what: (kind: String, rule: String)
        switch (causal, mask != nil) {
        case (false, false):
            return ["  3c. Mask: none, every query sees every key (scores unchanged)"]
        case (true, false): what = ("causal", "token i sees tokens 0…i")
        case (false, true): what = ("user mask", "a 0 in the mask blocks that key")
        case (true, true): what = ("causal and user mask", "token i sees tokens 0…i, and a 0 in the mask blocks that key")
        }
        let masked = scores.map { m in
            Matrix<S>(rows: m.rows, columns: m.columns) { r, t in
                isVisible(query: queryPositions.indices.contains(r) ? queryPositions[r] : r, key: t)
                    ? m[r, t] : -S.infinity
            }
        }
        return ["  3c. Mask (\(what.kind)): blocked entries become -inf  →  \(square)",
                "      \(what.rule)"] + scoreValues(masked)
    }

    /// Whether query token `query` may attend to `key` under the causal and user masks.
    func isVisible(query: Int, key: Int) -> Bool {
        if configuration.causal && key > query { return false }
        guard let mask, query < mask.rows, key < mask.columns else { return true }
        return mask[query, key] != 0
    }

    /// Rows that can see no key: their weights are zeros, not NaN.
    func fullyMaskedNote(_ h: Int) -> [String] {
        queryPositions.filter { q in !(0..<shapes.tokens).contains { isVisible(query: q, key: $0) } }.map {
            "      \(quoted($0)) can attend to no key: its rows of A_\(h) and head_\(h) are 0 (not NaN)"
        }
    }
}
