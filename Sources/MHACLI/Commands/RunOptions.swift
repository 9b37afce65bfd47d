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
    /// `--tokens`.
    var tokenNames: [String]?

    /// The matrix options and their bundle keys.
    static let matrixOptions: [(option: String, key: String)] = [
        ("input", "x"), ("wq", "wq"), ("wk", "wk"), ("wv", "wv"), ("wo", "wo"), ("bq", "bq"),
        ("bk", "bk"), ("bv", "bv"), ("bo", "bo"), ("mask", "mask"), ("in-proj", "in_proj"),
    ]

    /// Reads every option of `run`.
    /// - Throws: `UsageError` quoting the option and value.
    init(_ a: ParsedArguments) throws(UsageError) {
        for (option, key) in Self.matrixOptions { paths[key] = a.string(option) }
        bundle = a.string("bundle")
        fill = try a.string("weights").map { text throws(UsageError) in try Self.fill(text, a) }
        heads = try a.integer("heads", minimum: 1)
        kvHeads = try a.integer("kv-heads", minimum: 1)
        causal = a.flag("causal")
        noCausal = a.flag("no-causal")
        scale = try a.number("scale")
        token = try a.integer("token", minimum: 0)
        layout = try a.choice("layout", as: WeightLayout.self)
        format = try a.choice("format", as: OutputFormat.self) ?? .text
        if let parts = try a.list("show", allowed: Part.allCases.map(\.rawValue)) {
            show = Part.allCases.filter { parts.contains($0.rawValue) }
            showGiven = true
        }
        let givenPrecision = try a.integer("precision", in: 0...17)
        (precision, precisionGiven) = (givenPrecision ?? 4, givenPrecision != nil)
        useFloat = a.flag("float")
        output = a.string("output")
        (steps, heatmap, noColor, full) = (a.flag("steps"), a.flag("heatmap"), a.flag("no-color"), a.flag("full"))
        tokenNames = try a.list("tokens")
        if let names = tokenNames, let bad = names.first(where: { $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }) {
            throw a.invalid(names.joined(separator: ","), "tokens",
                            "token name '\(bad)' contains a control character (tab, newline, escape)")
        }
        try checkCombinations()
    }

    /// `identity`, `random` or `random:SEED`.
    private static func fill(_ text: String, _ a: ParsedArguments) throws(UsageError) -> WeightFill {
        if text == "identity" { return .identity }
        if text == "random" { return .random(seed: 0) }
        if text.hasPrefix("random:"), let seed = UInt64(text.dropFirst("random:".count)) { return .random(seed: seed) }
        throw a.invalid(text, "weights", "expected identity, random or random:SEED (SEED a non-negative integer)")
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
        if parts.contains(.weights) || heatmap || steps { keep.insert(.weights) }
        if steps { keep.formUnion([.qkv, .scores]) }
        return keep
    }
}
