import Foundation
import Testing

/// Refusals and hints in the words of what the user typed, through the built binary: shapes
/// names its flags, a file spelt like an option is pointed to, inspect's run hint runs without
/// a config.json, and inspect takes `FILE:NAME` and `-:NAME` as the other commands do.
@Suite struct UserTermsRefusalsTests {
    static let checkpoints = CheckpointEndToEndTests.checkpoints

    /// A folder with `weights.npz` (wq, wk, wv, wo, 4 × 4) and `-xx.csv` (3 × 4), the
    /// stdin-archive example's files, the CSV under a name spelt like an option.
    static func stdinArchiveFolder() throws -> ScratchFolder {
        let folder = try ScratchFolder()
        let example = BuiltBinary.packageRoot.appendingPathComponent("examples/stdin-archive")
        try folder.write("weights.npz", Array(Data(contentsOf: example.appendingPathComponent("weights.npz"))))
        try folder.write("-xx.csv", Array(Data(contentsOf: example.appendingPathComponent("x.csv"))))
        return folder
    }

    // MARK: - 1. shapes names the flag a value came from

    @Test(arguments: [
        (["--d-model", "0", "--heads", "2"], "--d-model must be a positive integer, got 0"),
        (["--heads", "8", "--head-dim", "-1"], "--head-dim must be a positive integer, got -1"),
        (["--d-model", "8", "--heads", "2", "--value-dim", "0"], "--value-dim must be a positive integer, got 0"),
        (["--d-model", "8", "--heads", "2", "--kv-heads", "0"], "--kv-heads must be a positive integer, got 0"),
        (["--d-model", "8", "--heads", "2", "--seq-len", "-3"], "--seq-len must be a positive integer, got -3"),
        (["--d-model", "8", "--heads", "2", "--memory-len", "0"], "--memory-len must be a positive integer, got 0"),
        (["--d-model", "8", "--heads", "2", "--memory-dim", "0"], "--memory-dim must be a positive integer, got 0"),
        (["--d-model", "8", "--heads", "2", "--layers", "0"], "--layers must be a positive integer, got 0"),
        (
            ["--d-model", "8"],
            "need two of --d-model, --heads and --head-dim (d_model = heads · head_dim); got only --d-model"
        ),
    ])
    func shapesRangeErrorsNameTheFlag(arguments: [String], message: String) throws {
        let outcome = try BuiltBinary.run(["shapes"] + arguments)
        #expect(outcome.status == 64)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr == "mha-cli: error: \(message)\n")
    }

    /// A bundle's value out of range keeps its key and names the file, as before.
    @Test func bundleValueKeepsItsKeyAndFile() throws {
        let folder = try Self.stdinArchiveFolder()
        try folder.write("bundle.json", #"{"heads": 0}"#)
        let run = try folder.run(["run", "--bundle", "bundle.json", "-x", "./-xx.csv", "--weights", "identity"])
        run.expectRefusal(65, "bundle.json:1:11: $.heads: expected a positive integer, found 0")
    }

    // MARK: - 2. a file spelt like an option

    @Test func fileSpeltLikeAnOptionIsPointedTo() throws {
        let folder = try Self.stdinArchiveFolder()
        let hint = "(to read the file -xx.csv, write ./-xx.csv)"
        try folder.run(["run", "-xx.csv", "--weights", "identity", "--heads", "2"])
            .expectRefusal(64, "Unknown option '-xx.csv' \(hint)")
        try folder.run(["inspect", "-xx.csv"]).expectRefusal(64, "Unknown option '-xx.csv' \(hint)")
        // No such file: the plain refusal, no hint.
        let plain = try folder.run(["run", "-xy.csv", "--weights", "identity", "--heads", "2"])
        plain.expectRefusal(64, "Unknown option '-xy.csv'.")
        #expect(!plain.stderr.contains("to read the file"))
        // A value spelt like a declared option that names a file (a file called -x).
        try folder.write("-x", "1,2,3,4\n")
        try folder.run(["run", "--wq", "-x"]).expectRefusal(
            64, "Missing value for '--wq <file>' (to read the file -x, write ./-x)")
        // The hint's spelling works.
        let run = try folder.run(["run", "-x", "./-xx.csv", "--weights", "identity", "--heads", "2"])
        run.expectSuccess()
    }

    // MARK: - 3. inspect's hint without a config.json

    @Test func inspectWithoutConfigSuggestsACommandThatRuns() throws {
        let folder = try ScratchFolder()
        let source = Self.checkpoints.appendingPathComponent("llama/model.safetensors")
        try folder.write("model.safetensors", Array(Data(contentsOf: source)))
        let row = (0..<32).map { String(Double($0 % 7) / 10 - 0.3) }.joined(separator: ",")
        try folder.write("h.csv", [row, row, row].joined(separator: "\n") + "\n")
        let inspect = try folder.run(["inspect", "model.safetensors"])
        #expect(inspect.status == 0 && inspect.stderr.isEmpty, "\(inspect.stderr)")
        let hint = "run --checkpoint model.safetensors --layer L --heads H --rope-base B"
        #expect(
            inspect.stdout.contains(
                hint + " (no config.json beside it gives num_attention_heads or rope_theta; or give --config FILE)"),
            "\(inspect.stdout.prefix(400))")
        // The JSON form names the same flags.
        let json = try folder.run(["inspect", "model.safetensors", "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["flags_needed"] as? [String] == ["--heads", "--rope-base"], "\(json.stdout.prefix(400))")
        // The hint with L, H and B filled in (and the input) runs.
        let command = hint.replacing("L", with: "1").replacing("H", with: "4").replacing(" B", with: " 1000")
        let filled = command.split(separator: " ").map(String.init) + ["-x", "h.csv"]
        try folder.run(filled).expectSuccess()
        // Without the flags it refuses, as the hint says.
        try folder.run(["run", "--checkpoint", "model.safetensors", "--layer", "1", "-x", "h.csv"])
            .expectRefusal(64, "--heads")
    }

    // MARK: - 4. inspect FILE:NAME and -:NAME

    @Test func inspectListsThePickedArray() throws {
        let folder = try Self.stdinArchiveFolder()
        let piped = try folder.run(["inspect", "-:wk"], stdinFile: "weights.npz")
        #expect(piped.status == 0 && piped.stderr.isEmpty, "\(piped.stderr)")
        #expect(
            piped.stdout == """
                <stdin>: npz, array wk (one of 4), 128 bytes of data
                  name  dtype  shape   bytes
                  wk    F64    (4, 4)    128

                """)
        let named = try folder.run(["inspect", "weights.npz:wo", "--format", "json"])
        #expect(named.status == 0 && named.stderr.isEmpty, "\(named.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(named.stdout.utf8)) as? [String: Any])
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(tensors.count == 1 && tensors[0]["name"] as? String == "wo")
        #expect(object["readable"] as? Bool == false)
    }

    @Test func inspectPickRefusalsAreTheOtherCommands() throws {
        let folder = try Self.stdinArchiveFolder()
        try folder.run(["inspect", "-:nosuch"], stdinFile: "weights.npz")
            .expectRefusal(65, "<stdin>: no array named \"nosuch\"; it holds 4 arrays: wq, wk, wv, wo")
        try folder.run(["inspect", "-:"], stdinFile: "weights.npz").expectRefusal(64, "\"-:\" names no array")
        try folder.run(["inspect", "-:wq"], stdinFile: "-xx.csv")
            .expectRefusal(65, "standard input holds no archive")
        try folder.run(["inspect", "-:wq", "--config", "c.json"], stdinFile: "weights.npz")
            .expectRefusal(64, "--config describes a checkpoint")
        // run's own -:NAME arguments still read from the same stdin.
        try folder.run(
            ["run", "-x", "./-xx.csv", "--wq", "-:wq", "--wk", "-:wk", "--wv", "-:wv", "--wo", "-:wo", "--heads", "2"],
            stdinFile: "weights.npz"
        ).expectSuccess()
        try folder.run(["run", "-:wq"]).expectRefusal(64, "Unexpected argument '-:wq' (files are given with an option")
    }
}
