import MHACore
import MHAFormats

/// `mha-cli check`: compares a hand-computed matrix with the right one (DESIGN §6) and
/// names the catalogued mistakes whose result it matches. Exit 0 correct, 1 not correct.
struct CheckCommand: Command {
    /// How the problem was stated: as to `run` (H and the weights) or as to `attend` (Q, K, V).
    enum Statement {
        case run(RunOptions)
        case attend(AttendCommand)
    }

    /// The problem's options, read as `run` or `attend` reads them.
    let statement: Statement
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
        output = try arguments[Self.output]
        // `-o FILE` picks the format by extension as run's does (.json: JSON).
        json =
            try OutputDestination.format(path: output, given: arguments[Self.format], allowed: [.text, .json]) == .json
        let givenPart = try arguments[Self.part]
        let inputs: Set<String>
        if Self.givenOperands.contains(where: { arguments.occurrences[$0.spec.long] != nil }) {
            let attend = try Self.attendProblem(arguments)
            if givenPart == .output {
                throw UsageError.invalidRequest(
                    "an attend problem (-q, -k, -v) has no output projection: its result is the concat; give --part concat (or head:J, weights:J, scores:J)"
                )
            }
            statement = .attend(attend)
            part = givenPart ?? .concat
            inputs = Set(attend.paths.values)
        } else {
            var shared = ParsedArguments(spec: RunCommand.spec)
            for option in Self.problemOptions {
                if let values = arguments.occurrences[option.long] { shared.occurrences[option.long] = values }
            }
            let problem = try RunOptions(shared)
            statement = .run(problem)
            part = givenPart ?? .output
            inputs = Set(problem.paths.values + [problem.bundle].compactMap { $0 })
        }
        try StandardInputReaders.check(inputs.sorted() + [answer])
    }

    /// The problem stated as to `attend`: every option given must be one of attend's (there
    /// are no weights to give with Q, K and V).
    private static func attendProblem(_ arguments: ParsedArguments) throws -> AttendCommand {
        let attendOptions = Set(AttendCommand.spec.declaredOptions.map(\.long))
        if let foreign = problemOptions.first(where: {
            arguments.occurrences[$0.long] != nil && !attendOptions.contains($0.long)
        }) {
            throw UsageError.invalidRequest(
                "--\(foreign.long) states a run problem (H and the weights); with -q, -k, -v (an attend problem) Q, K and V are given, so leave it out"
            )
        }
        var shared = ParsedArguments(spec: AttendCommand.spec)
        for option in AttendCommand.spec.declaredOptions {
            if let values = arguments.occurrences[option.long] { shared.occurrences[option.long] = values }
        }
        return try AttendCommand(shared)
    }

    func run() throws -> CommandOutput {
        let written = try AnswerReader.read(path: answerPath)
        let report: CheckReport
        var warnings: [String] = []
        switch statement {
        case let .run(problem): report = try check(written, problem)
        case let .attend(attend):
            let operands = try attend.operands()
            if !operands.batches.isEmpty {
                throw UsageError.invalidRequest(
                    "check compares one sequence's matrix, but an operand is a batch (3-D .npy); give one sequence")
            }
            guard let q = operands.matrices["q"], let k = operands.matrices["k"], let v = operands.matrices["v"]
            else { throw UsageError.missingOption(option: "-q, --queries <file>", reason: "give Q, K and V") }
            let problem = AttentionProblem(
                queries: q, keys: k, values: v, mask: operands.mask, configuration: operands.configuration)
            report = try AnswerCheck.check(written, part: part, problem: problem)
            warnings = operands.layer?.warnings ?? []
        }
        let name = answerPath == "-" ? "<stdin>" : answerPath
        let text =
            json
            ? CheckReportText.json(report).serialized() + "\n"
            : CheckReportText.lines(report).joined(separator: "\n") + "\n"
        return CommandOutput(
            text: text, warnings: warnings + CheckReportText.warnings(report, file: name), destination: output,
            status: report.isCorrect ? 0 : 1)
    }
}

extension CheckCommand {
    /// `answer` checked against a problem stated as to `run`.
    private func check(_ written: WrittenMatrix, _ problem: RunOptions) throws -> CheckReport {
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
        do {
            return try AnswerCheck.check(written, part: part, problem: statement)
        } catch let error as AttentionError {
            if let sourced = BundleSourcedError.attributing(
                error, origins: inputs.origins, given: Set(inputs.matrices.keys))
            {
                throw sourced
            }
            throw error
        }
    }
}
