import MHACore

/// Text made safe to print: every control or invisible character escaped, and long text cut.
/// The one escaping rule of mha-cli, for text from files, arguments and token names alike.
///
/// C0 controls, DEL, C1 controls, format characters (zero-width spaces, bidi overrides,
/// a BOM), line/paragraph separators and spaces other than U+0020 (a no-break space is
/// `\u{A0}`) are written `\u{1B}` style (hex, Swift's notation), except LF, CR and tab, which are written `\n`, `\r` and `\t`. So no escape
/// sequence or NUL from a file can reach the terminal, and a message stays on one line.
public enum MessageText {
    /// The most Unicode scalars of file text quoted in a message.
    public static let quotedLimit = 40

    /// The text in double quotes, escaped and cut to `quotedLimit` scalars with "…".
    public static func quoted(_ text: some StringProtocol) -> String {
        "\"" + escaped(text, limit: quotedLimit) + "\""
    }

    /// The text with every non-printable scalar escaped; cut to `limit` scalars (each
    /// escape counts as one) with "…" when longer.
    public static func escaped(_ text: some StringProtocol, limit: Int? = nil) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if let limit, count == limit {
                result += "…"
                break
            }
            result += escaped(scalar)
            count += 1
        }
        return result
    }

    /// One scalar as it appears in a message.
    public static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            return isPrintable(scalar) && !isLookalikeSpace(scalar)
                ? String(scalar) : codePoint(scalar)
        }
    }

    /// `\u{202E}`: a scalar written as its code point, in Swift's spelling.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }

    /// Whether `scalar` is a space other than U+0020 (a no-break space U+00A0, a thin space
    /// U+2009, an ideographic space U+3000…): printed as is, it would look like a plain space
    /// and hide why `1,\u{A0}2` is not a number.
    static func isLookalikeSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar != " " && scalar.properties.generalCategory == .spaceSeparator
    }

    /// Whether `scalar` shows as itself: not a control, format or separator character.
    public static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
            return false
        default:
            return true
        }
    }
}
