import Foundation
import MHACore
import MHAFormats
import Testing

/// Unusual inputs found by QA in session 26, through the built binary: stdin read twice through
/// `--checkpoint -` or `--config -`, `:NAME` where a whole file is read, a layer count in
/// config.json, inspect on a config.json with bad values or on stdin, a BOM in locations and an
/// .npz member with an empty name.
@Suite("Input edges (QA s26)")
struct InputEdgesS26Tests {
    static let checkpoints = CheckpointEndToEndTests.checkpoints

    /// A folder with the GPT-2 fixture's model.safetensors and config.json (2 layers, d_model
    /// 32, 4 heads) under `folderName`, and `h.csv`: three rows of 32 numbers.
    static func gpt2Folder(_ folderName: String = "gpt2", config: ((String) -> String)? = nil) throws
        -> ScratchFolder
    {
        let folder = try ScratchFolder()
        try FileManager.default.createDirectory(
            at: folder.url.appendingPathComponent(folderName), withIntermediateDirectories: true)
        let source = checkpoints.appendingPathComponent("gpt2")
        let tensors = try Data(contentsOf: source.appendingPathComponent("model.safetensors"))
        try folder.write("\(folderName)/model.safetensors", Array(tensors))
        let text = try String(contentsOf: source.appendingPathComponent("config.json"), encoding: .utf8)
        try folder.write("\(folderName)/config.json", config.map { $0(text) } ?? text)
        let rows = (0..<3).map { (row: Int) -> String in
            let values = (0..<32).map { (column: Int) -> String in
                let step: Int = (row * 7 + column * 3) % 11
                return String(Double(step) / 10 - 0.5)
            }
            return values.joined(separator: ",")
        }
        try folder.write("h.csv", rows.joined(separator: "\n") + "\n")
        return folder
    }

    /// The numbers of a CSV text, row after row.
    static func numbers(_ csv: String) -> [Double] {
        csv.split(whereSeparator: { $0 == "\n" || $0 == "," }).compactMap { Double($0) }
    }

    /// Whether `a` and `b` agree within a relative tolerance.
    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        !a.isEmpty && a.count == b.count
            && zip(a, b).allSatisfy { x, y in abs(x - y) <= 1e-12 * max(1, abs(x), abs(y)) }
    }

    // MARK: - finding 2: --checkpoint - and --config - are stdin readers

    @Test("--config - or --checkpoint - beside another reader of stdin is refused (64) before anything is read")
    func checkpointAndConfigOnStdinCountAsStdinReaders() throws {
        let folder = try Self.gpt2Folder()
        let layer = ["--layer", "1"]
        let cases: [(arguments: [String], stdin: String, words: [String])] = [
            (
                ["run", "--checkpoint", "gpt2/model.safetensors", "--config", "-", "-x", "-"] + layer,
                "gpt2/config.json", ["only one input can read stdin ('-')", "--config -"]
            ),
            (
                ["run", "--checkpoint", "-", "--heads", "4", "-x", "-"] + layer, "gpt2/model.safetensors",
                ["only one input can read stdin", "--checkpoint -"]
            ),
            (
                ["run", "--checkpoint", "-", "--config", "-", "-x", "h.csv"] + layer, "gpt2/model.safetensors",
                ["only one input can read stdin", "--config - reads all of it", "--checkpoint -"]
            ),
            (
                ["attend", "--checkpoint", "gpt2/model.safetensors", "--config", "-", "-q", "-", "-k", "h.csv"]
                    + ["-v", "h.csv"] + layer,
                "gpt2/config.json", ["only one input can read stdin ('-')", "--config -"]
            ),
        ]
        for (arguments, stdin, words) in cases {
            let run = try folder.run(arguments, stdinFile: stdin)
            run.expectRefusal(64, "only one input can read stdin")
            for word in words { #expect(run.stderr.contains(word), "\(arguments): \(run.stderr)") }
        }
    }

    @Test("decode with --checkpoint - or --config - and its rows on stdin is refused (64), not a silent empty run")
    func decodeRefusesACheckpointOnTheRowsStream() throws {
        let folder = try Self.gpt2Folder()
        let cases: [(arguments: [String], stdin: String, reader: String)] = [
            (["--checkpoint", "gpt2/model.safetensors", "--config", "-"], "gpt2/config.json", "--config -"),
            (["--checkpoint", "gpt2/model.safetensors", "--config", "-", "-x", "-"], "gpt2/config.json", "--config -"),
            (["--checkpoint", "-", "--heads", "4"], "gpt2/model.safetensors", "--checkpoint -"),
            (["--checkpoint", "-", "-x", "-"], "h.csv", "--checkpoint -"),
        ]
        for (arguments, stdin, reader) in cases {
            let run = try folder.run(["decode", "--layer", "1"] + arguments, stdinFile: stdin)
            run.expectRefusal(64, "only one input can read stdin", "decode reads the rows", reader, "-x FILE")
        }
    }

    @Test("--checkpoint - and --config - read stdin when nothing else does: the same answer as the files")
    func checkpointAndConfigOnStdinWorkAlone() throws {
        let folder = try Self.gpt2Folder()
        let common = ["--layer", "1", "-x", "h.csv", "--format", "csv"]
        let files = try folder.run(["run", "--checkpoint", "gpt2/model.safetensors"] + common)
        files.expectSuccess()
        let checkpoint = try folder.run(
            ["run", "--checkpoint", "-", "--heads", "4"] + common, stdinFile: "gpt2/model.safetensors")
        checkpoint.expectSuccess()
        let config = try folder.run(
            ["run", "--checkpoint", "gpt2/model.safetensors", "--config", "-"] + common, stdinFile: "gpt2/config.json")
        config.expectSuccess()
        let reference = Self.numbers(files.stdout)
        #expect(reference.count == 3 * 32)
        #expect(Self.close(Self.numbers(checkpoint.stdout), reference), "\(checkpoint.stdout.prefix(300))")
        #expect(Self.close(Self.numbers(config.stdout), reference), "\(config.stdout.prefix(300))")
        let decode = try folder.run(
            ["decode", "--checkpoint", "-", "--heads", "4", "--layer", "1", "-x", "h.csv"],
            stdinFile: "gpt2/model.safetensors")
        decode.expectSuccess()
        // Causal: decode's rows are run's causal output.
        #expect(Self.close(Self.numbers(decode.stdout), reference), "\(decode.stdout.prefix(300))")
    }

    // MARK: - finding 8: :NAME where a whole file is read, an empty NAME

    @Test("decode -x FILE:NAME, -x -:NAME and --bundle …:NAME say they take no :NAME (64); '-:' says its name is empty")
    func namesWhereNoneIsTaken() throws {
        let folder = try ScratchFolder()
        // numpy's savez of wq (3 × 4) and other arrays.
        let npz = try Data(contentsOf: TinyNumberAndStdinTests.archives.appendingPathComponent("savez.npz"))
        try folder.write("w.npz", Array(npz))
        let identity = ["--weights", "identity", "--heads", "1"]
        try folder.run(["decode", "-x", "w.npz:wq"] + identity).expectRefusal(
            64, "decode reads H as CSV or TSV text rows", "-x takes no :NAME", "\"w.npz:wq\"")
        try folder.run(["decode", "-x", "-:wq"] + identity, stdinFile: "w.npz").expectRefusal(
            64, "-x takes no :NAME", "\"-:wq\"")
        try folder.run(["run", "--bundle", "-:wq", "--heads", "1"], stdinFile: "w.npz").expectRefusal(
            64, "--bundle reads a whole bundle", "takes no :NAME", "\"-:wq\"")
        try folder.run(["run", "--bundle", "w.npz:wq", "--heads", "1"]).expectRefusal(
            64, "--bundle", "takes no :NAME", "\"w.npz:wq\"")
        try folder.run(["run", "-x", "-:"] + identity, stdinFile: "w.npz").expectRefusal(
            64, "\"-:\" names no array", "the NAME after ':' is empty")
        try folder.run(["run", "-x", "w.npz:"] + identity).expectRefusal(
            64, "\"w.npz:\" names no array", "is empty")
    }
}

extension InputEdgesS26Tests {
    // MARK: - finding 6: the layer count

    @Test(
        "n_layer (GPT-2) is a count: NaN, 1e400, 2.0, 2.5, \"2\", true, 0, -1 are refused (65) as written",
        arguments: ["NaN", "1e400", "2.0", "2.5", "\"2\"", "true", "0", "-1"])
    func layerCountIsValidated(_ value: String) throws {
        let folder = try Self.gpt2Folder {
            $0.replacingOccurrences(of: "\"n_layer\": 2", with: "\"n_layer\": \(value)")
        }
        let run = try folder.run(["run", "--checkpoint", "gpt2/model.safetensors", "--layer", "0", "-x", "h.csv"])
        run.expectRefusal(65, "gpt2/config.json: $.n_layer: ", "found \(value)")
    }

    @Test("--layer at or past config.json's layer count is refused (65) naming the count; below it runs")
    func layerPastTheCountIsRefused() throws {
        let folder = try Self.gpt2Folder {
            $0.replacingOccurrences(of: "\"n_layer\": 2", with: "\"n_layer\": 1")
        }
        let past = try folder.run(["run", "--checkpoint", "gpt2/model.safetensors", "--layer", "1", "-x", "h.csv"])
        past.expectRefusal(65, "gpt2/config.json: $.n_layer: ", "the model has 1 layer (layer 0), so no layer 1")
        let decode = try folder.run(
            ["decode", "--checkpoint", "gpt2/model.safetensors", "--layer", "1", "-x", "h.csv"])
        decode.expectRefusal(65, "$.n_layer", "no layer 1")
        try folder.run(["run", "--checkpoint", "gpt2/model.safetensors", "--layer", "0", "-x", "h.csv"])
            .expectSuccess()
        // inspect says the same: layer 0 readable, layer 1 refused.
        let inspect = try folder.run(["inspect", "gpt2/model.safetensors", "--format", "json"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        #expect(json["readable_layers"] as? [Int] == [0], "\(inspect.stdout.prefix(400))")
        #expect((json["refusal"] as? String)?.contains("no layer 1") == true, "\(inspect.stdout.prefix(400))")
    }

    @Test("GPT-NeoX's num_hidden_layers is checked the same way")
    func neoxLayerCount() throws {
        let folder = try ScratchFolder()
        let source = Self.checkpoints.appendingPathComponent("gpt-neox")
        try folder.write(
            "model.safetensors", Array(try Data(contentsOf: source.appendingPathComponent("model.safetensors"))))
        let text = try String(contentsOf: source.appendingPathComponent("config.json"), encoding: .utf8)
        let arguments = ["run", "--checkpoint", "model.safetensors", "--layer", "1", "-x", "h.csv"]
        let rows = (0..<2).map { row in (0..<32).map { String(Double(($0 + row) % 5) / 4) }.joined(separator: ",") }
        try folder.write("h.csv", rows.joined(separator: "\n") + "\n")
        for (value, word) in [("2.5", "found 2.5"), ("1", "no layer 1")] {
            try folder.write(
                "config.json",
                text.replacingOccurrences(of: "\"num_hidden_layers\": 2", with: "\"num_hidden_layers\": \(value)"))
            try folder.run(arguments).expectRefusal(65, "config.json: $.num_hidden_layers: ", word)
        }
    }
}

extension InputEdgesS26Tests {
    // MARK: - findings 7 and 9: inspect

    @Test(
        "inspect lists the tensors with the refusal when config.json holds NaN, 1e400 or a key written twice",
        arguments: ["\"n_head\": NaN,", "\"n_head\": 1e400,", "\"n_head\": 2, \"n_head\": 4,"])
    func inspectListsTheTensorsUnderAConfigRunRefuses(_ replacement: String) throws {
        let folder = try Self.gpt2Folder { $0.replacingOccurrences(of: "\"n_head\": 4,", with: replacement) }
        let run = try folder.run(["run", "--checkpoint", "gpt2/model.safetensors", "--layer", "0", "-x", "h.csv"])
        run.expectRefusal(65, "gpt2/config.json", "$.n_head")
        let inspect = try folder.run(["inspect", "gpt2/model.safetensors", "--format", "json"])
        #expect(inspect.status == 0 && inspect.stderr.isEmpty, "exit \(inspect.status): \(inspect.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        #expect(json["readable"] as? Bool == false)
        #expect((json["tensors"] as? [Any])?.count == 28, "\(inspect.stdout.prefix(300))")
        // The refusal is run's error, word for word.
        let error = run.stderr.replacingOccurrences(of: "mha-cli: error: ", with: "")
            .trimmingCharacters(in: .newlines)
        #expect(json["refusal"] as? String == error, "\(json["refusal"] ?? "none") vs \(error)")
        // Not JSON at all still stops inspect.
        try folder.write("gpt2/config.json", "{\"n_head\": 4,,}")
        try folder.run(["inspect", "gpt2/model.safetensors"]).expectRefusal(65, "gpt2/config.json:1:")
    }

    @Test("inspect - advertises run --checkpoint - (which reads the piped file), never <stdin>")
    func inspectOnStdinAdvertisesARunnableCommand() throws {
        let folder = try Self.gpt2Folder()
        let inspect = try folder.run(["inspect", "-"], stdinFile: "gpt2/model.safetensors")
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("run --checkpoint - --layer L"), "\(inspect.stdout.prefix(400))")
        #expect(!inspect.stdout.contains("--checkpoint <stdin>"), "\(inspect.stdout.prefix(400))")
        // The hint runs, with the file piped again.
        let run = try folder.run(
            ["run", "--checkpoint", "-", "--layer", "1", "--heads", "4", "-x", "h.csv"],
            stdinFile: "gpt2/model.safetensors")
        run.expectSuccess()
    }
}

extension InputEdgesS26Tests {
    // MARK: - finding 11: a BOM in locations, an .npz member with an empty name

    @Test("a UTF-8 BOM is not a column: warnings and errors on line 1 point where an editor shows the number")
    func byteOrderMarkIsNotAColumn() throws {
        let folder = try ScratchFolder()
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        try folder.write("tiny.csv", bom + Array("1e-400,1\n1,1\n".utf8))
        try folder.write("bad.csv", bom + Array("1,x\n1,1\n".utf8))
        try folder.write("bad.json", bom + Array("[[1, 1e999]]".utf8))
        let identity = ["--weights", "identity", "--heads", "1", "--format", "csv"]
        let tiny = try folder.run(["run", "-x", "tiny.csv"] + identity)
        #expect(tiny.status == 0)
        #expect(tiny.stderr.hasPrefix("mha-cli: warning: tiny.csv:1:1: 1e-400 "), "\(tiny.stderr)")
        try folder.run(["run", "-x", "bad.csv"] + identity).expectRefusal(65, "bad.csv:1:3: ", "\"x\"")
        try folder.run(["run", "-x", "bad.json"] + identity).expectRefusal(65, "bad.json:1:6: ", "1e999")
        try folder.run(["decode", "-x", "bad.csv", "--weights", "identity", "--heads", "1"]).expectRefusal(
            65, "bad.csv:1:3: ")
    }

    /// A zip holding one stored member `name` with `data` (what numpy's savez writes, by hand:
    /// the writer here refuses an empty array name).
    static func storedZip(name: String, data: [UInt8]) -> [UInt8] {
        func little(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        let checksum = Int(crc ^ 0xFFFF_FFFF)
        let entry = Array(name.utf8)
        let common =
            little(20, 2) + little(0, 2) + little(0, 2) + little(0, 4) + little(checksum, 4)
            + little(data.count, 4) + little(data.count, 4) + little(entry.count, 2) + little(0, 2)
        let local = little(0x0403_4B50, 4) + common + entry + data
        let central =
            little(0x0201_4B50, 4) + little(20, 2) + common + little(0, 2) + little(0, 2) + little(0, 2)
            + little(0, 4) + little(0, 4) + entry
        let end =
            little(0x0605_4B50, 4) + little(0, 2) + little(0, 2) + little(1, 2) + little(1, 2)
            + little(central.count, 4) + little(local.count, 4) + little(0, 2)
        return local + central + end
    }

    @Test("an .npz member with an empty name (numpy's savez(**{'': a})) is refused saying its name is empty")
    func emptyMemberNameIsSaid() throws {
        let folder = try ScratchFolder()
        let npy = NPZMember.matrix("x", Matrix<Double>(rows: 2, columns: 2) { i, j in i == j ? 1 : 0 }).bytes
        try folder.write("empty.npz", Self.storedZip(name: ".npy", data: npy))
        try folder.write("named.npz", Self.storedZip(name: "x.npy", data: npy))
        try folder.run(["inspect", "named.npz"]).expectSuccess()
        try folder.run(["inspect", "empty.npz"]).expectRefusal(
            65, "empty.npz: ", "member \".npy\" holds an array whose name is empty")
        try folder.run(["run", "-x", "empty.npz", "--weights", "identity", "--heads", "1"]).expectRefusal(
            65, "whose name is empty")
    }
}
