import MHACore

/// What the printed scores and weights of a write-up are, in the order the score rules act
/// (DESIGN §4): `scores_j` is Q_j·K_jᵀ·scale of the Q and K the scores are made of (after the
/// QK-norm and RoPE), printed before the soft-cap, ALiBi and the masks; `weights_j` is the
/// softmax of the logits those stages make of it, as `--steps` writes them
/// (`softmax(cap(Q_1·K_1ᵀ·scale) + ALiBi + mask)`).
///
///     scores 1 of 2 (of the rotated Q and K, scaled, before the soft-cap, ALiBi and mask)
///     weights 1 of 2 = softmax(2·tanh(scores_1 / 2) + ALiBi_1 + mask)
struct StageCaptions {
    /// The pass's settings: QK-norm, RoPE, soft-cap, ALiBi.
    var configuration: AttentionConfiguration
    /// Whether a mask (causal, window or given) blocks or biases scores.
    var masked: Bool
    /// The scale in LaTeX math (`1/\sqrt{2}`, or the given number).
    var scale: String

    /// The stages after the printed scores, in order: `soft-cap`, `ALiBi`, `mask`.
    var later: [String] {
        [
            configuration.softcap == nil ? nil : "the soft-cap", configuration.alibi ? "ALiBi" : nil,
            masked ? "mask" : nil,
        ]
        .compactMap { $0 }
    }

    /// ` (of the rotated Q and K, scaled, before the soft-cap and mask)`; nothing for the
    /// textbook's scores without a mask.
    var scoresNote: String {
        var notes: [String] = []
        if configuration.rope != nil {
            notes.append("of the rotated Q and K")
        } else if configuration.qkNorm != nil {
            notes.append("of Q and K after the QK-norm")
        }
        if !later.isEmpty { notes += ["scaled", "before " + Self.listed(later)] }
        return notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")"
    }

    /// `\tilde{Q}_{1} \tilde{K}_{1}^{\top} \cdot 1/\sqrt{2}`: the rotated (`\tilde`) or
    /// normalised (`\hat`) Q and K when the pass made them.
    func scoresLatex(_ h: Int) -> String {
        let accent = configuration.rope != nil ? "\\tilde" : configuration.qkNorm != nil ? "\\hat" : nil
        func operand(_ letter: String) -> String { accent.map { "\($0){\(letter)}" } ?? letter }
        return "\(operand("Q"))_{\(h)} \(operand("K"))_{\(h)}^{\\top} \\cdot \(scale)"
    }

    /// ` = softmax(2·tanh(scores_1 / 2) + ALiBi_1 + mask)`; nothing without a later stage.
    func weightsNote(_ h: Int) -> String {
        guard !later.isEmpty else { return "" }
        let argument = logits(
            "scores_\(h)", capped: { c, s in "\(c)·tanh(\(s) / \(c))" }, alibi: "ALiBi_\(h)", mask: "mask")
        return " = softmax(\(argument))"
    }

    /// `\mathrm{softmax}(2 \tanh(\mathrm{scores}_{1} / 2) + \mathrm{ALiBi}_{1} + \mathrm{mask})`.
    func weightsLatex(_ h: Int) -> String {
        let argument = logits(
            "\\mathrm{scores}_{\(h)}", capped: { c, s in "\(c) \\tanh(\(s) / \(c))" },
            alibi: "\\mathrm{ALiBi}_{\(h)}", mask: "\\mathrm{mask}")
        return "\\mathrm{softmax}(\(argument))"
    }

    /// The softmax's argument in one notation: `scores`, soft-capped by `capped(C, scores)`,
    /// then `+ alibi`, then `+ mask`, for the stages in force, in the rules' order.
    private func logits(
        _ scores: String, capped: (String, String) -> String, alibi: String, mask: String
    ) -> String {
        var logits = scores
        if let cap = configuration.softcap { logits = capped(ScoreRulesSummary.plain(cap), logits) }
        if configuration.alibi { logits += " + " + alibi }
        if masked { logits += " + " + mask }
        return logits
    }

    /// `a`, `a and b`, `a, b and c`.
    private static func listed(_ items: [String]) -> String {
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + last
    }
}
