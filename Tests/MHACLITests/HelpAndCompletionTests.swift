import Foundation
import Testing

@testable import MHACLI

/// Help and completion scripts come from the declarations that parse, so every option of
/// every subcommand must show up in both.
@Suite struct HelpAndCompletionTests {
    static let commands = RootCommand.commands.map { $0.spec }

    @Test(arguments: commands.map(\.name))
    func helpListsEveryOptionWithDefaultsAndValues(_ name: String) throws {
        let spec = try #require(Self.commands.first { $0.name == name })
        let help = HelpRenderer.help(for: spec, path: ["mha-cli", name])
        let flat = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.hasPrefix("OVERVIEW: \(spec.abstract)"))
        #expect(help.contains("\nUSAGE: mha-cli \(name)"))
        #expect(help.contains("\nOPTIONS:\n"))
        for option in spec.options {
            #expect(help.contains("  " + option.helpLabel), "help of \(name) lacks \(option.helpLabel)")
            if let value = option.defaultValue { #expect(flat.contains("default: \(value)")) }
            if let values = option.allowedValues { #expect(flat.contains("values: \(values.joined(separator: ", "))")) }
        }
        for line in help.split(separator: "\n") { #expect(line.count <= HelpRenderer.width, "too wide: \(line)") }
    }

    @Test func rootHelpListsSubcommands() {
        let help = HelpRenderer.help(for: RootCommand.spec, path: ["mha-cli"])
        #expect(help.contains("SUBCOMMANDS:\n  run "))
        for command in Self.commands { #expect(help.contains("\n  \(command.name) ")) }
    }

    @Test func completionScriptsNameEveryOption() {
        for shell in CompletionScripts.Shell.allCases {
            let script = CompletionScripts.script(for: shell, root: RootCommand.spec)
            for command in Self.commands {
                #expect(script.contains(command.name))
                for option in command.declaredOptions {
                    let spelled = shell == .fish ? "-l \(option.long)" : option.longFlag
                    #expect(script.contains(spelled), "\(shell) script lacks \(option.longFlag) of \(command.name)")
                }
            }
        }
    }

    /// Sources the bash script in a real bash and asks it to complete.
    @Test(arguments: [
        (["mha-cli", "r"], ["run"]),
        (["mha-cli", "sh"], ["shapes"]),
        (["mha-cli", "run", "--hea"], ["--head-dim", "--heads", "--heatmap", "--heatmap-scale"]),
        (
            ["mha-cli", "run", "--format", ""],
            ["csv", "json", "latex", "markdown", "npy", "npz", "svg", "text", "tsv"]
        ),
        (["mha-cli", "shapes", "--d-m"], ["--d-model"]),
        (["mha-cli", "help", "b"], ["bench"]),
        (["mha-cli", "--generate-completion-script", "z"], ["zsh"]),
        (["mha-cli", "run", "--show", "heads,con"], ["heads,concat"]),
        (
            ["mha-cli", "run", "--show", "heads,output,"],
            ["heads,output,concat", "heads,output,qkv", "heads,output,scores", "heads,output,weights"]
        ),
        // `--format=<TAB>`: bash splits the word at '=', and cur is '=' right after it.
        (
            ["mha-cli", "run", "--format", "="],
            ["csv", "json", "latex", "markdown", "npy", "npz", "svg", "text", "tsv"]
        ),
        (["mha-cli", "run", "--format", "=", "js"], ["json"]),
        (
            ["mha-cli", "attend", "--show", "=", "weights,heads,qkv,"],
            ["weights,heads,qkv,concat", "weights,heads,qkv,scores"]
        ),
        (["mha-cli", "help", ""], RootCommand.spec.subcommands.map(\.name) + ["--help", "-h"]),
    ])
    func bashCompletes(_ words: [String], _ expected: [String]) throws {
        let bash = URL(fileURLWithPath: "/bin/bash")
        try #require(FileManager.default.isExecutableFile(atPath: bash.path), "bash is not installed")
        let script = CompletionScripts.script(for: .bash, root: RootCommand.spec)
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("completion.bash")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let quoted = words.map { "'\($0)'" }.joined(separator: " ")
        let driver = """
            source '\(file.path)'
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1)
            _mha_cli
            printf '%s\\n' "${COMPREPLY[@]}" | sort
            """
        let outcome = try BuiltBinary.launch(bash, ["--norc", "--noprofile", "-c", driver])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.split(separator: "\n").map(String.init) == expected.sorted())
    }

    /// Bash offers file names exactly where a file is wanted: after a file option and for
    /// `inspect FILE`, not after `--heads`, `--rope-scaling` or `--format` (whose values are
    /// numbers or words; `compopt +o default` turns off the fallback to file names that
    /// `complete -o default` would give an empty answer), nor for `run`'s non-option words.
    @Test(arguments: [
        (["mha-cli", "run", "--heads", ""], [String](), false),
        (["mha-cli", "run", "--rope-scaling", ""], [], false),
        (["mha-cli", "init", "--seed", ""], [], false),
        (["mha-cli", "run", "--format", "cs"], ["csv"], false),
        (["mha-cli", "run", "ex"], [], false),
        (["mha-cli", "run", "-x", "ex"], ["exact.csv", "example.npz"], true),
        (["mha-cli", "run", "--bundle", "="], ["exact.csv", "example.npz"], true),
        (["mha-cli", "inspect", ""], ["exact.csv", "example.npz"], true),
        (["mha-cli", "inspect", "exa"], ["exact.csv", "example.npz"], true),
        (["mha-cli", "inspect", "--f"], ["--format"], false),
    ])
    func bashOffersFilesOnlyForFiles(_ words: [String], _ expected: [String], _ files: Bool) throws {
        let bash = URL(fileURLWithPath: "/bin/bash")
        try #require(FileManager.default.isExecutableFile(atPath: bash.path), "bash is not installed")
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["exact.csv", "example.npz"] {
            try Data().write(to: folder.appendingPathComponent(name))
        }
        try CompletionScripts.script(for: .bash, root: RootCommand.spec).write(
            to: folder.appendingPathComponent("completion.bash"), atomically: true, encoding: .utf8)
        let quoted = words.map { "'\($0)'" }.joined(separator: " ")
        let driver = """
            source completion.bash
            compopt() { printf 'compopt %s\\n' "$*" >> compopt.log; }
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1)
            _mha_cli
            printf '%s\\n' "${COMPREPLY[@]}" | grep -v '^completion.bash$' | grep -v '^compopt.log$' | grep . | sort
            """
        let outcome = try BuiltBinary.launch(bash, ["--norc", "--noprofile", "-c", driver], in: folder)
        #expect(outcome.stdout.split(separator: "\n").map(String.init) == expected, "\(words)")
        // File names come with `-o filenames` (directories get a slash); elsewhere the
        // fallback to file names is turned off.
        let options = (try? String(contentsOf: folder.appendingPathComponent("compopt.log"), encoding: .utf8)) ?? ""
        #expect(options.contains("compopt -o filenames") == files, "\(words): \(options)")
        #expect(options.contains("compopt +o default") == !files, "\(words): \(options)")
    }

    /// `check --part he<TAB>` completes `head:` with no space after it (the head number
    /// follows), `--part ou<TAB>` completes `output` with one (`compopt` is recorded: outside
    /// an interactive completion it cannot act).
    @Test(arguments: [("he", "head:", true), ("wei", "weights:", true), ("ou", "output", false)])
    func bashAddsNoSpaceAfterAValueEndingInAColon(_ typed: String, _ completed: String, _ nospace: Bool) throws {
        let bash = URL(fileURLWithPath: "/bin/bash")
        try #require(FileManager.default.isExecutableFile(atPath: bash.path), "bash is not installed")
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("completion.bash")
        try CompletionScripts.script(for: .bash, root: RootCommand.spec).write(
            to: file, atomically: true, encoding: .utf8)
        let driver = """
            source '\(file.path)'
            compopt() { printf 'compopt %s\\n' "$*"; }
            COMP_WORDS=(mha-cli check --part '\(typed)'); COMP_CWORD=3
            _mha_cli
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let outcome = try BuiltBinary.launch(bash, ["--norc", "--noprofile", "-c", driver])
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains(completed), "\(outcome.stdout)")
        #expect(lines.contains("compopt -o nospace") == nospace, "\(outcome.stdout)")
    }

    /// zsh and fish check the syntax of their scripts, when installed (`.ci/run` installs them).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh"), "zsh is not installed"))
    func zshScriptParses() throws {
        try checkSyntax(.zsh, shell: "/usr/bin/zsh", flag: "-n")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/fish"), "fish is not installed"))
    func fishScriptParses() throws {
        try checkSyntax(.fish, shell: "/usr/bin/fish", flag: "--no-execute")
    }

    /// Loads the fish script into a real fish and asks it to complete.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/fish"), "fish is not installed"),
        arguments: [
            ("mha-cli ru", ["run"]), ("mha-cli run --hea", ["--head-dim", "--heads", "--heatmap", "--heatmap-scale"]),
            ("mha-cli run --format ", ["csv", "json", "latex", "markdown", "npy", "npz", "svg", "text", "tsv"]),
            ("mha-cli init --se", ["--seed", "--seq-len"]),
            // Comma lists: the items not yet listed, after what is typed.
            (
                "mha-cli run --show heads,",
                ["heads,concat", "heads,output", "heads,qkv", "heads,scores", "heads,weights"]
            ),
            ("mha-cli run --show heads,output,con", ["heads,output,concat"]),
            ("mha-cli run --show=qkv,out", ["--show=qkv,output"]),
            // inspect's FILE is a file; help's argument a subcommand; --heads is a number.
            ("mha-cli inspect exa", ["exact.csv", "example.npz"]),
            ("mha-cli help ", RootCommand.spec.subcommands.map(\.name)),
            ("mha-cli run --heads ", []),
        ])
    func fishCompletes(_ line: String, _ expected: [String]) throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["exact.csv", "example.npz"] {
            try Data().write(to: folder.appendingPathComponent(name))
        }
        let file = folder.appendingPathComponent("mha-cli.fish")
        try CompletionScripts.script(for: .fish, root: RootCommand.spec).write(
            to: file, atomically: true, encoding: .utf8)
        let outcome = try BuiltBinary.launch(
            URL(fileURLWithPath: "/usr/bin/fish"),
            ["--no-config", "-c", "source '\(file.path)'; complete -C '\(line)'"], in: folder)
        let words = outcome.stdout.split(separator: "\n").map { String($0.prefix { $0 != "\t" }) }
        #expect(words.sorted() == expected.sorted(), "\(outcome.stderr)")
    }

    /// Drives an interactive zsh in a pseudo-terminal (zsh/zpty): the script is loaded by
    /// compinit from $fpath, or sourced after compinit as `source <(mha-cli
    /// --generate-completion-script zsh)`, and two TABs list the candidates. The driver polls
    /// for at most 10 seconds and then deletes the pty (killing its shell), so it cannot hang.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh"), "zsh is not installed"),
        arguments: [
            ("mha-cli run --hea", ["--heads", "--heatmap"]), ("mha-cli init --se", ["--seed", "--seq-len"]),
            ("mha-cli ", ["run", "shapes", "init", "bench", "help"]),
            // inspect's FILE is completed as a file (the scratch folder holds _mha-cli), help's
            // argument as a subcommand, and a description keeps its brackets.
            ("mha-cli inspect _mha", ["_mha-cli"]), ("mha-cli help ", ["attend", "decode", "inspect"]),
            ("mha-cli run --qkv", ["A packed [W^q | W^k | W^v]"]),
        ], [false, true])
    func zshCompletes(_ completion: (line: String, expected: [String]), sourced: Bool) throws {
        let (line, expected) = completion
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let setup: String
        if sourced {
            let binary = try #require(BuiltBinary.url)
            setup = "autoload -Uz compinit; compinit -u -D; source <('\(binary.path)' --generate-completion-script zsh)"
        } else {
            try CompletionScripts.script(for: .zsh, root: RootCommand.spec)
                .write(to: folder.appendingPathComponent("_mha-cli"), atomically: true, encoding: .utf8)
            setup = "fpath=('\(folder.path)' \\$fpath); autoload -Uz compinit; compinit -u -D"
        }
        // The script file is there in both cases, as a file to complete.
        let scriptFile = folder.appendingPathComponent("_mha-cli")
        if !FileManager.default.fileExists(atPath: scriptFile.path) { try Data().write(to: scriptFile) }
        let wanted = expected.map { "$out == *'\($0)'*" }.joined(separator: " && ")
        let driver = """
            zmodload zsh/zpty
            cd '\(folder.path)'
            zpty -b z 'zsh -f -i'
            zpty -w z "PS1='> '; COLUMNS=200; \(setup)"
            zpty -w -n z '\(line)'$'\\t\\t'
            out=''
            for i in {1..100}; do
                while zpty -r -t z chunk; do out+=$chunk; done
                [[ \(wanted) ]] && break
                sleep 0.1
            done
            zpty -d z
            print -r -- "$out"
            """
        let outcome = try BuiltBinary.launch(URL(fileURLWithPath: "/usr/bin/zsh"), ["-f", "-c", driver])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for word in expected {
            #expect(outcome.stdout.contains(word), "zsh (\(sourced ? "sourced" : "fpath")) did not offer \(word)")
        }
    }

    /// An interactive zsh completes `check --part he<TAB>` to `head:` and leaves the cursor
    /// right after the colon, so the next key typed makes `head:Z` (the list with colons broke
    /// the `_arguments` action, and nothing was completed).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh"), "zsh is not installed"))
    func zshCompletesHeadColonWithoutASpace() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CompletionScripts.script(for: .zsh, root: RootCommand.spec)
            .write(to: folder.appendingPathComponent("_mha-cli"), atomically: true, encoding: .utf8)
        let driver = """
            zmodload zsh/zpty
            zpty -b z 'zsh -f -i'
            zpty -w z "PS1='> '; fpath=('\(folder.path)' \\$fpath); autoload -Uz compinit; compinit -u -D"
            zpty -w -n z 'mha-cli check --part he'$'\\t'
            sleep 1
            zpty -w -n z 'Z'
            out=''
            for i in {1..100}; do
                while zpty -r -t z chunk; do out+=$chunk; done
                [[ $out == *head:Z* || $out == *'head: Z'* ]] && break
                sleep 0.1
            done
            zpty -d z
            print -r -- "$out"
            """
        let outcome = try BuiltBinary.launch(URL(fileURLWithPath: "/usr/bin/zsh"), ["-f", "-c", driver])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("head:Z"), "\(outcome.stdout.suffix(300))")
    }

    private func checkSyntax(_ kind: CompletionScripts.Shell, shell: String, flag: String) throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("script")
        try CompletionScripts.script(for: kind, root: RootCommand.spec).write(
            to: file, atomically: true, encoding: .utf8)
        let outcome = try BuiltBinary.launch(URL(fileURLWithPath: shell), [flag, file.path])
        #expect(outcome.status == 0, "\(kind): \(outcome.stderr)")
    }

    /// docs/mha-cli.1 is what `--generate-manual` prints today (regenerate it with
    /// `swift run mha-cli --generate-manual > docs/mha-cli.1`).
    @Test func shippedManualPageIsCurrent() throws {
        let shipped = try String(
            contentsOf: BuiltBinary.packageRoot.appendingPathComponent("docs/mha-cli.1"), encoding: .utf8)
        let outcome = try BuiltBinary.run(["--generate-manual"])
        #expect(outcome.status == 0)
        #expect(
            outcome.stdout == shipped, "docs/mha-cli.1 is stale: swift run mha-cli --generate-manual > docs/mha-cli.1")
        for command in RootCommand.spec.subcommands {
            #expect(outcome.stdout.contains(".SH \"mha\\-cli \(command.name)\""), "\(command.name)")
        }
    }

    /// The manual's ENVIRONMENT names every variable the sources read (but the atomic-write
    /// test hook), as `.B NAME`; NO_COLOR counts only when non-empty, as the code decides.
    @Test func manualNamesEveryEnvironmentVariableRead() throws {
        let page = try BuiltBinary.run(["--generate-manual"]).stdout
        let start = try #require(page.range(of: ".SH ENVIRONMENT"))
        let end = try #require(page.range(of: ".SH SEE ALSO"))
        let section = String(page[start.upperBound..<end.lowerBound])
        let sources = BuiltBinary.packageRoot.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var read: Set<String> = []
        let pattern = try Regex(#"(?:environment\["|variable\("|getenv\(")([A-Z_]+)""#)
        for case let url as URL in files where ["swift", "c"].contains(url.pathExtension) {
            for match in try String(contentsOf: url, encoding: .utf8).matches(of: pattern) {
                if let name = match.output[1].substring { read.insert(String(name)) }
            }
        }
        read.remove("MHA_CLI_STOP_BEFORE_RENAME")
        #expect(read == ["NO_COLOR", "TERM", "COLUMNS", "MHA_CPU", "MHA_THREADS"], "\(read.sorted())")
        for name in read {
            #expect(section.contains(".B \(ManualPage.escape(name))\n"), "\(name) is read but not in ENVIRONMENT")
        }
        #expect(section.contains("non\\-empty"))
        // An optional value is bracketed as --help shows it: bare --heatmap is the terminal's.
        #expect(page.contains("\\fB\\-\\-heatmap\\fR [\\fIfile.svg\\fR]"))
    }

    /// Help on attend and decode describes those commands: attend has no --bundle, decode no
    /// text format; --rope-scaling names `none` as the word for no scaling.
    @Test func helpSaysWhatEachCommandDoes() throws {
        // Help wraps lines: compare with every run of spaces and newlines as one space.
        func flat(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let attend = flat(try BuiltBinary.run(["attend", "--help"]).stdout)
        let decode = flat(try BuiltBinary.run(["decode", "--help"]).stdout)
        #expect(!attend.contains("bundle says"), "\(attend)")
        #expect(!attend.contains("the bundle's") && !decode.contains("the bundle's"))
        #expect(decode.contains("--precision <n> Decimals in csv output") && !decode.contains("Decimals in text"))
        let run = flat(try BuiltBinary.run(["run", "--help"]).stdout)
        #expect(run.contains("none (or default):") && run.contains("phi3 (Phi-3"), "\(run)")
    }
}
