import MHACore
import MHAFormats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command's result goes and in which format (DESIGN §7): `-o FILE` picks the format
/// by the file's extension, like the readers; a path without a known extension, stdout and
/// `-` take `--format` (text by default). A `--format` that contradicts the extension is a
/// usage error, and a binary format is never written to a terminal (stdout, or an `-o` that
/// names one: /dev/tty, /dev/pts/N, /dev/stderr on a terminal).
///
///     -o out.npz                   → npz
///     -o out.npz --format npz      → npz
///     -o out.npz --format csv      → usage error (64)
///     -o out.txt --format csv      → csv (unknown extension: --format)
enum OutputDestination {
    /// The format each file extension means (lower case, without the dot). A command that
    /// gains a file format adds its extension here (`.tex`, `.md`, `.svg`).
    static let formatsByExtension: [String: OutputFormat] = [
        "json": .json, "csv": .csv, "tsv": .tsv, "npy": .npy, "npz": .npz,
        "tex": .latex, "md": .markdown, "svg": .svg,
    ]

    /// `text`, `text or json`, `json, csv or tsv` (`text, latex and markdown` with `and`).
    static func alternatives(_ names: [String], _ conjunction: String = "or") -> String {
        guard let last = names.last, names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " \(conjunction) " + last
    }

    /// The format for `-o path` (nil: stdout) and `--format given` (nil: not given), among
    /// the formats the command writes (`allowed`).
    /// - Throws: `UsageError` when the extension and `--format` disagree, when the command
    ///   does not write that format, or when a binary format would go to a terminal.
    static func format(
        path: String?, given: OutputFormat?, allowed: [OutputFormat] = OutputFormat.allCases,
        stdoutIsTerminal: Bool = isatty(STDOUT_FILENO) == 1
    ) throws(UsageError) -> OutputFormat {
        let named = path.flatMap(format(ofPath:))
        if let path, let named, let given, given != named {
            throw .invalidRequest(
                "--format \(given.rawValue) contradicts -o \(path), whose extension means \(named.rawValue); give one or make them agree"
            )
        }
        let format = named ?? given ?? .text
        guard allowed.contains(format) else {
            let source = named != nil ? "-o \(path ?? "")" : "--format \(format.rawValue)"
            throw .invalidRequest(
                "\(source): this command writes \(Self.alternatives(allowed.map(\.rawValue))), not \(format.rawValue)"
            )
        }
        if format.isBinary, stdoutIsTerminal, path == nil || path == "-" || path == "/dev/stdout" {
            throw .invalidRequest(
                "--format \(format.rawValue) is binary and stdout is a terminal; write it to a file with -o FILE.\(format.rawValue), or redirect stdout"
            )
        }
        if format.isBinary, let path, path != "-", path != "/dev/stdout", isTerminal(path) {
            throw .invalidRequest(
                "--format \(format.rawValue) is binary and -o \(path) is a terminal; write it to a file with -o FILE.\(format.rawValue)"
            )
        }
        return format
    }

    /// Whether `path` names a terminal: a descriptor the process holds (/dev/stderr,
    /// /dev/fd/N) that is one, or a character device (/dev/tty, /dev/pts/N) that opens as one.
    static func isTerminal(_ path: String) -> Bool {
        if let descriptor = AtomicOutput.inheritedDescriptor(path) { return isatty(descriptor) == 1 }
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFCHR else { return false }
        let descriptor = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return isatty(descriptor) == 1
    }

    /// The format a path's extension names (case-insensitive), or nil.
    static func format(ofPath path: String) -> OutputFormat? {
        PathParts.fileExtension(path).flatMap { formatsByExtension[$0.lowercased()] }
    }

    /// For a command that writes one format only (`init`: a JSON bundle): `-o path` must have
    /// that format's extension or none (`bundle`, `-`, `/dev/stdout`); any other extension
    /// (`b.npz`, `b.txt`) would name a format the file does not hold.
    /// - Throws: `UsageError` naming the path and what the command writes (`writing`).
    static func requireOnly(_ format: OutputFormat, path: String, writing: String) throws(UsageError) {
        guard let found = PathParts.fileExtension(path), Self.format(ofPath: path) != format else { return }
        throw .invalidRequest(
            "-o \(path): \(writing), not .\(found); name the file .\(format.rawValue) or give no extension")
    }
}

extension OutputFormat {
    /// Whether the format is bytes for programs (NPY, NPZ) rather than text.
    var isBinary: Bool { self == .npy || self == .npz }

    /// Whether the format holds exactly one matrix (so `--show` may name only one part).
    var holdsOneMatrix: Bool { self == .csv || self == .tsv || self == .npy }
}
