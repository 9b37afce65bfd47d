import Foundation
import Testing

/// Titles, captions, labels and archive members that say what the printed values are (QA s24
/// F2–F6), through the built binary.
@Suite struct StageTitlesTests {
    static let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path

    /// A deterministic `rows × columns` CSV matrix with values in [−1, 1] (`seed` varies it).
    static func csv(rows: Int, columns: Int, seed: Int = 0) -> String {
        (0..<rows).map { i in
            (0..<columns).map { j in String(Double((i * 7 + j * 3 + seed * 5) % 11) / 5 - 1) }.joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }

    /// A folder holding `files` (name → CSV text), removed by the caller.
    static func folder(_ files: [String: String]) throws -> URL {
        let folder = try BuiltBinary.temporaryFolder()
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return folder
    }

    /// The JSON object of a run's stdout.
    static func json(_ outcome: BuiltBinary.Outcome) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    }

    /// A per-head member (`scores`, `weights`) as [head][row][column].
    static func perHead(_ object: [String: Any], _ key: String) throws -> [[[Double]]] {
        try #require(object[key] as? [[[Double]]], "\(key) missing")
    }

    static func softmax(_ row: [Double]) -> [Double] {
        let top = row.max() ?? 0
        let e = row.map { Foundation.exp($0 - top) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }

    /// Whether two numbers agree to `tolerance`, relative (absolute below 1).
    static func close(_ a: Double, _ b: Double, tolerance: Double) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(b))
    }

    /// Whether two [head][row][column] arrays have the same shape and agree to `tolerance`.
    static func close(_ a: [[[Double]]], _ b: [[[Double]]], tolerance: Double = 1e-12) -> Bool {
        let rowsA: [[Double]] = a.flatMap { $0 }
        let rowsB: [[Double]] = b.flatMap { $0 }
        guard a.map(\.count) == b.map(\.count), rowsA.map(\.count) == rowsB.map(\.count) else { return false }
        let valuesA: [Double] = rowsA.flatMap { $0 }
        let valuesB: [Double] = rowsB.flatMap { $0 }
        return zip(valuesA, valuesB).allSatisfy { close($0, $1, tolerance: tolerance) }
    }

    // F3: the LaTeX caption's equation holds for the printed numbers.
    @Test func softCapCaptionIsTheEquationThePrintedNumbersSatisfy() throws {
        let base = ["run", "--bundle", Self.bundle, "--softcap", "2", "--show", "scores,weights"]
        let json = try BuiltBinary.run(base + ["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try Self.json(json)
        let scores = try Self.perHead(object, "scores")
        let weights = try Self.perHead(object, "weights")
        let capped = scores.map { $0.map { Self.softmax($0.map { 2 * tanh($0 / 2) }) } }
        let plain = scores.map { $0.map(Self.softmax) }
        #expect(Self.close(capped, weights))
        #expect(!Self.close(plain, weights, tolerance: 1e-6))  // softmax(scores) is not the weights

        let latex = try BuiltBinary.run(base + ["--format", "latex"])
        #expect(latex.status == 0, "\(latex.stderr)")
        #expect(
            latex.stdout.contains(
                #"\caption{weights 1 of 2, $3 \times 3$: $\mathrm{weights}_{1} = \mathrm{softmax}(2 \tanh(\mathrm{scores}_{1} / 2))$}"#
            ))
        #expect(latex.stdout.contains(#"\caption{scores 2 of 2 (scaled, before the soft-cap), $3 \times 3$"#))
        #expect(!latex.stdout.contains(#"= \mathrm{softmax}(\mathrm{scores}_{1})"#))
    }

    @Test func captionsNameEveryLaterStageAndTheRotatedOperands() throws {
        let base = [
            "run", "--bundle", Self.bundle, "--softcap", "2", "--alibi", "--causal", "--rope", "half",
            "--show", "scores,weights",
        ]
        let latex = try BuiltBinary.run(base + ["--format", "latex"])
        #expect(latex.status == 0, "\(latex.stderr)")
        #expect(
            latex.stdout.contains(
                #"\caption{scores 1 of 2 (of the rotated Q and K, scaled, before the soft-cap, ALiBi and mask), $3 \times 3$: $\mathrm{scores}_{1} = \tilde{Q}_{1} \tilde{K}_{1}^{\top} \cdot 1/\sqrt{2}$}"#
            ))
        #expect(
            latex.stdout.contains(
                #"$\mathrm{weights}_{2} = \mathrm{softmax}(2 \tanh(\mathrm{scores}_{2} / 2) + \mathrm{ALiBi}_{2} + \mathrm{mask})$}"#
            ))
        let markdown = try BuiltBinary.run(base + ["--format", "markdown"])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        let headings = markdown.stdout.split(separator: "\n").filter { $0.hasPrefix("### ") }
        #expect(
            headings.contains(
                #"### scores 1 of 2 \(of the rotated Q and K, scaled, before the soft-cap, ALiBi and mask\) · 3 × 3"#))
        #expect(
            headings.contains(#"### weights 1 of 2 = softmax\(2·tanh\(scores\_1 / 2\) \+ ALiBi\_1 \+ mask\) · 3 × 3"#))

        // A window is a mask too; QK-norm alone names the normalised operands.
        let windowed = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--window", "2", "--qk-norm", "head", "--show", "scores,weights",
            "--format", "latex",
        ])
        #expect(windowed.status == 0, "\(windowed.stderr)")
        #expect(windowed.stdout.contains(#"\hat{Q}_{1} \hat{K}_{1}^{\top}"#))
        #expect(windowed.stdout.contains(#"\mathrm{softmax}(\mathrm{scores}_{1} + \mathrm{mask})"#))

        // The textbook's pass keeps its short captions.
        let textbook = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--show", "scores,weights", "--format", "latex",
        ])
        #expect(
            textbook.stdout.contains(
                #"\caption{scores 1 of 2, $3 \times 3$: $\mathrm{scores}_{1} = Q_{1} K_{1}^{\top}"#))
        #expect(textbook.stdout.contains(#"$\mathrm{weights}_{1} = \mathrm{softmax}(\mathrm{scores}_{1})$}"#))
    }

    // F5: given Q, K, V are not projections.
    @Test func attendTitlesTheGivenMatricesAsGiven() throws {
        let folder = try Self.folder([
            "q.csv": Self.csv(rows: 2, columns: 2), "v.csv": Self.csv(rows: 2, columns: 2, seed: 1),
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = ["attend", "-q", "q.csv", "-k", "q.csv", "-v", "v.csv", "--show", "qkv"]
        let text = try BuiltBinary.run(base, in: folder)
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(["Q (given) · 2 × 2", "K (given) · 2 × 2", "V (given) · 2 × 2"].allSatisfy(lines.contains))
        #expect(!text.stdout.contains("W^"))
        let markdown = try BuiltBinary.run(base + ["--format", "markdown"], in: folder)
        #expect(markdown.stdout.contains("### Q \\(given\\) · 2 × 2\n"))
        let latex = try BuiltBinary.run(base + ["--format", "latex"], in: folder)
        #expect(latex.stdout.contains(#"\caption{V (given), $2 \times 2$: $V = \text{given}$}"#))
    }

    // F6: a packed bias given by flag is in the titles, as its values are.
    @Test(arguments: [
        ["--qkv", "qkv.csv", "--qkv-bias", "bias.csv"], ["--in-proj", "in_proj.csv", "--in-proj-bias", "bias.csv"],
    ])
    func packedBiasFlagsAreInTheTitles(_ packed: [String]) throws {
        let folder = try Self.folder([
            "x.csv": Self.csv(rows: 3, columns: 4), "qkv.csv": Self.csv(rows: 4, columns: 12, seed: 1),
            "in_proj.csv": Self.csv(rows: 12, columns: 4, seed: 2), "bias.csv": Self.csv(rows: 1, columns: 12, seed: 3),
            "wo.csv": Self.csv(rows: 4, columns: 4, seed: 4),
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let layer = ["run", "-x", "x.csv", "--wo", "wo.csv", "--heads", "2"] + packed
        let base = layer + ["--show", "qkv"]
        let text = try BuiltBinary.run(base, in: folder)
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(
            ["Q = H·W^q + b^q · 3 × 4", "K = H·W^k + b^k · 3 × 4", "V = H·W^v + b^v · 3 × 4"].allSatisfy(
                lines.contains),
            "\(text.stdout)")
        let markdown = try BuiltBinary.run(base + ["--format", "markdown"], in: folder)
        #expect(markdown.stdout.contains("### K = H·W^k \\+ b^k · 3 × 4\n"))
        let latex = try BuiltBinary.run(base + ["--format", "latex"], in: folder)
        #expect(latex.stdout.contains(#"$V = H W^{v} + b^{v}$}"#))
        let steps = try BuiltBinary.run(layer + ["--steps"], in: folder)
        #expect(steps.status == 0, "\(steps.stderr)")
        #expect(steps.stdout.split(separator: "\n").contains { $0.hasPrefix("  Q = H·") && $0.contains(" + b^q  →") })
    }

    // F2: the archive holds the Q and K the scores are made of, and they give the scores.
    @Test func archiveHoldsTheNormalisedAndRotatedQAndK() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = ["run", "--bundle", Self.bundle, "--rope", "half", "--qk-norm", "head", "--show", "qkv,scores"]
        let archive = try BuiltBinary.run(base + ["-o", "parts.npz"], in: folder)
        #expect(archive.status == 0, "\(archive.stderr)")
        let json = try BuiltBinary.run(base + ["--format", "json"])
        let expected = try Self.perHead(try Self.json(json), "scores")
        // The scores again from the archive: from the rotated Q and K as they are, and from the
        // normalised ones rotated again.
        for (q, k, rope) in [("q_rotated", "k_rotated", [String]()), ("q_normed", "k_normed", ["--rope", "half"])] {
            let again = try BuiltBinary.run(
                [
                    "attend", "-q", "parts.npz:\(q)", "-k", "parts.npz:\(k)", "-v", "parts.npz:v", "--heads", "2",
                    "--show", "scores", "--format", "json",
                ] + rope, in: folder)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(Self.close(try Self.perHead(try Self.json(again), "scores"), expected), "\(q), \(k)")
        }
    }

    // F4: rows are labelled as warnings and notes count them, even when n_q > n_k.
    @Test func attendRowsAreLabelledByTheirIndexWhenQIsLongerThanK() throws {
        let folder = try Self.folder([
            "q.csv": Self.csv(rows: 5, columns: 2), "k.csv": Self.csv(rows: 4, columns: 2, seed: 1),
            "v.csv": Self.csv(rows: 4, columns: 2, seed: 2),
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--causal"]
        let steps = try BuiltBinary.run(base + ["--steps"], in: folder)
        #expect(steps.status == 0, "\(steps.stderr)")
        #expect(steps.stderr.contains("query row 0 can attend to no key"))
        let lines = steps.stdout.split(separator: "\n").map(String.init)
        #expect(!lines.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("-1 ") }, "\(steps.stdout)")
        let note = try #require(lines.firstIndex { $0.contains("can attend to no key") })
        #expect(lines[note].trimmingCharacters(in: .whitespaces).hasPrefix("query row 0 can attend to no key"))
        // Under the note: the key header, then row 0, all zeros.
        #expect(lines[note + 2] == "      0  0.0000  0.0000  0.0000  0.0000", "\(lines[note + 2])")
        #expect(lines[note + 3].hasPrefix("      1  1.0000  0.0000"), "\(lines[note + 3])")

        let svg = try BuiltBinary.run(base + ["--format", "svg"], in: folder)
        #expect(svg.stdout.contains("head 1, query 0 → key 0") && !svg.stdout.contains("query -1"))
        let markdown = try BuiltBinary.run(base + ["--format", "markdown", "--show", "weights"], in: folder)
        #expect(markdown.stdout.contains("| **0** | 0.0000 | 0.0000 | 0.0000 | 0.0000 |"))
    }

    @Test func attendSingleTokenKeepsEveryRowOfTheGivenKAndV() throws {
        let folder = try Self.folder([
            "q.csv": Self.csv(rows: 3, columns: 2), "k.csv": Self.csv(rows: 3, columns: 2, seed: 1),
            "v.csv": Self.csv(rows: 3, columns: 2, seed: 2),
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try BuiltBinary.run(
            ["attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--token", "1", "--show", "qkv,weights"], in: folder
        )
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("Q (given), row 1 · 1 × 2") && lines.contains("K (given) · 3 × 2"), "\(text.stdout)")
        #expect(lines.contains("V (given) · 3 × 2") && lines.contains("weights 1 of 1 · 1 × 3"))
    }
}
