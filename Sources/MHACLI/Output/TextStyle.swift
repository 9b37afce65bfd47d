/// How the text renderers (`--steps`, text tables) present numbers and tokens.
///
///     TextStyle(precision: 2, tokens: ["The", "cat"]).tokenLabel(1)   // "cat"
///     TextStyle(precision: 2, tokens: nil).tokenLabel(1)              // "1"
struct TextStyle: Equatable, Sendable {
    /// Decimals after the point (`--precision`, 0…17).
    var precision: Int
    /// Names of the tokens (`--tokens a,b,c`); `nil` labels tokens by their 0-based index.
    var tokens: [String]?
    /// Print every row and column (`--full`) instead of eliding large matrices.
    var full: Bool
    /// Whether ANSI colour and bold may be used (see `TerminalColor.enabled`).
    var color: Bool

    /// A style; the defaults are the plain-text ones (4 decimals, indices, elided, no colour).
    init(precision: Int = 4, tokens: [String]? = nil, full: Bool = false, color: Bool = false) {
        self.precision = precision
        self.tokens = tokens
        self.full = full
        self.color = color
    }

    /// The label of token `index`: its name when one was given, else the index itself.
    func tokenLabel(_ index: Int) -> String {
        TokenLabels.label(index, tokens: tokens)
    }
}

/// Labels of token positions shared by the text renderers.
enum TokenLabels {
    /// The name of token `index` when `tokens` has one, else the 0-based index as text.
    /// A names list shorter than the sequence falls back to indices, never traps.
    static func label(_ index: Int, tokens: [String]?) -> String {
        guard let tokens, tokens.indices.contains(index) else { return String(index) }
        return tokens[index]
    }

    /// `text` cut to at most `width` terminal columns, ending in `…` when it was cut.
    static func truncated(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        guard text.terminalWidth > width else { return text }
        return width == 1 ? "…" : text.prefix(columns: width - 1) + "…"
    }
}
