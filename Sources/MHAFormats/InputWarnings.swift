import Synchronization

/// The warnings the readers found in inputs they read successfully (a nonzero number read as
/// 0, `UnderflowTally`), kept process-wide until the front end takes them, as `InputFiles`
/// keeps the files read: every reader of every command reports through the same place,
/// and a library client that never asks loses nothing but the warnings.
public enum InputWarnings {
    /// The warnings not yet taken, in the order found.
    private static let pending = Mutex<[String]>([])

    /// The most warnings kept waiting: a long-lived library client that never takes them
    /// holds at most this many.
    static let limit = 100

    /// Adds `warning` (one line, without the `mha-cli: warning: ` prefix) unless the same one
    /// is already waiting (one file read twice warns once) or `limit` are.
    static func record(_ warning: String) {
        pending.withLock { warnings in
            if warnings.count < limit, !warnings.contains(warning) { warnings.append(warning) }
        }
    }

    /// The warnings found since the last call, in order; none are kept.
    public static func take() -> [String] {
        pending.withLock { warnings in
            defer { warnings.removeAll() }
            return warnings
        }
    }
}
