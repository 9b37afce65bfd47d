import Foundation
import Testing

/// Defects found by QA on main, each checked through the built binary as the user meets it.
@Suite struct QAFixesTests {
    static let twoHeads = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads")
    static let bundle = twoHeads.appendingPathComponent("bundle.json").path

    /// The JSON object a successful run printed.
    static func object(_ outcome: BuiltBinary.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    }

    @Test func benchJSONPrintsTheFLOPCountAsAnInteger() throws {
        let outcome = try BuiltBinary.run(["bench", "--seq-len", "8", "--d-model", "8", "--heads", "2",
                                           "--repeat", "1", "--format", "json"])
        #expect(outcome.status == 0)
        // 8·n·d² + 4·n²·d with n = d = 8
        #expect(outcome.stdout.contains("\"flops\":\(8 * 8 * 64 + 4 * 64 * 8)}") || outcome.stdout.contains("\"flops\":\(8 * 8 * 64 + 4 * 64 * 8),"))
        #expect(!outcome.stdout.contains("\"flops\":\(8 * 8 * 64 + 4 * 64 * 8).0"))
    }

    @Test func shapesJSONIncludesTheExplanationOnlyWhenAsked() throws {
        let explained = try BuiltBinary.run(["shapes", "--d-model", "768", "--heads", "12", "--explain", "--format", "json"])
        let lines = try #require(try Self.object(explained)["explanation"] as? [String])
        #expect(lines.contains("d_k = d_model / τ = 768 / 12 = 64"))
        let plain = try BuiltBinary.run(["shapes", "--d-model", "768", "--heads", "12", "--format", "json"])
        #expect(try Self.object(plain)["explanation"] == nil)
    }

    @Test func inProjHelpSaysItsLayoutIsAlwaysPyTorchs() throws {
        let help = try BuiltBinary.run(["run", "--help"]).stdout
        let flattened = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flattened.contains("always PyTorch's out × in whatever --layout says, while --wo follows --layout"))
    }

    @Test func oneHeadConcatIsTitledAsTheHeadItself() throws {
        let one = try BuiltBinary.run(["run", "--bundle", Self.bundle, "--heads", "1"])
        #expect(one.status == 0)
        #expect(one.stdout.contains("\nconcat = head_1 · 3 × 4\n"))
        #expect(!one.stdout.contains("head_1 | … | head_1"))
        let two = try BuiltBinary.run(["run", "--bundle", Self.bundle])
        #expect(two.stdout.contains("\nconcat = [head_1 | … | head_2] · 3 × 4\n"))
    }
}
