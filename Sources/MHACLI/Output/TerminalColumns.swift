#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The width the terminal heatmap may use: the terminal's own when stdout is one, else
/// `COLUMNS` when it is a positive number, else 80.
enum TerminalColumns {
    /// The default without a terminal or `COLUMNS`.
    static let fallback = 80

    /// The width for output to stdout (`toTerminal` false, e.g. with `-o`: `COLUMNS` or 80).
    static func current(toTerminal: Bool, environment: [String: String]) -> Int {
        if toTerminal, let columns = terminalColumns(), columns > 0 { return columns }
        return width(environment: environment)
    }

    /// `COLUMNS` when it is a positive integer (at most 10 000), else 80.
    static func width(environment: [String: String]) -> Int {
        guard let text = environment["COLUMNS"], let columns = Int(text), (1...10_000).contains(columns) else {
            return fallback
        }
        return columns
    }

    /// The columns of the terminal on stdout, or nil when stdout is not a terminal.
    private static func terminalColumns() -> Int? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 else { return nil }
        return Int(size.ws_col)
    }
}
