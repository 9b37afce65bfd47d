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
    /// The configuration's parts given on the command line.
    let heads: Int, kvHeads: Int?, scale: Double?, layout: WeightLayout
    let rope: RotaryEmbedding?, positionOffset: Int?, alibi: Bool, window: Int?, softcap: Double?, headDim: Int?
    /// `--cache`, `--format`, `--precision`, `--float`.
    let cachePath: String?
    let format: DecodeFormat
    let precision: Int?
    let useFloat: Bool

    init(_ a: ParsedArguments) throws {
        typealias R = RunCommand
        let given = try a[Self.input]
        inputPath = given == "-" ? nil : given
        var paths: [String: String] = [:]
        for (option, key) in [
            (R.wq, "wq"), (R.wk, "wk"), (R.wv, "wv"), (R.wo, "wo"), (R.bq, "bq"), (R.bk, "bk"),
            (R.bv, "bv"), (R.bo, "bo"), (R.inProjection, "in_proj"),
        ] {
            paths[key] = try a[option]
        }
        if paths.values.contains("-") {
            throw UsageError.invalidRequest("decode reads H from stdin; weights must come from files")
        }
        self.paths = paths
        fill = try a[R.weights]
        heads = try a[R.heads] ?? 1
        kvHeads = try a[R.kvHeads]
        scale = try a[R.scale]
        layout = try a[R.layout] ?? .xw
        let convention = try a[Self.rope], base = try a[Self.ropeBase], dims = try a[Self.ropeDims]
        if convention == nil, let option = base != nil ? "--rope-base" : dims != nil ? "--rope-dims" : nil {
            throw UsageError.invalidRequest(
                "\(option) sets up rotary positions; give --rope half or --rope interleaved too")
        }
        rope = convention.map { RotaryEmbedding(convention: $0, base: base ?? 10000, dimensions: dims) }
        positionOffset = try a[Self.positionOffset]
        alibi = a[Self.alibi]
        window = try a[Self.window]
        softcap = try a[Self.softcap]
        headDim = try a[Self.headDim]
        cachePath = try a[Self.cache]
        format = try a[Self.format] ?? .csv
        precision = try a[R.precision]
        useFloat = a[R.useFloat]
        if paths["in_proj"] != nil, let separate = ["wq", "wk", "wv"].first(where: { paths[$0] != nil }) {
            throw UsageError.invalidRequest("--in-proj replaces --wq, --wk and --wv; do not give --\(separate) too")
        }
    }

    func run() throws -> CommandOutput {
        let descriptor: Int32
        if let inputPath {
            descriptor = open(inputPath, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw FormatError(
                    kind: .cannotOpen, file: inputPath,
                    message: "cannot open '\(inputPath)': \(String(cString: strerror(errno)))")
            }
        } else {
            descriptor = STDIN_FILENO
        }
        defer { if inputPath != nil { close(descriptor) } }
        DecodeInterruption.install()
        let stream = RowStream(
            descriptor: descriptor, name: inputPath ?? "<stdin>",
            interrupted: { DecodeInterruption.signal != 0 })
        let saved = try cachePath.flatMap { path in
            FilePaths.exists(path) ? try DecodeCacheFile.read(path: path) : nil
        }
        if useFloat {
            try DecodeSession<Float>(command: self, stream: stream, saved: saved).run()
        } else {
            try DecodeSession<Double>(command: self, stream: stream, saved: saved).run()
        }
        return CommandOutput(text: "")
    }

    /// The engine's configuration from the options.
    var configuration: AttentionConfiguration {
        AttentionConfiguration(
            heads: heads, kvHeads: kvHeads, causal: true, scale: scale,
            memoryLimit: AvailableMemory.bytes(), headDim: headDim,
            positionOffset: positionOffset ?? 0, rope: rope, alibi: alibi,
            window: window, softcap: softcap)
    }
}
