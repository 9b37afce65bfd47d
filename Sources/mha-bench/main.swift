// Hidden measuring tool for the performance work (not a product): prints one JSON line.
// mha-bench gemm M N K [float] [REPEATS]
// mha-bench forward N D HEADS [causal] [float] [REPEATS]
import MHACore

let arguments = Array(CommandLine.arguments.dropFirst())
let numbers = arguments.compactMap { Int($0) }
let isFloat = arguments.contains("float")
let causal = arguments.contains("causal")

func report(_ r: Benchmark.Result) {
    print("{\"seconds_median\": \(r.secondsMedian), \"gflops\": \(r.gflops), \"flops\": \(r.flops)}")
}

switch arguments.first {
case "gemm" where numbers.count >= 3:
    let repeats = numbers.count > 3 ? numbers[3] : 5
    report(isFloat
        ? Benchmark.matrixProduct(Float.self, m: numbers[0], n: numbers[1], k: numbers[2], repeats: repeats)
        : Benchmark.matrixProduct(Double.self, m: numbers[0], n: numbers[1], k: numbers[2], repeats: repeats))
default:
    print("usage: mha-bench gemm M N K [float] [REPEATS]")
}
