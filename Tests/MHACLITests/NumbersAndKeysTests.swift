import Foundation
import MHACore
import MHAFormats
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

    // MARK: - Finding 4: duplicate keys in a bundle's nested objects

    /// The 1-based column of the last `needle` in the one-line `text`.
    static func column(ofLast needle: String, in text: String) throws -> Int {
        let range = try #require(text.range(of: needle, options: .backwards))
        return text.utf8.distance(from: text.startIndex, to: range.lowerBound) + 1
    }

    @Test("a key a bundle's rope_scaling repeats is refused (65), located at the repeat, as at the top level")
    func nestedDuplicateKeysAreRefused() throws {
        let folder = try ScratchFolder()
        let start = #"{"x": [[1,1],[2,3]], "heads": 1, "rope": "half", "rope_scaling": "#
        let cases = [
            ("bd.json", start + #"{"type": "linear", "factor": 2, "factor": 4}}"#, "factor"),
            ("bd2.json", start + #"{"type": "yarn", "type": "linear", "factor": 4}}"#, "type"),
            ("same.json", start + #"{"rope_type": "linear", "factor": 2, "factor": 2}}"#, "factor"),
            ("top.json", #"{"x": [[1,1],[2,3]], "heads": 1, "heads": 1}"#, "heads"),
        ]
        for (name, text, key) in cases {
            try folder.write(name, text)
            let column = try Self.column(ofLast: "\"\(key)\"", in: text)
            let path = name == "top.json" ? "" : "$.rope_scaling: "
            try folder.run(["run", "--bundle", name, "--weights", "identity", "--format", "csv"])
                .expectRefusal(65, "\(name):1:\(column): \(path)duplicate key \"\(key)\"")
        }
    }

    // MARK: - Finding 5: keys and tensor names compared by code point

    @Test("config.json keys that are canonically equivalent but different code points are two keys, as in Python")
    func equivalentConfigKeysAreDistinct() throws {
        for object in [#"{"e\u0301": 1, "\u00e9": 2}"#, #"{"\u212a": 1, "K": 2}"#] {
            let config = try CheckpointHostileConfigTests.llamaConfig("x", object)
            let run = try CheckpointHostileConfigTests.runLlama(config: config)
            #expect(run.status == 0, "\(object): exit \(run.status): \(run.stderr)")
            #expect(!run.stderr.contains("appears twice"), "\(run.stderr)")
        }
        // The same code points twice with two values are still refused.
        let twice = try CheckpointHostileConfigTests.llamaConfig("x", #"{"\u212a": 1, "\u212A": 2}"#)
        let refused = try CheckpointHostileConfigTests.runLlama(config: twice)
        #expect(refused.status == 65 && refused.stderr.contains("appears twice"), "\(refused.stderr)")
    }

    /// A safetensors file with float64 tensors `names[i]`, each 1 × 2 and filled with `i`.
    static func safetensors(_ names: [String]) throws -> [UInt8] {
        var entries: [String] = []
        var data: [UInt8] = []
        for (position, name) in names.enumerated() {
            let escaped = name.unicodeScalars.map { $0.isASCII ? String($0) : String(format: "\\u%04x", $0.value) }
            entries.append(
                "\"\(escaped.joined())\": {\"dtype\": \"F64\", \"shape\": [1, 2], \"data_offsets\": [\(data.count), \(data.count + 16)]}"
            )
            for _ in 0..<2 { withUnsafeBytes(of: Double(position).bitPattern.littleEndian) { data += $0 } }
        }
        var header = Array(("{" + entries.joined(separator: ", ") + "}").utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        return bytes + header + data
    }

    @Test("safetensors names K and KELVIN SIGN are two tensors: inspect lists both and -x FILE:NAME picks each exactly")
    func equivalentTensorNamesAreDistinct() throws {
        let folder = try ScratchFolder()
        let kelvin = "\u{212A}"
        try folder.write("k.safetensors", try Self.safetensors(["K", kelvin, "e\u{301}", "\u{E9}"]))
        let inspect = try folder.run(["inspect", "k.safetensors", "--format", "json"])
        #expect(inspect.status == 0, "exit \(inspect.status): \(inspect.stderr)")
        for (position, name) in ["K", kelvin, "e\u{301}", "\u{E9}"].enumerated() {
            let run = try folder.run(
                ["run", "-x", "k.safetensors:" + name, "--show", "qkv", "--format", "json"] + Self.identity)
            #expect(run.status == 0, "\(name): exit \(run.status): \(run.stderr)")
            let q = try Self.q(run)
            #expect(q == [[Double(position), Double(position)]], "\(name): \(q)")
        }
    }

    @Test("npz members named e+U+0301 and U+00E9 are two arrays, each picked exactly by -x FILE:NAME")
    func equivalentMemberNamesAreDistinct() throws {
        let folder = try ScratchFolder()
        let names = ["e\u{301}", "\u{E9}"]
        let members = try names.enumerated().map { position, name in
            NPZMember.matrix(name, try Matrix<Double>([[Double(position), Double(position)]]))
        }
        try folder.write("u.npz", try NPZWriter.archive(members))
        for (position, name) in names.enumerated() {
            let run = try folder.run(
                ["run", "-x", "u.npz:" + name, "--show", "qkv", "--format", "json"] + Self.identity)
            #expect(run.status == 0, "\(name): exit \(run.status): \(run.stderr)")
            #expect(try Self.q(run) == [[Double(position), Double(position)]], "\(name)")
        }
    }
}
