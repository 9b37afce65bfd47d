import MHACore
import MHAFormats

/// `--float` refuses, before converting, a value that float32 cannot hold (one that rounds to
/// ±∞ in float32, |v| ≥ 3.40282357e38: `Float.roundsToInfinity`), naming the file it came from:
/// converted, it would become ±∞ and be reported as non-finite data that the file does not hold.
struct FloatRangeError: MHAError {
    /// The file of the matrix, as the user named it.
    let file: String
    /// The matrix's key (`x`, `wq`, …).
    let name: String
    /// Where the value is.
    let row: Int, column: Int
    /// The value.
    let value: Double
    /// The sequence of a batch (a 3-D `.npy`) it is in, counted from 0 as the array's first
    /// index (`x[1, 0, 2]`); nil for a matrix.
    var sequence: Int? = nil

    /// Always `.data`.
    var category: ErrorCategory { .data }

    var description: String {
        let place = "\(name)[\(sequence.map { "\($0), " } ?? "")\(row), \(column)]"
        return "\(file): \(place) is \(value), beyond float32's range (±3.4028235e38): run without --float"
    }

    /// One warning per matrix (in key order) holding nonzero values that float32 rounds to
    /// zero (|v| below half its least subnormal, 1.4e-45), with their count (over every
    /// sequence of a batch): the run computes with zeros there, which the file does not hold.
    static func underflowWarnings(
        _ matrices: [String: Matrix<Double>], batches: [String: [Matrix<Double>]] = [:], files: [String: String],
        bundle: String?
    ) -> [String] {
        matrices.sorted(by: { $0.key < $1.key }).compactMap { name, m in
            let count = (batches[name] ?? [m]).reduce(0) { total, s in
                s.elements.reduce(total) { $0 + ($1 != 0 && Float($1) == 0 ? 1 : 0) }
            }
            guard count > 0 else { return nil }
            let file = fileName(name, files: files, bundle: bundle)
            let values = count == 1 ? "1 nonzero value" : "\(count) nonzero values"
            return
                "\(file): \(values) of \(name) \(count == 1 ? "rounds" : "round") to 0 in float32 (|v| < 1.4e-45): run without --float to keep \(count == 1 ? "it" : "them")"
        }
    }

    /// Throws for the first value (in key order, then sequence order within a batch) that
    /// float32 cannot hold. A −∞ (read only in an additive mask, where it blocks) is −∞ in
    /// float32 too; a value that rounds to float32's largest finite value is kept.
    /// - Parameters:
    ///   - files: each matrix's file by key; keys not listed came from `bundle`.
    ///   - batches: the sequences of the keys read as a batch (3-D `.npy`), the first included.
    static func check(
        _ matrices: [String: Matrix<Double>], batches: [String: [Matrix<Double>]] = [:], files: [String: String],
        bundle: String?
    ) throws(FloatRangeError) {
        for (name, m) in matrices.sorted(by: { $0.key < $1.key }) {
            let sequences = batches[name].map { Array($0.enumerated()) } ?? [(0, m)]
            for (sequence, s) in sequences {
                guard let index = s.elements.firstIndex(where: Float.roundsToInfinity) else {
                    continue
                }
                let file = fileName(name, files: files, bundle: bundle)
                throw FloatRangeError(
                    file: file, name: name, row: index / max(s.columns, 1),
                    column: index % max(s.columns, 1), value: s.elements[index],
                    sequence: batches[name] == nil ? nil : sequence)
            }
        }
    }

    /// The mask's entries checked for `kind` on its float64 values as read (every sequence of a
    /// batch), as the float64 run checks them: rounded to float32 first, a keep/block entry of
    /// 1.00000001 would pass as 1 and one of 1e-50 as 0. Call it before `check`, so that the
    /// run fails as the float64 one does.
    static func checkMask(
        _ matrices: [String: Matrix<Double>], batches: [String: [Matrix<Double>]] = [:],
        kind: AttentionMask<Double>.Kind
    ) throws(AttentionError) {
        for m in batches["mask"] ?? matrices["mask"].map({ [$0] }) ?? [] {
            try AttentionMask(m, kind: kind).validateEntries()
        }
    }

    /// The file matrix `name` came from, as the user named it (`<stdin>` for `-`); the
    /// bundle's for keys not given by option.
    private static func fileName(_ name: String, files: [String: String], bundle: String?) -> String {
        files[name].map { $0 == "-" ? "<stdin>" : $0 } ?? bundle ?? name
    }
}
