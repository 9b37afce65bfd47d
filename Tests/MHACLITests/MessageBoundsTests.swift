import Foundation
import Testing

/// Errors stay one readable line: values beyond float32 under `--float` are named with their
/// file, and a huge argument does not turn into a huge message.
@Suite struct MessageBoundsTests {
    @Test func floatRangeNamesTheFileAndTheValue() throws {
        let x = try RunEndToEndTests.file("big.csv", "1e39,1\n2,3\n")
        let outcome = try BuiltBinary.run(["run", "-x", x, "--weights", "identity", "--float"])
        #expect(outcome.status == 65)
        #expect(outcome.stderr == "mha-cli: error: \(x): x[0, 0] is 1e+39, beyond float32's range (±3.4028235e38): run without --float\n")
        #expect(outcome.stdout.isEmpty)
        let double = try BuiltBinary.run(["run", "-x", x, "--weights", "identity"])
        #expect(double.status == 0)
    }

    @Test func aHugeArgumentGivesABoundedOneLineMessage() throws {
        let outcome = try BuiltBinary.run(["run", "--" + String(repeating: "x", count: 100_000)])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.hasPrefix("mha-cli: error: Unknown option '--xxx"))
        #expect(outcome.stderr.count < 1100 && outcome.stderr.hasSuffix("…\n"))
        #expect(outcome.stderr.filter { $0 == "\n" }.count == 1)
    }
}
