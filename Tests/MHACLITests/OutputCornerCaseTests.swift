import Foundation
import Testing

/// What the commands print in the corners a user meets (each first found by a QA pass):
/// integer FLOP counts, explanations only when asked, one-head titles, outputs too large to
/// print, -o keeping the mode, single-token rows, CSV number forms, no negative zero, tiny
/// scales in the header, values from a bundle or mask named by file, --no-causal.
@Suite struct OutputCornerCaseTests {
    static let twoHeads = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads")
    static let bundle = twoHeads.appendingPathComponent("bundle.json").path

    /// The JSON object a successful run printed.
    static func object(_ outcome: BuiltBinary.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    }

    @Test func benchJSONPrintsTheFLOPCountAsAnInteger() throws {
        let outcome = try BuiltBinary.run([
            "bench", "--seq-len", "8", "--d-model", "8", "--heads", "2",
            "--repeat", "1", "--format", "json",
        ])
        #expect(outcome.status == 0)
        // 8·n·d² + 4·n²·d with n = d = 8
        #expect(
            outcome.stdout.contains("\"flops\":\(8 * 8 * 64 + 4 * 64 * 8)}")
                || outcome.stdout.contains("\"flops\":\(8 * 8 * 64 + 4 * 64 * 8),"))
        #expect(!outcome.stdout.contains("\"flops\":\(8 * 8 * 64 + 4 * 64 * 8).0"))
    }

    @Test func shapesJSONIncludesTheExplanationOnlyWhenAsked() throws {
        let explained = try BuiltBinary.run([
            "shapes", "--d-model", "768", "--heads", "12", "--explain", "--format", "json",
        ])
        let lines = try #require(try Self.object(explained)["explanation"] as? [String])
        #expect(lines.contains("d_k = d_model / τ = 768 / 12 = 64"))
        let plain = try BuiltBinary.run(["shapes", "--d-model", "768", "--heads", "12", "--format", "json"])
        #expect(try Self.object(plain)["explanation"] == nil)
    }

    @Test func inProjHelpSaysItsLayoutIsAlwaysPyTorchs() throws {
        let help = try BuiltBinary.run(["run", "--help"]).stdout
        let flattened = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flattened.contains("always PyTorch's out × in whatever --layout says, while --wo follows --layout"))
    }

    @Test func oneHeadConcatIsTitledAsTheHeadItself() throws {
        let one = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--heads", "1"])
        #expect(one.status == 0)
        #expect(one.stdout.contains("\nconcat = head_1 · 3 × 4\n"))
        #expect(!one.stdout.contains("head_1 | … | head_1"))
        let two = try BuiltBinary.run(["run", "--bundle", Self.bundle])
        #expect(two.stdout.contains("\nconcat = [head_1 | head_2] · 3 × 4\n"))  // no "…" standing for nothing
        let four = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--heads", "4"])
        #expect(four.stdout.contains("\nconcat = [head_1 | … | head_4] · 3 × 4\n"))
    }

    /// Bytes the kernel reports as available (MemAvailable), or nil off Linux.
    static func availableMemory() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
            let kib = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return nil }
        return kib * 1024
    }

    /// n tokens of width 1, with n² so large that the n × n weights fit in memory as numbers
    /// (8 bytes each, what the engine checks) but not as JSON text (~25 bytes each): refused
    /// before the forward pass, so the test allocates nothing large.
    @Test(.enabled(if: OutputCornerCaseTests.availableMemory() != nil, "no MemAvailable in /proc/meminfo"))
    func outputTooLargeForMemoryIsRefusedBeforeComputing() throws {
        let available = try #require(Self.availableMemory())
        let n = Int((available / 30).squareRoot())
        let input = try RunEndToEndTests.file("tall.csv", String(repeating: "0.5\n", count: n))
        let json = try BuiltBinary.run([
            "run", "-x", input, "--weights", "identity", "--format", "json", "--show", "weights",
        ])
        #expect(json.status == 65 && json.stdout.isEmpty)
        #expect(json.stderr.hasPrefix("mha-cli: error: computing and printing the weights as JSON needs "))
        #expect(json.stderr.hasSuffix(" available\n") && json.stderr.split(separator: "\n").count == 1)
        let text = try BuiltBinary.run([
            "run", "-x", input, "--weights", "identity", "--show", "weights,output", "--full",
        ])
        #expect(
            text.status == 65
                && text.stderr.hasPrefix(
                    "mha-cli: error: computing and printing the weights, the output as text needs ")
        )
    }

    @Test(arguments: [0o600, 0o640, 0o755])
    func replacingAFileKeepsItsPermissionBits(mode: Int) throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("out.json")
        try "old".write(to: target, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: target.path)
        let outcome = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "json", "-o", target.path])
        #expect(outcome.status == 0 && outcome.stderr.isEmpty)
        #expect(try String(contentsOf: target, encoding: .utf8).hasPrefix("{\"shapes\""))
        let attributes = try FileManager.default.attributesOfItem(atPath: target.path)
        #expect((attributes[.posixPermissions] as? Int) == mode)
    }

    @Test func singleTokenPrintsTheTokensRowOfKAndV() throws {
        let all = try Self.object(
            try BuiltBinary.run(["run", "--bundle", Self.bundle, "--show", "qkv", "--format", "json"]))
        for token in 0..<3 {
            let one = try Self.object(
                try BuiltBinary.run([
                    "run", "--bundle", Self.bundle, "--show", "qkv", "--format", "json",
                    "--token", String(token),
                ]))
            for key in ["q", "k", "v"] {
                let rows = try #require(all[key] as? [[Double]])
                #expect(one[key] as? [[Double]] == [rows[token]], "\(key) at token \(token)")
            }
        }
        let text = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--show", "qkv", "--token", "1", "--tokens", "a,b,c",
        ])
        #expect(text.status == 0)
        // K and V's titles go on to say which rows the scores and heads use (TokenModeKeyRowsTests).
        let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        for name in ["Q = H·W^q", "K = H·W^k", "V = H·W^v"] {
            let title = lines.firstIndex { $0.hasPrefix("\(name), row 1 · 1 × 4") }
            #expect(title.map { lines[$0 + 1].hasPrefix("  b  ") } == true, "\(name)")
        }
    }

    /// Runs one row `x` (width 2, one head, identity weights): the output equals `x`.
    static func identityRun(_ x: String, _ options: [String]) throws -> BuiltBinary.Outcome {
        let input = try RunEndToEndTests.file("x.csv", x + "\n")
        return try BuiltBinary.run(["run", "-x", input, "--weights", "identity"] + options)
    }

    @Test func csvPrintsShortestRoundTripNumbersUnlessPrecisionIsGiven() throws {
        #expect(try Self.identityRun("3e-5,-2e-5", ["--format", "csv"]).stdout == "3e-05,-2e-05\n")
        #expect(try Self.identityRun("0.1,-1.25", ["--format", "csv"]).stdout == "0.1,-1.25\n")
        #expect(try Self.identityRun("0.1,-1.25", ["--format", "csv", "--precision", "3"]).stdout == "0.100,-1.250\n")
    }

    @Test func csvAndTextNeverPrintANegativeZero() throws {
        #expect(
            try Self.identityRun("-0.00001,0.5", ["--format", "csv", "--precision", "4"]).stdout == "0.0000,0.5000\n")
        #expect(
            try Self.identityRun("-0.00001,0.5", ["--format", "csv", "--precision", "5"]).stdout == "-0.00001,0.50000\n"
        )
        #expect(try Self.identityRun("-0.00001,0.5", ["--show", "output"]).stdout.hasSuffix("\n  0.0000  0.5000\n"))
    }

    @Test(arguments: [
        ("3e9,1", "  3.0000e+09  1.0000e+00"),
        ("-1e-5,2e7", "  -1.0000e-05   2.0000e+07"),
        ("3e-5,-2e-5", "   3.0000e-05  -2.0000e-05"),
        ("999999,-0.5", "  999999.0000      -0.5000"),
        ("0,0", "  0.0000  0.0000"),
    ])
    func textSwitchesToScientificNotationWhenFixedDecimalsHideTheValues(_ x: String, _ row: String) throws {
        let outcome = try Self.identityRun(x, ["--show", "output"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.hasSuffix("\n" + row + "\n"), "\(outcome.stdout)")
    }

    @Test func headerShowsATinyOrHugeScaleInShortForm() throws {
        let tiny = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--scale", "1e-300"])
        #expect(tiny.stdout.hasPrefix("input H · 3 × 4   τ = 2 heads   d_k = 4 / 2 = 2   scale = 1e-300\n"))
        let plain = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--scale", "0.25"])
        #expect(plain.stdout.hasPrefix("input H · 3 × 4   τ = 2 heads   d_k = 4 / 2 = 2   scale = 0.2500\n"))
    }

    /// The two-heads bundle with `changes` applied, written to a fresh file.
    static func bundle(with changes: [String: Any]) throws -> String {
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.bundle)))
                as? [String: Any])
        for (key, value) in changes { object[key] = value }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        return try RunEndToEndTests.file("bundle.json", text)
    }

    @Test func badValuesFromABundleNameTheBundleAndAreData() throws {
        let kv = try Self.bundle(with: ["kv_heads": 3])
        let fromBundle = try BuiltBinary.run(["run", "--bundle", kv])
        #expect(fromBundle.status == 65)
        #expect(
            fromBundle.stderr == "mha-cli: error: \(kv): 2 heads are not divisible by 3 kv_heads (2 / 3 = 0.6667)\n")
        let fromFlag = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--kv-heads", "3"])
        #expect(
            fromFlag.status == 64
                && fromFlag.stderr == "mha-cli: error: 2 heads are not divisible by 3 kv_heads (2 / 3 = 0.6667)\n")
        let token = try Self.bundle(with: ["token": 9])
        let tokenFromBundle = try BuiltBinary.run(["run", "--bundle", token])
        #expect(tokenFromBundle.status == 65)
        #expect(
            tokenFromBundle.stderr
                == "mha-cli: error: \(token): token 9 is out of range: the input has 3 tokens (0…2)\n")
        let tokenFromFlag = try BuiltBinary.run(["run", "--bundle", token, "--token", "7"])
        #expect(tokenFromFlag.status == 64 && !tokenFromFlag.stderr.contains(token))
        let layout = try Self.bundle(with: ["layout": "yx"])
        let layoutFromBundle = try BuiltBinary.run(["run", "--bundle", layout])
        #expect(layoutFromBundle.status == 65 && layoutFromBundle.stderr.hasPrefix("mha-cli: error: \(layout)"))
        #expect(layoutFromBundle.stderr.contains("\"yx\"") && layoutFromBundle.stderr.split(separator: "\n").count == 1)
    }

    /// Keys of one bundle that contradict each other, a `mask_kind` without a mask and a bad
    /// `rope_dims` are bad data naming the bundle (they were usage errors naming nothing); the
    /// same contradictions between flags stay usage errors, and so do a flag's against a bundle's.
    @Test func contradictionsAndScoreOptionsFromABundleNameTheBundle() throws {
        let cases: [(bundle: String, message: String)] = [
            (
                #"{"x":[[1,2],[3,4]],"mask_kind":"block"}"#,
                #"mask_kind says how to read a mask, but no "mask" (or --mask) was given"#
            ),
            (
                #"{"x":[[1,2,3,4]],"heads":2,"rope":"half","rope_dims":4}"#,
                "rope dimensions 4 are invalid: they must be even, positive and at most d_k = 2"
            ),
            (
                #"{"x":[[1,2,3]],"rope":"half"}"#,
                "rope dimensions 3 are invalid: RoPE turns pairs of dimensions, but d_k = 3 is odd; rotate an even part of each head (rope dimensions 2 or fewer)"
            ),
            (
                #"{"x":[[1,2,3,4]],"in_proj":[[1,2,3,4]],"wq":[[1]]}"#,
                "in_proj replaces wq, wk and wv, but wq was given too"
            ),
            (
                #"{"x":[[1,2,3,4]],"qkv_bias":[1,2,3,4],"bq":[1,2,3,4]}"#,
                "the packed qkv_bias replaces bq, bk and bv, but bq was given too"
            ),
            (#"{"x":[[1,2,3,4]],"qkv":[[1,2,3,4]],"wq":[[1]]}"#, "qkv replaces wq, wk and wv, but wq was given too"),
            (
                #"{"x":[[1,2,3,4]],"memory":[[1,2,3,4,5,6]],"in_proj":[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1],[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1],[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]],"layout":"torch"}"#,
                "in_proj packs W^k and W^v for inputs of width d_model 4, but the memory has d_mem 6: give wq, wk and wv separately"
            ),
        ]
        for (text, message) in cases {
            let bundle = try RunEndToEndTests.file("bundle.json", text)
            let outcome = try BuiltBinary.run(["run", "--bundle", bundle, "--weights", "identity"])
            #expect(outcome.status == 65 && outcome.stdout.isEmpty, "\(text)")
            #expect(outcome.stderr == "mha-cli: error: \(bundle): \(message)\n")
            let piped = try BuiltBinary.run(["run", "--bundle", "-", "--weights", "identity"], stdin: text)
            #expect(piped.status == 65 && piped.stderr == "mha-cli: error: <stdin>: \(message)\n")
        }
        let x = try RunEndToEndTests.file("x.csv", "1,2,3,4\n")
        let row = try RunEndToEndTests.file("row.csv", "1,2,3,4\n"), one = try RunEndToEndTests.file("one.csv", "1\n")
        let flags: [(arguments: [String], message: String)] = [
            (
                ["--mask-kind", "block"],
                #"--mask-kind says how to read a mask, but no --mask (or bundle "mask") was given"#
            ),
            (["--heads", "2", "--rope", "half", "--rope-dims", "4"], "rope dimensions 4 are invalid"),
            (["--qkv-bias", row, "--bq", row], "--qkv-bias replaces --bq, --bk and --bv; do not give --bq too"),
            (["--qkv", row, "--wq", one], "--qkv replaces --wq, --wk and --wv; do not give --wq too"),
        ]
        for (arguments, message) in flags {
            let outcome = try BuiltBinary.run(["run", "-x", x, "--weights", "identity"] + arguments)
            #expect(outcome.status == 64 && outcome.stderr.hasPrefix("mha-cli: error: \(message)"), "\(outcome.stderr)")
        }
        // A flag's wq against the bundle's in_proj: the command line asked for both.
        let packed = try RunEndToEndTests.file("packed.json", #"{"x":[[1,2,3,4]],"in_proj":[[1,2,3,4]]}"#)
        let mixed = try BuiltBinary.run(["run", "--bundle", packed, "--wq", one, "--weights", "identity"])
        #expect(
            mixed.status == 64
                && mixed.stderr.hasPrefix(
                    "mha-cli: error: --wq (command line) cannot be combined with \(packed)'s \"in_proj\""),
            "\(mixed.stderr)")
        // The bundle's in_proj against a flag's memory of another width: the command line's.
        let memory = try RunEndToEndTests.file("memory.csv", "1,2,3,4,5,6\n")
        let square = (0..<12).map { i in (0..<4).map { $0 == i % 4 ? "1" : "0" }.joined(separator: ",") }
        let projected = try RunEndToEndTests.file(
            "projected.json",
            #"{"x":[[1,2,3,4]],"layout":"torch","in_proj":[["# + square.joined(separator: "],[") + "]]}")
        let crossed = try BuiltBinary.run(["run", "--bundle", projected, "--memory", memory, "--weights", "identity"])
        #expect(crossed.status == 64 && crossed.stderr.contains("but the memory has d_mem 6"), "\(crossed.stderr)")
    }

    /// `--rope-dims` and `--rope-base` adjust a bundle's RoPE as they adjust a checkpoint's;
    /// with no RoPE anywhere they are refused (64).
    @Test func ropeFlagsAdjustABundlesRope() throws {
        let rope = try RunEndToEndTests.file("rope.json", #"{"x":[[1,2,3,4],[0,1,0,1]],"rope":"half"}"#)
        let plain = try RunEndToEndTests.file("plain.json", #"{"x":[[1,2,3,4],[0,1,0,1]]}"#)
        let adjusted = try BuiltBinary.run(["run", "--bundle", rope, "--weights", "identity", "--rope-dims", "2"])
        #expect(adjusted.status == 0 && adjusted.stdout.contains("RoPE half (base 10000, 2 of d_k = 4 dimensions"))
        let flagged = try BuiltBinary.run([
            "run", "--bundle", plain, "--weights", "identity", "--rope", "half", "--rope-dims", "2",
        ])
        #expect(flagged.status == 0 && flagged.stdout.contains("2 of d_k = 4 dimensions"))
        let none = try BuiltBinary.run(["run", "--bundle", plain, "--weights", "identity", "--rope-base", "500"])
        #expect(
            none.status == 64
                && none.stderr.hasPrefix("mha-cli: error: --rope-base adjusts RoPE, but nothing here sets RoPE up"),
            "\(none.stderr)")
    }

    @Test func badMaskValueNamesTheMasksFile() throws {
        let mask = try RunEndToEndTests.file("mask.csv", "1,0.5,1\n1,1,1\n1,1,1\n")
        let fromFile = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--mask", mask])
        #expect(fromFile.status == 65)
        #expect(
            fromFile.stderr
                == "mha-cli: error: \(mask): mask[0, 1] is 0.5: mask entries must be 1 (may attend) or 0 (blocked)\n")
        let inBundle = try Self.bundle(with: ["mask": [[1, 1, 1], [1, 1, 1], [2, 1, 1]]])
        let fromBundle = try BuiltBinary.run(["run", "--bundle", inBundle])
        #expect(
            fromBundle.status == 65 && fromBundle.stderr.hasPrefix("mha-cli: error: \(inBundle): mask[2, 0] is 2.0: "))
    }

    @Test func noCausalSwitchesOffTheBundlesCausal() throws {
        let causal = try Self.bundle(with: ["causal": true])
        let plain = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "csv"])
        let masked = try BuiltBinary.run(["run", "--bundle", causal, "--format", "csv"])
        let switchedOff = try BuiltBinary.run(["run", "--bundle", causal, "--no-causal", "--format", "csv"])
        #expect(plain.status == 0 && masked.status == 0 && switchedOff.status == 0)
        #expect(masked.stdout != plain.stdout && switchedOff.stdout == plain.stdout)
        let both = try BuiltBinary.run(["run", "--bundle", causal, "--causal", "--no-causal"])
        #expect(
            both.status == 64
                && both.stderr == "mha-cli: error: --causal and --no-causal contradict each other; give one\n")
    }

    /// `-o ''` names no file: a usage error (64) in run, check and init, not "cannot write" (74).
    @Test func anEmptyOutputPathIsAUsageError() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for arguments in [
            ["run", "--bundle", Self.bundle, "-o", ""],
            ["check", "--bundle", Self.bundle, "--answer", Self.bundle, "-o", ""],
            ["init", "--d-model", "4", "--heads", "2", "--seq-len", "3", "-o", ""],
        ] {
            let run = try BuiltBinary.run(arguments, in: folder)
            #expect(run.status == 64, "\(arguments[0]): \(run.stderr)")
            #expect(
                run.stderr
                    == "mha-cli: error: The value '' is invalid for '--output <file>': expected a file name ('-' for stdout)\n"
            )
            #expect(run.stdout.isEmpty)
        }
    }

    /// `--tokens 'Hi,\,,there'` names three tokens, the second a comma; `\\` is a backslash;
    /// a count that is off says how to write a comma.
    @Test func tokensTakeAnEscapedComma() throws {
        let run = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--show", "weights", "--tokens", #"Hi,\,,a\\b"#])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("weights 1 of 2 · 3 × 3"))
        let header = try #require(run.stdout.split(separator: "\n").first { $0.contains("Hi") && $0.contains(#"a\b"#) })
        #expect(header.contains(" , ") || header.contains(",  "), "\(header)")
        let markdown = try BuiltBinary.run(
            ["run", "--bundle", Self.bundle, "--show", "weights", "--format", "markdown", "--tokens", #"Hi,\,,there"#])
        #expect(markdown.stdout.contains("|   | Hi | , | there |"), "\(markdown.stdout)")
        let tooMany = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--tokens", #"Hi,,,there"#])
        #expect(tooMany.status == 64)
        #expect(tooMany.stderr.contains(#"item 2 of the comma list is empty (a comma inside a name is \,)"#))
        let four = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--tokens", "Hi,,,there".replacing(",,,", with: ",x,y,"),
        ])
        #expect(
            four.stderr
                == #"mha-cli: error: --tokens names 4 tokens but the input has 3 rows; a comma inside a name is written \,"#
                + "\n")
    }
}
