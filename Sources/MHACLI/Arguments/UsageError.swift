import MHACore
import MHAFormats

/// A mistake on the command line (exit 64). Each description is one line that quotes the
/// option and the value, in swift-argument-parser's words where it has them.
enum UsageError: MHAError, Equatable {
    /// `--head`: not an option of this command; with the nearest option, if one is close.
    case unknownOption(String, suggestion: String?)
    /// `attend --wo`: not an option of `command`, but one of the `owners` (other subcommands).
    case optionOfOtherCommands(String, command: String, owners: [String])
    /// `mha-cli rnu`: not a subcommand; with the nearest one, if close.
    case unknownSubcommand(String, suggestion: String?)
    /// An option that needs a value came last or before another option.
    case missingValue(option: String)
    /// A flag given a value with `=`.
    case unexpectedValue(option: String, value: String)
    /// A value that does not parse or is out of range.
    case invalidValue(value: String, option: String, reason: String)
    /// The same option twice.
    case repeated(option: String)
    /// A positional argument the command does not take.
    case unexpectedArgument(String)
    /// A required option is absent.
    case missingOption(option: String, reason: String)
    /// Options that contradict each other, or any other request that cannot be met.
    case invalidRequest(String)
    /// `refusal` of an argument spelt like an option (`-xx.csv`) that names a file in the
    /// current directory: the message adds how to give that file (`./-xx.csv`).
    indirect case fileSpeltAsOption(UsageError, file: String)

    /// Always `.usage`.
    var category: ErrorCategory { .usage }

    var description: String {
        switch self {
        case let .unknownOption(name, suggestion):
            return "Unknown option '\(name)'." + (suggestion.map { " Did you mean '\($0)'?" } ?? "")
        case let .optionOfOtherCommands(name, command, owners):
            return "'\(name)' is not an option of \(command) (\(owners.joined(separator: ", ")) take it). "
                + "See 'mha-cli \(command) --help'."
        case let .unknownSubcommand(name, suggestion):
            return "Unknown subcommand '\(name)'." + (suggestion.map { " Did you mean '\($0)'?" } ?? "")
                + " See 'mha-cli --help'."
        case let .missingValue(option):
            return "Missing value for '\(option)'"
        case let .unexpectedValue(option, value):
            return "The option '\(option)' takes no value, but was given '\(value)'"
        case let .invalidValue(value, option, reason):
            return "The value '\(value)' is invalid for '\(option)': \(reason)"
        case let .repeated(option):
            return "The option '\(option)' was given more than once"
        case let .unexpectedArgument(argument):
            let file =
                argument.contains(".") || argument.contains("/") || argument == "-" || argument.hasPrefix("-:")
            return "Unexpected argument '\(argument)'"
                + (file ? " (files are given with an option, e.g. -x '\(argument)')" : "")
        case let .missingOption(option, reason):
            return "Missing '\(option)': \(reason)"
        case let .invalidRequest(message):
            return message
        case let .fileSpeltAsOption(refusal, file):
            var text = refusal.description
            let period = text.hasSuffix(".")
            if period { text.removeLast() }
            let name = MessageText.escaped(file, limit: MessageText.quotedLimit)
            return text + " (to read the file \(name), write ./\(name))" + (period ? "." : "")
        }
    }
}

/// Nearest-name suggestions for misspelt options and subcommands.
enum Suggestion {
    /// The candidate closest to `word` by edit distance, if it is close enough to be a
    /// plausible typo (at most a third of the word's length, and at least 1, edits away)
    /// or `word` is a prefix of exactly one candidate.
    static func nearest(to word: String, among candidates: [String]) -> String? {
        let prefixed = candidates.filter { $0.hasPrefix(word) }
        if prefixed.count == 1 { return prefixed[0] }
        let scored = candidates.map { ($0, editDistance(word, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let budget = max(2, word.count / 3)
        return best.1 <= budget ? best.0 : nil
    }

    /// Levenshtein distance: insertions, deletions and substitutions, each costing 1.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
