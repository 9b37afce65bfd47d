/// The options and positionals of one command line, with typed accessors whose errors
/// quote the value and the option (`The value 'abc' is invalid for '--heads <n>': …`).
struct ParsedArguments: Sendable {
    /// The declaration the arguments were parsed against.
    let spec: CommandSpec
    /// Given options by long name; flags map to "".
    var occurrences: [String: String] = [:]
    /// Positional arguments in order.
    var positionals: [String] = []
    /// `-h`/`--help` was given.
    var helpRequested = false

    /// A parse of `spec` with nothing given.
    init(spec: CommandSpec) {
        self.spec = spec
    }

    /// Whether the flag (or option) `long` was given.
    func flag(_ long: String) -> Bool {
        occurrences[long] != nil
    }

    /// The raw value of option `long`, if given.
    func string(_ long: String) -> String? {
        occurrences[long]
    }

    /// The value of `long` as any integer (its range is checked by the caller).
    func integer(_ long: String) throws(UsageError) -> Int? {
        guard let text = occurrences[long] else { return nil }
        guard let value = Int(text) else { throw invalid(text, long, "expected an integer") }
        return value
    }

    /// The value of `long` as an integer of at least `minimum`.
    func integer(_ long: String, minimum: Int) throws(UsageError) -> Int? {
        guard let text = occurrences[long] else { return nil }
        guard let value = Int(text), value >= minimum else {
            let kind = minimum == 1 ? "a positive integer" : minimum == 0 ? "a non-negative integer"
                : "an integer ≥ \(minimum)"
            throw invalid(text, long, "expected \(kind)")
        }
        return value
    }

    /// The value of `long` as an integer in `range`.
    func integer(_ long: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let text = occurrences[long] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw invalid(text, long, "expected an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The value of `long` as a finite number.
    func number(_ long: String) throws(UsageError) -> Double? {
        guard let text = occurrences[long] else { return nil }
        guard let value = Double(text), value.isFinite else { throw invalid(text, long, "expected a finite number") }
        return value
    }

    /// The value of `long` as one of `T`'s raw values (the parser already checked it).
    func choice<T: RawRepresentable>(_ long: String, as _: T.Type) throws(UsageError) -> T? where T.RawValue == String {
        guard let text = occurrences[long] else { return nil }
        guard let value = T(rawValue: text) else { throw invalid(text, long, "not an accepted value") }
        return value
    }

    /// The value of `long` as a comma-separated list of non-empty items, each in `allowed`
    /// when given.
    func list(_ long: String, allowed: [String]? = nil) throws(UsageError) -> [String]? {
        guard let text = occurrences[long] else { return nil }
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingSpaces() }
        if let empty = items.firstIndex(where: \.isEmpty) {
            throw invalid(text, long, "item \(empty + 1) of the comma list is empty")
        }
        if let allowed, let bad = items.first(where: { !allowed.contains($0) }) {
            throw invalid(text, long, "'\(bad)' is not one of \(allowed.joined(separator: ", "))")
        }
        return items
    }

    /// The positional at `index`, if given.
    func positional(_ index: Int) -> String? {
        positionals.indices.contains(index) ? positionals[index] : nil
    }

    /// A usage error quoting `value` and the option's display form.
    func invalid(_ value: String, _ long: String, _ reason: String) -> UsageError {
        .invalidValue(value: value, option: spec.option(long: long)?.display ?? "--" + long, reason: reason)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return String(s)
    }
}
