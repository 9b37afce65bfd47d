/// How a front end should treat an error of the engine or the readers. The library only
/// classifies; mapping a category to an exit code (sysexits) is the front end's business.
public enum ErrorCategory: Sendable, Equatable {
    /// The request itself is wrong (inconsistent dimensions, an impossible option value).
    case usage
    /// The data is wrong (malformed file, shape mismatch, non-finite value, too large).
    case data
    /// An input cannot be opened (missing, unreadable, a directory).
    case noInput
    /// Writing output failed.
    case output
}

/// An error with a one-line, self-contained message and a category.
public protocol MHAError: Error, CustomStringConvertible {
    /// What kind of failure this is.
    var category: ErrorCategory { get }
}
