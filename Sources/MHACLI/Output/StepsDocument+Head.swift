import MHACore
import MHAFormats

extension StepsDocument {
    /// Step 3 for head `j` (0-based): raw scores, scaling, then the soft-cap and ALiBi when in
    /// force, masking, softmax, weighted sum. Every matrix after the raw product is the
    /// engine's own (its score stages), never recomputed here.
    func headStep(_ j: Int) -> [String] {
        let s = shapes
        let h = j + 1
        let rows = s.queryRows
        let stages = result.stages.flatMap { $0.indices.contains(j) ? $0[j] : nil }
        let weights = result.weights.flatMap { $0.indices.contains(j) ? $0[j] : nil }
        let square = Self.shape(rows, s.keyCount)
        var letters = "abcdefghij".map(String.init).makeIterator()
        func step(_ text: String) -> String { "  3\(letters.next() ?? "?"). " + text }
        var lines = [title("Step 3, head \(h) of \(s.heads): head_\(h) = softmax(\(scoreFormula(h)))·V_\(h)")]
        let rotated = configuration.rope == nil ? "" : " (the rotated Q_\(h) and K_\(h))"
        lines.append(
            step(
                "Scores Q_\(h)·K_\(h)ᵀ\(rotated)  →  (\(Self.shape(rows, s.headDim)))·(\(Self.shape(s.headDim, s.keyCount)))"
                    + " = \(square)"))
        lines += scoreValues(rawScores(j))
        lines.append(step("Scale by \(scaleText())  →  \(square)"))
        lines += scoreValues(stages?.scaled)
        if let cap = configuration.softcap {
            lines.append(
                step(
                    "Soft-cap: s ← \(number(cap))·tanh(s / \(number(cap))), every score now within ±\(number(cap))  →  \(square)"
                ))
            lines += scoreValues(stages?.capped)
        }
        if configuration.alibi {
            let slope = stages?.alibiSlope ?? result.alibiSlopes.flatMap { $0.indices.contains(j) ? $0[j] : nil }
            lines.append(
                step(
                    "ALiBi: add −m_\(h)·(query position − key position), m_\(h) = \(slope.map(number) ?? "?")  →  \(square)"
                ))
            lines += scoreValues(stages?.biased)
        }
        lines += maskLines(stages?.masked, step: step, square: square)
        lines.append(step("Softmax of each row → attention weights A_\(h) (each row sums to 1)  →  \(square)"))
        lines += fullyMaskedNote(h, weights)
        lines += scoreValues(weights)
        lines.append(
            step(
                "head_\(h) = A_\(h)·V_\(h)  →  (\(square))·(\(Self.shape(s.keyCount, s.valueDim)))"
                    + " = \(Self.shape(rows, s.valueDim))"))
        lines += values(result.heads.indices.contains(j) ? result.heads[j] : nil, rowLabels: queryLabels)
        return lines
    }

    /// `Q_1·K_1ᵀ·scale + mask`, with the soft-cap and ALiBi where they act.
    private func scoreFormula(_ h: Int) -> String {
        var formula = "Q_\(h)·K_\(h)ᵀ·scale"
        if configuration.softcap != nil { formula = "cap(\(formula))" }
        if configuration.alibi { formula += " + ALiBi" }
        return formula + " + mask"
    }

    /// Q_j·K_jᵀ before scaling: the product of the kept (rotated, with RoPE) Q_j and K_j.
    func rawScores(_ j: Int) -> Matrix<S>? {
        let s = shapes
        let q = j * s.headDim..<(j + 1) * s.headDim
        let g = s.kvHead(for: j)
        let kv = g * s.headDim..<(g + 1) * s.headDim
        guard let queries = result.rotatedQueries ?? result.normalisedQueries ?? result.queries,
            let keys = result.rotatedKeys ?? result.normalisedKeys ?? result.keys,
            queries.columns >= q.upperBound, keys.columns >= kv.upperBound
        else { return nil }
        return Kernels.productTransposed(queries.columnBlock(q), keys.columnBlock(kv))
    }

    /// A rows × n_k matrix labelled with query tokens down and key tokens across.
    func scoreValues(_ m: Matrix<S>?) -> [String] {
        values(m, rowLabels: queryLabels, columnLabels: keyLabels)
    }

    /// `1/√d_k = 1/√2 = 0.7071`, or the scale given with `--scale`.
    func scaleText() -> String {
        let d = shapes.headDim
        guard configuration.scale != nil else {
            return "1/√d_k = 1/√\(d) = \(number(shapes.scale))"
        }
        return "the given scale \(number(shapes.scale)) (not 1/√\(d) = \(number(1 / Double(d).squareRoot())))"
    }

    /// The mask step: which masks apply and the engine's logits, blocked entries `-inf`.
    func maskLines(_ masked: Matrix<S>?, step: (String) -> String, square: String) -> [String] {
        let rules = maskRules()
        guard !rules.isEmpty else {
            return [step("Mask: none, every query sees every key (scores unchanged)")]
        }
        let kinds = rules.map(\.kind).joined(separator: " and ")
        return [step("Mask (\(kinds)): blocked entries become -inf  →  \(square)")]
            + rules.map { "      " + $0.rule } + scoreValues(masked)
    }

    /// Each mask in force: its name and its rule in words.
    private func maskRules() -> [(kind: String, rule: String)] {
        let s = shapes
        var rules: [(kind: String, rule: String)] = []
        let shift = s.keyCount - s.tokens
        if configuration.causal {
            rules.append(
                (
                    "causal",
                    shift == 0
                        ? "token i sees tokens 0…i"
                        : "query row i sees keys 0…\(ComputationSummary.row(plus: shift)) (aligned at the end: n_k − n_q = \(shift))"
                ))
        }
        if let w = configuration.window {
            rules.append(
                (
                    "window \(w)",
                    configuration.causal
                        ? "the query at position p sees keys p−\(w - 1)…p"
                        : "the query at position p sees keys t with |p − t| < \(w)"
                ))
        }
        if let mask {
            let rule: String
            switch maskKind {
            case .keep: rule = "a 0 in the mask blocks that key"
            case .block: rule = "a 1 in the mask blocks that key (--mask-kind block)"
            case .additive: rule = "the mask's values are added to the scores; -inf blocks (--mask-kind additive)"
            }
            rules.append((mask.rows == 1 && s.tokens > 1 ? "key-padding mask" : "user mask", rule))
        }
        return rules
    }

    /// Rows that can see no key (the engine's warnings): their weights are zeros, not NaN.
    func fullyMaskedNote(_ h: Int, _ weights: Matrix<S>?) -> [String] {
        let rows = Set(queryRows)
        return result.warnings.compactMap { warning -> Int? in
            guard case let .fullyMaskedRow(token) = warning, rows.contains(token) else { return nil }
            return token
        }.map { "      \(quotedQuery($0)) can attend to no key: its rows of A_\(h) and head_\(h) are 0 (not NaN)" }
    }
}
