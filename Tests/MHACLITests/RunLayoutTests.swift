import Foundation
import Testing

/// The weight-source options of `run` give the same result as the plain files: PyTorch's
/// layout (transposed files), the packed in_proj_weight, and `--weights identity`.
@Suite struct RunLayoutTests {
    static let example = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads")

    /// The rows of an example CSV (comments skipped).
    static func rows(_ name: String) throws -> [[String]] {
        let text = try String(contentsOf: example.appendingPathComponent(name), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// `rows` as CSV text.
    static func csv(_ rows: [[String]]) -> String {
        rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// The transpose of `rows`.
    static func transposed(_ rows: [[String]]) -> [[String]] {
        (0..<(rows.first?.count ?? 0)).map { j in rows.map { $0[j] } }
    }

    /// `run` on the example's own files, as CSV with 12 decimals.
    static func reference(_ extra: [String] = []) throws -> BuiltBinary.Outcome {
        let e = example.path
        return try BuiltBinary.run(
            [
                "run", "-x", "\(e)/x.csv", "--wq", "\(e)/wq.csv", "--wk", "\(e)/wk.csv",
                "--wv", "\(e)/wv.csv", "--wo", "\(e)/wo.csv", "--heads", "2",
                "--format", "csv", "--precision", "12",
            ] + extra)
    }

    @Test func torchLayoutReadsTransposedWeights() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var arguments = [
            "run", "-x", Self.example.appendingPathComponent("x.csv").path, "--heads", "2", "--layout", "torch",
            "--format", "csv", "--precision", "12",
        ]
        for name in ["wq", "wk", "wv", "wo"] {
            let path = folder.appendingPathComponent("\(name).csv")
            try Self.csv(Self.transposed(try Self.rows("\(name).csv"))).write(
                to: path, atomically: true, encoding: .utf8)
            arguments += ["--\(name)", path.path]
        }
        let torch = try BuiltBinary.run(arguments)
        let reference = try Self.reference()
        #expect(torch.status == 0 && reference.status == 0, "\(torch.stderr)")
        #expect(torch.stdout == reference.stdout)
    }

    @Test func packedInProjectionMatchesSeparateWeights() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let packed = try ["wq", "wk", "wv"].flatMap { Self.transposed(try Self.rows("\($0).csv")) }
        let path = folder.appendingPathComponent("in_proj.csv")
        try Self.csv(packed).write(to: path, atomically: true, encoding: .utf8)
        let e = Self.example.path
        let outcome = try BuiltBinary.run([
            "run", "-x", "\(e)/x.csv", "--in-proj", path.path, "--wo", "\(e)/wo.csv",
            "--heads", "2", "--format", "csv", "--precision", "12",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == (try Self.reference()).stdout)
        let both = try BuiltBinary.run(["run", "-x", "\(e)/x.csv", "--in-proj", path.path, "--wq", "\(e)/wq.csv"])
        #expect(
            both.status == 64
                && both.stderr == "mha-cli: error: --in-proj replaces --wq, --wk and --wv; do not give --wq too\n")
    }

    @Test func identityFillEqualsIdentityFiles() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let identity = (0..<4).map { i in (0..<4).map { $0 == i ? "1" : "0" } }
        let path = folder.appendingPathComponent("eye.csv")
        try Self.csv(identity).write(to: path, atomically: true, encoding: .utf8)
        let x = Self.example.appendingPathComponent("x.csv").path
        let files = try BuiltBinary.run([
            "run", "-x", x, "--wq", path.path, "--wk", path.path, "--wv", path.path,
            "--wo", path.path, "--heads", "2", "--format", "csv", "--precision", "12",
        ])
        let filled = try BuiltBinary.run([
            "run", "-x", x, "--weights", "identity", "--heads", "2", "--format", "csv", "--precision", "12",
        ])
        let partly = try BuiltBinary.run([
            "run", "-x", x, "--wq", path.path, "--weights", "identity", "--heads", "2",
            "--format", "csv", "--precision", "12",
        ])
        #expect(files.status == 0 && filled.status == 0 && partly.status == 0)
        #expect(filled.stdout == files.stdout && partly.stdout == files.stdout)
        #expect(filled.stdout != (try Self.reference()).stdout)
    }
}
