/// The write-up formats `-o FILE` picks by extension (DESIGN §7): `.tex` LaTeX, `.md`
/// Markdown, `.svg` the SVG heatmap. A `--format` that contradicts the extension is a usage
/// error; any other extension leaves the choice to `--format`.
///
/// (The general output-by-extension table, with `.json`, `.csv`, `.npy`…, lives on branch
/// `decode` in OutputDestination.swift; these three entries merge into its
/// `formatsByExtension`, and this file then goes.)
enum WriteUpExtensions {
    /// Extension (lower case, without the dot) → format.
    static let formats: [String: OutputFormat] = ["tex": .latex, "md": .markdown, "svg": .svg]

    /// The format for `-o path` and `--format given`: the extension's when it is one of
    /// `formats`, else `given` (text when not given).
    /// - Throws: `UsageError` when both are given and disagree.
    static func format(path: String?, given: OutputFormat?) throws(UsageError) -> OutputFormat {
        guard let path, let named = format(ofPath: path) else { return given ?? .text }
        if let given, given != named {
            throw .invalidRequest("--format \(given.rawValue) contradicts -o \(path), whose extension means \(named.rawValue); give one or make them agree")
        }
        return named
    }

    /// The write-up format a path's extension names (case-insensitive), or nil.
    static func format(ofPath path: String) -> OutputFormat? {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return formats[name[name.index(after: dot)...].lowercased()]
    }
}
