import Foundation
import Testing

/// `inspect`'s `readable`, `readable_layers` and `refusal` are `run --checkpoint`'s answer:
/// for configs whose head counts, head width or hidden size disagree with the tensors, values
/// of the wrong JSON type, a missing tensor, and a shard index that lies (the QA pass of
/// checkpoint reading). Through the built binary, on the llama fixture (τ = 4, g = 2, d_k = 8,
/// d_model = 32) with its config.json edited.
@Suite struct CheckpointInspectAgreementTests {
    static let llama = CheckpointEndToEndTests.checkpoints.appendingPathComponent("llama")

    /// A temporary folder with `m/model.safetensors` (the llama fixture's, or `weights`) and
    /// `m/config.json` (the fixture's, edited by `edit`).
    static func model(_ edit: (inout [String: Any]) -> Void, weights: Data? = nil) throws -> URL {
        let folder = try BuiltBinary.temporaryFolder()
        let model = folder.appendingPathComponent("m")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        var config = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: llama.appendingPathComponent("config.json")))
                as? [String: Any])
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: model.appendingPathComponent("config.json"))
        let file = model.appendingPathComponent("model.safetensors")
        if let weights {
            try weights.write(to: file)
        } else {
            try FileManager.default.createSymbolicLink(
                at: file, withDestinationURL: llama.appendingPathComponent("model.safetensors"))
        }
        return folder
    }

    /// `run --checkpoint` of `layer`: its exit status and its one-line error without the prefix.
    static func run(_ layer: Int, in folder: URL) throws -> (Int32, String) {
        let x = CheckpointEndToEndTests.checkpoints.path + "/llama/reference.npz:layer\(layer)_x"
        let run = try BuiltBinary.run(
            ["run", "--checkpoint", "m/model.safetensors", "--layer", "\(layer)", "-x", x], in: folder)
        let line = run.stderr.hasSuffix("\n") ? String(run.stderr.dropLast()) : run.stderr
        #expect(!line.contains("\n"), "one line: \(run.stderr)")
        return (run.status, line.hasPrefix("mha-cli: error: ") ? String(line.dropFirst(16)) : line)
    }

    /// `inspect --format json`'s object.
    static func inspect(_ path: String, in folder: URL) throws -> [String: Any] {
        let result = try BuiltBinary.run(["inspect", path, "--format", "json"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// Each edit makes run refuse both layers (65); inspect says so with run's words.
    @Test(arguments: [
        ("num_attention_heads", "4.5", "$.num_attention_heads: expected a positive integer, found 4.5"),
        ("num_attention_heads", #""4""#, "$.num_attention_heads: expected a positive integer, found \"4\""),
        ("num_attention_heads", "2", "2 heads of 8 do not make the query projection's 32 outputs"),
        ("num_key_value_heads", "4", "4 key/value heads of 8 do not make the key projection's 16 outputs"),
        ("head_dim", "4", "4 heads of 4 do not make the query projection's 32 outputs"),
        ("hidden_size", "16", "$.hidden_size: hidden_size is 16 but layer"),
        ("layer_types", #"["full_attention"]"#, "$.layer_types: 1 layer types for num_hidden_layers = 2 layers"),
        ("rope_parameters", #"{"rope_type": "default", "rope_theta": "1000"}"#, "expected a number, found \"1000\""),
        ("rope_scaling", #"{"rope_type": "yarn"}"#, "$.rope_scaling: rope scaling yarn needs factor"),
        ("attention_bias", #""false""#, "$.attention_bias: expected true or false, found \"false\""),
    ])
    func inspectRefusesWhatRunRefuses(_ key: String, _ json: String, _ words: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let folder = try Self.model { $0[key] = value }
        defer { try? FileManager.default.removeItem(at: folder) }
        for layer in [0, 1] {
            let (status, message) = try Self.run(layer, in: folder)
            #expect(status == 65 && message.contains(words), "\(message)")
        }
        let report = try Self.inspect("m/model.safetensors", in: folder)
        let (_, message) = try Self.run(0, in: folder)
        #expect(report["readable"] as? Bool == false)
        #expect((report["readable_layers"] as? [Int]) == [])
        #expect(report["refusal"] as? String == message)
        let text = try BuiltBinary.run(["inspect", "m/model.safetensors"], in: folder)
        #expect(text.stdout.contains("run --checkpoint refuses it: \(message)"), "\(text.stdout)")
    }

    /// A layer without its key projection is refused by run and by inspect (naming the
    /// tensor); the other layer stays readable in both.
    @Test func aMissingTensorIsRefusedByBoth() throws {
        let weights = try Self.safetensors(
            [
                ("layers.0.self_attn.q_proj.weight", [32, 32]), ("layers.0.self_attn.v_proj.weight", [16, 32]),
                ("layers.0.self_attn.o_proj.weight", [32, 32]), ("layers.1.self_attn.q_proj.weight", [32, 32]),
                ("layers.1.self_attn.k_proj.weight", [16, 32]), ("layers.1.self_attn.v_proj.weight", [16, 32]),
                ("layers.1.self_attn.o_proj.weight", [32, 32]),
            ])
        let folder = try Self.model({ _ in }, weights: weights)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, message) = try Self.run(0, in: folder)
        #expect(status == 65 && message.contains("no tensor \"layers.0.self_attn.k_proj.weight\" for layer 0"))
        #expect(try Self.run(1, in: folder).0 == 0)
        let report = try Self.inspect("m/model.safetensors", in: folder)
        #expect(report["readable"] as? Bool == true)
        #expect((report["readable_layers"] as? [Int]) == [1])
        #expect(report["refusal"] as? String == message)
    }

    /// A shard index whose weight_map puts a tensor in a shard that lacks it: inspect says
    /// what run says (the shard and the index), not that the shard is no safetensors file.
    @Test func aLyingShardIndexGetsRunsMessageFromInspect() throws {
        let source = CheckpointEndToEndTests.checkpoints.appendingPathComponent("llama-sharded")
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("m")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path)
        where name.hasSuffix(".safetensors") {
            try FileManager.default.createSymbolicLink(
                at: model.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
        }
        let index = source.appendingPathComponent("model.safetensors.index.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any])
        var map = try #require(json["weight_map"] as? [String: String])
        let tensor = "layers.1.self_attn.q_proj.weight"
        let home = try #require(map[tensor])
        let other = Set(map.values).sorted().first(where: { $0 != home }) ?? home
        #expect(other != home, "the fixture has several shards")
        map[tensor] = other
        json["weight_map"] = map
        try JSONSerialization.data(withJSONObject: json).write(
            to: model.appendingPathComponent("model.safetensors.index.json"))
        let x = CheckpointEndToEndTests.checkpoints.path + "/llama/reference.npz:layer1_x"
        let run = try BuiltBinary.run(
            ["run", "--checkpoint", "m/model.safetensors.index.json", "--layer", "1", "-x", x], in: folder)
        #expect(run.status == 65 && run.stderr.contains("puts \"\(tensor)\" here, but this shard does not hold it"))
        for format in ["text", "json"] {
            let inspect = try BuiltBinary.run(
                ["inspect", "m/model.safetensors.index.json", "--format", format], in: folder)
            #expect(inspect.status == 65 && inspect.stderr == run.stderr, "\(inspect.stderr)")
        }
    }

    /// A safetensors file of zero-filled F32 tensors.
    static func safetensors(_ tensors: [(String, [Int])]) throws -> Data {
        var entries: [String] = [], offset = 0
        for (name, shape) in tensors {
            let bytes = shape.reduce(1, *) * 4
            entries.append(
                "\"\(name)\": {\"dtype\": \"F32\", \"shape\": \(shape), \"data_offsets\": [\(offset), \(offset + bytes)]}"
            )
            offset += bytes
        }
        let header = Array(("{" + entries.joined(separator: ", ") + "}").utf8)
        let length = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        return Data(length + header + [UInt8](repeating: 0, count: offset))
    }
}
