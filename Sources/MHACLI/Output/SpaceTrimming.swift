extension StringProtocol {
    /// The text without leading and trailing spaces and tabs: the Unicode scalars of general
    /// category Zs and U+0009, the set Foundation calls `CharacterSet.whitespaces`.
    func trimmingSpacesAndTabs() -> String {
        let scalars = unicodeScalars
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
        }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        var trimmed = String.UnicodeScalarView()
        trimmed.append(contentsOf: scalars[first...last])
        return String(trimmed)
    }
}
