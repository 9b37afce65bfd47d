import MHAFormats

/// A token name as the text output prints it: as given, except the characters that would
/// change the line around it on a terminal. The bidi controls (U+061C, U+200E, U+200F,
/// U+202A…U+202E, U+2066…U+2069) could reorder the numbers after the name, and the line and
/// paragraph separators (U+2028, U+2029) could break the row; they are written `\u{202E}`.
/// Everything else (a no-break space, a zero-width joiner inside an emoji, a soft hyphen, a
/// BOM) is printed as it is, as JSON, LaTeX, Markdown and SVG write it.
enum TerminalTokenName {
    /// `name` with its bidi controls and line separators escaped.
    static func shown(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if isEscaped(scalar) {
                out += MessageText.codePoint(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether the text output escapes `scalar`: a bidi control or a line/paragraph separator.
    static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: return true
        default: return false
        }
    }
}
