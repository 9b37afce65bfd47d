/// The options and positionals of one command line. Options are read through their typed
/// declarations (`arguments[Self.heads]`, TypedOption.swift), whose errors quote the value
/// and the option (`The value 'abc' is invalid for '--heads <n>': …`).
struct ParsedArguments: Sendable {
    /// The declaration the arguments were parsed against.
    let spec: CommandSpec
    /// Given options by long name, every value in order (one unless repeatable); flags map to [""].
    var occurrences: [String: [String]] = [:]
    /// Positional arguments in order.
    var positionals: [String] = []
    /// `-h`/`--help` was given.
    var helpRequested = false

    /// A parse of `spec` with nothing given.
    init(spec: CommandSpec) {
        self.spec = spec
    }

    /// The positional at `index`, if given.
    func positional(_ index: Int) -> String? {
        positionals.indices.contains(index) ? positionals[index] : nil
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
