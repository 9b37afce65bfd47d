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
    /// `--float`.
    var useFloat = false
    /// How the result is presented: format, `--show`, precision, `-o`, steps, heatmaps, `--tokens`.
    var presentation = ResultPresentation()
    /// RoPE, ALiBi, window, soft-cap, head width, position offset, mask kind.
    var score = ScoreOptions()
    /// `--checkpoint FILE --layer L [--arch A] [--config FILE]`.
    var checkpoint: CheckpointChoice?

    /// The matrix options and their bundle keys.
    static let matrixOptions: [(option: Option<String>, key: String)] = [
        (RunCommand.input, "x"), (RunCommand.wq, "wq"), (RunCommand.wk, "wk"), (RunCommand.wv, "wv"),
        (RunCommand.wo, "wo"), (RunCommand.bq, "bq"), (RunCommand.bk, "bk"), (RunCommand.bv, "bv"),
        (RunCommand.bo, "bo"), (RunCommand.mask, "mask"), (RunCommand.inProjection, "in_proj"),
        (RunCommand.memory, "memory"), (RunCommand.qkv, "qkv"), (RunCommand.qkvBias, "qkv_bias"),
        (RunCommand.inProjectionBias, "in_proj_bias"), (RunCommand.gq, "gq"), (RunCommand.gk, "gk"),
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
        useFloat = a[R.useFloat]
        try presentation.read(a)
        if let parts = try a[R.show] {
            presentation.show = Part.allCases.filter { parts.contains($0.rawValue) }
            presentation.showGiven = true
        }
        checkpoint = try CheckpointChoice(a)
        score = try ScoreOptions(a, rotaryFromFile: checkpoint != nil || bundle != nil)
        presentation.tokenNames = try Self.tokenNames(a)
        try checkCombinations()
    }

    /// `--tokens` (run's and attend's), kept exactly as given: a control character is
    /// refused, and so are bytes that are not UTF-8 (which the system's decoding would turn
    /// into U+FFFD). Each format writes the names as its rules allow (docs/output.md).
    static func tokenNames(_ a: ParsedArguments) throws(UsageError) -> [String]? {
        guard let names = try a[RunCommand.tokens] else { return nil }
        if let bad = names.first(where: { $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }) {
            throw RunCommand.tokens.spec.invalid(
                names.joined(separator: ","), "token name '\(bad)' contains a control character (tab, newline, escape)")
        }
        for (index, name) in names.enumerated() {
            guard let byte = RawArgumentBytes.firstInvalidByte(inArgumentContaining: name) else { continue }
            let hex = String(byte, radix: 16, uppercase: true)
            throw RunCommand.tokens.spec.invalid(
                names.joined(separator: ","),
                "token name \(index + 1) ('\(name)') holds bytes that are not UTF-8 (0x\(hex.count == 1 ? "0" + hex : hex)); write the names in UTF-8"
            )
        }
        return names
    }

    /// For `--tokens` giving more names than rows: `; a comma inside a name is \,`, which is
    /// the likely cause; empty otherwise.
    static func commaHint(_ names: [String], _ rows: Int) -> String {
        names.count > rows ? #"; a comma inside a name is written \,"# : ""
    }

    /// Options that cannot go together.
    private func checkCombinations() throws(UsageError) {
        if causal, noCausal { throw .invalidRequest("--causal and --no-causal contradict each other; give one") }
        try presentation.checkCombinations()
        try WeightAssembly.refuseContradictingFlags(paths)
        if checkpoint != nil, bundle != nil {
            throw .invalidRequest("--checkpoint and --bundle both give the weights; give one")
        }
        if let bundle, MatrixSource(argument: bundle).arrayName != nil {
            throw .invalidRequest(
                "--bundle reads a whole bundle (a JSON object, or an .npz of named arrays) and takes no :NAME; \(MessageText.quoted(bundle)) picks one array (give it as -x, --wq, … instead)"
            )
        }
        try StandardInputReaders.check(Array(paths.values) + [bundle].compactMap { $0 }, checkpoint: checkpoint)
    }

    /// The part a CSV output prints: the one `--show` names, else the output.
    var csvPart: Part { presentation.csvPart(projected: true) }

    /// The parts printed: the one matrix of CSV, TSV or NPY, else every shown part.
    var printedParts: [Part] { presentation.format.holdsOneMatrix ? [csvPart] : presentation.show }

    /// The intermediates the engine must keep for the parts shown.
    var intermediates: Intermediates { presentation.intermediates(projected: true) }
}
