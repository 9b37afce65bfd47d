import MHACore

/// A memory-mapped `.safetensors` file: opening it reads the header only; reading a tensor
/// touches that tensor's pages and nothing else.
final class SafetensorsArchive: ArrayArchive {
    /// The mapping.
    private let file: MappedFile
    /// The checked header.
    private let header: SafetensorsHeader
    /// Entry index by name.
    private let index: [ExactKey: Int]

    /// Maps and checks `file`'s header.
    init(_ file: MappedFile) throws(FormatError) {
        self.file = file
        header = try SafetensorsHeader(file)
        index = Dictionary(
            header.entries.enumerated().map { (ExactKey($1.info.name), $0) }, uniquingKeysWith: { first, _ in first })
    }

    var name: String { file.name }
    var formatName: String { "safetensors" }
    var arrays: [ArrayInfo] { header.entries.map(\.info) }

    func matrix(named arrayName: String, nonFinite: NonFiniteRule) throws(FormatError) -> Matrix<Double> {
        guard let position = index[ExactKey(arrayName)] else { throw ArrayArchives.unknownArray(arrayName, in: self) }
        let entry = header.entries[position]
        let label = name + ":" + arrayName
        guard let type = entry.type else {
            throw FormatError(
                kind: .data, file: label,
                message: "dtype \(entry.info.dtype) is not read (F64, F32, F16, BF16 and the integer types are)")
        }
        guard let (_, columns) = entry.info.matrixShape else {
            return try ArrayArchives.matrix([], info: entry.info, file: name)  // throws: not a matrix
        }
        let count = entry.info.byteCount / type.size
        try ArrayArchives.checkMemory(elements: count, extraBytes: 0, label: label)
        let elements: [Double]
        do {
            elements = try ElementDecoder.decode(file.slice(entry.range), count: count, as: type) { index in
                "[\(index / max(columns, 1)), \(index % max(columns, 1))]"
            }
        } catch {
            throw FormatError(kind: .data, file: label, message: error.message)
        }
        return try ArrayArchives.matrix(elements, info: entry.info, file: name, nonFinite: nonFinite)
    }
}
