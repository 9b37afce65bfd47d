import Foundation
import MHACore
import MHAFormats
import Testing

/// What a user sees of the transformers-class rules (CheckpointLayer+ClassRules,
/// QuantizedWeights) through the built binary: warnings, one-line refusals and what
/// `inspect` says run would do.
@Suite struct CheckpointClassRulesEndToEndTests {
    typealias C = CheckpointCommandsTests

    /// `run --checkpoint fx/MODEL/FILE --layer L -x … [extra]` in `folder`.
    static func run(_ model: String, file: String = "model.safetensors", _ extra: [String] = [], in folder: URL)
        throws -> BuiltBinary.Outcome
    {
        try BuiltBinary.run(
            [
                "run", "--checkpoint", "fx/\(model)/\(file)", "--layer", "0", "-x",
                "fx/\(model)/reference.npz:layer0_x",
                "--show", "output",
            ] + extra, in: folder)
    }

    /// Expects exit `status` and a single `mha-cli: error:` line holding `words`.
    static func expectOneLine(_ outcome: BuiltBinary.Outcome, _ status: Int32, _ words: String...) {
        #expect(outcome.status == status, "\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("mha-cli: error: ") && outcome.stderr.split(separator: "\n").count == 1)
        for word in words { #expect(outcome.stderr.contains(word), "\(outcome.stderr) lacks \(word)") }
    }

    @Test func ignoredBiasesAreNamedInOneWarning() throws {
        let folder = try C.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try Self.run("llama-ignored", in: folder)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stderr.split(separator: "\n")
        #expect(lines.count == 1 && !outcome.stderr.contains("inv_freq"), "\(outcome.stderr)")
        #expect(
            lines.first?.hasPrefix(
                "mha-cli: warning: ignored layers.0.self_attn.q_proj.bias, layers.0.self_attn.k_proj.bias, layers.0.self_attn.v_proj.bias: LlamaAttention has no biases when attention_bias is false"
            ) == true)
    }

    @Test func quantizedWeightsAreRefusedInOneLine() throws {
        var config = try String(contentsOf: C.checkpoints.appendingPathComponent("llama/config.json"), encoding: .utf8)
        config = config.replacingOccurrences(
            of: "\"model_type\"", with: "\"quantization_config\": {\"quant_method\": \"bitsandbytes\"}, \"model_type\"")
        let names = ["q_proj", "k_proj", "v_proj", "o_proj"]
        var header: [String] = [], offset = 0
        for name in names {
            let rows = name == "k_proj" || name == "v_proj" ? 16 : 32
            header.append(
                "\"layers.0.self_attn.\(name).weight\": {\"dtype\": \"I8\", \"shape\": [\(rows), 32], \"data_offsets\": [\(offset), \(offset + rows * 32)]}"
            )
            offset += rows * 32
        }
        let bytes = C.safetensors(entries: header, data: [UInt8](repeating: 1, count: offset))
        let folder = try C.folder(["model.safetensors": bytes, "config.json": Array(config.utf8)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try BuiltBinary.run(
            ["run", "--checkpoint", "model.safetensors", "--layer", "0", "-x", "fx/llama/reference.npz:layer0_x"],
            in: folder)
        Self.expectOneLine(
            outcome, 65,
            #"model.safetensors: "layers.0.self_attn.q_proj.weight" is I8: quantized weights are not read (config.json's quantization_config: bitsandbytes)"#
        )
        let inspect = try BuiltBinary.run(["inspect", "model.safetensors", "--format", "json"], in: folder)
        let object = try C.object(inspect.stdout)
        #expect(object["readable"] as? Bool == false)
        #expect((object["refusal"] as? String)?.contains("is I8: quantized weights are not read") == true)
    }

    /// Biases the model's class has but the file lacks are read as zero, with a warning
    /// naming them (transformers would initialise them at random).
    @Test func absentClassBiasesAreNamed() throws {
        let qwen2 = C.checkpoints.appendingPathComponent("qwen2")
        var tensors: [String: Matrix<Double>] = [:]
        for part in ["q_proj", "k_proj", "v_proj", "o_proj"] {
            let name = "model.layers.0.self_attn.\(part).weight"
            tensors[name] = try MatrixReader.read(path: qwen2.path + "/model.safetensors:" + name)
        }
        let config = try [UInt8](Data(contentsOf: qwen2.appendingPathComponent("config.json")))
        let folder = try C.folder(["model.safetensors": C.safetensors(tensors), "config.json": config])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try BuiltBinary.run(
            ["run", "--checkpoint", "model.safetensors", "--layer", "0", "-x", "fx/qwen2/reference.npz:layer0_x"],
            in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr
                == "mha-cli: warning: model.layers.0.self_attn.q_proj.bias, model.layers.0.self_attn.k_proj.bias, model.layers.0.self_attn.v_proj.bias not in the file although qwen2's attention has them; read as zero\n"
        )
    }

    /// One quantized layer does not make the file unreadable: inspect names the layers run
    /// still reads, and run reads them.
    @Test func inspectNamesTheLayersRunStillReads() throws {
        let config = try String(contentsOf: C.checkpoints.appendingPathComponent("llama/config.json"), encoding: .utf8)
        var header: [String] = [], offset = 0
        for layer in 0..<2 {
            for name in ["q_proj", "k_proj", "v_proj", "o_proj"] {
                let rows = name == "k_proj" || name == "v_proj" ? 16 : 32
                let (dtype, size) = layer == 0 ? ("I8", 1) : ("F32", 4)
                header.append(
                    "\"layers.\(layer).self_attn.\(name).weight\": {\"dtype\": \"\(dtype)\", \"shape\": [\(rows), 32], \"data_offsets\": [\(offset), \(offset + rows * 32 * size)]}"
                )
                offset += rows * 32 * size
            }
        }
        let bytes = C.safetensors(entries: header, data: [UInt8](repeating: 0, count: offset))
        let folder = try C.folder(["model.safetensors": bytes, "config.json": Array(config.utf8)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let inspect = try BuiltBinary.run(["inspect", "model.safetensors", "--format", "json"], in: folder)
        let object = try C.object(inspect.stdout)
        #expect(object["readable"] as? Bool == true && object["readable_layers"] as? [Int] == [1])
        #expect((object["refusal"] as? String)?.contains("layers.0.self_attn.q_proj.weight\" is I8") == true)
        let text = try BuiltBinary.run(["inspect", "model.safetensors"], in: folder)
        #expect(text.stdout.contains("--layer L reads layers 1 only; the others are refused"), "\(text.stdout)")
        let run = try BuiltBinary.run(
            ["run", "--checkpoint", "model.safetensors", "--layer", "1", "-x", "fx/llama/reference.npz:layer1_x"],
            in: folder)
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func anArchitectureForcedOverAnotherModelTypeWarns() throws {
        var config = try String(contentsOf: C.checkpoints.appendingPathComponent("llama/config.json"), encoding: .utf8)
        config = config.replacingOccurrences(
            of: "\"model_type\": \"llama\"", with: "\"model_type\": \"cohere\", \"use_qk_norm\": false")
        let folder = try C.folder(["cohere.json": Array(config.utf8)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let refused = try Self.run("llama", ["--config", "cohere.json"], in: folder)
        Self.expectOneLine(refused, 65, #"model_type "cohere" is not one whose attention this reader knows"#)
        let forced = try Self.run("llama", ["--config", "cohere.json", "--arch", "llama"], in: folder)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(
            forced.stderr
                == "mha-cli: warning: cohere.json's model_type \"cohere\" is read as llama (--arch): what makes cohere differ from llama is not read; keys the llama reader does not know: use_qk_norm\n"
        )
        // inspect says run would refuse it, by run's own check.
        let inspect = try BuiltBinary.run(
            ["inspect", "fx/llama/model.safetensors", "--config", "cohere.json"], in: folder)
        #expect(inspect.stdout.contains("run --checkpoint refuses it: cohere.json: model_type \"cohere\""))
        let plain = try BuiltBinary.run(["inspect", "fx/llama/model.safetensors", "--format", "json"], in: folder)
        #expect(try C.object(plain.stdout)["readable"] as? Bool == true)
    }

    @Test(arguments: [
        (#""rope_theta": 0,"#, "$.rope_theta: RoPE's base must be a positive number, found 0"),
        (#""partial_rotary_factor": 1.5,"#, "$.partial_rotary_factor: partial_rotary_factor must be in (0, 1]"),
        (#""num_key_value_heads": 0, "x": 1,"#, "$.num_key_value_heads: expected a positive integer, found 0"),
        (#""num_key_value_heads": 0.0, "x": 1,"#, "$.num_key_value_heads: expected a positive integer, found 0.0"),
    ])
    func badConfigValuesAreDataErrorsNamingTheKey(_ keys: String, _ words: String) throws {
        let config = #"{\#(keys) "model_type": "llama", "num_attention_heads": 4}"#
        let folder = try C.folder(["config.json": Array(config.utf8)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try Self.run("llama", ["--config", "config.json"], in: folder)
        Self.expectOneLine(outcome, 65, "config.json: " + words)
        // The value as the file writes it, never re-spelt.
        #expect(outcome.stderr.contains("0.0") == keys.contains("0.0"), "\(outcome.stderr)")
    }

    @Test func aPyTorchPickleIsNamedInRunAndInspect() throws {
        let folder = try C.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let message = "PyTorch pickles are not read (unpickling runs code); convert it to .safetensors"
        Self.expectOneLine(
            try BuiltBinary.run(["inspect", "fx/pickle/pytorch_model.bin"], in: folder), 65,
            "fx/pickle/pytorch_model.bin: a PyTorch pickle", message)
        Self.expectOneLine(
            try BuiltBinary.run(
                [
                    "run", "--checkpoint", "fx/pickle/pytorch_model.bin", "--layer", "0", "-x",
                    "fx/llama/reference.npz:layer0_x",
                ],
                in: folder), 65, message)
    }

    @Test func aSingleShardPointsToItsIndex() throws {
        let folder = try C.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try Self.run(
            "llama-sharded", file: "model-00002-of-00004.safetensors", in: folder)
        Self.expectOneLine(
            outcome, 65,
            "this file may be one shard of a checkpoint: read fx/llama-sharded/model.safetensors.index.json")
        let inspect = try BuiltBinary.run(["inspect", "fx/llama-sharded/model-00001-of-00004.safetensors"], in: folder)
        #expect(inspect.stdout.contains("note: fx/llama-sharded/model.safetensors.index.json is beside this file"))
    }
}
