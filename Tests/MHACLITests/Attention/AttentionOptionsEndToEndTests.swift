import Foundation
import Testing

/// The options of DESIGN §4 through the command line: JSON keys, equivalent spellings giving
/// the same numbers (packed weights, mask kinds, bundle keys), causal alignment, steps and
/// warnings.
@Suite struct AttentionOptionsEndToEndTests {
    static let examples = BuiltBinary.packageRoot.appendingPathComponent("examples")

    /// A folder with CSV files written from `files`.
    static func folder(_ files: [String: String]) throws -> URL {
        let url = try BuiltBinary.temporaryFolder()
        for (name, text) in files {
            try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return url
    }

    /// Runs and parses the JSON output.
    static func json(_ arguments: [String], in folder: URL, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> [String: Any]
    {
        let outcome = try BuiltBinary.run(arguments + ["--format", "json"], in: folder)
        #expect(outcome.status == 0, "\(arguments): \(outcome.stderr)", sourceLocation: sourceLocation)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any],
            sourceLocation: sourceLocation)
    }

    /// Every number of `key`, flattened.
    static func numbers(_ object: [String: Any], _ key: String) -> [Double] {
        AttentionExamplesTorchTests.flattened(object[key] as Any) ?? []
    }

    static func expectClose(_ a: [Double], _ b: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count && !a.isEmpty, "\(a.count) vs \(b.count) numbers", sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) {
            #expect(abs(x - y) <= 1e-12 * max(abs(y), 1), "\(x) vs \(y)", sourceLocation: sourceLocation)
        }
    }

    @Test func attendJSONHasTheContractShapes() throws {
        let folder = Self.examples.appendingPathComponent("attend-qkv")
        let object = try Self.json(
            ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--heads", "2", "--kv-heads", "1"], in: folder)
        let shapes = try #require(object["shapes"] as? [String: Any])
        #expect(
            Set(shapes.keys) == [
                "queries", "keys", "values", "heads", "kv_heads", "head_dim", "value_dim", "head_output", "concat",
            ])
        #expect(
            shapes["queries"] as? [Int] == [2, 4] && shapes["values"] as? [Int] == [3, 3]
                && shapes["head_output"] as? [Int] == [2, 3])
        #expect(
            Set(object.keys) == [
                "shapes", "tokens", "token", "causal", "scale", "mask", "precision", "positions", "heads", "concat",
            ])
    }

    @Test func crossAttentionJSONNamesTheMemory() throws {
        let folder = Self.examples.appendingPathComponent("cross-attention")
        let object = try Self.json(
            [
                "run", "-x", "x.csv", "-m", "memory.csv", "--wq", "wq.csv", "--wk", "wk.csv", "--wv", "wv.csv",
                "--wo", "wo.csv", "--heads", "2", "--show", "weights",
            ], in: folder)
        let shapes = try #require(object["shapes"] as? [String: Any])
        #expect(shapes["memory"] as? [Int] == [3, 6] && shapes["input"] as? [Int] == [2, 4])
        #expect((object["weights"] as? [[[Double]]])?.first?.first?.count == 3)
    }

    /// A shorter Q is the last rows of a longer one: causal aligned at the end gives exactly
    /// those rows of the full causal pass.
    @Test func causalWithFewerQueriesIsAlignedAtTheEnd() throws {
        let q = "0.1,0.9\n-0.4,0.3\n0.8,-0.2\n0.5,0.5\n"
        let folder = try Self.folder([
            "q.csv": q, "q2.csv": "0.8,-0.2\n0.5,0.5\n", "k.csv": "1,0\n0,1\n1,1\n-1,0.5\n",
            "v.csv": "1,2\n3,4\n5,6\n7,9\n",
        ])
        let full = try Self.json(["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--causal"], in: folder)
        let last = try Self.json(["attend", "-q", "q2.csv", "-k", "k.csv", "-v", "v.csv", "--causal"], in: folder)
        Self.expectClose(Self.numbers(last, "concat"), Array(Self.numbers(full, "concat").suffix(4)))
        let help = try BuiltBinary.run(["attend", "--help"])
        #expect(
            help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("aligns at the start"))
    }

    @Test func maskKindsAgree() throws {
        let folder = try Self.folder([
            "x.csv": "0.2,0.4,-0.1,0.3\n0.5,-0.6,0.7,0.1\n-0.3,0.2,0.9,-0.5\n",
            "keep.csv": "1,0,1\n1,1,0\n0,1,1\n", "block.csv": "0,1,0\n0,0,1\n1,0,0\n",
            "pad.csv": "1,0,1\n",
        ])
        let run = ["run", "-x", "x.csv", "--weights", "random:3", "--heads", "2"]
        let keep = try Self.json(run + ["--mask", "keep.csv"], in: folder)
        let block = try Self.json(run + ["--mask", "block.csv", "--mask-kind", "block"], in: folder)
        Self.expectClose(Self.numbers(block, "output"), Self.numbers(keep, "output"))
        // A key-padding row: key 1 blocked for every query, as a full mask would.
        let padded = try Self.json(run + ["--mask", "pad.csv"], in: folder)
        let full = try Self.folder(["m.csv": "1,0,1\n1,0,1\n1,0,1\n"])
        let broadcast = try Self.json(
            run.map { $0 == "x.csv" ? folder.appendingPathComponent("x.csv").path : $0 }
                + ["--mask", "m.csv"], in: full)
        Self.expectClose(Self.numbers(padded, "output"), Self.numbers(broadcast, "output"))
    }

    @Test func probablyInvertedMaskWarningNamesTheOption() throws {
        let folder = try Self.folder([
            "x.csv": "0.2,0.4\n0.5,-0.6\n-0.3,0.2\n", "inverted.csv": "0,1,1\n1,0,1\n1,1,0\n",
        ])
        let outcome = try BuiltBinary.run(
            ["run", "-x", "x.csv", "--weights", "identity", "--mask", "inverted.csv"], in: folder)
        #expect(outcome.status == 0)
        #expect(outcome.stderr.hasPrefix("mha-cli: warning: ") && outcome.stderr.contains("--mask-kind block"))
    }

    /// GPT-2's packed c_attn: [W^q | W^k | W^v] and [b^q | b^k | b^v] give what the separate
    /// weights and biases give; PyTorch's in_proj_bias is the same packed bias.
    @Test func packedWeightsAndBiasesSplitAsSeparateOnes() throws {
        let (wq, wk, wv) = ("0.1,0.2\n0.3,0.4\n", "-0.5,0.6\n0.7,0.8\n", "0.9,-1.0\n1.1,1.2\n")
        let qkv = "0.1,0.2,-0.5,0.6,0.9,-1.0\n0.3,0.4,0.7,0.8,1.1,1.2\n"
        let folder = try Self.folder([
            "x.csv": "1,2\n3,-4\n0.5,0.25\n", "wq.csv": wq, "wk.csv": wk, "wv.csv": wv, "wo.csv": "1,0\n0,1\n",
            "qkv.csv": qkv, "bq.csv": "0.1,0.2\n", "bk.csv": "0.3,-0.4\n", "bv.csv": "0.5,0.6\n",
            "qkv_bias.csv": "0.1,0.2,0.3,-0.4,0.5,0.6\n",
            "in_proj.csv": "0.1,0.3\n0.2,0.4\n-0.5,0.7\n0.6,0.8\n0.9,1.1\n-1.0,1.2\n",
        ])
        let separate = try Self.json(
            [
                "run", "-x", "x.csv", "--wq", "wq.csv", "--wk", "wk.csv", "--wv", "wv.csv", "--wo", "wo.csv",
                "--bq", "bq.csv", "--bk", "bk.csv", "--bv", "bv.csv", "--heads", "2",
            ], in: folder)
        let packed = try Self.json(
            [
                "run", "-x", "x.csv", "--qkv", "qkv.csv", "--qkv-bias", "qkv_bias.csv", "--wo", "wo.csv",
                "--heads", "2",
            ], in: folder)
        let torch = try Self.json(
            [
                "run", "-x", "x.csv", "--in-proj", "in_proj.csv", "--in-proj-bias", "qkv_bias.csv",
                "--wo", "wo.csv", "--heads", "2",
            ], in: folder)
        Self.expectClose(Self.numbers(packed, "output"), Self.numbers(separate, "output"))
        Self.expectClose(Self.numbers(torch, "output"), Self.numbers(separate, "output"))
    }

    /// The Llama example's options written as bundle keys give the same numbers as the flags.
    @Test func bundleKeysEqualFlags() throws {
        let folder = Self.examples.appendingPathComponent("llama-rope-gqa")
        let data = try Data(contentsOf: folder.appendingPathComponent("llama-layer.json"))
        var bundle = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        bundle.merge(
            [
                "heads": 4, "kv_heads": 2, "head_dim": 4, "rope": "half", "rope_base": 10000, "causal": true,
                "position_offset": 0,
            ], uniquingKeysWith: { $1 })
        let temporary = try BuiltBinary.temporaryFolder()
        let path = temporary.appendingPathComponent("bundle.json")
        try JSONSerialization.data(withJSONObject: bundle).write(to: path)
        let flags = try Self.json(
            [
                "run", "--bundle", "llama-layer.json", "--heads", "4", "--kv-heads", "2", "--head-dim", "4",
                "--rope", "half", "--causal",
            ], in: folder)
        let keys = try Self.json(["run", "--bundle", path.path], in: temporary)
        Self.expectClose(Self.numbers(keys, "output"), Self.numbers(flags, "output"))
        let plain = try Self.json(
            [
                "run", "--bundle", "llama-layer.json", "--heads", "4", "--kv-heads", "2", "--head-dim", "4",
                "--causal",
            ], in: folder)
        #expect(Self.numbers(plain, "output") != Self.numbers(flags, "output"))
    }

    @Test func stepsShowTheEngineStagesWhereTheyHappen() throws {
        let folder = try Self.folder(["q.csv": "1,0\n0,1\n1,1\n", "v.csv": "1,2\n3,4\n5,6\n"])
        let outcome = try BuiltBinary.run(
            [
                "attend", "-q", "q.csv", "-k", "q.csv", "-v", "v.csv", "--causal", "--window", "2",
                "--softcap", "2", "--alibi", "--rope", "interleaved", "--steps",
            ], in: folder)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let order = [
            "Step 1. The given queries", "RoPE (interleaved)", "Q rotated", "K rotated",
            "3a. Scores Q_1·K_1ᵀ (the rotated",
            "3b. Scale", "3c. Soft-cap", "3d. ALiBi", "m_1 = 0.0039", "3e. Mask (causal and window 2)",
            "the query at position p sees keys p−1…p", "3f. Softmax", "3g. head_1", "Step 4.",
        ]
        var rest = Substring(outcome.stdout)
        for text in order {
            guard let found = rest.range(of: text) else {
                Issue.record("missing or out of order: \(text)")
                return
            }
            rest = rest[found.upperBound...]
        }
        #expect(!outcome.stdout.contains("Step 5"))
    }

    @Test func textHeaderNamesTheRulesInForce() throws {
        let folder = Self.examples.appendingPathComponent("llama-rope-gqa")
        let outcome = try BuiltBinary.run(
            [
                "run", "--bundle", "llama-layer.json", "--heads", "4", "--kv-heads", "2", "--head-dim", "4",
                "--rope", "interleaved", "--rope-dims", "2", "--softcap", "30", "--window", "3",
                "--causal", "--show", "output",
            ], in: folder)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(
            outcome.stdout.contains(
                "\nscores: RoPE interleaved (base 10000, 2 of d_k = 4 dimensions, positions from 0) → soft-cap 30: c·tanh(s/c) → window 3 (query at p sees keys p−2 … p)\n"
            ))
    }
}

/// Boolean masks from JSON (true = may attend), as NPY's b1 reads.
@Suite struct BooleanMaskTests {
    @Test func jsonBooleansAreAMaskOfOnesAndZeros() throws {
        let folder = try AttentionOptionsEndToEndTests.folder([
            "q.csv": "1,0\n0,1\n1,1\n", "v.csv": "1,2\n3,4\n5,6\n",
            "bool.json": "[[true,false,true],[true,true,false],[false,true,true]]", "ones.csv": "1,0,1\n1,1,0\n0,1,1\n",
        ])
        let run = ["attend", "-q", "q.csv", "-k", "q.csv", "-v", "v.csv"]
        let booleans = try AttentionOptionsEndToEndTests.json(run + ["--mask", "bool.json"], in: folder)
        let numbers = try AttentionOptionsEndToEndTests.json(run + ["--mask", "ones.csv"], in: folder)
        AttentionOptionsEndToEndTests.expectClose(
            AttentionOptionsEndToEndTests.numbers(booleans, "concat"),
            AttentionOptionsEndToEndTests.numbers(numbers, "concat"))
    }
}

/// `bench` times the configured pass.
@Suite struct BenchScoreOptionsTests {
    @Test func benchAcceptsTheScoreOptionsAndNamesThem() throws {
        let outcome = try BuiltBinary.run([
            "bench", "--seq-len", "16", "--d-model", "8", "--heads", "2", "--rope", "half",
            "--window", "4", "--causal", "--repeat", "1", "--format", "json",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(object["options"] as? [String] == ["rope half", "window 4"])
        let refused = try BuiltBinary.run(["bench", "--seq-len", "16", "--d-model", "8", "--gemm", "--alibi"])
        #expect(refused.status == 64 && refused.stderr.contains("--gemm"))
    }
}

/// 3-D `.npy` inputs run as batches.
@Suite struct BatchEndToEndTests {
    static let folder = BuiltBinary.packageRoot.appendingPathComponent("examples/batch-npy")
    static let run = [
        "run", "-x", "x.npy", "--wq", "wq.csv", "--wk", "wk.csv", "--wv", "wv.csv", "--wo", "wo.csv", "--heads", "2",
    ]

    @Test func textTitlesEachSequenceAndJSONGainsTheBatchIndex() throws {
        let text = try BuiltBinary.run(Self.run + ["--show", "output"], in: Self.folder)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("batch 1 of 3\ninput H · 4 × 6") && text.stdout.contains("\nbatch 3 of 3\n"))
        let object = try AttentionOptionsEndToEndTests.json(
            Self.run + ["--show", "weights,heads,output"], in: Self.folder)
        #expect((object["shapes"] as? [String: Any])?["batch"] as? Int == 3)
        let weights = try #require(object["weights"] as? [[[[Double]]]])
        #expect(weights.count == 3 && weights[0].count == 2 && weights[0][0].count == 4)
        #expect((object["heads"] as? [[[[Double]]]])?.count == 3)
        let csv = try BuiltBinary.run(Self.run + ["--format", "csv"], in: Self.folder)
        #expect(csv.status == 64 && csv.stderr.contains("batch of 3"))
    }

    /// `-o out.npy` writes a batch as one B × n × d array, the JSON's numbers; a part
    /// with a matrix per head is refused, pointing to JSON (NPZ holds one sequence).
    @Test func npyWritesTheBatchAsOneArray() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = Self.run.map { arg in
            arg.hasSuffix(".npy") || arg.hasSuffix(".csv") ? Self.folder.appendingPathComponent(arg).path : arg
        }
        let written = try BuiltBinary.run(run + ["-o", "out.npy"], in: folder)
        #expect(written.status == 0 && written.stdout.isEmpty, "\(written.stderr)")
        let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent("out.npy")))
        let header = String(decoding: bytes.prefix(128), as: UTF8.self)
        #expect(header.contains("'descr': '<f8'") && header.contains("'shape': (3, 4, 6)"), "\(header)")
        let json = try AttentionOptionsEndToEndTests.json(run + ["--show", "output"], in: folder)
        let expected = try #require(json["output"] as? [[[Double]]]).flatMap { $0.flatMap { $0 } }
        let values = bytes.suffix(expected.count * 8)
        let stored = stride(from: values.startIndex, to: values.endIndex, by: 8).map { i in
            Double(bitPattern: values[i..<(i + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
        AttentionOptionsEndToEndTests.expectClose(stored, expected)
        let perHead = try BuiltBinary.run(run + ["--show", "weights", "-o", "w.npy"], in: folder)
        #expect(perHead.status == 64 && perHead.stderr.contains("use --format json"), "\(perHead.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("w.npy").path))
    }

    /// Each sequence of the batch equals the same sequence run alone.
    @Test func eachSequenceEqualsItsOwnRun() throws {
        let folder = try BuiltBinary.temporaryFolder()
        let batch = try AttentionOptionsEndToEndTests.json(
            Self.run.map { arg in
                arg.hasSuffix(".npy") || arg.hasSuffix(".csv") ? Self.folder.appendingPathComponent(arg).path : arg
            }, in: folder)
        let outputs = try #require(batch["output"] as? [[[Double]]])
        // Sequence 2's rows, as Q = H·I of an identity run shows them.
        let identity = try AttentionOptionsEndToEndTests.json(
            [
                "run", "-x", "x.npy", "--weights", "identity", "--heads", "2",
                "--show", "qkv",
            ], in: Self.folder)
        let rows = try #require((identity["q"] as? [[[Double]]])?[1])
        let csv = rows.map { $0.map { String($0) }.joined(separator: ",") }.joined(separator: "\n") + "\n"
        try csv.write(to: folder.appendingPathComponent("x1.csv"), atomically: true, encoding: .utf8)
        var alone = Self.run.map { arg in arg.hasSuffix(".csv") ? Self.folder.appendingPathComponent(arg).path : arg }
        alone[2] = "x1.csv"
        let single = try AttentionOptionsEndToEndTests.json(alone, in: folder)
        AttentionOptionsEndToEndTests.expectClose(
            AttentionOptionsEndToEndTests.numbers(single, "output"), outputs[1].flatMap { $0 })
    }

    @Test func attendTakesBatchesToo() throws {
        let folder = try BuiltBinary.temporaryFolder()
        // Q, K, V = the batch's 3 sequences (4 × 6: τ = 2 heads of 3); K shared as a 2-D CSV.
        let x = Self.folder.appendingPathComponent("x.npy").path
        let object = try AttentionOptionsEndToEndTests.json(
            ["attend", "-q", x, "-k", x, "-v", x, "--heads", "2", "--causal"],
            in: folder)
        #expect((object["shapes"] as? [String: Any])?["batch"] as? Int == 3)
        #expect((object["concat"] as? [[[Double]]])?.count == 3)
    }
}
