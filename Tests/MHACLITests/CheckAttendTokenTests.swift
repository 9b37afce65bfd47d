import Foundation
import Testing

/// QA s26-oracle findings 1 and 2: on an attend problem (`-q -k -v`) with `--token i`, check's
/// right answer for every part is what `attend --token i` prints (all n_k rows of K and V),
/// and its shape messages use attend's symbols (n_q, n_k, τ·d_k, g·d_k; no d_model).
@Suite struct CheckAttendTokenTests {
    /// n_q = 2 queries against n_k = 4 keys; τ = 2 query heads sharing g = 1 K/V head of
    /// d_k = 2, d_v = 3.
    private func attendProblem(_ folder: ScratchFolder) throws -> [String] {
        try folder.write("q.csv", "0.5,-1,2,0.25\n1.5,0.75,-0.5,1\n")
        try folder.write("k.csv", "1,2\n-0.5,0.25\n3,-1\n0.125,1.5\n")
        try folder.write("v.csv", "1,0,2\n0,1,-1\n2,2,0.5\n-1,0.5,3\n")
        return ["-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--heads", "2", "--kv-heads", "1"]
    }

    /// The score options that make Q and K normed and rotated, and the causal mask.
    private let scoreOptions = ["--causal", "--rope", "half", "--qk-norm", "head"]

    /// `rows` as CSV, every entry at full precision (Swift's shortest round-trip spelling).
    private func csv(_ rows: [[Double]]) -> String {
        rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// The matrices `command`'s JSON report holds, by `--part` name.
    private func printedParts(_ outcome: HostileRun) throws -> [(part: String, rows: [[Double]])] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        var parts: [(String, [[Double]])] = []
        let single = [
            ("q", "q"), ("k", "k"), ("v", "v"), ("q_normed", "q-normed"), ("k_normed", "k-normed"),
            ("q_rotated", "q-rotated"), ("k_rotated", "k-rotated"), ("concat", "concat"),
        ]
        for (key, part) in single {
            parts.append((part, try #require(json[key] as? [[Double]], "no \(key) in \(outcome.stdout.prefix(300))")))
        }
        for (key, part) in [("scores", "scores"), ("weights", "weights"), ("heads", "head")] {
            let perHead = try #require(json[key] as? [[[Double]]], "no \(key)")
            for (j, rows) in perHead.enumerated() { parts.append(("\(part):\(j + 1)", rows)) }
        }
        return parts
    }

    @Test("finding 1: every part attend --token prints (K, V, K rotated and normed: all n_k rows) is correct")
    func attendTokenPartsAreCorrect() throws {
        let folder = try ScratchFolder()
        let problem = try attendProblem(folder) + scoreOptions
        for token in ["0", "1"] {
            let attend = try folder.run(
                ["attend"] + problem + [
                    "--token", token, "--show", "qkv,scores,weights,heads,concat", "--format", "json",
                ])
            attend.expectSuccess()
            let parts = try printedParts(attend)
            let k = try #require(parts.first { $0.part == "k" })
            #expect(k.rows.count == 4, "attend --token prints every key row")
            for (part, rows) in parts {
                let name = "\(part.replacingOccurrences(of: ":", with: "_"))-\(token).csv"
                try folder.write(name, csv(rows))
                let check = try folder.run(["check"] + problem + ["--token", token, "--part", part, "--answer", name])
                #expect(check.status == 0, "token \(token), --part \(part): \(check.stdout)\(check.stderr)")
                #expect(check.stdout.hasPrefix("correct: "), "token \(token), --part \(part): \(check.stdout)")
            }
        }
    }

    @Test("finding 1: on an attend problem with --token, one key row for --part k is not correct")
    func oneKeyRowIsNotAttendsK() throws {
        let folder = try ScratchFolder()
        let problem = try attendProblem(folder)
        // Query row 1 is at position n_k − n_q + 1 = 3; neither key row 1 nor 3 alone is K.
        for row in ["-0.5,0.25\n", "0.125,1.5\n"] {
            try folder.write("krow.csv", row)
            let check = try folder.run(["check"] + problem + ["--token", "1", "--part", "k", "--answer", "krow.csv"])
            #expect(check.status == 1, "\(check.stdout)")
            #expect(
                check.stdout.hasPrefix("not correct: K is n_k × g·d_k = 4 × 2, the answer is 1 × 2"), "\(check.stdout)")
        }
    }

    @Test("finding 1: run --token prints K and V as token i's row, and that row is check's right answer")
    func runTokenKeepsTheTokensRow() throws {
        let folder = try ScratchFolder()
        let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path
        let run = try folder.run(["run", "--bundle", bundle, "--token", "1", "--show", "qkv", "--format", "json"])
        run.expectSuccess()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for part in ["k", "v"] {
            let rows = try #require(json[part] as? [[Double]])
            #expect(rows.count == 1, "run --token trims \(part) to the token's row")
            try folder.write("\(part).csv", csv(rows))
            let check = try folder.run(
                ["check", "--bundle", bundle, "--token", "1", "--part", part, "--answer", "\(part).csv"])
            #expect(check.status == 0, "--part \(part): \(check.stdout)\(check.stderr)")
        }
    }

    @Test("finding 2: weights of an attend problem are n_q × n_k, not 'n × n' with the reason 'n, not n'")
    func weightsAreNqByNk() throws {
        let folder = try ScratchFolder()
        let problem = try attendProblem(folder)
        try folder.write("w22.csv", "0.5,0.5\n0.25,0.75\n")
        let check = try folder.run(["check"] + problem + ["--part", "weights:1", "--answer", "w22.csv"])
        #expect(check.status == 1)
        #expect(
            check.stdout.hasPrefix(
                "not correct: weights_1 is n_q × n_k = 2 × 4, the answer is 2 × 2: 2 columns missing (n_k = 4)\n"),
            "\(check.stdout)")
        // The tester's problem: 2 × 2 is Q's shape there, so the dimension is named.
        try folder.write("q2.csv", "1,0\n0,1\n")
        try folder.write("k3.csv", "1,2\n3,4\n5,6\n")
        try folder.write("v3.csv", "1,0\n0,1\n2,2\n")
        let named = try folder.run(
            ["check", "-q", "q2.csv", "-k", "k3.csv", "-v", "v3.csv", "--part", "weights:1", "--answer", "w22.csv"])
        #expect(named.status == 1)
        #expect(
            named.stdout.hasPrefix("not correct: weights_1 is n_q × n_k = 2 × 3, the answer is 2 × 2: n_q, not n_k\n"),
            "\(named.stdout)")
    }

    @Test("finding 2: attend's Q, K and V are in τ·d_k, g·d_k and d_v, never d_model")
    func givenOperandsHaveNoDModel() throws {
        let folder = try ScratchFolder()
        try folder.write("q.csv", "1,0\n0,1\n1,1\n")
        try folder.write("k.csv", "1,2\n3,4\n5,6\n")
        try folder.write("v.csv", "1,0,1\n0,1,0\n2,2,2\n")
        try folder.write("w22.csv", "0.5,0.5\n0.25,0.75\n")
        let problem = ["-q", "q.csv", "-k", "k.csv", "-v", "v.csv"]
        let expected = [
            ("q", "Q is n_q × τ·d_k = 3 × 2, the answer is 2 × 2: 1 row missing (n_q = 3, one row per query)"),
            ("k", "K is n_k × τ·d_k = 3 × 2, the answer is 2 × 2: 1 row missing (n_k = 3, one row per key)"),
            ("v", "V is n_k × τ·d_v = 3 × 3, the answer is 2 × 2: "),
        ]
        for (part, message) in expected {
            let check = try folder.run(["check"] + problem + ["--part", part, "--answer", "w22.csv"])
            #expect(check.status == 1)
            #expect(check.stdout.hasPrefix("not correct: " + message), "--part \(part): \(check.stdout)")
            #expect(!check.stdout.contains("d_model"), "\(check.stdout)")
        }
        let grouped = try attendProblem(folder)
        try folder.write("k3.csv", "1,2\n3,4\n5,6\n")
        let k = try folder.run(["check"] + grouped + ["--part", "k", "--answer", "k3.csv"])
        #expect(k.stdout.hasPrefix("not correct: K is n_k × g·d_k = 4 × 2, the answer is 3 × 2"), "\(k.stdout)")
    }

    @Test("finding 2: with --token, a counted row difference says '1 row: token i only', not a stray '(1)'")
    func tokenRowCountIsWorded() throws {
        let folder = try ScratchFolder()
        let problem = try attendProblem(folder)
        try folder.write("h3.csv", "1,2,3\n4,5,6\n7,8,9\n")
        let check = try folder.run(["check"] + problem + ["--token", "1", "--part", "head:1", "--answer", "h3.csv"])
        #expect(check.status == 1)
        #expect(
            check.stdout.hasPrefix(
                "not correct: head_1 is 1 × d_v = 1 × 3, the answer is 3 × 3: 2 rows too many (1 row: token 1 only)\n"),
            "\(check.stdout)")
        #expect(!check.stdout.contains("(1)"), "\(check.stdout)")
    }

    @Test("finding 2: a --token weights row of only the visible keys is 'the whole 1 × n_k row' on an attend problem")
    func visibleKeysOfAnAttendProblem() throws {
        let folder = try ScratchFolder()
        let problem = try attendProblem(folder) + ["--causal"]
        // Query row 0 sees keys 0 … 0 + n_k − n_q = 2.
        let attend = try folder.run(
            ["attend"] + problem + ["--token", "0", "--show", "weights", "--format", "json"])
        attend.expectSuccess()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(attend.stdout.utf8)) as? [String: Any])
        let weights = try #require((json["weights"] as? [[[Double]]])?.first?.first)
        #expect(weights.count == 4 && weights[3] == 0)
        try folder.write("w3.csv", csv([Array(weights.prefix(3))]))
        let check = try folder.run(["check"] + problem + ["--token", "0", "--part", "weights:1", "--answer", "w3.csv"])
        #expect(check.status == 1)
        #expect(
            check.stdout
                == "not correct: weights_1 is 1 × n_k = 1 × 4, the answer is 1 × 3: the 3 keys 0…2 token 0 may attend to, and their weights are right; weights:1 with --token is the whole 1 × n_k row, with 0 for the masked keys\n",
            "\(check.stdout)")
    }
}
