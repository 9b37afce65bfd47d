import MHACore
import MHAFormats

/// The JSON form of a forward pass, with the keys of docs/contract.md (§3 and §4):
/// `shapes{input, heads, kv_heads, head_dim, head_output, concat, output}` (plus `memory` in
/// cross-attention), or for `attend` `shapes{queries, keys, values, heads, kv_heads, head_dim,
/// value_dim, head_output, concat}`; then the shown parts among `q`, `k`, `v` (and with RoPE
/// `q_rotated`, `k_rotated`), `scores`, `weights`, `heads`, `concat`, `output` (not in `attend`,
/// whose output is the concat). With `--token i` every per-query matrix has the one row of
/// token i, and in self-attention K and V too.
enum RunJSONReport {
    /// The report for `result`, with the parts in `parts`.
    /// With a `summary`, also what was computed: `tokens` (names or null), `token` (or null),
    /// `causal`, `scale`, `mask` (`keep`, `block`, `additive` or null), `precision`
    /// (`float64` or `float32`), and `positions`
    /// (`rope` {kind, base, dims} or null, `position_offset`, `alibi`, `window`, `softcap`,
    /// `qk_norm` {span, epsilon} or null).
    static func json<S: AttentionScalar>(
        _ result: AttentionResult<S>, parts: [Part], summary: ComputationSummary? = nil
    ) -> JSONValue {
        .object(
            [("shapes", .object(shapes(result.shapes)))] + (summary.map(summaryMembers) ?? [])
                + members(result, parts: parts))
    }

    /// The members saying what was computed: `tokens`, `token`, `causal`, `scale`, `mask`,
    /// `precision` (`float64`, or `float32` with `--float`), `positions`.
    static func summaryMembers(_ summary: ComputationSummary) -> [(String, JSONValue)] {
        [
            ("tokens", summary.tokens.map { .array($0.map { .string($0) }) } ?? .null),
            ("token", summary.shapes.token.map { .int($0) } ?? .null), ("causal", .bool(summary.causal)),
            ("scale", .number(summary.shapes.scale)), ("mask", summary.maskKind.map { .string($0) } ?? .null),
            ("precision", .string(summary.precisionName)),
        ] + (summary.rules.map { [("positions", $0.json(summary.shapes))] } ?? [])
    }

    /// The `shapes` object's members.
    static func shapes(_ s: AttentionShapes) -> [(String, JSONValue)] {
        let rows = s.queryRows
        guard s.projected else {
            return [
                ("queries", .shape(s.tokens, s.queryDim)), ("keys", .shape(s.keyCount, s.kvDim)),
                ("values", .shape(s.keyCount, s.valueColumns)), ("heads", .int(s.heads)), ("kv_heads", .int(s.kvHeads)),
                ("head_dim", .int(s.headDim)), ("value_dim", .int(s.valueDim)),
                ("head_output", .shape(rows, s.valueDim)), ("concat", .shape(rows, s.concatDim)),
            ]
        }
        var members: [(String, JSONValue)] = [("input", .shape(s.tokens, s.modelDim))]
        if let width = s.memoryDim { members.append(("memory", .shape(s.keyCount, width))) }
        return members + [
            ("heads", .int(s.heads)), ("kv_heads", .int(s.kvHeads)), ("head_dim", .int(s.headDim)),
            ("head_output", .shape(rows, s.valueDim)), ("concat", .shape(rows, s.concatDim)),
            ("output", .shape(rows, s.outputDim)),
        ]
    }

    /// The shown parts, in the contract's order.
    static func members<S: AttentionScalar>(_ result: AttentionResult<S>, parts: [Part]) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        if parts.contains(.qkv) {
            let kept = [
                ("q", result.queries), ("k", result.printedKeys), ("v", result.printedValues),
                ("q_normed", result.normalisedQueries), ("k_normed", result.printedNormalisedKeys),
                ("q_rotated", result.rotatedQueries), ("k_rotated", result.printedRotatedKeys),
            ]
            for (key, matrix) in kept {
                if let matrix { members.append((key, .matrix(of: matrix))) }
            }
        }
        if parts.contains(.scores), let scores = result.scores {
            members.append(("scores", .array(scores.map { .matrix(of: $0) })))
        }
        if parts.contains(.weights), let weights = result.weights {
            members.append(("weights", .array(weights.map { .matrix(of: $0) })))
        }
        if parts.contains(.heads) { members.append(("heads", .array(result.heads.map { .matrix(of: $0) }))) }
        if parts.contains(.concat) { members.append(("concat", .matrix(of: result.concat))) }
        if parts.contains(.output), result.shapes.projected { members.append(("output", .matrix(of: result.output))) }
        return members
    }
}

extension AttentionResult {
    /// Whether K and V are printed as the one row of `--token i`: in self-attention with
    /// n_q = n_k, where row i of K is token i's key; otherwise K and V keep every key row.
    var keysTrimmedToToken: Bool { shapes.keysTrimmedToToken }

    /// K as printed: with `--token i` in self-attention only its row i (the engine keeps all
    /// n rows, which the query attends to), else all of it.
    var printedKeys: Matrix<Scalar>? { keys.map(tokenRow) }

    /// V as printed, like `printedKeys`.
    var printedValues: Matrix<Scalar>? { values.map(tokenRow) }

    /// K after the QK-norm as printed, like `printedKeys`.
    var printedNormalisedKeys: Matrix<Scalar>? { normalisedKeys.map(tokenRow) }

    /// K after RoPE as printed, like `printedKeys`.
    var printedRotatedKeys: Matrix<Scalar>? { rotatedKeys.map(tokenRow) }

    /// Row `shapes.token` of `m` when K and V are trimmed to the token, else `m`.
    private func tokenRow(_ m: Matrix<Scalar>) -> Matrix<Scalar> {
        guard keysTrimmedToToken, let token = shapes.token, token < m.rows, m.rows > 1 else { return m }
        return m.rowBlock(token..<(token + 1))
    }
}
