#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a file descriptor completely, retrying short writes and EINTR.
enum FileDescriptorWriter {
    /// Writes all of `text` as UTF-8 to `descriptor`.
    /// - Returns: nil on success, else the `errno` of the failing write.
    static func write(_ text: String, to descriptor: Int32) -> Int32? {
        var text = text  // native strings are contiguous UTF-8: written in place, not copied
        return text.withUTF8 { write(UnsafeRawBufferPointer($0), to: descriptor) }
    }

    /// Writes all of `bytes` to `descriptor`.
    /// - Returns: nil on success, else the `errno` of the failing write.
    static func write(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
        bytes.withUnsafeBytes { write($0, to: descriptor) }
    }

    /// Writes all of `buffer` to `descriptor`, retrying short writes and EINTR.
    static func write(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        guard let base = buffer.baseAddress else { return nil }
        var offset = 0
        while offset < buffer.count {
            #if canImport(Glibc)
            let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
            #else
            let written = Darwin.write(descriptor, base + offset, buffer.count - offset)
            #endif
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// Writes `text` to stdout.
    /// - Throws: `OutputError.brokenPipe` when the reader has gone, `.cannotWrite` otherwise.
    static func standardOutput(_ text: String) throws(OutputError) {
        try standardOutput(Array(text.utf8))
    }

    /// Writes `bytes` to stdout.
    /// - Throws: `OutputError.brokenPipe` when the reader has gone, `.cannotWrite` otherwise.
    static func standardOutput(_ bytes: [UInt8]) throws(OutputError) {
        guard let failure = write(bytes, to: STDOUT_FILENO) else { return }
        if failure == EPIPE { throw .brokenPipe }
        throw .cannotWrite(path: "<stdout>", reason: String(cString: strerror(failure)))
    }

    /// Writes one line to stderr, ignoring failures (there is nowhere left to report them).
    static func standardError(_ line: String) {
        _ = write(line + "\n", to: STDERR_FILENO)
    }
}
