import MHACore
import MHAFormats

/// The memory a run's printed output needs on top of the forward pass, checked before the
/// forward pass so that a report too large for the machine is refused (a `MemoryBudget`
/// error, exit 65) instead of being killed by the kernel while its text is built.
///
/// The estimate is deliberately generous: the text of every printed number (`charactersPerNumber`)
/// twice, once for the string being built and once more for its growth, plus the matrices the
/// engine allocates (Q, K, V, heads, concat, output and, when kept, scores and weights per head).
/// A batch counts the text of all B sequences and the results the other B − 1 hold.
enum OutputBudget {
    /// The dimensions of a run, known before the forward pass.
    struct Dimensions: Equatable {
        /// n, d_model, τ, g, d_out.
        var tokens: Int, modelDim: Int, heads: Int, kvHeads: Int, outputDim: Int
        /// Rows of every per-query matrix: 1 with `--token`, else n.
        var queryRows: Int
        /// `Scalar` stride: 8 for Double, 4 for Float.
        var scalarBytes: Int
        /// n_k, the keys, when they are not the n tokens (cross-attention, `attend`).
        var keyCount: Int? = nil
        /// B, the sequences of a batch (3-D input), each of these dimensions; 1 otherwise.
        var sequences = 1
        /// Whether an output projection follows the concat (`run`); in `attend` the output
        /// is the concat.
        var projected = true

        /// τ for the estimate: a τ beyond d_model (which the engine refuses by name afterwards)
        /// counts as d_model, so no product here can overflow and the engine's message stands.
        var boundedHeads: Int { min(max(heads, 1), max(modelDim, 1)) }

        /// d_k · g, the width of K and V; a g beyond τ counts as τ, as above.
        var kvDim: Int { modelDim / boundedHeads * min(max(kvHeads, 1), boundedHeads) }
    }

    /// Throws when the parts printed in `format` (all of them for text only with `full`;
    /// elided text is small), the SVG picture of `--format svg` or of `--heatmap FILE.svg`
    /// (`drawsSVG`), and the forward pass need more than the available memory.
    static func check(
        _ d: Dimensions, parts: [Part], format: OutputFormat, precision: Int?, full: Bool,
        keepsPerHead: Bool, layout: WeightLayout, drawsSVG: Bool = false
    ) throws(MemoryBudget) {
        let printed =
            format == .svg || (format == .text && !full) ? 0 : parts.reduce(0) { $0 + numbers(in: $1, d) }
        // Text is counted twice (the string being built and its growth); NPY and NPZ bytes
        // are built once, at their final size; so is an SVG, estimated by SVGHeatmap (a batch
        // has no picture: it is refused).
        let text =
            printed * Double(d.sequences)
            * Double(charactersPerNumber(format, precision: precision, scalarBytes: d.scalarBytes))
            * (format.isBinary ? 1 : 2)
        let (heads, keys) = (d.boundedHeads, d.keyCount ?? d.tokens)
        let svg =
            format == .svg || drawsSVG
            ? SVGHeatmap.estimatedBytes(
                heads: heads, rows: d.queryRows, keys: keys, longestName: 0, precision: precision ?? 4)
            : 0
        let needed =
            text + svg + engineBytes(d, keepsPerHead: keepsPerHead, layout: layout)
            + Double(d.sequences - 1) * heldBytes(d, keepsPerHead: keepsPerHead)
        // Small runs (the common one-off) skip reading /proc/meminfo, as the engine does, below
        // the same threshold: at 64 MiB a 4096 × 64 JSON report (40 MiB of text) went unchecked
        // and failed to allocate under `prlimit --as=190000000`.
        guard needed >= Double(AvailableMemory.uncheckedBytes), let available = AvailableMemory.bytes(),
            needed > Double(available)
        else {
            return
        }
        let names = parts.map { $0 == .qkv ? "Q, K, V" : "the " + $0.rawValue }
        let cells = SVGHeatmap.cellsDescription(heads: heads, rows: d.queryRows, keys: keys)
        let what =
            format == .svg
            ? "computing and drawing the attention weights as SVG (\(cells))"
            : "computing and printing \(names.joined(separator: ", ")) as \(format == .text ? "text" : format.rawValue.uppercased())"
                + (drawsSVG ? " and drawing the SVG heatmap (\(cells))" : "")
        throw MemoryBudget(what: what, needed: needed < 9e18 ? Int(needed) : Int.max, available: available)
    }

    /// How many numbers part `p` prints (K and V have one row with `--token`, as printed).
    static func numbers(in p: Part, _ d: Dimensions) -> Double {
        let (rows, n, width) = (Double(d.queryRows), Double(d.keyCount ?? d.tokens), Double(d.modelDim))
        switch p {
        case .qkv: return rows * width + 2 * rows * Double(d.kvDim)
        case .scores, .weights: return Double(d.boundedHeads) * rows * n
        case .heads, .concat: return rows * width
        case .output: return rows * Double(d.outputDim)
        }
    }

    /// Bytes of text per number: shortest round-trip numbers for JSON (and CSV without
    /// `--precision`), fixed decimals otherwise, text cells with their string overhead.
    static func charactersPerNumber(_ format: OutputFormat, precision: Int?, scalarBytes: Int) -> Int {
        let shortest = scalarBytes == 4 ? 16 : 25
        switch format {
        case .json: return shortest
        case .csv, .tsv: return precision.map { $0 + 8 } ?? shortest
        case .npy, .npz: return scalarBytes
        case .text, .latex, .markdown: return (precision ?? 4) + 10 + 16
        case .svg: return 0  // the picture is estimated by `SVGHeatmap.estimatedBytes`
        }
    }

    /// What each further sequence of a batch holds until the report is written, while the
    /// pass's working matrices are reused: its result (the concat, of which the heads are
    /// views, the output, and the kept scores and weights) and, in float32, its converted input.
    static func heldBytes(_ d: Dimensions, keepsPerHead: Bool) -> Double {
        let (rows, width) = (Double(d.queryRows), Double(d.modelDim))
        let perHead = keepsPerHead ? 2 * Double(d.boundedHeads) * rows * Double(d.keyCount ?? d.tokens) : 0
        let input = d.scalarBytes == 8 ? 0 : Double(d.tokens) * width
        let output = d.projected ? rows * Double(d.outputDim) : 0
        return (input + rows * width + output + perHead) * Double(d.scalarBytes)
    }

    /// The matrices the forward pass allocates, in the engine's precision: the engine's own
    /// estimate, with scores and weights both counted when either is kept.
    static func engineBytes(_ d: Dimensions, keepsPerHead: Bool, layout: WeightLayout) -> Double {
        let dimensions = MemoryEstimate.Dimensions(
            tokens: d.tokens, queryRows: d.queryRows, modelDim: d.modelDim, kvDim: d.kvDim,
            concatDim: d.modelDim, outputDim: d.outputDim, heads: d.boundedHeads, keyCount: d.keyCount)
        let bytes = MemoryEstimate.bytes(
            dimensions, keep: keepsPerHead ? [.scores, .weights] : [], layout: layout,
            scalarBytes: d.scalarBytes)
        return Double(bytes)
    }
}
