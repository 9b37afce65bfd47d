import MHAFormats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A command's output files (`-o`, `--heatmap FILE.svg`) must not be one of its own input
/// files (`check --answer a.json -o a.json`, `run --wq wq.csv -o wq.csv`): the atomic write
/// would replace the input with the result. Refused before anything is read or written
/// (`check`); a file read without being named (`checkRead`) is refused before writing.
///
/// Two paths are the same file when the output exists and both name one regular file (same
/// device and inode: a link, `./a.json`, another spelling), or when neither resolves and their
/// standardized paths are equal.
enum OutputOverInput {
    /// The options whose value is a file the command writes (decode's `--cache` is read and
    /// written back by design, and is neither).
    static let outputOptions: Set<String> = ["output", "heatmap", "cache"]

    /// Throws when an output option of `arguments` names one of its input files.
    /// - Throws: `UsageError` naming both options and the path.
    static func check(_ arguments: ParsedArguments) throws(UsageError) {
        let specs = arguments.spec.options.filter { $0.completion == .file }
        let outputs = specs.filter { ["output", "heatmap"].contains($0.long) }.flatMap { spec in
            (arguments.occurrences[spec.long] ?? []).filter { !$0.isEmpty && $0 != "-" }.map { (spec, $0) }
        }
        guard !outputs.isEmpty else { return }
        let inputs = specs.filter { !outputOptions.contains($0.long) }.flatMap { spec in
            (arguments.occurrences[spec.long] ?? []).filter { $0 != "-" }.map { (spec, $0) }
        }
        for (outputSpec, output) in outputs {
            for (inputSpec, input) in inputs where sameFile(output, MatrixSource(argument: input).path) {
                let name = outputSpec.shortFlag ?? outputSpec.longFlag
                throw .invalidRequest(
                    "\(name) \(output) is the input of \(inputSpec.longFlag) \(input); writing would replace it: write the result to another file"
                )
            }
        }
    }

    /// Throws when one of `outputs` (each with the option that named it) is a regular file
    /// the command has read (`InputFiles`) without naming it on the command line: a
    /// checkpoint's config.json, a shard. Checked after the run, before anything is written.
    /// The process's own streams (/dev/stdout, /dev/fd/N) are written, never replaced: not checked.
    static func checkRead(_ outputs: [(option: String, path: String)]) throws(UsageError) {
        for (option, path) in outputs where path != "-" && AtomicOutput.inheritedDescriptor(path) == nil {
            guard let name = InputFiles.reader(of: path) else { continue }
            throw .invalidRequest(
                "\(option) \(path) names an input this command read (\(name)); writing would replace it: write the result to another file"
            )
        }
    }

    /// Whether `output` and `input` name the same regular file (or, when `output` does not
    /// exist, the same standardized path).
    static func sameFile(_ output: String, _ input: String) -> Bool {
        var written = stat()
        guard stat(output, &written) == 0 else {
            return FilePaths.standardized(output) == FilePaths.standardized(input)
        }
        var read = stat()
        return written.st_mode & S_IFMT == S_IFREG && stat(input, &read) == 0
            && (written.st_dev, written.st_ino) == (read.st_dev, read.st_ino)
    }

    /// Whether two output paths (`--heatmap FILE.svg`, `-o FILE`) would write one file: both
    /// exist and are one file (the same device and inode: a symbolic or hard link, `./h.svg`),
    /// or their folders, with links resolved, and names are equal (`sub/h.svg` and
    /// `linked-sub/h.svg` before either exists).
    static func sameDestination(_ first: String, _ second: String) -> Bool {
        var one = stat()
        var other = stat()
        if stat(first, &one) == 0, stat(second, &other) == 0 {
            return (one.st_dev, one.st_ino) == (other.st_dev, other.st_ino)
        }
        return resolvedLocation(first) == resolvedLocation(second)
    }

    /// `path` with its folder's symbolic links resolved (`realpath`), then its name; the
    /// standardized path when the folder does not resolve.
    private static func resolvedLocation(_ path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, name != ".", name != "..", let real = realpath(folder, nil) else {
            return FilePaths.standardized(path)
        }
        defer { free(real) }
        let resolvedFolder = String(cString: real)
        return (resolvedFolder == "/" ? "" : resolvedFolder) + "/" + name
    }
}
