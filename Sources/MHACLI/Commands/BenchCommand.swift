import Foundation
import MHACore
import MHAFormats

/// `mha-cli bench`: times the forward pass on seeded random data and reports the median.
struct BenchCommand: Command {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "bench",
        abstract: "Time the engine on random data of a given size.",
        discussion: """
        Runs the forward pass --repeat times on SplitMix64 data and reports the median wall time \
        and GFLOP/s, counting 8·n·d_model² + 4·n²·d_model floating-point operations per pass.
        """,
        options: [DimensionArguments.seqLen, DimensionArguments.modelDim, DimensionArguments.heads,
                  causalFlag, floatFlag, repeatOption, format])

    static let causalFlag = Flag("causal", help: "Time a causal pass (FLOPs are still counted in full).")
    static let floatFlag = Flag("float", help: "Time the single-precision engine (double by default).")
    static let repeatOption = Option<Int>.integer("repeat", "r", in: 1...1_000_000, help: "Timed runs (after one warm-up run).", default: "5")
    static let format = Option<OutputFormat>.choice("format", "format", help: "Output format.", default: "text", values: [.text, .json])

    /// n, d_model and τ, checked.
    let dimensions: DimensionArguments
    /// `--float`: time the single-precision engine.
    let useFloat: Bool
    /// `--causal`.
    let causal: Bool
    /// `--repeat`: timed runs after the warm-up.
    let repeats: Int
    /// `--format json`.
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        dimensions = try DimensionArguments(arguments, kvHeads: nil)
        useFloat = arguments[Self.floatFlag]
        causal = arguments[Self.causalFlag]
        repeats = try arguments[Self.repeatOption] ?? 5
        json = try arguments[Self.format] == .json
        try MemoryBudget.check(values: dimensions.bundleValueCount, bytesPerValue: useFloat ? 12 : 24, what: "the benchmark")
    }

    func run() throws -> CommandOutput {
        let d = dimensions
        let result = useFloat
            ? try Benchmark.forward(Float.self, sequenceLength: d.seqLen, modelWidth: d.modelDim, heads: d.heads,
                                    causal: causal, repeats: repeats)
            : try Benchmark.forward(Double.self, sequenceLength: d.seqLen, modelWidth: d.modelDim, heads: d.heads,
                                    causal: causal, repeats: repeats)
        let (seconds, gflops, flops) = (result.secondsMedian, result.gflops, result.flops)
        if json {
            let object = JSONValue.object([
                ("seq_len", .int(d.seqLen)), ("d_model", .int(d.modelDim)), ("heads", .int(d.heads)),
                ("causal", .bool(causal)), ("precision", .string(useFloat ? "float32" : "float64")),
                ("repeat", .int(repeats)), ("seconds_median", .number(seconds)),
                ("gflops", .number(gflops)), ("flops", Self.integral(flops)),
            ])
            return CommandOutput(text: object.serialized() + "\n")
        }
        let text = """
        n = \(d.seqLen), d_model = \(d.modelDim), τ = \(d.heads)\(causal ? ", causal" : ""), \(useFloat ? "float32" : "float64"), \(repeats) runs
        median  \(String(format: "%.6f", seconds)) s
        rate    \(String(format: "%.2f", gflops)) GFLOP/s  (\(String(format: "%.4g", flops)) FLOPs per pass)

        """
        return CommandOutput(text: text)
    }

    /// A count held as a `Double` as a JSON integer when it is a whole number that fits `Int`.
    static func integral(_ value: Double) -> JSONValue {
        guard value.rounded() == value, let exact = Int(exactly: value) else { return .number(value) }
        return .int(exact)
    }
}
