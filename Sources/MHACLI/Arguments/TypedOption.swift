import MHAFormats

/// An option declaration that is also its typed accessor.
///
///     static let heads = Option<Int>.integer("heads", "n", minimum: 1, help: "τ, the number of heads.")
///     let τ = try arguments[Self.heads]      // Int?, a usage error quoting '--heads <n>' if bad
///
/// The declaration holds the `OptionSpec` that parsing, help, completions and the manual read,
/// and the conversion from the text on the command line to `Value`, so a misspelt option
/// cannot compile and a value is converted in one place.
struct Option<Value: Sendable>: DeclaredOption {
    /// What parsing, help and completions read.
    let spec: OptionSpec
    /// Text → value; throws a usage error quoting the value and the option.
    let convert: @Sendable (_ text: String, _ spec: OptionSpec) throws(UsageError) -> Value

    /// A declaration with its own conversion (used by the typed constructors below and by
    /// options with a grammar of their own, such as `--weights random:SEED`).
    init(_ spec: OptionSpec, convert: @escaping @Sendable (String, OptionSpec) throws(UsageError) -> Value) {
        self.spec = spec
        self.convert = convert
    }
}

extension Option {
    /// The same option, read the same way, with its help and default worded for another
    /// command: `bench` has no checkpoint whose RoPE base would be the default, `attend` no
    /// W^q. A command lists one wording; reading either declaration reads it.
    func reworded(_ help: String, default defaultValue: String? = nil) -> Option {
        var spec = self.spec
        (spec.help, spec.defaultValue) = (help, defaultValue)
        return Option(spec, convert: convert)
    }
}

/// A flag declaration (present or absent, no value) that is also its accessor:
/// `arguments[Self.causal]` is a `Bool`.
struct Flag: DeclaredOption {
    /// What parsing, help and completions read.
    let spec: OptionSpec

    /// `--long` (or `-s`), with one sentence of help.
    init(_ long: String, short: Character? = nil, help: String) {
        spec = .flag(long, short: short, help: help)
    }
}

/// Anything a command can list among its options.
protocol DeclaredOption: Sendable {
    /// The untyped description of the option.
    var spec: OptionSpec { get }
}

extension OptionSpec {
    /// A usage error quoting `value` and this option (`The value 'abc' is invalid for '--heads <n>': …`).
    func invalid(_ value: String, _ reason: String) -> UsageError {
        .invalidValue(value: value, option: display, reason: reason)
    }

    /// `invalid` for a value that should be a number, naming a typographic look-alike in it
    /// (`expected a finite number (U+2212 MINUS SIGN is not "-"; …)`).
    func invalidNumber(_ value: String, _ reason: String) -> UsageError {
        invalid(value, reason + (LookalikeCharacter.hint(in: value).map { " (\($0))" } ?? ""))
    }
}

extension Option where Value == String {
    /// A value taken as written (a path, a name).
    static func string(
        _ long: String, short: Character? = nil, _ valueName: String, help: String,
        default defaultValue: String? = nil, completion: OptionSpec.Completion = .none,
        repeatable: Bool = false
    ) -> Option {
        Option(
            .value(
                long, short: short, valueName, help: help, default: defaultValue, completion: completion,
                repeatable: repeatable)
        ) { text, _ in text }
    }

    /// A file path (`-` reads stdin or writes stdout where the command says so).
    static func file(_ long: String, short: Character? = nil, help: String) -> Option {
        string(long, short: short, "file", help: help, completion: .file)
    }

    /// A file to write (`-o`; `-` is stdout): an empty path names no file, so it is a usage
    /// error (64) rather than a file that cannot be written (74).
    static func outputFile(_ long: String, short: Character? = nil, help: String) -> Option {
        Option(.value(long, short: short, "file", help: help, completion: .file)) { text, spec throws(UsageError) in
            guard !text.isEmpty else { throw spec.invalid(text, "expected a file name ('-' for stdout)") }
            return text
        }
    }
}

extension Option where Value == Int {
    /// An integer of at least `minimum`, when given (zero or negative values otherwise reach
    /// the caller, whose message may explain them better).
    static func integer(
        _ long: String, short: Character? = nil, _ valueName: String, minimum: Int? = nil,
        help: String, default defaultValue: String? = nil
    ) -> Option {
        Option(.value(long, short: short, valueName, help: help, default: defaultValue)) {
            text, spec throws(UsageError) in
            guard let minimum else {
                guard let value = Int(text) else { throw spec.invalidNumber(text, "expected an integer") }
                return value
            }
            guard let value = Int(text), value >= minimum else {
                let kind =
                    minimum == 1
                    ? "a positive integer"
                    : minimum == 0
                        ? "a non-negative integer"
                        : "an integer ≥ \(minimum)"
                throw spec.invalidNumber(text, "expected \(kind)")
            }
            return value
        }
    }

    /// An integer in `range`.
    static func integer(
        _ long: String, _ valueName: String, in range: ClosedRange<Int>, help: String,
        default defaultValue: String? = nil
    ) -> Option {
        Option(.value(long, valueName, help: help, default: defaultValue)) { text, spec throws(UsageError) in
            guard let value = Int(text), range.contains(value) else {
                throw spec.invalidNumber(text, "expected an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
    }
}

extension Option where Value == Double {
    /// A finite number; a nonzero one that float64 reads as 0 (`1e-400`) is refused.
    static func number(
        _ long: String, _ valueName: String, help: String,
        default defaultValue: String? = nil
    ) -> Option {
        Option(.value(long, valueName, help: help, default: defaultValue)) { text, spec throws(UsageError) in
            guard let value = Double(text), value.isFinite else {
                throw spec.invalidNumber(text, "expected a finite number")
            }
            try refuseZeroRead(text, value, spec)
            return value
        }
    }

    /// Refuses `text` when it is nonzero as written but float64 reads it as 0 (`1e-400`).
    static func refuseZeroRead(_ text: String, _ value: Double, _ spec: OptionSpec) throws(UsageError) {
        guard !ZeroReadSpelling.readsNonzeroAsZero(text, value: value) else {
            throw spec.invalid(text, ZeroReadSpelling.reason)
        }
    }
}

extension Option where Value: RawRepresentable, Value.RawValue == String {
    /// One of `values` by its raw value (help lists them; the parser refuses others).
    static func choice(
        _ long: String, _ valueName: String, help: String, default defaultValue: String? = nil,
        values: [Value]
    ) -> Option {
        let names = values.map(\.rawValue)
        return Option(.value(long, valueName, help: help, default: defaultValue, values: names)) {
            text, spec throws(UsageError) in
            guard names.contains(text), let value = Value(rawValue: text) else {
                throw spec.invalid(text, "expected one of \(names.joined(separator: ", "))")
            }
            return value
        }
    }
}

extension Option where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of every case of `Value`.
    static func choice(
        _ long: String, _ valueName: String, help: String,
        default defaultValue: String? = nil
    ) -> Option {
        choice(long, valueName, help: help, default: defaultValue, values: Array(Value.allCases))
    }
}

extension Option where Value == [String] {
    /// A comma list of non-empty items (trimmed), each in `allowed` when given; a shell
    /// completes the items of `allowed` one after another (`--show heads,<TAB>`).
    static func list(
        _ long: String, _ valueName: String, allowed: [String]? = nil, help: String,
        default defaultValue: String? = nil
    ) -> Option {
        let completion: OptionSpec.Completion = allowed.map { .commaList($0) } ?? .none
        return Option(.value(long, valueName, help: help, default: defaultValue, completion: completion)) {
            text, spec throws(UsageError) in
            let items = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
            if let empty = items.firstIndex(where: \.isEmpty) {
                throw spec.invalid(text, "item \(empty + 1) of the comma list is empty")
            }
            if let allowed, let bad = items.first(where: { !allowed.contains($0) }) {
                throw spec.invalid(text, "'\(bad)' is not one of \(allowed.joined(separator: ", "))")
            }
            return items
        }
    }
}

extension ParsedArguments {
    /// Whether the flag was given.
    subscript(flag: Flag) -> Bool {
        assertDeclared(flag.spec)
        return occurrences[flag.spec.long] != nil
    }

    /// The option's value, converted, or nil when it was not given.
    subscript<Value>(option: Option<Value>) -> Value? {
        get throws(UsageError) {
            assertDeclared(option.spec)
            guard let text = occurrences[option.spec.long]?.last else { return nil }
            return try option.convert(text, option.spec)
        }
    }

    /// Every value of a repeatable option, in the order given (empty when absent).
    func all<Value>(_ option: Option<Value>) throws(UsageError) -> [Value] {
        assertDeclared(option.spec)
        var values: [Value] = []
        for text in occurrences[option.spec.long] ?? [] { values.append(try option.convert(text, option.spec)) }
        return values
    }

    /// Reading an option the command did not declare (in any wording) is a programming error,
    /// caught by the tests in debug builds.
    private func assertDeclared(_ option: OptionSpec) {
        assert(
            spec.option(long: option.long)?.isSameOption(as: option) == true,
            "option --\(option.long) is not declared by '\(spec.name)'")
    }
}
