import MHACore
import MHAFormats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mha-cli decode`: streams H through an `AttentionCache`, one output row per input row,
/// written (and flushed) as soon as the row's block is computed.
struct DecodeCommand: Command {
    /// Most rows computed as one block (rows waiting beyond it form the next block).
    static let maximumBlockRows = 256

    /// `-x`, or nil for stdin.
    let inputPath: String?
    /// Weight and bias paths by bundle key, and `--weights`.
    let paths: [String: String]
    let fill: RunOptions.WeightFill?
    /// τ, g, the scale and the score options given on the command line.
    let given: GivenSettings
    /// `--layout`, if given.
    let layoutGiven: WeightLayout?
    /// `--checkpoint FILE --layer L`: the layer whose weights and settings to decode with.
    let checkpoint: CheckpointChoice?
    /// The checkpoint's layer, once read by `run`.
    private(set) var base: CheckpointInputs?
    /// The engine's configuration: the checkpoint layer's (or the defaults) with the options
    /// given laid over it, always causal.
    private(set) var configuration: AttentionConfiguration
    /// `--cache`, `--format`, `--precision`, `--float`.
    let cachePath: String?
    let format: DecodeFormat
    let precision: Int?
    let useFloat: Bool

    /// `--position-offset`, if given (a new cache's first position).
    var positionOffset: Int? { given.score.positionOffset }
    /// The weight layout: `--layout`, else the checkpoint's, else xw.
    var layout: WeightLayout { layoutGiven ?? base?.layer.layout ?? .xw }
    /// τ and g in force.
    var heads: Int { configuration.heads }
    var kvHeads: Int? { configuration.kvHeads }

    init(_ a: ParsedArguments) throws {
        typealias R = RunCommand
        let given = try a[Self.input]
        inputPath = given == "-" ? nil : given
        var paths: [String: String] = [:]
        for (option, key) in [
            (R.wq, "wq"), (R.wk, "wk"), (R.wv, "wv"), (R.wo, "wo"), (R.bq, "bq"), (R.bk, "bk"),
            (R.bv, "bv"), (R.bo, "bo"), (R.inProjection, "in_proj"), (R.qkv, "qkv"), (R.qkvBias, "qkv_bias"),
            (R.inProjectionBias, "in_proj_bias"), (R.gq, "gq"), (R.gk, "gk"),
        ] {
            paths[key] = try a[option]
        }
        if paths.values.contains("-")
            || (inputPath == nil && paths.values.contains { MatrixSource(argument: $0).picksFromStandardInput })
        {
            throw UsageError.invalidRequest("decode reads H from stdin; weights must come from files")
        }
        self.paths = paths
        fill = try a[R.weights]
        layoutGiven = try a[R.layout]
        checkpoint = try CheckpointChoice(a)
        try Self.checkStandardInput(inputPath, paths: paths, checkpoint: checkpoint)
        var score = ScoreOptions()
        (score.rope, score.ropeBase, score.ropeDims) = (try a[Self.rope], try a[Self.ropeBase], try a[Self.ropeDims])
        score.ropeScaling = try a[Self.ropeScaling]
        try score.requireRope(rotaryFromFile: checkpoint != nil)
        (score.positionOffset, score.alibi, score.window) = (
            try a[Self.positionOffset], a[Self.alibi], try a[Self.window]
        )
        (score.softcap, score.headDim) = (try a[Self.softcap], try a[Self.headDim])
        (score.qkNorm, score.qkNormEpsilon) = (
            try a[ScoreOptions.qkNormOption], try a[ScoreOptions.qkNormEpsilonOption]
        )
        self.given = GivenSettings(
            heads: try a[Self.heads], kvHeads: try a[R.kvHeads], scale: try a[R.scale], causal: true, score: score)
        // Laid over the checkpoint's layer once `resolved()` has read it.
        configuration = checkpoint == nil ? try self.given.configuration(over: nil) : AttentionConfiguration(heads: 1)
        cachePath = try a[Self.cache]
        if cachePath == "" {
            // Refused before any row is decoded, as an unwritable cache is.
            throw UsageError.invalidRequest("--cache needs a file name (FILE.npz); '' names none")
        }
        if cachePath == "-" {
            // The rows come in on stdin and go out on stdout: neither can hold the cache.
            throw UsageError.invalidRequest(
                "--cache needs a file decode can read and replace (FILE.npz); '-' is the rows' own stream")
        }
        if let path = cachePath { try Self.refuseOtherFormat(cache: path) }
        format = try a[Self.format] ?? .csv
        precision = try a[Self.precision]
        if precision != nil, format == .json {
            // An option that would be ignored is refused, as run refuses it.
            throw UsageError.invalidRequest(
                "--precision sets decimals in csv; --format json always prints shortest round-trip numbers")
        }
        useFloat = a[R.useFloat]
        try WeightAssembly.refuseContradictingFlags(paths)
    }

    /// Refuses `-x FILE:NAME` (decode streams text rows, it picks no array), and a second
    /// reader of stdin: `--checkpoint -` or `--config -` while the rows come from stdin (no
    /// `-x FILE`), which would leave no rows to decode; with `-x FILE`, the rules of every
    /// command (`StandardInputReaders`).
    private static func checkStandardInput(
        _ inputPath: String?, paths: [String: String], checkpoint: CheckpointChoice?
    ) throws(UsageError) {
        if let inputPath, MatrixSource(argument: inputPath).arrayName != nil {
            throw .invalidRequest(
                "decode reads H as CSV or TSV text rows and -x takes no :NAME; \(MessageText.quoted(inputPath)) picks an array (give its rows as a CSV file, or on stdin)"
            )
        }
        guard inputPath == nil else {
            try StandardInputReaders.check(Array(paths.values), checkpoint: checkpoint)
            return
        }
        try StandardInputReaders.check(Array(paths.values))
        let reader = checkpoint?.path == "-" ? "--checkpoint -" : checkpoint?.configPath == "-" ? "--config -" : nil
        if let reader {
            throw .invalidRequest(
                "only one input can read stdin: decode reads the rows (H) from it, so \(reader) cannot read it too; give \(reader == "--config -" ? "config.json" : "the checkpoint") as a file, or the rows with -x FILE"
            )
        }
    }

    /// This command with the checkpoint's layer read and the configuration laid over it.
    /// - Throws: a usage error for an encoder's (not causal) layer: decoding is causal.
    func resolved() throws -> DecodeCommand {
        var command = self
        if let checkpoint {
            let inputs = try checkpoint.read(heads: given.heads, ropeBase: given.score.ropeBase)
            guard inputs.layer.causal else {
                throw UsageError.invalidRequest(
                    "decode computes causal attention, but layer \(inputs.layer.layer) of \(checkpoint.path) (\(inputs.layer.architecture.rawValue)) attends both ways; use run --checkpoint for it"
                )
            }
            command.base = inputs
            command.configuration = try given.configuration(over: inputs.layer.configuration)
        }
        var gains: [String: Matrix<Double>] = [:]
        for key in ["gq", "gk"] { gains[key] = try paths[key].map { try MatrixReader.read(path: $0) } }
        try WeightAssembly.setNormGains(gains, &command.configuration) { message, _ in
            UsageError.invalidRequest(message)
        }
        AvailableMemory.limit(&command.configuration)
        return command
    }

    func run() throws -> CommandOutput {
        let descriptor: Int32
        if let inputPath {
            descriptor = open(inputPath, O_RDONLY | O_CLOEXEC)
            var status = stat()
            let isDirectory = descriptor >= 0 && fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
            guard descriptor >= 0, !isDirectory else {
                let reason = String(cString: strerror(isDirectory ? EISDIR : errno))
                if descriptor >= 0 { close(descriptor) }
                throw FormatError(kind: .cannotOpen, file: inputPath, message: "cannot open '\(inputPath)': \(reason)")
            }
        } else {
            descriptor = STDIN_FILENO
        }
        defer { if inputPath != nil { close(descriptor) } }
        DecodeInterruption.install()
        let stream = RowStream(
            descriptor: descriptor, name: inputPath ?? "<stdin>",
            interrupted: { DecodeInterruption.signal != 0 })
        stream.singlePrecision = useFloat
        let saved = try cachePath.flatMap { path in
            FilePaths.exists(path) ? try DecodeCacheFile.read(path: path) : nil
        }
        let command = try resolved()
        // Printed before the rows stream, not at the end.
        MHACLI.printInputWarnings()
        for warning in command.base?.warnings ?? [] {
            FileDescriptorWriter.standardError("\(RootCommand.name): warning: \(warning)")
        }
        if useFloat {
            try DecodeSession<Float>(command: command, stream: stream, saved: saved).run()
        } else {
            try DecodeSession<Double>(command: command, stream: stream, saved: saved).run()
        }
        return CommandOutput(text: "")
    }
}

extension DecodeCommand {
    /// The cache is an .npz archive: a `--cache` name whose extension says another format
    /// (`c.csv`, `c.json`, `c.safetensors`) is refused, as `init -o b.csv` is; other names
    /// (`c.cache`, `cache`) are taken as written.
    static func refuseOtherFormat(cache path: String) throws(UsageError) {
        guard let found = PathParts.fileExtension(path) else { return }
        let other = OutputDestination.format(ofPath: path).map { $0 != .npz } ?? (found.lowercased() == "safetensors")
        guard other else { return }
        throw .invalidRequest(
            "--cache \(path): the decode cache is an .npz archive, not .\(found); name the file .npz or give no extension"
        )
    }
}
