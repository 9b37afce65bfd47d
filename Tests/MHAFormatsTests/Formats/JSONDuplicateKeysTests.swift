import Testing

@testable import MHAFormats

/// A repeated config.json key is allowed only with the same value, and "the same" is Python's
/// json's: strings and keys by code point, not by Swift's canonical equivalence.
@Suite struct JSONDuplicateKeysTests {
    /// The error message reading `json` as a config.json gives; nil when it is read.
    static func refusal(_ json: String) -> String? {
        do {
            _ = try ModelConfig(bytes: Array(json.utf8), name: "config.json")
            return nil
        } catch {
            return error.description
        }
    }

    @Test("a key repeated with a string canonically equal but of other code points is refused")
    func canonicallyEqualStringValuesDiffer() throws {
        // "\u00e9" (é precomposed) and "e\u0301" (e + combining acute) are equal as Swift Strings.
        let message = try #require(Self.refusal(#"{"model_type": "\u00e9", "model_type": "e\u0301"}"#))
        #expect(message.contains("key \"model_type\" appears twice with different values"), "\(message)")
        #expect(Self.refusal(#"{"model_type": "\u00e9", "model_type": "\u00e9"}"#) == nil)
    }

    @Test("objects whose keys are canonically equal but differ in code points differ, and the message says where")
    func canonicallyEqualKeysDiffer() throws {
        let message = try #require(Self.refusal(#"{"extra": {"\u00e9": 1}, "extra": {"e\u0301": 1}}"#))
        #expect(message.contains("key \"extra\" appears twice with different values"), "\(message)")
        #expect(message.contains("an object, then an object, only the first with"), "\(message)")
        #expect(Self.refusal(#"{"extra": {"\u00e9": 1}, "extra": {"\u00e9": 1}}"#) == nil)
    }
}
