import Foundation
import Testing

@testable import MHACore

/// The C kernels' vector tanh (through the soft-cap, scale 1 and cap 1) against the
/// platform's (80-bit where there is one), at every instruction-set level: a dense sweep of magnitudes from the
/// subnormals to where tanh is 1, both signs, around the switch between the polynomial and the
/// exponential form (0.625), and whole vectors as well as tails.
@Suite struct VectorTanhTests {
    /// Magnitudes: 40 per factor of two from 2⁻¹⁰⁷⁴ to 2¹⁰, every 2⁻¹² up to 4, and a
    /// window of consecutive doubles around 0.625.
    static let magnitudes: [Double] = {
        var values = (0..<(40 * 1085)).map { Foundation.pow(2, -1074 + Double($0) / 40) }
        values += (0..<(4 << 12)).map { Double($0) / 4096 }
        var x = 0.625
        for _ in 0..<200 { x = x.nextDown }
        for _ in 0..<400 {
            values.append(x)
            x = x.nextUp
        }
        return values
    }()

    @Test(arguments: CPULevel.runnable)
    func doubleTanhIsWithinTwoUlp(level: CPULevel) {
        let xs = Self.magnitudes.flatMap { [$0, -$0] }
        var ys = xs
        _ = Double.logits(level, row: &ys, count: ys.count, scale: 1, cap: 1, slope: 0, distance: 0, bias: nil)
        var worst = (ulps: 0.0, x: 0.0)
        for (x, y) in zip(xs, ys) {
            let ulps = Self.errorInUlps(y, tanhOf: x)
            if ulps > worst.ulps { worst = (ulps, x) }
        }
        #expect(worst.ulps <= 2, "\(level): \(worst.ulps) ulp at x = \(worst.x)")
    }

    /// |y − tanh x| in units of the last place of tanh x, against an 80-bit tanh where the
    /// platform has one (glibc's double tanh is itself up to 2 ulp off).
    static func errorInUlps(_ y: Double, tanhOf x: Double) -> Double {
        #if arch(x86_64) && !os(Windows)
        let exact = Foundation.tanhl(Float80(x))
        return Double(abs(Float80(y) - exact)) / Double(exact).magnitude.ulp
        #else
        let exact = Foundation.tanh(x)
        return abs(y - exact) / exact.magnitude.ulp
        #endif
    }

    @Test(arguments: CPULevel.runnable)
    func floatTanhIsWithinTwoUlp(level: CPULevel) {
        let xs = Self.magnitudes.map { Float($0) }.flatMap { [$0, -$0] }
        var ys = xs
        _ = Float.logits(level, row: &ys, count: ys.count, scale: 1, cap: 1, slope: 0, distance: 0, bias: nil)
        var worst = (ulps: 0.0, x: Float(0))
        for (x, y) in zip(xs, ys) {
            let exact = Foundation.tanh(Double(x))
            let ulps = abs(Double(y) - exact) / Double(Float(exact).magnitude.ulp)
            if ulps > worst.ulps { worst = (ulps, x) }
        }
        #expect(worst.ulps <= 2, "\(level): \(worst.ulps) ulp at x = \(worst.x)")
    }

    /// Signed zeros, infinities, NaN, huge and subnormal values; a row of 13 (a tail at every
    /// vector width).
    @Test(arguments: CPULevel.runnable)
    func specialValues(level: CPULevel) {
        let tiny = Double.leastNonzeroMagnitude
        var row: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 1e300, -1e300, tiny, -tiny, 20, -20, 1e-8, 0.625]
        _ = Double.logits(level, row: &row, count: row.count, scale: 1, cap: 1, slope: 0, distance: 0, bias: nil)
        #expect(row[0] == 0 && row[0].sign == .plus)
        #expect(row[1] == 0 && row[1].sign == .minus)
        #expect(row[2] == 1 && row[3] == -1 && row[4].isNaN)
        #expect(row[5] == 1 && row[6] == -1)
        #expect(row[7] == tiny && row[8] == -tiny)
        #expect(row[9] == 1 && row[10] == -1)
        #expect(row[11] == 1e-8)
        #expect(abs(row[12] - Foundation.tanh(0.625)) <= 2 * Foundation.tanh(0.625).ulp)
    }

    /// The soft-cap c·tanh(s/c) with s = x·scale, for caps and scales as models use them
    /// (Gemma 2: 50 on the attention logits), within a few ulp of the platform's formula.
    @Test(arguments: CPULevel.runnable)
    func softcapMatchesTheFormula(level: CPULevel) {
        var generator = SplitMix64(seed: 12)
        for (scale, cap) in [(0.125, 50.0), (1.0, 0.7), (0.3, 1e-3), (2.0, 1e6)] {
            let xs = (0..<1001).map { _ in Double.random(in: -400...400, using: &generator) }
            var ys = xs
            _ = Double.logits(
                level, row: &ys, count: ys.count, scale: scale, cap: cap, slope: 0, distance: 0, bias: nil)
            for (x, y) in zip(xs, ys) {
                let exact = cap * Foundation.tanh(x * scale / cap)
                #expect(abs(y - exact) <= 4 * exact.magnitude.ulp, "\(level) scale \(scale) cap \(cap) x \(x)")
            }
        }
    }

    /// Without a soft-cap the one-pass logits are `ScoreRule.logit`'s bits (scale, ALiBi's
    /// distances counted down, the additive mask), whole vectors and tails, and the returned
    /// maximum is the largest of them (−∞ when empty).
    @Test(arguments: CPULevel.runnable)
    func logitsPassEqualsScoreRuleBitForBit(level: CPULevel) {
        let count = 37
        let raw = randomValues(Double.self, count: count, seed: 7).map { $0 * 30 }
        let bias = randomValues(Double.self, count: count, seed: 8)
        for (slope, biased) in [(0.0, true), (0.25, false), (0.0078125, true)] {
            var row = raw
            let largest = bias.withUnsafeBufferPointer { b in
                Double.logits(
                    level, row: &row, count: count, scale: 0.3, cap: 0, slope: slope, distance: 40,
                    bias: biased ? b.baseAddress : nil)
            }
            let rule = ScoreRule<Double>(scale: 0.3, slope: slope == 0 ? nil : slope)
            let expected = (0..<count).map { t in
                rule.logit(raw[t], key: t, position: 40, row: 0) + (biased ? bias[t] : 0)
            }
            #expect(row.map(\.bitPattern) == expected.map(\.bitPattern), "\(level) slope \(slope) bias \(biased)")
            #expect(largest == expected.max())
        }
        var empty: [Double] = [1]
        #expect(
            Double.logits(level, row: &empty, count: 0, scale: 1, cap: 0, slope: 0, distance: 0, bias: nil)
                == -.infinity)
    }
}
