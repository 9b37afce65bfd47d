import Foundation
import MHACore

/// `mha-cli bench`: times the forward pass on seeded random data and reports the median.
struct BenchCommand: Command {
    static let spec = CommandSpec(
        name: "bench",
        abstract: "Time the engine on random data of a given size.",
        discussion: """
        Runs the forward pass --repeat times on SplitMix64 data and reports the median wall time \
        and GFLOP/s, counting 8·n·d_model² + 4·n²·d_model floating-point operations per pass.
        """,
        options: [
            .value("seq-len", "n", help: "n, the number of tokens."),
            .value("d-model", "d", help: "Model width d_model."),
            .value("heads", "t", help: "τ, the number of heads; must divide d_model."),
            .value("kv-heads", "g", help: "Key/value heads (grouped-query attention); must divide τ.", default: "τ"),
            .flag("float", help: "Time the single-precision engine (double by default)."),
            .value("repeat", "r", help: "Timed runs (after one warm-up run).", default: "5"),
            .value("format", "format", help: "Output format.", default: "text", values: ["text", "json"]),
        ])

    let dimensions: DimensionArguments
    let useFloat: Bool
    let repeats: Int
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        dimensions = try DimensionArguments(arguments)
        useFloat = arguments.flag("float")
        repeats = try arguments.integer("repeat", in: 1...1_000_000) ?? 5
        json = arguments.string("format") == "json"
        try MemoryBudget.check(values: dimensions.bundleValueCount, bytesPerValue: useFloat ? 12 : 24, what: "the benchmark")
    }

    /// FLOPs of one pass: 8·n·d² + 4·n²·d.
    var flops: Double {
        let n = Double(dimensions.seqLen), d = Double(dimensions.modelDim)
        return 8 * n * d * d + 4 * n * n * d
    }

    func run() throws -> CommandOutput {
        let seconds = useFloat ? try time(Float.self) : try time(Double.self)
        let gflops = flops / seconds / 1e9
        let d = dimensions
        if json {
            let object = JSONText.object([
                ("seq_len", .integer(d.seqLen)), ("d_model", .integer(d.modelDim)), ("heads", .integer(d.heads)),
                ("kv_heads", .integer(d.kvHeads)), ("precision", .string(useFloat ? "float32" : "float64")),
                ("repeat", .integer(repeats)), ("seconds_median", .number(JSONText.shortest(seconds))),
                ("gflops", .number(JSONText.shortest(gflops))), ("flops", .number(JSONText.shortest(flops))),
            ])
            return CommandOutput(text: object.rendered + "\n")
        }
        let text = """
        n = \(d.seqLen), d_model = \(d.modelDim), τ = \(d.heads), kv_heads = \(d.kvHeads), \(useFloat ? "float32" : "float64"), \(repeats) runs
        median  \(String(format: "%.6f", seconds)) s
        rate    \(String(format: "%.2f", gflops)) GFLOP/s  (\(String(format: "%.4g", flops)) FLOPs per pass)

        """
        return CommandOutput(text: text)
    }

    /// The median seconds of `repeats` forward passes in precision `S`, after a warm-up.
    private func time<S: AttentionScalar>(_: S.Type) throws -> Double {
        let d = dimensions
        var generator = SplitMix64(seed: 1)
        let scale = 1 / Double(d.modelDim).squareRoot()
        func draw(_ rows: Int, _ columns: Int, _ factor: Double) -> Matrix<S> {
            Matrix(rows: rows, columns: columns) { _, _ in S(generator.nextSigned() * factor) }
        }
        let x = draw(d.seqLen, d.modelDim, 1)
        let parameters = AttentionParameters(wq: draw(d.modelDim, d.modelDim, scale), wk: draw(d.modelDim, d.kvDim, scale),
                                             wv: draw(d.modelDim, d.kvDim, scale), wo: draw(d.modelDim, d.modelDim, scale))
        let configuration = AttentionConfiguration(heads: d.heads, kvHeads: d.kvHeads)
        _ = try MultiHeadAttention.forward(input: x, parameters: parameters, configuration: configuration)
        var samples: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try MultiHeadAttention.forward(input: x, parameters: parameters, configuration: configuration)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        samples.sort()
        let middle = samples.count / 2
        return samples.count % 2 == 1 ? samples[middle] : (samples[middle - 1] + samples[middle]) / 2
    }
}
