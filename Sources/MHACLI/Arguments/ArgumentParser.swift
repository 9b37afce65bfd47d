import MHAFormats

/// A small hand-written parser for one command's arguments.
///
/// Accepts `--opt value`, `--opt=value`, `-s value`, flags, options whose value may be left
/// out (`--heatmap` or `--heatmap FILE.svg`, but not an empty value written out:
/// `--heatmap ''`), positionals, and `--` to end the options. Unknown, repeated, value-less and badly-valued options are `UsageError`s that
/// name the option (and suggest the nearest one for a typo). `-h`/`--help` anywhere asks for
/// help and stops the checks. A lone `-` is a positional (or a value: stdin).
enum ArgumentParser {
    /// Parses `arguments` (without the program and subcommand names) against `spec`.
    /// - Throws: `UsageError` for the first mistake found, left to right.
    static func parse(_ arguments: [String], for spec: CommandSpec) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments(spec: spec)
        if arguments.prefix(while: { $0 != "--" }).contains(where: { $0 == "-h" || $0 == "--help" }) {
            parsed.helpRequested = true
            return parsed
        }
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                parsed.positionals += arguments[index...]
                break
            }
            guard looksLikeOption(argument) else {
                parsed.positionals.append(argument)
                continue
            }
            let (name, inlineValue) = split(argument)
            guard let option = spec.option(named: name) else {
                if let reason = spec.refused[name] { throw .invalidRequest(reason) }
                throw hinted(.unknownOption(name, suggestion: suggestion(for: name, in: spec)), argument)
            }
            guard option.repeatable || parsed.occurrences[option.long] == nil else {
                throw .repeated(option: option.longFlag)
            }
            if option.takesValue {
                var value = ""
                if let inlineValue {
                    value = inlineValue
                } else if index < arguments.count, !isOptionName(arguments[index], in: spec) {
                    value = arguments[index]
                    index += 1
                } else if !option.valueIsOptional {
                    throw hinted(.missingValue(option: option.display), arguments[index...].first)
                } else {
                    parsed.occurrences[option.long, default: []].append("")  // the value left out
                    continue
                }
                if option.valueIsOptional, value.isEmpty {
                    throw .invalidValue(value: value, option: option.display, reason: option.emptyValueRefusal)
                }
                if let allowed = option.allowedValues, !allowed.contains(value) {
                    throw .invalidValue(
                        value: value, option: option.display,
                        reason: "expected one of \(allowed.joined(separator: ", "))")
                }
                parsed.occurrences[option.long, default: []].append(value)
            } else {
                if let inlineValue { throw .unexpectedValue(option: option.longFlag, value: inlineValue) }
                parsed.occurrences[option.long] = [""]
            }
        }
        try checkPositionals(parsed.positionals, spec: spec)
        return parsed
    }

    /// The option a mistyped `name` most likely meant: for a one-letter option, the one in
    /// the other case (`-X` → `-x`); otherwise the nearest long name.
    private static func suggestion(for name: String, in spec: CommandSpec) -> String? {
        if name.count == 2,
            let short = spec.options.compactMap(\.shortFlag).first(where: {
                $0.lowercased() == name.lowercased()
            })
        {
            return short
        }
        return Suggestion.nearest(to: name, among: spec.options.map(\.longFlag))
    }

    /// Whether `argument` is written as an option: `-x`, `--name`, but not `-`, `--`, a
    /// negative number such as `-0.5`, or `-:NAME` (an array of the archive on stdin).
    static func looksLikeOption(_ argument: String) -> Bool {
        guard argument.hasPrefix("-"), argument.count > 1, !argument.hasPrefix("-:") else { return false }
        return Double(argument) == nil
    }

    /// `refusal` with how to give the file `argument` names, when it is spelt like an option
    /// and names a file in the current directory (`-xx.csv`, or `-w.npz:wq` picking from one).
    private static func hinted(_ refusal: UsageError, _ argument: String?) -> UsageError {
        guard let argument, looksLikeOption(argument), !argument.hasPrefix("--") || argument.count > 2,
            MatrixSource.exists(MatrixSource(argument: argument).path)
        else { return refusal }
        return .fileSpeltAsOption(refusal, file: argument)
    }

    /// Whether `argument` would be read as an option rather than as a value: a declared
    /// option, or anything spelt `--name`.
    private static func isOptionName(_ argument: String, in spec: CommandSpec) -> Bool {
        guard looksLikeOption(argument) else { return false }
        return argument.hasPrefix("--") || spec.option(named: split(argument).name) != nil
    }

    /// `--name=value` → (`--name`, `value`), `-x=value` → (`-x`, `value`); anything else →
    /// (argument, nil).
    private static func split(_ argument: String) -> (name: String, value: String?) {
        guard let equals = argument.firstIndex(of: "="),
            argument.hasPrefix("--") || argument.distance(from: argument.startIndex, to: equals) == 2
        else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    /// Refuses positionals beyond those the command declares.
    private static func checkPositionals(_ positionals: [String], spec: CommandSpec) throws(UsageError) {
        if positionals.count > spec.arguments.count {
            throw .unexpectedArgument(positionals[spec.arguments.count])
        }
    }
}
