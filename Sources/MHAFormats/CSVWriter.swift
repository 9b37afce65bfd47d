import MHACore

/// Writing a matrix as CSV: one row per line, comma-separated, no header, a final newline.
public enum CSVWriter {
    /// The most decimals `matrix(_:decimals:)` writes; larger requests are clamped.
    public static let maximumDecimals = 40

    /// The matrix as CSV text.
    /// - Parameter decimals: digits after the decimal point, 0…`maximumDecimals`, rounded
    ///   as C's `%.Nf` does (correctly, from the exact binary value), except that a value
    ///   that rounds to zero prints without a sign (`0.0000`, never `-0.0000`);
    ///   nil writes each number in its shortest round-trip form (`0.1`, `-0.0`, `5e-324`),
    ///   which reads back to the identical value.
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    /// - Parameter separator: the byte between fields: a comma, or a tab for TSV.
    public static func matrix<S: AttentionScalar>(_ m: Matrix<S>, decimals: Int?,
                                                  separator: UInt8 = UInt8(ascii: ",")) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(m.rows * m.columns * (decimals.map { $0 + 4 } ?? 20) + m.rows)
        let places = decimals.map { min(max(0, $0), maximumDecimals) }
        m.withUnsafeBufferPointer { elements in
            for row in 0..<m.rows {
                for column in 0..<m.columns {
                    if column > 0 { output.append(separator) }
                    let value = elements[row * m.columns + column]
                    if let places {
                        FixedDecimal.append(Double(value).sign == .minus && FixedDecimal.scaledAndRounded(-Double(value), decimals: places) == 0 ? 0 : Double(value), decimals: places, to: &output)
                    } else {
                        output.append(contentsOf: value.description.utf8)
                    }
                }
                output.append(UInt8(ascii: "\n"))
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
