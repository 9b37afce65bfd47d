import Foundation
import MHACore
import MHAFormats

/// `mha-cli run`: reads H and the weights, runs the forward pass, prints the parts asked for.
struct RunCommand: Command {
    /// The checked options.
    let options: RunOptions

    init(_ arguments: ParsedArguments) throws {
        options = try RunOptions(arguments)
    }

    func run() throws -> CommandOutput {
        let inputs = try RunInputs(options)
        let x = try inputs.input()
        if let names = options.tokenNames, names.count != x.rows {
            throw UsageError.invalidRequest("--tokens names \(names.count) tokens but the input has \(x.rows) rows")
        }
        try checkOutputBudget(x, inputs)
        var warnings: [String] = []
        if options.useFloat {
            let bundle = options.bundle.map { $0 == "-" ? "<stdin>" : $0 }
            try FloatRangeError.check(inputs.matrices, files: options.paths, bundle: bundle)
            warnings = FloatRangeError.underflowWarnings(inputs.matrices, files: options.paths, bundle: bundle)
            // The float32 copies of the inputs are held beside the float64 ones during the run.
            let values = inputs.matrices.values.reduce(0) { $0 + $1.elements.count }
            try MemoryBudget.check(values: values, bytesPerValue: MemoryLayout<Float>.stride, what: "converting the inputs to float32")
        }
        let text = options.useFloat ? try compute(Float.self, x, inputs) : try compute(Double.self, x, inputs)
        return CommandOutput(text: text.report, warnings: warnings + text.warnings, destination: options.output, files: text.files)
    }

    /// Refuses, before the forward pass, an output too large to build in memory.
    private func checkOutputBudget(_ x: Matrix<Double>, _ inputs: RunInputs) throws(MemoryBudget) {
        let c = inputs.configuration
        let wo = inputs.matrices["wo"]
        let outputDim = (inputs.layout == .torch ? wo?.rows : wo?.columns) ?? x.columns
        let dimensions = OutputBudget.Dimensions(
            tokens: x.rows, modelDim: x.columns, heads: c.heads, kvHeads: c.kvHeads ?? c.heads, outputDim: outputDim,
            queryRows: c.token == nil ? x.rows : 1, scalarBytes: options.useFloat ? 4 : 8)
        let keep = c.intermediates
        try OutputBudget.check(dimensions, parts: options.steps ? Part.allCases : options.printedParts, format: options.format,
                               precision: options.precisionGiven ? options.precision : nil, full: options.full,
                               keepsPerHead: keep.contains(.scores) || keep.contains(.weights), layout: inputs.layout)
    }

    /// The forward pass in precision `S` and its rendering in the chosen format.
    private func compute<S: AttentionScalar>(_: S.Type, _ x: Matrix<Double>, _ inputs: RunInputs) throws
        -> (report: String, warnings: [String], files: [OutputFile]) {
        let input = x.converted(to: S.self)
        let parameters: AttentionParameters<S> = try inputs.parameters(S.self)
        let mask = inputs.matrices["mask"]?.converted(to: S.self)
        let result = try forward(input, parameters, mask, inputs)
        let summary = ComputationSummary(shapes: result.shapes, causal: inputs.configuration.causal,
                                         maskKind: mask == nil ? nil : "keep", scaleGiven: inputs.configuration.scale != nil,
                                         tokens: options.tokenNames)
        let report: String
        switch options.format {
        case .json:
            report = RunJSONReport.json(result, parts: options.show, summary: summary).serialized() + "\n"
        case .latex, .markdown:
            let matrices = ReportMatrix.list(result, parts: options.show, tokens: options.tokenNames, biases: parameters.biasNames,
                                             scaleGiven: summary.scaleGiven, masked: summary.causal || mask != nil)
            let line = summary.line(precision: options.precision)
                + (options.tokenNames.map { " · tokens " + $0.enumerated().map { "\($0) \($1)" }.joined(separator: ", ") } ?? "")
            report = options.format == .latex
                ? LaTeXReport.document(matrices, summary: line, precision: options.precision, full: options.full)
                : MarkdownReport.document(matrices, summary: line, precision: options.precision, full: options.full)
        case .svg:
            report = svg(result)
        case .csv:
            report = CSVWriter.matrix(try csvMatrix(result), decimals: options.precisionGiven ? options.precision : nil)
        case .text:
            report = text(result, input: input, parameters: parameters, mask: mask, configuration: inputs.configuration,
                          summary: summary)
        }
        let files = options.heatmapFile.map { [OutputFile(path: $0, text: svg(result))] } ?? []
        return (report, result.warnings.map(\.description), files)
    }

    /// Every head's weights as one SVG picture.
    private func svg<S: AttentionScalar>(_ result: AttentionResult<S>) -> String {
        let positions = result.shapes.token.map { [$0] } ?? Array(0..<result.shapes.tokens)
        return SVGHeatmap(weights: (result.weights ?? []).map { $0.converted(to: Double.self) }, queryPositions: positions,
                          tokens: options.tokenNames, absolute: options.heatmapScale == .absolute,
                          precision: options.precision).render()
    }

    /// The engine's forward pass; an error about a value read from a file names that file.
    private func forward<S: AttentionScalar>(_ input: Matrix<S>, _ parameters: AttentionParameters<S>, _ mask: Matrix<S>?,
                                             _ inputs: RunInputs) throws -> AttentionResult<S> {
        do {
            // The budget is read now, with the inputs, weights and their conversions all held.
            var configuration = inputs.configuration
            configuration.memoryLimit = AvailableMemory.bytes()
            return try MultiHeadAttention.forward(input: input, parameters: parameters, mask: mask,
                                                  configuration: configuration)
        } catch {
            if let sourced = BundleSourcedError.attributing(error, origins: inputs.origins) { throw sourced }
            throw error
        }
    }

    /// The text report: every step with `--steps`, else the shown parts, then the heatmaps
    /// with `--heatmap`.
    private func text<S: AttentionScalar>(_ result: AttentionResult<S>, input: Matrix<S>, parameters: AttentionParameters<S>,
                                          mask: Matrix<S>?, configuration: AttentionConfiguration,
                                          summary: ComputationSummary) -> String {
        let color = options.output == nil
            && TerminalColor.enabled(isTTY: TerminalColor.stdoutIsTTY(), environment: ProcessInfo.processInfo.environment,
                                     noColorFlag: options.noColor)
        let style = TextStyle(precision: options.precision, tokens: options.tokenNames, full: options.full, color: color)
        var sections: [String]
        if options.steps {
            sections = [StepsRenderer.render(input: input, parameters: parameters, mask: mask,
                                             configuration: configuration, result: result, style: style)]
        } else {
            let report = RunTextReport(result: result, parts: options.show, precision: options.precision,
                                       tokenNames: options.tokenNames, scaleGiven: configuration.scale != nil, full: options.full,
                                       biases: parameters.biasNames, summary: summary)
            sections = [report.lines.joined(separator: "\n")]
        }
        if options.heatmap, let weights = result.weights {
            let positions = result.shapes.token.map { [$0] } ?? Array(0..<result.shapes.tokens)
            let width = TerminalColumns.current(toTerminal: options.output == nil && TerminalColor.stdoutIsTTY(),
                                                environment: ProcessInfo.processInfo.environment)
            sections.append(HeatmapRenderer.render(weights: weights, queryPositions: positions,
                                                   tokens: options.tokenNames, color: color, width: width,
                                                   full: options.full, absolute: options.heatmapScale == .absolute))
        }
        return sections.joined(separator: "\n\n") + "\n"
    }

    /// The one matrix `--format csv` prints, or a usage error when the part has several.
    private func csvMatrix<S: AttentionScalar>(_ result: AttentionResult<S>) throws(UsageError) -> Matrix<S> {
        let part = options.csvPart
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
