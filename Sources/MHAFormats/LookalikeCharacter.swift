/// A typographic character that looks like part of a number but is not ASCII: a minus sign
/// or dash copied from a PDF, a no-break or thin space between digit groups, a
/// multiplication sign or superscript of `1.5×10⁻³`, a full-width digit. Readers name it
/// (`U+2212 MINUS SIGN is not "-"; …`) instead of showing a text that reads as a number.
public enum LookalikeCharacter {
    /// The hint for the first look-alike character in `text`, or nil when there is none.
    /// `1\u{A0}000` → `U+00A0 NO-BREAK SPACE is not part of a number; delete it, or write a
    /// plain space`.
    public static func hint(in text: some StringProtocol) -> String? {
        for scalar in text.unicodeScalars where !scalar.isASCII {
            if let advice = advice(for: scalar) { return "\(name(of: scalar)) \(advice)" }
        }
        return nil
    }

    /// What to write instead of `scalar`, after its name; nil for a character that does not
    /// look like part of a number (a letter, an emoji…).
    static func advice(for scalar: Unicode.Scalar) -> String? {
        let properties = scalar.properties
        switch scalar.value {
        case 0x2212, 0x2012, 0x2013, 0x2014, 0x2010, 0x2011, 0x2015, 0xFE63, 0xFF0D, 0x02D7, 0x2796:
            return "is not \"-\"; write an ASCII hyphen-minus"
        case 0xFF0B, 0x2795, 0xFE62:
            return "is not \"+\"; write an ASCII plus"
        case 0x00D7, 0x22C5, 0x00B7, 0x2715, 0x2A2F, 0x2219:
            return "is not part of a number; write a power of ten with e: 1.5e-3, not 1.5×10⁻³"
        case 0x2070, 0x00B9, 0x00B2, 0x00B3, 0x2074...0x207B:
            return "is not part of a number; write the exponent after e: 1.5e-3, not 1.5×10⁻³"
        case 0xFF0E, 0x2024, 0x066B, 0x3002:
            return "is not \".\"; write an ASCII full stop"
        case 0xFF0C, 0x066C, 0x3001:
            return "is not \",\"; write an ASCII comma"
        case 0x2026:
            return "is not a number (an elided entry?); write every entry"
        default:
            if properties.generalCategory == .spaceSeparator || properties.generalCategory == .format {
                return "is not part of a number; delete it, or write a plain space"
            }
            if properties.numericType == .decimal {
                return "is not an ASCII digit; write 0-9"
            }
            return nil
        }
    }

    /// `U+2212 MINUS SIGN`: the code point and, when Unicode has one, its name.
    static func name(of scalar: Unicode.Scalar) -> String {
        var hex = String(scalar.value, radix: 16, uppercase: true)
        while hex.count < 4 { hex = "0" + hex }
        guard let name = scalar.properties.name else { return "U+\(hex)" }
        return "U+\(hex) \(name)"
    }
}
