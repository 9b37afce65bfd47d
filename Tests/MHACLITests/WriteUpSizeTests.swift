import Foundation
import Testing

/// Write-ups of long sequences through the built binary: an SVG too large for the memory
/// left is refused up front (65, needed and available) instead of aborting, and a LaTeX
/// `--full` matrix larger than a page is split into blocks that pdflatex typesets whole.
@Suite struct WriteUpSizeTests {
    /// `--format svg` and `--heatmap h.svg` at n = 1024 (2 heads: 2 Mi cells, ~275 MB of SVG)
    /// under `ulimit -v` 400 MB: one line, 65, before the forward pass; no file left. (It
    /// aborted with 134 and a stack trace while building the text.)
    @Test func svgBeyondTheMemoryLeftIsRefusedWithBothSizes() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try WriteUpTests.csv(rows: 1024, columns: 8).write(
            to: folder.appendingPathComponent("x.csv"), atomically: true, encoding: .utf8)
        let base = ["run", "-x", "x.csv", "--weights", "random:1", "--heads", "2"]
        for (extra, what) in [
            (
                ["--format", "svg"],
                "computing and drawing the attention weights as SVG (2 heads × 1024 × 1024 cells) needs "
            ),
            (["--heatmap", "h.svg"], "and drawing the SVG heatmap (2 heads × 1024 × 1024 cells) needs "),
        ] {
            let run = try MemoryBudgetEndToEndTests.run(base + extra, kib: 400_000, threads: nil, in: folder)
            #expect(run.status == 65, "\(extra): \(run.stderr)")
            #expect(run.stderr.hasPrefix("mha-cli: error: ") && run.stderr.contains(what), "\(run.stderr)")
            #expect(run.stderr.hasSuffix(" available\n") && run.stderr.split(separator: "\n").count == 1)
            #expect(run.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("h.svg").path))
        }
        // A picture that fits is still drawn under the same limit: every cell, one tooltip each.
        try WriteUpTests.csv(rows: 64, columns: 8).write(
            to: folder.appendingPathComponent("x64.csv"), atomically: true, encoding: .utf8)
        let fits = try MemoryBudgetEndToEndTests.run(
            ["run", "-x", "x64.csv", "--weights", "random:1", "--heads", "2", "--format", "svg", "-o", "s.svg"],
            kib: 400_000, threads: nil, in: folder)
        #expect(fits.status == 0, "\(fits.stderr)")
        let svg = try SVGSummary(folder.appendingPathComponent("s.svg"))
        #expect(svg.cellTitles.count == 2 * 64 * 64)
    }

    /// Without `--tokens` the tooltip reads `query 0 → key 1: 0.0565`, single spaces; with
    /// names, each name follows its index in quotes.
    @Test func svgTooltipsHaveSingleSpacesWithAndWithoutNames() throws {
        let bundle = WriteUpTests.bundle
        let plain = try BuiltBinary.run(["run", "--bundle", bundle, "--format", "svg"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("<title>head 1, query 0 → key 1: 0.0565</title>"))
        #expect(!plain.stdout.contains("  →") && !plain.stdout.contains(" :"))
        let named = try BuiltBinary.run(["run", "--bundle", bundle, "--format", "svg", "--tokens", "a,b,c"])
        #expect(named.stdout.contains("<title>head 1, query 0 “a” → key 1 “b”: 0.0565</title>"))
    }

    /// `--format latex --full` at n = 40: each 40 × 40 weights matrix is 10 blocks of at most
    /// 32 × 8, none a float; pdflatex compiles it with no float too large, no overfull box,
    /// and the .tex holds every entry once. (A 100-row matrix was one float that ran off the
    /// page, with only a warning; 512 exhausted TeX's memory.)
    @Test(.enabled(if: WriteUpTests.pdflatex != nil, "pdflatex is not installed (.ci/run installs texlive-latex-base)"))
    func latexFullSplitsMatricesLargerThanAPageIntoBlocksThatCompile() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tex = try BuiltBinary.run(
            [
                "run", "-x", "-", "--weights", "random:3", "--heads", "2", "--format", "latex", "--full",
                "--show", "weights,output",
            ], stdin: WriteUpTests.csv(rows: 40, columns: 4))
        #expect(tex.status == 0, "\(tex.stderr)")
        let document = tex.stdout
        #expect(!document.contains("\\begin{table}"))  // 40 × 40 and 40 × 4: both split (40 rows > 32)
        #expect(document.components(separatedBy: "\\begin{bmatrix}").count - 1 == 2 * 10 + 2)
        #expect(document.contains("\\par\\noindent rows 32--39, columns 32--39:"))
        #expect(document.contains("\\setcounter{MaxMatrixCols}{10}"))
        var entries = 0
        var inside = false
        for line in document.split(separator: "\n") {
            if line.hasSuffix("\\begin{bmatrix}") {
                inside = true
            } else if line.hasPrefix("\\end{bmatrix}") {
                inside = false
            } else if inside {
                entries += line.split(separator: "&").count
            }
        }
        #expect(entries == 2 * 40 * 40 + 40 * 4)
        try document.write(to: folder.appendingPathComponent("blocks.tex"), atomically: true, encoding: .utf8)
        let outcome = try BuiltBinary.launch(
            URL(fileURLWithPath: try #require(WriteUpTests.pdflatex)),
            ["-interaction=nonstopmode", "-halt-on-error", "blocks.tex"], in: folder)
        #expect(outcome.status == 0, "\(outcome.stdout.suffix(800))")
        let log = try String(contentsOf: folder.appendingPathComponent("blocks.log"), encoding: .utf8)
        for problem in ["Float too large", "Overfull", "TeX capacity exceeded"] {
            #expect(!log.contains(problem), "pdflatex: \(problem)")
        }
    }
    /// An 8-column matrix of signed numbers at 4 decimals (about 390 pt) is wider than an
    /// article's line (345 pt): such a table is set in a box TeX measures and scales to the
    /// line width (`\resizebox` only when wider); a 3-column one stays a plain `\[ … \]`.
    @Test func latexTablesThatMayBeWiderThanTheLineAreMeasuredAndFitted() throws {
        let tex = try BuiltBinary.run(
            [
                "run", "-x", "-", "--weights", "random:3", "--heads", "2", "--format", "latex",
                "--show", "weights,output",
            ], stdin: WriteUpTests.csv(rows: 3, columns: 8))
        #expect(tex.status == 0, "\(tex.stderr)")
        let lines = tex.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("\\sbox0{$\\displaystyle \\mathrm{output} = "))
        #expect(lines.contains("$}\\ifdim\\wd0>\\linewidth\\resizebox{\\linewidth}{!}{\\usebox0}\\else\\usebox0\\fi"))
        #expect(lines.contains("\\[ \\mathrm{weights}_{1} = "))  // 3 × 3
    }

    /// The 8-column matrices at n = 30 of every part, with and without `--full`, compile with
    /// no overfull box (Q, K, V, concat and output ran 44–65 pt into the margin).
    @Test(
        .enabled(if: WriteUpTests.pdflatex != nil, "pdflatex is not installed (.ci/run installs texlive-latex-base)"),
        arguments: [false, true])
    func latexEightColumnMatricesFitTheLine(_ full: Bool) throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tex = try BuiltBinary.run(
            [
                "run", "-x", "-", "--weights", "random:3", "--heads", "2", "--causal", "--format", "latex",
                "--show", "qkv,scores,weights,heads,concat,output", "-o", "t.tex",
            ] + (full ? ["--full"] : []), stdin: WriteUpTests.csv(rows: 30, columns: 8), in: folder)
        #expect(tex.status == 0, "\(tex.stderr)")
        let outcome = try BuiltBinary.launch(
            URL(fileURLWithPath: try #require(WriteUpTests.pdflatex)),
            ["-interaction=nonstopmode", "-halt-on-error", "t.tex"], in: folder)
        #expect(outcome.status == 0, "\(outcome.stdout.suffix(800))")
        let log = try String(contentsOf: folder.appendingPathComponent("t.log"), encoding: .utf8)
        for problem in ["Float too large", "Overfull", "TeX capacity exceeded"] {
            #expect(!log.contains(problem), "pdflatex: \(problem)")
        }
    }
}
