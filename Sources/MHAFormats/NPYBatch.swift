import MHACore

#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// A batch of sequences: a 3-D `.npy` array B × n × d (C order) read as B matrices n × d.
public enum BatchReader {
    /// The B matrices of a 3-D `.npy` file at `path`, or nil for any other input (which
    /// `MatrixReader.read` then reads, or explains).
    /// - Throws: `FormatError`: a 3-D array in Fortran order, with no sequence, or with fewer
    ///   data bytes than its shape needs is a data error naming the file.
    public static func read(path: String, nonFinite: NonFiniteRule = .refused) throws(FormatError) -> [Matrix<Double>]?
    {
        guard path != "-", MatrixFormat(path: path) == .npy, let shape = try threeDimensions(path) else { return nil }
        let bytes = try InputBytes.read(path: path)
        return try split(Array(bytes.dropLast()), shape: shape, name: path, nonFinite: nonFinite)
    }

    /// The header's (B, n, d, descr, fortran order, data offset) when the file holds a 3-D
    /// array; nil for any other NPY file, which the matrix reader then reads (or explains).
    private static func threeDimensions(_ path: String) throws(FormatError) -> Header? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }  // the matrix reader names the failure
        defer { close(descriptor) }
        var prefix = [UInt8](repeating: 0, count: 1 << 16)
        let count = prefix.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return try prefix.withUnsafeBufferPointer { buffer throws(FormatError) in
            try Header(UnsafeBufferPointer(rebasing: buffer[..<count]), name: path)
        }
    }

    /// A 3-D NPY header.
    private struct Header {
        var batch: Int, rows: Int, columns: Int
        var descr: String
        var elementSize: Int
        var dataOffset: Int

        /// Nil unless `bytes` start a valid NPY header whose shape has three dimensions.
        init?(_ bytes: UnsafeBufferPointer<UInt8>, name: String) throws(FormatError) {
            guard bytes.count >= 12, bytes.starts(with: NPYHeader.magic), [1, 2, 3].contains(bytes[6]) else {
                return nil
            }
            let lengthSize = bytes[6] == 1 ? 2 : 4
            var length = 0
            for index in (0..<lengthSize).reversed() { length = length << 8 | Int(bytes[8 + index]) }
            let start = 8 + lengthSize
            guard length <= bytes.count - start,
                let dictionary = try? NPYHeaderDictionary(
                    parsing: UnsafeBufferPointer(rebasing: bytes[start..<(start + length)])),
                case let .sequence(items)? = dictionary.entries["shape"], items.count == 3,
                case let .integer(b) = items[0], case let .integer(n) = items[1], case let .integer(d) = items[2],
                b >= 0, n >= 0, d >= 0,
                case let .string(descr)? = dictionary.entries["descr"],
                let type = try? NPYDataType(descr: descr)
            else { return nil }
            if case .bool(true)? = dictionary.entries["fortran_order"] {
                throw FormatError(
                    kind: .data, file: name,
                    message:
                        "a 3-D array in Fortran order is not read as a batch; save it in C order (np.ascontiguousarray)"
                )
            }
            (batch, rows, columns, self.descr, elementSize, dataOffset) = (b, n, d, descr, type.size, start + length)
        }
    }

    /// Each B-th slice of the data as its own 2-D NPY file, read by the matrix reader.
    private static func split(
        _ bytes: [UInt8], shape h: Header, name: String, nonFinite: NonFiniteRule
    ) throws(FormatError) -> [Matrix<Double>] {
        guard let slice = CheckedArithmetic.product([h.rows, h.columns, h.elementSize]),
            let total = CheckedArithmetic.product(slice, h.batch),
            h.dataOffset <= bytes.count, total <= bytes.count - h.dataOffset
        else {
            throw FormatError(
                kind: .data, file: name,
                message:
                    "truncated: the shape (\(h.batch), \(h.rows), \(h.columns)) needs more data than the file holds")
        }
        guard h.batch > 0 else {
            throw FormatError(
                kind: .data, file: name, message: "the batch (0, \(h.rows), \(h.columns)) holds no sequence")
        }
        let header = NPYHeader.encoded(descr: h.descr, rows: h.rows, columns: h.columns)
        var matrices: [Matrix<Double>] = []
        for b in 0..<h.batch {
            let start = h.dataOffset + b * slice
            let file = header + bytes[start..<(start + slice)]
            matrices.append(
                try MatrixReader.read(bytes: file, name: "\(name)[\(b)]", format: .npy, nonFinite: nonFinite))
        }
        return matrices
    }
}
