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

    // MARK: - Finding 3: values float64 reads as 0 where 0 changes the meaning

    @Test(
        "a bundle's scale, qk_norm_eps, rope_base, softcap or rope_scaling number that reads as 0 is refused (65, located)"
    )
    func bundleTinyValuesAreRefused() throws {
        let folder = try ScratchFolder()
        let start = #"{"x": [[1,1],[2,3]], "heads": 1, "#
        try folder.write("scale.json", start + #""scale": 1e-400}"#)
        try folder.run(["run", "--bundle", "scale.json", "--weights", "identity", "--format", "csv"])
            .expectRefusal(65, "scale.json:1:43", "$.scale", "1e-400", "smallest subnormal", "give 0 for zero")
        let cases = [
            ("eps.json", #""qk_norm": "head", "qk_norm_eps": -1e-400}"#, "$.qk_norm_eps"),
            ("base.json", #""rope": "half", "rope_base": 1e-400}"#, "$.rope_base"),
            ("cap.json", #""softcap": 0.0001e-400}"#, "$.softcap"),
            (
                "factor.json", #""rope": "half", "rope_scaling": {"rope_type": "linear", "factor": 1e-400}}"#,
                "$.rope_scaling.factor"
            ),
        ]
        for (name, tail, path) in cases {
            try folder.write(name, start + tail)
            try folder.run(["run", "--bundle", name, "--weights", "identity", "--format", "csv"])
                .expectRefusal(65, name + ":1:", path, "smallest subnormal")
        }
        // Zero spelt as zero is still a zero scale, silently.
        try folder.write("zero.json", start + #""scale": 0e-999}"#)
        let zero = try folder.run(["run", "--bundle", "zero.json", "--weights", "identity", "--format", "csv"])
        #expect(zero.status == 0 && zero.stderr.isEmpty, "exit \(zero.status): \(zero.stderr)")
    }

    @Test(
        "--qk-norm-eps, --rope-base, --softcap and --rope-scaling refuse a value float64 reads as 0, as --scale does (64)"
    )
    func flagTinyValuesAreRefused() throws {
        let folder = try ScratchFolder()
        try folder.write("h.csv", "1,1\n2,3\n")
        let base = ["run", "-x", "h.csv", "--format", "csv"] + Self.identity
        for extra in [
            ["--scale", "1e-400"], ["--qk-norm", "head", "--qk-norm-eps", "1e-400"],
            ["--rope", "half", "--rope-base", "1e-400"], ["--softcap", "-1e-400"],
        ] {
            try folder.run(base + extra).expectRefusal(64, extra[extra.count - 2], "1e-400", "smallest subnormal")
        }
        try folder.run(base + ["--rope", "half", "--rope-scaling", "linear:factor=1e-400"])
            .expectRefusal(64, "--rope-scaling", "factor", "smallest subnormal")
        let zero = try folder.run(base + ["--qk-norm", "head", "--qk-norm-eps", "0"])
        #expect(zero.status == 0 && zero.stderr.isEmpty, "exit \(zero.status): \(zero.stderr)")
    }
}
