/// The static declaration of a command: name, one-line abstract, longer discussion,
/// positional arguments, options and subcommands. Parsing, help and completions read it.
struct CommandSpec: Sendable {
    /// The command's name (`run`), or the program's name for the root.
    let name: String
    /// One line: what the command does.
    let abstract: String
    /// Paragraphs shown under OVERVIEW after the abstract.
    let discussion: String
    /// Positional arguments, in order.
    let arguments: [ArgumentSpec]
    /// Options, in the order help lists them (help itself is added automatically).
    let declaredOptions: [OptionSpec]
    /// Subcommands (only the root has them).
    let subcommands: [CommandSpec]
    /// Options another command has that this one refuses on purpose, by flag (`--tokens`,
    /// `-m`), with the reason said instead of a nearest-name suggestion.
    var refused: [String: String] = [:]

    /// A command declaration; `-h, --help` is appended to `options`.
    init(
        name: String, abstract: String, discussion: String = "", arguments: [ArgumentSpec] = [],
        options: [any DeclaredOption] = [], subcommands: [CommandSpec] = []
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.declaredOptions = options.map(\.spec)
        self.subcommands = subcommands
    }

    /// `-h, --help`, accepted by every command.
    static let helpOption = OptionSpec.flag("help", short: "h", help: "Show help information.")

    /// Every option the command accepts, help last.
    var options: [OptionSpec] { declaredOptions + [Self.helpOption] }

    /// The option named `--name` or `-n`, if declared.
    func option(named flag: String) -> OptionSpec? {
        options.first { $0.longFlag == flag || $0.shortFlag == flag }
    }

    /// The option with long name `long`, if declared.
    func option(long: String) -> OptionSpec? {
        options.first { $0.long == long }
    }
}
