import MHACore
import MHAFormats

extension JSONValue {
    /// A matrix of either precision as JSON rows, each number in the shortest form that reads
    /// back to the same value in its own precision.
    static func matrix<S: AttentionScalar>(of m: Matrix<S>) -> JSONValue {
        if let double = m as? Matrix<Double> { return .matrix(double) }
        if let float = m as? Matrix<Float> { return .floatMatrix(float) }
        return .matrix(m.converted(to: Double.self))
    }

    /// A shape as `[rows, columns]`.
    static func shape(_ rows: Int, _ columns: Int) -> JSONValue {
        .array([.int(rows), .int(columns)])
    }
}
