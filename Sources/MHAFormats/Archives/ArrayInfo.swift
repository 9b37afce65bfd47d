import MHACore

/// One array in an archive as `inspect` lists it: name, element type, shape and size.
public struct ArrayInfo: Sendable, Equatable {
    /// The array's name in the archive (`h.0.attn.c_attn.weight`; an .npz member without `.npy`).
    public let name: String
    /// The element type as safetensors spells it: `F64`, `F32`, `F16`, `BF16`, `I64`, … `BOOL`.
    public let dtype: String
    /// The dimensions, outermost first (empty for a scalar).
    public let shape: [Int]
    /// The stored data's size in bytes (elements × element size).
    public let byteCount: Int

    /// An entry from its parts.
    public init(name: String, dtype: String, shape: [Int], byteCount: Int) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteCount = byteCount
    }

    /// The matrix this array reads as: 2-D rows × columns, 1-D one row; nil otherwise.
    var matrixShape: (rows: Int, columns: Int)? {
        switch shape.count {
        case 1: return (1, shape[0])
        case 2: return (shape[0], shape[1])
        default: return nil
        }
    }

    /// A shape as the matrix it reads as prints (`2048 × 512`), other ranks as Python prints them.
    static func describe(_ shape: [Int]) -> String {
        guard shape.count == 2 else {
            return shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        return "\(shape[0]) × \(shape[1])"
    }

    /// The name with every control character escaped (`\u{1B}`), safe to print.
    public var printableName: String { MessageText.escaped(name) }

    /// The shape as Python prints it: `(2, 3)`, `(5,)`, `()`.
    public var shapeDescription: String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
