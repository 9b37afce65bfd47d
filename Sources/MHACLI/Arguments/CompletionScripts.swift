/// Shell completion scripts generated from the command declarations: subcommands, each
/// subcommand's options, the accepted words of an option's value, and file names where an
/// option takes a file.
enum CompletionScripts {
    /// The shells a script can be generated for.
    enum Shell: String, CaseIterable {
        case bash, zsh, fish
    }

    /// The script for `shell`, completing `root`'s subcommands and their options.
    static func script(for shell: Shell, root: CommandSpec) -> String {
        switch shell {
        case .bash: return bash(root)
        case .zsh: return zsh(root)
        case .fish: return fish(root)
        }
    }

    /// Every spelling of an option: `-x --input`.
    private static func flags(_ option: OptionSpec) -> [String] {
        [option.shortFlag, option.longFlag].compactMap { $0 }
    }

    /// Bash: a `complete -F` function that finds the subcommand among the words typed so far,
    /// completes an option's value after it (also written `--option=value`), a file argument
    /// (`inspect FILE`), and otherwise the subcommand's options. File names are offered only
    /// where a file is wanted: elsewhere `compopt +o default` keeps bash's fallback to file
    /// names (`complete -o default`) from listing them after `--heads`.
    static func bash(_ root: CommandSpec) -> String {
        let function = "_" + root.name.replacing("-", with: "_")
        let names = root.subcommands.map(\.name).joined(separator: " ")
        var cases: [String] = []
        for command in [root] + root.subcommands {
            let label = command.name == root.name ? "\"\"" : command.name
            let words = command.options.flatMap(flags) + (command.name == root.name ? root.subcommands.map(\.name) : [])
            let argument = command.arguments.first?.completion ?? .none
            let helpWords = argument == .subcommand ? root.subcommands.map(\.name) : []
            let wordReply = "COMPREPLY=( $(compgen -W \"\((words + helpWords).joined(separator: " "))\" -- \"$cur\") )"
            let otherwise =
                argument == .file
                ? "if [[ $cur == -* ]]; then \(wordReply); \(noFiles); else \(bashFiles); fi ;;"
                : "\(wordReply); \(noFiles) ;;"
            cases.append(
                """
                        \(label))
                            case "$prev" in
                \(bashValueCases(command))
                            esac
                            \(otherwise)
                """)
        }
        return """
            # bash completion for \(root.name); load with: source <(\(root.name) --generate-completion-script bash)
            \(function)() {
                local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" sub="" i
                # --option=value: bash splits the word at '=' (cur is '=' right after it, then prev is).
                if [[ $cur == = ]]; then cur=""
                elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then prev="${COMP_WORDS[COMP_CWORD-2]}"; fi
                for (( i = 1; i < COMP_CWORD; i++ )); do
                    case "${COMP_WORDS[i]}" in \(root.subcommands.map(\.name).joined(separator: "|"))) sub="${COMP_WORDS[i]}"; break ;; esac
                done
                case "$sub" in
            \(cases.joined(separator: "\n"))
                esac
            }
            complete -o default -F \(function) \(root.name)
            # subcommands: \(names)

            """
    }

    /// Turns bash's fallback to file names off for this completion.
    private static let noFiles = "compopt +o default 2>/dev/null"

    /// File names for `$cur`, directories marked with a slash.
    private static let bashFiles = "compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -f -- \"$cur\") )"

    /// The `case "$prev"` arms completing option values for one command.
    private static func bashValueCases(_ command: CommandSpec) -> String {
        command.options.filter(\.takesValue).map { option in
            let pattern = flags(option).joined(separator: "|")
            let reply: String
            switch option.completion {
            case .file: reply = "\(bashFiles); return"
            case let .words(words):
                // A value ending in ':' (`head:`) is completed further by hand (`head:2`):
                // no space after it when it is the one match.
                let nospace =
                    words.contains { $0.hasSuffix(":") }
                    ? "[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *: ]] && compopt -o nospace 2>/dev/null; " : ""
                reply =
                    "COMPREPLY=( $(compgen -W \"\(words.joined(separator: " "))\" -- \"$cur\") ); \(noFiles); \(nospace)return"
            case let .commaList(words): reply = bashCommaList(words)
            case .none: reply = "COMPREPLY=(); \(noFiles); return"
            }
            return "                \(pattern)) \(reply) ;;"
        }.joined(separator: "\n")
    }

    /// Completes the item after the last comma of `$cur` with the words not yet listed
    /// (`--show heads,<TAB>` offers `heads,qkv`, `heads,scores`, …), without a trailing space.
    private static func bashCommaList(_ words: [String]) -> String {
        "local prefix=\"${cur%\"${cur##*,}\"}\" w rest=(); "
            + "for w in \(words.joined(separator: " ")); do [[ \",$prefix\" == *\",$w,\"* ]] || rest+=(\"$w\"); done; "
            + "COMPREPLY=( $(compgen -P \"$prefix\" -W \"${rest[*]}\" -- \"${cur##*,}\") ); "
            + "compopt -o nospace +o default 2>/dev/null; return"
    }

    /// Zsh: `_arguments` specs per subcommand, dispatched on the first word.
    static func zsh(_ root: CommandSpec) -> String {
        let function = "_" + root.name.replacing("-", with: "_")
        let subcommands = root.subcommands.map { "'\($0.name):\(zshDescribeEscape($0.abstract))'" }.joined(
            separator: " ")
        let cases = root.subcommands.map { command in
            let specs = command.options.map(zshSpec) + command.arguments.map { zshArgument($0, root: root) }
            return "        (\(command.name)) _arguments -s \(specs.joined(separator: " ")) ;;"
        }.joined(separator: "\n")
        return """
            #compdef \(root.name)
            # zsh completion for \(root.name): put in a directory of $fpath as _\(root.name), or
            # source it after compinit: source <(\(root.name) --generate-completion-script zsh)
            \(function)() {
                local -a subcommands
                subcommands=(\(subcommands))
                if (( CURRENT == 2 )); then
                    _describe -t commands 'subcommand' subcommands
                    _arguments \(root.options.map(zshSpec).joined(separator: " "))
                    return
                fi
                local sub=${words[2]}
                shift words
                (( CURRENT-- ))
                case $sub in
            \(cases)
                esac
            }
            if [[ ${funcstack[1]-} == _\(root.name) ]]; then
                \(function) "$@"
            elif (( $+functions[compdef] )); then
                compdef \(function) \(root.name)
            else
                print -u2 "\(root.name): zsh completion needs compinit first: autoload -Uz compinit && compinit"
            fi

            """
    }

    /// One `_arguments` spec: `'(-x --input)'{-x,--input}'[help]:file:_files'`.
    private static func zshSpec(_ option: OptionSpec) -> String {
        let help = "[\(zshEscape(option.help))]"
        var action = ""
        if let valueName = option.valueName {
            switch option.completion {
            case .file: action = ":\(valueName):_files"
            case let .words(words): action = ":\(valueName):" + zshWords(words)
            case let .commaList(words):
                action = ":\(valueName):_values -s , \(valueName) \(words.joined(separator: " "))"
            case .none: action = ":\(valueName): "
            }
        }
        if option.valueIsOptional, action.hasPrefix(":") { action = ":" + action }  // zsh: '::name:…' is optional
        if let short = option.shortFlag {
            return "'(\(short) \(option.longFlag))'{\(short),\(option.longFlag)}'\(help)\(action)'"
        }
        return "'\(option.longFlag)\(help)\(action)'"
    }

    /// The `_arguments` spec of a positional argument: `':file:_files'`, or for an optional one
    /// `'::subcommand:(run shapes …)'`.
    private static func zshArgument(_ argument: ArgumentSpec, root: CommandSpec) -> String {
        let action: String
        switch argument.completion {
        case .file: action = "_files"
        case .subcommand: action = "(\(root.subcommands.map(\.name).joined(separator: " ")))"
        case .none: action = " "
        }
        return "'\(argument.isOptional ? "::" : ":")\(argument.name):\(action)'"
    }

    /// The `_arguments` action offering `words`: `(csv json)`, or for words ending in ':'
    /// (`head:`, completed further by hand as `head:2`) a `compadd` that adds no space after
    /// them, their colons escaped (an unescaped one ends the action).
    private static func zshWords(_ words: [String]) -> String {
        let open = words.filter { $0.hasSuffix(":") }
        guard !open.isEmpty else { return "(\(words.joined(separator: " ")))" }
        let closed = words.filter { !$0.hasSuffix(":") }
        let escaped = open.map { $0.replacing(":", with: "\\:") }.joined(separator: " ")
        return "{compadd -- \(closed.joined(separator: " ")); compadd -S \"\" -- \(escaped)}"
    }

    /// Text safe inside single quotes and zsh's `[…]` descriptions: brackets and colons
    /// escaped with a backslash, so `[-1, 1)` shows as written.
    private static func zshEscape(_ text: String) -> String {
        zshDescribeEscape(text).replacing("[", with: "\\[").replacing("]", with: "\\]")
    }

    /// Text safe inside single quotes and a `_describe` item's `name:description`.
    private static func zshDescribeEscape(_ text: String) -> String {
        text.replacing("'", with: "'\\''").replacing(":", with: "\\:")
    }

    /// Fish: one `complete` line per subcommand, per option and per positional argument that
    /// takes a file or a subcommand's name; comma lists (`--show heads,<TAB>`) are completed by
    /// a function that offers the items not yet listed after what is typed.
    static func fish(_ root: CommandSpec) -> String {
        let program = root.name
        let names = root.subcommands.map(\.name).joined(separator: " ")
        let commaList = fishCommaListFunction(program)
        var lines = [
            "# fish completion for \(program); save as ~/.config/fish/completions/\(program).fish",
            "complete -c \(program) -f",
            "function \(commaList)",
            "    set -l token (string replace -r -- '^--?[^=]*=' '' (commandline -ct))",
            "    set -l prefix (string match -r -- '^.*,' $token)",
            "    set -l listed (string split -- , \"$prefix\")",
            "    for word in $argv",
            "        contains -- $word $listed; or printf '%s%s\\n' \"$prefix\" $word",
            "    end",
            "end",
        ]
        for command in root.subcommands {
            lines.append(
                "complete -c \(program) -n 'not __fish_seen_subcommand_from \(names)' -a \(command.name) -d '\(fishEscape(command.abstract))'"
            )
        }
        for option in root.options {
            lines.append(fishOption(option, program: program, condition: "not __fish_seen_subcommand_from \(names)"))
        }
        for command in root.subcommands {
            let condition = "__fish_seen_subcommand_from \(command.name)"
            for option in command.options {
                lines.append(fishOption(option, program: program, condition: condition))
            }
            for argument in command.arguments {
                switch argument.completion {
                case .file: lines.append("complete -c \(program) -n '\(condition)' -F")
                case .subcommand: lines.append("complete -c \(program) -n '\(condition)' -a '\(names)'")
                case .none: break
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The name of the fish function completing comma lists: `__mha_cli_comma_list`.
    private static func fishCommaListFunction(_ program: String) -> String {
        "__" + program.replacing("-", with: "_") + "_comma_list"
    }

    /// One fish `complete` line for an option.
    private static func fishOption(_ option: OptionSpec, program: String, condition: String) -> String {
        var line = "complete -c \(program) -n '\(condition)' -l \(option.long)"
        if let short = option.short { line += " -s \(short)" }
        switch (option.takesValue, option.completion) {
        case (false, _): break
        case (true, .file): line += " -r -F"
        case let (true, .words(words)):
            line += " -x -a '\(words.joined(separator: " "))'"
        case let (true, .commaList(words)):
            line += " -x -a '(\(fishCommaListFunction(program)) \(words.joined(separator: " ")))'"
        case (true, .none): line += " -x"
        }
        return line + " -d '\(fishEscape(option.help))'"
    }

    /// Text safe inside fish single quotes.
    private static func fishEscape(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("'", with: "\\'")
    }
}
