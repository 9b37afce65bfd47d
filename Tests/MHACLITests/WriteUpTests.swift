import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `--format latex|markdown|svg` and `--heatmap FILE.svg` through the built binary.
@Suite struct WriteUpTests {
    static let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path
    static let pdflatex = ["/usr/bin/pdflatex", "/usr/local/bin/pdflatex"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let rsvg = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// A deterministic CSV matrix with values in [−1, 1].
    static func csv(rows: Int, columns: Int) -> String {
        var lines: [String] = []
        for i in 0..<rows {
            var fields: [String] = []
            for j in 0..<columns {
                let value = Double((i * 7 + j * 3) % 11) / 5 - 1
                fields.append(String(value))
            }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `-o F --heatmap F` would leave only one of the two: refused, and nothing written.
    @Test func heatmapFileAndOutputOnTheSameFileAreRefused() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try BuiltBinary.run(
            ["run", "--bundle", Self.bundle, "-o", "same.svg", "--heatmap", "./same.svg"], in: folder)
        #expect(outcome.status == 64)
        #expect(
            outcome.stderr
                == "mha-cli: error: --heatmap ./same.svg and -o same.svg name the same file; one would overwrite the other\n"
        )
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func latexHasACaptionedBmatrixPerPartAtThePrecisionAsked() throws {
        let outcome = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--format", "latex", "--precision", "3",
            "--show", "weights,heads,output",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let tex = outcome.stdout
        #expect(tex.components(separatedBy: "\\begin{bmatrix}").count - 1 == 5)  // 2 weights, 2 heads, output
        #expect(tex.components(separatedBy: "\\caption{").count - 1 == 5)
        #expect(tex.contains("\\caption{weights 1 of 2, $3 \\times 3$"))
        let entries = tex.split(separator: "\n").filter { $0.hasSuffix(" \\\\") }.flatMap {
            $0.dropLast(3).split(separator: "&")
        }
        #expect(!entries.isEmpty)
        for entry in entries {
            let number = entry.trimmingCharacters(in: .whitespaces)
            #expect(number.split(separator: ".").last?.count == 3, "\(number)")
        }
    }

    @Test(.enabled(if: pdflatex != nil, "pdflatex is not installed (.ci/run installs texlive-latex-base)"))
    func latexCompilesWithPdflatex() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Every part, and a 20 × 16 output that is elided (\cdots, \vdots, \ddots).
        let tex = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--format", "latex", "--show", "qkv,scores,weights,heads,concat,output",
            "--causal", "--tokens", "a_1,b&c,%d",
        ])
        #expect(tex.status == 0, "\(tex.stderr)")
        try tex.stdout.write(to: folder.appendingPathComponent("parts.tex"), atomically: true, encoding: .utf8)
        let large = try BuiltBinary.run(
            [
                "run", "--weights", "random:3", "-x", "-", "--heads", "4", "--format", "latex", "--show",
                "weights,output",
            ],
            stdin: Self.csv(rows: 20, columns: 16))
        #expect(large.status == 0, "\(large.stderr)")
        #expect(
            large.stdout.contains("\\ddots") && large.stdout.contains("\\vdots") && large.stdout.contains("\\cdots"))
        try large.stdout.write(to: folder.appendingPathComponent("large.tex"), atomically: true, encoding: .utf8)
        for name in ["parts", "large"] {
            let outcome = try BuiltBinary.launch(
                URL(fileURLWithPath: try #require(Self.pdflatex)),
                ["-interaction=nonstopmode", "-halt-on-error", "\(name).tex"], in: folder)
            #expect(outcome.status == 0, "\(name).tex: \(outcome.stdout.suffix(800))")
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(name).pdf").path))
        }
    }

    @Test(.enabled(if: pdflatex != nil, "pdflatex is not installed (.ci/run installs texlive-latex-base)"))
    func latexExampleCompiles() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let example = BuiltBinary.packageRoot.appendingPathComponent("examples/latex-write-up/expected")
        try FileManager.default.copyItem(at: example, to: folder.appendingPathComponent("example.tex"))
        let outcome = try BuiltBinary.launch(
            URL(fileURLWithPath: try #require(Self.pdflatex)),
            ["-interaction=nonstopmode", "-halt-on-error", "example.tex"], in: folder)
        #expect(outcome.status == 0, "\(outcome.stdout.suffix(800))")
    }

    @Test func svgExampleIsWellFormedXML() throws {
        let svg = try SVGSummary(BuiltBinary.packageRoot.appendingPathComponent("examples/svg-heatmap/expected"))
        #expect(svg.root == "svg" && svg.cellTitles.count == 18 && svg.texts.contains("cat"))
    }

    /// A write-up's summary names every score rule in force, as the text header does.
    @Test func writeUpsNameTheScoreRules() throws {
        for format in ["markdown", "latex"] {
            let outcome = try BuiltBinary.run(
                [
                    "run", "-x", "-", "--weights", "identity", "--heads", "2", "--causal", "--window", "2", "--alibi",
                    "--rope", "half", "--softcap", "2", "--format", format,
                ], stdin: "1,2,3,4\n5,6,7,8\n")
            #expect(outcome.status == 0, "\(outcome.stderr)")
            for rule in ["RoPE half", "soft-cap 2", "ALiBi", "window 2"] {
                #expect(outcome.stdout.contains(rule), "\(format): \(rule) missing")
            }
            #expect(!outcome.stdout.contains("?"), "\(format): a character LaTeX cannot show became '?'")
        }
    }

    @Test func markdownIsATablePerPartWithTokenLabels() throws {
        let outcome = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--format", "markdown", "--show", "weights,output",
            "--tokens", "The,c|t,sat",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.filter { $0.hasPrefix("### ") }.count == 3)
        #expect(lines.contains("### weights 1 of 2 · 3 × 3"))
        #expect(lines.contains("|   | The | c\\|t | sat |"))
        #expect(lines.filter { $0.hasPrefix("| **") }.count == 9)
        let row = try #require(lines.first { $0.hasPrefix("| **The** |") })
        #expect(row.split(separator: "|").count == 4)
    }

    /// The SVG parsed as XML: one <rect> with a <title> per weight of every head, labels from
    /// --tokens, a legend; at n = 64 every token, unsampled.
    @Test func svgHeatmapIsWellFormedXMLWithATooltipPerCell() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("heat.svg")
        let outcome = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "--tokens", "The,<cat>,sat", "--heatmap", file.path,
            "--show", "output",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("output = concat · W^o"))  // the text report still goes to stdout
        let svg = try SVGSummary(file)
        #expect(svg.root == "svg")
        #expect(svg.cellTitles.count == 2 * 3 * 3)
        #expect(svg.cellTitles.contains { $0.hasPrefix("head 2, query 1 “<cat>” → key 0 “The”: 0.") })
        #expect(
            svg.texts.contains("<cat>") && svg.texts.contains { $0.hasPrefix("colour: weight relative to each head") })

        let tokens = (0..<64).map { "t\($0)" }.joined(separator: ",")
        let big = try BuiltBinary.run(
            [
                "run", "--weights", "random:1", "-x", "-", "--heads", "2", "--causal", "--format", "svg",
                "--tokens", tokens, "--heatmap-scale", "absolute",
            ], stdin: Self.csv(rows: 64, columns: 4))
        #expect(big.status == 0, "\(big.stderr)")
        let bigFile = folder.appendingPathComponent("big.svg")
        try big.stdout.write(to: bigFile, atomically: true, encoding: .utf8)
        let bigSVG = try SVGSummary(bigFile)
        #expect(bigSVG.cellTitles.count == 2 * 64 * 64)
        #expect(bigSVG.texts.contains("t63"))
        #expect(bigSVG.texts.contains { $0.contains("the same 0…1 scale for every head") })
        #expect(bigSVG.minimumCellSize >= 12)
    }

    /// The SVG pictures the weights: a --show naming another part is refused, never ignored.
    @Test func svgRefusesAShowItCannotDraw() throws {
        let refused = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "svg", "--show", "output"])
        #expect(refused.status == 64 && refused.stdout.isEmpty)
        #expect(
            refused.stderr.hasPrefix(
                "mha-cli: error: --format svg draws the attention weights of every head; --show output")
                && refused.stderr.split(separator: "\n").count == 1)
        let weights = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--format", "svg", "--show", "weights"])
        #expect(weights.status == 0 && weights.stdout.hasPrefix("<"), "\(weights.stderr)")
    }

    @Test(.enabled(if: rsvg != nil, "rsvg-convert is not installed (apt-get install librsvg2-bin)"))
    func svgRendersWithRsvgConvert() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--tokens", "The,cat,sat", "--format", "svg"])
        try svg.stdout.write(to: folder.appendingPathComponent("h.svg"), atomically: true, encoding: .utf8)
        let outcome = try BuiltBinary.launch(
            URL(fileURLWithPath: try #require(Self.rsvg)), ["h.svg", "-o", "h.png"], in: folder)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let png = try Data(contentsOf: folder.appendingPathComponent("h.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func outputFileExtensionPicksTheWriteUpFormat() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, start) in [("a.tex", "% Written by mha-cli"), ("a.md", "input H · 3 × 4"), ("a.SVG", "<?xml")] {
            let path = folder.appendingPathComponent(name).path
            let outcome = try BuiltBinary.run(["run", "--bundle", Self.bundle, "-o", path])
            #expect(outcome.status == 0 && outcome.stdout.isEmpty, "\(name): \(outcome.stderr)")
            #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix(start), "\(name)")
        }
        let clash = try BuiltBinary.run([
            "run", "--bundle", Self.bundle, "-o", folder.appendingPathComponent("b.tex").path,
            "--format", "markdown",
        ])
        #expect(clash.status == 64 && clash.stderr.contains("--format markdown contradicts -o"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("b.tex").path))
    }

    @Test func optionsThatWouldBeIgnoredAreRefused() throws {
        for (arguments, message) in [
            (["--steps", "--show", "weights"], "--steps prints every part in order"),
            (["--format", "csv", "--tokens", "a,b,c"], "--format csv holds bare matrices"),
            (["--format", "npy", "--show", "output", "--tokens", "a,b,c"], "--format npy holds bare matrices"),
            (["--format", "tsv", "--tokens", "a,b,c"], "--format tsv holds bare matrices"),
            (["--heatmap-scale", "absolute"], "--heatmap-scale sets the heatmap's shades"),
            (["--heatmap", "out.png"], "expected a file ending in .svg"),
            (["--format", "json", "--precision", "3"], "--format json always prints shortest round-trip numbers"),
            (["--format", "csv", "--full"], "--format csv always holds every value"),
        ] {
            let outcome = try BuiltBinary.run(["run", "--bundle", Self.bundle] + arguments)
            #expect(outcome.status == 64, "\(arguments)")
            #expect(
                outcome.stderr.contains(message) && outcome.stderr.split(separator: "\n").count == 1,
                "\(outcome.stderr)")
        }
    }
}

/// What the SVG tests look at, from Foundation's XMLParser.
struct SVGSummary {
    var root = ""
    var cellTitles: [String] = []
    var texts: [String] = []
    var minimumCellSize = Double.infinity

    init(_ url: URL) throws {
        let parser = XMLParser(data: try Data(contentsOf: url))
        let delegate = Delegate()
        parser.delegate = delegate
        #expect(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        root = delegate.elements.first ?? ""
        cellTitles = delegate.cellTitles
        texts = delegate.texts
        minimumCellSize = delegate.minimumCellSize
    }

    final class Delegate: NSObject, XMLParserDelegate {
        var elements: [String] = []
        var stack: [String] = []
        var text = ""
        var cellTitles: [String] = []
        var texts: [String] = []
        var minimumCellSize = Double.infinity

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            elements.append(name)
            stack.append(name)
            text = ""
            if name == "rect", attributes["fill"] != "none", attributes["fill"] != "white",
                let width = attributes["width"].flatMap(Double.init), attributes["height"] == attributes["width"],
                width < 100
            {
                minimumCellSize = min(minimumCellSize, width)
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
            if name == "title", stack.last == "rect" { cellTitles.append(text) }
            if name == "text" { texts.append(text) }
            text = ""
        }
    }
}
