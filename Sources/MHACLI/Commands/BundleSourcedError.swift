import MHACore
import MHAFormats

/// An error of the engine about a value that came from a file rather than a flag: a bundle's
/// `heads`, `kv_heads`, `token`, `scale` or `layout`, or a mask entry. It names the file and
/// is bad data (65); the same value given as a flag stays a usage error (64).
struct BundleSourcedError: MHAError {
    /// The file the value came from, as the user named it (`<stdin>` for `-`).
    let file: String
    /// What the engine or the checks said.
    let message: String

    /// Always `.data`: the file holds a value the run cannot use.
    var category: ErrorCategory { .data }

    var description: String { "\(file): \(message)" }

    /// `error` naming the file its offending value came from, when it came from one
    /// (`origins`: value name → file); else nil, and the error stands as it is.
    static func attributing(_ error: AttentionError, origins: [String: String]) -> BundleSourcedError? {
        let names: [String]
        switch error {
        case .headsDoNotDivideModel: names = ["heads"]
        case .kvHeadsDoNotDivideHeads: names = ["kv_heads"]
        case let .nonPositive(name, _): names = [name]
        case .tokenOutOfRange: names = ["token"]
        case .invalidScale: names = ["scale"]
        case .invalidMaskValue, .invalidMaskEntry: names = ["mask"]
        default: names = []
        }
        guard let file = names.lazy.compactMap({ origins[$0] }).first else { return nil }
        return BundleSourcedError(file: file, message: error.description)
    }
}
