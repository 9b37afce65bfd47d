import MHACore

/// Writing a matrix as a `.npy` file: format version 1.0, C order, little-endian, shape
/// `(rows, columns)`; dtype `<f4` for a Float matrix, `<f8` otherwise.
public enum NPYWriter {
    /// The complete file's bytes.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public static func data<S: AttentionScalar>(_ m: Matrix<S>) -> [UInt8] {
        let isFloat = S.self == Float.self
        let header = NPYHeader.encoded(descr: isFloat ? "<f4" : "<f8", rows: m.rows, columns: m.columns)
        let size = isFloat ? 4 : 8
        let count = m.rows * m.columns
        return [UInt8](unsafeUninitializedCapacity: header.count + count * size) { bytes, initialized in
            let raw = UnsafeMutableRawBufferPointer(bytes)
            raw.copyBytes(from: header)
            m.withUnsafeBufferPointer { elements in
                for index in 0..<count {
                    let offset = header.count + index * size
                    if isFloat {
                        raw.storeBytes(of: Float(elements[index]).bitPattern.littleEndian,
                                       toByteOffset: offset, as: UInt32.self)
                    } else {
                        raw.storeBytes(of: Double(elements[index]).bitPattern.littleEndian,
                                       toByteOffset: offset, as: UInt64.self)
                    }
                }
            }
            initialized = header.count + count * size
        }
    }
}
