import Foundation
import Testing

/// The JSON keys `run` and `attend` print are the ones contract.md and checkpoints.md document
/// (QA s26-docs finding 7: `positions` was missing from the contract, `rope.scaling` and
/// `qk_norm` from the sample).
@Suite struct JSONKeysDocumentedTests {
    static func page(_ name: String) throws -> String {
        try String(contentsOf: BuiltBinary.packageRoot.appendingPathComponent("docs/\(name)"), encoding: .utf8)
    }

    /// The JSON object `arguments` print.
    static func object(_ arguments: [String]) throws -> [String: Any] {
        let run = try BuiltBinary.run(arguments, in: BuiltBinary.packageRoot)
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8), options: [.fragmentsAllowed])
        return try #require(parsed as? [String: Any])
    }

    static let bundle = ["run", "--bundle", "examples/two-heads/bundle.json", "--format", "json"]

    @Test func contractNamesEveryTopLevelKeyOfRun() throws {
        let contract = try Self.page("contract.md")
        let start = try #require(contract.range(of: "### JSON output of run"))
        let end =
            contract.range(of: "\n### ", range: start.upperBound..<contract.endIndex)?.lowerBound ?? contract.endIndex
        let section = contract[start.upperBound..<end]
        for key in try Self.object(Self.bundle).keys {
            #expect(
                section.contains("`\(key)`") || section.contains("\"\(key)\""),
                "contract.md's JSON section does not name \(key)")
        }
        for key in try #require(
            Self.object(Self.bundle + ["--rope", "half", "--qk-norm", "head"])["positions"] as? [String: Any]
        ).keys {
            #expect(section.contains("\"\(key)\""), "contract.md's JSON section does not name positions.\(key)")
        }
    }

    @Test func checkpointsSampleHasThePrintedPositionsKeys() throws {
        let page = try Self.page("checkpoints.md")
        let marker = "\"positions\": "
        let line = try #require(page.components(separatedBy: "\n").first { $0.contains(marker) })
        let sampleText = try #require(line.components(separatedBy: marker).last)
        let sample = try #require(
            try JSONSerialization.jsonObject(with: Data(sampleText.utf8)) as? [String: Any], "sample is not JSON")
        let printed = try #require(
            Self.object(Self.bundle + ["--rope", "half"])["positions"] as? [String: Any])
        #expect(Set(sample.keys) == Set(printed.keys))
        let sampleRope = try #require(sample["rope"] as? [String: Any])
        let printedRope = try #require(printed["rope"] as? [String: Any])
        #expect(Set(sampleRope.keys) == Set(printedRope.keys))
    }
}
