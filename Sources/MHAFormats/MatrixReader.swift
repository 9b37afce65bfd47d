import MHACore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a matrix from a CSV, TSV, JSON or NPY file, one array of an NPZ or safetensors
/// archive (`FILE:NAME`, see `MatrixSource`), or standard input.
///
/// A 1-D input (a CSV with one line, a JSON 1-D array, an NPY 1-D array) is a 1 × n matrix:
/// a row, which is what biases are.
public enum MatrixReader {
    /// Reads a matrix from the file at `path` ("-" = standard input), or from one array of
    /// an archive when `path` is `FILE:NAME` (`-:NAME`: the archive on standard input, read
    /// once however many arrays are picked from it, `StandardInputArchive`).
    ///
    /// The format is `format` if given, else the path's extension (.csv, .tsv, .json, .npy,
    /// .npz, .safetensors, case-insensitive), else (stdin, or an unknown extension) sniffed
    /// from the content. An archive given without `:NAME` must hold exactly one array.
    /// Messages name the path, or `<stdin>`. Every value must be finite unless `nonFinite`
    /// allows −∞ (an additive mask); JSON `true`/`false` are read (as 1 and 0) only with
    /// `booleans` (a mask).
    /// - Throws: `FormatError` (`.noInput` if the file cannot be read, `.data` for content).
    public static func read(
        path argument: String, format: MatrixFormat? = nil, nonFinite: NonFiniteRule = .refused,
        booleans: Bool = false
    ) throws(FormatError) -> Matrix<Double> {
        let source = format == nil ? MatrixSource(argument: argument) : MatrixSource(path: argument)
        let path = source.path
        if let arrayName = source.arrayName {
            return try ArrayArchives.matrix(ArrayArchives.archive(of: source), named: arrayName, nonFinite: nonFinite)
        }
        if format == nil, path != "-", let archive = ArchiveFormat(path: path) {
            return try ArrayArchives.matrix(
                ArrayArchives.open(path: path, format: archive), named: nil, nonFinite: nonFinite)
        }
        let named = format ?? (path == "-" ? nil : MatrixFormat(path: path))
        let input: OpenedInput
        do { input = try OpenedInput(path: path) } catch { throw missingArchive(argument) ?? error }
        return try read(input, format: named, nonFinite: nonFinite, booleans: booleans)
    }

    /// For `nosuch.npz:wq`, which names no file (so it was not split into FILE:NAME): the
    /// error naming the file part, `cannot open 'nosuch.npz' (the FILE of FILE:NAME
    /// 'nosuch.npz:wq'): No such file or directory`; nil when no part before a colon has an
    /// archive's extension.
    private static func missingArchive(_ argument: String) -> FormatError? {
        guard let colon = argument.lastIndex(of: ":") else { return nil }
        let file = String(argument[..<colon])
        guard ArchiveFormat(path: file) != nil || MatrixFormat(path: file) == .npy else { return nil }
        let code = access(file, R_OK) == 0 ? 0 : errno
        guard code != 0 else { return nil }
        return FormatError(
            kind: .cannotOpen, file: file,
            message: "cannot open '\(file)' (the FILE of FILE:NAME '\(argument)'): \(String(cString: strerror(code)))")
    }

    /// Reads a matrix from an input opened once, in `format` (nil: sniffed from the content).
    static func read(
        _ input: OpenedInput, format named: MatrixFormat?, nonFinite: NonFiniteRule = .refused,
        booleans: Bool = false
    ) throws(FormatError) -> Matrix<Double> {
        if named == .npy, let matrix = try NPYFileReader.read(input, nonFinite: nonFinite) { return matrix }
        let content: InputBytes.Content = named == nil ? .sniffed : named == .npy ? .array : .text
        let bytes = try InputBytes.read(input, content: content)
        if named == nil, let archive = ArchiveFormat.sniff(bytes.dropLast()) {
            let file = MappedFile(bytes: Array(bytes.dropLast()), name: input.name)
            return try ArrayArchives.matrix(ArrayArchives.open(file, format: archive), named: nil, nonFinite: nonFinite)
        }
        return try readTerminated(
            bytes, name: input.name, format: named ?? MatrixFormat.sniff(bytes.dropLast()), nonFinite: nonFinite,
            booleans: booleans)
    }

    /// Reads a matrix from bytes already in memory; `name` goes into messages. With `header`
    /// false a CSV or TSV text has no header: a first line of labels is refused at its first
    /// field (`expected a number`), as a later line of labels is.
    /// - Throws: `FormatError` of category `.data`.
    public static func read(
        bytes: [UInt8], name: String, format: MatrixFormat, nonFinite: NonFiniteRule = .refused, header: Bool = true
    ) throws(FormatError) -> Matrix<Double> {
        try readTerminated(bytes + [0], name: name, format: format, nonFinite: nonFinite, header: header)
    }

    /// One or more lines of a CSV or TSV stream, read as `read(bytes:…)` reads them, with the
    /// warning for a nonzero number read as 0 and the first values float32 cannot hold
    /// returned rather than recorded, located on the stream's line `lines[i]` for line i + 1
    /// of `bytes`.
    static func readStreamed(
        bytes: [UInt8], name: String, format: MatrixFormat, header: Bool = true, lines: [Int]
    ) throws(FormatError) -> (matrix: Matrix<Double>, underflow: String?, float32: Float32Spellings.Spots?) {
        let terminated = bytes + [0]
        try requireParsingMemory(textBytes: terminated.count, name: name, format: format)
        return try withContent(of: terminated) {
            (text) throws(FormatError) -> (Matrix<Double>, String?, Float32Spellings.Spots?) in
            var tally = UnderflowTally()
            var float32 = Float32Tally()
            let reader = CSVReader(
                text: text, name: name, separator: format == .tsv ? 0x09 : UInt8(ascii: ","), allowsHeader: header)
            let matrix = try reader.read(noting: &tally, float32: &float32)
            return (
                matrix, tally.warning(file: name, text: text, lines: lines), float32.spots(text: text, lines: lines)
            )
        }
    }

    /// Reads from `terminated`, whose last byte is a NUL sentinel that is not content.
    static func readTerminated(
        _ terminated: [UInt8], name: String,
        format: MatrixFormat, nonFinite: NonFiniteRule = .refused, header: Bool = true, booleans: Bool = false
    ) throws(FormatError) -> Matrix<Double> {
        try requireParsingMemory(textBytes: terminated.count, name: name, format: format)
        return try withContent(of: terminated) { (text) throws(FormatError) -> Matrix<Double> in
            switch format {
            case .csv:
                return try CSVReader(
                    text: text, name: name, separator: UInt8(ascii: ","), nonFinite: nonFinite, allowsHeader: header
                ).read()
            case .tsv:
                return try CSVReader(
                    text: text, name: name, separator: 0x09, nonFinite: nonFinite, allowsHeader: header
                ).read()
            case .npy: return try NPYReader(bytes: text, name: name, nonFinite: nonFinite).read()
            case .json:
                let document = try JSONParser(text: text, name: name).parse()
                let reader = JSONMatrixReader(document: document, text: text, name: name)
                if document.nodes[0].kind == .object {
                    throw reader.error(
                        at: 0, path: "$",
                        "expected a matrix, found an object (a bundle is read with --bundle)")
                }
                let matrix = try reader.matrix(at: 0, path: "$", booleans: booleans)
                document.underflow.report(file: name, text: text)
                return matrix
            }
        }
    }

    /// The most memory parsing `textBytes` of `format` can take on top of the text, per byte
    /// of text: a CSV or TSV number takes at least 2 bytes (`0,`) and becomes an 8-byte
    /// Double, 4 bytes per text byte, and the growing array of values holds its old and its
    /// doubled storage at once when it grows (up to 3× the values: 12 bytes per text byte;
    /// counting 4 let a 20 MB line of `0,` fail to allocate under `ulimit -v`); a JSON token takes at least 2 bytes and becomes a 24-byte tape node (and the
    /// tape may be copied once as it grows), then the Doubles; NPY is checked exactly from
    /// its header (`NPYLayout`).
    static func parsingBytesPerTextByte(_ format: MatrixFormat) -> Int {
        switch format {
        case .csv, .tsv: return 12
        case .json: return 22
        case .npy: return 0
        }
    }

    /// Refuses, before parsing, a text whose worst-case parse would not fit in memory.
    static func requireParsingMemory(textBytes: Int, name: String, format: MatrixFormat) throws(FormatError) {
        let (needed, overflow) = textBytes.multipliedReportingOverflow(by: parsingBytesPerTextByte(format))
        guard let available = AvailableMemory.shortfall(overflow ? Int.max : needed) else { return }
        throw FormatError(
            kind: .data, file: name,
            message:
                "reading \(AvailableMemory.describe(textBytes)) of \(format.rawValue.uppercased()) needs up to \(AvailableMemory.describe(overflow ? Int.max : needed)); \(AvailableMemory.describe(available)) available"
        )
    }

    /// Calls `body` with the content of `terminated` (all but its final NUL byte), the NUL
    /// still readable just past the end.
    static func withContent<R>(
        of terminated: [UInt8],
        _ body: (UnsafeBufferPointer<UInt8>) throws(FormatError) -> R
    ) throws(FormatError) -> R {
        let result: Result<R, FormatError> = terminated.withUnsafeBufferPointer { buffer in
            let content = UnsafeBufferPointer(rebasing: buffer.dropLast())
            return Result { () throws(FormatError) -> R in try body(content) }
        }
        return try result.get()
    }
}
