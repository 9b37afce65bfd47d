import Foundation
import Testing

/// QA s26-lib through the built binary: a head width whose widths τ·d_k (or the packed width
/// τ·d_k + 2·g·d_k) overflow a 64-bit integer is refused with one line, as `shapes` refuses
/// it, instead of trapping (exit 132, no message) with given weights.
@Suite("Library findings (QA s26-lib)")
struct LibraryFindingsS26Tests {
    /// H (2×4) and a 4×4 identity for every weight.
    static func folder() throws -> ScratchFolder {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,0,1,0\n0,1,0,1\n")
        try folder.write("i.csv", "1,0,0,0\n0,1,0,0\n0,0,1,0\n0,0,0,1\n")
        return folder
    }

    static let weights = ["--wq", "i.csv", "--wk", "i.csv", "--wv", "i.csv", "--wo", "i.csv"]

    @Test("a huge --head-dim with given weights is a usage error (64) in run, attend and decode")
    func hugeHeadDimFlagIsRefused() throws {
        let folder = try Self.folder()
        let huge = String(Int.max / 2 + 1)
        let cases: [(arguments: [String], stdin: String?, words: [String])] = [
            (["run", "-x", "x.csv"] + Self.weights + ["--heads", "2", "--head-dim", huge], nil, ["2 × \(huge)"]),
            (
                ["attend", "-q", "x.csv", "-k", "x.csv", "-v", "x.csv", "--heads", "2", "--head-dim", huge], nil,
                ["2 × \(huge)"]
            ),
            (["decode"] + Self.weights + ["--heads", "2", "--head-dim", huge], "x.csv", ["2 × \(huge)"]),
            (
                ["run", "-x", "x.csv"] + Self.weights + ["--heads", "3", "--head-dim", "3074457345618258603"], nil,
                ["3 × 3074457345618258603"]
            ),
            // τ·d_k fits, the packed width τ·d_k + 2·g·d_k does not.
            (
                ["run", "-x", "x.csv"] + Self.weights + ["--heads", "1", "--head-dim", huge], nil, ["the sum \(huge) +"]
            ),
        ]
        for (arguments, stdin, words) in cases {
            let run = try folder.run(arguments, stdinFile: stdin)
            run.expectRefusal(64, "is too large to compute (overflows a 64-bit integer)")
            for word in words { #expect(run.stderr.contains(word), "\(arguments): \(run.stderr)") }
        }
    }

    @Test("the same overflow from a bundle's head_dim is bad data (65) naming the bundle")
    func hugeHeadDimFromABundleNamesTheFile() throws {
        let folder = try Self.folder()
        let d = String(1 << 53)
        try folder.write("b.json", "{\"heads\": 2048, \"head_dim\": \(d)}\n")
        let run = try folder.run(["run", "--bundle", "b.json", "-x", "x.csv"] + Self.weights)
        run.expectRefusal(65, "b.json: 2048 × \(d) is too large to compute")
        try folder.write("h.json", "{\"heads\": 2048}\n")
        let flag = try folder.run(["run", "--bundle", "h.json", "--head-dim", d, "-x", "x.csv"] + Self.weights)
        flag.expectRefusal(64, "2048 × \(d) is too large to compute")
    }

    @Test("docs/output.md states the SVG's float32 wording as the SVG prints it")
    func svgPrecisionWordingMatchesTheDocs() throws {
        let folder = try Self.folder()
        let made = try folder.run(["init", "--d-model", "8", "--heads", "2", "--seq-len", "5", "-o", "b.json"])
        #expect(made.status == 0, "\(made.stderr)")
        let svg = try folder.run(["run", "--bundle", "b.json", "--float", "--format", "svg"])
        #expect(svg.status == 0, "\(svg.stderr)")
        let doc = try String(
            contentsOf: BuiltBinary.packageRoot.appendingPathComponent("docs/output.md"), encoding: .utf8)
        let flat = doc.split(whereSeparator: \.isNewline).joined(separator: " ")
        #expect(svg.stdout.contains(", computed in float32</title>"))
        #expect(svg.stdout.contains("; computed in float32<"))
        #expect(flat.contains("the SVG's title in `, computed in float32` and its legend in `; computed in float32`"))
    }
}
