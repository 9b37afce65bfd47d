import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A matrix argument: a path, or `FILE:NAME` picking the array NAME of an archive
/// (`model.safetensors:h.0.attn.c_attn.weight`, `weights.npz:wq`).
///
/// A path that exists is a path even if it contains `:`; otherwise the argument splits at the
/// last `:` whose left part names an existing file (so a name may contain `:` too). An
/// argument with no such split is a path (and a missing one is reported as missing).
/// `-:NAME` picks NAME from the archive on standard input (`StandardInputArchive`), unless a
/// file of that name exists; `-:` is a pick with an empty NAME, which the front end refuses.
public struct MatrixSource: Equatable, Sendable {
    /// The file.
    public let path: String
    /// The array in it, if one is picked.
    public let arrayName: String?

    /// Splits `argument`; `exists` says whether a path names something (default: `stat`).
    public init(argument: String, exists: (String) -> Bool = MatrixSource.exists) {
        if argument == "-" || exists(argument) || !argument.contains(":") {
            (path, arrayName) = (argument, nil)
            return
        }
        if argument.hasPrefix("-:") {
            (path, arrayName) = ("-", String(argument.dropFirst(2)))
            return
        }
        var split = argument.endIndex
        while let colon = argument[..<split].lastIndex(of: ":") {
            let file = String(argument[..<colon])
            if !file.isEmpty, exists(file) {
                (path, arrayName) = (file, String(argument[argument.index(after: colon)...]))
                return
            }
            split = colon
        }
        (path, arrayName) = (argument, nil)
    }

    /// Whether this argument picks an array from the archive on standard input (`-:NAME`).
    public var picksFromStandardInput: Bool { path == "-" && arrayName != nil }

    /// A plain path, never split.
    public init(path: String) {
        (self.path, arrayName) = (path, nil)
    }

    /// Whether `path` names a file, directory or device (`stat` succeeds).
    public static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }
}
