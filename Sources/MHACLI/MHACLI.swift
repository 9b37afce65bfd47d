import MHACore
import MHAFormats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The front end: parses the command line, runs the subcommand, writes its output and maps
/// errors to sysexits codes with one line on stderr.
public enum MHACLI {
    /// Runs the program with `arguments` (including the program name) and exits with its
    /// status. SIGPIPE is ignored: a closed stdout ends the program quietly with status 0.
    /// SIGXFSZ is ignored: a write past `ulimit -f` fails with EFBIG, a one-line error (74)
    /// with no temporary file left, instead of killing the process. SIGINT, SIGTERM, SIGHUP,
    /// SIGXCPU and SIGALRM remove any temporary file and exit 128 + the signal
    /// (`TerminationSignals`). A standard stream the shell closed is kept closed for use but
    /// occupied (`ClosedStandardStreams`), so no input or output file takes its descriptor.
    public static func main(_ arguments: [String]) -> Never {
        ClosedStandardStreams.fill()
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        TerminationSignals.install()
        exit(execute(Array(arguments.dropFirst())))
    }

    /// Runs one command line (without the program name) and returns the exit status.
    static func execute(_ arguments: [String]) -> Int32 {
        for warning in environmentWarnings {
            FileDescriptorWriter.standardError(line("warning: ", warning))
        }
        do {
            let output = try dispatch(arguments)
            printInputWarnings()
            for warning in output.warnings {
                FileDescriptorWriter.standardError(line("warning: ", warning))
            }
            // The files beside the result (`--heatmap FILE.svg`) are written to temporary
            // files before it and put in place after it: a failing --heatmap prints no report,
            // a failing -o leaves no heatmap behind.
            try OutputOverInput.checkRead(
                (output.destination.map { [("-o", $0)] } ?? []) + output.files.map { ("--heatmap", $0.path) })
            let bytes = output.binary ?? Array(output.text.utf8)
            try AtomicOutput.write(output.files) { () throws(OutputError) in
                if let destination = output.destination {
                    try AtomicOutput.write(bytes, to: destination)
                } else {
                    try FileDescriptorWriter.standardOutput(bytes)
                }
            }
            return output.status
        } catch OutputError.brokenPipe {
            return 0
        } catch let error as any MHAError {
            printInputWarnings()
            FileDescriptorWriter.standardError(line("error: ", error.description))
            return exitCode(error.category)
        } catch {
            printInputWarnings()
            FileDescriptorWriter.standardError(line("error: internal error: ", String(describing: error)))
            return 70
        }
    }

    /// Prints what the readers warned of in the inputs read so far (`InputWarnings`: a nonzero
    /// number read as 0), before the command's own warnings or its error.
    static func printInputWarnings() {
        for warning in InputWarnings.take() {
            FileDescriptorWriter.standardError(line("warning: ", warning))
        }
    }

    /// Warnings about the environment: an `MHA_CPU` that names no kernel level, or an
    /// `MHA_THREADS` that is not a positive integer, is ignored.
    static var environmentWarnings: [String] {
        var warnings: [String] = []
        if CPULevel.requestIsInvalid, let name = ProcessEnvironment.variable("MHA_CPU") {
            warnings.append(
                "MHA_CPU=\(MessageText.escaped(name)) is not a kernel level (baseline, avx2, avx512); using \(CPULevel.selected)"
            )
        }
        if CPULevel.threadRequestIsInvalid, let text = ProcessEnvironment.variable("MHA_THREADS") {
            warnings.append(
                "MHA_THREADS=\(MessageText.escaped(text)) is not a positive integer; using \(Kernels.threadCount) threads"
            )
        }
        return warnings
    }

    /// Finds the subcommand, parses its options, validates and runs it.
    static func dispatch(_ arguments: [String]) throws -> CommandOutput {
        guard let first = arguments.first, !ArgumentParser.looksLikeOption(first) else {
            return try RootCommand.run(arguments)
        }
        let command = try RootCommand.command(named: first)
        let parsed = try parse(Array(arguments.dropFirst()), for: command.spec)
        if parsed.helpRequested {
            return CommandOutput(
                text: HelpRenderer.help(for: command.spec, path: [RootCommand.name, command.spec.name]))
        }
        try OutputOverInput.check(parsed)
        return try command.init(parsed).run()
    }

    /// `ArgumentParser.parse`, with an option another subcommand has named as such.
    static func parse(_ arguments: [String], for spec: CommandSpec) throws(UsageError) -> ParsedArguments {
        do {
            return try ArgumentParser.parse(arguments, for: spec)
        } catch {
            throw naming(error, command: spec.name)
        }
    }

    /// An unknown option that other subcommands have becomes `.optionOfOtherCommands`: a
    /// nearest-name guess among this command's options (`attend --wo` → `--gq`) would mislead.
    static func naming(_ error: UsageError, command: String) -> UsageError {
        guard case .unknownOption(let name, _) = error else { return error }
        var owners: [String] = []
        for type in RootCommand.commands {
            let spec = type.spec
            if spec.option(named: name) != nil { owners.append(spec.name) }
        }
        return owners.isEmpty ? error : .optionOfOtherCommands(name, command: command, owners: owners)
    }

    /// sysexits: usage 64, data 65, no input 66, output 74.
    static func exitCode(_ category: ErrorCategory) -> Int32 {
        switch category {
        case .usage: return 64
        case .data: return 65
        case .noInput: return 66
        case .output: return 74
        }
    }

    /// The most characters (Unicode scalars) of one line on stderr, prefix included.
    static let lineLimit = 1000

    /// `mha-cli: ` + `kind` + `text` as one printable line of at most `lineLimit` characters:
    /// `MessageText`'s escaping (line breaks as `\n`, control, format and bidi characters as
    /// `\u{1B}`), the text cut with "…" where the whole line would be longer (a 100 KB
    /// argument quoted whole would bury the message). An escape is never cut in two.
    static func line(_ kind: String, _ text: String) -> String {
        let prefix = "\(RootCommand.name): \(kind)"
        let room = lineLimit - prefix.unicodeScalars.count
        let whole = MessageText.escaped(text)
        guard whole.unicodeScalars.count > room else { return prefix + whole }
        var cut = "", length = 0
        for scalar in text.unicodeScalars {
            let piece = MessageText.escaped(scalar)
            length += piece.unicodeScalars.count
            if length > room - 1 { break }
            cut += piece
        }
        return prefix + cut + "…"
    }
}
