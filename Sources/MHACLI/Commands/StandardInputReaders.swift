import MHAFormats

/// The inputs of one command that read standard input: `-` reads the whole stream as one
/// input; `-:NAME` picks the array NAME of the archive on it (read once, so any number of
/// `-:NAME` may pick from it). Anything else would read the stream twice and is refused
/// before anything is read.
enum StandardInputReaders {
    /// Refuses `arguments` (the paths of a command's inputs) when two of them would read
    /// standard input: two `-`, or `-` beside a `-:NAME`.
    static func check(_ arguments: [String]) throws(UsageError) {
        let whole = arguments.filter { $0 == "-" }.count
        let picks = arguments.filter { MatrixSource(argument: $0).picksFromStandardInput }
        if whole > 1 { throw .invalidRequest("only one input can read stdin ('-')") }
        if whole == 1, let pick = picks.first {
            throw .invalidRequest(
                "only one input can read stdin: '-' reads all of it, so \(MessageText.quoted(pick)) cannot pick an array from it; give one of them as a file"
            )
        }
    }
}
