import MHACore

/// A batch of sequences: a 3-D `.npy` array B × n × d (C order) read as B matrices n × d.
public enum BatchReader {
    /// The matrix of a matrix option's input at `path`, and the batch when it is a 3-D
    /// `.npy` file (the matrix is then its first sequence); any other input is read by
    /// `MatrixReader.read` (`booleans`: a mask's JSON `true`/`false`). The path is opened once: a FIFO holding an `.npy` is read whole
    /// once, its header looked at in the bytes read.
    /// - Throws: `FormatError`: a 3-D array in Fortran order, with no sequence, or with fewer
    ///   or more data bytes than its shape needs is a data error naming the file; any error of the
    ///   matrix reader.
    public static func read(
        path: String, nonFinite: NonFiniteRule = .refused, booleans: Bool = false
    ) throws(FormatError) -> (matrix: Matrix<Double>, batch: [Matrix<Double>]?) {
        // `archive.npz:x.npy` names an array, not an .npy file: the FILE:NAME split decides.
        guard path != "-", MatrixFormat(path: path) == .npy, MatrixSource(argument: path).arrayName == nil else {
            return (try MatrixReader.read(path: path, nonFinite: nonFinite, booleans: booleans), nil)
        }
        let input = try OpenedInput(path: path)
        if input.isRegular {
            // A regular file is peeked at with `pread`: a 2-D one goes to the fast reader.
            guard let prefix = input.peek(1 << 16), let shape = try header(prefix, name: path) else {
                return (try MatrixReader.read(input, format: .npy, nonFinite: nonFinite), nil)
            }
            return try batch(InputBytes.read(input), shape: shape, name: path, nonFinite: nonFinite)
        }
        let bytes = try InputBytes.read(input, content: .array)
        guard let shape = try header(bytes, name: path) else {
            return (try MatrixReader.readTerminated(bytes, name: path, format: .npy, nonFinite: nonFinite), nil)
        }
        return try batch(bytes, shape: shape, name: path, nonFinite: nonFinite)
    }

    /// The header of `bytes` when they start a 3-D array, else nil.
    private static func header(_ bytes: [UInt8], name: String) throws(FormatError) -> Header? {
        try bytes.withUnsafeBufferPointer { buffer throws(FormatError) in try Header(buffer, name: name) }
    }

    /// The batch in `terminated` (the file's bytes and a NUL), with its first sequence.
    private static func batch(
        _ terminated: [UInt8], shape: Header, name: String, nonFinite: NonFiniteRule
    ) throws(FormatError) -> (matrix: Matrix<Double>, batch: [Matrix<Double>]?) {
        let matrices = try split(Array(terminated.dropLast()), shape: shape, name: name, nonFinite: nonFinite)
        return (matrices[0], matrices)
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
        guard total == bytes.count - h.dataOffset else {
            // As the 2-D reader: bytes after the data are a file the header does not describe.
            throw FormatError(
                kind: .data, file: name,
                message:
                    "the data is longer than the header says: shape (\(h.batch), \(h.rows), \(h.columns)) of \(h.descr) needs \(total) bytes, the file has \(bytes.count - h.dataOffset)"
            )
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
