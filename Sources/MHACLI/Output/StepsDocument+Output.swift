import MHACore
import MHAFormats

extension StepsDocument {
    /// Step 4: the heads side by side.
    func concatStep() -> [String] {
        let s = shapes
        let dv = s.valueDim == s.headDim ? "d_k" : "d_v"
        let heads = s.heads <= 3 ? (1...s.heads).map { "head_\($0)" }.joined(separator: " | ")
            : "head_1 | head_2 | … | head_\(s.heads)"
        return [title("Step 4. Concatenate the heads"),
                "  concat = [\(heads)]  →  \(Self.shape(s.queryRows, s.concatDim))",
                "  τ·\(dv) = \(s.heads)·\(s.valueDim) = \(s.concatDim) columns; head j fills columns "
                    + "(j−1)·\(dv) … j·\(dv) − 1"]
            + values(result.concat, rowLabels: queryLabels, indent: 4)
    }

    /// Step 5: the output projection with W^o (and b^o).
    func outputStep() -> [String] {
        guard let parameters else { return [] }
        let s = shapes
        let torch = parameters.layout == .torch
        let hasBias = parameters.bo != nil
        let formula = "output = concat·" + (torch ? "(W^o)ᵀ" : "W^o") + (hasBias ? " + b^o" : "")
        let stored = torch ? "(\(Self.shape(s.outputDim, s.concatDim)))ᵀ" : "(\(Self.shape(s.concatDim, s.outputDim)))"
        let arithmetic = "(\(Self.shape(s.queryRows, s.concatDim)))·\(stored)"
            + (hasBias ? " + (\(Self.shape(1, s.outputDim)))" : "") + " = \(Self.shape(s.queryRows, s.outputDim))"
        return [title("Step 5. Project with W^o"), "  \(formula)  →  \(arithmetic)"]
            + values(result.output, rowLabels: queryLabels, indent: 4)
    }
}
