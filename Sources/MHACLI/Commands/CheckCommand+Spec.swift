import MHACore
import MHAFormats

/// The declaration of `mha-cli check`: the answer, the part, and every option of `run` that
/// defines the computation (inputs, heads, masks, scale, token, layout…), so that a problem is
/// stated to `check` exactly as to `run`.
extension CheckCommand {
    /// Options of `run` that only change how results are printed; `check` prints a verdict,
    /// so it does not take them (given anyway, they are unknown options, never ignored).
    static let printingOptions: Set<String> = [
        "format", "show", "precision", "steps", "heatmap", "heatmap-scale",
        "tokens", "no-color", "full", "output",
    ]

    /// Options of `run` for problems `check` does not state: cross-attention (`--memory`) and
    /// float32 (`--float`; answers are checked against the exact float64 result).
    static let uncheckedOptions: Set<String> = ["memory", "float"]

    /// attend's Q, K and V: given, the problem is attention on them (`MultiHeadAttention.attend`).
    static let givenOperands = [AttendCommand.queries, AttendCommand.keys, AttendCommand.values]

    /// The options of `run` that `check` shares, in run's order.
    /// (`--wk`, `--wv` worded without run's `--memory`).
    static var problemOptions: [OptionSpec] {
        let reworded = Dictionary(
            uniqueKeysWithValues: RunCommand.selfAttentionKeyValueWeights.map { ($0.spec.long, $0.spec) })
        return RunCommand.spec.declaredOptions.filter {
            !printingOptions.contains($0.long) && !uncheckedOptions.contains($0.long)
        }.map { reworded[$0.long] ?? $0 }
    }

    static let spec = refusing(
        CommandSpec(
            name: "check",
            abstract: "Check a hand-computed matrix against the right one and name the mistake behind a wrong one.",
            discussion: """
                Give the problem as to run (-x, the weights or --bundle, --heads, --causal, --mask, --scale, --token, …) or as to \
                attend (-q, -k, -v and the same head, mask and score options; the default part is then the concat), your answer \
                with --answer FILE (.csv, .tsv, .json, .npy, or an array of an .npz or .safetensors file as FILE:NAME) and which \
                matrix it is with --part. Each entry is right if it is within \
                half a unit of the last decimal it is written with (0.67 covers 0.665…0.675; 10 or more significant digits: relative \
                1e-9). Exit 0: correct; exit 1: not correct, with the number of wrong entries, the first one, and every known \
                mistake (by id) whose result your answer matches, such as no-scale or softmax-columns. Rows and columns count \
                from 0, heads from 1.
                """,
            options: [answer, part, format, output] + problemOptions + givenOperands.map(\.spec)))

    /// `spec` with run's printing options, `--float` and `--memory` refused with their reason.
    private static func refusing(_ spec: CommandSpec) -> CommandSpec {
        var spec = spec
        for option in RunCommand.spec.declaredOptions + AttendCommand.spec.declaredOptions
        where printingOptions.contains(option.long) {
            let what =
                option.long == "tokens"
                ? "it only labels run's rows and columns with names" : "it only changes how run prints its result"
            spec.refused["--" + option.long] =
                "check does not take --\(option.long): \(what); check compares numbers and prints a verdict, so leave it out"
        }
        spec.refused["--float"] =
            "check does not take --float: answers are checked against the float64 result (a float32 answer passes within float32's rounding)"
        for flag in ["--memory", "-m"] {
            spec.refused[flag] = "check does not take \(flag): cross-attention problems cannot be checked yet"
        }
        return spec
    }

    static let answer = Option<String>.file(
        "answer", help: "Your matrix (.csv, .tsv, .json, .npy, FILE.npz:NAME, FILE.safetensors:NAME; '-' reads stdin).")
    static let part = Option<AttentionPart>(
        .value(
            "part", "part",
            help:
                "Which matrix the answer is: output, concat, head:J, weights:J, scores:J (J = 1…τ), q, k or v (before RoPE and a QK-norm), q-rotated, k-rotated (after RoPE), q-normed, k-normed (after a QK-norm).",
            default: "output; concat with -q, -k, -v",
            completion: .words([
                "output", "concat", "head:", "weights:", "scores:", "q", "k", "v", "q-rotated", "k-rotated", "q-normed",
                "k-normed",
            ])),
        convert: { text, spec throws(UsageError) in try AttentionPart(text, spec) })
    static let format = Option<OutputFormat>.choice(
        "format", "format", help: "Output format.", default: "text", values: [.text, .json])
    static let output = Option<String>.outputFile(
        "output", short: "o",
        help: "Write the verdict to a file, atomically ('-' is stdout); .json means --format json.")
}

extension OptionSpec: DeclaredOption {
    /// An untyped declaration is its own spec (a command reusing another's options).
    var spec: OptionSpec { self }
}

extension AttentionPart {
    /// `output`, `concat`, `q`, `k`, `v`, or `head:J`, `weights:J`, `scores:J` with J = 1…τ.
    init(_ text: String, _ option: OptionSpec) throws(UsageError) {
        let fields = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let reason =
            "expected output, concat, q, k, v, q-rotated, k-rotated, q-normed, k-normed, head:J, weights:J or scores:J (heads J = 1…τ)"
        switch (fields[0], fields.count == 2 ? fields[1] : nil) {
        case ("output", nil): self = .output
        case ("concat", nil): self = .concat
        case ("q", nil): self = .q
        case ("k", nil): self = .k
        case ("v", nil): self = .v
        case ("q-rotated", nil): self = .rotatedQ
        case ("k-rotated", nil): self = .rotatedK
        case ("q-normed", nil): self = .normedQ
        case ("k-normed", nil): self = .normedK
        case let (name, index?) where ["head", "weights", "scores"].contains(name):
            guard let j = Int(index) else {
                throw option.invalid(
                    text,
                    "'\(MessageText.escaped(index, limit: MessageText.quotedLimit))' is not a head number; expected \(name):J with J = 1…τ"
                )
            }
            guard j >= 1 else { throw option.invalid(text, "heads are numbered from 1 (\(name):1 … \(name):τ)") }
            self = name == "head" ? .head(j - 1) : name == "weights" ? .weights(head: j - 1) : .scores(head: j - 1)
        default:
            throw option.invalid(text, reason)
        }
    }
}
