import Foundation
import Testing

/// `mha-cli check` and `shapes --claim` through the built binary: verdicts, exit codes,
/// and one-line errors for bad input.
@Suite struct CheckCommandTests {
    static let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path

    /// Runs `run` with extra options and returns its CSV output at `decimals`.
    private func runCSV(_ extra: [String], decimals: Int) throws -> String {
        let outcome = try BuiltBinary.run(
            ["run", "--bundle", Self.bundle, "--format", "csv", "--precision", String(decimals)] + extra)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return outcome.stdout
    }

    private func file(_ text: String, _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func aForgottenScaleIsNamedWithExitOne() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for decimals in [2, 4] {
            let answer = try file(try runCSV(["--scale", "1"], decimals: decimals), "a\(decimals).csv", in: folder)
            let outcome = try BuiltBinary.run(["check", "--bundle", Self.bundle, "--answer", answer])
            #expect(outcome.status == 1, "\(outcome.stderr)")
            #expect(outcome.stderr.isEmpty)
            #expect(
                outcome.stdout.contains(
                    "not correct: 12 of 12 entries of output (3 × 4) differ from the right values (checked to \(decimals) decimals)"
                ))
            #expect(outcome.stdout.contains("first: row 0, column 0: yours "))
            #expect(outcome.stdout.contains("diagnosis: no-scale: you did not divide the scores by √d_k = √2"))
            #expect(outcome.stdout.contains("goes wrong first at scores_1"))
            #expect(!outcome.stdout.contains("softmax-columns"))
            let json = try BuiltBinary.run(["check", "--bundle", Self.bundle, "--answer", answer, "--format", "json"])
            #expect(json.status == 1)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            for key in ["correct", "part", "decimals", "mismatches", "first_mismatch", "diagnosis"] {
                #expect(object[key] != nil, "\(key)")
            }
            #expect(object["correct"] as? Bool == false && object["part"] as? String == "output")
            #expect(object["decimals"] as? Int == decimals && object["mismatches"] as? Int == 12)
            #expect(object["diagnosis"] as? [String] == ["no-scale"])
            let first = try #require(object["first_mismatch"] as? [String: Any])
            #expect(first["row"] as? Int == 0 && first["column"] as? Int == 0)
        }
    }

    @Test func rightAnswersPassAtTwoFourAndFullPrecisionAndOneUnitOffFails() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for decimals in [2, 4] {
            let answer = try file(
                try runCSV(["--show", "weights", "--heads", "1"], decimals: decimals), "w\(decimals).csv", in: folder)
            let outcome = try BuiltBinary.run([
                "check", "--bundle", Self.bundle, "--heads", "1", "--part", "weights:1", "--answer", answer,
            ])
            #expect(outcome.status == 0, "\(outcome.stdout) \(outcome.stderr)")
            #expect(outcome.stdout == "correct: weights_1 (3 × 3) matches to \(decimals) decimals\n")
        }
        let json = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "json", "--show", "output"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let output = try #require(object["output"])
        let full = try file(
            String(decoding: try JSONSerialization.data(withJSONObject: output), as: UTF8.self), "full.json", in: folder
        )
        let outcome = try BuiltBinary.run(["check", "--bundle", Self.bundle, "--answer", full])
        #expect(outcome.status == 0 && outcome.stdout.contains("at full precision"), "\(outcome.stdout)")

        var rows = try runCSV([], decimals: 3).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let value = try #require(Double(rows[1][2]))
        rows[1][2] = String(format: "%.3f", value + 0.001)
        let off = try file(rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n", "off.csv", in: folder)
        let wrong = try BuiltBinary.run(["check", "--bundle", Self.bundle, "--answer", off])
        #expect(wrong.status == 1)
        #expect(
            wrong.stdout.contains("1 of 12 entries") && wrong.stdout.contains("first: row 1, column 2"),
            "\(wrong.stdout)")
        // One unit of the last decimal off, and no mistake gives it: told as rounding (QA s25 F6).
        #expect(wrong.stdout.contains("diagnosis: rounding: every entry is within 1 unit"), "\(wrong.stdout)")
    }

    @Test func badAnswersAndPartsAreOneLineErrors() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let right = try runCSV([], decimals: 4)
        // Wrong shape: a diagnosis with exit 1 (DESIGN §6), in symbols.
        let wide = try file(try runCSV(["--show", "concat"], decimals: 2), "concat.csv", in: folder)
        let shape = try BuiltBinary.run(["check", "--bundle", Self.bundle, "--answer", wide, "--part", "head:1"])
        #expect(shape.status == 1)
        #expect(
            shape.stdout.hasPrefix("not correct: head_1 is n × d_k = 3 × 2, the answer is 3 × 4: d_model, not d_k\n"))
        // Not a number: a located data error.
        let bad = try file(
            right.replacingOccurrences(of: "\n", with: ",x\n", options: [], range: right.range(of: "\n")), "bad.csv",
            in: folder)
        let notNumber = try BuiltBinary.run(["check", "--bundle", Self.bundle, "--answer", bad])
        #expect(notNumber.status == 65)
        #expect(
            notNumber.stderr.hasPrefix("mha-cli: error: \(bad):1:")
                && notNumber.stderr.split(separator: "\n").count == 1, "\(notNumber.stderr)")
        // Mixed precisions: checked per entry, with a one-line warning.
        var rows = right.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        rows[1][1] = String(format: "%.1f", try #require(Double(rows[1][1])))
        let mixed = try file(
            rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n", "mixed.csv", in: folder)
        let mixedOutcome = try BuiltBinary.run(["check", "--bundle", Self.bundle, "--answer", mixed])
        #expect(mixedOutcome.status == 0, "\(mixedOutcome.stdout)")
        #expect(mixedOutcome.stdout.contains("to 1–4 decimals, each entry to its own"))
        #expect(
            mixedOutcome.stderr
                == "mha-cli: warning: \(mixed): row 1, column 1 is written to 1 decimal, the entries before it to 4 decimals; each entry is checked to its own decimals\n"
        )
        // A place left of the point (2e1: the nearest 10) is named so, not as −1 decimals.
        rows[0][0] = "2e1"
        let tens = try file(
            rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n", "tens.csv", in: folder)
        let tensOutcome = try BuiltBinary.run(["check", "--bundle", Self.bundle, "--answer", tens])
        #expect(
            tensOutcome.stdout.contains("from the nearest 10 to 4 decimals, each entry to its own"),
            "\(tensOutcome.stdout)")
        // (The warning names the file, whose temporary folder's UUID may hold "-1".)
        #expect(!tensOutcome.stdout.contains("-1") && !tensOutcome.stderr.replacing(tens, with: "FILE").contains("-1"))
        // A head that does not exist; a part that is not one; a missing file; no --answer; --float.
        let answer = try file(right, "right.csv", in: folder)
        for (arguments, status, message) in [
            (
                ["--answer", answer, "--part", "head:9"], Int32(64),
                "part head:9 does not exist: there are 2 heads (numbered 1…2)"
            ),
            (["--answer", answer, "--part", "head:0"], 64, "heads are numbered from 1"),
            (
                ["--answer", answer, "--part", "heads"], 64,
                "expected output, concat, q, k, v, q-rotated, k-rotated, q-normed, k-normed, head:J, weights:J or scores:J"
            ),
            (["--answer", folder.appendingPathComponent("none.csv").path], 66, "cannot open"),
            ([], 64, "--answer"),
            (["--answer", answer, "--float"], 64, "--float"),
            (["--answer", answer, "--steps"], 64, "check does not take --steps: it only changes how run prints"),
        ] {
            let outcome = try BuiltBinary.run(["check", "--bundle", Self.bundle] + arguments)
            #expect(outcome.status == status, "\(arguments): \(outcome.stderr)")
            #expect(
                outcome.stderr.hasPrefix("mha-cli: error: ") && outcome.stderr.contains(message)
                    && outcome.stderr.split(separator: "\n").count == 1, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stdout.isEmpty)
        }
    }

    @Test func checkTakesRunsProblemOptions() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The answer computed without the causal mask, checked against the causal problem.
        let answer = try file(try runCSV(["--show", "weights", "--heads", "1"], decimals: 3), "w.csv", in: folder)
        let outcome = try BuiltBinary.run([
            "check", "--bundle", Self.bundle, "--heads", "1", "--causal", "--part", "weights:1",
            "--answer", answer,
        ])
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("diagnosis: no-causal-mask: you left out the causal mask"), "\(outcome.stdout)")
        let help = try BuiltBinary.run(["check", "--help"])
        for option in [
            "--answer", "--part", "--causal", "--mask", "--scale", "--token", "--layout", "--in-proj", "--kv-heads",
        ] {
            #expect(help.stdout.contains(option), "\(option)")
        }
        #expect(help.stdout.contains("heads from 1"))
    }

    @Test func claimsAreRightOrWrongWithTheArithmetic() throws {
        let outcome = try BuiltBinary.run([
            "shapes", "--d-model", "768", "--heads", "12", "--claim", "head_dim=64",
            "--claim", "wq_j=768x768", "--claim", "head_j=nx64",
        ])
        #expect(outcome.status == 1)
        #expect(
            outcome.stdout == """
                right: head_dim = 64 (d_k = d_model / τ = 768 / 12 = 64)
                wrong: wq_j = 768x768; the right value is 768 × 64: W^q_j is d_model × d_k = 768 × 64: head j's columns of W^q
                right: head_j = nx64 (head_j is n × d_k = n × 64: weights_j·V_j)

                """)
        let allRight = try BuiltBinary.run([
            "shapes", "--d-model", "768", "--heads", "12", "--claim", "concat_dim=768", "--format", "json",
        ])
        #expect(allRight.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(allRight.stdout.utf8)) as? [String: Any])
        #expect(object["correct"] as? Bool == true)
        for (claim, message) in [
            ("foo=3", "unknown claim key 'foo'"), ("heads", "expected KEY=VALUE"), ("heads=many", "must be an integer"),
            ("wo=768", "written RxC"),
        ] {
            let bad = try BuiltBinary.run(["shapes", "--d-model", "768", "--heads", "12", "--claim", claim])
            #expect(
                bad.status == 64 && bad.stderr.contains(message) && bad.stderr.split(separator: "\n").count == 1,
                "\(bad.stderr)")
        }
    }

    /// With --head-dim, --value-dim and a memory, the arithmetic uses τ·d_k, d_v, d_mem and n_k
    /// (it printed d_model × d_model and n × n); memory, value and cache keys can be claimed.
    @Test func claimsExplainHeadDimValueDimAndCrossAttention() throws {
        let custom = try BuiltBinary.run([
            "shapes", "--d-model", "64", "--heads", "4", "--head-dim", "32", "--claim", "wq=64x64",
            "--claim", "parameters.wq=8192",
        ])
        #expect(
            custom.stdout == """
                wrong: wq = 64x64; the right value is 64 × 128: W^q is d_model × τ·d_k = 64 × 128: query projection
                right: parameters.wq = 8192 (W^q is d_model × τ·d_k = 64 · 128 = 8192)

                """)
        let cross = try BuiltBinary.run([
            "shapes", "--d-model", "64", "--heads", "4", "--value-dim", "8", "--memory-len", "10", "--memory-dim", "32",
            "--claim", "wk=32x64", "--claim", "v_j=10x8", "--claim", "scores_j=nx10", "--claim", "head_j=nx16",
            "--claim", "value_dim=8", "--claim", "memory_len=10", "--claim", "memory_dim=32",
        ])
        #expect(cross.status == 1, "\(cross.stderr)")
        #expect(
            cross.stdout == """
                right: wk = 32x64 (W^k is d_mem × g·d_k = 32 × 64: key projection)
                right: v_j = 10x8 (V_j is n_k × d_v = 10 × 8: head j's values (from M))
                right: scores_j = nx10 (scores_j is n × n_k = n × 10: Q_j·K_jᵀ / √d_k)
                wrong: head_j = nx16; the right value is n × 8: head_j is n × d_v = n × 8: weights_j·V_j
                right: value_dim = 8 (d_v = 8 as given)
                right: memory_len = 10 (n_k = 10 as given)
                right: memory_dim = 32 (d_mem = 32 as given)

                """)
        let cache = try BuiltBinary.run([
            "shapes", "--d-model", "64", "--heads", "4", "--layers", "2", "--seq-len", "5", "--claim",
            "kv_cache.bytes=10240", "--claim", "memory_len=3",
        ])
        #expect(
            cache.stdout == """
                right: kv_cache.bytes = 10240 (2 · 4 · (16 + 16) · 8 bytes = 2048 per token, 10240 in all)
                wrong: memory_len = 3; the right value is none: no memory: this is self-attention (--memory-len)

                """)
    }

    /// `memory` is a claim key as memory_len is: in self-attention the claim is wrong, not an
    /// unknown key (exit 64), and the list of keys an unknown one prints names it.
    @Test func aMemoryClaimedOfSelfAttentionIsWrong() throws {
        let shapes = ["shapes", "--d-model", "8", "--heads", "2"]
        let memory = try BuiltBinary.run(shapes + ["--claim", "memory=nx8", "--claim", "memory_len=5"])
        #expect(memory.status == 1 && memory.stderr.isEmpty, "\(memory.stderr)")
        #expect(
            memory.stdout == """
                wrong: memory = nx8; the right value is none: no memory: this is self-attention (--memory-len)
                wrong: memory_len = 5; the right value is none: no memory: this is self-attention (--memory-len)

                """)
        let json = try BuiltBinary.run(shapes + ["--claim", "memory=5x8", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let claim = try #require((object["claims"] as? [[String: Any]])?.first)
        #expect(json.status == 1 && object["correct"] as? Bool == false && claim["right"] as? String == "none")
        let malformed = try BuiltBinary.run(shapes + ["--claim", "memory=five"])
        #expect(
            malformed.status == 64
                && malformed.stderr
                    == "mha-cli: error: claim memory=five: a tensor's shape is written RxC, e.g. memory=10x64\n"
        )
        let cross = try BuiltBinary.run(shapes + ["--memory-len", "5", "--claim", "memory=5x8"])
        #expect(cross.status == 0 && cross.stdout.hasPrefix("right: memory = 5x8"), "\(cross.stderr)")
        let unknown = try BuiltBinary.run(shapes + ["--claim", "foo=1"])
        #expect(unknown.status == 64)
        #expect(
            unknown.stderr.hasSuffix(
                "or a tensor (input, memory, wq, wq_j, wk, wk_j, wv, wv_j, q, q_j, k_j, v_j, scores_j, weights_j, head_j, concat, wo, output)\n"
            ), "\(unknown.stderr)")
        let (scalars, tensors) = try documentedClaimKeys()
        #expect(scalars.contains("memory_len") && tensors.contains("memory") && tensors.contains("output"))
        for (key, value) in scalars.map({ ($0, "1") }) + tensors.map({ ($0, "1x1") }) {
            let claimed = try BuiltBinary.run(shapes + ["--claim", "\(key)=\(value)"])
            // A claim that holds for some n is undecided without --seq-len (64), not wrong; so is
            // a KV cache's size without its layers and element type.
            let undecided = ["seq_len", "n", "flops", "scores_j", "weights_j"].contains(key)
            let cache = key.hasPrefix("kv_cache.")
            #expect(
                undecided
                    ? claimed.status == 64 && claimed.stderr.contains("without --seq-len")
                    : cache
                        ? claimed.status == 64 && claimed.stderr.contains("without --layers or --dtype")
                        : claimed.status == 1,
                "documented key \(key): \(claimed.stderr)")
            #expect(unknown.stderr.contains(key), "\(key) is documented but not listed")
        }
    }

    /// A KV cache claimed without --layers or --dtype is undecided, as a count of tokens is
    /// without --seq-len (exit 64, one line naming what to give), not wrong; `none`, the value
    /// a memory claimed of self-attention is told it has, can be claimed back.
    @Test func undecidedCachesAndMemoriesOfNone() throws {
        let shapes = ["shapes", "--d-model", "768", "--heads", "12"]
        let perToken = try BuiltBinary.run(shapes + ["--claim", "kv_cache.bytes_per_token=12288"])
        #expect(perToken.status == 64 && perToken.stdout.isEmpty)
        #expect(
            perToken.stderr
                == "mha-cli: error: cannot check kv_cache.bytes_per_token = 12288 without --layers or --dtype: the KV cache holds L · g · (d_k + d_v) · bytes = L · 12 · (64 + 64) · bytes per token; give --layers L and --dtype (either alone takes the other's default: 1 layer, f64)\n"
        )
        let total = try BuiltBinary.run(shapes + ["--claim", "kv_cache.bytes=1"])
        #expect(total.status == 64 && total.stderr.hasSuffix(" and --seq-len\n"), "\(total.stderr)")
        let withSeqLen = try BuiltBinary.run(shapes + ["--seq-len", "4", "--claim", "kv_cache.bytes=1"])
        #expect(withSeqLen.status == 64 && withSeqLen.stderr.hasSuffix("f64)\n"), "\(withSeqLen.stderr)")
        let given = try BuiltBinary.run(shapes + ["--dtype", "f64", "--claim", "kv_cache.bytes_per_token=12288"])
        #expect(given.status == 0 && given.stdout.hasPrefix("right: kv_cache.bytes_per_token = 12288"))
        let noSeqLen = try BuiltBinary.run(shapes + ["--layers", "2", "--claim", "kv_cache.bytes=1"])
        #expect(noSeqLen.status == 64 && noSeqLen.stderr.contains("without --seq-len"), "\(noSeqLen.stderr)")

        let wrong = try BuiltBinary.run(shapes + ["--claim", "memory=nx768"])
        #expect(wrong.stdout.contains("the right value is none"))
        let none = try BuiltBinary.run(
            shapes + ["--claim", "memory=none", "--claim", "memory_len=none", "--claim", "memory_dim=None"])
        #expect(none.status == 0 && none.stderr.isEmpty, "\(none.stderr)")
        #expect(
            none.stdout == """
                right: memory = none (no memory: this is self-attention (--memory-len))
                right: memory_len = none (no memory: this is self-attention (--memory-len))
                right: memory_dim = None (no memory: this is self-attention (--memory-dim))

                """)
        let cross = try BuiltBinary.run(
            shapes + ["--memory-len", "5", "--claim", "memory=none", "--claim", "memory_len=none"])
        #expect(cross.status == 1, "\(cross.stderr)")
        #expect(
            cross.stdout == """
                wrong: memory = none; the right value is 5 × 768: this is cross-attention: keys and values come from a memory of n_k rows, d_mem wide
                wrong: memory_len = none; the right value is 5: this is cross-attention: keys and values come from a memory of n_k rows, d_mem wide

                """)
        let other = try BuiltBinary.run(shapes + ["--claim", "heads=none"])
        #expect(other.status == 64 && other.stderr.contains("must be an integer"), "\(other.stderr)")
    }

    /// The claim keys docs/checking.md lists: the shapes JSON keys (integers) and the tensor
    /// names (RxC), without the `.wo`-style abbreviations of `parameters.wq … .total`.
    private func documentedClaimKeys() throws -> (scalars: [String], tensors: [String]) {
        let page = try String(
            contentsOf: BuiltBinary.packageRoot.appendingPathComponent("docs/checking.md"), encoding: .utf8)
        let start = try #require(page.range(of: "`--claim KEY=VALUE` is repeatable."))
        let end = try #require(page.range(of: "with `RxC`", range: start.upperBound..<page.endIndex))
        let list = page[start.upperBound..<end.lowerBound]
        let split = try #require(list.range(of: "or a tensor name"))
        func keys(_ text: Substring) -> [String] {
            text.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 && !$0.element.hasPrefix(".") && !$0.element.contains("…") }
                .map { String($0.element) }
        }
        return (keys(list[..<split.lowerBound]), keys(list[split.upperBound...]))
    }

    /// A bundle's "memory" is the bundle's data (65, naming it), as any value from a bundle
    /// that check cannot take; it was a usage error (64) naming no file.
    @Test func aBundlesMemoryIsRefusedNamingTheBundle() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var bundle = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.bundle)))
                as? [String: Any])
        bundle["memory"] = [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]
        let data = try JSONSerialization.data(withJSONObject: bundle)
        try data.write(to: folder.appendingPathComponent("mem.json"))
        let answer = try file(try runCSV([], decimals: 4), "a.csv", in: folder)
        let message = "check states self-attention problems; a memory (cross-attention) cannot be checked yet"
        let named = try BuiltBinary.run(["check", "--bundle", "mem.json", "--answer", answer], in: folder)
        #expect(named.status == 65 && named.stdout.isEmpty && named.stderr == "mha-cli: error: mem.json: \(message)\n")
        let piped = try BuiltBinary.run(
            ["check", "--bundle", "-", "--answer", answer], stdin: String(decoding: data, as: UTF8.self), in: folder)
        #expect(piped.status == 65 && piped.stderr == "mha-cli: error: <stdin>: \(message)\n", "\(piped.stderr)")
    }
}
