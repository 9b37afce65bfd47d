import MHACore
import MHAFormats

/// `mha-cli inspect FILE`: every array of an .npz, .safetensors or .npy file (name, dtype,
/// shape, bytes) and, for a checkpoint, the architecture recognised and its attention layers.
struct InspectCommand: Command {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "inspect",
        abstract: "List the arrays of an .npz, .safetensors or .npy file, and a checkpoint's attention layers.",
        discussion: """
            Prints every array's name, dtype (as safetensors spells it: F64, F32, F16, BF16, I64, …), shape \
            and bytes, reading only the headers (a safetensors file is memory-mapped; an .npz member's header \
            alone is inflated). For a checkpoint of a family `--checkpoint` reads (GPT-2, BERT, Llama, GPT-NeoX, OPT, Phi, BLOOM, DistilBERT) it names the architecture \
            (from config.json beside the file when there is one, else from the tensor names) and the attention \
            layers that run --checkpoint FILE --layer L can read.
            """,
        arguments: [
            ArgumentSpec(
                name: "file",
                help:
                    "The .npz, .safetensors or .npy file ('-' reads stdin, its format told by content); FILE:NAME or -:NAME lists the one array NAME.",
                isOptional: false, completion: .file)
        ],
        options: [format, config])

    static let format = Option<OutputFormat>.choice(
        "format", "format", help: "Output format.", default: "text", values: [.text, .json])
    static let config = Option<String>.string(
        "config", "file", help: "The model's config.json (default: config.json beside FILE).", completion: .file)

    /// The file.
    let path: String
    /// `--format json`.
    let json: Bool
    /// `--config`.
    let configPath: String?

    init(_ arguments: ParsedArguments) throws {
        guard let path = arguments.positional(0) else {
            throw UsageError.missingOption(
                option: "<file>", reason: "name the .npz, .safetensors or .npy file to inspect")
        }
        if arguments.positionals.count > 1 {
            throw UsageError.invalidRequest("inspect takes one file; got \(arguments.positionals.count)")
        }
        self.path = path
        json = try arguments[Self.format] == .json
        configPath = try arguments[Self.config]
        source = MatrixSource(argument: path)
        try StandardInputReaders.check([path])
        if source.arrayName != nil, configPath != nil {
            throw UsageError.invalidRequest(
                "--config describes a checkpoint, but \(MessageText.quoted(path)) picks one array; inspect the whole file (without :NAME) for its layers"
            )
        }
    }

    /// The file and, for `FILE:NAME` or `-:NAME`, the one array to list.
    let source: MatrixSource

    func run() throws -> CommandOutput {
        if let arrayName = source.arrayName { return try picked(arrayName) }
        let archive = try Self.open(path)
        let (config, configRefusal) = try readConfig()
        var family: CheckpointArchitecture?
        if let type = config?.modelType { family = CheckpointArchitecture(modelType: type) }
        let recognised = RecognisedCheckpoint.recognise(archive.arrays.map(\.name), as: family)
        // What run --checkpoint would refuse, by the same checks it makes (no tensor is read).
        // Layer by layer: one refused layer (say a quantized one) leaves the others readable.
        let refusals = (recognised?.layers ?? []).map { layer in
            (layer, configRefusal ?? CheckpointLayer.refusal(archive: archive, config: config, layer: layer))
        }
        let refusal = refusals.lazy.compactMap(\.1).first
        let readableLayers = refusals.filter { $0.1 == nil }.map(\.0)
        var notes = archive.notes
        if let index = ArrayArchives.shardIndex(beside: path) {
            notes.append(
                "\(index) is beside this file: if this is one shard, inspect that index for the whole checkpoint")
        }
        var report = InspectReport(
            archive: archive, recognised: recognised, modelType: config?.modelType, refusal: refusal,
            readableLayers: readableLayers, notes: notes, argument: path == "-" ? "-" : archive.name)
        if recognised != nil, configRefusal == nil {
            report.settingsNeeded = missingSettings(archive, family: family, config: config)
        }
        return CommandOutput(text: json ? report.json.serialized() + "\n" : report.text, warnings: notes)
    }
}

extension InspectCommand {
    /// config.json (`--config`, else beside the file), or the data error it holds: a value
    /// run --checkpoint refuses while reading it (NaN or 1e400 in a key attention reads, a key
    /// written twice with two values, not an object) leaves the tensors listed, with that
    /// error as every layer's refusal.
    /// - Throws: when it cannot be read, or is not JSON at all (a syntax error).
    func readConfig() throws(FormatError) -> (ModelConfig?, FormatError?) {
        do throws(FormatError) {
            guard let configPath else { return (try ModelConfig.beside(path), nil) }
            try FilePaths.requireRegularFile(configPath, as: "config.json")
            return (try ModelConfig(path: configPath), nil)
        } catch {
            guard error.kind == .data else { throw error }
            return (nil, error)
        }
    }

    /// The one array `FILE:NAME` or `-:NAME` picks, listed as the whole file would list it
    /// (a single array is no checkpoint: no architecture line).
    /// - Throws: `FormatError` as the other commands' `FILE:NAME` arguments throw it: no such
    ///   array (listing those the file holds), no archive on stdin, a text file picked from.
    func picked(_ arrayName: String) throws -> CommandOutput {
        let archive = try ArrayArchives.archive(of: source)
        let info = try archive.requireArray(named: arrayName)
        let report = InspectReport(
            archive: archive, recognised: nil, modelType: nil, refusal: nil, readableLayers: [],
            notes: archive.notes, argument: path, picked: info)
        return CommandOutput(text: json ? report.json.serialized() + "\n" : report.text, warnings: archive.notes)
    }

    /// What run --checkpoint would ask for on the command line, as it would (`--heads` when
    /// config.json does not give num_attention_heads, `--rope-base` for RoPE without one),
    /// with where it looked: so the hint is a command that runs.
    func missingSettings(_ archive: any ArrayArchive, family: CheckpointArchitecture?, config: ModelConfig?)
        -> InspectReport.SettingsNeeded?
    {
        let missing =
            (try? CheckpointLayer.missingSettings(archive: archive, architecture: family, config: config, given: []))
            ?? []
        guard !missing.isEmpty else { return nil }
        let flags = missing.map { $0 == .heads ? (name: "--heads", placeholder: "H") : ("--rope-base", "B") }
        let keys = missing.map(\.rawValue).joined(separator: " or ")
        let looked =
            config.map { "\($0.name) has no \(keys)" }
            ?? "no config.json \(path == "-" ? "in the current directory" : "beside it") gives \(keys)"
        return InspectReport.SettingsNeeded(flags: flags, reason: looked)
    }

    /// The archive at `path`; a file that is neither named as one nor one by content (a CSV,
    /// JSON or text file) is refused naming the formats inspect reads.
    static func open(_ path: String) throws(FormatError) -> any ArrayArchive {
        let result = Result { () throws(FormatError) in try ArrayArchives.open(path: path) }
        guard case let .failure(error) = result else { return try result.get() }
        if ArchiveFormat(path: path) != nil || MatrixFormat(path: path) == .npy || error.kind == .cannotOpen
            || ArrayArchives.isPyTorchPickleRefusal(error) || ArrayArchives.isShardIndex(path)
        {
            throw error
        }
        throw FormatError(
            kind: .data, file: error.file,
            message:
                "inspect lists the arrays of .safetensors, .npz and .npy files; this is none of them (a CSV, TSV or JSON matrix is read with -x FILE)"
        )
    }
}

/// What `inspect` prints, in text or JSON.
struct InspectReport {
    let archive: any ArrayArchive
    let recognised: RecognisedCheckpoint?
    let modelType: String?
    /// Why run --checkpoint would refuse the file (or some of its layers), if it would.
    let refusal: FormatError?
    /// The layers run --checkpoint reads (all of them when `refusal` is nil).
    let readableLayers: [Int]
    /// The archive's notes and any about a shard index beside it.
    let notes: [String]
    /// The file as `run --checkpoint` takes it in the hint: its name, `-` for stdin.
    var argument: String
    /// The one array `FILE:NAME` picks, when the argument picks one.
    var picked: ArrayInfo? = nil
    /// The settings run --checkpoint needs given as flags (no config.json says them).
    var settingsNeeded: SettingsNeeded? = nil

    /// Flags the run --checkpoint hint must carry, and why.
    struct SettingsNeeded {
        /// Each flag and the placeholder the hint gives it: `--heads H`, `--rope-base B`.
        let flags: [(name: String, placeholder: String)]
        /// `no config.json beside it gives num_attention_heads or rope_theta`.
        let reason: String
    }

    /// `run --checkpoint FILE --layer L`, with the flags a missing config.json leaves to give.
    var runHint: String {
        let command = "run --checkpoint \(argument) --layer L"
        guard let needed = settingsNeeded else { return command }
        return command + " " + needed.flags.map { "\($0.name) \($0.placeholder)" }.joined(separator: " ")
    }

    /// Why the hint carries flags, after the rest of the line.
    var hintReason: String {
        settingsNeeded.map { " (\($0.reason); or give --config FILE)" } ?? ""
    }

    /// The arrays listed: the picked one, else every array of the file.
    var arrays: [ArrayInfo] { picked.map { [$0] } ?? archive.arrays }

    /// Whether run --checkpoint reads the file's layers, or some of them.
    var readable: Bool { recognised != nil && !readableLayers.isEmpty }
    /// Why it does not, as the error would say it.
    var refusalText: String? { refusal?.description }

    /// `{"file", "format", "architecture", "layers", "prefix", "readable", "readable_layers", "flags_needed", "refusal", "notes", "tensors": [{"name", "dtype", "shape", "bytes"}]}`.
    var json: JSONValue {
        .object([
            ("file", .string(archive.name)), ("format", .string(archive.formatName)),
            ("architecture", recognised.map { .string($0.architecture.rawValue) } ?? .null),
            ("layers", .array((recognised?.layers ?? []).map { .int($0) })),
            ("prefix", recognised.map { .string($0.prefix) } ?? .null),
            ("readable", JSONValue.bool(readable)),
            ("readable_layers", .array(readableLayers.map { .int($0) })),
            ("flags_needed", .array((settingsNeeded?.flags ?? []).map { .string($0.name) })),
            ("refusal", refusalText.map { JSONValue.string($0) } ?? JSONValue.null),
            ("notes", .array(notes.map { .string($0) })),
            (
                "tensors",
                .array(
                    arrays.map { array in
                        .object([
                            ("name", .string(array.name)), ("dtype", .string(array.dtype)),
                            ("shape", .array(array.shape.map { .int($0) })), ("bytes", .int(array.byteCount)),
                        ])
                    })
            ),
        ])
    }

    /// A summary line, the architecture line, then an aligned table.
    var text: String {
        let total = arrays.reduce(0) { $0 &+ $1.byteCount }
        let count = archive.arrays.count
        let listed =
            picked.map { "array \($0.printableName) (one of \(count))" }
            ?? "\(count) \(count == 1 ? "array" : "arrays")"
        var lines = ["\(archive.name): \(archive.formatName), \(listed), \(ByteCount.describe(total)) of data"]
        if let recognised {
            let layers = recognised.layers
            let range = layers.count == 1 ? "layer \(layers[0])" : "layers \(layers.first ?? 0)…\(layers.last ?? 0)"
            let prefix = recognised.prefix.isEmpty ? "no prefix" : "prefix \(recognised.prefix)"
            let type = modelType.map { ", model_type \($0)" } ?? ""
            let next: String
            switch (refusal, readableLayers.isEmpty) {
            case (nil, _): next = runHint + hintReason
            case let (refusal?, true): next = "run --checkpoint refuses it: \(refusal.description)"
            case let (refusal?, false):
                next =
                    "\(runHint) reads layers \(readableLayers.map(String.init).joined(separator: ", ")) only; the others are refused: \(refusal.description)\(hintReason)"
            }
            lines.append(
                "architecture: \(recognised.architecture.rawValue)\(type) (\(prefix)); attention \(range) (\(layers.count)); \(next)"
            )
        } else if archive.formatName == "safetensors" {
            lines.append(
                "architecture: not recognised (GPT-2, BERT, Llama, GPT-NeoX, OPT, Phi, BLOOM and DistilBERT names are)")
        }
        lines += notes.map { "note: " + $0 }
        let rows = arrays.map { [$0.printableName, $0.dtype, $0.shapeDescription, String($0.byteCount)] }
        let header = ["name", "dtype", "shape", "bytes"]
        let widths = (0..<4).map { column in (rows + [header]).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            let cells = row.enumerated().map { column, cell in
                column == 3
                    ? String(repeating: " ", count: widths[column] - cell.count) + cell
                    : cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            lines.append("  " + cells.joined(separator: "  "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
