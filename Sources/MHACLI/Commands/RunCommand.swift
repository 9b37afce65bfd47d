import MHACore

/// `mha-cli run`: reads H and the weights, runs the forward pass, prints the parts asked for.
struct RunCommand: Command {
    /// The checked options.
    let options: RunOptions

    init(_ arguments: ParsedArguments) throws {
        options = try RunOptions(arguments)
    }

    func run() throws -> CommandOutput {
        throw UsageError.invalidRequest("run is not wired yet")
    }
}
