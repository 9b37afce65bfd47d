import Foundation

/// Writing a matrix as CSV: one row per line, comma-separated, no header, a final newline.
public enum CSVWriter {
    /// The matrix as CSV text.
    /// - Parameter decimals: digits after the decimal point (`%.Nf`, 0…17 sensible);
    ///   nil writes each number in its shortest round-trip form (`0.1`, `-0.0`, `5e-324`),
    ///   which reads back to the identical value.
    public static func matrix<S: AttentionScalar>(_ m: Matrix<S>, decimals: Int?) -> String {
        var output = ""
        output.reserveCapacity(m.rows * m.columns * (decimals.map { $0 + 4 } ?? 20) + m.rows)
        let format = decimals.map { "%.\(max(0, $0))f" }
        m.withUnsafeBufferPointer { elements in
            for row in 0..<m.rows {
                for column in 0..<m.columns {
                    if column > 0 { output += "," }
                    let value = elements[row * m.columns + column]
                    if let format {
                        output += String(format: format, Double(value))
                    } else {
                        output += value.description
                    }
                }
                output += "\n"
            }
        }
        return output
    }
}
