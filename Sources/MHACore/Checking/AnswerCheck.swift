/// Checks a hand-computed matrix against the right one and names the known mistakes whose
/// result it matches (DESIGN §6).
///
///     let report = try AnswerCheck.check(answer, part: .output, problem: problem)
///     report.isCorrect      // false
///     report.diagnosis.map(\.id)   // ["no-scale"]
public enum AnswerCheck {
    /// Compares `answer` with `part` of `problem`'s right computation, entry by entry within
    /// each entry's written precision (`WrittenPrecision.tolerance`), and when it is not
    /// right, runs every applicable entry of `catalogue` and keeps those whose `part` the
    /// answer matches.
    /// - Throws: `CheckError.noSuchPart` for a head beyond τ; `AttentionError` for a problem
    ///   the forward pass refuses.
    public static func check(
        _ answer: WrittenMatrix, part: AttentionPart, problem: AttentionProblem,
        catalogue: [Mistake] = MistakeCatalogue.all
    ) throws -> CheckReport {
        let right = try StudentProcedure(problem).steps()
        let facts = ProblemFacts(problem, shapes: right.shapes)
        if let j = part.headIndex, !(0..<right.shapes.heads).contains(j) {
            throw CheckError.noSuchPart(part, heads: right.shapes.heads)
        }
        guard let expected = right.matrix(part) else {
            switch part {
            case .rotatedQ, .rotatedK, .normedQ, .normedK: throw CheckError.notComputed(part)
            default: throw CheckError.noSuchPart(part, heads: right.shapes.heads)
            }
        }
        var report = CheckReport(part: part, expected: expected, shapes: right.shapes, answer: answer)
        report.shapeDiagnosis = ShapeDiagnosis(
            part: part, expected: expected.shape, answer: answer.values.shape,
            shapes: right.shapes,
            stepShapes: stepShapes(right))
        let blocked = right.blocked(part)
        report.blockedEntries = answer.negativeInfinities
        if let written = answer.mismatches(against: expected, blocked: blocked) {
            // Entries off only by float32's rounding are counted apart: all of them make the
            // answer correct to float32 precision; beside a wrong entry they are not its mistakes.
            let wrong = answer.beyondFloat32(written, against: expected)
            report.float32Differences = written.count - wrong.count
            report.mismatches = wrong.count
            report.firstMismatch = wrong.first.map { index in
                let columns = max(expected.columns, 1)
                return Mismatch(
                    row: index / columns, column: index % columns, answer: answer.values.elements[index],
                    correct: expected.elements[index])
            }
        }
        report.visibleKeys = visibleKeys(answer, part: part, expected: expected, right: right)
        if let visible = report.visibleKeys, let token = right.shapes.token, let diagnosis = report.shapeDiagnosis {
            report.shapeDiagnosis?.reason = visible.reason(part: part, token: token, keys: diagnosis.columnSymbol)
        }
        if report.isCorrect, answer.storage != nil {
            report.closerMistake = closerMistake(
                answer, part: part, problem: problem, right: right, facts: facts, catalogue: catalogue)
            report.diagnosis = report.closerMistake?.diagnosis ?? []
        }
        let wholeRight = expected.elements.allSatisfy { $0 == $0.rounded() }
        guard !report.isCorrect else {
            report.wholeNumbersOnly = answer.isWholeNumbers && !wholeRight
            return report
        }
        guard report.closerMistake == nil else { return report }
        // Whole numbers match within ±0.5: a mistake matched that coarsely is noise, not a
        // diagnosis. When the right matrix is whole numbers too, they are the exact answer.
        if answer.isWholeNumbers && !wholeRight {
            report.wholeNumbersOnly = true
            return report
        }
        let reading = answer.isWholeNumbers ? answer.exact : answer
        report.matchingPart = AttentionPart.all(heads: right.shapes.heads).first { other in
            other != part && right.matrix(other).map { reading.matches($0, blocked: right.blocked(other)) } == true
        }
        for mistake in catalogue where mistake.applies(facts) {
            guard let steps = try? mistake.steps(problem, facts: facts), let theirs = steps.matrix(part) else {
                continue
            }
            guard reading.matches(theirs, blocked: steps.blocked(part)), !reading.matches(expected, blocked: blocked)
            else { continue }
            report.diagnosis.append(
                Diagnosis(
                    id: mistake.id, explanation: mistake.explanation(facts),
                    firstWrongStep: steps.firstDifference(from: right, upTo: part)))
        }
        if report.diagnosis.isEmpty, report.matchingPart == nil, report.shapeDiagnosis == nil,
            let wrong = answer.mismatches(against: expected, blocked: blocked),
            let units = answer.lastDigitUnits(wrong, against: expected), units <= 1
        {
            report.roundingUnits = units
        }
        return report
    }
}

extension AnswerCheck {
    /// How many times farther from the right result than from a mistake's an answer within
    /// its type's rounding of the right one must be for the mistake to be named instead.
    static let closerFactor = 4.0
    /// How far, as a share of the type's tolerance, a mistake's result must be from the right
    /// one to be named for an answer within that tolerance: a right bfloat16 answer (off by
    /// up to 0.4 of its tolerance, measured) is then never 4 times closer to a mistake.
    static let apartShare = 0.75

    /// For an answer stored as a narrow float (whose tolerance is its type's rounding) that
    /// is within it of the right result: the catalogued mistakes whose result differs from
    /// the right one beyond that rounding yet is `closerFactor` times closer to the answer
    /// than the right result is (a bfloat16 forward pass that forgot the scale), if any.
    static func closerMistake(
        _ answer: WrittenMatrix, part: AttentionPart, problem: AttentionProblem, right: AttentionSteps,
        facts: ProblemFacts, catalogue: [Mistake]
    ) -> CloserMistake? {
        guard let expected = right.matrix(part), let storage = answer.storage,
            let toRight = answer.distance(to: expected, blocked: right.blocked(part))
        else { return nil }
        let largest = expected.elements.reduce(0) { $1.isFinite ? max($0, $1.magnitude) : $0 }
        let tolerance = storage.tolerance(for: 0, largest: largest)
        var found: CloserMistake?
        for mistake in catalogue where mistake.applies(facts) {
            guard let steps = try? mistake.steps(problem, facts: facts), let theirs = steps.matrix(part),
                let toMistake = answer.distance(to: theirs, blocked: steps.blocked(part)),
                toMistake * closerFactor < toRight,
                // A mistake within the type's rounding of the right result is no explanation:
                // it must be at least `apartShare` of the tolerance away.
                let apart = WrittenMatrix(values: theirs, precision: .binary).distance(to: expected),
                apart > apartShare * tolerance
            else { continue }
            var closer = found ?? CloserMistake(rightDistance: toRight, mistakeDistance: toMistake, diagnosis: [])
            closer.mistakeDistance = min(closer.mistakeDistance, toMistake)
            closer.diagnosis.append(
                Diagnosis(
                    id: mistake.id, explanation: mistake.explanation(facts),
                    firstWrongStep: steps.firstDifference(from: right, upTo: part)))
            found = closer
        }
        return found
    }

    /// With `--token i`, a weights or scores row answered for only the keys the token may
    /// attend to (keys 0…i with a causal mask, the autoregressive step): how many, and
    /// whether those entries are right; nil for any other answer.
    static func visibleKeys(
        _ answer: WrittenMatrix, part: AttentionPart, expected: Matrix<Double>, right: AttentionSteps
    ) -> VisibleKeys? {
        guard right.shapes.token != nil, let j = part.headIndex, part == .weights(head: j) || part == .scores(head: j),
            expected.rows == 1, answer.values.rows == 1, answer.values.columns < expected.columns,
            let blocked = right.blocked(.scores(head: j))
        else { return nil }
        let count = answer.values.columns
        guard count > 0, blocked[..<count].allSatisfy({ !$0 }), blocked[count...].allSatisfy({ $0 }) else {
            return nil
        }
        let visible = expected.columnBlock(0..<count)
        return VisibleKeys(count: count, right: answer.matches(visible))
    }

    /// The shapes the steps of `right` have; in single-token mode also with all n rows (the
    /// answer gave every token's row).
    static func stepShapes(_ right: AttentionSteps) -> [Shape] {
        let shapes = AttentionPart.all(heads: right.shapes.heads).compactMap { right.matrix($0)?.shape }
        guard right.shapes.token != nil else { return shapes }
        return shapes + shapes.map { Shape(rows: right.shapes.tokens, columns: $0.columns) }
    }
}

/// One entry that is not right: 0-based row and column, the answer's value, the right one.
public struct Mismatch: Sendable, Equatable {
    public var row: Int, column: Int
    public var answer: Double, correct: Double
}

/// A catalogued mistake whose result the answer matches.
public struct Diagnosis: Sendable, Equatable {
    /// The mistake's stable id.
    public var id: String
    /// The sentence for the student, with the problem's numbers.
    public var explanation: String
    /// The first step, in the order of the computation, where the mistake makes the result
    /// differ from the right one (`scores_1` for a forgotten scale); nil if none up to the
    /// part checked does.
    public var firstWrongStep: AttentionPart?
}

/// The outcome of `AnswerCheck.check`.
public struct CheckReport: Sendable {
    /// The part checked.
    public var part: AttentionPart
    /// The right matrix.
    public var expected: Matrix<Double>
    /// The right computation's dimensions.
    public var shapes: AttentionShapes
    /// The answer as written.
    public var answer: WrittenMatrix
    /// Set when the answer has the wrong shape (then no entry is compared).
    public var shapeDiagnosis: ShapeDiagnosis?
    /// How many entries are farther from the right value than their written precision.
    public var mismatches = 0
    /// How many written entries miss their written precision but are right to float32
    /// precision (a float32 computation printed with more digits than float32 holds); when
    /// every other entry is right, the answer is correct to float32 precision.
    public var float32Differences = 0
    /// The first such entry, row-major.
    public var firstMismatch: Mismatch?
    /// Every applicable catalogued mistake whose result the answer matches, catalogue order.
    public var diagnosis: [Diagnosis] = []
    /// Another part of the right computation that the answer matches (the answer for
    /// `--part q` is Q after RoPE, `q-rotated`), if any: the first in the computation's order.
    public var matchingPart: AttentionPart?
    /// Whether every entry is a whole number (checked within ±0.5 only) while the right
    /// matrix is not: no mistake is diagnosed from such an answer (and a correct one is
    /// correct only to the nearest whole number).
    public var wholeNumbersOnly = false
    /// How many entries are written as −∞ (for scores, where the mask blocks: as `--steps`
    /// prints the masked scores).
    public var blockedEntries = 0
    /// Set when an answer within its narrow float type's rounding of the right result is
    /// much closer to a catalogued mistake's (then it is not correct, and `diagnosis` names
    /// that mistake).
    public var closerMistake: CloserMistake?
    /// Set for a `--token i` weights or scores row that gives only the keys the token may
    /// attend to.
    public var visibleKeys: VisibleKeys?
    /// When no mistake is named and every wrong entry is within one unit of its last written
    /// decimal: the farthest, in those units (rounding of intermediate steps, not a mistake).
    public var roundingUnits: Double?

    init(part: AttentionPart, expected: Matrix<Double>, shapes: AttentionShapes, answer: WrittenMatrix) {
        self.part = part
        self.expected = expected
        self.shapes = shapes
        self.answer = answer
    }

    /// Whether the shape is right and every entry is within its precision.
    public var isCorrect: Bool { shapeDiagnosis == nil && mismatches == 0 && closerMistake == nil }
}

/// An answer within its type's rounding of the right result but much closer to mistakes'.
public struct CloserMistake: Sendable, Equatable {
    /// The largest |answer − right| over the entries.
    public var rightDistance: Double
    /// The largest |answer − the closest mistake's result|.
    public var mistakeDistance: Double
    /// The mistakes `closerFactor` times closer than the right result.
    public var diagnosis: [Diagnosis]
}

/// A single-token weights or scores row that gives only the keys the token may attend to.
public struct VisibleKeys: Sendable, Equatable {
    /// How many keys (i + 1 for token i with a causal mask).
    public var count: Int
    /// Whether those entries are the right ones.
    public var right: Bool

    /// `the 3 keys 0…2 token 2 may attend to, and their weights are right;
    /// weights:1 with --token is the whole 1 × n row, with 0 for the masked keys`; `keys` is
    /// the symbol of the row's length (`n`, or `n_k` for given Q, K, V).
    func reason(part: AttentionPart, token: Int, keys symbol: String) -> String {
        let keys = count == 1 ? "the 1 key (0)" : "the \(count) keys 0…\(count - 1)"
        let what = part.headIndex.map { part == .weights(head: $0) } == true ? "weights" : "scores"
        let masked = what == "weights" ? "0 for the masked keys" : "the masked keys' scores too (or -inf there)"
        return
            "\(keys) token \(token) may attend to, and their \(what) \(right ? "are right" : "are not right either"); \(part) with --token is the whole 1 × \(symbol) row, with \(masked)"
    }
}

/// A request the checker cannot answer; a usage error.
public enum CheckError: MHAError, Equatable {
    /// A per-head part beyond τ: `head:9`, but there are 4 heads.
    case noSuchPart(AttentionPart, heads: Int)

    /// Q or K after RoPE or a QK-norm, in a problem without one.
    case notComputed(AttentionPart)

    public var category: ErrorCategory { .usage }

    public var description: String {
        switch self {
        case let .noSuchPart(part, heads):
            return
                "part \(part) does not exist: there \(heads == 1 ? "is 1 head" : "are \(heads) heads") (numbered 1…\(heads))"
        case let .notComputed(part):
            let rule = [.rotatedQ, .rotatedK].contains(part) ? "rotary embedding (RoPE)" : "QK-norm"
            return "part \(part) does not exist: it is \(part.symbol), and this problem has no \(rule)"
        }
    }
}

extension ProblemFacts {
    /// The facts of `problem`, whose right computation has `shapes`.
    init(_ problem: AttentionProblem, shapes: AttentionShapes) {
        let p = problem.parameters
        self.init(
            shapes: shapes, scaleGiven: problem.configuration.scale != nil, causal: problem.configuration.causal,
            hasMask: problem.mask != nil, maskKind: problem.mask?.kind, givenOperands: p == nil,
            biases: ["bq", "bk", "bv", "bo"].filter { name in
                p.map { $0.biasNames.contains(name) || (name != "bo" && $0.packedBias != nil) } ?? false
            },
            layout: p?.layout ?? .xw)
    }
}
