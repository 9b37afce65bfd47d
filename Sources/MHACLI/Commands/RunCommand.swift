import MHACore

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
        let text = options.useFloat ? try compute(Float.self, x, inputs) : try compute(Double.self, x, inputs)
        return CommandOutput(text: text.report, warnings: text.warnings, destination: options.output)
    }

    /// The forward pass in precision `S` and its rendering in the chosen format.
    private func compute<S: AttentionScalar>(_: S.Type, _ x: Matrix<Double>, _ inputs: RunInputs) throws
        -> (report: String, warnings: [String]) {
        let result = try MultiHeadAttention.forward(
            input: x.converted(to: S.self), parameters: inputs.parameters(S.self),
            mask: inputs.matrices["mask"]?.converted(to: S.self), configuration: inputs.configuration)
        return (try render(result, scaleGiven: inputs.configuration.scale != nil), result.warnings.map(\.description))
    }

    /// The result as text, JSON or CSV.
    private func render<S: AttentionScalar>(_ result: AttentionResult<S>, scaleGiven: Bool) throws -> String {
        switch options.format {
        case .json:
            return RunJSONReport.json(result, parts: options.show).rendered + "\n"
        case .csv:
            return CSVWriter.matrix(try csvMatrix(result), decimals: options.precision)
        case .text:
            let report = RunTextReport(result: result, parts: options.show, precision: options.precision,
                                       tokenNames: options.tokenNames, scaleGiven: scaleGiven, full: options.full)
            return report.lines.joined(separator: "\n") + "\n"
        }
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
