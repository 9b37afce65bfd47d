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
