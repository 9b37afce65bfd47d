import Foundation
import Testing

/// Command-line weights override a bundle's packed `qkv` / `in_proj` and a packed flag
/// overrides a bundle's separate weights, as contract.md's `--bundle` row says (QA s26-docs
/// finding 1); a partial set beside a packed bundle is refused naming the bundle and the flag.
@Suite struct BundlePackedOverrideTests {
    static let x = "[[1,0,1,0],[0,2,0,1],[1,1,0,0]]"

    /// `rows` as CSV text.
    static func csv(_ rows: [[Double]]) -> String {
        rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// I₄ scaled by `s`.
    static func identity(_ s: Double) -> [[Double]] {
        (0..<4).map { i in (0..<4).map { j in i == j ? s : 0 } }
    }

    /// A folder with `packed.json` (qkv = [2I | 3I | 5I]), `split.json` (2I, 3I, 5I separate),
    /// `w.csv` (I) and `in_proj.csv` (I stacked three times).
    static func folder() throws -> ScratchFolder {
        let folder = try ScratchFolder()
        func json(_ rows: [[Double]]) -> String {
            "[" + rows.map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        }
        let (a, b, c) = (identity(2), identity(3), identity(5))
        let qkv = (0..<4).map { a[$0] + b[$0] + c[$0] }
        try folder.write("packed.json", #"{"x": \#(x), "heads": 2, "qkv": \#(json(qkv)), "wo": \#(json(identity(1)))}"#)
        try folder.write(
            "split.json",
            #"{"x": \#(x), "heads": 2, "wq": \#(json(a)), "wk": \#(json(b)), "wv": \#(json(c)), "wo": \#(json(identity(1)))}"#
        )
        try folder.write("w.csv", csv(identity(1)))
        try folder.write("in_proj.csv", csv(identity(1) + identity(1) + identity(1)))
        return folder
    }

    /// The numbers of a CSV output.
    static func numbers(_ text: String) -> [Double] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" }).compactMap { Double($0) }
    }

    static func expectClose(_ a: [Double], _ b: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count && !a.isEmpty, sourceLocation: sourceLocation)
        for (u, v) in zip(a, b) {
            #expect(abs(u - v) <= 1e-12 * max(1, abs(v)), "\(u) vs \(v)", sourceLocation: sourceLocation)
        }
    }

    @Test func separateFlagsReplaceABundlesPackedWeights() throws {
        let folder = try Self.folder()
        let flags = ["--wq", "w.csv", "--wk", "w.csv", "--wv", "w.csv", "--format", "csv"]
        let overridden = try folder.run(["run", "--bundle", "packed.json"] + flags)
        overridden.expectSuccess()
        let reference = try folder.run(["run", "--bundle", "split.json"] + flags)
        reference.expectSuccess()
        Self.expectClose(Self.numbers(overridden.stdout), Self.numbers(reference.stdout))
        let bundleAlone = try folder.run(["run", "--bundle", "packed.json", "--format", "csv"])
        bundleAlone.expectSuccess()
        #expect(Self.numbers(bundleAlone.stdout) != Self.numbers(overridden.stdout), "the flags changed nothing")
    }

    @Test func aPackedFlagReplacesABundlesSeparateWeights() throws {
        let folder = try Self.folder()
        let packedFlag = try folder.run([
            "run", "--bundle", "split.json", "--in-proj", "in_proj.csv", "--format", "csv",
        ])
        packedFlag.expectSuccess()
        let separate = try folder.run([
            "run", "--bundle", "split.json", "--wq", "w.csv", "--wk", "w.csv", "--wv", "w.csv", "--format", "csv",
        ])
        separate.expectSuccess()
        Self.expectClose(Self.numbers(packedFlag.stdout), Self.numbers(separate.stdout))
    }

    @Test func aPartialSetBesideAPackedBundleNamesBoth() throws {
        let folder = try Self.folder()
        let partial = try folder.run(["run", "--bundle", "packed.json", "--wq", "w.csv"])
        partial.expectRefusal(64, "--wq (command line)", "packed.json's \"qkv\"", "--wk and --wv", "--qkv")
    }
}
