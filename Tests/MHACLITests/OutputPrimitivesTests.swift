import Foundation
import MHACore
import MHAFormats
import Testing

@testable import MHACLI

/// The small output building blocks: the seeded generator, JSON of matrices, fixed decimals.
@Suite struct OutputPrimitivesTests {
    /// Reference values of SplitMix64 from Vigna's splitmix64.c with x = 0 and x = 1234567.
    @Test func splitMix64MatchesTheReferenceSequence() {
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
        #expect(zero.next() == 0x6E78_9E6A_A1B9_65F4)
        var other = SplitMix64(seed: 1_234_567)
        #expect(other.next() == 6_457_827_717_110_365_317)
        #expect(other.next() == 3_203_168_211_198_807_973)
    }

    @Test func signedDrawsStayInRange() {
        var generator = SplitMix64(seed: 99)
        let draws = (0..<10_000).map { _ in generator.nextSigned() }
        #expect(draws.allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(abs(draws.reduce(0, +) / Double(draws.count)) < 0.05)
    }

    /// The JSON of a Float result prints Float's shortest digits, not a widened Double's.
    @Test func jsonMatrixKeepsEachPrecisionsShortestDigits() throws {
        let float = try Matrix<Float>(rows: 1, columns: 2, elements: [0.1, -2.5])
        let double = try Matrix<Double>(rows: 1, columns: 2, elements: [0.1, 1e-300])
        #expect(JSONValue.matrix(of: float).serialized() == "[[0.1,-2.5]]")
        #expect(JSONValue.matrix(of: double).serialized() == "[[0.1,1e-300]]")
        #expect(JSONValue.object([("b", .shape(3, 4)), ("a", .int(1))]).serialized() == "{\"b\":[3,4],\"a\":1}")
    }

    @Test func fixedDecimalAgreesWithStringFormat() {
        var generator = SplitMix64(seed: 17)
        for _ in 0..<2_000 {
            let value = generator.nextSigned() * pow(10, Double(Int(generator.next() % 12)) - 4)
            let decimals = Int(generator.next() % 10)
            #expect(FixedDecimal.format(value, decimals: decimals) == String(format: "%.\(decimals)f", value))
        }
        #expect(FixedDecimal.format(0.125, decimals: 2) == "0.12")
        #expect(FixedDecimal.format(1e300, decimals: 17).count == 319)
    }
}
