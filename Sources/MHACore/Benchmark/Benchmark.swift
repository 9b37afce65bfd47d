import CMHAKernels
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Timing of the engine on seeded random inputs, for `mha-cli bench` and `benchmarks/`.
///
/// Every measurement runs the work `repeats` times after one warm-up run and reports the
/// median wall-clock time. FLOPs are nominal counts, so rates compare directly with numpy
/// doing the same mathematics.
public enum Benchmark {
    /// One measurement.
    public struct Result: Sendable, Equatable {
        /// Median wall-clock seconds of one run.
        public var secondsMedian: Double
        /// Every timed run, in seconds, in order.
        public var seconds: [Double]
        /// Nominal floating-point operations of one run.
        public var flops: Double
        /// Median CPU seconds of one run, all threads together (on a shared machine this is
        /// disturbed less than the wall clock: waiting for a core costs no CPU time).
        public var cpuSecondsMedian: Double = 0
        /// `flops / secondsMedian / 1e9`.
        public var gflops: Double { secondsMedian > 0 ? flops / secondsMedian / 1e9 : 0 }
        /// GFLOP per CPU-second: `flops / cpuSecondsMedian / 1e9`.
        public var gflopsPerCPUSecond: Double { cpuSecondsMedian > 0 ? flops / cpuSecondsMedian / 1e9 : 0 }
    }

    /// FLOPs of one forward pass: 8·n·d² (four d × d projections) + 4·n²·d (scores and
    /// weights·V over all heads). A causal pass is still counted in full, as numpy's
    /// equivalent computes the whole score matrix and then masks it.
    public static func forwardFlops(sequenceLength n: Int, modelWidth d: Int) -> Double {
        let (n, d) = (Double(n), Double(d))
        return 8 * n * d * d + 4 * n * n * d
    }

    /// Times C = A·B with A `m × k` and B `k × n` (2·m·n·k FLOPs) in precision `S`
    /// (Double or Float; other types are measured as Double).
    /// - Precondition: `m, n, k ≥ 0`.
    public static func matrixProduct<S: AttentionScalar>(
        _ type: S.Type, m: Int, n: Int, k: Int, repeats: Int, seed: UInt64 = 1
    ) -> Result {
        S.self == Float.self
            ? measureProduct(Float.self, m: m, n: n, k: k, repeats: repeats, seed: seed)
            : measureProduct(Double.self, m: m, n: n, k: k, repeats: repeats, seed: seed)
    }

    /// Times the full forward pass (projections, every head streamed, output projection) on
    /// seeded random inputs: H uniform in ±1, weights uniform in ±1/√d_model, no biases, in
    /// precision `S` (Double or Float; other types are measured as Double). FLOPs are
    /// `forwardFlops`, also for a causal pass, which does about half the attention work.
    /// - Throws: `AttentionError` for inconsistent sizes (e.g. heads not dividing d_model)
    ///   or a problem too large for this machine's memory.
    public static func forward<S: AttentionScalar>(
        _ type: S.Type, sequenceLength n: Int, modelWidth d: Int, heads: Int, causal: Bool,
        repeats: Int, seed: UInt64 = 1
    ) throws(AttentionError) -> Result {
        try forward(
            S.self, sequenceLength: n, modelWidth: d,
            configuration: AttentionConfiguration(heads: heads, causal: causal),
            repeats: repeats, seed: seed)
    }

    /// Times the arithmetic peak of this machine at the kernels' level: every thread runs
    /// independent vector multiply-adds in registers (no memory traffic) for about 20 ms per
    /// core; `flops` counts all threads' work. The rate is what the matrix product could
    /// reach if it never waited for memory: the denominator of a share of the peak.
    public static func arithmeticPeak<S: AttentionScalar>(_ type: S.Type, repeats: Int) -> Result {
        let context = KernelContext.current
        let iterations = 2_000_000
        let probe = S.self == Float.self ? mha_f32_peak_probe : mha_f64_peak_probe
        var flops = 0.0
        let run = {
            let perThread = UnsafeMutablePointer<Double>.allocate(capacity: 2 * context.threads)
            defer { perThread.deallocate() }
            Kernels.parallelFor(context.threads, threads: context.threads) { index in
                perThread[2 * index] = probe(context.level.kernelLevel, iterations, perThread + 2 * index + 1)
            }
            flops = (0..<context.threads).reduce(0) { $0 + perThread[2 * $1] }
        }
        run()
        let times = timed(repeats: repeats, run)
        return Result(
            secondsMedian: median(times.wall), seconds: times.wall, flops: flops,
            cpuSecondsMedian: median(times.cpu))
    }

    /// Times the full forward pass as `forward(_:sequenceLength:…)` does, under any
    /// configuration (RoPE, ALiBi, a window, a soft-cap, head width, kv heads): H uniform in
    /// ±1, weights uniform in ±1/√d_model shaped for the configuration, no biases, no mask.
    /// FLOPs are `forwardFlops` (nominal: a window or causal mask does less work).
    /// - Throws: `AttentionError` for an invalid configuration or a problem too large for memory.
    public static func forward<S: AttentionScalar>(
        _ type: S.Type, sequenceLength n: Int, modelWidth d: Int, configuration: AttentionConfiguration,
        repeats: Int, seed: UInt64 = 1
    ) throws(AttentionError) -> Result {
        S.self == Float.self
            ? try measureForward(Float.self, n: n, d: d, configuration: configuration, repeats: repeats, seed: seed)
            : try measureForward(Double.self, n: n, d: d, configuration: configuration, repeats: repeats, seed: seed)
    }

    private static func measureProduct<S: AttentionScalar>(
        _ type: S.Type, m: Int, n: Int, k: Int, repeats: Int, seed: UInt64
    ) -> Result {
        var generator = SplitMix64(seed: seed)
        let a = Matrix<S>.random(rows: m, columns: k, scale: 1, using: &generator)
        let b = Matrix<S>.random(rows: k, columns: n, scale: 1, using: &generator)
        _ = Kernels.product(a, b)
        let times = timed(repeats: repeats) { _ = Kernels.product(a, b) }
        return Result(
            secondsMedian: median(times.wall), seconds: times.wall,
            flops: 2 * Double(m) * Double(n) * Double(k), cpuSecondsMedian: median(times.cpu))
    }

    private static func measureForward<S: AttentionScalar>(
        _ type: S.Type, n: Int, d: Int, configuration: AttentionConfiguration, repeats: Int, seed: UInt64
    ) throws(AttentionError) -> Result {
        // Negative sizes are refused as the forward pass refuses an empty input, before any
        // matrix is made.
        guard n > 0, d > 0 else { throw .emptyInput(Shape(rows: Swift.max(n, 0), columns: Swift.max(d, 0))) }
        var generator = SplitMix64(seed: seed)
        let weightScale = 1 / S(Double(Swift.max(d, 1)).squareRoot())
        let input = Matrix<S>.random(rows: n, columns: d, scale: 1, using: &generator)
        let heads = Swift.max(configuration.heads, 1)
        let headDim = configuration.headDim ?? d / heads
        let kvDim = (configuration.kvHeads ?? heads) * headDim
        let shapes = [(d, heads * headDim), (d, kvDim), (d, kvDim), (heads * headDim, d)]
        let weights = shapes.map { rows, columns in
            Matrix<S>.random(rows: rows, columns: columns, scale: weightScale, using: &generator)
        }
        let parameters = AttentionParameters(
            wq: weights[0], wk: weights[1], wv: weights[2],
            wo: weights[3])
        let run = { () throws(AttentionError) in
            _ = try MultiHeadAttention.forward(
                input: input, parameters: parameters,
                configuration: configuration)
        }
        try run()
        let times = timed(repeats: repeats) { try? run() }
        return Result(
            secondsMedian: median(times.wall), seconds: times.wall,
            flops: forwardFlops(sequenceLength: n, modelWidth: d), cpuSecondsMedian: median(times.cpu))
    }

    /// Runs `work` `repeats` times (at least once), timed; returns the wall-clock and the
    /// process CPU seconds of each. Callers run it once untimed first (warm caches,
    /// first-touch pages).
    static func timed(repeats: Int, _ work: () -> Void) -> (wall: [Double], cpu: [Double]) {
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<Swift.max(1, repeats) {
            let (start, startCPU) = (DispatchTime.now().uptimeNanoseconds, processCPUSeconds())
            work()
            wall.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            cpu.append(processCPUSeconds() - startCPU)
        }
        return (wall, cpu)
    }

    /// CPU seconds used so far by every thread of the process.
    static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The median (mean of the middle two for an even count); 0 for no values.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
