/// `mha-cli help [subcommand]`: the same text as `--help`.
struct HelpCommand: Command {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "help", abstract: "Show help for a subcommand.",
        arguments: [
            ArgumentSpec(
                name: "subcommand", help: "The subcommand to explain.", isOptional: true, completion: .subcommand)
        ])

    /// The subcommand asked about, if any.
    let topic: (any Command.Type)?

    init(_ arguments: ParsedArguments) throws {
        topic = try arguments.positional(0).map { name throws(UsageError) in try RootCommand.command(named: name) }
    }

    func run() throws -> CommandOutput {
        guard let topic else {
            return CommandOutput(text: HelpRenderer.help(for: RootCommand.spec, path: [RootCommand.name]))
        }
        return CommandOutput(text: HelpRenderer.help(for: topic.spec, path: [RootCommand.name, topic.spec.name]))
    }
}
