#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether to print ANSI colour: only to a terminal, and never when the user said no.
///
/// Colour is off when stdout is not a TTY (a pipe or a file), when `--no-color` is given,
/// when `NO_COLOR` is set to a non-empty value (https://no-color.org), or when `TERM=dumb`.
///
///     TerminalColor.enabled(isTTY: true, environment: ["TERM": "xterm"], noColorFlag: false)  // true
///     TerminalColor.enabled(isTTY: true, environment: ["NO_COLOR": "1"], noColorFlag: false)  // false
enum TerminalColor {
    /// The decision, from the facts passed in (pure, so it can be tested).
    /// - Parameters:
    ///   - isTTY: whether stdout is a terminal (`stdoutIsTTY()`).
    ///   - environment: the process environment (`ProcessInfo.processInfo.environment`).
    ///   - noColorFlag: whether `--no-color` was given.
    /// - Returns: true when colour may be printed.
    static func enabled(isTTY: Bool, environment: [String: String], noColorFlag: Bool) -> Bool {
        guard isTTY, !noColorFlag else { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return true
    }

    /// Whether file descriptor 1 (stdout) is a terminal: `isatty(1)`.
    static func stdoutIsTTY() -> Bool {
        isTTY(STDOUT_FILENO)
    }

    /// Whether `fileDescriptor` is open on a terminal (false for pipes, files, closed descriptors).
    static func isTTY(_ fileDescriptor: Int32) -> Bool {
        isatty(fileDescriptor) == 1
    }
}
