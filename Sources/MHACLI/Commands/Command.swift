/// What a command produced: the data for stdout (or `-o`), and warnings for stderr.
struct CommandOutput: Equatable {
    /// The data, ending with a newline (empty when `binary` holds the result).
    var text: String
    /// The bytes of a binary result (`.npy`, `.npz`), written instead of `text`.
    var binary: [UInt8]? = nil
    /// Messages printed as `mha-cli: warning: …`.
    var warnings: [String] = []
    /// `-o FILE`, or nil for stdout.
    var destination: String? = nil
    /// Files written besides the result (`--heatmap FILE.svg`), atomically: to temporary
    /// files before the result is printed, renamed into place after it (`AtomicOutput`).
    var files: [OutputFile] = []
    /// The exit status after writing (1: `check` found the answer not correct, like cmp).
    var status: Int32 = 0
}

/// A file a command writes besides its result.
struct OutputFile: Equatable, Sendable {
    /// Where.
    var path: String
    /// What: the file's bytes (UTF-8 text for an SVG).
    var bytes: [UInt8]
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
