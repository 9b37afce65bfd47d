import Foundation
import Testing

@testable import MHACore

/// The kept-weights path's softmax (`mha_f64_softmax_row`) at every instruction-set level,
/// against softmax written out here in Float80 (Double in Float's test): rows of every length
/// around the vector widths, −∞ entries, rows of all −∞, and rows whose weights are subnormal.
/// Bound: 4 ulp of the weight plus the rounding of x − max itself in the precision (half an
/// ulp of |x − max|, which exp turns into that much relative error: the old scalar path's
/// bound too).
@Suite struct SoftmaxRowTests {
    /// Reference weights of `row`: exp(x − max) / Σ in extended precision.
    static func reference(_ row: [Double]) -> [Double] {
        let m = row.max() ?? -.infinity
        #if arch(x86_64) && !os(Windows)
        let e = row.map { Foundation.expl(Float80($0) - Float80(m)) }
        let sum = e.reduce(0, +)
        return e.map { Double($0 / sum) }
        #else
        let e = row.map { Foundation.exp($0 - m) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
        #endif
    }

    /// Rows of 1 … 40 entries, seeded, with −∞ at some places; plus one spread over 740
    /// (weights down to e^−740, subnormal) and one of −∞ only.
    static func rows() -> [[Double]] {
        var g = SplitMix64(seed: 11)
        var rows = (1...40).map { n in
            (0..<n).map { t in t % 7 == 3 ? -Double.infinity : 30 * g.nextSigned() }
        }
        rows.append((0..<19).map { -Double($0) * 41 })
        rows.append([-Double.infinity, -.infinity, -.infinity])
        return rows
    }

    @Test(arguments: CPULevel.runnable)
    func doubleRowsMatchTheExtendedPrecisionSoftmax(level: CPULevel) {
        for row in Self.rows() {
            var got = row
            let kept = Double.softmaxRow(level, row: &got, count: got.count)
            let allMasked = row.allSatisfy { $0 == -.infinity }
            #expect(kept == !allMasked)
            let expected = allMasked ? row.map { _ in 0.0 } : Self.reference(row)
            let m = row.max() ?? 0
            for (x, (y, e)) in zip(row, zip(got, expected)) {
                // Subnormal weights: within 4 of the least subnormal.
                let ulp = e == 0 ? 0 : Swift.max(e.ulp, Double.leastNonzeroMagnitude)
                let shift = x == -.infinity ? 0 : e * (x - m).magnitude.ulp / 2
                #expect(abs(y - e) <= 4 * ulp + shift, "\(level), n = \(row.count): \(y) against \(e)")
            }
        }
    }

    @Test(arguments: CPULevel.runnable)
    func floatRowsMatchTheDoubleSoftmax(level: CPULevel) {
        var rows = Self.rows().map { $0.map { Float($0) } }
        rows.append((0..<12).map { -Float($0) * 9.5 })  // weights down to e^−104.5: subnormal and 0
        for row in rows {
            var got = row
            let kept = Float.softmaxRow(level, row: &got, count: got.count)
            let allMasked = row.allSatisfy { $0 == -.infinity }
            #expect(kept == !allMasked)
            let expected = allMasked ? row.map { _ in 0.0 } : Self.reference(row.map { Double($0) })
            let m = row.max() ?? 0
            for (x, (y, e)) in zip(row, zip(got, expected)) {
                let ulp = e == 0 ? 0 : Double(Swift.max(Float(e).ulp, Float.leastNonzeroMagnitude))
                let shift = x == -.infinity ? 0 : e * Double((x - m).magnitude.ulp) / 2
                #expect(abs(Double(y) - e) <= 4 * ulp + shift, "\(level), n = \(row.count): \(y) against \(e)")
            }
        }
    }
}
