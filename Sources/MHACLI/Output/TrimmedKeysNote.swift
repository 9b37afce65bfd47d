import MHACore

/// What a write-up adds when `--token i` prints K and V as token i's row only
/// (`AttentionShapes.keysTrimmedToToken`: self-attention, where row i of K is token i's own
/// key) while the scores and heads are computed with every key row: the K and V titles say
/// which row they show, the scores and heads which rows they use, so that each caption's
/// equation holds for what is printed and what it names. Only when K and V are shown
/// (`--show qkv`): otherwise no printed K contradicts the equations.
struct TrimmedKeysNote: Equatable, Sendable {
    /// The token, i.
    var token: Int
    /// The key rows the scores use, n.
    var keys: Int

    /// The note of a pass with `shapes`, or nil when K and V are printed whole.
    init?(_ shapes: AttentionShapes) {
        guard shapes.keysTrimmedToToken, let token = shapes.token else { return nil }
        (self.token, self.keys) = (token, shapes.keyCount)
    }

    /// `all 5 rows of K, 0…4`.
    private func rows(of name: String) -> String {
        keys == 1 ? "the 1 row of \(name), 0" : "all \(keys) rows of \(name), 0…\(keys - 1)"
    }

    /// For K (`K`, `K after RoPE`): `row 3 only (the key of token 3); the scores use all 5
    /// rows of K, 0…4`; without `row`, for a title that already says `, row 3`: `the key of
    /// token 3 only; …`.
    func key(_ name: String = "K", row: Bool = true) -> String {
        shown("key", row: row) + "; the scores use \(rows(of: name))"
    }

    /// For V: `row 3 only (the value of token 3); the heads use all 5 rows of V, 0…4`.
    func value(row: Bool = true) -> String { shown("value", row: row) + "; the heads use \(rows(of: "V"))" }

    /// `row 3 only (the key of token 3)`, or `the key of token 3 only`.
    private func shown(_ what: String, row: Bool) -> String {
        row ? "row \(token) only (the \(what) of token \(token))" : "the \(what) of token \(token) only"
    }

    /// For scores J: `of Q_1 and all 5 rows of K_1, 0…4`.
    func scores(_ head: Int) -> String { "of Q_\(head) and \(rows(of: "K_\(head)"))" }

    /// For head J: `weights_1 times all 5 rows of V_1, 0…4`.
    func head(_ head: Int) -> String { "weights_\(head) times \(rows(of: "V_\(head)"))" }
}
