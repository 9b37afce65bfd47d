import MHACore
import MHAFormats

/// How `run` and `attend` present a result: the format, the parts shown, precision, labels,
/// steps and heatmaps. One place turns an `AttentionResult` into the text, JSON, CSV, LaTeX,
/// Markdown or SVG of either command, and the `--heatmap FILE.svg` picture.
struct ResultPresentation: Sendable {
    var format = OutputFormat.text
    /// The parts shown, in the order of `Part.allCases`, and whether `--show` was given.
    var show: [Part] = [.heads, .concat, .output]
    var showGiven = false
    /// Decimals in text and CSV, and whether `--precision` was given.
    var precision = 4
    var precisionGiven = false
    /// `-o`: text is uncoloured when written to a file.
    var output: String?
    var steps = false, heatmap = false, noColor = false, full = false
    /// `--heatmap FILE.svg`: where to write the SVG heatmap.
    var heatmapFile: String?
    /// `--heatmap-scale` (head by default), and whether it was given.
    var heatmapScale = HeatmapScale.head
    var heatmapScaleGiven = false
    /// `--tokens`.
    var tokenNames: [String]?
    /// Whether `-o`'s extension chose the format (messages then name `-o FILE`, not a
    /// `--format` the user did not give).
    var formatFromOutput = false

    /// How messages name the format: `--format npz`, or `-o out.npz` when the extension chose it.
    var formatSource: String { formatFromOutput ? "-o \(output ?? "")" : "--format \(format.rawValue)" }

    /// Reads `-o`, `--format` (or the format `-o`'s extension implies), `--precision`,
    /// `--steps`, `--heatmap [FILE.svg]`, `--heatmap-scale`, `--no-color` and `--full`, as
    /// `run` declares them; `--show` and `--tokens` are read by each command.
    mutating func read(_ a: ParsedArguments) throws(UsageError) {
        typealias R = RunCommand
        output = try a[R.output]
        let given = try a[R.format]
        format = try OutputDestination.format(path: output, given: given)
        formatFromOutput = given == nil && output.flatMap(OutputDestination.format(ofPath:)) != nil
        let givenPrecision = try a[R.precision]
        (precision, precisionGiven) = (givenPrecision ?? 4, givenPrecision != nil)
        (steps, noColor, full) = (a[R.steps], a[R.noColor], a[R.full])
        switch try a[R.heatmap] {
        case .terminal?: heatmap = true
        case let .svg(path)?: heatmapFile = path
        case nil: break
        }
        let scale = try a[R.heatmapScale]
        (heatmapScale, heatmapScaleGiven) = (scale ?? .head, scale != nil)
    }

    /// The formats whose numbers `--precision` rounds (the SVG's in its tooltips); json, npy
    /// and npz hold them exactly.
    static let formatsWithDecimals: [OutputFormat] = [.text, .csv, .tsv, .latex, .markdown, .svg]
    /// The formats that elide the middle of large matrices unless `--full`; the others hold
    /// every value.
    static let formatsThatElide: [OutputFormat] = [.text, .latex, .markdown]

    /// `text, latex and markdown`.
    static func names(_ formats: [OutputFormat]) -> String {
        OutputDestination.alternatives(formats.map(\.rawValue), "and")
    }

    /// Presentation options that cannot go together.
    func checkCombinations() throws(UsageError) {
        if format.holdsOneMatrix, showGiven, show.count > 1 {
            throw .invalidRequest(
                "\(formatSource) prints one matrix, but --show names \(show.count) parts (\(show.map(\.rawValue).joined(separator: ","))); name one, or write every part with .npz"
            )
        }
        if format != .text, let flag = steps ? "--steps" : heatmap ? "--heatmap" : nil {
            throw .invalidRequest(
                "\(flag) draws text for people; it cannot be combined with \(formatSource)")
        }
        try checkIgnored()
    }

    /// Options that would have no effect with the others given: refused, never dropped.
    private func checkIgnored() throws(UsageError) {
        if let file = heatmapFile, let output, output != "-", OutputOverInput.sameDestination(file, output) {
            throw .invalidRequest(
                "--heatmap \(file) and -o \(output) name the same file; one would overwrite the other")
        }
        if steps, showGiven {
            throw .invalidRequest("--steps prints every part in order; --show chooses parts without --steps; give one")
        }
        if tokenNames != nil, [.csv, .tsv, .npy, .npz].contains(format) {
            throw .invalidRequest(
                "--tokens names rows and columns, but \(formatSource) holds bare matrices without labels; use --format text, markdown, latex, svg or json"
            )
        }
        if precisionGiven, !Self.formatsWithDecimals.contains(format), heatmapFile == nil {
            let holds =
                format == .json ? "always prints shortest round-trip numbers" : "holds the binary values exactly"
            throw .invalidRequest(
                "--precision sets the decimals of \(Self.names(Self.formatsWithDecimals)) (and of a --heatmap FILE.svg's tooltips); \(formatSource) \(holds)"
            )
        }
        if full, !Self.formatsThatElide.contains(format) {
            throw .invalidRequest(
                "--full stops eliding large matrices in \(Self.names(Self.formatsThatElide)); \(formatSource) always holds every value"
            )
        }
        if format == .svg, showGiven, show != [.weights] {
            throw .invalidRequest(
                "--format svg draws the attention weights of every head; --show \(show.map(\.rawValue).joined(separator: ",")) has no picture (give --show weights, or --format text, json, latex or markdown)"
            )
        }
        if heatmapScaleGiven, !heatmap, heatmapFile == nil, format != .svg {
            throw .invalidRequest(
                "--heatmap-scale sets the heatmap's shades; give --heatmap (terminal) or --heatmap FILE.svg too")
        }
    }

    /// The part a CSV output prints: the one `--show` names, else the output (the concat in
    /// `attend`).
    func csvPart(projected: Bool) -> Part { showGiven ? show.first ?? .output : projected ? .output : .concat }

    /// The intermediates the engine must keep for the parts shown.
    func intermediates(projected: Bool) -> Intermediates {
        var keep: Intermediates = []
        let parts = format == .csv ? [csvPart(projected: projected)] : show
        if parts.contains(.qkv) { keep.insert(.qkv) }
        if parts.contains(.scores) { keep.insert(.scores) }
        if parts.contains(.weights) || heatmap || heatmapFile != nil || format == .svg || steps {
            keep.insert(.weights)
        }
        if steps { keep.formUnion([.qkv, .scores]) }
        return keep
    }

    /// The report of `result` in the chosen format.
    /// - Parameters:
    ///   - rules: the score rules for the text header.
    ///   - cross: whether keys came from a memory (labels: `TokenAxes`).
    ///   - scaleGiven, biases: for the text header and titles.
    ///   - stepsText: the `--steps` document for a text style.
    func render<S: AttentionScalar>(
        _ result: AttentionResult<S>, rules: ScoreRulesSummary, cross: Bool,
        scaleGiven: Bool, biases: Set<String>,
        stepsText: (TextStyle) -> String
    ) throws -> String {
        let summary = self.summary(result, rules: rules, scaleGiven: scaleGiven)
        switch format {
        case .json:
            return RunJSONReport.json(result, parts: show, summary: summary).serialized() + "\n"
        case .latex, .markdown:
            let axes = TokenAxes(result.shapes, names: tokenNames, crossAttention: cross)
            let matrices = ReportMatrix.list(
                result, parts: show, axes: axes, biases: biases,
                scaleGiven: scaleGiven, configuration: rules.configuration,
                masked: summary.causal || rules.configuration.window != nil || summary.maskKind != nil)
            // The score rules in force (RoPE, soft-cap, ALiBi, window, mask kind) as the text header names them.
            let line =
                summary.line(precision: precision) + rules.lines(result.shapes).map { " · " + $0 }.joined()
                + (tokenNames.map { " · tokens " + $0.enumerated().map { "\($0) \($1)" }.joined(separator: ", ") } ?? "")
            return format == .latex
                ? LaTeXReport.document(matrices, summary: line, precision: precision, full: full)
                : MarkdownReport.document(matrices, summary: line, precision: precision, full: full)
        case .svg:
            return ""  // bytes, from `binary(_:cross:)`
        case .csv:
            return CSVWriter.matrix(try csvMatrix(result), decimals: precisionGiven ? precision : nil)
        case .tsv:
            return CSVWriter.matrix(try csvMatrix(result), decimals: precisionGiven ? precision : nil, separator: 0x09)
        case .npy, .npz:
            return ""  // bytes, from `binary(_:)`
        case .text:
            return text(
                result, rules: rules, cross: cross, scaleGiven: scaleGiven, biases: biases, summary: summary,
                stepsText: stepsText)
        }
    }

    /// The bytes of `--format npy` (one matrix), `npz` (every shown part) or `svg` (built as
    /// bytes, written as they are); nil for text formats.
    func binary<S: NPYScalar>(_ result: AttentionResult<S>, cross: Bool) throws -> [UInt8]? {
        switch format {
        case .npy: return NPYWriter.data(try csvMatrix(result))
        case .npz: return try archive(RunArchive.members(result, parts: show))
        case .svg: return try svg(result, cross: cross)
        default: return nil
        }
    }

    /// The `.npz` of `members`; too many of them (plain zip counts 65 535) is refused with
    /// what to write instead.
    private func archive(_ members: [NPZMember]) throws -> [UInt8] {
        do throws(NPZWriterError) {
            return try NPZWriter.archive(members)
        } catch {
            guard case let .tooManyMembers(count) = error else { throw error }
            throw OutputError.cannotWrite(
                path: output ?? "<stdout>",
                reason:
                    "the .npz archive would have \(count) members (a part per head is one member per head); at most 65535 fit: show fewer parts with --show, write them as JSON (-o FILE.json), or one matrix per .npy file (-o concat.npy --show concat)"
            )
        }
    }

    /// The bytes of `--format npy` for a batch: the one shown matrix of every sequence as one
    /// B × rows × columns array; nil for other formats.
    func binary<S: NPYScalar>(batch results: [AttentionResult<S>]) throws -> [UInt8]? {
        guard format == .npy else { return nil }
        let matrices = try results.map { result throws(UsageError) in try csvMatrix(result, inBatch: true) }
        guard let first = matrices.first, matrices.allSatisfy({ $0.rows == first.rows && $0.columns == first.columns })
        else {
            throw UsageError.invalidRequest(
                "--format npy writes a batch of one shape; these sequences differ; use --format json")
        }
        return NPYWriter.data(batch: matrices)
    }

    /// The files written besides the report: the SVG heatmap of `--heatmap FILE.svg`.
    func files<S: AttentionScalar>(_ result: AttentionResult<S>, cross: Bool) throws(MemoryBudget) -> [OutputFile] {
        guard let heatmapFile else { return [] }
        return [OutputFile(path: heatmapFile, bytes: try svg(result, cross: cross))]
    }

    /// What was computed, for headers, documents and JSON.
    private func summary<S: AttentionScalar>(
        _ result: AttentionResult<S>, rules: ScoreRulesSummary,
        scaleGiven: Bool
    ) -> ComputationSummary {
        ComputationSummary(
            shapes: result.shapes, causal: rules.configuration.causal, maskKind: rules.maskKind?.rawValue,
            scaleGiven: scaleGiven, tokens: tokenNames, headDimGiven: rules.configuration.headDim != nil,
            rules: rules, precisionName: S.precisionName)
    }

    /// Every head's weights as one SVG picture, refused (`MemoryBudget`, exit 65) before it is
    /// built when its bytes would not fit in the memory left.
    private func svg<S: AttentionScalar>(_ result: AttentionResult<S>, cross: Bool) throws(MemoryBudget) -> [UInt8] {
        let axes = TokenAxes(result.shapes, names: tokenNames, crossAttention: cross)
        let heatmap = SVGHeatmap(
            weights: (result.weights ?? []).map { $0.converted(to: Double.self) },
            queryPositions: axes.queryPositions, tokens: axes.heatmapNames,
            absolute: heatmapScale == .absolute, precision: precision,
            computedIn: S.precisionName == "float64" ? nil : S.precisionName)
        let bytes = heatmap.estimatedBytes
        try MemoryBudget.check(
            values: bytes < 9e18 ? Int(bytes) : nil, bytesPerValue: 1,
            what: "drawing the attention weights as SVG (\(heatmap.cellsDescription))")
        return heatmap.render()
    }

    /// The report of a batch: JSON with every part gaining a leading batch index (and
    /// `shapes.batch`), text with each sequence's report under `batch b of B`, NPY as one
    /// B × rows × columns array (`binary(batch:)`); CSV, TSV and NPZ hold one sequence, so a
    /// batch is refused there.
    func renderBatch<S: AttentionScalar>(
        _ results: [AttentionResult<S>], rules: (AttentionResult<S>) -> ScoreRulesSummary,
        cross: Bool, scaleGiven: Bool, biases: Set<String>,
        stepsText: (Int, TextStyle) -> String
    ) throws -> String {
        if heatmapFile != nil || [.svg, .latex, .markdown].contains(format) {
            let (what, instead) =
                heatmapFile != nil
                ? ("--heatmap FILE.svg draws one sequence", "--heatmap (the terminal's) or --format json")
                : ("\(formatSource) writes up one sequence", "--format json or text")
            throw UsageError.invalidRequest(
                "\(what), but the input is a batch of \(results.count) sequences; use \(instead)")
        }
        switch format {
        case .json:
            guard let first = results.first else { return "{}\n" }
            let perBatch = results.map { RunJSONReport.members($0, parts: show) }
            var members: [(String, JSONValue)] = [
                ("shapes", .object([("batch", .int(results.count))] + RunJSONReport.shapes(first.shapes)))
            ]
            members += RunJSONReport.summaryMembers(summary(first, rules: rules(first), scaleGiven: scaleGiven))
            for (index, member) in perBatch[0].enumerated() {
                members.append(
                    (member.0, .array(perBatch.map { $0.indices.contains(index) ? $0[index].1 : .array([]) })))
            }
            return JSONValue.object(members).serialized() + "\n"
        case .npy:
            return ""  // bytes, from `binary(batch:)`
        case .csv, .tsv, .npz:
            throw UsageError.invalidRequest(
                "\(formatSource) holds one sequence, but the input is a batch of \(results.count) sequences; \(formatFromOutput ? "write a .json or .npy file" : "use --format json or npy")"
            )
        case .text, .latex, .markdown, .svg:
            return results.enumerated().map { b, result in
                "batch \(b + 1) of \(results.count)\n"
                    + text(
                        result, rules: rules(result), cross: cross, scaleGiven: scaleGiven, biases: biases,
                        summary: summary(result, rules: rules(result), scaleGiven: scaleGiven)
                    ) { stepsText(b, $0) }
            }.joined(separator: "\n")
        }
    }

    /// The text report: every step with `--steps`, else the shown parts, then the heatmaps
    /// with `--heatmap`.
    private func text<S: AttentionScalar>(
        _ result: AttentionResult<S>, rules: ScoreRulesSummary, cross: Bool,
        scaleGiven: Bool, biases: Set<String>, summary: ComputationSummary,
        stepsText: (TextStyle) -> String
    ) -> String {
        let color =
            output == nil
            && TerminalColor.enabled(
                isTTY: TerminalColor.stdoutIsTTY(), environment: ProcessEnvironment.variables(),
                noColorFlag: noColor)
        // The text shows the names with their bidi controls and line separators escaped.
        let names = tokenNames?.map(TerminalTokenName.shown)
        let style = TextStyle(precision: precision, tokens: names, full: full, color: color)
        let axes = TokenAxes(result.shapes, names: names, crossAttention: cross)
        var sections: [String]
        if steps {
            sections = [stepsText(style)]
        } else {
            let report = RunTextReport(
                result: result, parts: show, precision: precision, axes: axes,
                scaleGiven: scaleGiven, full: full, biases: biases, summary: summary, rules: rules)
            sections = [report.lines.joined(separator: "\n")]
        }
        if heatmap, let weights = result.weights {
            let width = TerminalColumns.current(
                toTerminal: output == nil && TerminalColor.stdoutIsTTY(),
                environment: ProcessEnvironment.variables())
            sections.append(
                HeatmapRenderer.render(
                    weights: weights, queryPositions: axes.queryPositions,
                    tokens: axes.heatmapNames, color: color, width: width,
                    full: full, absolute: heatmapScale == .absolute))
        }
        return sections.joined(separator: "\n\n") + "\n"
    }

    /// The one matrix `--format csv` prints, or a usage error when the part has several.
    private func csvMatrix<S: AttentionScalar>(_ result: AttentionResult<S>, inBatch: Bool = false) throws(UsageError)
        -> Matrix<S>
    {
        let part = csvPart(projected: result.shapes.projected)
        let instead = inBatch ? "use --format json" : "write them all with .npz, or use --format json"
        let perHead: [Matrix<S>]?
        switch part {
        case .output: return result.output
        case .concat: return result.concat
        case .qkv:
            throw .invalidRequest(
                "\(formatSource) prints one matrix, but --show qkv has three (Q, K, V); \(instead)"
            )
        case .heads: perHead = result.heads
        case .scores: perHead = result.scores
        case .weights: perHead = result.weights
        }
        guard let matrices = perHead, matrices.count == 1, let only = matrices.first else {
            throw .invalidRequest(
                "\(formatSource) prints one matrix, but --show \(part.rawValue) has one per head (\(result.shapes.heads)); \(instead)"
            )
        }
        return only
    }
}
