/// One head's scores after each stage of docs/attention-options.md's order, kept with `.scores` for a front
/// end to show (`--steps`) without re-deriving them. Every matrix is rows × n_k.
public struct ScoreStages<Scalar: AttentionScalar>: Sendable {
    /// (Q_j·K_jᵀ)·scale (with RoPE, of the rotated Q_j and K_j).
    public var scaled: Matrix<Scalar>
    /// C·tanh(scaled / C), when a soft-cap is in force.
    public var capped: Matrix<Scalar>?
    /// The previous stage plus −m_j·(query position − key position), with ALiBi.
    public var biased: Matrix<Scalar>?
    /// The logits the softmax sees: the previous stage with every mask applied (causal,
    /// window, user): −∞ where blocked, plus an additive mask's finite values.
    public var masked: Matrix<Scalar>
    /// m_j, the head's ALiBi slope, with ALiBi.
    public var alibiSlope: Double?
}
