import MHACore

/// Explains why a CSV field is not a number, in words a user can act on.
enum NumberDiagnosis {
    /// Spellings of a non-finite value (any case, optional sign).
    static let nonFiniteSpellings: Set<String> = ["nan", "inf", "infinity"]
    /// Spellings of a missing value (any case, optional sign).
    static let missingSpellings: Set<String> = ["na", "n/a", "null", "none"]
    /// Spellings of a boolean (any case), a JSON mask's values, never CSV labels.
    static let booleanSpellings: Set<String> = ["true", "false"]

    /// `non-finite value "nan" is not allowed`, `expected a number, found "NA" (a missing
    /// value is not allowed)`, `expected a number, found "1,5" (a decimal comma is not a
    /// number; use ".")`, `expected a number, found "−1" (U+2212 MINUS SIGN is not "-"; write
    /// an ASCII hyphen-minus)`, `expected a number, found "1 2 3" (it looks like 3 numbers
    /// separated by spaces; fields here are separated by commas)` or `expected a number,
    /// found "abc"`. `separator` is the file's field separator.
    ///
    /// `record`, the whole line the field is in, lets the message name a line written with
    /// decimal commas and semicolons (`2,5;1,5`, as spreadsheets in many locales save CSV),
    /// whose fields split at the commas into pieces that mislead the other hints.
    static func notANumber(_ text: String, separator: UInt8, record: String? = nil) -> String {
        let quoted = MessageText.quoted(text)
        let bare = unsigned(text)
        if nonFiniteSpellings.contains(bare) {
            return "non-finite value \(quoted) is not allowed"
        }
        if missingSpellings.contains(bare) {
            return "expected a number, found \(quoted) (a missing value is not allowed)"
        }
        if booleanSpellings.contains(bare) {
            return "expected a number, found \(quoted) (CSV and TSV read 1 and 0, not true and false)"
        }
        if let hint = controlCharacterHint(text) ?? LookalikeCharacter.hint(in: text) {
            return "expected a number, found \(quoted) (\(hint))"
        }
        if let record, let hint = decimalCommaHint(record, separator: separator) {
            return "expected a number, found \(quoted) (\(hint))"
        }
        if let hint = separatorHint(text, separator: separator) {
            return "expected a number, found \(quoted) (\(hint))"
        }
        return "expected a number, found \(quoted)"
    }

    /// For a line such as `2,5;1,5`: numbers with decimal commas separated by semicolons, in
    /// a file whose separator is the comma. The hint shows the line rewritten (`2.5,1.5`,
    /// at most four numbers); nil for any other line.
    static func decimalCommaHint(_ record: String, separator: UInt8) -> String? {
        guard separator == UInt8(ascii: ","), record.contains(";") else { return nil }
        let pieces = record.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingBlanks() }
        let decimal = pieces.allSatisfy { piece in
            let digits = piece.drop { $0 == "-" || $0 == "+" }.split(separator: ",", omittingEmptySubsequences: false)
            return (1...2).contains(digits.count) && digits.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }
        }
        guard pieces.count >= 2, decimal, pieces.contains(where: { $0.contains(",") }) else { return nil }
        let rewritten = pieces.prefix(4).map { $0.replacing(",", with: ".") }.joined(separator: ",")
        return
            "the line looks like numbers with decimal commas separated by semicolons; write a point and separate fields with commas: \(rewritten)\(pieces.count > 4 ? ",…" : "")"
    }

    /// For a field (or line) holding a control character other than a tab or a line break:
    /// what it is (Ctrl-Z, 0x1A, ends old DOS text files); nil when it holds none.
    static func controlCharacterHint(_ text: String) -> String? {
        let lineBreaksAndTab: Set<UInt32> = [0x09, 0x0A, 0x0D]
        guard
            let control = text.unicodeScalars.first(where: {
                ($0.value < 0x20 || $0.value == 0x7F) && !lineBreaksAndTab.contains($0.value)
            })
        else {
            return nil
        }
        let hex = String(control.value, radix: 16, uppercase: true)
        let code = "0x" + (hex.count < 2 ? "0" : "") + hex
        if control.value == 0x1A {
            return "\(code) is Ctrl-Z, the end-of-file mark of old DOS files, not data; delete it"
        }
        return "\(code) is a control character, not part of a number"
    }

    /// Whether `text` spells a non-finite, missing or boolean value (`nan`, `-Inf`, `NA`,
    /// `n/a`, `null`, `None`, `false`, …), which is data, never a header's label.
    static func isNonNumericValue(_ text: String) -> Bool {
        let bare = unsigned(text)
        return nonFiniteSpellings.contains(bare) || missingSpellings.contains(bare) || booleanSpellings.contains(bare)
    }

    /// The text lowercased, without one leading sign.
    private static func unsigned(_ text: String) -> String {
        let lower = text.lowercased()
        return lower.first == "+" || lower.first == "-" ? String(lower.dropFirst()) : lower
    }

    /// Why a field made of several numbers is one field: a decimal comma, or numbers
    /// separated by something other than `separator`; nil when it is not like that.
    static func separatorHint(_ text: String, separator: UInt8) -> String? {
        let here = "fields here are separated by \(separatorName(separator))"
        if text.contains(",") {
            let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
            let digitsOnly = pieces.allSatisfy { piece in
                !piece.isEmpty && piece.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy(\.isASCIIDigit)
            }
            if pieces.count == 2, digitsOnly, pieces[1].allSatisfy(\.isASCIIDigit) {
                return "a decimal comma is not a number; use \".\""
            }
        }
        let candidates: [(name: String, pieces: [Substring])] = [
            ("commas", text.split(separator: ",", omittingEmptySubsequences: false)),
            ("semicolons", text.split(separator: ";", omittingEmptySubsequences: false)),
            ("vertical bars", text.split(separator: "|", omittingEmptySubsequences: false)),
            (text.contains("\t") ? "tabs" : "spaces", text.split(whereSeparator: { $0 == " " || $0 == "\t" })),
        ]
        for (name, pieces) in candidates where name != separatorName(separator) && pieces.count >= 2 {
            let numbers = pieces.map { $0.trimmingBlanks() }
            if numbers.allSatisfy(isCSVNumber) {
                let rename = name == "tabs" ? "; name the file .tsv to read tabs" : ""
                return "it looks like \(pieces.count) numbers separated by \(name); \(here)\(rename)"
            }
        }
        return nil
    }

    /// The separator in words: `commas` or `tabs`.
    static func separatorName(_ separator: UInt8) -> String {
        separator == 0x09 ? "tabs" : "commas"
    }

    /// Whether `text` is one whole number in the CSV grammar.
    static func isCSVNumber(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8) + [0]
        return bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress,
                let scanned = NumberParsing.scan(base, from: 0, limit: bytes.count - 1, grammar: .csv)
            else { return false }
            return scanned.end == bytes.count - 1
        }
    }
}

extension Character {
    /// `0`…`9` only.
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension Substring {
    /// The text without spaces or tabs at either end.
    fileprivate func trimmingBlanks() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
