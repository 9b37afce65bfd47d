import MHACore

/// A file holding named arrays: a `.safetensors` checkpoint or an `.npz` archive (or a
/// single `.npy`, one array named after the file).
public protocol ArrayArchive: AnyObject {
    /// The file's name as messages show it.
    var name: String { get }
    /// `safetensors`, `npz` or `npy`.
    var formatName: String { get }
    /// Every array, in the file's order (safetensors: by data offset; npz: by member).
    var arrays: [ArrayInfo] { get }
    /// The array `arrayName` as a matrix (a 1-D array is one row), widened exactly to float64.
    /// - Throws: `FormatError` (`.data`) for an unknown name (listing the names), an array
    ///   that is not 1-D or 2-D, a dtype that is not read, non-finite values, a corrupt member.
    func matrix(named arrayName: String, nonFinite: NonFiniteRule) throws(FormatError) -> Matrix<Double>
    /// What a listing should add about the file: a header that promises more (or less) data
    /// than the file holds. Empty when the file is what its header says.
    var notes: [String] { get }
}

extension ArrayArchive {
    /// The array `arrayName` as a matrix, every value finite.
    public func matrix(named arrayName: String) throws(FormatError) -> Matrix<Double> {
        try matrix(named: arrayName, nonFinite: .refused)
    }

    /// None: the format's reader checks every entry against the file when it opens it.
    public var notes: [String] { [] }

    /// The entry of the array named `arrayName`, compared by code point as the formats'
    /// own readers compare names (`ExactKey`), or nil when the file holds none.
    public func array(named arrayName: String) -> ArrayInfo? {
        arrays.first { $0.name.sameScalars(as: arrayName) }
    }

    /// The entry of the array named `arrayName`.
    /// - Throws: `FormatError` (`.data`) when the file holds none, listing the names it holds.
    public func requireArray(named arrayName: String) throws(FormatError) -> ArrayInfo {
        guard let info = array(named: arrayName) else { throw ArrayArchives.unknownArray(arrayName, in: self) }
        return info
    }
}

/// The archive formats, by extension.
public enum ArchiveFormat: String, CaseIterable, Sendable {
    /// numpy's zip of `.npy` members (np.savez, np.savez_compressed).
    case npz
    /// Hugging Face's safetensors.
    case safetensors

    /// The format of `path` by its extension (case-insensitive); nil for any other.
    public init?(path: String) {
        guard let found = PathParts.fileExtension(path) else { return nil }
        self.init(rawValue: found.lowercased())
    }

    /// The format of content read from a stream: a zip's `PK\x03\x04` is npz, an 8-byte
    /// length followed by `{` is safetensors.
    static func sniff(_ bytes: some Collection<UInt8>) -> ArchiveFormat? {
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .npz }
        let prefix = Array(bytes.prefix(9))
        if prefix.count == 9, prefix[8] == UInt8(ascii: "{"), prefix[4..<8].allSatisfy({ $0 == 0 }) {
            return .safetensors
        }
        return nil
    }
}

/// Opening archives and reading `FILE:NAME` arguments.
public enum ArrayArchives {
    /// Opens the archive at `path` as `format` (default: by extension; `.npy` is a one-array
    /// archive, `….index.json` a sharded safetensors checkpoint).
    /// - Throws: `FormatError`: `.cannotOpen` (66) for a file that cannot be read, `.data` (65)
    ///   for a file that is not a valid archive.
    public static func open(path: String, format: ArchiveFormat? = nil) throws(FormatError) -> any ArrayArchive {
        if format == nil, MatrixFormat(path: path) == .npy { return try NPYArchive(path: path) }
        if format == nil, ShardedArchive.isIndex(path) { return try ShardedArchive(path: path) }
        let file = path == "-" ? try StandardInputArchive.bytes() : try MappedFile(path: path)
        if format == nil, ArchiveFormat(path: path) == nil, ArchiveFormat.sniff(file.bytes) == nil,
            file.bytes.starts(with: NPYHeader.magic)
        {
            return try NPYArchive(file)  // an .npy by content: stdin (`inspect -`), or another extension
        }
        return try open(file, format: format ?? ArchiveFormat(path: path) ?? ArchiveFormat.sniff(file.bytes) ?? .npz)
    }

    /// The archive a matrix argument reads: for `-:NAME` the .npz or .safetensors on standard
    /// input (read once), for `FILE:NAME` the file (an .npz, .safetensors, .npy or shard
    /// index), and for a plain path the file opened as `open(path:)` does.
    /// - Throws: `FormatError`: `.cannotOpen` for a file that cannot be read, `.data` for a
    ///   file that is not an archive (a CSV, TSV or JSON file picked from, stdin holding none).
    public static func archive(of source: MatrixSource) throws(FormatError) -> any ArrayArchive {
        let path = source.path
        guard let arrayName = source.arrayName else { return try open(path: path) }
        if path == "-" { return try StandardInputArchive.open(picking: arrayName) }
        if let text = MatrixFormat(path: path), text != .npy, !ShardedArchive.isIndex(path) {
            throw FormatError(
                kind: .data, file: path,
                message:
                    "FILE:NAME picks an array from an .npz, .safetensors or .npy file (or a shard index), not from a \(text.rawValue.uppercased()) file"
            )
        }
        return try open(path: path)
    }

    /// An archive over bytes already mapped or in memory.
    static func open(_ file: MappedFile, format: ArchiveFormat) throws(FormatError) -> any ArrayArchive {
        switch format {
        case .safetensors:
            if ArchiveFormat.sniff(file.bytes) == .npz { throw zipNamedSafetensors(file) }
            return try SafetensorsArchive(file)
        case .npz: return try NPZArchive(file)
        }
    }

    /// The refusal of a zip named `.safetensors`: most often `torch.save` given that name (a
    /// PyTorch pickle, refused as such), else an `.npz` under the wrong name.
    private static func zipNamedSafetensors(_ file: MappedFile) -> FormatError {
        return FormatError(
            kind: .data, file: file.name,
            message: isPyTorchPickle((try? ZipDirectory(file).members) ?? [])
                ? pyTorchPickleMessage
                : "a zip archive (an .npz?), not a safetensors file: its name says safetensors; rename it to .npz")
    }

    /// An archive over `bytes` in memory (tests, fuzzing); `name` goes into messages.
    public static func open(bytes: [UInt8], name: String, format: ArchiveFormat) throws(FormatError) -> any ArrayArchive
    {
        try open(MappedFile(bytes: bytes, name: name), format: format)
    }

    /// The error for a name the archive does not hold, listing (the first 20 of) its names.
    /// The refusal of a PyTorch pickle (`torch.save`, `pytorch_model.bin`: a zip with `data.pkl`).
    static let pyTorchPickleMessage =
        "a PyTorch pickle (torch.save, pytorch_model.bin): PyTorch pickles are not read (unpickling runs code); convert it to .safetensors (safetensors.torch.save_file, or save_pretrained with safe_serialization)"

    /// Whether a zip's `members` are a PyTorch pickle's (a `data.pkl`, at the top or in a folder).
    static func isPyTorchPickle(_ members: [ZipDirectory.Member]) -> Bool {
        members.contains { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }
    }

    /// Whether `error` is the refusal of a PyTorch pickle.
    public static func isPyTorchPickleRefusal(_ error: FormatError) -> Bool {
        error.message == pyTorchPickleMessage
    }

    static func unknownArray(_ arrayName: String, in archive: any ArrayArchive) -> FormatError {
        FormatError(
            kind: .data, file: archive.name,
            message: "no array named \(MessageText.quoted(arrayName)); it holds \(listing(archive.arrays))")
    }

    /// `3 arrays: a, b, c` (at most 20 names, then `…`).
    static func listing(_ arrays: [ArrayInfo]) -> String {
        let names = arrays.prefix(20).map { MessageText.escaped($0.name, limit: MessageText.quotedLimit) }
        let count = arrays.count == 1 ? "1 array" : "\(arrays.count) arrays"
        return arrays.isEmpty
            ? "no arrays" : count + ": " + names.joined(separator: ", ") + (arrays.count > 20 ? ", …" : "")
    }

    /// The FILE of a `FILE:NAME` that picks from the archive messages call `name`: the name
    /// itself, or `-` for standard input (`-:NAME`).
    private static func pickingForm(_ name: String) -> String {
        name == InputBytes.standardInputName ? "-" : name
    }

    /// The matrix an archive-backed argument names: `FILE:NAME`, or a one-array `FILE`.
    static func matrix(
        _ archive: any ArrayArchive, named arrayName: String?, nonFinite: NonFiniteRule = .refused
    ) throws(FormatError) -> Matrix<Double> {
        if let arrayName { return try archive.matrix(named: arrayName, nonFinite: nonFinite) }
        guard archive.arrays.count == 1, let only = archive.arrays.first else {
            throw FormatError(
                kind: .data, file: archive.name,
                message: "holds \(listing(archive.arrays)); pick one with \(pickingForm(archive.name)):NAME")
        }
        return try archive.matrix(named: only.name, nonFinite: nonFinite)
    }

    /// Refuses to widen `elements` values (plus `extraBytes` of scratch) beyond this machine's
    /// available memory, saying how much is needed: a hostile header cannot make it allocate.
    /// Requests under `AvailableMemory.uncheckedBytes` are not checked, as every other
    /// reader's are not (the budget keeps back the worker threads' reserve, which reading
    /// an array never needs: under `ulimit -v 60000` it is 0, and a 96-byte array was refused).
    static func checkMemory(elements: Int, extraBytes: Int, label: String) throws(FormatError) {
        let (doubles, overflow) = elements.multipliedReportingOverflow(by: 8)
        let (total, sumOverflow) = doubles.addingReportingOverflow(extraBytes)
        guard overflow || sumOverflow || total >= AvailableMemory.uncheckedBytes,
            let available = AvailableMemory.bytes()
        else { return }
        guard overflow || sumOverflow || total > available else { return }
        let needed = overflow || sumOverflow ? "more than \(ByteCount.describe(Int.max))" : ByteCount.describe(total)
        throw FormatError(
            kind: .data, file: label,
            message: "reading it as float64 needs \(needed); \(ByteCount.describe(available)) available")
    }

    /// The matrix of `shape` from decoded `elements` (row-major), NaN and ±∞ refused.
    static func matrix(
        _ elements: [Double], info: ArrayInfo, file: String, nonFinite: NonFiniteRule = .refused
    ) throws(FormatError) -> Matrix<Double> {
        let label = file + ":" + info.name
        guard let (rows, columns) = info.matrixShape else {
            throw FormatError(
                kind: .data, file: label,
                message:
                    "a \(info.shape.count)-D array (shape \(info.shapeDescription)) is not a matrix (1-D and 2-D arrays are)"
            )
        }
        guard rows * columns > 0 else {
            throw FormatError(
                kind: .data, file: label, message: "empty array (shape \(info.shapeDescription)) is not a matrix")
        }
        if let bad = nonFinite.firstRefused(elements) {
            throw FormatError(
                kind: .data, file: label,
                message: "non-finite value \(elements[bad]) at [\(bad / columns), \(bad % columns)]")
        }
        do {
            return try Matrix(rows: rows, columns: columns, elements: elements)
        } catch {
            throw FormatError(kind: .data, file: label, message: error.description)
        }
    }
}
