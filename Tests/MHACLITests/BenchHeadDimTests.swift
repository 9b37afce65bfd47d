import Foundation
import Testing

/// `bench --head-dim` lets τ not divide d_model, as `run` and `shapes` do (QA s26-docs
/// finding 2).
@Suite struct BenchHeadDimTests {
    @Test func headsThatDoNotDivideTheModelWidthAreTimedWithHeadDim() throws {
        let run = try BuiltBinary.run([
            "bench", "--seq-len", "4", "--d-model", "8", "--heads", "3", "--head-dim", "4", "--repeat", "1",
            "--format", "json",
        ])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("\"heads\":3"), "stdout: \(run.stdout)")
        #expect(run.stdout.contains("head dim 4"), "stdout: \(run.stdout)")
    }

    @Test func withoutHeadDimTheRefusalSaysWhatToGive() throws {
        let run = try BuiltBinary.run(["bench", "--seq-len", "4", "--d-model", "8", "--heads", "3", "--repeat", "1"])
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("mha-cli: error: --d-model 8 is not divisible by --heads 3"), "\(run.stderr)")
        let help = try BuiltBinary.run(["bench", "--help"])
        let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("must divide d_model unless --head-dim"))
    }
}
