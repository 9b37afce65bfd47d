import Foundation
import Testing

/// `-o` or `--heatmap FILE.svg` naming one of the command's own input files is refused up
/// front (64) and nothing is written: the input keeps its bytes.
@Suite("An output file that is one of the inputs")
struct OutputOverInputTests {
    /// Runs `arguments` in `folder` and checks the refusal and that `input` is unchanged.
    static func expectRefused(
        _ arguments: [String], protecting input: String, in folder: ScratchFolder, _ words: String...,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = try Data(contentsOf: folder.url.appendingPathComponent(input))
        let names = try folder.contents()
        let run = try folder.run(arguments)
        run.expectRefusal(64, sourceLocation: sourceLocation)
        for word in words {
            #expect(run.stderr.contains(word), "\(run.stderr)", sourceLocation: sourceLocation)
        }
        #expect(
            try Data(contentsOf: folder.url.appendingPathComponent(input)) == before, sourceLocation: sourceLocation)
        #expect(try folder.contents() == names, sourceLocation: sourceLocation)
    }

    @Test("check --answer a.json -o a.json is refused; the answer stays")
    func checkAnswer() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.write("a.json", "[[1,2],[3,4]]\n")
        try Self.expectRefused(
            ["check", "--answer", "a.json", "-x", "x.csv", "--weights", "identity", "-o", "a.json"],
            protecting: "a.json", in: folder, "-o a.json is the input of --answer a.json")
    }

    @Test("run --wq wq.csv -o wq.csv, -o ./wq.csv and -o through a link to it are refused")
    func weightFile() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.write("wq.csv", "1,0\n0,1\n")
        try FileManager.default.createSymbolicLink(
            atPath: folder.url.appendingPathComponent("link.csv").path, withDestinationPath: "wq.csv")
        for target in ["wq.csv", "./wq.csv", "link.csv"] {
            try Self.expectRefused(
                ["run", "-x", "x.csv", "--wq", "wq.csv", "--weights", "identity", "-o", target],
                protecting: "wq.csv", in: folder, "-o \(target) is the input of --wq wq.csv")
        }
    }

    @Test("--heatmap FILE.svg onto an input, and -o onto the archive of FILE:NAME, are refused")
    func heatmapAndArchive() throws {
        let folder = try ScratchFolder()
        try folder.write("h.svg", "1,2\n3,4\n")
        try Self.expectRefused(
            ["run", "-x", "h.svg", "--weights", "identity", "--heatmap", "h.svg"],
            protecting: "h.svg", in: folder, "--heatmap h.svg is the input of --input h.svg")
        try folder.write("x.npy", InputStreamTests.matrixNPY())
        try Self.expectRefused(
            ["run", "-x", "x.npy:x", "--weights", "identity", "-o", "x.npy"],
            protecting: "x.npy", in: folder, "-o x.npy is the input of --input x.npy:x")
    }

    @Test("-o onto a file read without being named (a checkpoint's config.json, stdin from a file) is refused")
    func unnamedInputs() throws {
        let folder = try ScratchFolder()
        let example = BuiltBinary.packageRoot.appendingPathComponent("examples/checkpoint-layer")
        for name in ["config.json", "model.safetensors", "x.npy"] {
            try FileManager.default.copyItem(
                at: example.appendingPathComponent(name), to: folder.url.appendingPathComponent(name))
        }
        try Self.expectRefused(
            ["run", "--checkpoint", "model.safetensors", "--layer", "0", "-x", "x.npy", "-o", "config.json"],
            protecting: "config.json", in: folder, "-o config.json names an input this command read (config.json)")
        try folder.write("h.csv", "1,2\n3,4\n")
        let before = try folder.contents()
        try folder.run(["run", "-x", "-", "--weights", "identity", "-o", "h.csv"], stdinFile: "h.csv")
            .expectRefusal(64, "-o h.csv names an input this command read (<stdin>)")
        #expect(try String(contentsOf: folder.url.appendingPathComponent("h.csv"), encoding: .utf8) == "1,2\n3,4\n")
        #expect(try folder.contents() == before)
    }

    @Test("an -o beside the inputs still works, and '-' is never an input file")
    func distinctFiles() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.run(["run", "-x", "x.csv", "--weights", "identity", "-o", "out.json"]).expectSuccessQuietly()
        #expect(try folder.contents() == ["out.json", "x.csv"])
        try folder.run(["run", "-x", "-", "--weights", "identity", "-o", "-"], stdinFile: "x.csv").expectSuccess()
    }
}

/// `-o` naming a terminal takes the rule of stdout on a terminal: no binary format.
@Suite("A binary -o onto a terminal")
struct BinaryOutputToTerminalTests {
    @Test("-o /dev/pts/N and -o /dev/stderr on a terminal with --format npy are refused (64), nothing written")
    func terminalPath() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        let binary = try #require(BuiltBinary.url).path
        let input = folder.url.appendingPathComponent("x.csv").path
        let command = [binary, "run", "-x", input, "--weights", "identity", "--format", "npy", "-o"]
            .map(HostileRun.quoted).joined(separator: " ")
        for target in ["\"$(readlink /proc/$$/fd/1)\"", "/dev/stderr"] {
            let terminal = try PseudoTerminal.run("/bin/sh", ["-c", "\(command) \(target)"])
            #expect(terminal.status == 64, "\(terminal.text)")
            #expect(terminal.text.hasPrefix("mha-cli: error: --format npy is binary and -o /dev/"), "\(terminal.text)")
            #expect(terminal.text.hasSuffix("is a terminal; write it to a file with -o FILE.npy\n"), "\(terminal.text)")
            #expect(!terminal.text.contains("NUMPY"))
        }
        // Not a terminal: /dev/null takes binary as before.
        let quiet = try folder.run([
            "run", "-x", "x.csv", "--weights", "identity", "--format", "npy", "-o", "/dev/null",
        ])
        quiet.expectSuccessQuietly()
    }
}
