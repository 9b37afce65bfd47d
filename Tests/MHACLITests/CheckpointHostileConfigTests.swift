import Foundation
import MHACore
import MHAFormats
import Testing

/// Hostile config.json numbers, keys written twice (config.json, a shard index), tensors two
/// shards hold, and biases a family always has but the file lacks, as a user sees them through
/// the built binary: one line, status 65, naming the file, the key and the value as written —
/// or a run that says what it did.
@Suite struct CheckpointHostileConfigTests {
    typealias C = CheckpointCommandsTests
    typealias E = CheckpointClassRulesEndToEndTests

    /// The llama fixture's config.json text with `key` set to `value` as written (and, for
    /// `sliding_window`, the model type that reads it: mistral).
    static func llamaConfig(_ key: String, _ value: String) throws -> String {
        let url = C.checkpoints.appendingPathComponent("llama/config.json")
        var config = try String(contentsOf: url, encoding: .utf8)
        if key == "rope_theta" {
            let block = try #require(config.range(of: #""rope_parameters": \{[^}]*\},"#, options: .regularExpression))
            config.removeSubrange(block)
        }
        if key == "sliding_window" {
            config = config.replacingOccurrences(of: #""model_type": "llama""#, with: #""model_type": "mistral""#)
        }
        if let existing = config.range(of: "\"\(key)\": [^,\n]*", options: .regularExpression) {
            config.replaceSubrange(existing, with: "\"\(key)\": \(value)")
        } else {
            config = config.replacingOccurrences(
                of: "\"architectures\"", with: "\"\(key)\": \(value),\n  \"architectures\"")
        }
        return config
    }

    /// `run --checkpoint model.safetensors --layer 0` on the llama fixture's tensors under
    /// `config`.
    static func runLlama(config: String) throws -> BuiltBinary.Outcome {
        let tensors = try Data(contentsOf: C.checkpoints.appendingPathComponent("llama/model.safetensors"))
        let folder = try C.folder(["model.safetensors": Array(tensors), "config.json": Array(config.utf8)])
        defer { try? FileManager.default.removeItem(at: folder) }
        return try CheckpointConfigValuesEndToEndTests.run(in: folder)
    }

    static let keys = [
        "num_attention_heads", "hidden_size", "num_key_value_heads", "head_dim", "rope_theta", "sliding_window",
        "max_position_embeddings",
    ]
    static let values = [
        "1e400", "-1e400", "99999999999999999999", "1e20", "2.0", "16.5", "-1", "0", "true", "\"16\"", "null", "NaN",
        "Infinity", "-Infinity",
    ]

    /// Where transformers accepts the value (a float field; a nullable key's null), the run
    /// goes on; everywhere else it stops in one line naming config.json, the key and the value
    /// exactly as the file writes it.
    @Test(arguments: keys, values)
    func aHostileNumberIsRefusedAsWrittenOrAccepted(_ key: String, _ value: String) throws {
        let accepted: Set<String> = [
            "rope_theta=99999999999999999999", "rope_theta=1e20", "rope_theta=2.0", "rope_theta=16.5",
            "num_key_value_heads=null", "head_dim=null", "sliding_window=null",
            "max_position_embeddings=99999999999999999999", "max_position_embeddings=1e20",
            "max_position_embeddings=2.0", "max_position_embeddings=16.5",
        ]
        let outcome = try Self.runLlama(config: try Self.llamaConfig(key, value))
        if accepted.contains("\(key)=\(value)") {
            #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(key)=\(value): \(outcome.stderr)")
            #expect(outcome.stdout.contains("\"output\""))
            return
        }
        E.expectOneLine(outcome, 65, "mha-cli: error: config.json: $.\(key): ")
        #expect(outcome.stdout.isEmpty)
        // The value as written: never 1e+20 for 99999999999999999999, nor "NaN or Infinity" for 1e400.
        if key == "sliding_window", value == "0" { return }  // its own message: a window of 0 leaves no key
        #expect(outcome.stderr.contains("found \(value)"), "\(key)=\(value): \(outcome.stderr)")
        #expect(!outcome.stderr.contains("e+") && !outcome.stderr.contains("NaN or Infinity"), "\(outcome.stderr)")
    }

    /// A count written as a float (Python keeps 2.0 a float; PyTorch takes no float size) is
    /// refused saying so, never rounded into a head count; one too large for one says that.
    @Test func integerFieldsSayWhyAFloatOrAHugeIntegerIsRefused() throws {
        let float = try Self.runLlama(config: try Self.llamaConfig("num_key_value_heads", "2.0"))
        E.expectOneLine(
            float, 65,
            "config.json: $.num_key_value_heads: expected a positive integer, found 2.0 (written as a float")
        let huge = try Self.runLlama(config: try Self.llamaConfig("num_attention_heads", "99999999999999999999"))
        E.expectOneLine(
            huge, 65,
            "config.json: $.num_attention_heads: expected a positive integer, found 99999999999999999999 (too large")
        let overflow = try Self.runLlama(config: try Self.llamaConfig("rope_theta", "1e400"))
        E.expectOneLine(
            overflow, 65, "config.json: $.rope_theta: expected a finite number, found 1e400 (beyond the largest float")
    }

    // MARK: keys written twice

    /// A key config.json writes twice with different values is refused (Python's json keeps the
    /// last, a first-match reader the first), located at the repeat; the same value twice reads
    /// as once.
    @Test(arguments: [
        (#""num_attention_heads": 2,"#, "$.num_attention_heads", "(2, then 4)"),
        (
            #""rope_parameters": {"rope_theta": 5.0, "rope_type": "default"},"#, "$.rope_parameters",
            "whose rope_theta is 5.0, then 1000.0"
        ),
        (#""model_type": "qwen2","#, "$.model_type", #"("qwen2", then "llama")"#),
    ])
    func aConfigKeyWrittenTwiceWithAnotherValueIsRefused(_ first: String, _ path: String, _ values: String) throws {
        let plain = try String(contentsOf: C.checkpoints.appendingPathComponent("llama/config.json"), encoding: .utf8)
        let config = plain.replacingOccurrences(of: "\"architectures\"", with: first + " \"architectures\"")
        let outcome = try Self.runLlama(config: config)
        E.expectOneLine(outcome, 65, "mha-cli: error: config.json:", ": \(path): key ", values, "keeps the last")
        #expect(outcome.stdout.isEmpty)
    }

    /// The same value twice (an object's members in another order, a number spelt otherwise)
    /// is what Python reads too.
    @Test func aConfigKeyWrittenTwiceWithTheSameValueReadsAsOnce() throws {
        let plain = try String(contentsOf: C.checkpoints.appendingPathComponent("llama/config.json"), encoding: .utf8)
        let repeats =
            #""num_attention_heads": 4, "head_dim": 8, "#
            + #""rope_parameters": {"rope_type": "default", "rope_theta": 1e3}, "#
        let twice = plain.replacingOccurrences(of: "\"architectures\"", with: repeats + "\"architectures\"")
        let (once, repeated) = (try Self.runLlama(config: plain), try Self.runLlama(config: twice))
        #expect(repeated.status == 0 && repeated.stderr.isEmpty, "\(repeated.stderr)")
        #expect(repeated.stdout == once.stdout)
    }

    /// A copy of the sharded llama fixture in a scratch folder (with the fixtures as fx/).
    static func shardedCopy() throws -> URL {
        let source = C.checkpoints.appendingPathComponent("llama-sharded")
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            files[name] = Array(try Data(contentsOf: source.appendingPathComponent(name)))
        }
        return try C.folder(files)
    }

    /// `run --checkpoint model.safetensors.index.json --layer 0` in `folder`.
    static func runSharded(in folder: URL) throws -> BuiltBinary.Outcome {
        try BuiltBinary.run(
            [
                "run", "--checkpoint", "model.safetensors.index.json", "--layer", "0", "-x", "reference.npz:layer0_x",
                "--show", "output",
            ], in: folder)
    }

    @Test func aWeightMapKeyWrittenTwiceWithTwoShardsIsRefused() throws {
        let folder = try Self.shardedCopy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        let text = try String(contentsOf: index, encoding: .utf8)
        #expect(text.contains(#""layers.0.self_attn.q_proj.weight": "model-00001-of-00004.safetensors""#))
        try text.replacingOccurrences(
            of: #""weight_map": {"#,
            with: #""weight_map": {"layers.0.self_attn.q_proj.weight": "model-00002-of-00004.safetensors","#
        ).write(to: index, atomically: true, encoding: .utf8)
        for outcome in [
            try Self.runSharded(in: folder),
            try BuiltBinary.run(["inspect", "model.safetensors.index.json"], in: folder),
        ] {
            E.expectOneLine(
                outcome, 65, "mha-cli: error: model.safetensors.index.json:",
                #"$.weight_map["layers.0.self_attn.q_proj.weight"]: key "layers.0.self_attn.q_proj.weight" appears twice"#,
                #"("model-00002-of-00004.safetensors", then "model-00001-of-00004.safetensors")"#)
        }
    }

    /// A tensor in two shards' headers (the index mapping it to one) is refused naming both:
    /// transformers loads every shard whole, so which copy it keeps is not the index's choice.
    @Test func aTensorTwoShardsHoldIsRefused() throws {
        let folder = try Self.shardedCopy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let name = "layers.0.self_attn.q_proj.weight"
        let first = try MatrixReader.read(path: folder.path + "/model-00001-of-00004.safetensors:" + name)
        let second = folder.appendingPathComponent("model-00002-of-00004.safetensors")
        var tensors: [String: Matrix<Double>] = [name: first]
        let archive = try ArrayArchives.open(path: second.path)
        for info in archive.arrays { tensors[info.name] = try archive.matrix(named: info.name) }
        try Data(C.safetensors(tensors)).write(to: second)
        E.expectOneLine(
            try Self.runSharded(in: folder), 65,
            "mha-cli: error: model-00002-of-00004.safetensors: \"\(name)\" is in this shard and in \"model-00001-of-00004.safetensors\" (the index maps it to \"model-00001-of-00004.safetensors\")"
        )
    }
}

/// Biases transformers' class for GPT-2, BERT, OPT, DistilBERT, Phi, GPT-NeoX and BLOOM has
/// but the file lacks: read as zero with one warning naming them, as for the Llama family;
/// and OPT's `enable_bias: false` ignores the biases present, with one warning, as OPTAttention
/// has no place for them.
@Suite struct CheckpointMissingBiasTests {
    typealias C = CheckpointCommandsTests

    /// `model`'s safetensors with the header entries `renamed` (old → new name), the data kept:
    /// a tensor moved out of the attention block is one the layer no longer has.
    static func renaming(_ model: String, _ renamed: [String: String]) throws -> [UInt8] {
        let bytes = Array(try Data(contentsOf: C.checkpoints.appendingPathComponent("\(model)/model.safetensors")))
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        for (old, new) in renamed {
            #expect(header.contains("\"\(old)\""), "\(model) has no \(old)")
            header = header.replacingOccurrences(of: "\"\(old)\"", with: "\"\(new)\"")
        }
        let text = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(text.count).littleEndian) { Array($0) } + text + bytes[(8 + length)...]
    }

    /// `model`'s safetensors with the data of `zeroed` set to 0 (the tensor present, as zero).
    static func zeroing(_ model: String, _ zeroed: [String]) throws -> [UInt8] {
        var bytes = Array(try Data(contentsOf: C.checkpoints.appendingPathComponent("\(model)/model.safetensors")))
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(
            try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        for name in zeroed {
            let offsets = try #require((header[name] as? [String: Any])?["data_offsets"] as? [Int], "no \(name)")
            for i in (8 + length + offsets[0])..<(8 + length + offsets[1]) { bytes[i] = 0 }
        }
        return bytes
    }

    /// `run --checkpoint model.safetensors --layer 0` with `model`'s config.json (or `config`)
    /// and hidden states, as JSON.
    static func run(_ model: String, tensors: [UInt8], config: String? = nil) throws -> BuiltBinary.Outcome {
        let configText =
            try config
            ?? String(
                contentsOf: C.checkpoints.appendingPathComponent("\(model)/config.json"), encoding: .utf8)
        let folder = try C.folder(["model.safetensors": tensors, "config.json": Array(configText.utf8)])
        defer { try? FileManager.default.removeItem(at: folder) }
        return try BuiltBinary.run(
            [
                "run", "--checkpoint", "model.safetensors", "--layer", "0", "-x", "fx/\(model)/reference.npz:layer0_x",
                "--format", "json", "--show", "output",
            ], in: folder)
    }

    /// The layer without the bias runs as with the bias present and zero, and says so once,
    /// naming the tensor.
    @Test(arguments: [
        ("gpt2", "transformer.h.0.attn.c_attn.bias", "gpt2"),
        ("gpt2", "transformer.h.0.attn.c_proj.bias", "gpt2"),
        ("bert", "encoder.layer.0.attention.self.query.bias", "bert"),
        ("bert", "encoder.layer.0.attention.output.dense.bias", "bert"),
        ("opt", "decoder.layers.0.self_attn.out_proj.bias", "opt"),
        ("distilbert", "transformer.layer.0.attention.v_lin.bias", "distilbert"),
        ("phi", "layers.0.self_attn.k_proj.bias", "phi"),
        ("gpt-neox", "layers.0.attention.query_key_value.bias", "gpt_neox"),
        ("bloom", "h.0.self_attention.dense.bias", "bloom"),
    ])
    func aBiasTheClassAlwaysHasIsReadAsZeroWithAWarning(_ model: String, _ bias: String, _ type: String) throws {
        let absent = try Self.run(model, tensors: try Self.renaming(model, [bias: "unused." + bias]))
        let zero = try Self.run(model, tensors: try Self.zeroing(model, [bias]))
        #expect(absent.status == 0 && zero.status == 0 && zero.stderr.isEmpty, "\(absent.stderr)\(zero.stderr)")
        #expect(
            absent.stderr
                == "mha-cli: warning: \(bias) not in the file although \(type)'s attention has them; read as zero\n")
        #expect(absent.stdout == zero.stdout && !absent.stdout.isEmpty)
    }

    /// OPT with `enable_bias: false`: OPTAttention has no biases, so those present are ignored
    /// (one warning), as transformers ignores them when loading.
    @Test func optWithoutEnableBiasIgnoresTheBiasesPresent() throws {
        let model = "opt"
        var config = try String(contentsOf: C.checkpoints.appendingPathComponent("opt/config.json"), encoding: .utf8)
        #expect(config.contains(#""enable_bias": true"#))
        config = config.replacingOccurrences(of: #""enable_bias": true"#, with: #""enable_bias": false"#)
        let biases = ["q_proj", "k_proj", "v_proj", "out_proj"].map { "decoder.layers.0.self_attn.\($0).bias" }
        let ignored = try Self.run(model, tensors: try Self.renaming(model, [:]), config: config)
        let zero = try Self.run(model, tensors: try Self.zeroing(model, biases), config: config)
        #expect(ignored.status == 0, "\(ignored.stderr)")
        #expect(
            ignored.stderr
                == "mha-cli: warning: ignored \(biases.joined(separator: ", ")): OPTAttention has no biases when enable_bias is false (config.json's model_type); transformers ignores such tensors when loading, and so does this reader\n"
        )
        #expect(ignored.stdout == zero.stdout && !ignored.stdout.isEmpty)
        let wrong = try Self.run(
            model, tensors: try Self.renaming(model, [:]),
            config: config.replacingOccurrences(of: #""enable_bias": false"#, with: #""enable_bias": "no""#))
        CheckpointClassRulesEndToEndTests.expectOneLine(
            wrong, 65, "config.json: $.enable_bias: expected true or false, found \"no\"")
    }
}
