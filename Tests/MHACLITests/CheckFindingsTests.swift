import Foundation
import Testing

/// QA session 23's findings on `check` and `shapes --claim`, through the built binary:
/// attend problems (F19), the rotated Q (F20), mistakes under RoPE (F1), whole-number
/// answers (F8), −∞ in masked scores (F15), a missing row (F9), refused options and run's
/// JSON report (F18), claims about an unknown n (F10). The answers with mistakes are numpy's
/// (Fixtures/check-findings/make_check_findings.py).
@Suite struct CheckFindingsTests {
    static let root = BuiltBinary.packageRoot
    static let fixtures = root.appendingPathComponent("Tests/MHACLITests/Fixtures/check-findings").path
    static let attendFolder = root.appendingPathComponent("examples/attend-qkv").path
    static let twoHeads = root.appendingPathComponent("examples/two-heads/bundle.json").path

    private func fixture(_ name: String) -> String { Self.fixtures + "/" + name }

    /// `check -q -k -v` on examples/attend-qkv (τ 2, g 1, causal, n_q 2 < n_k 3).
    private func checkAttend(_ answer: String, _ extra: [String] = []) throws -> BuiltBinary.Outcome {
        let a = Self.attendFolder
        return try BuiltBinary.run(
            [
                "check", "-q", a + "/q.csv", "-k", a + "/k.csv", "-v", a + "/v.csv", "--heads", "2", "--kv-heads", "1",
                "--causal", "--answer", answer,
            ] + extra)
    }

    @Test func anAttendProblemIsCheckedAndItsMistakesNamed() throws {
        let right = try checkAttend(fixture("attend-right-concat.csv"))
        #expect(right.status == 0, "\(right.stderr)")
        #expect(right.stdout == "correct: concat (2 × 6) matches to 4 decimals\n")
        for id in ["softmax-columns", "causal-excludes-self", "no-scale"] {
            let outcome = try checkAttend(fixture("attend-\(id)-concat.csv"))
            #expect(outcome.status == 1, "\(id): \(outcome.stderr)")
            let named = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("diagnosis: ") }
            #expect(named.count == 1 && named[0].hasPrefix("diagnosis: \(id): "), "\(id): \(outcome.stdout)")
        }
        let weights = try checkAttend(
            try written("0.5655,0.4345,0.0000\n0.3739,0.2323,0.3938\n"), ["--part", "weights:1"])
        #expect(weights.status == 0, "\(weights.stdout)\(weights.stderr)")
        let output = try checkAttend(fixture("attend-right-concat.csv"), ["--part", "output"])
        #expect(output.status == 64 && output.stderr.contains("has no output projection"))
        let foreign = try checkAttend(fixture("attend-right-concat.csv"), ["--wq", "w.csv"])
        #expect(foreign.status == 64 && foreign.stderr.contains("--wq states a run problem"))
    }

    @Test func theRotatedQueryHasItsOwnPartAndIsRecognisedUnderQ() throws {
        let p8 = fixture("p8.json")
        let rotated = fixture("p8-rope-q-rotated.csv")
        let asQ = try BuiltBinary.run(["check", "--bundle", p8, "--rope", "half", "--part", "q", "--answer", rotated])
        #expect(asQ.status == 1)
        #expect(
            asQ.stdout.contains(
                "diagnosis: your answer is Q after RoPE, and it is right for that: --part q is Q before RoPE; check it with --part q-rotated"
            ), "\(asQ.stdout)")
        let asRotated = try BuiltBinary.run([
            "check", "--bundle", p8, "--rope", "half", "--part", "q-rotated", "--answer", rotated,
        ])
        #expect(asRotated.status == 0, "\(asRotated.stdout)\(asRotated.stderr)")
        #expect(asRotated.stdout.hasPrefix("correct: Q after RoPE (4 × 8)"))
    }

    @Test func mistakesOfTheScoresAreNamedUnderRoPE() throws {
        let cases: [(bundle: String, extra: [String], answer: String, id: String)] = [
            ("p8.json", [], "p8-rope-softmax-columns-output.csv", "softmax-columns"),
            ("p8.json", [], "p8-rope-transposed-scores-output.csv", "transposed-scores"),
            ("gqa.json", ["--causal"], "gqa-rope-causal-causal-excludes-self-output.csv", "causal-excludes-self"),
        ]
        for c in cases {
            let outcome = try BuiltBinary.run(
                ["check", "--bundle", fixture(c.bundle), "--rope", "half", "--answer", fixture(c.answer)] + c.extra)
            #expect(outcome.status == 1, "\(c.id): \(outcome.stderr)")
            let named = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("diagnosis: ") }
            #expect(named.count == 1 && named[0].hasPrefix("diagnosis: \(c.id): "), "\(c.id): \(outcome.stdout)")
        }
    }

    @Test func aOneHotWeightsAnswerGetsNoCausalDiagnosis() throws {
        let outcome = try BuiltBinary.run([
            "check", "--bundle", Self.twoHeads, "--part", "weights:1", "--answer", try written("1,0,0\n0,1,0\n0,0,1\n"),
        ])
        #expect(outcome.status == 1)
        #expect(!outcome.stdout.contains("unwanted-causal-mask"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("diagnosis: none offered: every entry is a whole number"))
        #expect(outcome.stderr.contains("every entry is a whole number, so each is checked only to the nearest"))
    }

    @Test func maskedScoresWithMinusInfinityAreAccepted() throws {
        let steps = "2.1213,-inf,-inf\n1.7678,3.5355,-inf\n3.1820,2.1213,4.2426\n"
        let outcome = try BuiltBinary.run([
            "check", "--bundle", Self.twoHeads, "--causal", "--part", "scores:1", "--answer", try written(steps),
        ])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("−∞ at the 3 entries the mask blocks"))
        // −∞ where the mask does not block is a wrong entry, not a data error.
        let wrong = "2.1213,-inf,-inf\n1.7678,-inf,-inf\n3.1820,2.1213,4.2426\n"
        let off = try BuiltBinary.run([
            "check", "--bundle", Self.twoHeads, "--causal", "--part", "scores:1", "--answer", try written(wrong),
        ])
        #expect(off.status == 1)
        #expect(off.stdout.contains("first: row 1, column 1: yours -inf, right 3.5355"), "\(off.stdout)")
    }

    @Test func aMissingRowIsCountedNotNamedAfterADimension() throws {
        let run = try BuiltBinary.run(["run", "--bundle", Self.twoHeads, "--format", "csv", "--precision", "4"])
        let short = run.stdout.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n"
        let outcome = try BuiltBinary.run(["check", "--bundle", Self.twoHeads, "--answer", try written(short)])
        #expect(outcome.status == 1)
        #expect(
            outcome.stdout.hasPrefix(
                "not correct: output is n × d_out = 3 × 4, the answer is 2 × 4: 1 row missing (n = 3, one row per token)\n"
            ), "\(outcome.stdout)")
    }

    @Test func refusedOptionsSayWhyAndRunsJSONReportIsNamed() throws {
        let tokens = try BuiltBinary.run([
            "check", "--bundle", Self.twoHeads, "--tokens", "the,cat,sat", "--answer", "a.csv",
        ])
        #expect(tokens.status == 64)
        #expect(tokens.stderr.contains("check does not take --tokens: it only labels"), "\(tokens.stderr)")
        #expect(!tokens.stderr.contains("Did you mean"))
        let help = try BuiltBinary.run(["check", "--help"])
        #expect(help.stdout.contains("FILE.npz:NAME"))
        let report = try BuiltBinary.run(["run", "--bundle", Self.twoHeads, "--format", "json"])
        let piped = try BuiltBinary.run(["check", "--bundle", Self.twoHeads, "--answer", "-"], stdin: report.stdout)
        #expect(piped.status == 65)
        #expect(piped.stderr.contains("this is run's JSON report"), "\(piped.stderr)")
        #expect(!piped.stderr.contains("--bundle"))
    }

    @Test func aClaimAboutAnUnknownNIsUndecidedNotWrong() throws {
        let claim = try BuiltBinary.run(["shapes", "--d-model", "768", "--heads", "12", "--claim", "head_j=10x64"])
        #expect(claim.status == 64, "\(claim.stdout)")
        #expect(
            claim.stderr.contains(
                "cannot check head_j = 10x64 without --seq-len: head_j is n × d_k = n × 64, which is 10 × 64 when n = 10"
            ), "\(claim.stderr)")
        let wrongColumns = try BuiltBinary.run([
            "shapes", "--d-model", "768", "--heads", "12", "--claim", "head_j=10x32",
        ])
        #expect(wrongColumns.status == 1 && wrongColumns.stdout.hasPrefix("wrong: head_j = 10x32"))
        let n = try BuiltBinary.run(["shapes", "--d-model", "768", "--heads", "12", "--claim", "n=5"])
        #expect(n.status == 64 && n.stderr.contains("cannot check n = 5 without --seq-len"), "\(n.stderr)")
        let known = try BuiltBinary.run([
            "shapes", "--d-model", "768", "--heads", "12", "--seq-len", "10", "--claim", "head_j=10x64",
        ])
        #expect(known.status == 0)
    }

    /// A text answer in a fresh temporary file.
    private func written(_ text: String) throws -> String {
        let folder = try BuiltBinary.temporaryFolder()
        let url = folder.appendingPathComponent("answer.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
