// Hidden measuring tool for benchmarks/ (not a product): prints one JSON line.
//   mha-bench gemm M N K [float] [repeat=R]
//   mha-bench forward N D HEADS [causal] [float] [repeat=R]
//   mha-bench options N D HEADS [causal] [rope] [alibi] [window=W] [softcap=C] [float] [repeat=R]
import MHACore

let arguments = Array(CommandLine.arguments.dropFirst())
let sizes = arguments.compactMap { Int($0) }
let repeats = arguments.first { $0.hasPrefix("repeat=") }.flatMap { Int($0.dropFirst(7)) } ?? 5
let isFloat = arguments.contains("float")

func report(_ r: Benchmark.Result) {
    print("{\"seconds_median\": \(r.secondsMedian), \"gflops\": \(r.gflops), \"flops\": \(r.flops)}")
}

switch (arguments.first, sizes.count) {
case ("gemm", 3):
    report(isFloat
        ? Benchmark.matrixProduct(Float.self, m: sizes[0], n: sizes[1], k: sizes[2], repeats: repeats)
        : Benchmark.matrixProduct(Double.self, m: sizes[0], n: sizes[1], k: sizes[2], repeats: repeats))
case ("forward", 3):
    do {
        let causal = arguments.contains("causal")
        report(isFloat
            ? try Benchmark.forward(Float.self, sequenceLength: sizes[0], modelWidth: sizes[1],
                                    heads: sizes[2], causal: causal, repeats: repeats)
            : try Benchmark.forward(Double.self, sequenceLength: sizes[0], modelWidth: sizes[1],
                                    heads: sizes[2], causal: causal, repeats: repeats))
    } catch {
        print("mha-bench: error: \(error)")
    }
case ("options", 3):
    func value(_ key: String) -> Double? {
        arguments.first { $0.hasPrefix(key + "=") }.flatMap { Double($0.dropFirst(key.count + 1)) }
    }
    let configuration = AttentionConfiguration(
        heads: sizes[2], causal: arguments.contains("causal"),
        rope: arguments.contains("rope") ? RotaryEmbedding() : nil, alibi: arguments.contains("alibi"),
        window: value("window").map { Int($0) }, softcap: value("softcap"))
    do {
        report(isFloat
            ? try Benchmark.forward(Float.self, sequenceLength: sizes[0], modelWidth: sizes[1],
                                    configuration: configuration, repeats: repeats)
            : try Benchmark.forward(Double.self, sequenceLength: sizes[0], modelWidth: sizes[1],
                                    configuration: configuration, repeats: repeats))
    } catch {
        print("mha-bench: error: \(error)")
    }
default:
    print("usage: mha-bench gemm M N K [float] [repeat=R] | forward N D HEADS [causal] [float] [repeat=R] "
          + "| options N D HEADS [causal] [rope] [alibi] [window=W] [softcap=C] [float] [repeat=R]")
}
