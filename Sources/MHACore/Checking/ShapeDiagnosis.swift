/// Why an answer has the wrong shape, in the textbook's symbols:
/// `head_1 is n × d_k = 3 × 2, the answer is 3 × 4: d_model, not d_k`.
public struct ShapeDiagnosis: Sendable, Equatable, CustomStringConvertible {
    /// The part checked.
    public var part: AttentionPart
    /// The right shape and its symbols (`n`, `d_k`).
    public var expected: Shape
    public var rowSymbol: String, columnSymbol: String
    /// The answer's shape.
    public var answer: Shape
    /// What the answer's dimensions are instead, when that can be told (`d_model, not d_k`,
    /// `transposed`).
    public var reason: String?

    /// The diagnosis of an answer of shape `answer` for `part`, or nil when the shape is right.
    ///
    /// `stepShapes` are the shapes the computation's steps have: a dimension is named by its
    /// symbol (`d_model, not d_k`) only when the answer has the shape of one of them (or
    /// when no list is given); else rows and columns are counted (`1 row missing`), since a
    /// matrix that lost a row has no reason to be named after a dimension it happens to equal.
    public init?(
        part: AttentionPart, expected: Shape, answer: Shape, shapes s: AttentionShapes, stepShapes: [Shape]? = nil
    ) {
        guard expected != answer else { return nil }
        self.part = part
        self.expected = expected
        self.answer = answer
        (rowSymbol, columnSymbol) = Self.symbols(part, s)
        if let stepShapes, !stepShapes.contains(answer),
            answer.rows != expected.columns || answer.columns != expected.rows
        {
            reason = Self.counted(
                expected: expected, answer: answer, rowSymbol: rowSymbol, columnSymbol: columnSymbol, token: s.token)
        } else {
            reason = Self.reason(
                expected: expected, answer: answer, rowSymbol: rowSymbol, columnSymbol: columnSymbol, shapes: s)
        }
    }

    /// `1 row missing (n = 3, one row per token)`, `2 columns too many (d_out = 4)`,
    /// `2 rows too many (1 row: token 1 only)`.
    static func counted(
        expected: Shape, answer: Shape, rowSymbol: String, columnSymbol: String, token: Int? = nil
    ) -> String {
        func difference(_ mine: Int, _ right: Int, _ noun: String, _ known: String) -> String? {
            guard mine != right else { return nil }
            let d = (mine - right).magnitude
            return "\(d) \(noun)\(d == 1 ? "" : "s") \(mine < right ? "missing" : "too many") (\(known))"
        }
        return [
            difference(answer.rows, expected.rows, "row", rowsKnown(rowSymbol, expected.rows, token: token)),
            difference(answer.columns, expected.columns, "column", known(columnSymbol, expected.columns)),
        ].compactMap { $0 }.joined(separator: "; ")
    }

    /// `d_out = 4`, or the symbol alone when it is the number.
    static func known(_ symbol: String, _ value: Int) -> String {
        symbol == String(value) ? symbol : "\(symbol) = \(value)"
    }

    /// What the right rows are: `n = 3, one row per token`, `n_k = 5, one row per key`,
    /// `1 row: token 2 only` in single-token mode.
    static func rowsKnown(_ symbol: String, _ rows: Int, token: Int?) -> String {
        if symbol == "1", rows == 1, let token { return "1 row: token \(token) only" }
        let each = ["n": ", one row per token", "n_q": ", one row per query", "n_k": ", one row per key"]
        return known(symbol, rows) + (each[symbol] ?? "")
    }

    public var description: String {
        "\(part.symbol) is \(rowSymbol) × \(columnSymbol) = \(expected.rows) × \(expected.columns), the answer is \(answer.rows) × \(answer.columns)"
            + (reason.map { ": " + $0 } ?? "")
    }

    /// The symbols of the part's rows and columns. Self-attention counts its tokens `n` and
    /// has `d_model`; `attend` and cross-attention count `n_q` queries and `n_k` keys, and
    /// `attend` has no `d_model` (Q is n_q × τ·d_k).
    static func symbols(_ part: AttentionPart, _ s: AttentionShapes) -> (String, String) {
        let queries = s.token != nil ? "1" : s.isSelfAttention ? "n" : "n_q"
        let keys = s.keysTrimmedToToken ? "1" : s.isSelfAttention ? "n" : "n_k"
        let v = s.valueDim == s.headDim ? "d_k" : "d_v"
        // Only the projected pass has a d_model: with one head, Q and K may be that wide.
        let oneHeadOfWidth: (Int) -> Bool = { s.projected && s.heads == 1 && $0 == s.modelDim }
        switch part {
        case .q, .normedQ, .rotatedQ: return (queries, oneHeadOfWidth(s.queryDim) ? "d_model" : "τ·d_k")
        case .k, .normedK, .rotatedK:
            return (keys, s.kvHeads == s.heads ? (oneHeadOfWidth(s.kvDim) ? "d_model" : "τ·d_k") : "g·d_k")
        case .v:
            return (keys, s.kvHeads == s.heads ? (oneHeadOfWidth(s.valueColumns) ? "d_model" : "τ·\(v)") : "g·\(v)")
        case .scores, .weights: return (queries, s.isSelfAttention ? "n" : "n_k")
        case .head: return (queries, v)
        case .concat: return (queries, "τ·\(v)")
        case .output: return (queries, "d_out")
        }
    }

    /// `d_model, not d_k`, `transposed (d_k × n)`, or nil.
    static func reason(
        expected: Shape, answer: Shape, rowSymbol: String, columnSymbol: String,
        shapes s: AttentionShapes
    ) -> String? {
        if answer.rows == expected.columns, answer.columns == expected.rows {
            return "transposed (\(columnSymbol) × \(rowSymbol))"
        }
        var parts: [String] = []
        if answer.rows != expected.rows, let name = name(of: answer.rows, excluding: expected.rows, s) {
            parts.append(counted(answer.rows, "row", is: name, not: rowSymbol, expected: expected.rows))
        }
        if answer.columns != expected.columns, let name = name(of: answer.columns, excluding: expected.columns, s) {
            parts.append(
                answer.rows == expected.rows
                    ? "\(name), not \(columnSymbol)"
                    : counted(answer.columns, "column", is: name, not: columnSymbol, expected: expected.columns))
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// `3 rows are n, not 1`, `1 row, not n = 3`, `4 columns are d_model, not d_k = 2`.
    static func counted(_ count: Int, _ noun: String, is name: String, not symbol: String, expected: Int) -> String {
        let items = count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
        let right = symbol == String(expected) ? symbol : "\(symbol) = \(expected)"
        return name == String(count)
            ? "\(items), not \(right)" : "\(items) \(count == 1 ? "is" : "are") \(name), not \(right)"
    }

    /// The first dimension of the problem equal to `value` (and not to the right one).
    static func name(of value: Int, excluding right: Int, _ s: AttentionShapes) -> String? {
        let counts: [(String, Int)] = s.isSelfAttention ? [("n", s.tokens)] : [("n_q", s.tokens), ("n_k", s.keyCount)]
        let model: [(String, Int)] = s.projected ? [("d_model", s.modelDim)] : []
        let names: [(String, Int)] =
            counts + model + [
                ("d_k", s.headDim), ("d_v", s.valueDim), ("τ·d_k", s.queryDim), ("τ·d_v", s.concatDim),
                ("g·d_k", s.kvDim), ("g·d_v", s.valueColumns),
            ] + (s.projected ? [("d_out", s.outputDim)] : []) + [("τ", s.heads), ("1", 1)]
        return names.first { $0.1 == value && $0.1 != right }?.0
    }
}
