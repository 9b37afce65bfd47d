import MHAFormats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a command's output to `-o FILE`.
///
/// A regular file (or a new path) is written to a temporary file in the same folder and then
/// renamed over the target, so a reader sees the old content or the new, never a part; on any
/// failure, and on SIGINT, SIGTERM or SIGHUP (`TerminationSignals`), the temporary file is
/// removed and the target is untouched. A target that exists and is not a regular file (a
/// device, a FIFO) is written directly and never replaced; so are the process's own streams
/// (/dev/stdout, /dev/stderr, /dev/fd/N), whatever is behind them. `-` means stdout.
///
/// A regular file this process may not write (mode 444, another user's) is refused (74,
/// `cannot write 'FILE': Permission denied`) and left as it was, as a shell redirect would.
///
/// Symbolic links, one rule: a link to an existing file is written through, atomically (the
/// temporary file goes beside the link's final target and is renamed onto it; the link
/// stays); a dangling link (or a loop) is refused (74), never replaced by a regular file.
enum AtomicOutput {
    /// Writes `text` to `path`.
    /// - Throws: `OutputError.cannotWrite` naming the path and the system's reason.
    static func write(_ text: String, to path: String) throws(OutputError) {
        try write(Array(text.utf8), to: path)
    }

    /// Writes `text`'s bytes (text or a binary file) to `path`, as `write(_:to:)` does.
    static func write(_ text: [UInt8], to path: String) throws(OutputError) {
        try stage(text, to: path).commit()
    }

    /// Writes `files` beside a command's result, which `result` writes: each file first goes
    /// to its temporary sibling, so a file that cannot be written (`--heatmap /nonexistent/h.svg`)
    /// stops the run before any of the result is printed; then the result; then the files are
    /// renamed into place, so a result that cannot be written (`-o`) leaves no file behind.
    /// A reader that closes stdout early (`| head -1`) is no failure of the result: the files,
    /// complete before it, are still put in place (as decode's cache is), then the run ends
    /// quietly (`OutputError.brokenPipe`) — or fails, saying so, if one cannot be.
    static func write(_ files: [OutputFile], besides result: () throws(OutputError) -> Void) throws(OutputError) {
        var staged: [StagedOutput] = []
        var closedByReader = false
        do {
            for file in files { staged.append(try stage(file.bytes, to: file.path)) }
            try result()
        } catch .brokenPipe {
            closedByReader = true
        } catch {
            for file in staged { file.discard() }
            throw error
        }
        for (index, file) in staged.enumerated() {
            do {
                try file.commit()
            } catch {
                for rest in staged[(index + 1)...] { rest.discard() }
                throw error
            }
        }
        if closedByReader { throw .brokenPipe }
    }

    /// `text` ready to go to `path`: written to a temporary sibling (renamed over `path` by
    /// `commit`), or, for a target that is never replaced (`-`, the process's own streams, a
    /// device, a FIFO), held until `commit` writes it.
    /// - Throws: `OutputError.cannotWrite` when `path` is a directory, a dangling link, an
    ///   existing file this process may not write (`access(W_OK)` with the effective ids, so
    ///   root writes a mode-444 file as the shell does), or in a folder where no file can be
    ///   created.
    static func stage(_ text: [UInt8], to path: String) throws(OutputError) -> StagedOutput {
        if path == "-" { return StagedOutput(path: path, destination: .standardOutput(text)) }
        if let descriptor = inheritedDescriptor(path) {
            return StagedOutput(path: path, destination: .descriptor(descriptor, text))
        }
        var status = stat()
        if stat(path, &status) == 0 {
            let type = status.st_mode & S_IFMT
            if type == S_IFDIR { throw .cannotWrite(path: path, reason: "it is a directory") }
            if type != S_IFREG { return StagedOutput(path: path, destination: .special(text)) }
            // A file the user may not write is left alone, as a shell redirect would leave it:
            // renaming over it would bypass its permissions (`chmod a-w` protects a result).
            if faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0 { throw failure(path) }
        } else if let reason = brokenLink(path, errno) {
            throw .cannotWrite(path: path, reason: reason)
        }
        let target = resolvedTarget(path)
        return StagedOutput(
            path: path, destination: .replacing(target, try temporaryCopy(of: text, beside: target, for: path)))
    }

    /// A bytes' destination, staged by `stage(_:to:)`.
    struct StagedOutput {
        enum Destination {
            /// `-`: stdout.
            case standardOutput([UInt8])
            /// /dev/stdout, /dev/fd/N: a descriptor the process holds.
            case descriptor(Int32, [UInt8])
            /// An existing device or FIFO, opened and written by `commit`.
            case special([UInt8])
            /// A regular file (or a new path): the temporary file holding the bytes, renamed
            /// onto the target (the link's final target, for a link).
            case replacing(String, TemporaryFile)
        }

        /// The path as the user gave it, for messages.
        let path: String
        let destination: Destination

        /// Puts the bytes in place: renames the temporary file over the target, or writes the
        /// held bytes.
        func commit() throws(OutputError) {
            switch destination {
            case let .standardOutput(text): try FileDescriptorWriter.standardOutput(text)
            case let .descriptor(descriptor, text): try AtomicOutput.writeDirectly(text, to: descriptor, named: path)
            case let .special(text): try AtomicOutput.writeDirectly(text, to: path)
            case let .replacing(target, temporary):
                // For the signal tests only: stop here, the temporary file written, until SIGCONT.
                if getenv("MHA_CLI_STOP_BEFORE_RENAME") != nil { raise(SIGSTOP) }
                if let code = temporary.commit(to: target) {
                    throw .cannotWrite(path: path, reason: String(cString: strerror(code)))
                }
            }
        }

        /// Removes the temporary file (held bytes are dropped); the target stays as it was.
        func discard() {
            if case let .replacing(_, temporary) = destination { temporary.discard() }
        }
    }

    /// Why `path`, a symbolic link whose target cannot be reached (`stat` failed with
    /// `code`), is not written; nil when `path` is not a symbolic link.
    static func brokenLink(_ path: String, _ code: Int32) -> String? {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, Int(PATH_MAX))
        let target = length > 0 ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        switch code {
        case ELOOP: return "it is a symbolic link in a loop (to '\(target)')"
        case ENOENT, ENOTDIR:
            return
                "it is a dangling symbolic link (to '\(target)', which does not exist); remove it or create its target"
        default:
            return
                "it is a symbolic link (to '\(target)') whose target cannot be reached: \(String(cString: strerror(code)))"
        }
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
                    fcntl(number, F_GETFD) != -1
                else { return nil }
                return number
            }
            return nil
        }
    }

    /// Opens an existing non-regular file (device, FIFO) and writes to it.
    fileprivate static func writeDirectly(_ text: [UInt8], to path: String) throws(OutputError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path) }
        defer { close(descriptor) }
        try writeDirectly(text, to: descriptor, named: path)
    }

    /// Writes `text` to an open descriptor; `path` names it in messages.
    fileprivate static func writeDirectly(_ text: [UInt8], to descriptor: Int32, named path: String) throws(OutputError)
    {
        if let code = FileDescriptorWriter.write(text, to: descriptor) {
            // A reader that went away (`-o /dev/stdout | head -1`) ends the run quietly, as on stdout.
            if code == EPIPE { throw .brokenPipe }
            throw .cannotWrite(path: path, reason: String(cString: strerror(code)))
        }
    }

    /// A temporary sibling of `target` holding `text`, for `path` (named in messages).
    private static func temporaryCopy(of text: [UInt8], beside target: String, for path: String)
        throws(OutputError) -> TemporaryFile
    {
        guard let temporary = TemporaryFile.create(beside: target, mode: permissions(for: target)) else {
            throw failure(path)
        }
        if let code = FileDescriptorWriter.write(text, to: temporary.descriptor) {
            temporary.discard()
            throw .cannotWrite(path: path, reason: String(cString: strerror(code)))
        }
        return temporary
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
            let real = realpath(path, nil)
        else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    /// The current `errno` as an output error for `path`; a folder that does not exist is
    /// named (`the folder 'nodir' does not exist`).
    private static func failure(_ path: String) -> OutputError {
        let code = errno
        if code == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            var status = stat()
            let folder = String(path[..<slash])
            if stat(folder, &status) != 0 {
                return .cannotWrite(path: path, reason: "the folder '\(folder)' does not exist")
            }
        }
        return .cannotWrite(path: path, reason: String(cString: strerror(code)))
    }
}
