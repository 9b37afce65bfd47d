import Foundation
import MHACore
import MHAFormats

/// How `run` and `attend` present a result: the format, the parts shown, precision, labels,
/// steps and heatmaps. One place turns an `AttentionResult` into the text, JSON or CSV of
/// either command.
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
    /// `--tokens`.
    var tokenNames: [String]?

    /// Presentation options that cannot go together.
    func checkCombinations() throws(UsageError) {
        if format == .csv, showGiven, show.count > 1 {
            throw .invalidRequest("--format csv prints one matrix, but --show names \(show.count) parts (\(show.map(\.rawValue).joined(separator: ","))); name one")
        }
        if format != .text, let flag = steps ? "--steps" : heatmap ? "--heatmap" : nil {
            throw .invalidRequest("\(flag) draws text for people; it cannot be combined with --format \(format.rawValue)")
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
        if parts.contains(.weights) || heatmap || steps { keep.insert(.weights) }
        if steps { keep.formUnion([.qkv, .scores]) }
        return keep
    }

    /// The report of `result` in the chosen format.
    /// - Parameters:
    ///   - rules: the score rules for the text header.
    ///   - cross: whether keys came from a memory (labels: `TokenAxes`).
    ///   - scaleGiven, biases: for the text header and titles.
    ///   - stepsText: the `--steps` document for a text style.
    func render<S: AttentionScalar>(_ result: AttentionResult<S>, rules: ScoreRulesSummary, cross: Bool,
                                    scaleGiven: Bool, biases: Set<String>,
                                    stepsText: (TextStyle) -> String) throws -> String {
        switch format {
        case .json:
            return RunJSONReport.json(result, parts: show).serialized() + "\n"
        case .csv:
            return CSVWriter.matrix(try csvMatrix(result), decimals: precisionGiven ? precision : nil)
        case .text:
            return text(result, rules: rules, cross: cross, scaleGiven: scaleGiven, biases: biases, stepsText: stepsText)
        }
    }

    /// The report of a batch: JSON with every part gaining a leading batch index (and
    /// `shapes.batch`), text with each sequence's report under `batch b of B`; CSV prints
    /// one matrix, so a batch is refused.
    func renderBatch<S: AttentionScalar>(_ results: [AttentionResult<S>], rules: (AttentionResult<S>) -> ScoreRulesSummary,
                                         cross: Bool, scaleGiven: Bool, biases: Set<String>,
                                         stepsText: (Int, TextStyle) -> String) throws -> String {
        switch format {
        case .json:
            guard let first = results.first else { return "{}\n" }
            let perBatch = results.map { RunJSONReport.members($0, parts: show) }
            var members: [(String, JSONValue)] = [("shapes", .object([("batch", .int(results.count))] + RunJSONReport.shapes(first.shapes)))]
            for (index, member) in perBatch[0].enumerated() {
                members.append((member.0, .array(perBatch.map { $0.indices.contains(index) ? $0[index].1 : .array([]) })))
            }
            return JSONValue.object(members).serialized() + "\n"
        case .csv:
            throw UsageError.invalidRequest("--format csv prints one matrix, but the input is a batch of \(results.count) sequences; use --format json")
        case .text:
            return results.enumerated().map { b, result in
                "batch \(b + 1) of \(results.count)\n"
                    + text(result, rules: rules(result), cross: cross, scaleGiven: scaleGiven, biases: biases) { stepsText(b, $0) }
            }.joined(separator: "\n")
        }
    }

    /// The text report: every step with `--steps`, else the shown parts, then the heatmaps
    /// with `--heatmap`.
    private func text<S: AttentionScalar>(_ result: AttentionResult<S>, rules: ScoreRulesSummary, cross: Bool,
                                          scaleGiven: Bool, biases: Set<String>, stepsText: (TextStyle) -> String) -> String {
        let color = output == nil
            && TerminalColor.enabled(isTTY: TerminalColor.stdoutIsTTY(), environment: ProcessInfo.processInfo.environment,
                                     noColorFlag: noColor)
        let style = TextStyle(precision: precision, tokens: tokenNames, full: full, color: color)
        let axes = TokenAxes(result.shapes, names: tokenNames, crossAttention: cross)
        var sections: [String]
        if steps {
            sections = [stepsText(style)]
        } else {
            let report = RunTextReport(result: result, parts: show, precision: precision, axes: axes,
                                       scaleGiven: scaleGiven, full: full, biases: biases, rules: rules)
            sections = [report.lines.joined(separator: "\n")]
        }
        if heatmap, let weights = result.weights {
            sections.append(HeatmapRenderer.render(weights: weights, queryPositions: axes.queryPositions,
                                                   tokens: axes.heatmapNames, color: color))
        }
        return sections.joined(separator: "\n\n") + "\n"
    }

    /// The one matrix `--format csv` prints, or a usage error when the part has several.
    private func csvMatrix<S: AttentionScalar>(_ result: AttentionResult<S>) throws(UsageError) -> Matrix<S> {
        let part = csvPart(projected: result.shapes.projected)
        let perHead: [Matrix<S>]?
        switch part {
        case .output: return result.output
        case .concat: return result.concat
        case .qkv: throw .invalidRequest("--format csv prints one matrix, but --show qkv has three (Q, K, V); use --format json")
        case .heads: perHead = result.heads
        case .scores: perHead = result.scores
        case .weights: perHead = result.weights
        }
        guard let matrices = perHead, matrices.count == 1, let only = matrices.first else {
            throw .invalidRequest("--format csv prints one matrix, but --show \(part.rawValue) has one per head (\(result.shapes.heads)); use --format json")
        }
        return only
    }
}
