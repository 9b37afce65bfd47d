import Foundation
import MHACore
import Testing

@testable import MHAFormats

@Suite struct NumberParsingTests {
    /// Parses `text` with `grammar`, requiring the whole text to be one number.
    static func parse(_ text: String, _ grammar: NumberParsing.Grammar) -> Double? {
        var bytes = Array(text.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer -> Double? in
            guard let base = buffer.baseAddress,
                let scanned = NumberParsing.scan(base, from: 0, limit: buffer.count - 1, grammar: grammar),
                scanned.end == buffer.count - 1
            else { return nil }
            return scanned.value
        }
    }

    @Test func grammars() {
        for text in ["0", "-0", "12", "1.5", "-1.5e-3", "1E+2", "0.0e0"] {
            #expect(Self.parse(text, .json) != nil, "\(text)")
            #expect(Self.parse(text, .csv) != nil, "\(text)")
        }
        for text in ["+1", "1.", ".5", "01", "-.5e1"] {
            #expect(Self.parse(text, .json) == nil, "\(text)")
            #expect(Self.parse(text, .csv) != nil, "\(text)")
        }
        for text in ["", "-", "+", ".", "1e", "1e+", "e5", "nan", "inf", "0x1p3", "1,5", "1.5.2", "--1", "1 2"] {
            #expect(Self.parse(text, .json) == nil, "\(text)")
            #expect(Self.parse(text, .csv) == nil, "\(text)")
        }
        #expect(Self.parse("-0", .json)?.bitPattern == (-0.0).bitPattern)
        #expect(Self.parse("1e400", .csv) == .infinity)
        #expect(Self.parse("-1e400", .json) == -.infinity)
        #expect(Self.parse("1e-400", .json) == 0)
    }

    /// Whether `text` scans whole with `flushedToZero` set.
    static func flushed(_ text: String, _ grammar: NumberParsing.Grammar) -> Bool? {
        var bytes = Array(text.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer -> Bool? in
            guard let base = buffer.baseAddress,
                let scanned = NumberParsing.scan(base, from: 0, limit: buffer.count - 1, grammar: grammar),
                scanned.end == buffer.count - 1
            else { return nil }
            return scanned.flushedToZero
        }
    }

    @Test("a nonzero number read as 0 is flagged; zeros however spelt and representable subnormals are not")
    func flushedToZero() {
        let long = "0." + String(repeating: "0", count: 400) + "1"
        for text in ["1e-400", "-4e-330", "2.4e-324", long, "123456789012345678901234e-400"] {
            #expect(Self.flushed(text, .csv) == true, "\(text)")
            #expect(Self.flushed(text, .json) == true, "\(text)")
        }
        for text in ["0", "0.0", "-0", "0e5", "0e-999", "0.000e-400", "4.9e-324", "2.5e-324", "1e-310", "1", "1e300"] {
            #expect(Self.flushed(text, .csv) == false, "\(text)")
            #expect(Self.flushed(text, .json) == false, "\(text)")
        }
        #expect(Self.flushed(".0e-999", .csv) == false)
        #expect(Self.flushed("+1e-400", .csv) == true)
    }

    /// About a million digits with an 8-digit exponent: the exponent must not saturate before
    /// the digit count is taken into account (QA s26-inputs finding 1).
    @Test("million-digit spellings with long exponents are read as their correctly rounded value")
    func millionDigitSpellings() {
        let zeros = String(repeating: "0", count: 1_000_000)
        let fractionZeros = String(repeating: "0", count: 999_999)
        for grammar in [NumberParsing.Grammar.csv, .json] {
            // 10^(10^6 - 10^7): below every subnormal.
            #expect(Self.parse("1" + zeros + "e-10000000", grammar) == 0)
            #expect(Self.flushed("1" + zeros + "e-10000000", grammar) == true)
            #expect(Self.parse("-1" + zeros + "e-10000000", grammar)?.bitPattern == (-0.0).bitPattern)
            // 10^(10^7 + 5 - 10^6): beyond float64.
            #expect(Self.parse("0." + fractionZeros + "1e10000005", grammar) == .infinity)
            #expect(Self.parse("-0." + fractionZeros + "1e10000005", grammar) == -.infinity)
            // The mirrored spellings of exactly 1 and 1.5.
            #expect(Self.parse("1" + zeros + "e-1000000", grammar) == 1)
            #expect(Self.parse("0." + fractionZeros + "1e1000000", grammar) == 1)
            #expect(Self.parse("15" + zeros + "e-1000001", grammar) == 1.5)
            // Nonzero digits past the 18th (the C library's path) with a long exponent.
            #expect(Self.parse("1" + zeros + "1e-10000000", grammar) == 0)
            #expect(Self.parse("1" + zeros + "1e-1000000", grammar) == 10)
            // An exponent with more digits than fit in 64 bits.
            #expect(Self.parse("1e-99999999999999999999999", grammar) == 0)
            #expect(Self.parse("1e99999999999999999999999", grammar) == .infinity)
            #expect(Self.parse("0e99999999999999999999999", grammar) == 0)
        }
        // Just inside the decided range: 9.9…e-344 is below half of 4.9e-324; 1e308 is finite.
        #expect(Self.parse("9999999999999999999e-362", .csv) == 0)
        #expect(Self.parse("1e308", .csv) == 1e308)
        #expect(Self.parse("0.1e309", .csv) == 1e308)
        #expect(Self.parse("49406564584124654e-340", .csv) == Double.leastNonzeroMagnitude)
    }

    /// Every line of parse-number-fxx-test-data: the F64 bits must match exactly.
    @Test(.enabled(if: FormatTestSupport.conformance != nil, "../shared/conformance is absent"))
    func parseNumberFxxData() throws {
        let conformance = try #require(FormatTestSupport.conformance)
        let folder = conformance.appendingPathComponent("parse-number-fxx/data")
        var checked = 0, checkedJSON = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".txt") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, let bits = UInt64(parts[2], radix: 16) else { continue }
                let string = String(parts[3])
                let value = Self.parse(string, .csv)
                #expect(value?.bitPattern == bits, "\(name): \(string)")
                checked += 1
                if let json = Self.parse(string, .json) {
                    #expect(json.bitPattern == bits, "\(name): \(string) (JSON)")
                    checkedJSON += 1
                }
            }
        }
        #expect(checked > 20_000)
        #expect(checkedJSON > 5_000)
    }
}

@Suite struct EiselLemireTests {
    /// Random significands and exponents: wherever the fast method answers, it must agree
    /// bit for bit with the C library's strtod, and it must answer almost always.
    @Test func agreesWithStrtod() {
        var generator = SplitMix64(seed: 2021)
        var decided = 0
        let trials = 20_000
        for trial in 0..<trials {
            let digits = 1 + trial % 19
            var limit: UInt64 = 1
            for _ in 0..<digits { limit = limit &* 10 }
            let w = digits == 19 ? generator.next() % 9_999_999_999_999_999_999 + 1 : generator.next() % limit + 1
            let q = Int(generator.next() % 640) - 330
            let text = "\(w)e\(q)"
            guard let fast = EiselLemire.convert(w, q) else { continue }
            decided += 1
            let reference = strtod(text, nil)
            #expect(fast.bitPattern == reference.bitPattern, "\(text)")
        }
        #expect(decided > trials * 9 / 10)
    }

    @Test func tableEntriesMatchKnownValues() {
        // 5^0, 5^1, 5^-1 normalised (exact binary expansions).
        #expect(PowersOfFive.table[0 - PowersOfFive.minimumExponent] == (0x8000_0000_0000_0000, 0))
        #expect(PowersOfFive.table[1 - PowersOfFive.minimumExponent] == (0xA000_0000_0000_0000, 0))
        #expect(PowersOfFive.table[-1 - PowersOfFive.minimumExponent] == (0xCCCC_CCCC_CCCC_CCCC, 0xCCCC_CCCC_CCCC_CCCD))
    }
}
