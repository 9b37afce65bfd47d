import Foundation
import MHACore
import MHAFormats
import Testing

/// `attend` and `decode` with `--checkpoint`, checkpoints without config.json, the positional
/// settings in headers and JSON, `check --answer` in every matrix format, and the QA wording
/// of inspect and the checkpoint readers: all through the built binary on the tiny Hugging
/// Face models of Tests/MHAFormatsTests/Fixtures/checkpoints (make_checkpoints.py).
@Suite struct CheckpointCommandsTests {
    static let checkpoints = CheckpointEndToEndTests.checkpoints

    /// A fresh temporary folder holding `fx` (the checkpoint fixtures) and `files`.
    static func folder(_ files: [String: [UInt8]] = [:]) throws -> URL {
        let folder = try BuiltBinary.temporaryFolder()
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("fx"), withDestinationURL: checkpoints)
        for (name, bytes) in files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        return folder
    }

    /// The JSON object of a run's stdout.
    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Member `key` of a JSON report as a matrix.
    static func matrix(_ object: [String: Any], _ key: String) throws -> Matrix<Double> {
        try Matrix(try #require(object[key] as? [[Double]], "no \(key)"))
    }

    /// The stored float64 array `name` of `model`'s reference.npz.
    static func reference(_ model: String, _ name: String) throws -> Matrix<Double> {
        try MatrixReader.read(path: checkpoints.path + "/\(model)/reference.npz:\(name)")
    }

    /// The largest relative error of `a` against `b`, required to exist.
    static func error(_ a: Matrix<Double>, _ b: Matrix<Double>) throws -> Double {
        try #require(a.maxRelativeError(to: b))
    }

    /// `run --checkpoint` on the fixture's hidden states, as JSON with `show`.
    static func run(_ model: String, _ layer: Int, show: String, in folder: URL, extra: [String] = []) throws
        -> [String: Any]
    {
        let run = try BuiltBinary.run(
            [
                "run", "--checkpoint", "fx/\(model)/model.safetensors", "--layer", "\(layer)",
                "-x", "fx/\(model)/reference.npz:layer\(layer)_x", "--format", "json", "--show", show,
            ] + extra, in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        return try object(run.stdout)
    }

    // MARK: decode

    @Test(arguments: [
        "gpt2", "llama", "qwen2", "mistral", "llama-f16", "llama3-rope", "qwen2-yarn", "bert-decoder", "gemma2",
        "gpt-neox", "qwen3", "olmo2", "gemma3", "granite", "starcoder2", "smollm3", "phi3",
    ])
    func decodeEqualsRunsCausalRowsAndTheFixture(_ model: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let x = try Self.reference(model, "layer1_x")
        let full = try Self.matrix(try Self.run(model, 1, show: "output", in: folder), "output")
        let decode = try BuiltBinary.run(
            ["decode", "--checkpoint", "fx/\(model)/model.safetensors", "--layer", "1"],
            stdin: CSVWriter.matrix(x, decimals: nil), in: folder)
        #expect(decode.status == 0, "\(decode.stderr)")
        let rows = try MatrixReader.read(bytes: Array(decode.stdout.utf8), name: "decode", format: .csv)
        #expect(rows.rows == x.rows)
        for i in 0..<rows.rows {
            let error = try Self.error(rows.rowBlock(i..<(i + 1)), full.rowBlock(i..<(i + 1)))
            #expect(error <= 1e-12, "\(model) row \(i): \(error)")
        }
        #expect(try Self.error(rows, try Self.reference(model, "layer1_output")) <= 1e-12)
    }

    @Test func decodeRefusesAnEncoderLayerAndKeepsFlagsWinning() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let x = CSVWriter.matrix(try Self.reference("bert", "layer0_x"), decimals: nil)
        let bert = try BuiltBinary.run(
            ["decode", "--checkpoint", "fx/bert/model.safetensors", "--layer", "0"], stdin: x, in: folder)
        #expect(bert.status == 64)
        #expect(bert.stderr.contains("decode computes causal attention") && bert.stderr.contains("bert"))
        #expect(bert.stderr.split(separator: "\n").count == 1)
        // An explicit --rope-base wins over config.json's 1000 (the rows change).
        let llama = CSVWriter.matrix(try Self.reference("llama", "layer0_x"), decimals: nil)
        let arguments = ["decode", "--checkpoint", "fx/llama/model.safetensors", "--layer", "0"]
        let plain = try BuiltBinary.run(arguments, stdin: llama, in: folder)
        let based = try BuiltBinary.run(arguments + ["--rope-base", "10000"], stdin: llama, in: folder)
        #expect(plain.status == 0 && based.status == 0)
        #expect(plain.stdout != based.stdout)
    }

    /// Stopped after 3 rows and resumed from `--cache`, decode gives the uninterrupted rows;
    /// the cache refuses another layer of the same checkpoint.
    @Test func decodeWithACheckpointResumesFromItsCache() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let x = try Self.reference("llama", "layer0_x")
        let arguments = ["decode", "--checkpoint", "fx/llama/model.safetensors", "--layer", "0"]
        let whole = try BuiltBinary.run(arguments, stdin: CSVWriter.matrix(x, decimals: nil), in: folder)
        let first = try BuiltBinary.run(
            arguments + ["--cache", "c.npz"], stdin: CSVWriter.matrix(x.rowBlock(0..<3), decimals: nil), in: folder)
        let rest = try BuiltBinary.run(
            arguments + ["--cache", "c.npz"], stdin: CSVWriter.matrix(x.rowBlock(3..<6), decimals: nil), in: folder)
        #expect(whole.status == 0 && first.status == 0 && rest.status == 0, "\(first.stderr)\(rest.stderr)")
        let resumed = try MatrixReader.read(bytes: Array((first.stdout + rest.stdout).utf8), name: "r", format: .csv)
        let straight = try MatrixReader.read(bytes: Array(whole.stdout.utf8), name: "w", format: .csv)
        #expect(try Self.error(resumed, straight) <= 1e-12)
        let other = try BuiltBinary.run(
            ["decode", "--checkpoint", "fx/llama/model.safetensors", "--layer", "1", "--cache", "c.npz"],
            stdin: CSVWriter.matrix(x.rowBlock(0..<1), decimals: nil), in: folder)
        #expect(other.status == 65 && other.stderr.contains("other W^k, W^v, biases"))
    }

    // MARK: attend

    /// Q, K, V from run's projections (before RoPE), given to attend with the checkpoint: its
    /// concat is run's concat (τ, g, d_k, scale, causal and RoPE all from the checkpoint).
    @Test(arguments: ["gpt2", "llama", "qwen2", "mistral"])
    func attendWithACheckpointEqualsRunsConcat(_ model: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = try Self.run(model, 0, show: "qkv,concat", in: folder)
        for key in ["q", "k", "v"] {
            let csv = CSVWriter.matrix(try Self.matrix(report, key), decimals: nil)
            try Data(csv.utf8).write(to: folder.appendingPathComponent("\(key).csv"))
        }
        let attend = try BuiltBinary.run(
            [
                "attend", "--checkpoint", "fx/\(model)/model.safetensors", "--layer", "0", "-q", "q.csv", "-k",
                "k.csv", "-v", "v.csv", "--format", "json",
            ], in: folder)
        #expect(attend.status == 0, "\(attend.stderr)")
        let object = try Self.object(attend.stdout)
        let error = try Self.error(try Self.matrix(object, "concat"), try Self.matrix(report, "concat"))
        #expect(error <= 1e-12, "\(model): \(error)")
        #expect(object["causal"] as? Bool == true)
        // --no-causal wins over the decoder's causal mask.
        let open = try BuiltBinary.run(
            [
                "attend", "--checkpoint", "fx/\(model)/model.safetensors", "--layer", "0", "-q", "q.csv", "-k",
                "k.csv", "-v", "v.csv", "--format", "json", "--no-causal",
            ], in: folder)
        #expect(try Self.object(open.stdout)["causal"] as? Bool == false)
    }

    // MARK: no config.json

    @Test func withoutConfigEverySettingItWouldGiveIsAFlag() throws {
        let model = try Data(contentsOf: Self.checkpoints.appendingPathComponent("llama/model.safetensors"))
        let folder = try Self.folder(["model.safetensors": Array(model)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = ["run", "--checkpoint", "model.safetensors", "--layer", "0", "-x", "fx/llama/reference.npz:layer0_x"]
        let noHeads = try BuiltBinary.run(run, in: folder)
        #expect(noHeads.status == 64)
        #expect(noHeads.stderr.contains("--heads") && noHeads.stderr.contains("--config"), "\(noHeads.stderr)")
        let noBase = try BuiltBinary.run(run + ["--heads", "4"], in: folder)
        #expect(noBase.status == 64)
        #expect(
            noBase.stderr
                == "mha-cli: error: Missing '--rope-base <b>': RoPE's base θ (rope_theta) is not in the weights and no config.json beside model.safetensors; give --rope-base or --config FILE\n"
        )
        let given = try BuiltBinary.run(
            run + ["--heads", "4", "--rope-base", "1000", "--format", "json", "--show", "output"], in: folder)
        #expect(given.status == 0, "\(given.stderr)")
        let output = try Self.matrix(try Self.object(given.stdout), "output")
        #expect(try Self.error(output, try Self.reference("llama", "layer0_output")) <= 1e-12)
        let withConfig = try BuiltBinary.run(
            run + ["--config", "fx/llama/config.json", "--format", "json", "--show", "output"], in: folder)
        #expect(withConfig.stdout == given.stdout)
        let decode = try BuiltBinary.run(
            ["decode", "--checkpoint", "model.safetensors", "--layer", "0", "--heads", "4"], stdin: "1\n", in: folder)
        #expect(decode.status == 64 && decode.stderr.contains("--rope-base"))
        let attend = try BuiltBinary.run(
            ["attend", "--checkpoint", "model.safetensors", "--layer", "0", "-q", "q", "-k", "k", "-v", "v"],
            in: folder)
        #expect(attend.status == 64 && attend.stderr.contains("--heads"))
    }

    @Test(arguments: [
        (#"{"rope_type": "llama3", "factor": 8}"#, "rope scaling llama3 needs low_freq_factor"),
        (#"{"type": "longrope", "factor": 4}"#, #"rope_type "longrope""#),
        (#"{"type": "dynamic", "factor": 2}"#, #"rope_type "dynamic""#),
        (#"{"factor": 2}"#, "rope_scaling with factor 2.0 and no rope_type"),
    ])
    func scaledRoPEInTheConfigIsRefusedByName(_ scaling: String, _ named: String) throws {
        let config = #"{"model_type": "llama", "num_attention_heads": 4, "rope_scaling": \#(scaling)}"#
        let folder = try Self.folder(["config.json": Array(config.utf8)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try BuiltBinary.run(
            [
                "run", "--checkpoint", "fx/llama/model.safetensors", "--config", "config.json", "--layer", "0", "-x",
                "fx/llama/reference.npz:layer0_x",
            ], in: folder)
        #expect(run.status == 65)
        #expect(run.stderr.hasPrefix("mha-cli: error: config.json: $.rope_scaling: \(named)"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    // MARK: positional settings in headers and JSON

    @Test func headerAndJSONNameThePositionalSettings() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let positions = try #require(
            try Self.run("llama", 0, show: "output", in: folder)["positions"] as? [String: Any])
        let rope = try #require(positions["rope"] as? [String: Any])
        #expect(rope["kind"] as? String == "half" && rope["base"] as? Double == 1000 && rope["dims"] as? Int == 8)
        #expect(positions["position_offset"] as? Int == 0 && positions["alibi"] as? Bool == false)
        #expect(positions["window"] is NSNull && positions["softcap"] is NSNull)
        let text = try BuiltBinary.run(
            [
                "run", "--checkpoint", "fx/llama/model.safetensors", "--layer", "0", "-x",
                "fx/llama/reference.npz:layer0_x", "--show", "output",
            ], in: folder)
        #expect(text.stdout.contains("scores: RoPE half (base 1000, 8 of d_k = 8 dimensions, positions from 0)"))
        // Flag runs, run and attend alike.
        let flags = ["--alibi", "--window", "2", "--softcap", "30", "--position-offset", "3", "--format", "json"]
        let attend = try BuiltBinary.run(
            [
                "attend", "-q", "fx/llama/reference.npz:layer0_x", "-k", "fx/llama/reference.npz:layer0_x", "-v",
                "fx/llama/reference.npz:layer0_x", "--heads", "4",
            ] + flags, in: folder)
        let flagRun = try BuiltBinary.run(
            ["run", "-x", "fx/llama/reference.npz:layer0_x", "--weights", "random", "--heads", "4"] + flags, in: folder)
        for outcome in [attend, flagRun] {
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let p = try #require(try Self.object(outcome.stdout)["positions"] as? [String: Any])
            #expect(p["rope"] is NSNull && p["alibi"] as? Bool == true && p["window"] as? Int == 2)
            #expect(p["softcap"] as? Double == 30 && p["position_offset"] as? Int == 3)
        }
    }

    // MARK: check --answer in every matrix format

    @Test func checkReadsAnswersInEveryMatrixFormat() throws {
        let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json")
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: bundle, to: folder.appendingPathComponent("bundle.json"))
        let json = try BuiltBinary.run(["run", "--bundle", "bundle.json", "--format", "json"], in: folder)
        let output = try Self.matrix(try Self.object(json.stdout), "output")
        #expect(try BuiltBinary.run(["run", "--bundle", "bundle.json", "-o", "all.npz"], in: folder).status == 0)
        #expect(try BuiltBinary.run(["run", "--bundle", "bundle.json", "-o", "out.npy"], in: folder).status == 0)
        try Data(CSVWriter.matrix(output, decimals: nil).utf8).write(to: folder.appendingPathComponent("out.csv"))
        try Data(JSONWriter.matrix(output).utf8).write(to: folder.appendingPathComponent("out.json"))
        try Data(Self.safetensors(["output": output, "wrong": output.transposed])).write(
            to: folder.appendingPathComponent("out.safetensors"))
        for answer in ["all.npz:output", "out.safetensors:output", "out.npy", "out.csv", "out.json"] {
            let check = try BuiltBinary.run(["check", "--bundle", "bundle.json", "--answer", answer], in: folder)
            #expect(check.status == 0, "\(answer): \(check.stderr)")
            #expect(check.stdout.hasPrefix("correct: output (3 × 4)"), "\(answer): \(check.stdout)")
        }
        for answer in ["all.npz:concat", "out.safetensors:wrong"] {
            let check = try BuiltBinary.run(["check", "--bundle", "bundle.json", "--answer", answer], in: folder)
            #expect(check.status == 1, "\(answer): \(check.stderr)")
        }
        let ambiguous = try BuiltBinary.run(["check", "--bundle", "bundle.json", "--answer", "all.npz"], in: folder)
        #expect(ambiguous.status == 65 && ambiguous.stderr.contains("pick one with all.npz:NAME"))
    }

    /// A .safetensors file of F64 tensors.
    static func safetensors(_ tensors: [String: Matrix<Double>]) -> [UInt8] {
        var entries: [String] = []
        var data: [UInt8] = []
        for (name, m) in tensors.sorted(by: { $0.key < $1.key }) {
            let start = data.count
            for value in m.elements { withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 } }
            entries.append(
                "\"\(name)\": {\"dtype\": \"F64\", \"shape\": [\(m.rows), \(m.columns)], \"data_offsets\": [\(start), \(data.count)]}"
            )
        }
        return safetensors(entries: entries, data: data)
    }

    /// A .safetensors file of the header `entries` (`"name": {"dtype", "shape", "data_offsets"}`)
    /// and the bytes they point into.
    static func safetensors(entries: [String], data: [UInt8]) -> [UInt8] {
        let header = Array(("{" + entries.joined(separator: ", ") + "}").utf8)
        return withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header + data
    }

    // MARK: QA wording

    @Test func hiddenStatesOfTheWrongWidthNameBothShapes() throws {
        let folder = try Self.folder(["x.csv": Array("1,2,3,4\n5,6,7,8\n".utf8)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try BuiltBinary.run(
            ["run", "--checkpoint", "fx/gpt2/model.safetensors", "--layer", "0", "-x", "x.csv"], in: folder)
        #expect(run.status == 65)
        #expect(
            run.stderr
                == "mha-cli: error: x.csv: the hidden states are 2 × 4 but layer 0 of fx/gpt2/model.safetensors has d_model 32: each row must have 32 values\n"
        )
    }

    @Test func inspectNamesTheFormatsItReads() throws {
        let folder = try Self.folder(["m.csv": Array("1,2\n3,4\n".utf8)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try BuiltBinary.run(["inspect", "m.csv"], in: folder)
        #expect(run.status == 65)
        #expect(
            run.stderr
                == "mha-cli: error: m.csv: inspect lists the arrays of .safetensors, .npz and .npy files; this is none of them (a CSV, TSV or JSON matrix is read with -x FILE)\n"
        )
    }

    /// `cat x.npy | inspect -` lists the .npy read from stdin by its content, as `run -x -`
    /// reads it (it said the bytes were none of the formats inspect reads).
    @Test func inspectReadsAnNPYFromStdinByItsContent() throws {
        let folder = try Self.folder([:])
        defer { try? FileManager.default.removeItem(at: folder) }
        let bundle = BuiltBinary.packageRoot.appendingPathComponent("examples/two-heads/bundle.json").path
        #expect(try BuiltBinary.run(["run", "--bundle", bundle, "-o", "out.npy"], in: folder).status == 0)
        let binary = try #require(BuiltBinary.url)
        let status = try HostileRun.shell("cat out.npy | '\(binary.path)' inspect - >out.txt 2>err.txt", in: folder)
        let read = { (name: String) in
            (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }
        #expect(status == 0, "\(read("err.txt"))")
        #expect(read("out.txt").hasPrefix("<stdin>: npy, 1 array, 96 bytes of data\n"))
        #expect(read("out.txt").contains("<stdin>  F64    (3, 4)     96"))
        // CSV on stdin is still refused with the formats inspect reads.
        let csv = try BuiltBinary.run(["inspect", "-"], stdin: "1,2\n3,4\n", in: folder)
        #expect(csv.status == 65 && csv.stderr.contains("this is none of them"))
    }

    @Test func aSafetensorsHeaderLengthOf2To63IsPrintedExactly() throws {
        let bytes = withUnsafeBytes(of: (UInt64(1) << 63).littleEndian) { Array($0) } + Array("{}".utf8)
        let folder = try Self.folder(["big.safetensors": bytes])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try BuiltBinary.run(["inspect", "big.safetensors"], in: folder)
        #expect(run.status == 65)
        #expect(
            run.stderr
                == "mha-cli: error: big.safetensors: the header length 9223372036854775808 is over the 100 MB limit for safetensors headers\n"
        )
    }

    @Test func inspectNotesAnNPYWhoseHeaderLies() throws {
        // A (9, 4) float64 header over the 96 bytes of a (3, 4) array.
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (9, 4), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let data = (0..<12).flatMap { i in withUnsafeBytes(of: Double(i).bitPattern.littleEndian) { Array($0) } }
        let bytes: [UInt8] =
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + data
        let folder = try Self.folder(["lie.npy": bytes])
        defer { try? FileManager.default.removeItem(at: folder) }
        let note =
            "lie.npy: truncated: its header declares (9, 4) F64 = 288 bytes of data, but the file holds 96; reading it fails"
        let run = try BuiltBinary.run(["inspect", "lie.npy"], in: folder)
        #expect(run.status == 0)
        #expect(run.stderr == "mha-cli: warning: \(note)\n")
        #expect(run.stdout.split(separator: "\n").contains { $0 == "note: " + note })
        let json = try BuiltBinary.run(["inspect", "lie.npy", "--format", "json"], in: folder)
        #expect(try Self.object(json.stdout)["notes"] as? [String] == [note])
    }
}
