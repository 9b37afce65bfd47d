import MHACore
import MHAFormats

/// `mha-cli bench`: times the forward pass (or, with `--gemm`, the projections' matrix
/// product) on seeded random data and reports the median, with the machine's arithmetic peak
/// measured in the same run and the share of it reached.
struct BenchCommand: Command {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "bench",
        abstract: "Time the engine on random data of a given size.",
        discussion: """
            Runs the forward pass --repeat times on SplitMix64 data and reports the median wall time \
            and GFLOP/s, counting 8·n·d_model² + 4·n²·d_model floating-point operations per pass; \
            --gemm times the product (n × d_model)·(d_model × d_model) instead (2·n·d_model² \
            operations). Both report the arithmetic peak measured in the same run (independent \
            multiply-adds in registers on every thread) and the share of it reached, with the \
            instruction set in use (MHA_CPU=baseline|avx2|avx512 lowers it; MHA_THREADS caps the \
            threads). --rope, --alibi, --window, --softcap and --head-dim time the configured pass, \
            and --keep the pass that keeps what run --show or --steps prints (FLOPs still counted as \
            the plain pass's).
            """,
        options: [
            DimensionArguments.seqLen, DimensionArguments.modelDim, heads,
            causalFlag, floatFlag, gemmFlag, repeatOption, format, keep,
        ] + ScoreOptions.benchDeclarations)

    static let causalFlag = Flag(
        "causal", help: "Time a causal pass (FLOPs are still counted in full); not with --gemm, which has no mask.")
    static let floatFlag = Flag("float", help: "Time the single-precision engine (double by default).")
    static let gemmFlag = Flag(
        "gemm", help: "Time the matrix product (n × d_model)·(d_model × d_model) instead of the forward pass.")
    static let repeatOption = Option<Int>.integer(
        "repeat", "r", in: 1...1_000_000, help: "Timed runs (after one warm-up run).", default: "5")
    static let format = Option<OutputFormat>.choice(
        "format", "format", help: "Output format.", default: "text", values: [.text, .json])
    /// `--keep`'s parts, in the order the report names them.
    static let keptParts: [(name: String, part: Intermediates)] = [
        ("qkv", .qkv), ("scores", .scores), ("weights", .weights),
    ]
    static let keep = Option<[String]>.list(
        "keep", "parts", allowed: keptParts.map(\.name),
        help:
            "Comma list of intermediates the timed pass keeps, as run --show or --steps does: qkv, scores, weights (each head's n × n).",
        default: "none")

    /// n, d_model and τ, checked.
    let dimensions: DimensionArguments
    /// `--float`: time the single-precision engine.
    let useFloat: Bool
    /// `--causal`.
    let causal: Bool
    /// `--gemm`: time the matrix product.
    let gemm: Bool
    /// `--repeat`: timed runs after the warm-up.
    let repeats: Int
    /// `--format json`.
    let json: Bool
    /// RoPE, ALiBi, window, soft-cap, head width.
    let score: ScoreOptions
    /// `--keep`: the intermediates the timed pass keeps.
    let intermediates: Intermediates

    /// `--heads`, worded for bench, whose `--head-dim` lets τ not divide d_model.
    static let heads = DimensionArguments.heads.reworded(
        "τ, the number of heads; must divide d_model unless --head-dim.")

    init(_ arguments: ParsedArguments) throws {
        dimensions = try DimensionArguments(
            arguments, kvHeads: nil, defaultHeads: arguments[Self.gemmFlag] ? 1 : nil,
            headDim: arguments[ScoreOptions.headDimOption])
        useFloat = arguments[Self.floatFlag]
        causal = arguments[Self.causalFlag]
        gemm = arguments[Self.gemmFlag]
        repeats = try arguments[Self.repeatOption] ?? 5
        json = try arguments[Self.format] == .json
        score = try ScoreOptions(arguments)
        let kept = try arguments[Self.keep] ?? []
        intermediates = Intermediates(Self.keptParts.filter { kept.contains($0.name) }.map(\.part))
        if gemm, let first = (causal ? "--causal" : nil) ?? score.summary.first ?? kept.first.map({ _ in "--keep" }) {
            throw UsageError.invalidRequest(
                "--gemm times the product alone; \(first) configures the forward pass (drop one)")
        }
        try MemoryBudget.check(
            values: benchmarkValueCount, bytesPerValue: useFloat ? 4 : 8, what: "the benchmark")
    }

    func run() throws -> CommandOutput {
        let d = dimensions
        let result = try measure()
        let peak =
            useFloat
            ? Benchmark.arithmeticPeak(Float.self, repeats: 3) : Benchmark.arithmeticPeak(Double.self, repeats: 3)
        let share = peak.gflops > 0 ? result.gflops / peak.gflops : 0
        let precision = useFloat ? "float32" : "float64"
        if json {
            var fields: [(String, JSONValue)] =
                gemm
                ? [("gemm", .bool(true)), ("m", .int(d.seqLen)), ("k", .int(d.modelDim)), ("n", .int(d.modelDim))]
                : [
                    ("seq_len", .int(d.seqLen)), ("d_model", .int(d.modelDim)), ("heads", .int(d.heads)),
                    ("causal", .bool(causal)), ("options", .array(optionSummary.map { .string($0) })),
                ]
            fields += [
                ("precision", .string(precision)), ("repeat", .int(repeats)),
                ("seconds_median", .number(result.secondsMedian)), ("gflops", .number(result.gflops)),
                ("flops", Self.integral(result.flops)), ("cpu_seconds_median", .number(result.cpuSecondsMedian)),
                ("gflops_per_cpu_second", .number(result.gflopsPerCPUSecond)),
                ("peak_gflops", .number(peak.gflops)), ("peak_gflops_per_cpu_second", .number(peak.gflopsPerCPUSecond)),
                ("share_of_peak", .number(share)), ("cpu_level", .string(Kernels.cpuLevel.description)),
                ("threads", .int(Kernels.threadCount)),
            ]
            return CommandOutput(text: JSONValue.object(fields).serialized() + "\n")
        }
        let what =
            gemm
            ? "(\(d.seqLen) × \(d.modelDim))·(\(d.modelDim) × \(d.modelDim)) product"
            : "n = \(d.seqLen), d_model = \(d.modelDim), τ = \(d.heads)\(causal ? ", causal" : "")\(optionSummary.map { ", " + $0 }.joined())"
        let text = """
            \(what), \(precision), \(counted(repeats, "run"))
            median  \(PrintfFormat.string("%.6f", result.secondsMedian)) s
            rate    \(PrintfFormat.string("%.2f", result.gflops)) GFLOP/s  (\(PrintfFormat.string("%.4g", result.flops)) FLOPs per \(gemm ? "product" : "pass"))
            peak    \(PrintfFormat.string("%.2f", peak.gflops)) GFLOP/s  (multiply-adds in registers, \(Kernels.cpuLevel), \(Kernels.threadCount) threads; \(PrintfFormat.string("%.0f", 100 * share)) % of it reached)

            """
        return CommandOutput(text: text)
    }

    /// The score options in force and `--keep`'s parts, as the report names them.
    private var optionSummary: [String] {
        let kept = Self.keptParts.filter { intermediates.contains($0.part) }.map(\.name)
        return score.summary + (kept.isEmpty ? [] : ["keep " + kept.joined(separator: ",")])
    }

    /// Values the benchmark holds at once (nil on overflow): the product's A, B and C, or H,
    /// the weights and what the engine's forward pass allocates (`MemoryEstimate`, streamed:
    /// no n × n scores).
    private var benchmarkValueCount: Int? {
        let d = dimensions
        if gemm {
            return CheckedArithmetic.elementCount(
                [(d.seqLen, d.modelDim), (d.modelDim, d.modelDim)] + [(d.seqLen, d.modelDim)])
        }
        let pass = MemoryEstimate.Dimensions(
            tokens: d.seqLen, queryRows: d.seqLen, modelDim: d.modelDim, kvDim: d.kvDim, concatDim: d.concatDim,
            outputDim: d.modelDim, heads: d.heads, rotates: score.rotaryEmbedding != nil)
        let engine = MemoryEstimate.bytes(pass, keep: intermediates, layout: .xw, scalarBytes: 1)
        let inputs = CheckedArithmetic.elementCount(
            [(d.seqLen, d.modelDim), (d.modelDim, d.concatDim), (d.concatDim, d.modelDim)]
                + [(d.modelDim, d.kvDim), (d.modelDim, d.kvDim)])
        guard engine < Int.max, let inputs else { return nil }
        return CheckedArithmetic.elementCount([(inputs, 1), (engine, 1)])
    }

    /// Times the forward pass or, with `--gemm`, the product.
    private func measure() throws -> Benchmark.Result {
        let d = dimensions
        if gemm {
            return useFloat
                ? Benchmark.matrixProduct(Float.self, m: d.seqLen, n: d.modelDim, k: d.modelDim, repeats: repeats)
                : Benchmark.matrixProduct(Double.self, m: d.seqLen, n: d.modelDim, k: d.modelDim, repeats: repeats)
        }
        return useFloat ? try measureForward(Float.self) : try measureForward(Double.self)
    }

    /// The timed pass in precision `S`: the textbook's, or the one the score options configure.
    private func measureForward<S: AttentionScalar>(_ type: S.Type) throws -> Benchmark.Result {
        let d = dimensions
        var configuration = AttentionConfiguration(heads: d.heads, causal: causal, intermediates: intermediates)
        try score.configure(&configuration)
        AvailableMemory.limit(&configuration)
        return try Benchmark.forward(
            type, sequenceLength: d.seqLen, modelWidth: d.modelDim,
            configuration: configuration, repeats: repeats)
    }

    /// A count held as a `Double` as a JSON integer when it is a whole number that fits `Int`.
    static func integral(_ value: Double) -> JSONValue {
        guard value.rounded() == value, let exact = Int(exactly: value) else { return .number(value) }
        return .int(exact)
    }
}
