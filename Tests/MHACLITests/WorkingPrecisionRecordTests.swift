import Foundation
import Testing

/// `--float` is recorded in what is printed (QA s24, F23): a saved report or a pasted
/// write-up made in float32 says so, since its numbers differ from float64's from about the
/// 8th digit. JSON always has `precision`; the text header, LaTeX, Markdown and SVG name
/// float32 and leave the default float64 unsaid.
@Suite struct WorkingPrecisionRecordTests {
    static let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path

    static func run(_ extra: [String], float: Bool) throws -> String {
        let outcome = try BuiltBinary.run(["run", "--bundle", bundle] + extra + (float ? ["--float"] : []))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return outcome.stdout
    }

    @Test(arguments: [false, true])
    func jsonHasThePrecision(_ float: Bool) throws {
        let text = try Self.run(["--format", "json"], float: float)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["precision"] as? String == (float ? "float32" : "float64"))
    }

    @Test(arguments: [false, true])
    func batchJSONHasThePrecision(_ float: Bool) throws {
        // A 3-D .npy input: 2 sequences of 2 tokens × 4.
        let folder = try ScratchFolder()
        let values: [Double] = [1, 2, 3, 4, 0, 1, 0, 1, 1, 0, 0, 1, 2, 2, 2, 2]
        try folder.write(
            "x.npy",
            HostileInputTests.npy(
                header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 4), }",
                payload: values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }))
        let outcome = try folder.run(
            ["run", "-x", "x.npy", "--weights", "identity", "--heads", "2", "--format", "json"]
                + (float ? ["--float"] : []))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("\"precision\":\"\(float ? "float32" : "float64")\""), "\(outcome.stdout)")
    }

    @Test(arguments: [false, true])
    func textHeaderNamesFloat32(_ float: Bool) throws {
        let lines = try Self.run([], float: float).split(separator: "\n")
        #expect(lines.count > 2)
        let named = lines.prefix(3).contains { $0.hasSuffix("   computed in float32") }
        #expect(named == float, "\(lines.prefix(3))")
        #expect(!lines.contains { $0.contains("float64") })
    }

    @Test(arguments: ["latex", "markdown"], [false, true])
    func writeUpsNameFloat32(_ format: String, _ float: Bool) throws {
        let document = try Self.run(["--format", format], float: float)
        let summary = try #require(
            document.split(separator: "\n").first { $0.contains("no mask") && !$0.hasPrefix("%") },
            "\(document.prefix(400))")
        #expect(summary.hasSuffix("no mask \(format == "latex" ? "$\\cdot$" : "·") computed in float32") == float)
        #expect(summary.contains("float32") == float)
        if format == "latex" {
            #expect(
                document.hasPrefix("% Written by mha-cli: ") && document.contains("· computed in float32\n") == float)
        }
    }

    @Test(arguments: [false, true])
    func svgNamesFloat32(_ float: Bool) throws {
        let svg = try Self.run(["--format", "svg"], float: float)
        #expect(svg.contains("(rows: queries, columns: keys), computed in float32</title>") == float)
        #expect(svg.contains("grey: 0 (masked); computed in float32</text>") == float)
        #expect(!svg.contains("float64"))
    }
}
