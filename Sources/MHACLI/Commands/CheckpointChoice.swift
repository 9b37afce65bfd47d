import MHACore
import MHAFormats

/// `run --checkpoint FILE --layer L [--arch auto|gpt2|bert|llama] [--config FILE]`: which
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

    /// Reads the layer (config.json from `--config` or beside the file; `heads` is `--heads`).
    /// - Throws: `FormatError` for the files.
    func read(heads: Int?) throws(FormatError) -> CheckpointInputs {
        let archive = try ArrayArchives.open(path: path)
        var found: ModelConfig?
        if let configPath { found = try ModelConfig(path: configPath) } else { found = try ModelConfig.beside(path) }
        return CheckpointInputs(
            layer: try CheckpointLayer(
                archive: archive, layer: layer, architecture: architecture,
                config: found, heads: heads))
    }
}

/// A checkpoint's layer as a run's inputs: a bundle of its matrices and settings (which the
/// flags override like a bundle's), and the engine settings a bundle cannot hold.
struct CheckpointInputs {
    /// The layer read.
    let layer: CheckpointLayer

    /// Weights, biases, τ, g, causal, scale and layout, as a bundle.
    var bundle: InputBundle {
        var bundle = InputBundle()
        bundle.matrices = layer.matrices
        bundle.heads = layer.heads
        bundle.kvHeads = layer.kvHeads
        bundle.causal = layer.causal
        bundle.scale = layer.scale
        bundle.layout = layer.layout
        return bundle
    }

    /// Sets d_k, RoPE and the window on `configuration` unless the command line gave its own.
    func configure(_ configuration: inout AttentionConfiguration) {
        if configuration.headDim == nil { configuration.headDim = layer.headDim }
        if configuration.rope == nil { configuration.rope = layer.rope }
        if configuration.window == nil { configuration.window = layer.window }
    }
}
