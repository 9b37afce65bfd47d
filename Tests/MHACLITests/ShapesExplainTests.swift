import Testing

/// `shapes --explain`: the arithmetic as a student writes it, in order.
@Suite struct ShapesExplainTests {
    @Test func textbookQuestionIsWrittenOutInOrder() throws {
        let outcome = try BuiltBinary.run(["shapes", "--d-model", "768", "--heads", "12", "--explain"])
        #expect(outcome.status == 0 && outcome.stderr.isEmpty)
        let expectedInOrder = [
            "the arithmetic, step by step:",
            "  d_k = d_model / τ = 768 / 12 = 64",
            "  concat = τ · d_k = 12 · 64 = 768",
            "  W^q: d_model × d_model = 768 × 768; head j (1…12) uses the slice W^q_j: 768 × 64 (columns (j−1)·64 ..< j·64)",
            "  head_j = softmax(scores_j) · V_j: (n × n) · (n × 64) = n × 64",
            "  a single head's output is n × 64, not n × 768",
            "  W^o: τ·d_k × d_model = 768 × 768",
            "  output = concat · W^o: (n × 768) · (768 × 768) = n × 768",
        ]
        var rest = Substring(outcome.stdout)
        for line in expectedInOrder {
            guard let found = rest.range(of: "\n" + line) else {
                Issue.record("missing, or out of order: \(line)")
                return
            }
            rest = rest[found.upperBound...]
        }
    }

    @Test func eightHeadsOf64DeriveTheModelWidth() throws {
        let outcome = try BuiltBinary.run(["shapes", "--heads", "8", "--head-dim", "64", "--explain"])
        #expect(outcome.stdout.contains("\n  d_model = τ · d_k = 8 · 64 = 512\n  concat = τ · d_k = 8 · 64 = 512\n"))
        #expect(outcome.stdout.contains("W^o: τ·d_k × d_model = 512 × 512"))
    }

    @Test func explainIsOnlyPrintedWhenAsked() throws {
        let outcome = try BuiltBinary.run(["shapes", "--d-model", "768", "--heads", "12"])
        #expect(!outcome.stdout.contains("step by step"))
    }
}
