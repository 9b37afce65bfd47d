import Testing

@testable import MHACore

/// The engine against numpy's float64 reference (Fixtures/make_attention_fixtures.py), at
/// every instruction-set level this machine runs.
@Suite struct ReferenceFixtureTests {
    static let names = [
        "single_head", "two_heads", "four_heads_causal", "eight_heads_biases", "one_token",
        "n_not_d_model_causal", "grouped_query", "multi_query", "torch_layout", "packed_in_proj",
        "d768_h12", "user_mask_scale", "user_mask_causal",
    ]

    @Test func everyFixtureIsListed() throws {
        #expect(try AttentionFixture.all().map(\.name).sorted() == Self.names.sorted())
    }

    @Test(arguments: names, CPULevel.runnable)
    func doubleMatchesReference(_ name: String, level: CPULevel) throws {
        try KernelContext.$override.withValue(KernelContext(level: level, threads: 2)) {
            try check(name, Double.self, tolerance: 1e-12, normwise: false)
        }
    }

    @Test(arguments: names, CPULevel.runnable)
    func floatMatchesReference(_ name: String, level: CPULevel) throws {
        try KernelContext.$override.withValue(KernelContext(level: level, threads: 2)) {
            try check(name, Float.self, tolerance: 1e-5, normwise: true)
        }
    }

    /// Both engine paths: plain (weights kept) and streamed (nothing kept).
    func check<S: AttentionScalar>(_ name: String, _: S.Type, tolerance: S, normwise: Bool) throws {
        let f = try AttentionFixture.named(name)
        let x = f.inputs["x"]!.converted(to: S.self)
        let mask = f.mask?.converted(to: S.self)
        let plain = try MultiHeadAttention.forward(
            input: x, parameters: f.parameters(S.self), mask: mask,
            configuration: f.configuration(keep: [.weights]))
        let streamed = try MultiHeadAttention.forward(
            input: x, parameters: f.parameters(S.self), mask: mask,
            configuration: f.configuration())
        for (path, result) in [("plain", plain), ("streamed", streamed)] {
            #expect(result.heads.count == f.heads)
            for (j, head) in result.heads.enumerated() {
                expectClose(
                    head, f.expectedHeads[j].converted(to: S.self), relativeTolerance: tolerance,
                    normwise: normwise, "\(name) \(path) head \(j)")
            }
            expectClose(
                result.concat, f.expectedConcat.converted(to: S.self), relativeTolerance: tolerance,
                normwise: normwise, "\(name) \(path) concat")
            expectClose(
                result.output, f.expectedOutput.converted(to: S.self), relativeTolerance: tolerance,
                normwise: normwise, "\(name) \(path) output")
        }
        let weights = try #require(plain.weights)
        for (j, w) in weights.enumerated() {
            expectClose(
                w, f.expectedWeights[j].converted(to: S.self), relativeTolerance: tolerance,
                normwise: normwise, "\(name) weights \(j)")
        }
        #expect(streamed.weights == nil && streamed.scores == nil && streamed.queries == nil)
    }

    /// Every row i of a single-token run equals row i of the full run, causal or not.
    @Test(arguments: ["four_heads_causal", "n_not_d_model_causal", "grouped_query", "multi_query", "user_mask_causal"])
    func singleTokenRowsMatchFullRun(_ name: String) throws {
        let f = try AttentionFixture.named(name)
        let x = f.inputs["x"]!
        let full = try MultiHeadAttention.forward(
            input: x, parameters: f.parameters(Double.self), mask: f.mask,
            configuration: f.configuration(keep: [.weights]))
        for i in 0..<f.tokens {
            for keep in [Intermediates.weights, []] {
                let one = try MultiHeadAttention.forward(
                    input: x, parameters: f.parameters(Double.self), mask: f.mask,
                    configuration: f.configuration(keep: keep, token: i))
                #expect(one.shapes.queryRows == 1)
                expectClose(
                    one.output, full.output.rowBlock(i..<(i + 1)), relativeTolerance: 1e-13, "\(name) token \(i)")
                for j in 0..<f.heads {
                    expectClose(
                        one.heads[j], full.heads[j].rowBlock(i..<(i + 1)), relativeTolerance: 1e-13,
                        "\(name) token \(i) head \(j)")
                }
                if let weights = one.weights, let fullWeights = full.weights {
                    expectClose(weights[0], fullWeights[0].rowBlock(i..<(i + 1)), relativeTolerance: 1e-13)
                }
            }
        }
    }
}
