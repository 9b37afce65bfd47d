import MHACore

/// Matrix file formats.
public enum MatrixFormat: String, CaseIterable, Sendable {
    /// Comma-separated values (RFC 4180 quoting).
    case csv
    /// Tab-separated values, otherwise as CSV.
    case tsv
    /// JSON (RFC 8259): a 2-D or 1-D array of numbers, or a bundle object.
    case json
    /// NumPy's `.npy` binary format, versions 1.0 to 3.0.
    case npy

    /// The format for a file extension (case-insensitive, with or without the dot);
    /// nil if unknown.
    public init?(pathExtension: String) {
        var ext = Substring(pathExtension.lowercased())
        if ext.hasPrefix(".") { ext = ext.dropFirst() }
        self.init(rawValue: String(ext))
    }

    /// The format for a path by its extension (`wq.CSV` → `.csv`); nil if the path has none
    /// or an unknown one.
    public init?(path: String) {
        guard let found = PathParts.fileExtension(path) else { return nil }
        self.init(pathExtension: found)
    }

    /// The format of content read from stdin: `[` or `{` (after whitespace and a UTF-8 BOM)
    /// is JSON, `\x93NUMPY` is NPY, a first data line with tabs and no commas is TSV,
    /// anything else CSV.
    public static func sniff(_ bytes: some Collection<UInt8>) -> MatrixFormat {
        if bytes.starts(with: NPYHeader.magic) { return .npy }
        var rest = bytes[...]
        if rest.starts(with: [0xEF, 0xBB, 0xBF]) { rest = rest.dropFirst(3) }
        let content = rest.drop(while: { isJSONWhitespace($0) })
        if let first = content.first, first == UInt8(ascii: "[") || first == UInt8(ascii: "{") {
            return .json
        }
        return firstDataLineIsTabSeparated(rest) ? .tsv : .csv
    }

    /// Whether the first line that is neither blank nor a `#` comment has a tab and no comma.
    private static func firstDataLineIsTabSeparated<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        var start = bytes.startIndex
        while start != bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let line = bytes[start..<end]
            let content = line.drop(while: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
            if let first = content.first, first != UInt8(ascii: "#") {
                return line.contains(0x09) && !line.contains(UInt8(ascii: ","))
            }
            start = end == bytes.endIndex ? end : bytes.index(after: end)
        }
        return false
    }

    /// JSON's four whitespace bytes: space, tab, LF, CR.
    static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
