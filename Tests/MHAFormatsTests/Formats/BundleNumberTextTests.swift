import MHACore
import Testing

@testable import MHAFormats

/// A bundle's scalar errors quote a number as the file writes it (`-1`, `2.50`, `1E2`),
/// not as Swift would re-format it (`-1.0`, `2.5`, `100.0`).
@Suite struct BundleNumberTextTests {
    typealias T = FormatTestSupport

    @Test(
        arguments: [
            (#"{"heads": -1}"#, "$.heads: expected a positive integer, found -1"),
            (#"{"heads": 1}"#, nil),
            (#"{"heads": 2.50}"#, "$.heads: expected a positive integer, found 2.50"),
            (#"{"kv_heads": 0}"#, "$.kv_heads: expected a positive integer, found 0"),
            (#"{"token": -0}"#, nil),
            (#"{"token": -3e0}"#, "$.token: expected a non-negative integer, found -3e0"),
            (#"{"heads": 1e400}"#, "$.heads: expected a positive integer, found 1e400"),
            (#"{"causal": 1E2}"#, "$.causal: expected true or false, found 1E2"),
            (#"{"scale": -1e999}"#, "$.scale: -1e999 is out of range for float64"),
        ] as [(String, String?)])
    func quotesTheNumberAsWritten(_ text: String, _ expected: String?) throws {
        guard let expected else {
            _ = try InputBundle.parse(bytes: Array(text.utf8), name: "b.json")
            return
        }
        let error = try #require(T.formatError { try InputBundle.parse(bytes: Array(text.utf8), name: "b.json") })
        #expect(error.description.hasSuffix(expected), "\(error)")
    }
}
