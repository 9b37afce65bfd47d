import MHACore
import MHAFormats

/// The `.npz` form of a forward pass: one member per shown matrix, named as numpy users
/// index them: `q`, `k`, `v` (and, with a QK-norm or RoPE, `q_normed`, `k_normed`,
/// `q_rotated`, `k_rotated`, as in JSON), `scores_1`…, `weights_1`…, `head_1`…, `concat`,
/// `output` (heads counted from 1, like the text report).
enum RunArchive {
    /// The members for the parts in `parts`, in `Part` order.
    static func members<S: NPYScalar>(_ result: AttentionResult<S>, parts: [Part]) -> [NPZMember] {
        var members: [NPZMember] = []
        func perHead(_ name: String, _ matrices: [Matrix<S>]?) {
            for (j, m) in (matrices ?? []).enumerated() { members.append(.matrix("\(name)_\(j + 1)", m)) }
        }
        for part in parts {
            switch part {
            case .qkv:
                let kept = [
                    ("q", result.queries), ("k", result.printedKeys), ("v", result.printedValues),
                    ("q_normed", result.normalisedQueries), ("k_normed", result.printedNormalisedKeys),
                    ("q_rotated", result.rotatedQueries), ("k_rotated", result.printedRotatedKeys),
                ]
                for (name, m) in kept {
                    if let m { members.append(.matrix(name, m)) }
                }
            case .scores: perHead("scores", result.scores)
            case .weights: perHead("weights", result.weights)
            case .heads: perHead("head", result.heads)
            case .concat: members.append(.matrix("concat", result.concat))
            case .output: members.append(.matrix("output", result.output))
            }
        }
        return members
    }
}
