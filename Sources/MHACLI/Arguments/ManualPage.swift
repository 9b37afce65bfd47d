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
        ]
        for variable in environment {
            lines += [".TP", ".B \(escape(variable.name))", escape(variable.meaning)]
        }
        lines += [
            ".SH SEE ALSO",
            "The command-line contract: docs/contract.md in the source distribution.",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The environment variables the program reads, as the code reads them.
    static let environment: [(name: String, meaning: String)] = [
        (
            "NO_COLOR",
            "When set to a non-empty value, no ANSI colour (the terminal heatmap's colours, the bold titles of "
                + "--steps) is written, even to a terminal; set but empty, it is ignored (no-color.org)."
        ),
        (
            "TERM",
            "The value dumb turns colour off as NO_COLOR does. Colour is also off when stdout is not a terminal "
                + "and with --no-color."
        ),
        (
            "COLUMNS",
            "The width of the terminal heatmap (--heatmap) when stdout is not a terminal (a pipe, a file, -o): "
                + "a positive integer up to 10000, else 80. On a terminal, the terminal's own width is used."
        ),
        (
            "MHA_CPU",
            "baseline, avx2 or avx512: run the kernels at that instruction set when it is lower than the CPU's "
                + "(a higher one leaves the CPU's). Any other value is ignored with a warning."
        ),
        (
            "MHA_THREADS",
            "A positive integer: use at most this many threads, never more than the processors this process may "
                + "run on (its CPU affinity). Any other value is ignored with a warning. bench reports the "
                + "cpu_level and threads in use."
        ),
    ]

    /// `.TP` entries: the flags in bold, the value in italics (in brackets when it may be left
    /// out), then the help with values and default.
    private static func options(_ options: [OptionSpec]) -> [String] {
        options.flatMap { option -> [String] in
            var label =
                (option.shortFlag.map { "\\fB\(escape($0))\\fR, " } ?? "") + "\\fB\(escape(option.longFlag))\\fR"
            if let value = option.valueName {
                // An optional value (`--heatmap [file.svg]`) is bracketed, as --help shows it.
                label += option.valueIsOptional ? " [\\fI\(escape(value))\\fR]" : " \\fI\(escape(value))\\fR"
            }
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
