import Foundation
import Testing

@testable import MHACore

/// What the score rules cost, measured (never asserted): opt-in, in a release build,
///
///     MHA_OPTIONS_BENCH=1 swift test -c release --filter ScoreRuleBenchmarkTests
///
/// (MHA_OPTIONS_BENCH_ROUNDS, default 3). Variants alternate within each round so that a
/// change of load hits them alike; each prints the median over rounds of each round's
/// median of 3 runs, and its ratio to the baseline of its group.
@Suite struct ScoreRuleBenchmarkTests {
    static let enabled = ProcessInfo.processInfo.environment["MHA_OPTIONS_BENCH"] != nil

    @Test(.enabled(if: enabled, "set MHA_OPTIONS_BENCH=1 (and build with -c release) to measure"))
    func scoreRulesCostLittleAndWindowsSkipTiles() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["MHA_OPTIONS_BENCH_ROUNDS"] ?? "") ?? 3
        let groups: [(n: Int, d: Int, variants: [(String, AttentionConfiguration)])] = [
            (
                2048, 1024,
                [
                    ("plain", .init(heads: 16)),
                    ("rope", .init(heads: 16, rope: RotaryEmbedding())),
                    ("alibi", .init(heads: 16, alibi: true)),
                    ("window 256", .init(heads: 16, window: 256)),
                    ("softcap 50", .init(heads: 16, softcap: 50)),
                ]
            ),
            (
                8192, 256,
                [
                    ("causal", .init(heads: 4, causal: true)),
                    ("causal window 256", .init(heads: 4, causal: true, window: 256)),
                ]
            ),
        ]
        for group in groups {
            var seconds = [[Double]](repeating: [], count: group.variants.count)
            for _ in 0..<rounds {
                for (index, variant) in group.variants.enumerated() {
                    let r = try Benchmark.forward(
                        Double.self, sequenceLength: group.n, modelWidth: group.d,
                        configuration: variant.1, repeats: 3)
                    seconds[index].append(r.secondsMedian)
                }
            }
            let medians = seconds.map(Benchmark.median)
            for (index, variant) in group.variants.enumerated() {
                let ratio = medians[index] / medians[0]
                print(
                    String(
                        format: "score-rule bench n=%d d=%d %@: %.3f s (%.2f× %@; rounds %@)", group.n, group.d,
                        variant.0, medians[index], ratio, group.variants[0].0,
                        seconds[index].map { String(format: "%.3f", $0) }.joined(separator: " ")))
            }
        }
    }
}
