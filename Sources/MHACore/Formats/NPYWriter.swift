/// Writing a matrix as a `.npy` file: format version 1.0, C order, little-endian, shape
/// `(rows, columns)`; dtype `<f4` for a Float matrix, `<f8` otherwise.
public enum NPYWriter {
    /// The complete file's bytes.
    public static func data<S: AttentionScalar>(_ m: Matrix<S>) -> [UInt8] {
        let isFloat = S.self == Float.self
        var bytes = NPYHeader.encoded(descr: isFloat ? "<f4" : "<f8", rows: m.rows, columns: m.columns)
        let size = isFloat ? 4 : 8
        let headerCount = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: m.rows * m.columns * size))
        bytes.withUnsafeMutableBytes { raw in
            m.withUnsafeBufferPointer { elements in
                for (index, value) in elements.enumerated() {
                    let offset = headerCount + index * size
                    if isFloat {
                        raw.storeBytes(of: Float(value).bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
                    } else {
                        raw.storeBytes(of: Double(value).bitPattern.littleEndian, toByteOffset: offset, as: UInt64.self)
                    }
                }
            }
        }
        return bytes
    }
}
