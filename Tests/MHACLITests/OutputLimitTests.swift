import Foundation
import Testing

/// The file-size limit and the signals of resource limits, through the built binary: a write
/// past `ulimit -f` is a one-line output error (74), not a kill by SIGXFSZ, and SIGXCPU and
/// SIGALRM remove the temporary file as SIGTERM does.
@Suite("Output under ulimit -f, SIGXCPU and SIGALRM")
struct OutputLimitTests {
    /// Runs `mha-cli arguments` in `folder` under `ulimit -f 2` (1 KiB blocks), stdout to
    /// `stdout.txt`; returns the exit status and stderr.
    static func underFileLimit(_ arguments: [String], in folder: ScratchFolder) throws -> (
        status: Int32, stderr: String
    ) {
        let binary = try #require(BuiltBinary.url)
        let command = ([binary.path] + arguments).map(HostileRun.quoted).joined(separator: " ")
        let status = try HostileRun.shell(
            "ulimit -f 2; timeout -s KILL 20 \(command) >stdout.txt 2>.err", in: folder.url)
        let stderr = try String(contentsOf: folder.url.appendingPathComponent(".err"), encoding: .utf8)
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent(".err"))
        return (status, stderr)
    }

    /// A 50 × 8 input whose JSON report is far beyond 2 KiB.
    static func largeInput(_ folder: ScratchFolder) throws {
        try folder.write("x.csv", repeating: "0.125,0.25,0.5,1,2,4,8,16\n", count: 50, end: "")
    }

    @Test(
        "under ulimit -f, -o and --heatmap FILE.svg fail with 74 'File too large', no temporary file (it was SIGXFSZ, 153)",
        arguments: [
            ["-o", "big.json", "--format", "json"],
            ["--heatmap", "h.svg", "--format", "text"],
        ])
    func fileSizeLimit(_ output: [String]) throws {
        let folder = try ScratchFolder()
        try Self.largeInput(folder)
        let run = try Self.underFileLimit(["run", "-x", "x.csv", "--weights", "identity"] + output, in: folder)
        #expect(run.status == 74, "exit \(run.status): \(run.stderr)")
        #expect(run.stderr == "mha-cli: error: cannot write '\(output[1])': File too large\n")
        #expect(try folder.contents() == ["stdout.txt", "x.csv"])
        #expect(try folder.contents().allSatisfy { !$0.contains(".tmp-") })
    }

    @Test("under ulimit -f, a redirected stdout past the limit ends with 74 and one line")
    func fileSizeLimitOnStdout() throws {
        let folder = try ScratchFolder()
        try Self.largeInput(folder)
        let run = try Self.underFileLimit(
            ["run", "-x", "x.csv", "--weights", "identity", "--format", "json"], in: folder)
        #expect(run.status == 74, "exit \(run.status): \(run.stderr)")
        #expect(run.stderr == "mha-cli: error: cannot write '<stdout>': File too large\n")
    }

    @Test(
        "SIGXCPU and SIGALRM during -o remove the temporary file, keep the old target, exit 152/142",
        arguments: [(SIGXCPU, 152, "SIGXCPU"), (SIGALRM, 142, "SIGALRM")])
    func resourceSignals(_ signal: Int32, _ status: Int32, _ name: String) throws {
        let folder = try ScratchFolder()
        try HostileInputTests.smallInput(folder)
        try folder.write("result.txt", "old\n")
        let outcome = try SignalledRun.run(
            ["run", "-x", "x.csv", "-o", "result.txt", "--weights", "identity"], in: folder.url, signal: signal
        ) { try folder.contents().filter { $0.contains(".tmp-") }.count == 1 }
        #expect(outcome.sawTemporaryFile, "the run never stopped with its temporary file written")
        #expect(outcome.status == status, "exit \(outcome.status): \(outcome.stderr)")
        #expect(
            outcome.stderr.hasPrefix("mha-cli: error: ") && outcome.stderr.contains("(\(name)); no partial output"),
            "\(outcome.stderr)")
        #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
        #expect(try folder.contents() == ["result.txt", "x.csv"])
        #expect(try String(contentsOf: folder.url.appendingPathComponent("result.txt"), encoding: .utf8) == "old\n")
    }
}

/// `-o` with a legal long file name: the temporary name beside it must fit NAME_MAX too.
@Suite("-o with a 244…255-byte file name")
struct LongOutputNameTests {
    @Test(
        "-o and --heatmap with a 244- to 255-byte name are written (it was 74, 'File name too long')",
        arguments: [
            String(repeating: "a", count: 239) + ".json",
            String(repeating: "a", count: 250) + ".json",
            String(repeating: "é", count: 125) + ".json",
        ])
    func longName(_ name: String) throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        #expect(name.utf8.count >= 244 && name.utf8.count <= 255)
        try folder.run(["run", "-x", "x.csv", "--weights", "identity", "-o", name]).expectSuccessQuietly()
        let written = try String(contentsOf: folder.url.appendingPathComponent(name), encoding: .utf8)
        #expect(written.hasPrefix("{"), "\(written.prefix(80))")
        let svg = String(name.dropLast(5)) + ".svg"
        try folder.run(["run", "-x", "x.csv", "--weights", "identity", "--heatmap", svg, "-o", "out.csv"])
            .expectSuccessQuietly()
        #expect(try folder.contents() == [name, "out.csv", svg, "x.csv"].sorted())
    }
}
