/// What a command produced: the data for stdout (or `-o`), and warnings for stderr.
struct CommandOutput: Equatable {
    /// The data, ending with a newline.
    var text: String
    /// Messages printed as `mha-cli: warning: …`.
    var warnings: [String] = []
    /// `-o FILE`, or nil for stdout.
    var destination: String? = nil
}

/// A subcommand: a static declaration, option checking apart from the work (validate, then
/// run), as in swift-argument-parser.
protocol Command: SendableMetatype {
    /// Name, abstract, discussion, options: parsing, help and completions read this.
    static var spec: CommandSpec { get }
    /// Reads and checks the parsed options; every problem found here is a usage error.
    init(_ arguments: ParsedArguments) throws
    /// Does the work.
    func run() throws -> CommandOutput
}
