import Foundation
import Testing

@testable import MHACore

/// The catalogue's variants against numpy (Fixtures/mistakes), and `check` naming each
/// mistake from a student answer made with it.
@Suite struct MistakeCatalogueTests {
    /// The ids DESIGN §6 promises, stable in text and JSON.
    static let designIDs = [
        "no-scale", "scale-d_model", "scale-d_k", "softmax-columns", "no-causal-mask",
        "unwanted-causal-mask", "causal-excludes-self", "transposed-scores", "no-output-projection",
        "interleaved-heads", "transposed-weights", "missing-biases", "single-head", "heads-reversed",
    ]

    @Test func catalogueHasEveryDesignIDOnce() {
        let ids = MistakeCatalogue.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        for id in Self.designIDs { #expect(ids.contains(id), "\(id)") }
    }

    /// Every variant that applies gives numpy's scores, weights, concat and output, and the
    /// catalogue applies exactly the mistakes numpy computed for the problem.
    @Test func variantsMatchNumpy() throws {
        for fixture in try MistakeFixture.all() {
            let right = try StudentProcedure(fixture.problem).steps()
            let facts = ProblemFacts(fixture.problem, shapes: right.shapes)
            var computed: Set<String> = []
            for mistake in MistakeCatalogue.all where mistake.applies(facts) {
                guard let steps = try? mistake.steps(fixture.problem, facts: facts) else { continue }
                computed.insert(mistake.id)
                let want = try #require(fixture.mistakes[mistake.id], "\(fixture.name): numpy has no \(mistake.id)")
                let label = "\(fixture.name) \(mistake.id)"
                expectClose(steps.output, try MistakeFixture.matrix(want["output"] as Any), label + " output")
                expectClose(steps.concat, try MistakeFixture.matrix(want["concat"] as Any), label + " concat")
                for (j, (mine, theirs)) in zip(steps.weights, try MistakeFixture.matrices(want["weights"])).enumerated()
                {
                    expectClose(mine, theirs, label + " weights_\(j + 1)")
                }
                for (j, (mine, theirs)) in zip(steps.scores, try MistakeFixture.matrices(want["scores"])).enumerated() {
                    expectClose(mine, theirs, label + " scores_\(j + 1)")
                }
            }
            #expect(computed == Set(fixture.mistakes.keys), "\(fixture.name)")
            expectClose(
                right.output, try MistakeFixture.matrix(fixture.right["output"] as Any), "\(fixture.name) right output")
        }
    }

    private func expectClose(
        _ a: Matrix<Double>, _ b: Matrix<Double>, _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = a.maxRelativeError(to: b)
        #expect(
            error != nil && error! <= 1e-12, "\(label): \(a.shape) vs \(b.shape), error \(String(describing: error))",
            sourceLocation: sourceLocation)
    }

    /// `values` rounded to `decimals` the way a student writes them.
    static func written(_ values: Matrix<Double>, decimals: Int) throws -> WrittenMatrix {
        let rounded = try Matrix(
            rows: values.rows, columns: values.columns,
            elements: values.elements.map {
                Double(String(format: "%.\(decimals)f", $0)) ?? .nan
            })
        return WrittenMatrix(
            values: rounded, precision: WrittenPrecision(decimals: decimals, significantDigits: decimals))
    }

    /// For every mistake, in the first problem where it applies, an answer made with it at 4
    /// and at 2 decimals is diagnosed as that mistake and nothing else, for the output and
    /// for the step where it first goes wrong.
    @Test(arguments: MistakeCatalogue.all.map(\.id))
    func checkNamesTheMistakeAndNothingElse(_ id: String) throws {
        let fixtures = try MistakeFixture.all()
        let mistake = try #require(MistakeCatalogue.entry(id))
        let chosen = try #require(
            fixtures.first { f in
                (try? StudentProcedure(f.problem).steps()).map {
                    mistake.applies(ProblemFacts(f.problem, shapes: $0.shapes))
                } ?? false
            }, "\(id) applies to no fixture problem")
        let right = try StudentProcedure(chosen.problem).steps()
        let facts = ProblemFacts(chosen.problem, shapes: right.shapes)
        let steps = try mistake.steps(chosen.problem, facts: facts)
        let first = try #require(steps.firstDifference(from: right, upTo: .output), "\(id) changes nothing")
        for part in Set([AttentionPart.output, first]) {
            for decimals in [4, 2] {
                let answer = try Self.written(try #require(steps.matrix(part)), decimals: decimals)
                let report = try AnswerCheck.check(answer, part: part, problem: chosen.problem)
                #expect(!report.isCorrect, "\(id) \(part) at \(decimals) decimals passed as right")
                #expect(
                    report.diagnosis.map(\.id) == [id],
                    "\(id) \(part) at \(decimals) decimals: \(report.diagnosis.map(\.id))")
                #expect(report.diagnosis.first?.firstWrongStep == first, "\(id) \(part)")
            }
        }
    }

    @Test func rightAnswersPassAtTwoFourAndFullPrecision() throws {
        let problem = try #require(try MistakeFixture.all().first).problem
        let right = try StudentProcedure(problem).steps()
        for part in AttentionPart.all(heads: right.shapes.heads) {
            // Q, K after RoPE or a QK-norm exist only with one.
            guard let values = right.matrix(part) else {
                #expect([.normedQ, .normedK, .rotatedQ, .rotatedK].contains(part))
                continue
            }
            for decimals in [2, 4] {
                let report = try AnswerCheck.check(
                    try Self.written(values, decimals: decimals), part: part, problem: problem)
                #expect(report.isCorrect, "\(part) at \(decimals) decimals: \(report.mismatches) mismatches")
                #expect(report.diagnosis.isEmpty)
            }
            // Full precision, perturbed by 1e-12 relative as another program's rounding would be.
            let perturbed = try Matrix(
                rows: values.rows, columns: values.columns, elements: values.elements.map { $0 * (1 + 1e-12) })
            let full = WrittenMatrix(
                values: perturbed, precision: WrittenPrecision(decimals: 17, significantDigits: 17))
            #expect(try AnswerCheck.check(full, part: part, problem: problem).isCorrect, "\(part) at full precision")
        }
    }

    @Test func oneEntryOffByOneUnitInTheLastPlaceFails() throws {
        let problem = try #require(try MistakeFixture.all().first).problem
        let right = try StudentProcedure(problem).steps()
        for decimals in [2, 4] {
            var answer = try Self.written(right.output, decimals: decimals)
            var elements = answer.values.elements
            let unit = 1 / pow(10, Double(decimals))
            elements[5] += unit
            answer = WrittenMatrix(
                values: try Matrix(rows: right.output.rows, columns: right.output.columns, elements: elements),
                precision: WrittenPrecision(decimals: decimals, significantDigits: decimals))
            let report = try AnswerCheck.check(answer, part: .output, problem: problem)
            #expect(!report.isCorrect)
            #expect(report.mismatches == 1)
            let columns = right.output.columns
            #expect(report.firstMismatch.map { [$0.row, $0.column] } == [5 / columns, 5 % columns])
            #expect(report.firstMismatch.map { $0.correct } == right.output.elements[5])
            #expect(report.diagnosis.isEmpty, "\(report.diagnosis.map(\.id))")
        }
    }

    @Test func wrongShapeIsDiagnosedInSymbols() throws {
        let problem = try #require(try MistakeFixture.all().first).problem  // n 4, d_model 8, τ 4, d_k 2
        let wide = WrittenMatrix(
            values: Matrix(rows: 4, columns: 8), precision: WrittenPrecision(decimals: 2, significantDigits: 2))
        let report = try AnswerCheck.check(wide, part: .head(0), problem: problem)
        #expect(!report.isCorrect)
        #expect(
            report.shapeDiagnosis?.description == "head_1 is n × d_k = 4 × 2, the answer is 4 × 8: d_model, not d_k")
        let transposed = WrittenMatrix(
            values: Matrix(rows: 2, columns: 4), precision: WrittenPrecision(decimals: 2, significantDigits: 2))
        #expect(
            try AnswerCheck.check(transposed, part: .head(1), problem: problem).shapeDiagnosis?.description
                == "head_2 is n × d_k = 4 × 2, the answer is 2 × 4: transposed (d_k × n)")
    }

    /// A single-head answer for head_1 has the shape n × d_model: both the shape and the
    /// mistake are named.
    @Test func singleHeadAnswerForAHeadIsNamedDespiteItsShape() throws {
        let problem = try #require(try MistakeFixture.all().first).problem
        let mistake = try #require(MistakeCatalogue.entry("single-head"))
        let right = try StudentProcedure(problem).steps()
        let steps = try mistake.steps(problem, facts: ProblemFacts(problem, shapes: right.shapes))
        let report = try AnswerCheck.check(
            try Self.written(steps.heads[0], decimals: 3), part: .head(0), problem: problem)
        #expect(report.shapeDiagnosis != nil)
        #expect(report.diagnosis.map(\.id) == ["single-head"])
    }

    @Test func aHeadBeyondTauIsAUsageError() throws {
        let problem = try #require(try MistakeFixture.all().first).problem
        let answer = WrittenMatrix(
            values: Matrix(rows: 4, columns: 2), precision: WrittenPrecision(decimals: 2, significantDigits: 2))
        #expect(throws: CheckError.noSuchPart(.head(8), heads: 4)) {
            try AnswerCheck.check(answer, part: .head(8), problem: problem)
        }
        #expect(
            CheckError.noSuchPart(.head(8), heads: 4).description
                == "part head:9 does not exist: there are 4 heads (numbered 1…4)")
    }

    /// The score rules re-applied to the engine's scaled scores (as the score mistakes do)
    /// give the engine's own masked logits, under RoPE, ALiBi, a window, a soft-cap, an
    /// additive mask and GQA, for a projected problem and for given Q, K, V with n_q < n_k.
    @Test func theRulesReappliedGiveTheEnginesMaskedScores() throws {
        var problem = try #require(try MistakeFixture.all().first { $0.problem.configuration.causal }).problem
        problem.configuration.rope = RotaryEmbedding()
        problem.configuration.alibi = true
        problem.configuration.window = 2
        problem.configuration.softcap = 3
        guard case let .projected(x, _) = problem.operands else { throw FixtureError("not projected") }
        let n = x.rows
        problem.mask = AttentionMask(
            Matrix(rows: n, columns: n) { r, c in r == c ? 0 : Double((r + 2 * c) % 3) * -0.25 }, kind: .additive)
        let right = try StudentProcedure(problem).steps()
        let given = AttentionProblem(
            queries: right.queries.rowBlock(1..<n), keys: right.keys, values: right.values,
            mask: AttentionMask(Matrix(rows: 1, columns: n) { _, c in c == 0 ? 1 : 0 }, kind: .block),
            configuration: problem.configuration)
        for p in [problem, given] {
            let procedure = try StudentProcedure(p)
            let steps = try procedure.steps()
            let s = steps.shapes
            let mask = p.mask.flatMap { try? ResolvedMask($0, queries: s.tokens, keys: s.keyCount) }
            let slopes = try ALiBi.slopes(heads: s.heads)
            for j in 0..<s.heads {
                let ruled = procedure.ruled(steps.scores[j], slope: slopes[j], mask: mask, shapes: s)
                let engine = steps.maskedScores[j]
                #expect(ruled.shape == engine.shape)
                for (a, b) in zip(ruled.elements, engine.elements) {
                    #expect(a == b || (a - b).magnitude <= 1e-12 * max(1, b.magnitude), "head \(j): \(a) vs \(b)")
                }
            }
            // Every score mistake is considered under these rules.
            let facts = ProblemFacts(p, shapes: s)
            let considered = MistakeCatalogue.all.filter { $0.applies(facts) }.map(\.id)
            #expect(considered.contains("softmax-columns") && considered.contains("causal-excludes-self"))
            #expect(considered.contains("transposed-scores") == (s.tokens == s.keyCount))
        }
    }

    @Test func integralEntriesTakeTheDecimalsWrittenElsewhere() throws {
        let values = try Matrix<Double>([[0, 0.3333], [1, 0.5]])
        let p4 = WrittenPrecision(decimals: 4, significantDigits: 4)
        let p1 = WrittenPrecision(decimals: 1, significantDigits: 1)
        let zero = WrittenPrecision(decimals: 0, significantDigits: 1)
        let answer = try WrittenMatrix(values: values, precisions: [zero, p4, zero, p1])
        #expect(answer.precisions[0].decimals == 1)
        #expect(answer.decimalsRange == 1...4)
        #expect(answer.firstMixedPrecision.map { [$0.row, $0.column, $0.decimals, $0.expected] } == [1, 1, 1, 4])
        // "0" for 0.3 is wrong, not covered by ±0.5.
        #expect(answer.mismatches(against: try Matrix([[0.3, 0.3333], [1, 0.5]])) == [0])
    }

    @Test func sentencesCarryTheProblemsNumbers() throws {
        let problem = try #require(try MistakeFixture.all().first).problem
        let right = try StudentProcedure(problem).steps()
        let facts = ProblemFacts(problem, shapes: right.shapes)
        #expect(
            MistakeCatalogue.entry("no-scale")?.explanation(facts)
                == "you did not divide the scores by √d_k = √2 (scores_j = Q_j·K_jᵀ/√2)")
        #expect(
            MistakeCatalogue.entry("scale-d_model")?.explanation(facts)
                == "you divided the scores by √d_model = √8 instead of √d_k = √2 (d_k = d_model/τ = 8/4)")
        #expect(MistakeCatalogue.entry("missing-biases")?.explanation(facts).contains("b^q, b^k, b^v and b^o") == true)
    }
}
