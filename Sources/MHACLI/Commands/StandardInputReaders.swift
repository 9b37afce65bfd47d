import MHAFormats

/// The inputs of one command that read standard input: `-` reads the whole stream as one
/// input (so does `--config -`); `-:NAME` picks the array NAME of the archive on it, and
/// `--checkpoint -` reads that archive (read once, so any number of them may share it).
/// Anything else would read the stream twice and is refused before anything is read.
enum StandardInputReaders {
    /// Refuses `arguments` (the paths of a command's inputs) and `checkpoint`'s files when two
    /// of them would read standard input: two `-` (`--config -` among them), or `-` beside a
    /// `-:NAME` or `--checkpoint -`; and a `-:` whose NAME is empty.
    static func check(_ arguments: [String], checkpoint: CheckpointChoice? = nil) throws(UsageError) {
        if let empty = arguments.first(where: { MatrixSource(argument: $0).arrayName == "" }) {
            throw .invalidRequest(
                "\(MessageText.quoted(empty)) names no array: the NAME after ':' is empty (FILE:NAME and -:NAME pick the array NAME)"
            )
        }
        var whole = arguments.filter { $0 == "-" }.map { _ in "'-'" }
        var picks = arguments.filter { MatrixSource(argument: $0).picksFromStandardInput }.map {
            "\(MessageText.quoted($0)) cannot pick an array from it"
        }
        if checkpoint?.configPath == "-" { whole.append("--config -") }
        if checkpoint?.path == "-" { picks.insert("--checkpoint - cannot read the checkpoint from it", at: 0) }
        if whole.count > 1 {
            let both = whole.contains("--config -") ? ": \(whole.joined(separator: " and ")) both read all of it" : ""
            throw .invalidRequest("only one input can read stdin ('-')\(both)")
        }
        if let reader = whole.first, let pick = picks.first {
            throw .invalidRequest(
                "only one input can read stdin: \(reader) reads all of it, so \(pick); give one of them as a file")
        }
    }
}
