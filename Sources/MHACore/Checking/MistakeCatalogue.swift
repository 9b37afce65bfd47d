/// The catalogue of known mistakes (DESIGN §6). Adding a mistake is adding one entry; the
/// ids are stable (text and JSON use them).
public enum MistakeCatalogue {
    /// Every entry, in the order diagnoses list them.
    public static let all: [Mistake] = [
        Mistake(
            "no-scale", applies: { $0.shapes.scale != 1 },
            explanation: { f in
                f.scaleGiven
                    ? "you did not multiply the scores by the scale \(number(f.shapes.scale))"
                    : "you did not divide the scores by √d_k = √\(f.shapes.headDim) (scores_j = Q_j·K_jᵀ/√\(f.shapes.headDim))"
            }, variant: { p, _ in p.configuration.scale = 1 }),

        Mistake(
            "scale-d_model", applies: { !$0.scaleGiven && $0.shapes.heads > 1 },
            explanation: { f in
                f.givenOperands
                    ? "you divided the scores by √(τ·d_k) = √\(f.shapes.queryDim), the width of Q, instead of √d_k = √\(f.shapes.headDim) (d_k = τ·d_k/τ = \(f.shapes.queryDim)/\(f.shapes.heads))"
                    : "you divided the scores by √d_model = √\(f.shapes.modelDim) instead of √d_k = √\(f.shapes.headDim) (\(f.headDimGiven ? "d_k = \(f.shapes.headDim) is given, not d_model/τ" : "d_k = d_model/τ = \(f.shapes.modelDim)/\(f.shapes.heads)"))"
            },
            variant: { p, f in
                p.configuration.scale = 1 / Double(f.givenOperands ? f.shapes.queryDim : f.shapes.modelDim).squareRoot()
            }),

        Mistake(
            "scale-d_k", applies: { !$0.scaleGiven && $0.shapes.headDim > 1 },
            explanation: { f in
                "you divided the scores by d_k = \(f.shapes.headDim) instead of √d_k = √\(f.shapes.headDim) = \(number(Double(f.shapes.headDim).squareRoot()))"
            }, variant: { p, f in p.configuration.scale = 1 / Double(f.shapes.headDim) }),

        Mistake(
            "softmax-columns", applies: { $0.shapes.token == nil && $0.shapes.tokens > 1 },
            explanation: { _ in
                "you took the softmax down each column of the scores; it goes along each row, so that each query's weights sum to 1"
            }, variant: { p, _ in p.softmaxDownColumns = true }),

        Mistake(
            "no-causal-mask", applies: { $0.causal },
            explanation: { f in
                let s = f.shapes
                return s.keyCount == s.tokens
                    ? "you left out the causal mask: token i may attend only to tokens 0…i (the scores right of the diagonal become −∞ before the softmax)"
                    : "you left out the causal mask: query row i may attend only to keys 0…i + \(s.keyCount - s.tokens) (aligned at the end; the scores right of that become −∞ before the softmax)"
            }, variant: { p, _ in p.configuration.causal = false }),

        Mistake(
            "unwanted-causal-mask", applies: { !$0.causal && $0.shapes.tokens > 1 },
            explanation: { f in
                "you applied a causal mask, but this problem is not causal: every token attends to all \(f.shapes.tokens) tokens"
            }, variant: { p, _ in p.configuration.causal = true }),

        Mistake(
            "causal-excludes-self", applies: { $0.causal },
            explanation: { _ in
                "your causal mask also hides each token from itself: token i attends to tokens 0…i, itself included (the diagonal is not masked)"
            }, variant: { p, _ in p.causalExcludesSelf = true }),

        Mistake(
            "transposed-scores",
            applies: { $0.shapes.token == nil && $0.shapes.tokens > 1 && $0.shapes.keyCount == $0.shapes.tokens },
            explanation: { _ in
                "you computed K_j·Q_jᵀ instead of Q_j·K_jᵀ: row i of the scores belongs to query i, column t to key t"
            }, variant: { p, _ in p.transposedScores = true }),

        Mistake(
            "no-output-projection", applies: { !$0.givenOperands },
            explanation: { f in
                "you gave the concat as the output: output = concat·W^o\(f.biases.contains("bo") ? " + b^o" : "") (W^o is \(f.shapes.concatDim) × \(f.shapes.outputDim))"
            }, variant: { p, _ in p.projectsOutput = false }),

        Mistake(
            "interleaved-heads", applies: { $0.shapes.heads > 1 && $0.shapes.headDim > 1 },
            explanation: { f in
                let s = f.shapes
                return
                    "you took every \(ordinal(s.heads)) column for a head (head 1: columns 0, \(s.heads), …); head j uses the d_k = \(s.headDim) adjacent columns (j−1)·\(s.headDim) … j·\(s.headDim)−1 of Q, K and V (head 1: columns 0…\(s.headDim - 1))"
            }, variant: { p, _ in p.headColumns = .interleaved }),

        Mistake(
            "transposed-weights", applies: { !$0.givenOperands && $0.weightsAreSquare },
            explanation: { f in
                f.layout == .xw
                    ? "you multiplied by the transposed weights (H·Wᵀ); the weights are applied as given: Q = H·W^q, K = H·W^k, V = H·W^v, output = concat·W^o"
                    : "you multiplied by the weights as stored (H·W); these are PyTorch's out × in weights, applied as Q = H·W^qᵀ, K = H·W^kᵀ, V = H·W^vᵀ, output = concat·W^oᵀ"
            },
            variant: { p, _ in
                p.changeWeights { w in
                    (w.wq, w.wk, w.wv) = (w.wq?.transposed, w.wk?.transposed, w.wv?.transposed)
                    w.wo = w.wo.transposed
                }
            }),

        Mistake(
            "missing-biases", applies: { !$0.biases.isEmpty },
            explanation: { f in
                let names = f.biases.map { "b^" + $0.dropFirst() }
                return
                    "you left out the \(names.count == 1 ? "bias" : "biases") \(list(names)): each is added to every row (Q = H·W^q + b^q, …, output = concat·W^o + b^o)"
            },
            variant: { p, _ in p.changeWeights { w in (w.bq, w.bk, w.bv, w.bo) = (nil, nil, nil, nil) } }),

        Mistake(
            "single-head", applies: { $0.shapes.heads > 1 },
            explanation: { f in
                let s = f.shapes
                let overQ = f.givenOperands || f.headDimGiven
                let width = overQ ? "τ·d_k = \(s.queryDim) columns of Q" : "d_model = \(s.modelDim) columns"
                let total = overQ ? s.queryDim : s.modelDim
                return
                    "you computed one head over all \(width); this problem has τ = \(s.heads) heads of d_k = \(total)/\(s.heads) = \(s.headDim) columns, each with its own softmax"
            },
            variant: { p, f in
                p.configuration.heads = 1
                p.configuration.kvHeads = nil
                // With --head-dim, Q has τ·d_k columns, not d_model: the one head spans them.
                p.configuration.headDim = f.headDimGiven ? f.shapes.queryDim : nil
            }),

        Mistake(
            "heads-reversed", applies: { $0.shapes.heads > 1 },
            explanation: { f in
                "you concatenated the heads in reverse order; concat = [head_1 | … | head_\(f.shapes.heads)], head 1 first"
            }, variant: { p, _ in p.reversedConcat = true }),

        Mistake(
            "mask-inverted", applies: { $0.maskKind == .keep || $0.maskKind == .block },
            explanation: { f in
                f.maskKind == .block
                    ? "you read the mask the wrong way round: here 1 means blocked, 0 means may attend"
                    : "you read the mask the wrong way round: 1 means may attend, 0 means blocked"
            },
            variant: { p, _ in
                let flipped: AttentionMask<Double>.Kind = p.mask?.kind == .block ? .keep : .block
                p.mask?.kind = flipped
            }),
    ]

    /// The entry with `id`, if any.
    public static func entry(_ id: String) -> Mistake? { all.first { $0.id == id } }

    /// A number with at most four decimals, trailing zeros dropped: `0.5`, `1.4142`.
    static func number(_ value: Double) -> String { quotient(Int((value * 10_000).rounded()), 10_000) }

    /// `2nd`, `3rd`, `4th`.
    static func ordinal(_ k: Int) -> String {
        switch (k % 10, k % 100) {
        case (_, 11...13): return "\(k)th"
        case (1, _): return "\(k)st"
        case (2, _): return "\(k)nd"
        case (3, _): return "\(k)rd"
        default: return "\(k)th"
        }
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + (items.last ?? "")
    }
}
