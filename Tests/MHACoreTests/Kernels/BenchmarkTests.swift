import Testing

@testable import MHACore

/// `Benchmark`: the FLOP counts, the median, and that a measurement runs the real forward
/// pass (and reports its errors). No timing assertions: only counts and shapes of results.
@Suite struct BenchmarkTests {
    @Test func forwardFlopsAreTheNominalCount() {
        // 8·n·d² + 4·n²·d at n = 64, d = 64: 8·64·4096 + 4·4096·64.
        #expect(Benchmark.forwardFlops(sequenceLength: 64, modelWidth: 64) == 2_097_152 + 1_048_576)
        #expect(Benchmark.forwardFlops(sequenceLength: 3, modelWidth: 2) == 96 + 72)
    }

    @Test func medianOfOddAndEvenCounts() {
        #expect(Benchmark.median([3, 1, 2]) == 2)
        #expect(Benchmark.median([4, 1, 3, 2]) == 2.5)
        #expect(Benchmark.median([]) == 0)
    }

    @Test func forwardReportsEveryRunAndTheCausalFlops() throws {
        for precision in [Double.self, Float.self] as [any AttentionScalar.Type] {
            let result = try Benchmark.forward(
                precision, sequenceLength: 9, modelWidth: 8,
                heads: 2, causal: true, repeats: 3)
            #expect(result.seconds.count == 3)
            #expect(result.seconds.allSatisfy { $0 > 0 })
            #expect(result.secondsMedian == Benchmark.median(result.seconds))
            #expect(result.flops == Benchmark.forwardFlops(sequenceLength: 9, modelWidth: 8))
        }
    }

    @Test func forwardRejectsHeadsThatDoNotDivideTheWidth() {
        #expect(throws: AttentionError.headsDoNotDivideModel(modelDim: 10, heads: 3)) {
            try Benchmark.forward(
                Double.self, sequenceLength: 4, modelWidth: 10, heads: 3,
                causal: false, repeats: 1)
        }
    }

    @Test func matrixProductCountsTwoFlopsPerMultiplyAdd() {
        let result = Benchmark.matrixProduct(Float.self, m: 5, n: 6, k: 7, repeats: 2)
        #expect(result.flops == 2 * 5 * 6 * 7)
        #expect(result.seconds.count == 2)
    }
}
