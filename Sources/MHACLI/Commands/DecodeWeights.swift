import MHACore
import MHAFormats

/// The weights of `decode`: read from their files, missing ones filled by `--weights` exactly
/// as `run` fills them (same shapes, same order, same seed), so `decode` and `run --causal`
/// see the same layer.
enum DecodeWeights {
    /// d_model from the weights given (W^q's input side, in_proj's columns) or the saved
    /// cache (`fromCache`); nil when only the input rows can tell.
    static func modelDim(_ c: DecodeCommand, saved: DecodeCacheFile?) throws -> (dim: Int, fromCache: Bool)? {
        if let path = c.paths["wq"] {
            let wq = try MatrixReader.read(path: path)
            return (c.layout == .xw ? wq.rows : wq.columns, false)
        }
        if let path = c.paths["in_proj"] { return (try MatrixReader.read(path: path).columns, false) }
        if let path = c.paths["qkv"] { return (try MatrixReader.read(path: path).rows, false) }  // d × 3d, xw
        if let layer = c.base?.layer { return (layer.modelDim, false) }
        if let d = saved?.settings["d_model"]?.first, d >= 1, d < 1e9 { return (Int(d), true) }
        return nil
    }

    /// The parameters in precision `S` for rows of width `modelDim`.
    static func parameters<S: AttentionScalar>(_ c: DecodeCommand, modelDim d: Int) throws -> AttentionParameters<S> {
        var matrices = c.base?.layer.matrices ?? [:]  // a checkpoint's, replaced by the files given
        try ProjectionOverride.apply(
            to: &matrices, given: Set(c.paths.keys), bundle: c.checkpoint?.path ?? "the checkpoint")
        // γ^q and γ^k are the configuration's (`DecodeCommand.resolved`).
        for (key, path) in c.paths where !["gq", "gk"].contains(key) {
            matrices[key] = try MatrixReader.read(path: path)
        }
        let needed = matrices["in_proj"] == nil && matrices["qkv"] == nil ? ["wq", "wk", "wv", "wo"] : ["wo"]
        let missing = needed.filter { matrices[$0] == nil }
        if let first = missing.first {
            guard let fill = c.fill else {
                throw UsageError.missingOption(
                    option: "--\(first) <file>",
                    reason:
                        "give \(missing.map { "--" + $0 }.joined(separator: ", ")), or fill them with --weights identity or --weights random[:SEED]"
                )
            }
            let filled = try fill.weights(
                missing, modelDim: d, sourceDim: d, configuration: c.configuration, layout: c.layout)
            matrices.merge(filled) { given, _ in given }
        }
        if c.useFloat {
            // As run does: a value float32 cannot hold is refused, and values it rounds to 0
            // are warned of, naming each weight's file.
            let bundle = c.checkpoint?.path
            try FloatRangeError.check(matrices, files: c.paths, bundle: bundle)
            for warning in FloatRangeError.underflowWarnings(matrices, files: c.paths, bundle: bundle) {
                FileDescriptorWriter.standardError("\(RootCommand.name): warning: \(warning)")
            }
        }
        return try WeightAssembly.parameters(matrices, layout: c.layout) { message, _ in
            UsageError.invalidRequest(message)
        }
    }
}
