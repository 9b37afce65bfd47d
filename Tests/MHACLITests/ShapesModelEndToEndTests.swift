import Foundation
import Testing

/// `mha-cli shapes` for the layers of DESIGN §4, end to end: heads not d_model/τ wide, d_v,
/// cross-attention's memory and the KV cache.
@Suite struct ShapesModelEndToEndTests {
    func json(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let outcome = try BuiltBinary.run(["shapes", "--format", "json"] + arguments)
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any],
                            sourceLocation: sourceLocation)
    }

    /// Llama-2-7B: 32 layers × 32 heads of 128 in f16 → 512 KiB per token.
    @Test func llamaKVCacheIs512KiBPerToken() throws {
        let text = try BuiltBinary.run(["shapes", "--d-model", "4096", "--heads", "32", "--layers", "32", "--dtype", "f16",
                                        "--seq-len", "4096"])
        #expect(text.status == 0)
        #expect(text.stdout.hasSuffix("\nKV cache  524288 bytes (512.0 KiB) per token, 32 layers in f16; 4096 tokens: 2147483648 bytes (2.0 GiB)\n"))
        let object = try json(["--d-model", "4096", "--heads", "32", "--layers", "32", "--dtype", "f16"])
        let cache = try #require(object["kv_cache"] as? [String: Any])
        #expect(cache["bytes_per_token"] as? Int == 524_288 && cache["bytes"] as? String == "524288·n")
        #expect(cache["layers"] as? Int == 32 && cache["dtype"] as? String == "f16")
        #expect(try json(["--d-model", "4096", "--heads", "32"])["kv_cache"] == nil)
    }

    @Test func gemmaHeadsWiderThanModelOverHeads() throws {
        let object = try json(["--d-model", "3072", "--heads", "16", "--head-dim", "256", "--seq-len", "10"])
        let tensors = try #require(object["tensors"] as? [String: [Int]])
        #expect(tensors["wq"] == [3072, 4096] && tensors["wo"] == [4096, 3072] && tensors["head_j"] == [10, 256])
        #expect(object["concat_dim"] as? Int == 4096 && object["value_dim"] as? Int == 256)
        let explained = try BuiltBinary.run(["shapes", "--d-model", "3072", "--heads", "16", "--head-dim", "256", "--explain"])
        #expect(explained.stdout.contains("  d_k = 256 given: τ · d_k = 16 · 256 = 4096 ≠ d_model = 3072, so the heads are not d_model/τ wide"))
        #expect(explained.stdout.contains("  W^q: d_model × τ·d_k = 3072 × 16 · 256 = 3072 × 4096;"))
    }

    @Test func crossAttentionWithValueDim() throws {
        let object = try json(["--d-model", "8", "--heads", "2", "--seq-len", "3", "--memory-len", "5", "--memory-dim", "6",
                               "--value-dim", "3"])
        #expect(object["memory_len"] as? Int == 5 && object["memory_dim"] as? Int == 6 && object["value_dim"] as? Int == 3)
        let tensors = try #require(object["tensors"] as? [String: [Int]])
        #expect(tensors["memory"] == [5, 6] && tensors["wk"] == [6, 8] && tensors["wv"] == [6, 6])
        #expect(tensors["scores_j"] == [3, 5] && tensors["head_j"] == [3, 3] && tensors["wo"] == [6, 8])
        // Q and output 2·8·8 + 2·6·8 per query, K and V 2·6·(8 + 6) per memory row, 2·(8 + 6) per pair.
        #expect(object["flops"] as? Int == 224 * 3 + 168 * 5 + 28 * 15)
        let symbolic = try json(["--d-model", "8", "--heads", "2", "--memory-dim", "6"])
        #expect(symbolic["memory_len"] as? String == "n_k" && symbolic["flops"] as? String == "256·n + 192·n_k + 32·n·n_k")
        let explained = try BuiltBinary.run(["shapes", "--d-model", "8", "--heads", "2", "--memory-len", "5", "--explain"])
        #expect(explained.stdout.contains("  K_j = M · W^k_j: (5 × 8) · (8 × 4) = 5 × 4; V_j = M · W^v_j: (5 × 8) · (8 × 4) = 5 × 4\n"))
        #expect(explained.stdout.contains("  scores_j = Q_j · K_jᵀ / √d_k: (n × 4) · (4 × 5) = n × 5"))
    }

    @Test func selfAttentionJSONKeepsItsKeysAndAddsOnlyValueDim() throws {
        let object = try json(["--d-model", "768", "--heads", "12"])
        #expect(Set(object.keys) == ["d_model", "heads", "head_dim", "value_dim", "kv_heads", "concat_dim", "seq_len", "tensors",
                                     "parameters", "flops"])
    }

    @Test func badNewDimensionsAreUsageErrors() throws {
        for arguments in [["--layers", "0"], ["--dtype", "f8"], ["--memory-len", "0"], ["--value-dim", "-1"]] {
            let outcome = try BuiltBinary.run(["shapes", "--d-model", "8", "--heads", "2"] + arguments)
            #expect(outcome.status == 64 && outcome.stderr.hasPrefix("mha-cli: error: ") && outcome.stdout.isEmpty, "\(arguments)")
            #expect(outcome.stderr.split(separator: "\n").count == 1)
        }
    }
}
