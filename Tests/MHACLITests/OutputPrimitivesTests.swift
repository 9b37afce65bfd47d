import Foundation
import Testing
@testable import MHACLI
import MHACore

/// The small output building blocks: the seeded generator, JSON text, fixed decimals.
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

    @Test func jsonEscapesAndKeepsKeyOrder() throws {
        let value = JSONText.object([("b", .string("quote \" backslash \\ newline \n tab \t bell \u{7}")),
                                     ("a", .array([.integer(1), .bool(true), .number("0.1")]))])
        let text = value.rendered
        #expect(text.hasPrefix("{\"b\":"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["b"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{7}")
    }

    @Test func jsonNumbersRoundTrip() throws {
        var generator = SplitMix64(seed: 5)
        let values = (0..<500).map { _ in generator.nextSigned() * pow(10, Double(Int(generator.next() % 40)) - 20) }
        let m = try Matrix<Double>(rows: 1, columns: values.count, elements: values)
        let text = JSONText.matrix(m).rendered
        #expect(text.hasPrefix("[[") && text.hasSuffix("]]"))
        // Swift's own parser (Foundation's JSONSerialization is not correctly rounded on Linux).
        let parsed = text.dropFirst(2).dropLast(2).split(separator: ",").map { Double(String($0)) }
        #expect(parsed == values.map { Optional($0) })
        #expect(JSONText.shortest(-0.0) == "0" && JSONText.shortest(Float(0.1)) == "0.1")
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
