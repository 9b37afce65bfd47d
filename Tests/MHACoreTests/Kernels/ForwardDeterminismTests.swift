import Testing

@testable import MHACore

/// The whole forward pass at each instruction-set level: the same bits on one thread, on two
/// and run again (issue 10), and every level within 1e-12 of the others in Double. The size
/// is big enough that the projections split into row bands and the heads run in parallel;
/// n = 300 and d_k = 24 are not multiples of any tile.
@Suite struct ForwardDeterminismTests {
    static let (tokens, modelDim, heads) = (300, 96, 4)

    @Test(arguments: [false, true])
    func doubleIsDeterministicAtEveryLevel(causal: Bool) throws {
        let outputs = try CPULevel.runnable.map { level in try identicalRuns(Double.self, level: level, causal: causal)
        }
        let largest = outputs[0].elements.map(\.magnitude).max() ?? 0
        for (level, output) in zip(CPULevel.runnable, outputs) {
            let difference = zip(output.elements, outputs[0].elements).map { ($0 - $1).magnitude }.max() ?? 0
            #expect(difference <= 1e-12 * largest, "\(level) against \(CPULevel.runnable[0]): \(difference)")
        }
        // The baseline rounds each multiply and add, AVX2 and AVX-512 fuse them: some bits
        // differ, which shows that each run really used its level.
        if let last = outputs.last, outputs.count > 1 {
            #expect(last.elements != outputs[0].elements, "every level gave the same bits")
        }
    }

    @Test(arguments: [false, true])
    func floatIsDeterministicAtEveryLevel(causal: Bool) throws {
        for level in CPULevel.runnable {
            _ = try identicalRuns(Float.self, level: level, causal: causal)
        }
    }

    /// Runs the forward three times (1, 2, 2 threads) at `level`, expects identical bits and
    /// returns the output.
    func identicalRuns<S: AttentionScalar>(_ type: S.Type, level: CPULevel, causal: Bool) throws -> Matrix<S> {
        #expect(Self.tokens * Self.modelDim * Self.modelDim >= Kernels.parallelThreshold)
        var generator = SplitMix64(seed: 42)
        let x = Matrix<S>.random(rows: Self.tokens, columns: Self.modelDim, scale: 1, using: &generator)
        let w = (0..<4).map { _ in
            Matrix<S>.random(rows: Self.modelDim, columns: Self.modelDim, scale: S(0.1), using: &generator)
        }
        let parameters = AttentionParameters(wq: w[0], wk: w[1], wv: w[2], wo: w[3])
        let outputs = try [1, 2, 2].map { threads in
            try KernelContext.$override.withValue(KernelContext(level: level, threads: threads)) {
                try MultiHeadAttention.forward(
                    input: x, parameters: parameters,
                    configuration: .init(heads: Self.heads, causal: causal)
                ).output
            }
        }
        let bits = outputs.map { $0.elements.map { Double($0).bitPattern } }
        #expect(bits[0] == bits[1], "\(S.self) \(level) causal=\(causal): 1 and 2 threads differ")
        #expect(bits[1] == bits[2], "\(S.self) \(level) causal=\(causal): two runs differ")
        return outputs[0]
    }
}
