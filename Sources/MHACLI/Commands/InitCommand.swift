import MHACore
import MHAFormats

/// `mha-cli init`: writes a seeded, reproducible bundle that `run --bundle` accepts.
///
/// Distribution (SplitMix64 from `--seed`, draws in this order: x, wq, wk, wv, wo, then
/// bq, bk, bv, bo): every value is uniform in [-1, 1) and rounded to 4 decimals; x is used
/// as drawn, weights and biases are multiplied by 1/√d_model before rounding.
struct InitCommand: Command {
    /// The declaration that parsing, help and completions read.
    static let spec = CommandSpec(
        name: "init",
        abstract: "Write a seeded example bundle (JSON) of a given size to stdout.",
        discussion: """
            Values are uniform in [-1, 1) from a SplitMix64 generator seeded with --seed, rounded to \
            4 decimals; weights and biases are scaled by 1/√d_model. The same seed gives the same bundle.
            """,
        options: [
            DimensionArguments.modelDim, DimensionArguments.heads, DimensionArguments.seqLen,
            DimensionArguments.kvHeads, seedOption, causalFlag, biasesFlag, output,
        ])

    static let seedOption = Option<UInt64>(.value("seed", "s", help: "Seed of the generator.", default: "0")) {
        text, spec throws(UsageError) in
        guard let seed = UInt64(text) else { throw spec.invalid(text, "expected an integer from 0 to \(UInt64.max)") }
        return seed
    }
    static let causalFlag = Flag("causal", help: "Mark the bundle causal.")
    static let biasesFlag = Flag("biases", help: "Include the biases bq, bk, bv, bo.")
    static let output = Option<String>.outputFile(
        "output", short: "o",
        help: "Write the bundle to a file, atomically (.json, or a name without an extension).")

    /// d_model, τ, g and n, checked.
    let shapes: DimensionArguments
    /// `--seed`.
    let seed: UInt64
    /// `--causal`: written into the bundle.
    let causal: Bool
    /// `--biases`: draw bq, bk, bv, bo too.
    let biases: Bool
    /// `-o FILE`, or nil for stdout.
    let destination: String?

    init(_ arguments: ParsedArguments) throws {
        shapes = try DimensionArguments(arguments)
        seed = try arguments[Self.seedOption] ?? 0
        causal = arguments[Self.causalFlag]
        biases = arguments[Self.biasesFlag]
        destination = try arguments[Self.output]
        if let destination {
            try OutputDestination.requireOnly(.json, path: destination, writing: "init writes a JSON bundle")
        }
        try MemoryBudget.check(
            values: shapes.bundleValueCount, bytesPerValue: Self.bytesPerValue, what: "the bundle")
    }

    /// Bytes `init` holds per value of the bundle at its peak: the drawn Double (8) and its
    /// text (at most 8 bytes, `-0.1234,`) three times: the string being built, the buffer it
    /// grows out of, and the copy that appends the final newline.
    static let bytesPerValue = 8 + 3 * 8

    func run() throws -> CommandOutput {
        var generator = SplitMix64(seed: seed)
        let d = shapes.modelDim, n = shapes.seqLen, kv = shapes.kvDim
        let weightScale = 1 / Double(d).squareRoot()
        var members: [(String, JSONValue)] = [
            ("heads", .int(shapes.heads)), ("kv_heads", .int(shapes.kvHeads)), ("causal", .bool(causal)),
        ]
        let matrices: [(String, Int, Int, Double)] = [
            ("x", n, d, 1), ("wq", d, d, weightScale), ("wk", d, kv, weightScale),
            ("wv", d, kv, weightScale), ("wo", d, d, weightScale),
        ]
        for (key, rows, columns, scale) in matrices {
            members.append((key, .matrix(Self.draw(rows, columns, scale, &generator))))
        }
        if biases {
            for (key, length) in [("bq", d), ("bk", kv), ("bv", kv), ("bo", d)] {
                members.append(
                    (key, .array(Self.draw(1, length, weightScale, &generator).elements.map { .number($0) })))
            }
        }
        return CommandOutput(text: JSONValue.object(members).serialized() + "\n", destination: destination)
    }

    /// A rows × columns matrix of uniform [-1, 1) values times `scale`, rounded to 4 decimals.
    static func draw(_ rows: Int, _ columns: Int, _ scale: Double, _ generator: inout SplitMix64) -> Matrix<Double> {
        Matrix(rows: rows, columns: columns) { _, _ in
            let value = (generator.nextSigned() * scale * 10_000).rounded() / 10_000
            return value == 0 ? 0 : value
        }
    }
}
