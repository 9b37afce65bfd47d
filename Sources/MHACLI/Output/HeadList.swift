/// The heads side by side as a header writes them: `head_1` for one head, every head up to
/// three (`[head_1 | head_2]`, so no `…` stands for nothing), `[head_1 | … | head_τ]` beyond.
enum HeadList {
    /// `head_1`, `[head_1 | head_2]`, `[head_1 | head_2 | head_3]`, `[head_1 | … | head_8]`.
    static func text(_ heads: Int) -> String {
        guard heads > 1 else { return "head_1" }
        let names = heads <= 3 ? (1...heads).map { "head_\($0)" } : ["head_1", "…", "head_\(heads)"]
        return "[" + names.joined(separator: " | ") + "]"
    }

    /// The same in LaTeX math: `[\mathrm{head}_{1} \mid \mathrm{head}_{2}]`.
    static func latex(_ heads: Int) -> String {
        func head(_ j: Int) -> String { "\\mathrm{head}_{\(j)}" }
        guard heads > 1 else { return head(1) }
        let names = heads <= 3 ? (1...heads).map(head) : [head(1), "\\dots", head(heads)]
        return "[" + names.joined(separator: " \\mid ") + "]"
    }
}
