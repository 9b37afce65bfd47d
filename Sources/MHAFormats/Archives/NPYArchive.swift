import MHACore

/// A single `.npy` file seen as an archive of one array, named after the file without its
/// extension (`wq.npy` holds `wq`), so that `inspect` lists it like any archive.
final class NPYArchive: ArrayArchive {
    /// The path, for messages.
    private let path: String
    /// The file, opened once (a FIFO cannot be opened again), read by `matrix(named:)`.
    private let file: MappedFile
    /// The one entry.
    let arrays: [ArrayInfo]
    /// A mismatch between the header's declared data and the file's bytes, if any.
    let notes: [String]

    /// Reads the header of the `.npy` file at `path`.
    convenience init(path: String) throws(FormatError) {
        try self.init(try MappedFile(path: path))
    }

    /// Reads the header of `file`, an `.npy` by name or by content (stdin, `-`); its one
    /// array is named after the file without its extension (`<stdin>` for stdin).
    init(_ file: MappedFile) throws(FormatError) {
        let path = file.name
        self.path = path
        self.file = file
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let stem = MatrixFormat(path: base) == .npy ? base.dropLast(4) : Substring(base)
        let bytes = file.bytes.assumingMemoryBound(to: UInt8.self)
        let header: NPYHeader
        do {
            header = try NPYHeader(parsing: bytes, anyRank: true)
        } catch {
            throw FormatError(kind: .syntax, file: file.name, message: error.message)
        }
        let type = header.dataType.elementType
        let (byteCount, overflow) = (header.elementCount ?? Int.max).multipliedReportingOverflow(by: type.size)
        arrays = [
            ArrayInfo(
                name: String(stem), dtype: type.safetensorsName, shape: header.shape,
                byteCount: overflow ? Int.max : byteCount)
        ]
        let present = file.bytes.count - min(header.dataOffset, file.bytes.count)
        let declared = overflow ? "more than \(Int.max)" : "\(byteCount)"
        if overflow || present < byteCount {
            notes = [
                "\(file.name): truncated: its header declares \(header.shapeDescription) \(type.safetensorsName) = \(declared) bytes of data, but the file holds \(present); reading it fails"
            ]
        } else if present > byteCount {
            notes = [
                "\(file.name): its header declares \(header.shapeDescription) \(type.safetensorsName) = \(declared) bytes of data, but the file holds \(present) (\(present - byteCount) more); reading it fails"
            ]
        } else {
            notes = []
        }
    }

    var name: String { path }
    var formatName: String { "npy" }

    func matrix(named arrayName: String, nonFinite: NonFiniteRule) throws(FormatError) -> Matrix<Double> {
        guard arrayName == arrays[0].name else { throw ArrayArchives.unknownArray(arrayName, in: self) }
        return try NPYReader(
            bytes: file.bytes.assumingMemoryBound(to: UInt8.self), name: file.name, nonFinite: nonFinite
        ).read()
    }
}
