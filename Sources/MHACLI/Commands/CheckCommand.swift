import MHACore
import MHAFormats

/// `mha-cli check`: compares a hand-computed matrix with the right one (DESIGN §6) and
/// names the catalogued mistakes whose result it matches. Exit 0 correct, 1 not correct.
struct CheckCommand: Command {
    /// The problem's options, read as `run` reads them.
    let problem: RunOptions
    /// `--answer`.
    let answerPath: String
    /// `--part`.
    let part: AttentionPart
    /// `--format json`, or `-o FILE.json`.
    let json: Bool
    /// `-o`.
    let output: String?

    init(_ arguments: ParsedArguments) throws {
        guard let answer = try arguments[Self.answer] else {
            throw UsageError.missingOption(
                option: Self.answer.spec.display, reason: "give the matrix you computed, e.g. --answer answer.csv")
        }
        answerPath = answer
        part = try arguments[Self.part] ?? .output
        output = try arguments[Self.output]
        // `-o FILE` picks the format by extension as run's does (.json: JSON).
        json =
            try OutputDestination.format(path: output, given: arguments[Self.format], allowed: [.text, .json]) == .json
        var shared = ParsedArguments(spec: RunCommand.spec)
        for option in Self.problemOptions {
            if let values = arguments.occurrences[option.long] { shared.occurrences[option.long] = values }
        }
        problem = try RunOptions(shared)
        if answer == "-", problem.paths.values.contains("-") || problem.bundle == "-" {
            throw UsageError.invalidRequest("only one input can read stdin ('-')")
        }
    }

    func run() throws -> CommandOutput {
        let written = try AnswerReader.read(path: answerPath)
        let inputs = try RunInputs(problem)
        if inputs.isBatch {
            throw UsageError.invalidRequest(
                "check compares one sequence's matrix, but the input is a batch (3-D .npy); give one sequence")
        }
        if inputs.matrices["memory"] != nil {
            // Only a bundle can give check a memory (it takes no --memory): its data, named.
            let message = "check states self-attention problems; a memory (cross-attention) cannot be checked yet"
            if let sourced = BundleSourcedError.attributing(message, among: ["memory"], origins: inputs.origins) {
                throw sourced
            }
            throw UsageError.invalidRequest(message)
        }
        let statement = AttentionProblem(
            input: try inputs.input(), parameters: try inputs.parameters(Double.self),
            mask: inputs.mask(Double.self), configuration: inputs.configuration)
        let report: CheckReport
        do {
            report = try AnswerCheck.check(written, part: part, problem: statement)
        } catch let error as AttentionError {
            if let sourced = BundleSourcedError.attributing(
                error, origins: inputs.origins, given: Set(inputs.matrices.keys))
            {
                throw sourced
            }
            throw error
        }
        let name = answerPath == "-" ? "<stdin>" : answerPath
        let text =
            json
            ? CheckReportText.json(report).serialized() + "\n"
            : CheckReportText.lines(report).joined(separator: "\n") + "\n"
        return CommandOutput(
            text: text, warnings: CheckReportText.warnings(report, file: name), destination: output,
            status: report.isCorrect ? 0 : 1)
    }
}
