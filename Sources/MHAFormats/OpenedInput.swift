#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An input path opened once: every reader of a path works on this one descriptor, so a
/// FIFO or a process substitution (`<(…)`), whose second `open` would wait for a new writer,
/// is read exactly once. `-` is standard input (not closed).
final class OpenedInput {
    /// The open descriptor, at offset 0 until a reader reads it.
    let descriptor: Int32
    /// The name messages use: the path, or `<stdin>`.
    let name: String
    /// Whether it is a regular file opened from its path (whose size is known and which
    /// `pread` can peek at from offset 0); standard input, even `< file`, is read as a stream
    /// from wherever its offset is.
    let isRegular: Bool
    /// A regular file's size in bytes (0 for a stream).
    let size: Int
    /// Whether `deinit` closes the descriptor (not standard input).
    private let owned: Bool

    /// Opens `path` ("-" = standard input) for reading.
    /// - Throws: `FormatError` of kind `.cannotOpen` for a missing, unreadable or directory
    ///   path: `cannot open 'x.csv': No such file or directory`.
    init(path: String) throws(FormatError) {
        if path == "-" {
            (descriptor, owned, name) = (STDIN_FILENO, false, InputBytes.standardInputName)
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else { throw InputBytes.cannotOpen(path, errno) }
            (descriptor, owned, name) = (opened, true, path)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            if owned { close(descriptor) }
            throw InputBytes.cannotOpen(name, code)
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            if owned { close(descriptor) }
            throw InputBytes.cannotOpen(name, EISDIR)
        }
        if owned {
            do throws(FormatError) {
                try InputBytes.refuseOwnOutput(descriptor, status, name: name)
            } catch {
                close(descriptor)
                throw error
            }
        }
        isRegular = owned && status.st_mode & S_IFMT == S_IFREG
        InputFiles.record(descriptor, name: name)
        size = isRegular ? Int(status.st_size) : 0
    }

    deinit {
        if owned { close(descriptor) }
    }

    /// Up to `count` bytes from `offset` of a regular file, without moving its offset (so a
    /// reader can look at a header and still read the whole file); nil for a stream or on
    /// an error.
    func peek(_ count: Int, at offset: Int = 0) -> [UInt8]? {
        guard isRegular else { return nil }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            var done = 0
            while done < count {
                let got = pread(descriptor, base + done, count - done, off_t(offset + done))
                if got < 0 && errno == EINTR { continue }
                if got < 0 { failed = true }
                if got <= 0 { break }
                done += got
            }
            initialized = done
        }
        return failed ? nil : bytes
    }
}
