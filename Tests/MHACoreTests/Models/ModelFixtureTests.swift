import Testing

@testable import MHACore

/// The engine against PyTorch and Hugging Face transformers layers in float64
/// (Fixtures/make_model_fixtures.py): every case through the plain path (weights and score
/// stages kept) and the streamed, tiled path (nothing kept), relative error ≤ 1e-12.
@Suite struct ModelFixtureTests {
    static let names = [
        "sdpa_gqa", "sdpa_bool_mask", "sdpa_additive_mask", "sdpa_key_padding_block", "sdpa_causal_lower_right",
        "sdpa_batch_masks", "mha_cross_kdim", "hf_llama_rope_gqa", "hf_llama_position_offset", "hf_llama_kv_cache",
        "hf_gptj_partial_interleaved", "hf_mistral_window", "hf_mistral_window_tiles", "hf_gemma2_softcap",
        "hf_bloom_alibi6", "hf_bloom_alibi_tiles", "hf_bart_cross", "hf_gpt2_c_attn",
    ]

    @Test func everyFixtureIsListed() throws {
        #expect(try ModelFixture.allNames() == (Self.names + ["alibi_slopes_12"]).sorted())
    }

    @Test(arguments: names)
    func matchesReference(_ name: String) throws {
        let f = try ModelFixture.named(name)
        for keep in [Intermediates([.qkv, .scores, .weights]), []] {
            let path = keep.isEmpty ? "streamed" : "plain"
            let results = try run(f, keep: keep)
            let key = f.kind == "attend" ? "concat" : "output"
            let expected = try #require(f.expected[key], "\(name) has no expected \(key)")
            #expect(results.count == expected.count, "\(name): batch of \(results.count), expected \(expected.count)")
            for (b, (result, reference)) in zip(results, expected).enumerated() {
                let actual = f.kind == "attend" ? result.concat : result.output
                expectClose(actual, reference, relativeTolerance: 1e-12, "\(name) \(path) batch \(b) \(key)")
                #expect(
                    result.warnings.allSatisfy { if case .fullyMaskedRow = $0 { false } else { true } },
                    "\(name): \(result.warnings)")
            }
        }
    }

    /// Single precision on the streamed path: within float32's rounding of the float64 answer
    /// (measured against the largest magnitude).
    @Test(arguments: names)
    func floatIsCloseToReference(_ name: String) throws {
        let f = try ModelFixture.named(name)
        let results = try run(f, keep: [], as: Float.self)
        let key = f.kind == "attend" ? "concat" : "output"
        for (result, reference) in zip(results, try #require(f.expected[key])) {
            expectClose(
                f.kind == "attend" ? result.concat : result.output, reference.converted(to: Float.self),
                relativeTolerance: 2e-5, normwise: true, "\(name) float")
        }
    }

    /// The engine on the fixture's inputs (converted to `S`): one result per batch entry.
    func run<S: AttentionScalar>(_ f: ModelFixture, keep: Intermediates, as _: S.Type = Double.self) throws
        -> [AttentionResult<S>]
    {
        let convert = { (list: [Matrix<Double>]?) in (list ?? []).map { $0.converted(to: S.self) } }
        let masks = convert(f.inputs["mask"]).map {
            AttentionMask($0, kind: AttentionMask<S>.Kind(rawValue: f.maskKind.rawValue) ?? .keep)
        }
        let configuration = f.configuration(keep: keep)
        if f.kind == "attend" {
            let (q, k, v) = (convert(f.inputs["q"]), convert(f.inputs["k"]), convert(f.inputs["v"]))
            let batch = (0..<q.count).map { (queries: q[$0], keys: k[$0], values: v[$0]) }
            return try MultiHeadAttention.attend(batch: batch, masks: masks, configuration: configuration)
        }
        return try MultiHeadAttention.forward(
            batch: convert(f.inputs["x"]), memories: convert(f.inputs["memory"]),
            parameters: f.parameters(S.self), masks: masks,
            configuration: configuration)
    }

    /// BLOOM's slopes for 12 heads (closest power 8, then every other slope of 16): equal to
    /// its float32 values to float32 precision and to the float64 formula exactly.
    @Test func alibiSlopesForTwelveHeads() throws {
        let f = try ModelFixture.named("alibi_slopes_12")
        let slopes = try Matrix(rows: 1, columns: 12, elements: try ALiBi.slopes(heads: 12))
        expectClose(slopes, try #require(f.expected["bloom_float32"]?.first), relativeTolerance: 2e-7)
        expectClose(slopes, try #require(f.expected["formula_float64"]?.first), relativeTolerance: 1e-15)
    }
}
