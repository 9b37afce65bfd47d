/// A matrix as a person wrote it: the values and, per entry, how precisely each was written.
public struct WrittenMatrix: Sendable {
    /// The values read.
    public var values: Matrix<Double>
    /// One precision per entry, row-major, after `integral entries` are resolved (see `init`).
    public private(set) var precisions: [WrittenPrecision]

    /// The answer `values` with the precision of each entry as written.
    ///
    /// An entry written as an integer (`0`, `1`) among entries with decimals is taken to the
    /// fewest decimals written elsewhere: in a weights matrix of 4-decimal entries, `0` means
    /// 0.0000, not "anything from −0.5 to 0.5".
    /// - Throws: `MatrixError.precisionCount` when the counts differ.
    public init(values: Matrix<Double>, precisions: [WrittenPrecision]) throws(MatrixError) {
        guard precisions.count == values.elements.count else {
            throw .precisionCount(rows: values.rows, columns: values.columns, count: precisions.count)
        }
        self.values = values
        let written = precisions.filter { !$0.isIntegral }
        if let fewest = written.map(\.decimals).min() {
            self.precisions = precisions.map { p in
                p.isIntegral
                    ? WrittenPrecision(
                        decimals: fewest, significantDigits: max(p.significantDigits, fewest), isIntegral: true) : p
            }
        } else {
            self.precisions = precisions
        }
    }

    /// Every entry of `values` at the same precision (an answer from a binary file, a test).
    public init(values: Matrix<Double>, precision: WrittenPrecision) {
        self.values = values
        self.precisions = Array(repeating: precision, count: values.elements.count)
    }

    /// The range of decimals written by the entries that are not integers (or by all of
    /// them when every entry is one); nil for an empty matrix.
    public var decimalsRange: ClosedRange<Int>? {
        let written = precisions.filter { !$0.isIntegral }
        let chosen = written.isEmpty ? precisions : written
        guard let low = chosen.map(\.decimals).min(), let high = chosen.map(\.decimals).max() else { return nil }
        return low...high
    }

    /// Whether every entry is written at full precision.
    public var isFullPrecision: Bool { !precisions.isEmpty && precisions.allSatisfy(\.isFull) }

    /// The first entry written with different decimals from the first non-integral entry:
    /// (row, column, its decimals, the first's decimals), for a warning.
    public var firstMixedPrecision: (row: Int, column: Int, decimals: Int, expected: Int)? {
        guard !isFullPrecision, let first = precisions.first(where: { !$0.isIntegral }) else { return nil }
        guard
            let index = precisions.indices.first(where: {
                !precisions[$0].isIntegral && !precisions[$0].isFull
                    && precisions[$0].decimals != first.decimals
            })
        else { return nil }
        let columns = max(values.columns, 1)
        return (index / columns, index % columns, precisions[index].decimals, first.decimals)
    }

    /// The narrow float type every entry is stored in (an `<f4` .npy answer), if one is.
    public var storage: NarrowFloat? {
        guard let first = precisions.first?.storage, precisions.allSatisfy({ $0.storage == first }) else { return nil }
        return first
    }

    /// Whether every entry is within its tolerance of `right` (same shape required), or
    /// within float32's (`matchesToFloat32`).
    func matches(_ right: Matrix<Double>, blocked: [Bool]? = nil) -> Bool {
        (mismatches(against: right, blocked: blocked).map { $0.isEmpty } ?? false)
            || matchesToFloat32(right, blocked: blocked)
    }

    /// Whether every entry that misses its own tolerance is a written one still right to
    /// float32 precision (`beyondFloat32` is empty): a number printed from float32 in its
    /// shortest form (Python's `str`, `1.1067318`) has more digits than float32 holds.
    func matchesToFloat32(_ right: Matrix<Double>, blocked: [Bool]? = nil) -> Bool {
        guard let wrong = mismatches(against: right, blocked: blocked) else { return false }
        return beyondFloat32(wrong, against: right).isEmpty
    }

    /// Those of the entries at `indices` that float32's rounding does not excuse: stored in
    /// binary (their type's precision is their tolerance already), written with fewer
    /// significant digits than float32 holds (`0.67` is judged by its last digit alone), or
    /// not right to float32 precision either.
    func beyondFloat32(_ indices: [Int], against right: Matrix<Double>) -> [Int] {
        let largest = right.elements.reduce(0) { max($0, $1.magnitude) }
        return indices.filter { index in
            let r = right.elements[index], written = precisions[index]
            return written.isBinary || written.significantDigits < NarrowFloat.float32Digits
                || !((values.elements[index] - r).magnitude <= NarrowFloat.float32.tolerance(for: r, largest: largest))
        }
    }

    /// The indices of the entries farther from `right` than their tolerance, or nil when the
    /// shapes differ. An entry written as −∞ is right where `blocked` says a mask blocks it
    /// (masked scores, as `--steps` prints them), and wrong anywhere else.
    func mismatches(against right: Matrix<Double>, blocked: [Bool]? = nil) -> [Int]? {
        guard values.shape == right.shape else { return nil }
        let largest = right.elements.reduce(0) { $1.isFinite ? max($0, $1.magnitude) : $0 }
        return values.elements.indices.filter { index in
            let (mine, r) = (values.elements[index], right.elements[index])
            if mine == -.infinity { return blocked?[index] != true }
            return !((mine - r).magnitude <= precisions[index].tolerance(for: r, largest: largest))
        }
    }

    /// The largest distance |answer − right| over the entries (an entry written as −∞ where
    /// `blocked` says the mask blocks it counts 0), or nil when the shapes differ or an entry
    /// is infinitely far.
    func distance(to right: Matrix<Double>, blocked: [Bool]? = nil) -> Double? {
        guard values.shape == right.shape else { return nil }
        var farthest = 0.0
        for (index, mine) in values.elements.enumerated() {
            if mine == -.infinity, blocked?[index] == true { continue }
            let d = (mine - right.elements[index]).magnitude
            guard d.isFinite else { return nil }
            farthest = max(farthest, d)
        }
        return farthest
    }

    /// The same values read as exact: whole numbers when the right matrix is whole numbers
    /// too are the exact answer, not a rounding, so a mistake must match them exactly (to
    /// relative 1e-9) to be named.
    var exact: WrittenMatrix {
        let full = WrittenPrecision(
            decimals: WrittenPrecision.binary.decimals, significantDigits: WrittenPrecision.fullPrecisionDigits,
            isIntegral: false)
        return WrittenMatrix(values: values, precision: full)
    }

    /// The farthest of the entries at `indices` from `right`, in units of each one's last
    /// written decimal (0.75 for `-0.8724` where the right value is −0.872325), or nil when
    /// one of them is stored in binary, written at full precision or as −∞.
    func lastDigitUnits(_ indices: [Int], against right: Matrix<Double>) -> Double? {
        var farthest = 0.0
        for index in indices {
            let written = precisions[index], mine = values.elements[index]
            guard !written.isBinary, !written.isFull, mine.isFinite, written.halfUnit > 0 else { return nil }
            farthest = max(farthest, (mine - right.elements[index]).magnitude / (2 * written.halfUnit))
        }
        return farthest
    }

    /// How many entries are written as −∞.
    public var negativeInfinities: Int { values.elements.lazy.filter { $0 == -.infinity }.count }

    /// Whether every entry is a whole number written as text (no decimals anywhere): each is
    /// then right within ±0.5, too coarse to tell one mistake from another.
    public var isWholeNumbers: Bool {
        !precisions.isEmpty && precisions.allSatisfy { $0.isIntegral && !$0.isBinary }
    }
}
