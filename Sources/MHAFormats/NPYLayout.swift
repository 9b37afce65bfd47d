import MHACore

/// The matrix shape and data size an NPY header declares, checked against the bytes the
/// file really has before anything is allocated.
struct NPYLayout: Equatable, Sendable {
    /// Matrix rows (1 for a 1-D array).
    let rows: Int
    /// Matrix columns.
    let columns: Int
    /// rows × columns.
    let count: Int
    /// count × the element size.
    let byteCount: Int

    /// The layout of `header`, given that the file has `availableBytes` after the header.
    /// - Throws: a data error naming `name` when the size overflows, the data is shorter or
    ///   longer than declared, or the array is empty.
    init(_ header: NPYHeader, availableBytes: Int, name: String) throws(FormatError) {
        rows = header.shape.count == 2 ? header.shape[0] : 1
        columns = header.shape.count == 2 ? header.shape[1] : header.shape[0]
        let described = "shape \(header.shapeDescription) of \(header.dataType.descr)"
        guard let count = header.elementCount,
            case let (byteCount, overflow) = count.multipliedReportingOverflow(by: header.dataType.size),
            !overflow
        else {
            throw NPYReader.failure(name, "the header's \(described) is too large to address")
        }
        if availableBytes != byteCount {
            let what = availableBytes < byteCount ? "truncated data" : "the data is longer than the header says"
            throw NPYReader.failure(
                name, "\(what): \(described) needs \(byteCount) bytes, the file has \(availableBytes)")
        }
        guard count > 0 else { throw NPYReader.failure(name, "empty array (\(described)) is not a matrix") }
        let (doubles, tooMany) = count.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
        if let available = AvailableMemory.shortfall(tooMany ? Int.max : doubles) {
            throw NPYReader.failure(
                name,
                "\(described) as float64 needs \(AvailableMemory.describe(tooMany ? Int.max : doubles)); \(AvailableMemory.describe(available)) available"
            )
        }
        self.count = count
        self.byteCount = byteCount
    }
}
