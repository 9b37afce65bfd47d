import Foundation

/// Writes bytes to a file descriptor completely, retrying short writes and EINTR.
enum FileDescriptorWriter {
    /// Writes all of `text` as UTF-8 to `descriptor`.
    /// - Returns: nil on success, else the `errno` of the failing write.
    static func write(_ text: String, to descriptor: Int32) -> Int32? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { buffer -> Int32? in
            guard let base = buffer.baseAddress else { return nil }
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }

    /// Writes `text` to stdout.
    /// - Throws: `OutputError.brokenPipe` when the reader has gone, `.cannotWrite` otherwise.
    static func standardOutput(_ text: String) throws(OutputError) {
        guard let failure = write(text, to: STDOUT_FILENO) else { return }
        if failure == EPIPE { throw .brokenPipe }
        throw .cannotWrite(path: "<stdout>", reason: String(cString: strerror(failure)))
    }

    /// Writes one line to stderr, ignoring failures (there is nowhere left to report them).
    static func standardError(_ line: String) {
        _ = write(line + "\n", to: STDERR_FILENO)
    }
}
