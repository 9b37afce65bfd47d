import Foundation
import Testing

/// An input that is the command's own standard output would wait for the output forever
/// (`-x /dev/stdout | cat`, `decode --cache /dev/stdout | wc -c` hung); decode's `--cache -`
/// wrote the binary cache after the rows on stdout. Each is one refusal now.
@Suite struct OwnOutputTests {
    @Test(arguments: [
        ["run", "-x", "/dev/stdout", "--weights", "identity"],
        ["run", "-x", "examples/two-heads/x.csv", "--weights", "identity", "--heads", "2", "--mask", "/dev/stdout"],
        ["inspect", "/dev/stdout"],
    ])
    func readingTheOwnOutputIsRefused(_ arguments: [String]) throws {
        let outcome = try BuiltBinary.run(arguments, in: BuiltBinary.packageRoot)
        #expect(outcome.status == 66, "\(arguments): \(outcome.stderr)")
        #expect(outcome.stderr.contains("it is this command's own standard output"))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
    }

    @Test func decodeRefusesACacheOnItsOwnStreams() throws {
        let rows = "0.1,0.2,0.3,0.4\n"
        let dash = try BuiltBinary.run(
            ["decode", "--weights", "random:5", "--heads", "2", "--cache", "-"], stdin: rows)
        #expect(dash.status == 64 && dash.stdout.isEmpty && dash.stderr.contains("'-' is the rows' own stream"))
        let stdout = try BuiltBinary.run(
            ["decode", "--weights", "random:5", "--heads", "2", "--cache", "/dev/stdout"], stdin: rows)
        #expect(stdout.status == 66 && stdout.stderr.contains("own standard output"), "\(stdout.stderr)")
        // /dev/null as an input is not the output, whatever stdout is.
        let null = try BuiltBinary.run(["run", "-x", "/dev/null", "--weights", "identity"])
        #expect(null.status == 65 && !null.stderr.contains("own standard output"), "\(null.stderr)")
    }
}
