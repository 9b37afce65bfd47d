import MHACore
import MHAFormats

/// `run --steps`: the forward pass written out step by step, each step with its title, its
/// formula, the shape arithmetic and the values, in the order the engine computes them.
///
///     Step 1. Project H into queries, keys and values
///     Step 2. Split into τ heads of width d_k
///     Step 3, head j of τ: 3a scores Q_j·K_jᵀ, 3b scale, (soft-cap, ALiBi,) mask, softmax, head_j = A_j·V_j
///     Step 4. Concatenate the heads
///     Step 5. Project with W^o
///
/// Matrices are elided to their first and last rows and columns unless `style.full`; rows
/// that are tokens carry the token names (or indices), and key columns of rows × n matrices
/// too. Masked score entries print as `-inf`. Every score stage after the raw product (scale,
/// soft-cap, ALiBi, masks), the rotated Q and K and the weights are the engine's own.
enum StepsRenderer {
    /// The steps as text, lines joined by `\n` (no trailing newline).
    /// - Parameters:
    ///   - input: H, n × d_model; nil for `attend`, whose Q, K and V were given.
    ///   - memory: the memory M of cross-attention, if any.
    ///   - parameters: the weights and biases the result was computed with; nil for `attend`.
    ///   - mask: the user mask and how it reads, if any.
    ///   - configuration: heads, kv_heads, causal, scale and token of the computation.
    ///   - result: a forward pass computed with `intermediates: [.qkv, .scores, .weights]`;
    ///     a missing intermediate is reported as not kept, never a crash.
    ///   - style: precision, token names, `--full`, and whether titles may be bold.
    /// - Returns: the text of every step.
    static func render<S: AttentionScalar>(input: Matrix<S>?, memory: Matrix<S>? = nil, parameters: AttentionParameters<S>?,
                                           mask: AttentionMask<S>?, configuration: AttentionConfiguration,
                                           result: AttentionResult<S>, style: TextStyle) -> String {
        let document = StepsDocument(input: input, memory: memory, parameters: parameters, mask: mask?.values,
                                     maskKind: mask?.kind ?? .keep, configuration: configuration,
                                     result: result, style: style)
        var sections = [document.overview(), document.projectionStep(), document.splitStep()]
        sections += (0..<result.shapes.heads).map(document.headStep)
        sections += [document.concatStep(), document.outputStep()].filter { !$0.isEmpty }
        return sections.map { $0.joined(separator: "\n") }.joined(separator: "\n\n")
    }
}
