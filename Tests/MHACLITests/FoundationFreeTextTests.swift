import Foundation
import Testing

@testable import MHACLI
@testable import MHACore

/// The text helpers that replace Foundation's (the executable links no Foundation) give
/// exactly Foundation's text.
@Suite struct FoundationFreeTextTests {
    static let values: [Double] = [
        0, -0.0, 1, -1, 0.5, 2.5, 0.125, 1.0 / 3, .pi, -123.456, 1e-300, 1e300, .leastNonzeroMagnitude, 1e15,
        123_456_789.987, 0.000_123_45, 99.995, .infinity, -.infinity, .nan, 1024, 38.4 * 1024,
    ]

    @Test(arguments: ["%.4f", "%.1f", "%.6f", "%.2f", "%.0f", "%.17f", "%.4g", "%.2g", "%.8g", "%.3e", "%.0e"])
    func printfFormatIsStringFormat(_ specification: String) {
        for value in Self.values {
            #expect(
                PrintfFormat.string(specification, value) == String(format: specification, value),
                "\(specification) of \(value)")
        }
    }

    @Test func printfFormatWritesLongResults() {
        #expect(PrintfFormat.string("%.17f", 1e300) == String(format: "%.17f", 1e300))
        #expect(PrintfFormat.string("%.600f", 1.5).count == 602)
    }

    @Test func fixedDecimalAndByteCountReadAsBefore() {
        #expect(FixedDecimal.format(1_250_000, decimals: 4, scientific: true) == "1.2500e+06")
        #expect(FixedDecimal.format(-0.00004, decimals: 4) == "-0.0000")
        #expect(ByteCount.describe(38 * 1024 * 1024 * 1024 + 400 * 1024 * 1024) == "38.4 GiB")
        #expect(ByteCount.describe(12) == "12 bytes")
    }

    @Test(arguments: [
        "  768 ", "\t64\t", " \u{00A0}n\u{3000}", "", "   ", "a b", "\n x \n", " \u{2003}x\u{2009}", "x\u{0301} ",
    ])
    func trimmingIsFoundationsWhitespaces(_ text: String) {
        #expect(text.trimmingSpacesAndTabs() == text.trimmingCharacters(in: .whitespaces))
        let sub = text[...]
        #expect(sub.trimmingSpacesAndTabs() == sub.trimmingCharacters(in: .whitespaces))
    }
}
