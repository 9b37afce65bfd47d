import MHACore
import MHAFormats

/// `run --checkpoint FILE --layer L [--arch auto|FAMILY] [--config FILE]`: which
/// attention layer of which checkpoint to read, checked as options.
struct CheckpointChoice: Sendable {
    /// The .safetensors (or .npz) file.
    let path: String
    /// The layer, 0-based.
    let layer: Int
    /// The family, or nil for auto.
    let architecture: CheckpointArchitecture?
    /// `--config`, or nil for config.json beside the file.
    let configPath: String?

    /// The choice on the command line, or nil without `--checkpoint`.
    /// - Throws: `UsageError` for `--layer`, `--arch` or `--config` without `--checkpoint`, or
    ///   `--checkpoint` without `--layer`.
    init?(_ a: ParsedArguments) throws(UsageError) {
        typealias R = RunCommand
        let arch = try a[R.arch], config = try a[R.config], layer = try a[R.layer]
        guard let path = try a[R.checkpoint] else {
            if let stray = layer != nil ? "--layer" : arch != nil ? "--arch" : config != nil ? "--config" : nil {
                throw .invalidRequest("\(stray) says how to read a --checkpoint; give --checkpoint FILE too")
            }
            return nil
        }
        guard let layer else {
            throw .missingOption(
                option: "--layer <L>",
                reason: "--checkpoint needs the attention layer to read (mha-cli inspect \(path) lists them)")
        }
        self.path = path
        self.layer = layer
        architecture = arch.flatMap(CheckpointArchitecture.init(rawValue:))
        configPath = config
    }

    /// Reads the layer (config.json from `--config` or beside the file), with the settings
    /// given on the command line: `heads` is `--heads`, `ropeBase` `--rope-base`.
    /// - Throws: `FormatError` for the files; `UsageError` naming the flag (and `--config`)
    ///   for a setting config.json would give when there is no config.json saying it.
    func read(heads: Int?, ropeBase: Double?) throws -> CheckpointInputs {
        try FilePaths.requireRegularFile(path, as: "a checkpoint")
        let archive = try openArchive()
        var found: ModelConfig?
        if let configPath {
            try FilePaths.requireRegularFile(configPath, as: "config.json")
            found = try ModelConfig(path: configPath)
        } else {
            found = try ModelConfig.beside(path)
        }
        var given: Set<CheckpointLayer.Setting> = []
        if heads != nil { given.insert(.heads) }
        if ropeBase != nil { given.insert(.ropeBase) }
        let missing = try CheckpointLayer.missingSettings(
            archive: archive, architecture: architecture, config: found, given: given)
        if let first = missing.first {
            let flag = first == .heads ? "--heads <n>" : "--rope-base <b>"
            let what = first == .heads ? "the number of heads" : "RoPE's base θ"
            let config = found.map { "\($0.name) has no \(first.rawValue)" } ?? "no config.json beside \(path)"
            throw UsageError.missingOption(
                option: flag,
                reason:
                    "\(what) (\(first.rawValue)) is not in the weights and \(config); give \(flag.split(separator: " ")[0]) or --config FILE"
            )
        }
        do {
            return CheckpointInputs(
                layer: try CheckpointLayer(
                    archive: archive, layer: layer, architecture: architecture,
                    config: found, heads: heads, ropeBase: ropeBase),
                path: path)
        } catch {
            throw ArrayArchives.withShardHint(error, path: path)
        }
    }

    /// The checkpoint's archive; a matrix file given instead (`--checkpoint x.csv`) is said to
    /// be one, not described as a broken zip.
    private func openArchive() throws(FormatError) -> any ArrayArchive {
        do { return try ArrayArchives.open(path: path) } catch {
            // A shard index's errors are about the index or a shard, which it names.
            guard error.kind != .cannotOpen, !ArrayArchives.isShardIndex(path), let text = MatrixFormat(path: path),
                text != .npy
            else { throw error }
            throw FormatError(
                kind: .data, file: path,
                message:
                    "a \(text.rawValue.uppercased()) file is not a checkpoint: --checkpoint takes a .safetensors (or .npz) file"
            )
        }
    }
}

/// A checkpoint's layer as a run's inputs: a bundle of its matrices and settings (which the
/// flags override like a bundle's), and the engine settings a bundle cannot hold. Its engine
/// settings come from `CheckpointLayer.configuration` alone.
struct CheckpointInputs {
    /// The layer read.
    let layer: CheckpointLayer
    /// The checkpoint file, for messages.
    let path: String

    /// What reading the layer warns of (`CheckpointLayer.warnings`), for stderr.
    var warnings: [String] { layer.warnings }

    /// Weights, biases, τ, g, causal, scale and layout, as a bundle.
    var bundle: InputBundle {
        let c = layer.configuration
        var bundle = InputBundle()
        bundle.matrices = layer.matrices
        bundle.heads = c.heads
        bundle.kvHeads = c.kvHeads
        bundle.causal = c.causal
        bundle.scale = c.scale
        bundle.layout = layer.layout
        return bundle
    }

    /// Sets d_k, RoPE, the window, the soft-cap and the QK-norm on `configuration` unless the
    /// command line gave its own, and BLOOM's ALiBi.
    func configure(_ configuration: inout AttentionConfiguration) {
        let c = layer.configuration
        if configuration.headDim == nil { configuration.headDim = c.headDim }
        if configuration.rope == nil { configuration.rope = c.rope }
        if configuration.window == nil { configuration.window = c.window }
        if configuration.softcap == nil { configuration.softcap = c.softcap }
        if configuration.qkNorm == nil { configuration.qkNorm = c.qkNorm }
        if c.alibi { configuration.alibi = true }
    }

    /// Refuses hidden states whose width is not the layer's d_model, naming both.
    /// - Parameter name: where the rows came from (`-x`'s file).
    func checkWidth(_ x: Matrix<Double>, name: String) throws(FormatError) {
        guard x.columns != layer.modelDim else { return }
        throw FormatError(
            kind: .data, file: name,
            message:
                "the hidden states are \(x.rows) × \(x.columns) but layer \(layer.layer) of \(path) has d_model \(layer.modelDim): each row must have \(layer.modelDim) values"
        )
    }
}

/// The settings `attend` and `decode` give on the command line, laid over a checkpoint
/// layer's configuration (or the textbook defaults without one): each one given wins.
struct GivenSettings {
    var heads: Int?, kvHeads: Int?, scale: Double?
    /// `--causal` / `--no-causal`; nil leaves the checkpoint's (or not causal).
    var causal: Bool?
    /// RoPE, ALiBi, window, soft-cap, head width, offset.
    var score: ScoreOptions

    /// The engine configuration: `base`'s (a checkpoint layer's) with these settings in place.
    func configuration(over base: AttentionConfiguration?) throws(UsageError) -> AttentionConfiguration {
        var c = base ?? AttentionConfiguration(heads: 1)
        if let heads { c.heads = heads }
        if let kvHeads { c.kvHeads = kvHeads }
        if let scale { c.scale = scale }
        if let causal { c.causal = causal }
        try score.configure(&c)
        return c
    }
}
