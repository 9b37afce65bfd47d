import MHACore
import MHAFormats

/// The options of `mha-cli run`, read and checked (swift-argument-parser's `validate`).
/// Checks that need the data (token names against n, one CSV matrix per head) happen later.
struct RunOptions: Sendable {
    /// How to fill weights that were not given.
    enum WeightFill: Equatable, Sendable {
        /// Identity matrices (W^o: identity too).
        case identity
        /// Seeded uniform values in [-1, 1) scaled by 1/√d_model.
        case random(seed: UInt64)

        /// `identity`, `random` or `random:SEED`, as `--weights` takes it.
        init(_ text: String, _ option: OptionSpec) throws(UsageError) {
            if text == "identity" {
                self = .identity
            } else if text == "random" {
                self = .random(seed: 0)
            } else if text.hasPrefix("random:"), let seed = UInt64(text.dropFirst("random:".count)) {
                self = .random(seed: seed)
            } else {
                throw option.invalid(text, "expected identity, random or random:SEED (SEED a non-negative integer)")
            }
        }
    }

    /// Paths of the matrix inputs by bundle key (x, wq, …, mask, in_proj).
    var paths: [String: String] = [:]
    /// `--bundle`.
    var bundle: String?
    /// `--weights`.
    var fill: WeightFill?
    /// `--heads`, `--kv-heads`.
    var heads: Int?, kvHeads: Int?
    /// `--causal` (given on the command line).
    var causal = false
    /// `--no-causal`: switches off a bundle's `causal: true`.
    var noCausal = false
    /// `--scale`.
    var scale: Double?
    /// `--token`.
    var token: Int?
    /// `--layout`.
    var layout: WeightLayout?
    /// `--format`.
    var format = OutputFormat.text
    /// `--show`, in the order of `Part.allCases`.
    var show: [Part] = [.heads, .concat, .output]
    /// Whether `--show` was given.
    var showGiven = false
    /// `--precision`.
    var precision = 4
    /// Whether `--precision` was given (CSV prints shortest round-trip numbers without it).
    var precisionGiven = false
    /// `--float`.
    var useFloat = false
    /// `-o`.
    var output: String?
    /// Visualisation options, passed through to the renderers.
    var steps = false, heatmap = false, noColor = false, full = false
    /// `--heatmap FILE.svg`: where to write the SVG heatmap.
    var heatmapFile: String?
    /// `--heatmap-scale` (head by default).
    var heatmapScale = HeatmapScale.head
    /// `--tokens`.
    var tokenNames: [String]?
    /// `--checkpoint FILE --layer L [--arch A] [--config FILE]`.
    var checkpoint: CheckpointChoice?

    /// The matrix options and their bundle keys.
    static let matrixOptions: [(option: Option<String>, key: String)] = [
        (RunCommand.input, "x"), (RunCommand.wq, "wq"), (RunCommand.wk, "wk"), (RunCommand.wv, "wv"),
        (RunCommand.wo, "wo"), (RunCommand.bq, "bq"), (RunCommand.bk, "bk"), (RunCommand.bv, "bv"),
        (RunCommand.bo, "bo"), (RunCommand.mask, "mask"), (RunCommand.inProjection, "in_proj"),
    ]

    /// Reads every option of `run`.
    /// - Throws: `UsageError` quoting the option and value.
    init(_ a: ParsedArguments) throws(UsageError) {
        typealias R = RunCommand
        for (option, key) in Self.matrixOptions { paths[key] = try a[option] }
        bundle = try a[R.bundle]
        fill = try a[R.weights]
        heads = try a[R.heads]
        kvHeads = try a[R.kvHeads]
        causal = a[R.causal]
        noCausal = a[R.noCausal]
        scale = try a[R.scale]
        token = try a[R.token]
        layout = try a[R.layout]
        output = try a[R.output]
        format = try WriteUpExtensions.format(path: output, given: try a[R.format])
        if let parts = try a[R.show] {
            show = Part.allCases.filter { parts.contains($0.rawValue) }
            showGiven = true
        }
        let givenPrecision = try a[R.precision]
        (precision, precisionGiven) = (givenPrecision ?? 4, givenPrecision != nil)
        useFloat = a[R.useFloat]
        (steps, noColor, full) = (a[R.steps], a[R.noColor], a[R.full])
        switch try a[R.heatmap] {
        case .terminal?: heatmap = true
        case let .svg(path)?: heatmapFile = path
        case nil: break
        }
        let scale = try a[R.heatmapScale]
        heatmapScale = scale ?? .head
        checkpoint = try CheckpointChoice(a)
        if let names = try a[R.tokens] {
            if let bad = names.first(where: { $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }) {
                throw R.tokens.spec.invalid(names.joined(separator: ","),
                                            "token name '\(bad)' contains a control character (tab, newline, escape)")
            }
            // Format and bidi characters (U+202E …) are shown escaped, like every printed string.
            tokenNames = names.map { MessageText.escaped($0) }
        }
        try checkCombinations()
        try checkIgnored(heatmapScaleGiven: scale != nil)
    }

    /// Options that would have no effect with the others given: refused, never dropped.
    private func checkIgnored(heatmapScaleGiven: Bool) throws(UsageError) {
        if steps, showGiven {
            throw .invalidRequest("--steps prints every part in order; --show chooses parts without --steps; give one")
        }
        if tokenNames != nil, format == .csv {
            throw .invalidRequest("--tokens names rows and columns, but --format csv prints the bare matrix without labels; use --format text, markdown or json")
        }
        if precisionGiven, format == .json {
            throw .invalidRequest("--precision sets decimals in text, csv, latex and markdown; --format json always prints shortest round-trip numbers")
        }
        if full, format == .json || format == .csv || format == .svg {
            throw .invalidRequest("--full stops eliding large matrices in text, latex and markdown; --format \(format.rawValue) always holds every value")
        }
        if heatmapScaleGiven, !heatmap, heatmapFile == nil, format != .svg {
            throw .invalidRequest("--heatmap-scale sets the heatmap's shades; give --heatmap (terminal) or --heatmap FILE.svg too")
        }
    }

    /// Options that cannot go together.
    private func checkCombinations() throws(UsageError) {
        if causal, noCausal { throw .invalidRequest("--causal and --no-causal contradict each other; give one") }
        if format == .csv, showGiven, show.count > 1 {
            throw .invalidRequest("--format csv prints one matrix, but --show names \(show.count) parts (\(show.map(\.rawValue).joined(separator: ","))); name one")
        }
        if format != .text, let flag = steps ? "--steps" : heatmap ? "--heatmap" : nil {
            throw .invalidRequest("\(flag) draws text for people; it cannot be combined with --format \(format.rawValue)")
        }
        if paths["in_proj"] != nil, let separate = ["wq", "wk", "wv"].first(where: { paths[$0] != nil }) {
            throw .invalidRequest("--in-proj replaces --wq, --wk and --wv; do not give --\(separate) too")
        }
        if checkpoint != nil, bundle != nil {
            throw .invalidRequest("--checkpoint and --bundle both give the weights; give one")
        }
        if paths.values.filter({ $0 == "-" }).count + (bundle == "-" ? 1 : 0) > 1 {
            throw .invalidRequest("only one input can read stdin ('-')")
        }
    }

    /// The part a CSV output prints: the one `--show` names, else the output.
    var csvPart: Part { showGiven ? show.first ?? .output : .output }

    /// The parts printed: the one CSV matrix, else every shown part.
    var printedParts: [Part] { format == .csv ? [csvPart] : show }

    /// The intermediates the engine must keep for the parts shown.
    var intermediates: Intermediates {
        var keep: Intermediates = []
        let parts = format == .csv ? [csvPart] : show
        if parts.contains(.qkv) { keep.insert(.qkv) }
        if parts.contains(.scores) { keep.insert(.scores) }
        if parts.contains(.weights) || heatmap || heatmapFile != nil || format == .svg || steps { keep.insert(.weights) }
        if steps { keep.formUnion([.qkv, .scores]) }
        return keep
    }
}
