import Foundation

/// Writes a command's output to `-o FILE`.
///
/// A regular file (or a new path) is written to a temporary file in the same folder and then
/// renamed over the target, so a reader sees the old content or the new, never a part; on any
/// failure the temporary file is removed and the target is untouched. A target that exists
/// and is not a regular file (a device, a FIFO) is written directly and never replaced; so are
/// the process's own streams (/dev/stdout, /dev/stderr, /dev/fd/N), whatever is behind them.
/// `-` means stdout.
enum AtomicOutput {
    /// Writes `text` to `path`.
    /// - Throws: `OutputError.cannotWrite` naming the path and the system's reason.
    static func write(_ text: String, to path: String) throws(OutputError) {
        try write(Array(text.utf8), to: path)
    }

    /// Writes `text`'s bytes (text or a binary file) to `path`, as `write(_:to:)` does.
    static func write(_ text: [UInt8], to path: String) throws(OutputError) {
        if path == "-" { return try FileDescriptorWriter.standardOutput(text) }
        if let descriptor = inheritedDescriptor(path) { return try writeDirectly(text, to: descriptor, named: path) }
        var status = stat()
        if stat(path, &status) == 0 {
            let type = status.st_mode & S_IFMT
            if type == S_IFDIR { throw .cannotWrite(path: path, reason: "it is a directory") }
            if type != S_IFREG { return try writeDirectly(text, to: path) }
        }
        try replace(path, with: text)
    }

    /// The descriptor a path names that this process already holds open: /dev/stdout,
    /// /dev/stderr, /dev/fd/N, /proc/self/fd/N. Writing to it, rather than opening the path,
    /// keeps what the shell set up (`>> log` appends; a regular file behind it is not replaced).
    static func inheritedDescriptor(_ path: String) -> Int32? {
        switch path {
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
                guard let number = Int32(path.dropFirst(prefix.count)), number >= 0,
                      fcntl(number, F_GETFD) != -1 else { return nil }
                return number
            }
            return nil
        }
    }

    /// Opens an existing non-regular file (device, FIFO) and writes to it.
    private static func writeDirectly(_ text: [UInt8], to path: String) throws(OutputError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path) }
        defer { close(descriptor) }
        try writeDirectly(text, to: descriptor, named: path)
    }

    /// Writes `text` to an open descriptor; `path` names it in messages.
    private static func writeDirectly(_ text: [UInt8], to descriptor: Int32, named path: String) throws(OutputError) {
        if let code = FileDescriptorWriter.write(text, to: descriptor) {
            // A reader that went away (`-o /dev/stdout | head -1`) ends the run quietly, as on stdout.
            if code == EPIPE { throw .brokenPipe }
            throw .cannotWrite(path: path, reason: String(cString: strerror(code)))
        }
    }

    /// Writes a temporary sibling of `path` and renames it over `path`.
    private static func replace(_ path: String, with text: [UInt8]) throws(OutputError) {
        let target = resolvedTarget(path)
        let url = URL(fileURLWithPath: target)
        let folder = url.deletingLastPathComponent().path
        var template = Array((folder + "/." + url.lastPathComponent + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard descriptor >= 0 else { throw failure(path) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var closed = false
        do {
            fchmod(descriptor, permissions(for: target))
            if let code = FileDescriptorWriter.write(text, to: descriptor) {
                throw OutputError.cannotWrite(path: path, reason: String(cString: strerror(code)))
            }
            guard fsync(descriptor) == 0 || errno == EINVAL else { throw failure(path) }
            closed = true
            guard close(descriptor) == 0 else { throw failure(path) }
            guard rename(temporary, target) == 0 else { throw failure(path) }
        } catch {
            if !closed { close(descriptor) }
            unlink(temporary)
            throw error as? OutputError ?? .cannotWrite(path: path, reason: "\(error)")
        }
    }

    /// The permission bits of the file being replaced, so a mode-600 file stays 600; for a
    /// new file, 0666 less the umask, as `open` would create it.
    private static func permissions(for target: String) -> mode_t {
        var status = stat()
        if stat(target, &status) == 0 { return status.st_mode & 0o7777 }
        let mask = umask(0)
        umask(mask)
        return 0o666 & ~mask
    }

    /// The file a symbolic link points to, so the link itself is kept; else `path`.
    private static func resolvedTarget(_ path: String) -> String {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK,
              let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    /// The current `errno` as an output error for `path`.
    private static func failure(_ path: String) -> OutputError {
        .cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
}
