import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program with its stdout and stderr on a pseudo-terminal (as an interactive shell
/// would) or on a pipe (as `| cat` would), and captures what it printed.
///
/// The terminal is opened with `openpty` and put in raw mode, so the program's `\n` is not
/// turned into `\r\n`; the program's stdin is /dev/null.
enum PseudoTerminal {
    /// What a run printed and how it ended.
    struct Output {
        /// stdout and stderr, interleaved as printed.
        var text: String
        /// The exit status (or signal number for an uncaught signal).
        var status: Int32
    }

    /// Why a run could not be captured.
    enum Failure: Error, CustomStringConvertible {
        case openpty(errno: Int32)
        case timeout(seconds: Double)

        var description: String {
            switch self {
            case let .openpty(code): return "openpty failed: \(String(cString: strerror(code)))"
            case let .timeout(seconds): return "the program did not finish within \(seconds) s"
            }
        }
    }

    /// Runs `executable` with stdout and stderr on a new pseudo-terminal.
    /// - Parameter environment: the child's whole environment (nil: this process's).
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        timeout: Double = 30
    ) throws -> Output {
        var primary: Int32 = -1
        var secondary: Int32 = -1
        guard openpty(&primary, &secondary, nil, nil, nil) == 0 else { throw Failure.openpty(errno: errno) }
        defer { close(primary) }
        var attributes = termios()
        if tcgetattr(secondary, &attributes) == 0 {
            cfmakeraw(&attributes)
            _ = tcsetattr(secondary, TCSANOW, &attributes)
        }
        let terminal = FileHandle(fileDescriptor: secondary, closeOnDealloc: false)
        let process = configured(executable, arguments, environment)
        process.standardOutput = terminal
        process.standardError = terminal
        do {
            try process.run()
        } catch {
            close(secondary)
            throw error
        }
        close(secondary)  // the child holds its own copies; EOF (EIO) comes when it exits
        let data = try drain(primary, process: process, timeout: timeout)
        process.waitUntilExit()
        return Output(text: String(decoding: data, as: UTF8.self), status: process.terminationStatus)
    }

    /// Runs `executable` with stdout and stderr on a pipe.
    static func runPiped(
        _ executable: String, _ arguments: [String],
        environment: [String: String]? = nil
    ) throws -> Output {
        let process = configured(executable, arguments, environment)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(text: String(decoding: data, as: UTF8.self), status: process.terminationStatus)
    }

    /// This process's environment with `changes` applied (a nil value removes the variable).
    static func environment(_ changes: [String: String?]) -> [String: String] {
        var result = ProcessInfo.processInfo.environment
        for (name, value) in changes { result[name] = value }
        return result
    }

    private static func configured(
        _ executable: String, _ arguments: [String],
        _ environment: [String: String]?
    ) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        return process
    }

    /// Reads the terminal's primary side until the child side is closed (EIO or EOF).
    private static func drain(_ fd: Int32, process: Process, timeout: Double) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready < 0, errno == EINTR { continue }
            if ready == 0 {
                guard Date() < deadline else {
                    process.terminate()
                    throw Failure.timeout(seconds: timeout)
                }
                continue
            }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return data }
            data.append(contentsOf: buffer[0..<count])
        }
    }
}
