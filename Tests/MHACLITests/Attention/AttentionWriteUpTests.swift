import Foundation
import Testing

/// `run`'s write-ups, heatmap options and computation summary on the results of `attend`,
/// cross-attention and batches, through the built binary (one `ResultPresentation` renders both
/// commands).
@Suite struct AttentionWriteUpTests {
    static let attendFolder = BuiltBinary.packageRoot.appendingPathComponent("examples/attend-qkv")
    static let crossFolder = BuiltBinary.packageRoot.appendingPathComponent("examples/cross-attention")
    static let attend = [
        "attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--heads", "2", "--kv-heads", "1", "--causal",
    ]
    static let cross = [
        "run", "-x", "x.csv", "--memory", "memory.csv", "--wq", "wq.csv", "--wk", "wk.csv", "--wv", "wv.csv",
        "--wo", "wo.csv", "--heads", "2",
    ]

    @Test func attendMarkdownLabelsKeysAndTheLastQueries() throws {
        let outcome = try BuiltBinary.run(
            Self.attend + ["--format", "markdown", "--show", "weights,concat", "--tokens", "a,b,c"],
            in: Self.attendFolder)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            lines.first?.hasPrefix("Q · 2 × 4 · K · 3 × 2 · V · 3 × 3 · τ = 2 heads · kv\\_heads = 1") == true,
            "\(lines.first ?? "")")
        #expect(
            lines.first?.contains("causal \\(query row i attends to keys 0…i \\+ 1\\)") == true, "\(lines.first ?? "")")
        #expect(
            lines.contains(#"### weights 1 of 2 = softmax\(scores\_1 \+ mask\) · 2 × 3"#)
                && lines.contains("|   | a | b | c |"))
        #expect(lines.contains("| **b** | 0.5655 | 0.4345 | 0.0000 |"))
        #expect(lines.contains(#"### concat = \[head\_1 \| head\_2\] · 2 × 6"#))
    }

    @Test func attendLaTeXWritesTheMaskedSoftmax() throws {
        let outcome = try BuiltBinary.run(
            Self.attend + ["--format", "latex", "--show", "weights"], in: Self.attendFolder)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(
            outcome.stdout.contains(#"\mathrm{weights}_{1} = \mathrm{softmax}(\mathrm{scores}_{1} + \mathrm{mask})"#))
        #expect(outcome.stdout.contains(#"\begin{bmatrix}"#))
    }

    @Test func attendSVGHeatmapFileHasATooltipPerWeight() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("attend.svg")
        let outcome = try BuiltBinary.run(
            Self.attend + ["--heatmap", file.path, "--heatmap-scale", "absolute"], in: Self.attendFolder)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("concat = [head_1 | head_2] · 2 × 6"))
        let svg = try SVGSummary(file)
        #expect(svg.root == "svg" && svg.cellTitles.count == 2 * 2 * 3)
        #expect(svg.texts.contains { $0.contains("the same 0…1 scale for every head") })
    }

    @Test func crossAttentionSVGHasOneColumnPerMemoryRow() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try BuiltBinary.run(Self.cross + ["--format", "svg"], in: Self.crossFolder)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let file = folder.appendingPathComponent("cross.svg")
        try outcome.stdout.write(to: file, atomically: true, encoding: .utf8)
        #expect(try SVGSummary(file).cellTitles.count == 2 * 2 * 3)
    }

    @Test func summaryRecordsTheMaskKindInJSONAndText() throws {
        let folder = try AttentionOptionsEndToEndTests.folder([
            "q.csv": "0.1,0.9\n-0.4,0.3\n", "k.csv": "1,0\n0,1\n1,1\n", "v.csv": "1,2\n3,4\n5,6\n",
            "mask.csv": "0,0,1\n0,0,0\n",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = [
            "attend", "-q", "q.csv", "-k", "k.csv", "-v", "v.csv", "--mask", "mask.csv", "--mask-kind", "block",
        ]
        let object = try AttentionOptionsEndToEndTests.json(base, in: folder)
        #expect(object["mask"] as? String == "block" && object["causal"] as? Bool == false)
        #expect(abs((object["scale"] as? Double ?? 0) - 1 / 2.0.squareRoot()) < 1e-15)
        let text = try BuiltBinary.run(base, in: folder)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.split(separator: "\n").contains("not causal   mask: block"))
    }

    @Test func whatCannotBeWrittenUpIsRefused() throws {
        let batch = BuiltBinary.packageRoot.appendingPathComponent("examples/batch-npy")
        let batchRun = [
            "run", "-x", "x.npy", "--wq", "wq.csv", "--wk", "wk.csv", "--wv", "wv.csv", "--wo", "wo.csv", "--heads",
            "2",
        ]
        let answer = BuiltBinary.packageRoot.appendingPathComponent("examples/check-forgotten-scale/answer.csv").path
        let cases: [([String], URL, String)] = [
            (
                batchRun + ["--format", "latex"], batch,
                "--format latex writes up one sequence, but the input is a batch of 3 sequences"
            ),
            (
                batchRun + ["--heatmap", "b.svg"], batch,
                "--heatmap FILE.svg draws one sequence, but the input is a batch of 3 sequences"
            ),
            (["check"] + batchRun.dropFirst() + ["--answer", answer], batch, "the input is a batch (3-D .npy)"),
            (
                ["check"] + Self.cross.dropFirst() + ["--answer", answer], Self.crossFolder,
                "check does not take --memory: cross-attention problems cannot be checked yet"
            ),
            (
                Self.attend + ["--heatmap-scale", "absolute"], Self.attendFolder,
                "--heatmap-scale sets the heatmap's shades"
            ),
            (Self.attend + ["--steps", "--show", "weights"], Self.attendFolder, "--steps prints every part in order"),
        ]
        for (arguments, folder, message) in cases {
            let outcome = try BuiltBinary.run(arguments, in: folder)
            #expect(outcome.status == 64, "\(arguments): \(outcome.stderr)")
            #expect(
                outcome.stderr.contains(message) && outcome.stderr.split(separator: "\n").count == 1,
                "\(outcome.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("b.svg").path))
        }
    }
}
