import MHACore
import MHAFormats

/// The JSON form of a forward pass, with exactly the keys of docs/contract.md:
/// `shapes{input, heads, kv_heads, head_dim, head_output, concat, output}`, then the shown
/// parts among `q`, `k`, `v`, `scores`, `weights`, `heads`, `concat`, `output`. With `--token i`
/// every matrix has the one row of token i, K and V included.
enum RunJSONReport {
    /// The report for `result`, with the parts in `parts`.
    /// With a `summary`, also what was computed: `tokens` (names or null), `token` (or null),
    /// `causal`, `scale`, `mask` (`keep` or null).
    static func json<S: AttentionScalar>(_ result: AttentionResult<S>, parts: [Part], summary: ComputationSummary? = nil) -> JSONValue {
        let s = result.shapes
        let rows = s.queryRows
        var members: [(String, JSONValue)] = [("shapes", .object([
            ("input", .shape(s.tokens, s.modelDim)), ("heads", .int(s.heads)), ("kv_heads", .int(s.kvHeads)),
            ("head_dim", .int(s.headDim)), ("head_output", .shape(rows, s.headDim)),
            ("concat", .shape(rows, s.concatDim)), ("output", .shape(rows, s.outputDim)),
        ]))]
        if let summary {
            members += [("tokens", summary.tokens.map { .array($0.map { .string($0) }) } ?? .null),
                        ("token", s.token.map { .int($0) } ?? .null), ("causal", .bool(summary.causal)),
                        ("scale", .number(s.scale)), ("mask", summary.maskKind.map { .string($0) } ?? .null)]
        }
        if parts.contains(.qkv) {
            for (key, matrix) in [("q", result.queries), ("k", result.printedKeys), ("v", result.printedValues)] {
                if let matrix { members.append((key, .matrix(of: matrix))) }
            }
        }
        if parts.contains(.scores), let scores = result.scores { members.append(("scores", .array(scores.map { .matrix(of: $0) }))) }
        if parts.contains(.weights), let weights = result.weights { members.append(("weights", .array(weights.map { .matrix(of: $0) }))) }
        if parts.contains(.heads) { members.append(("heads", .array(result.heads.map { .matrix(of: $0) }))) }
        if parts.contains(.concat) { members.append(("concat", .matrix(of: result.concat))) }
        if parts.contains(.output) { members.append(("output", .matrix(of: result.output))) }
        return .object(members)
    }
}

extension AttentionResult {
    /// K as printed: with `--token i` only its row i (the engine keeps all n rows, which the
    /// query attends to), else all of it.
    var printedKeys: Matrix<Scalar>? { keys.map(tokenRow) }

    /// V as printed, like `printedKeys`.
    var printedValues: Matrix<Scalar>? { values.map(tokenRow) }

    /// Row `shapes.token` of `m` when in single-token mode and it exists, else `m`.
    private func tokenRow(_ m: Matrix<Scalar>) -> Matrix<Scalar> {
        guard let token = shapes.token, token < m.rows, m.rows > 1 else { return m }
        return m.rowBlock(token..<(token + 1))
    }
}
