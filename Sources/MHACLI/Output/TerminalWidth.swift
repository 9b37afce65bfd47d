extension String {
    /// Columns the text takes in a terminal: East Asian wide and full-width characters (CJK,
    /// Hangul, full-width forms, most emoji) take 2, combining marks and zero-width characters
    /// 0, everything else 1 — so token names such as `猫` line up in tables and heatmaps.
    var terminalWidth: Int {
        unicodeScalars.reduce(0) { $0 + $1.terminalWidth }
    }

    /// The longest prefix that fits in `columns` terminal columns.
    func prefix(columns: Int) -> String {
        var used = 0
        var result = ""
        for character in self {
            let width = String(character).terminalWidth
            if used + width > columns { break }
            used += width
            result.append(character)
        }
        return result
    }
}

extension Unicode.Scalar {
    /// 0, 1 or 2 terminal columns (see `String.terminalWidth`).
    var terminalWidth: Int {
        switch properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
