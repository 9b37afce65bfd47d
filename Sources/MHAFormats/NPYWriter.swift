import MHACore

/// Writing a matrix as a `.npy` file: format version 1.0, C order, little-endian, shape
/// `(rows, columns)`, the scalar's own dtype (`<f8` for Double, `<f4` for Float).
public enum NPYWriter {
    /// The complete file's bytes.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public static func data<S: NPYScalar>(_ m: Matrix<S>) -> [UInt8] {
        file(NPYHeader.encoded(descr: S.npyDescriptor, rows: m.rows, columns: m.columns), [m])
    }

    /// A batch of matrices of one shape as one 3-D array, shape `(B, rows, columns)`
    /// (PyTorch's batch-first layout).
    /// - Precondition: every matrix has the first one's shape.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public static func data<S: NPYScalar>(batch: [Matrix<S>]) -> [UInt8] {
        let (rows, columns) = (batch.first?.rows ?? 0, batch.first?.columns ?? 0)
        precondition(batch.allSatisfy { $0.rows == rows && $0.columns == columns }, "a batch of one shape")
        return file(NPYHeader.encoded(descr: S.npyDescriptor, shape: [batch.count, rows, columns]), batch)
    }

    /// `header` followed by the elements of `matrices`, in order, little-endian.
    private static func file<S: NPYScalar>(_ header: [UInt8], _ matrices: [Matrix<S>]) -> [UInt8] {
        let size = MemoryLayout<S>.size
        let count = matrices.reduce(0) { $0 + $1.rows * $1.columns }
        return [UInt8](unsafeUninitializedCapacity: header.count + count * size) { bytes, initialized in
            let raw = UnsafeMutableRawBufferPointer(bytes)
            raw.copyBytes(from: header)
            var offset = header.count
            for m in matrices {
                m.withUnsafeBufferPointer { elements in
                    for element in elements {
                        element.storeLittleEndian(into: raw, at: offset)
                        offset += size
                    }
                }
            }
            initialized = header.count + count * size
        }
    }
}

/// A scalar that NPY files store as itself: its dtype and its little-endian bytes.
public protocol NPYScalar: AttentionScalar {
    /// The NPY `descr` of the scalar: `<f8`, `<f4`.
    static var npyDescriptor: String { get }
    /// Stores the value's `MemoryLayout<Self>.size` little-endian bytes at `offset`.
    func storeLittleEndian(into raw: UnsafeMutableRawBufferPointer, at offset: Int)
}

extension Double: NPYScalar {
    /// `<f8`.
    public static var npyDescriptor: String { "<f8" }

    public func storeLittleEndian(into raw: UnsafeMutableRawBufferPointer, at offset: Int) {
        raw.storeBytes(of: bitPattern.littleEndian, toByteOffset: offset, as: UInt64.self)
    }
}

extension Float: NPYScalar {
    /// `<f4`.
    public static var npyDescriptor: String { "<f4" }

    public func storeLittleEndian(into raw: UnsafeMutableRawBufferPointer, at offset: Int) {
        raw.storeBytes(of: bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
    }
}
