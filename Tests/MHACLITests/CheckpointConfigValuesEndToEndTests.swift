import Foundation
import MHACore
import MHAFormats
import Testing

/// config.json values transformers reads in its own way, as a user sees them through the built
/// binary (the s25 QA pass against transformers 5.24): Gemma 3's ignored soft-cap, RoPE-scaling
/// values that leave the rule undefined, and RoPE parameters a rule does not read.
@Suite struct CheckpointConfigValuesEndToEndTests {
    typealias C = CheckpointCommandsTests
    typealias E = CheckpointClassRulesEndToEndTests

    /// A folder holding the llama fixture's tensors under a config.json whose `rope_parameters`
    /// is `rope` (and the fixtures as fx/).
    static func llama(rope: String) throws -> URL {
        let fixture = C.checkpoints.appendingPathComponent("llama")
        var config = try String(contentsOf: fixture.appendingPathComponent("config.json"), encoding: .utf8)
        let plain =
            #""rope_parameters": {"# + "\n" + #"    "rope_theta": 1000.0,"# + "\n"
            + #"    "rope_type": "default""# + "\n  }"
        #expect(config.contains(plain))
        config = config.replacingOccurrences(of: plain, with: #""rope_parameters": "# + rope)
        let tensors = try Data(contentsOf: fixture.appendingPathComponent("model.safetensors"))
        return try C.folder(["model.safetensors": Array(tensors), "config.json": Array(config.utf8)])
    }

    /// `run --checkpoint model.safetensors --layer 0` on the llama fixture's hidden states.
    static func run(in folder: URL) throws -> BuiltBinary.Outcome {
        try BuiltBinary.run(
            [
                "run", "--checkpoint", "model.safetensors", "--layer", "0", "-x", "fx/llama/reference.npz:layer0_x",
                "--format", "json", "--show", "output",
            ], in: folder)
    }

    /// Gemma 3 with attn_logit_softcapping 2.5: transformers' Gemma3Attention never applies it,
    /// so neither does run (one warning says so), and the output is transformers'.
    @Test(arguments: [0, 1])
    func gemma3sSoftcapIsIgnoredWithAWarning(_ layer: Int) throws {
        let folder = try C.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try BuiltBinary.run(
            [
                "run", "--checkpoint", "fx/gemma3-softcap/model.safetensors", "--layer", "\(layer)",
                "-x", "fx/gemma3-softcap/reference.npz:layer\(layer)_x", "--format", "json", "--show", "output",
            ], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr
                == "mha-cli: warning: fx/gemma3-softcap/config.json's attn_logit_softcapping 2.5 is ignored: transformers' Gemma3Attention never passes it to its attention, so Gemma 3's scores are not soft-capped\n"
        )
        let object = try C.object(run.stdout)
        let expected = try C.reference("gemma3-softcap", "layer\(layer)_output")
        #expect(try C.error(try C.matrix(object, "output"), expected) <= 1e-12)
    }

    /// A scaling value that leaves the rule undefined is a data error naming config.json and the
    /// key, the value as the file spells it; inspect calls the layers not readable, with it.
    @Test(arguments: [
        (
            #"{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 4.0, "high_freq_factor": 1.0, "original_max_position_embeddings": 32, "rope_theta": 1000.0}"#,
            "config.json: $.rope_parameters.low_freq_factor: rope scaling llama3 is invalid: low_freq_factor must be below high_freq_factor (1.0), found 4.0"
        ),
        (
            #"{"rope_type": "linear", "factor": 0.0, "rope_theta": 1000.0}"#,
            "config.json: $.rope_parameters.factor: rope scaling linear is invalid: factor must be a positive number, found 0"
        ),
        (
            #"{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 0, "rope_theta": 1000.0}"#,
            "config.json: $.rope_parameters.original_max_position_embeddings: rope scaling llama3 is invalid: original_max_position_embeddings must be a positive number, found 0 ("
        ),
    ])
    func undefinedScalingIsADataErrorNamingTheKey(_ rope: String, _ message: String) throws {
        let folder = try Self.llama(rope: rope)
        defer { try? FileManager.default.removeItem(at: folder) }
        E.expectOneLine(try Self.run(in: folder), 65, "mha-cli: error: " + message)
        let inspect = try BuiltBinary.run(["inspect", "model.safetensors", "--format", "json"], in: folder)
        let object = try C.object(inspect.stdout)
        #expect(object["readable"] as? Bool == false, "\(inspect.stdout)")
        #expect((object["refusal"] as? String)?.hasPrefix(message) == true, "\(inspect.stdout)")
    }

    /// A parameter the rule does not read is ignored, as transformers ignores it, with one
    /// warning naming it; the result is the rule's without it.
    @Test func anUnreadScalingParameterIsNamedInAWarning() throws {
        let extra = try Self.llama(
            rope: #"{"rope_type": "linear", "factor": 2.0, "rope_theta": 1000.0, "beta_fast": 3.0}"#)
        let plain = try Self.llama(rope: #"{"rope_type": "linear", "factor": 2.0, "rope_theta": 1000.0}"#)
        defer { for folder in [extra, plain] { try? FileManager.default.removeItem(at: folder) } }
        let (warned, quiet) = (try Self.run(in: extra), try Self.run(in: plain))
        #expect(warned.status == 0 && quiet.status == 0 && quiet.stderr.isEmpty, "\(warned.stderr)\(quiet.stderr)")
        #expect(
            warned.stderr
                == "mha-cli: warning: config.json's rope_parameters has beta_fast, which rope_type \"linear\" does not read: ignored, as transformers ignores it (it logs the key as unrecognized)\n"
        )
        #expect(warned.stdout == quiet.stdout)
    }
}
