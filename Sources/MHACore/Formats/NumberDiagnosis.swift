/// Explains why a CSV field is not a number, in words a user can act on.
enum NumberDiagnosis {
    /// The longest text quoted in a message.
    static let quotedLimit = 40

    /// `non-finite value "nan" is not allowed`, `expected a number, found "1,5" (a decimal
    /// comma is not a number; use ".")` or `expected a number, found "abc"`.
    static func notANumber(_ text: String) -> String {
        let quoted = quote(text)
        var bare = Substring(text.lowercased())
        if bare.first == "+" || bare.first == "-" { bare = bare.dropFirst() }
        if ["nan", "inf", "infinity"].contains(bare) {
            return "non-finite value \(quoted) is not allowed"
        }
        if text.contains(","), text.allSatisfy({ $0.isASCII && ($0.isNumber || ",+-".contains($0)) }) {
            return "expected a number, found \(quoted) (a decimal comma is not a number; use \".\")"
        }
        return "expected a number, found \(quoted)"
    }

    /// The text in double quotes, shortened to `quotedLimit` characters with "…".
    static func quote(_ text: String) -> String {
        "\"" + shortened(text) + "\""
    }

    /// The text shortened to `quotedLimit` characters with "…", so a huge field cannot
    /// make a huge message.
    static func shortened(_ text: String) -> String {
        text.utf8.count > quotedLimit && text.count > quotedLimit ? String(text.prefix(quotedLimit)) + "…" : text
    }
}
