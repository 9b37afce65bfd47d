extension JSONParser {
    /// `parse()` for a file that must hold one JSON object, `what` naming it for the message
    /// (`a bundle`, `a model's config.json`): when the text does not start with `{` (a CSV or
    /// a matrix given in its place), the parser's error says what the file should have been.
    /// - Throws: `FormatError` of category `.data`.
    func parseObject(named what: String) throws(FormatError) -> JSONDocument {
        do {
            return try parse()
        } catch {
            let first = text.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
            guard first != UInt8(ascii: "{"), error.kind != .cannotOpen else { throw error }
            throw FormatError(
                kind: error.kind, file: error.file, line: error.line, column: error.column, path: error.path,
                message: error.message + " (\(what) is a JSON object: {…})")
        }
    }
}
