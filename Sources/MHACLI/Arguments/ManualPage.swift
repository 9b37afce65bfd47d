/// Writes the man page (roff, `man 7 man` macros) from the same declarations that parse and
/// print `--help`: `mha-cli --generate-manual > docs/mha-cli.1`, like swift-argument-parser's
/// manual plugin. One NAME/SYNOPSIS/DESCRIPTION, then a section per subcommand with its
/// options, then EXIT STATUS.
enum ManualPage {
    /// The whole page for the program `root`.
    static func page(root: CommandSpec, version: String) -> String {
        var lines = [
            ".TH \(roffName(root.name.uppercased())) 1 \"\" \"\(root.name) \(version)\" \"User Commands\"",
            ".SH NAME",
            "\(escape(root.name)) \\- \(escape(root.abstract))",
            ".SH SYNOPSIS",
            ".B \(escape(root.name))",
            ".I subcommand",
            "[\\fIoptions\\fR]",
            ".SH DESCRIPTION",
        ]
        lines += paragraphs(root.discussion)
        lines += options(root.options)
        for command in root.subcommands {
            lines += [".SH \"\(escape(root.name)) \(escape(command.name))\"", escape(command.abstract)]
            lines += paragraphs(command.discussion)
            for argument in command.arguments {
                lines += [
                    ".TP", "\\fI\(escape(argument.name))\\fR" + (argument.isOptional ? " (optional)" : ""),
                    escape(argument.help),
                ]
            }
            lines += options(command.options)
        }
        lines += [
            ".SH EXIT STATUS",
            "0 success; 1 a checked answer or claim is not correct; 64 usage error; 65 data error (malformed file, "
                + "shape mismatch, non-finite value, a problem too large for the memory available); 66 an input "
                + "cannot be opened; 74 an output cannot be written (also past ulimit -f); 70 internal error; 130, 143, "
                + "129, 152 and 142 after SIGINT, SIGTERM, SIGHUP, SIGXCPU and SIGALRM.",
            ".SH ENVIRONMENT",
            ".TP", ".B NO_COLOR", "When set, no ANSI colour is written, even to a terminal.",
            ".SH SEE ALSO",
            "The command-line contract: docs/contract.md in the source distribution.",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `.TP` entries: the flags in bold, the value in italics, then the help with values and default.
    private static func options(_ options: [OptionSpec]) -> [String] {
        options.flatMap { option -> [String] in
            var label =
                (option.shortFlag.map { "\\fB\(escape($0))\\fR, " } ?? "") + "\\fB\(escape(option.longFlag))\\fR"
            if let value = option.valueName { label += " \\fI\(escape(value))\\fR" }
            return [".TP", label, escape(HelpRenderer.optionHelp(option))]
        }
    }

    /// Paragraphs separated by blank lines become `.PP` blocks.
    private static func paragraphs(_ text: String) -> [String] {
        text.split(separator: "\n\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }.flatMap {
            [".PP", escape(String($0))]
        }
    }

    /// Text safe in roff: backslashes doubled, hyphens as `\-`, a leading `.` or `'` guarded.
    static func escape(_ text: String) -> String {
        var escaped = text.replacing("\\", with: "\\e").replacing("-", with: "\\-")
        escaped = escaped.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix(".") || line.hasPrefix("'") ? "\\&" + line : String(line)
        }.joined(separator: "\n")
        return escaped
    }

    /// The title in `.TH`, quoted for roff.
    private static func roffName(_ name: String) -> String { escape(name) }
}
