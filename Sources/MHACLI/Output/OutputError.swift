import MHACore
import MHAFormats

/// Writing the result failed (exit 74).
enum OutputError: MHAError, Equatable {
    /// The destination could not be opened, written, or put in place.
    case cannotWrite(path: String, reason: String)
    /// The reader of stdout went away (`| head -1`); the program ends quietly.
    case brokenPipe

    /// Always `.output`.
    var category: ErrorCategory { .output }

    var description: String {
        switch self {
        case let .cannotWrite(path, reason): return "cannot write '\(path)': \(reason)"
        case .brokenPipe: return "stdout was closed by its reader"
        }
    }
}
