import MHACore

/// Writing a matrix as a `.npy` file: format version 1.0, C order, little-endian, shape
/// `(rows, columns)`, the scalar's own dtype (`<f8` for Double, `<f4` for Float).
public enum NPYWriter {
    /// The complete file's bytes.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public static func data<S: NPYScalar>(_ m: Matrix<S>) -> [UInt8] {
        let header = NPYHeader.encoded(descr: S.npyDescriptor, rows: m.rows, columns: m.columns)
        let size = MemoryLayout<S>.size
        let count = m.rows * m.columns
        return [UInt8](unsafeUninitializedCapacity: header.count + count * size) { bytes, initialized in
            let raw = UnsafeMutableRawBufferPointer(bytes)
            raw.copyBytes(from: header)
            m.withUnsafeBufferPointer { elements in
                for index in 0..<count {
                    elements[index].storeLittleEndian(into: raw, at: header.count + index * size)
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
