#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Facts about file paths through the C library (see `ProcessEnvironment`: no Foundation).
public enum FilePaths {
    /// Whether `path` names an existing file or folder, following symbolic links (as
    /// Foundation's `FileManager.fileExists(atPath:)`).
    public static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    /// Refuses, before anything opens it, a `path` that exists but is not a regular file (a
    /// FIFO, whose `open` would wait for a writer; a device such as /dev/zero, which would be
    /// read until memory runs out): `cannot read 'fifo1' as a decode cache: it is a FIFO, not
    /// a regular file` (66). A missing path is left to the opener, which names the error.
    /// `role` is what the file is for (`a decode cache`, `config.json`).
    public static func requireRegularFile(_ path: String, as role: String) throws(FormatError) {
        var status = stat(), output = stat()
        guard stat(path, &status) == 0 else { return }
        // This process's own standard output is the opener's to refuse, with its own message.
        if fstat(STDOUT_FILENO, &output) == 0, output.st_dev == status.st_dev, output.st_ino == status.st_ino {
            return
        }
        let kind: String
        switch status.st_mode & S_IFMT {
        case S_IFREG, S_IFDIR: return  // a folder is refused by the opener ("Is a directory")
        case S_IFIFO: kind = "a FIFO"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a file"
        }
        throw FormatError(
            kind: .cannotOpen, file: path,
            message: "cannot read '\(path)' as \(role): it is \(kind), not a regular file")
    }

    /// `path` as an absolute path with `.` and `..` segments and repeated `/` removed (no
    /// symbolic link resolved): two spellings of one path give the same text, as Foundation's
    /// `URL(fileURLWithPath:).standardizedFileURL` does. A relative path is taken from the
    /// current directory.
    public static func standardized(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil {
                full =
                    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/"
                    + path
            }
        }
        var segments: [Substring] = []
        for segment in full.split(separator: "/") {
            switch segment {
            case ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(segment)
            }
        }
        return "/" + segments.joined(separator: "/")
    }
}
