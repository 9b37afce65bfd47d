#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a file descriptor completely, retrying short writes and EINTR (unless the
/// caller is stopping: then only what the reader takes without waiting is written).
enum FileDescriptorWriter {
    /// Writes all of `text` as UTF-8 to `descriptor`.
    /// - Returns: nil on success, else the `errno` of the failing write.
    static func write(_ text: String, to descriptor: Int32, stopping: () -> Bool = { false }) -> Int32? {
        var text = text  // native strings are contiguous UTF-8: written in place, not copied
        return text.withUTF8 { write(UnsafeRawBufferPointer($0), to: descriptor, stopping: stopping) }
    }

    /// Writes all of `bytes` to `descriptor`.
    /// - Returns: nil on success, else the `errno` of the failing write.
    static func write(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
        bytes.withUnsafeBytes { write($0, to: descriptor) }
    }

    /// Writes all of `buffer` to `descriptor`, retrying short writes and EINTR.
    ///
    /// Once `stopping()` is true (a termination signal was recorded, whose handler interrupted
    /// a blocked write with EINTR or a short count), it no longer waits for the reader: it writes
    /// at most `pollableBytes` at a time while `poll` says the descriptor takes them at once,
    /// and returns EINTR with the rest unwritten when it would block.
    static func write(
        _ buffer: UnsafeRawBufferPointer, to descriptor: Int32, stopping: () -> Bool = { false }
    ) -> Int32? {
        guard let base = buffer.baseAddress else { return nil }
        var offset = 0
        while offset < buffer.count {
            var length = buffer.count - offset
            if stopping() {
                guard isWritable(descriptor) else { return EINTR }
                length = min(length, pollableBytes)
            }
            #if canImport(Glibc)
            let written = Glibc.write(descriptor, base + offset, length)
            #else
            let written = Darwin.write(descriptor, base + offset, length)
            #endif
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// Bytes a pipe that `poll` reports writable takes without blocking: POSIX's least
    /// `PIPE_BUF` (`_POSIX_PIPE_BUF`), 4096 on Linux.
    private static let pollableBytes = 512

    /// Whether `descriptor` takes `pollableBytes` without blocking (POLLOUT).
    private static func isWritable(_ descriptor: Int32) -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        return poll(&request, 1, 0) > 0 && request.revents & Int16(POLLOUT) != 0
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
