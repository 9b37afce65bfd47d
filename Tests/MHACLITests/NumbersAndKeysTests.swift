import Foundation
import Testing

/// Million-digit numbers, tiny values that float64 reads as 0 in options and bundles, and
/// duplicate keys compared by code point (QA s26-inputs findings 1, 3, 4 and 5).
@Suite("Numbers and keys")
struct NumbersAndKeysTests {
    static let identity = ["--weights", "identity", "--heads", "1"]

    /// The `q` matrix of a `--show qkv --format json` run.
    static func q(_ run: HostileRun) throws -> [[Double]] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        return try #require(json["q"] as? [[Double]], "\(run.stdout.prefix(300))")
    }

    // MARK: - Finding 1: long spellings

    @Test("1 followed by 10^6 zeros e-10000000 is read as 0 with the warning; 0.0…1e10000005 is out of range")
    func millionDigitNumbers() throws {
        let folder = try ScratchFolder()
        try folder.write("big1.csv", start: "1,1", repeating: "0", count: 1_000_000, end: "e-10000000\n1,1\n")
        let tiny = try folder.run(["run", "-x", "big1.csv", "--show", "qkv", "--format", "json"] + Self.identity)
        #expect(tiny.status == 0, "exit \(tiny.status): \(tiny.stderr.prefix(500))")
        #expect(tiny.stderr.hasPrefix("mha-cli: warning: big1.csv:1:3: "), "\(tiny.stderr.prefix(500))")
        #expect(tiny.stderr.contains("is read as 0"), "\(tiny.stderr.prefix(500))")
        let q = try Self.q(tiny)
        #expect(q.count == 2 && q[0] == [1, 0] && q[1] == [1, 1], "\(q)")

        try folder.write("big2.csv", start: "1,0.", repeating: "0", count: 999_999, end: "1e10000005\n1,1\n")
        try folder.run(["run", "-x", "big2.csv", "--format", "csv"] + Self.identity)
            .expectRefusal(65, "big2.csv:1:3", "out of range for float64")

        try folder.write("one.json", start: "[[1, 1", repeating: "0", count: 1_000_000, end: "e-1000000], [2, 3]]")
        let one = try folder.run(["run", "-x", "one.json", "--show", "qkv", "--format", "json"] + Self.identity)
        #expect(one.status == 0 && one.stderr.isEmpty, "exit \(one.status): \(one.stderr.prefix(500))")
        let ones = try Self.q(one)
        #expect(ones.count == 2 && abs(ones[0][1] - 1) <= 1e-15, "\(ones)")
    }
}
