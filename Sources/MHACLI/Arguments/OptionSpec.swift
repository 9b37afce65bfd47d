/// One command-line option as declared by a command: its names, whether it takes a value,
/// its help text, default and allowed values, and how a shell should complete its value.
///
/// The same declaration drives parsing, `--help` and the completion scripts, so the three
/// cannot drift apart.
struct OptionSpec: Sendable, Equatable {
    /// How a shell completes the option's value.
    enum Completion: Sendable, Equatable {
        /// Nothing to suggest (a number, a list).
        case none
        /// A file path.
        case file
        /// One of these words.
        case words([String])
        /// A comma list of these words, completed item by item (`--show heads,<TAB>`).
        case commaList([String])
    }

    /// The long name without dashes: `heads` for `--heads`.
    let long: String
    /// The one-letter short name, if any: `x` for `-x`.
    let short: Character?
    /// The value's placeholder (`n` in `--heads <n>`), or nil for a flag without value.
    let valueName: String?
    /// One sentence of help.
    var help: String
    /// The default, shown as `(default: …)`.
    var defaultValue: String?
    /// The accepted values, shown as `(values: …)` and checked by the parser.
    let allowedValues: [String]?
    /// How a shell completes the value.
    let completion: Completion
    /// Whether the option may be given more than once (each value is kept, in order).
    var repeatable = false
    /// Whether the value may be left out (`--heatmap` or `--heatmap FILE.svg`): the next
    /// argument is the value unless it is an option; without one the value is empty.
    var valueIsOptional = false
    /// For an option whose value may be left out: why an empty value written out
    /// (`--heatmap ''`, `--heatmap=`, an unset shell variable) is refused rather than taken
    /// as the value left out.
    var emptyValueRefusal = ""

    /// A flag: present or absent, no value.
    static func flag(_ long: String, short: Character? = nil, help: String) -> OptionSpec {
        OptionSpec(
            long: long, short: short, valueName: nil, help: help, defaultValue: nil,
            allowedValues: nil, completion: .none)
    }

    /// An option with a value.
    /// - Parameters:
    ///   - valueName: the placeholder in help (`file`, `n`).
    ///   - values: if given, the only accepted values (and the completion words).
    static func value(
        _ long: String, short: Character? = nil, _ valueName: String, help: String,
        default defaultValue: String? = nil, values: [String]? = nil,
        completion: Completion = .none, repeatable: Bool = false
    ) -> OptionSpec {
        OptionSpec(
            long: long, short: short, valueName: valueName, help: help,
            defaultValue: defaultValue, allowedValues: values,
            completion: values.map { .words($0) } ?? completion, repeatable: repeatable)
    }

    /// The same option with a value that may be left out (`--heatmap [<file.svg>]`); an empty
    /// value written out is refused with `emptyRefused` as the reason.
    func withOptionalValue(emptyRefused reason: String) -> OptionSpec {
        var spec = self
        spec.valueIsOptional = true
        spec.emptyValueRefusal = reason
        return spec
    }

    /// Whether `other` is this option in other words: the same names, value and values, its
    /// help and default worded for another command (`OptionSpec.reworded`).
    func isSameOption(as other: OptionSpec) -> Bool {
        var words = other
        (words.help, words.defaultValue) = (help, defaultValue)
        return words == self
    }

    /// Whether the option takes a value.
    var takesValue: Bool { valueName != nil }

    /// `--long`.
    var longFlag: String { "--" + long }

    /// `-s`, if there is a short name.
    var shortFlag: String? { short.map { "-\($0)" } }

    /// How messages name the option: `--heads <n>` or `--causal`.
    var display: String {
        guard let valueName else { return longFlag }
        return valueIsOptional ? "\(longFlag) [<\(valueName)>]" : "\(longFlag) <\(valueName)>"
    }

    /// How help lists the option: `-x, --input <file>`.
    var helpLabel: String { (shortFlag.map { $0 + ", " } ?? "") + display }
}

/// A positional argument of a command.
struct ArgumentSpec: Sendable, Equatable {
    /// How a shell completes a positional argument.
    enum Completion: Sendable, Equatable {
        /// Nothing to suggest.
        case none
        /// A file path (`inspect FILE`).
        case file
        /// The name of a subcommand of the root (`help SUBCOMMAND`).
        case subcommand
    }

    /// Its placeholder, `subcommand` in `<subcommand>`.
    let name: String
    /// One sentence of help.
    let help: String
    /// Whether it may be omitted.
    let isOptional: Bool
    /// How a shell completes it.
    var completion: Completion = .none
}
