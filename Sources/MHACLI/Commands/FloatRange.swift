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
    /// Where the file writes it and how (a text file), else nil.
    var spot: Float32Spellings.Spot? = nil

    /// Always `.data`.
    var category: ErrorCategory { .data }

    var description: String {
        let place = "\(name)[\(sequence.map { "\($0), " } ?? "")\(row), \(column)]"
        return
            "\(Self.located(file, spot)): \(place) is \(spot?.written ?? "\(value)"), beyond float32's range (±3.4028235e38): run without --float"
    }

    /// `x.csv:2:3` where `spot` is written in `file`; `file` alone without a spot (a binary file).
    static func located(_ file: String, _ spot: Float32Spellings.Spot?) -> String {
        spot.map { "\(file):\($0.line):\($0.column)" } ?? file
    }

    /// Where the text of matrix `name` writes its element `element` (of the first sequence)
    /// when `pick` chooses that spot of the matrix's first values float32 cannot hold.
    private static func spot(
        _ name: String, element: Int, sequence: Int, files: [String: String], bundle: String?,
        _ pick: (Float32Spellings.Spots) -> Float32Spellings.Spot?
    ) -> Float32Spellings.Spot? {
        guard sequence == 0 else { return nil }
        let file = fileName(name, files: files, bundle: bundle)
        let spots = Float32Spellings.spots(file: file, bundleKey: files[name] == nil ? name : nil)
        return spots.flatMap(pick).flatMap { $0.element == element ? $0 : nil }
    }

    /// One warning per matrix (in key order) holding nonzero values that float32 rounds to
    /// zero (|v| below half its least subnormal, 1.4e-45), with their count (over every
    /// sequence of a batch): the run computes with zeros there, which the file does not hold.
    static func underflowWarnings(
        _ matrices: [String: Matrix<Double>], batches: [String: [Matrix<Double>]] = [:], files: [String: String],
        bundle: String?
    ) -> [String] {
        matrices.sorted(by: { $0.key < $1.key }).compactMap { name, m in
            let sequences = batches[name] ?? [m]
            let roundsToZero = { (v: Double) in v != 0 && Float(v) == 0 }
            let count = sequences.reduce(0) { total, s in s.elements.reduce(total) { $0 + (roundsToZero($1) ? 1 : 0) } }
            guard count > 0,
                let (sequence, s) = sequences.enumerated().first(where: { $1.elements.contains(where: roundsToZero) }),
                let index = s.elements.firstIndex(where: roundsToZero)
            else { return nil }
            let file = fileName(name, files: files, bundle: bundle)
            let spot = spot(name, element: index, sequence: sequence, files: files, bundle: bundle) { $0.underflow }
            let columns = max(s.columns, 1)
            let place = "\(name)[\(batches[name] == nil ? "" : "\(sequence), ")\(index / columns), \(index % columns)]"
            let more = count == 1 ? "" : " (and \(count - 1) more of \(name))"
            return
                "\(located(file, spot)): \(place) = \(spot?.written ?? "\(s.elements[index])") rounds to 0 in float32 (|v| < 1.4e-45)\(more): run without --float to keep \(count == 1 ? "it" : "them")"
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
                    sequence: batches[name] == nil ? nil : sequence,
                    spot: spot(name, element: index, sequence: sequence, files: files, bundle: bundle) { $0.overflow })
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
    static func fileName(_ name: String, files: [String: String], bundle: String?) -> String {
        files[name].map { $0 == "-" ? "<stdin>" : $0 } ?? bundle ?? name
    }
}
