import MHACore
import MHAFormats

/// `--float` refuses, before converting, a value that float32 cannot hold (|v| > 3.4e38), naming
/// the file it came from: converted, it would become ±∞ and be reported as non-finite data that
/// the file does not hold.
struct FloatRangeError: MHAError {
    /// The file of the matrix, as the user named it.
    let file: String
    /// The matrix's key (`x`, `wq`, …).
    let name: String
    /// Where the value is.
    let row: Int, column: Int
    /// The value.
    let value: Double

    /// Always `.data`.
    var category: ErrorCategory { .data }

    var description: String {
        "\(file): \(name)[\(row), \(column)] is \(value), beyond float32's range (±3.4028235e38): run without --float"
    }

    /// Throws for the first value (in key order) that float32 cannot hold.
    /// - Parameter files: each matrix's file by key; keys not listed came from `bundle`.
    static func check(_ matrices: [String: Matrix<Double>], files: [String: String], bundle: String?) throws(FloatRangeError) {
        let limit = Double(Float.greatestFiniteMagnitude)
        for (name, m) in matrices.sorted(by: { $0.key < $1.key }) {
            guard let index = m.elements.firstIndex(where: { abs($0) > limit }) else { continue }
            let file = files[name].map { $0 == "-" ? "<stdin>" : $0 } ?? bundle ?? name
            throw FloatRangeError(file: file, name: name, row: index / max(m.columns, 1),
                                  column: index % max(m.columns, 1), value: m.elements[index])
        }
    }
}
