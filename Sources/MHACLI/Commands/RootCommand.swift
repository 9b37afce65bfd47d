/// The program itself: `--version`, `--generate-completion-script`, and the subcommands.
enum RootCommand {
    /// The program's name as users type it.
    static let name = "mha-cli"
    /// Printed by `--version`.
    static let version = "0.2.0"

    /// The subcommands, in the order help lists them.
    static let commands: [any Command.Type] = [
        RunCommand.self, AttendCommand.self, DecodeCommand.self, CheckCommand.self,
        ShapesCommand.self, InspectCommand.self, InitCommand.self, BenchCommand.self,
        HelpCommand.self,
    ]

    /// The root declaration.
    static var spec: CommandSpec {
        CommandSpec(
            name: name,
            abstract: "Exact multi-head self-attention in the terminal.",
            discussion: """
                Computes Q = H·W^q, K = H·W^k, V = H·W^v, each head's softmax(Q_j·K_jᵀ/√d_k)·V_j, \
                their concat and concat·W^o, and shows every shape on the way.

                Options take their value as the next argument or after '=' (--heads 2, --heads=2, -x x.csv, \
                -x=x.csv); a lone '-' as a file is stdin (or stdout for -o), and '--' ends the options.
                """,
            options: [versionFlag, completionScript, manual],
            subcommands: commands.map { $0.spec })
    }

    /// The command named `name`, or a usage error suggesting the nearest name.
    static let versionFlag = Flag("version", help: "Show the version.")
    static let completionScript = Option<CompletionScripts.Shell>.choice(
        "generate-completion-script", "shell", help: "Print a completion script for the shell.")

    static let manual = Flag(
        "generate-manual", help: "Print the man page (roff), generated from the same declarations as --help.")

    static func command(named name: String) throws(UsageError) -> any Command.Type {
        guard let command = commands.first(where: { $0.spec.name == name }) else {
            throw .unknownSubcommand(
                name, suggestion: Suggestion.nearest(to: name, among: commands.map { $0.spec.name }))
        }
        return command
    }

    /// Handles the arguments when no subcommand is given: help, version, completions.
    static func run(_ arguments: [String]) throws -> CommandOutput {
        let parsed = try ArgumentParser.parse(arguments, for: spec)
        if let shell = try parsed[completionScript] {
            return CommandOutput(text: CompletionScripts.script(for: shell, root: spec))
        }
        if parsed[manual] { return CommandOutput(text: ManualPage.page(root: spec, version: version)) }
        if parsed[versionFlag] { return CommandOutput(text: version + "\n") }
        return CommandOutput(text: HelpRenderer.help(for: spec, path: [name]))
    }
}
