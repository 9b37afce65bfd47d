/// The memory a forward pass will allocate, computed with overflow checks before any
/// arithmetic so that a problem too large for the machine is refused, not killed.
enum MemoryEstimate {
    /// Bytes for Q, K, V, the head outputs, concat, output, the xw copies of transposed
    /// weights, and, when scores or weights are kept, two rows × n matrices per head
    /// (plus one transient). `Int.max` when the count overflows.
    static func bytes<S: AttentionScalar>(_ s: AttentionShapes, keep: Intermediates, layout: WeightLayout,
                                          scalar: S.Type) -> Int {
        let rows = s.queryRows
        var elements: [(Int, Int)] = [
            (rows, s.modelDim),            // Q
            (s.tokens, s.kvDim), (s.tokens, s.kvDim),  // K, V
            (rows, s.concatDim), (rows, s.concatDim),  // heads, concat
            (rows, s.outputDim),            // output
        ]
        if layout == .torch { elements += [(s.modelDim, s.modelDim), (s.modelDim, 2 * s.kvDim), (s.concatDim, s.outputDim)] }
        if keep.contains(.scores) || keep.contains(.weights) {
            let kept = (keep.contains(.scores) ? 1 : 0) + (keep.contains(.weights) ? 1 : 0)
            elements.append((rows, s.tokens))                     // transient scores of one head
            elements.append((rows * kept, s.tokens &* s.heads))   // kept per head
        }
        var total = 0
        for (a, b) in elements {
            let (product, o1) = a.multipliedReportingOverflow(by: b)
            let (bytes, o2) = product.multipliedReportingOverflow(by: MemoryLayout<S>.stride)
            let (sum, o3) = total.addingReportingOverflow(bytes)
            guard !o1, !o2, !o3 else { return Int.max }
            total = sum
        }
        return total
    }
}
