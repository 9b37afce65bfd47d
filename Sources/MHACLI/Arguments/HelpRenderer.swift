/// Writes `--help` text from a `CommandSpec`, laid out as swift-argument-parser does:
/// OVERVIEW, USAGE, ARGUMENTS, OPTIONS (with `(values: …)` and `(default: …)`), SUBCOMMANDS.
enum HelpRenderer {
    /// Text width help wraps to.
    static let width = 80
    /// Column where the help text of an option starts.
    static let labelColumn = 26

    /// The full help of `spec`; `path` is the command's words (`["mha-cli", "run"]`).
    static func help(for spec: CommandSpec, path: [String]) -> String {
        var sections: [String] = []
        var overview = wrap(spec.abstract.split(separator: " ").map(String.init), first: "OVERVIEW:", indent: "")
        if !spec.discussion.isEmpty {
            let paragraphs = spec.discussion.split(separator: "\n\n", omittingEmptySubsequences: false)
            overview +=
                "\n\n"
                + paragraphs.map { paragraph in
                    let words = paragraph.split(whereSeparator: \.isWhitespace).map(String.init)
                    return wrap(Array(words.dropFirst()), first: words.first ?? "", indent: "")
                }.joined(separator: "\n\n")
        }
        sections.append(overview)
        sections.append(usage(for: spec, path: path))
        if !spec.arguments.isEmpty {
            sections.append(
                "ARGUMENTS:\n" + spec.arguments.map { row("<\($0.name)>", $0.help) }.joined(separator: "\n"))
        }
        sections.append("OPTIONS:\n" + spec.options.map { row($0.helpLabel, optionHelp($0)) }.joined(separator: "\n"))
        if !spec.subcommands.isEmpty {
            let rows = spec.subcommands.map { row($0.name, $0.abstract) }.joined(separator: "\n")
            sections.append(
                "SUBCOMMANDS:\n" + rows
                    + "\n\n  See '\(path.joined(separator: " ")) help <subcommand>' for detailed help.")
        }
        return sections.joined(separator: "\n\n") + "\n"
    }

    /// `USAGE: mha-cli run [--input <file>] …`, wrapped and indented under itself.
    static func usage(for spec: CommandSpec, path: [String]) -> String {
        var words = spec.declaredOptions.map {
            "[\($0.shortFlag ?? $0.display)\($0.shortFlag != nil && $0.takesValue ? " <\($0.valueName ?? "")>" : "")]"
        }
        words += spec.arguments.map { $0.isOptional ? "[<\($0.name)>]" : "<\($0.name)>" }
        if !spec.subcommands.isEmpty { words.append("<subcommand>") }
        let prefix = "USAGE: " + path.joined(separator: " ")
        return wrap(words, first: prefix, indent: String(repeating: " ", count: prefix.count + 1))
    }

    /// An option's help with its allowed values and default appended.
    static func optionHelp(_ option: OptionSpec) -> String {
        var notes: [String] = []
        if let values = option.allowedValues { notes.append("values: " + values.joined(separator: ", ")) }
        if let value = option.defaultValue { notes.append("default: " + value) }
        return notes.isEmpty ? option.help : option.help + " (" + notes.joined(separator: "; ") + ")"
    }

    /// A two-column row: the label indented by 2, the help from `labelColumn`, wrapped.
    static func row(_ label: String, _ help: String) -> String {
        let indent = String(repeating: " ", count: labelColumn)
        let words = help.split(separator: " ").map(String.init)
        let head = "  " + label
        if head.count + 2 > labelColumn {
            return head + "\n" + wrap(words, first: indent.dropLast(), indent: indent)
        }
        let padded = head + String(repeating: " ", count: labelColumn - head.count - 1)
        return wrap(words, first: padded, indent: indent)
    }

    /// `words` joined by spaces after `first`, breaking lines before `width`; continuation
    /// lines start with `indent`.
    static func wrap(_ words: [String], first: some StringProtocol, indent: String) -> String {
        var lines: [String] = []
        var line = String(first)
        var lineHasWord = false
        for word in words {
            if lineHasWord, line.count + 1 + word.count > width {
                lines.append(line)
                line = indent + word
            } else {
                line += " " + word
            }
            lineHasWord = true
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }
}
