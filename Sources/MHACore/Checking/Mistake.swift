/// A known mistake in computing multi-head attention by hand: a small variant of the
/// forward pass, with a stable id and one sentence a student understands.
///
///     MistakeCatalogue.entry("no-scale")?.explanation(facts)
///     // "you did not divide the scores by √d_k = √2 (scores_j = Q_j·K_jᵀ/√2)"
public struct Mistake: Sendable {
    /// The stable id used in text and JSON (DESIGN §6): `no-scale`, `softmax-columns`, ….
    public let id: String
    /// Whether the mistake can be made in this problem at all (no causal mask to forget in a
    /// problem that is not causal).
    public let applies: @Sendable (ProblemFacts) -> Bool
    /// The sentence for the student, with this problem's numbers.
    public let explanation: @Sendable (ProblemFacts) -> String
    /// Turns the right procedure into the mistaken one.
    public let variant: @Sendable (inout StudentProcedure, ProblemFacts) -> Void

    /// A catalogue entry.
    public init(
        _ id: String, applies: @escaping @Sendable (ProblemFacts) -> Bool = { _ in true },
        explanation: @escaping @Sendable (ProblemFacts) -> String,
        variant: @escaping @Sendable (inout StudentProcedure, ProblemFacts) -> Void
    ) {
        self.id = id
        self.applies = applies
        self.explanation = explanation
        self.variant = variant
    }

    /// The steps this mistake produces in `problem`.
    /// - Throws: `AttentionError` if the mistaken computation cannot be carried out.
    public func steps(_ problem: AttentionProblem, facts: ProblemFacts) throws(AttentionError) -> AttentionSteps {
        var procedure = try StudentProcedure(problem)
        variant(&procedure, facts)
        return try procedure.steps()
    }
}
