import Foundation
import Testing

/// Numbers nonzero as written that float64 reads as 0 (one located warning per file, exit 0),
/// and `-:NAME` picking arrays from an archive on standard input, through the built binary.
@Suite("Tiny numbers and -:NAME on stdin")
struct TinyNumberAndStdinTests {
    static let identity = ["--weights", "identity"]
    static let archives = BuiltBinary.packageRoot.appendingPathComponent("Tests/MHAFormatsTests/Fixtures/archives")

    /// A folder holding copies of the archive fixtures `names`.
    static func folder(copying names: [String] = []) throws -> ScratchFolder {
        let folder = try ScratchFolder()
        for name in names {
            try folder.write(name, [UInt8](Data(contentsOf: archives.appendingPathComponent(name))))
        }
        return folder
    }

    /// stderr's lines, without the empty one after the last newline.
    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init)
    }

    /// The numbers of a CSV text, row after row.
    static func numbers(_ csv: String) -> [Double] {
        csv.split(whereSeparator: { $0 == "\n" || $0 == "," }).compactMap { Double($0) }
    }

    /// Whether `a` and `b` agree within a relative tolerance (exact zeros must be zeros).
    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy { x, y in
                x == y || abs(x - y) <= 1e-12 * max(abs(x), abs(y))
            }
    }

    // MARK: - float64 underflow in text

    @Test("a CSV number below float64's least subnormal warns once, located, with the count; the run goes on")
    func csvUnderflowWarnsOncePerFile() throws {
        let folder = try Self.folder()
        try folder.write("x.csv", "1,1e-400\n-4e-330,2\n3,5e-999\n")
        try folder.write("same.csv", "1,0\n-0,2\n3,0\n")
        let run = try folder.run(["run", "-x", "x.csv", "--format", "csv"] + Self.identity)
        #expect(run.status == 0, "exit \(run.status): \(run.stderr)")
        #expect(
            run.stderr
                == "mha-cli: warning: x.csv:1:3: 1e-400 is below float64's smallest subnormal (4.9e-324) and is read as 0 (and 2 more in this file)\n"
        )
        let reference = try folder.run(["run", "-x", "same.csv", "--format", "csv"] + Self.identity)
        reference.expectSuccess()
        #expect(!run.stdout.isEmpty && Self.close(Self.numbers(run.stdout), Self.numbers(reference.stdout)))
    }

    @Test("zeros spelt any way and subnormals float64 holds say nothing; the subnormals are kept")
    func zerosAndSubnormalsAreSilent() throws {
        let folder = try Self.folder()
        try folder.write("z.csv", "0,0.0,-0,0e5\n0e-999,-0.000e-400,4.9e-324,1e-310\n")
        let run = try folder.run(["run", "-x", "z.csv", "--show", "qkv", "--format", "json"] + Self.identity)
        #expect(run.status == 0 && run.stderr.isEmpty, "exit \(run.status): \(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let q = try #require(json["q"] as? [[Double]], "\(run.stdout)")
        // W^q is the identity: Q = H, so the subnormals come back as read.
        let subnormals = try ["4.9e-324", "1e-310"].map { try #require(Double($0)) }
        #expect(q.count == 2 && q[1][2] > 0 && Self.close([q[1][2], q[1][3]], subnormals), "\(q)")
        #expect(q[0].allSatisfy { $0 == 0 } && q[1][0] == 0 && q[1][1] == 0)
    }

    @Test("TSV (quoted), a JSON matrix and a bundle warn the same way; a negative one is read as -0")
    func otherTextFormatsWarn() throws {
        let folder = try Self.folder()
        try folder.write("x.tsv", "a\tb\n\"1e-400\"\t1\n1\t1\n")
        let tsv = try folder.run(["run", "-x", "x.tsv", "--format", "csv"] + Self.identity)
        #expect(tsv.status == 0, "\(tsv.stderr)")
        #expect(tsv.stderr.hasPrefix("mha-cli: warning: x.tsv:2:1: 1e-400 is below float64's smallest subnormal"))
        #expect(Self.lines(tsv.stderr).count == 1, "\(tsv.stderr)")
        try folder.write("x.json", "[[1, 2],\n [3, -1e-999]]")
        let json = try folder.run(["run", "-x", "x.json", "--format", "csv"] + Self.identity)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(
            json.stderr
                == "mha-cli: warning: x.json:2:6: -1e-999 is below float64's smallest subnormal (4.9e-324) and is read as -0\n"
        )
        try folder.write("b.json", "{\"x\": [[1, 2], [3, 4]],\n \"wq\": [[1, 2e-400], [0, 1]], \"heads\": 1}")
        let bundle = try folder.run(["run", "--bundle", "b.json", "--format", "csv"] + Self.identity)
        #expect(bundle.status == 0, "\(bundle.stderr)")
        #expect(bundle.stderr.hasPrefix("mha-cli: warning: b.json:2:13: 2e-400 is below"), "\(bundle.stderr)")
        #expect(Self.lines(bundle.stderr).count == 1, "\(bundle.stderr)")
    }

    @Test("a mask's 1e-400 warns as H's does: run --mask (CSV, JSON, stdin), attend --mask, a bundle's mask, --float")
    func maskUnderflowWarns() throws {
        let folder = try Self.folder()
        try folder.write("x.csv", "1,0\n0,1\n")
        try folder.write("m.csv", "1,1e-400\n1,1\n")
        try folder.write("m.json", "[[1, 1], [-1e-999, 1]]")
        let warning = " is below float64's smallest subnormal (4.9e-324) and is read as "
        let run = ["run", "-x", "x.csv", "--format", "csv"] + Self.identity
        for (mask, kind, expected) in [
            ("m.csv", "keep", "m.csv:1:3: 1e-400\(warning)0"),
            ("m.json", "additive", "m.json:1:11: -1e-999\(warning)-0"),
        ] {
            for float in [[], ["--float"]] {
                let masked = try folder.run(run + ["--mask", mask, "--mask-kind", kind] + float)
                #expect(masked.status == 0, "\(mask) \(float): \(masked.stderr)")
                #expect(Self.lines(masked.stderr) == ["mha-cli: warning: \(expected)"], "\(mask) \(float)")
            }
        }
        let stdin = try folder.run(run + ["--mask", "-"], stdinFile: "m.csv")
        #expect(Self.lines(stdin.stderr) == ["mha-cli: warning: <stdin>:1:3: 1e-400\(warning)0"], "\(stdin.stderr)")
        let attend = try folder.run(["attend", "-q", "x.csv", "-k", "x.csv", "-v", "x.csv", "--mask", "m.csv"])
        #expect(attend.status == 0, "\(attend.stderr)")
        #expect(Self.lines(attend.stderr) == ["mha-cli: warning: m.csv:1:3: 1e-400\(warning)0"], "\(attend.stderr)")
        try folder.write("b.json", "{\"x\": [[1, 0], [0, 1]], \"heads\": 1,\n \"mask\": [[1, 0], [1e-400, 1]]}")
        let bundle = try folder.run(["run", "--bundle", "b.json", "--format", "csv"] + Self.identity)
        #expect(bundle.status == 0, "\(bundle.stderr)")
        #expect(Self.lines(bundle.stderr) == ["mha-cli: warning: b.json:2:20: 1e-400\(warning)0"], "\(bundle.stderr)")
    }

    @Test("a very long spelling is quoted cut with …; one warning per file, each naming its file")
    func longSpellingAndSeveralFiles() throws {
        let folder = try Self.folder()
        let long = "0." + String(repeating: "0", count: 80) + "1e-400"
        try folder.write("x.csv", "1,\(long)\n1,1\n")
        try folder.write("wq.csv", "1,0\n0,-3e-500\n")
        let run = try folder.run(["run", "-x", "x.csv", "--wq", "wq.csv", "--format", "csv"] + Self.identity)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = Self.lines(run.stderr)
        #expect(lines.count == 2, "\(run.stderr)")
        let x = try #require(lines.first { $0.contains("x.csv:1:3: ") }, "\(run.stderr)")
        #expect(x.contains("…") && !x.contains(long) && x.utf8.count < 200, "\(x)")
        #expect(lines.contains { $0.contains("wq.csv:2:3: -3e-500 is below") && $0.hasSuffix("read as -0") })
    }

    @Test("a file that fails later is an error only, not a warning as well")
    func failingFileDoesNotWarn() throws {
        let folder = try Self.folder()
        try folder.write("x.csv", "1,1e-400\n1,abc\n")
        try folder.run(["run", "-x", "x.csv"] + Self.identity).expectRefusal(65, "x.csv:2:3", "abc")
    }

    @Test(
        "--float: 1e-50 warns naming float32, 1e39 is refused, 1e-40 (a float32 subnormal) and 1e-400 as float64 warns")
    func floatRounding() throws {
        let folder = try Self.folder()
        try folder.write("tiny.csv", "1,1e-50\n1,1\n")
        let tiny = try folder.run(["run", "-x", "tiny.csv", "--float", "--format", "csv"] + Self.identity)
        #expect(tiny.status == 0, "\(tiny.stderr)")
        #expect(
            Self.lines(tiny.stderr) == [
                "mha-cli: warning: tiny.csv:1:3: x[0, 1] = 1e-50 rounds to 0 in float32 (|v| < 1.4e-45): run without --float to keep it"
            ])
        try folder.write("big.csv", "1,1e39\n1,1\n")
        try folder.run(["run", "-x", "big.csv", "--float"] + Self.identity)
            .expectRefusal(65, "big.csv:1:3: x[0, 1] is 1e39, beyond float32's range")
        try folder.write("sub.csv", "1,1e-40\n1,1\n")
        let sub = try folder.run(["run", "-x", "sub.csv", "--float", "--format", "csv"] + Self.identity)
        #expect(sub.status == 0 && sub.stderr.isEmpty, "exit \(sub.status): \(sub.stderr)")
        try folder.write("under.csv", "1,1e-400\n1,1\n")
        let under = try folder.run(["run", "-x", "under.csv", "--float", "--format", "csv"] + Self.identity)
        #expect(under.status == 0, "\(under.stderr)")
        #expect(
            Self.lines(under.stderr).count == 1 && under.stderr.contains("under.csv:1:3: 1e-400 is below float64's"))
    }

    @Test("--float names a value as written where it is written: quoted CSV, stdin, a bundle's key, a JSON matrix")
    func floatSpellingsLocated() throws {
        let folder = try Self.folder()
        try folder.write("q.csv", "1,\"0.1E-49\"\n1,1\n")
        let quoted = try folder.run(
            ["run", "-x", "-", "--float", "--format", "csv"] + Self.identity, stdinFile: "q.csv")
        #expect(
            Self.lines(quoted.stderr) == [
                "mha-cli: warning: <stdin>:1:3: x[0, 1] = 0.1E-49 rounds to 0 in float32 (|v| < 1.4e-45): run without --float to keep it"
            ], "\(quoted.stderr)")
        try folder.write(
            "b.json",
            "{\"x\": [[1, 2], [3, 4]], \"heads\": 1,\n \"wq\": [[1, 0], [0, 2.5e-46]], \"wk\": [[1, 0], [0, 1]]}")
        let bundle = try folder.run(["run", "--bundle", "b.json", "--float", "--format", "csv"] + Self.identity)
        #expect(
            Self.lines(bundle.stderr) == [
                "mha-cli: warning: b.json:2:21: wq[1, 1] = 2.5e-46 rounds to 0 in float32 (|v| < 1.4e-45): run without --float to keep it"
            ], "\(bundle.stderr)")
        try folder.write("big.json", "[[1, 2],\n [-4.0e+38, 4]]")
        try folder.run(["run", "-x", "big.json", "--float"] + Self.identity)
            .expectRefusal(
                65, "big.json:2:3: x[1, 0] is -4.0e+38, beyond float32's range (±3.4028235e38): run without --float")
    }

    @Test("decode's streamed rows warn once, at the first such number, on its own line of the stream")
    func decodeRowsWarnOnce() throws {
        let folder = try Self.folder()
        try folder.write("rows.csv", "1,2\n# a comment\n3,1e-400\n5,-1e-999\n")
        let run = try folder.run(["decode", "--heads", "1"] + Self.identity, stdinFile: "rows.csv")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr
                == "mha-cli: warning: <stdin>:3:3: 1e-400 is below float64's smallest subnormal (4.9e-324) and is read as 0 (said once, for the first such number)\n"
        )
        #expect(Self.lines(run.stdout).count == 3, "\(run.stdout)")
    }

    // MARK: - -:NAME on standard input

    @Test("-:NAME picks an array of an .npz on stdin, as FILE:NAME picks it from the file")
    func stdinArchiveMember() throws {
        let folder = try Self.folder(copying: ["savez.npz", "bundle.npz"])
        let piped = try folder.run(["run", "-x", "-:wq", "--format", "csv"] + Self.identity, stdinFile: "savez.npz")
        let file = try folder.run(["run", "-x", "savez.npz:wq", "--format", "csv"] + Self.identity)
        piped.expectSuccess()
        file.expectSuccess()
        #expect(!piped.stdout.isEmpty && Self.close(Self.numbers(piped.stdout), Self.numbers(file.stdout)))
        // Several picks read stdin once.
        let names = ["x", "wq", "wk", "wv", "wo"]
        let options = zip(["-x", "--wq", "--wk", "--wv", "--wo"], names).flatMap { [$0, "-:" + $1] }
        let many = try folder.run(["run"] + options + ["--format", "csv"], stdinFile: "bundle.npz")
        let bundle = try folder.run(["run", "--bundle", "bundle.npz", "--format", "csv"])
        many.expectSuccess()
        bundle.expectSuccess()
        #expect(!many.stdout.isEmpty && Self.close(Self.numbers(many.stdout), Self.numbers(bundle.stdout)))
    }

    @Test("-:NAME picks a tensor of a .safetensors on stdin; a multi-array stdin says to pick with -:NAME")
    func stdinSafetensorsMember() throws {
        let folder = try Self.folder(copying: ["dtypes.safetensors", "savez.npz"])
        let piped = try folder.run(
            ["run", "-x", "-:f64", "--format", "csv"] + Self.identity, stdinFile: "dtypes.safetensors")
        let file = try folder.run(["run", "-x", "dtypes.safetensors:f64", "--format", "csv"] + Self.identity)
        piped.expectSuccess()
        #expect(!piped.stdout.isEmpty && Self.close(Self.numbers(piped.stdout), Self.numbers(file.stdout)))
        try folder.run(["run", "-x", "-"] + Self.identity, stdinFile: "savez.npz")
            .expectRefusal(65, "<stdin>: holds 7 arrays", "pick one with -:NAME")
        try folder.run(["run", "-x", "-:nope"] + Self.identity, stdinFile: "savez.npz")
            .expectRefusal(65, "<stdin>: no array named \"nope\"", "wq, row")
    }

    @Test("-:NAME on a stdin that holds no archive is refused saying to give it as '-'")
    func stdinWithoutArchive() throws {
        let folder = try Self.folder(copying: ["f2_le.npy"])
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.run(["run", "-x", "-:x"] + Self.identity, stdinFile: "x.csv")
            .expectRefusal(65, "\"-:x\" picks an array from an .npz or .safetensors", "holds no archive", "as '-'")
        try folder.run(["run", "-x", "-:x"] + Self.identity, stdinFile: "f2_le.npy")
            .expectRefusal(65, "holds an .npy", "as '-'")
        try folder.run(["run", "-x", "-:x"] + Self.identity).expectRefusal(65, "holds nothing")
    }

    @Test("stdin read twice is refused before reading: - and -, - beside -:NAME, in run, attend, check and decode")
    func stdinReadTwiceRefused() throws {
        let folder = try Self.folder(copying: ["bundle.npz"])
        try folder.write("x.csv", "1,2,3,4\n")
        try folder.run(["run", "-x", "-", "--wq", "-"] + Self.identity, stdinFile: "bundle.npz")
            .expectRefusal(64, "only one input can read stdin ('-')")
        try folder.run(["run", "-x", "-", "--wq", "-:wq"] + Self.identity, stdinFile: "bundle.npz")
            .expectRefusal(64, "only one input can read stdin", "\"-:wq\"")
        try folder.run(["run", "--bundle", "-", "--wq", "-:wq"], stdinFile: "bundle.npz")
            .expectRefusal(64, "only one input can read stdin", "\"-:wq\"")
        try folder.run(["attend", "-q", "-:x", "-k", "-", "-v", "x.csv"], stdinFile: "bundle.npz")
            .expectRefusal(64, "only one input can read stdin", "\"-:x\"")
        try folder.run(["check", "-x", "-:x", "--answer", "-"] + Self.identity, stdinFile: "bundle.npz")
            .expectRefusal(64, "only one input can read stdin", "\"-:x\"")
        try folder.run(["decode", "--wq", "-:wq"] + Self.identity, stdinFile: "bundle.npz")
            .expectRefusal(64, "decode reads H from stdin")
        let decode = try folder.run(
            ["decode", "-x", "x.csv", "--wq", "-:wq", "--wk", "-:wk", "--wv", "-:wv", "--wo", "-:wo"],
            stdinFile: "bundle.npz")
        #expect(decode.status == 0 && decode.stderr.isEmpty, "exit \(decode.status): \(decode.stderr)")
        #expect(Self.numbers(decode.stdout).count == 4, "\(decode.stdout)")
    }
}
