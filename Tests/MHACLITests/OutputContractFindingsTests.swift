import Foundation
import Testing

@testable import MHACLI

/// The output files and command-line contract as a user sees them (QA session s25): the same
/// file named twice through a link, a heatmap beside a report whose reader went away, a
/// write-protected target, closed standard streams, empty `--heatmap` values, options that
/// would have no effect, the error line's length and each command's help.
@Suite struct OutputContractFindingsTests {
    /// A scratch folder holding `b1.json` (6 × 6 weights, biases, 4 tokens).
    static func folderWithBundle() throws -> ScratchFolder {
        let folder = try ScratchFolder()
        let made = try folder.run(
            ["init", "--d-model", "6", "--heads", "1", "--seq-len", "4", "--seed", "3", "--biases", "-o", "b1.json"])
        made.expectSuccess()
        return folder
    }

    /// Runs `script` with `sh` in `folder`, `$B` the built binary; returns its status.
    static func shell(_ script: String, in folder: ScratchFolder) throws -> Int32 {
        let binary = try #require(BuiltBinary.url, "mha-cli not found next to the tests; set MHA_CLI")
        return try HostileRun.shell("B=\(HostileRun.quoted(binary.path))\n" + script, in: folder.url)
    }

    /// `text` with every run of white space one space (help wraps its lines).
    static func flat(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The text of `name` in `folder`, or nil when it does not exist.
    static func text(_ name: String, in folder: ScratchFolder) -> String? {
        try? String(contentsOf: folder.url.appendingPathComponent(name), encoding: .utf8)
    }

    // Finding 1: -o through a link onto the heatmap's file replaced the report with the SVG.
    @Test func heatmapAndOutputThroughALinkAreRefused() throws {
        let folder = try Self.folderWithBundle()
        try folder.write("hq.svg", "old\n")
        try FileManager.default.createSymbolicLink(
            atPath: folder.url.appendingPathComponent("hq.txt").path, withDestinationPath: "hq.svg")
        let linked = try folder.run(["run", "--bundle", "b1.json", "--heatmap", "hq.svg", "-o", "hq.txt"])
        linked.expectRefusal(64, "--heatmap hq.svg and -o hq.txt name the same file")
        #expect(Self.text("hq.svg", in: folder) == "old\n", "the file was replaced")

        try FileManager.default.createDirectory(
            at: folder.url.appendingPathComponent("sub"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(
            atPath: folder.url.appendingPathComponent("subl").path, withDestinationPath: "sub")
        let folders = try folder.run(
            ["run", "--bundle", "b1.json", "--heatmap", "sub/h.svg", "--show", "weights", "-o", "subl/h.svg"])
        folders.expectRefusal(64, "name the same file")
        #expect(try folder.contents(of: "sub").isEmpty)

        // Two different files are still fine.
        let apart = try folder.run(["run", "--bundle", "b1.json", "--heatmap", "sub/h.svg", "-o", "subl/r.txt"])
        apart.expectSuccess()
        #expect(try folder.contents(of: "sub") == ["h.svg", "r.txt"])
    }

    // Finding 2: with a report larger than the pipe buffer, `| head -c 1` lost the heatmap.
    @Test func heatmapIsWrittenWhenTheReaderClosesStdout() throws {
        let folder = try ScratchFolder()
        let made = try folder.run(
            ["init", "--d-model", "32", "--heads", "1", "--seq-len", "300", "--seed", "1", "-o", "p.json"])
        made.expectSuccess()
        // heads, concat and output in full: about 300 KB of text, far more than a pipe holds.
        let status = try Self.shell(
            #"{ "$B" run --bundle p.json --full --heatmap h.svg 2>err; echo $? >rc; } | head -c 1 >/dev/null"#,
            in: folder)
        #expect(status == 0)
        #expect(Self.text("rc", in: folder) == "0\n", "stderr: \(Self.text("err", in: folder) ?? "")")
        #expect(Self.text("err", in: folder) == "")
        let svg = try #require(Self.text("h.svg", in: folder), "no heatmap written")
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
    }

    // Finding 3: -o renamed a new file over one the user could not write.
    @Test func aWriteProtectedTargetIsRefusedAndKept() throws {
        let folder = try Self.folderWithBundle()
        let shared = folder.url.appendingPathComponent("w")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: shared.path)
        for name in ["prot.csv", "prot.svg"] {
            try folder.write("w/" + name, "PROTECTED\n")
            try FileManager.default.setAttributes(
                [.posixPermissions: 0o444], ofItemAtPath: shared.appendingPathComponent(name).path)
        }
        // (arguments, the path the message names, the protected file)
        let cases: [([String], String, String)] = [
            (["run", "--bundle", "b1.json", "-o", "w/prot.csv"], "w/prot.csv", "w/prot.csv"),
            (
                ["run", "--bundle", "b1.json", "--format", "csv", "-o", "w/../w/prot.csv"], "w/../w/prot.csv",
                "w/prot.csv"
            ),
            (["run", "--bundle", "b1.json", "--heatmap", "w/prot.svg", "-o", "w/new.csv"], "w/prot.svg", "w/prot.svg"),
        ]
        for (arguments, named, file) in cases {
            // As nobody when the tests run as root (root may write any file, as its shell does).
            let refused = try folder.run(arguments, asNobody: true)
            refused.expectRefusal(74, "cannot write '\(named)': Permission denied")
            #expect(Self.text(file, in: folder) == "PROTECTED\n", "\(arguments) replaced \(file)")
        }
        #expect(try folder.contents(of: "w") == ["prot.csv", "prot.svg"], "a file was left behind")
        if HostileRun.isRoot {
            let asRoot = try folder.run(["run", "--bundle", "b1.json", "-o", "w/prot.csv"])
            asRoot.expectSuccess()
            #expect(Self.text("w/prot.csv", in: folder) != "PROTECTED\n")
        }
    }

    // Finding 4: with stdout closed, the input opened as descriptor 1 was taken for stdout (66).
    @Test func aClosedStdoutIsAnOutputErrorAndNotNeededWithAnOutputFile() throws {
        let folder = try Self.folderWithBundle()
        try folder.write("x.csv", "1,2,3,4\n0,1,0,1\n")
        let written = try Self.shell(#""$B" run --bundle b1.json -o closed.npz >&- 2>err"#, in: folder)
        #expect(written == 0, "stderr: \(Self.text("err", in: folder) ?? "")")
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("closed.npz").path))
        for command in [
            #""$B" run --bundle b1.json"#,
            #""$B" attend -q x.csv -k x.csv -v x.csv --heads 2"#,
            #""$B" inspect closed.npz"#,
            #""$B" shapes --d-model 8 --heads 2"#,
        ] {
            let status = try Self.shell(command + " >&- 2>err", in: folder)
            let stderr = Self.text("err", in: folder) ?? ""
            #expect(status == 74, "\(command): \(stderr)")
            #expect(stderr == "mha-cli: error: cannot write '<stdout>': Bad file descriptor\n", "\(command)")
        }
    }

    // Finding 7: an empty --heatmap value drew the terminal heatmap.
    @Test(arguments: [["--heatmap", ""], ["--heatmap="]])
    func anEmptyHeatmapValueIsAUsageError(_ heatmap: [String]) throws {
        let folder = try Self.folderWithBundle()
        let refused = try folder.run(["run", "--bundle", "b1.json"] + heatmap)
        refused.expectRefusal(64, "'--heatmap [<file.svg>]'", "expected a file name ending in .svg")
        let terminal = try folder.run(["run", "--bundle", "b1.json", "--heatmap"])
        terminal.expectSuccess()
        #expect(terminal.stdout.contains("legend"))
    }

    // Finding 8: --precision and --full were refused for some formats they do not affect and
    // ignored by others.
    @Test func precisionAndFullAreRefusedWhereTheyHaveNoEffect() throws {
        let folder = try Self.folderWithBundle()
        for format in ["json", "npy", "npz"] {
            let refused = try folder.run(["run", "--bundle", "b1.json", "--format", format, "--precision", "2"])
            refused.expectRefusal(64, "--precision sets the decimals of text, csv, tsv, latex, markdown and svg")
        }
        let file = try folder.run(["run", "--bundle", "b1.json", "-o", "pp.npy", "--precision", "2"])
        file.expectRefusal(64, "-o pp.npy holds the binary values exactly")
        #expect(try !folder.contents().contains("pp.npy"))
        // Beside a --heatmap FILE.svg it rounds the tooltips, so it is taken.
        let tooltips = try folder.run(
            ["run", "--bundle", "b1.json", "-o", "pp.npy", "--precision", "2", "--heatmap", "pp.svg"])
        tooltips.expectSuccess()
        let tsv = try folder.run(["run", "--bundle", "b1.json", "--format", "tsv", "--precision", "2"])
        tsv.expectSuccess()
        #expect(
            tsv.stdout.split(separator: "\n").allSatisfy {
                $0.split(separator: "\t").allSatisfy { $0.split(separator: ".").last?.count == 2 }
            })
        for format in ["csv", "tsv", "npy", "npz", "json", "svg"] {
            let refused = try folder.run(["run", "--bundle", "b1.json", "--format", format, "--full"])
            refused.expectRefusal(64, "--full stops eliding large matrices in text, latex and markdown")
        }
        let help = try folder.run(["run", "--help"])
        #expect(Self.flat(help.stdout).contains("text, csv, tsv, latex, markdown and svg output"))
    }

    // Finding 9: bench --gemm ignored --causal.
    @Test func benchGemmRefusesCausal() throws {
        let folder = try ScratchFolder()
        let refused = try folder.run([
            "bench", "--seq-len", "8", "--d-model", "8", "--repeat", "1", "--gemm", "--causal",
        ])
        refused.expectRefusal(64, "--gemm times the product alone; --causal configures the forward pass (drop one)")
    }

    // Finding 11: too many .npz members were refused without saying what to write instead.
    @Test func tooManyArchiveMembersSuggestWhatToWrite() throws {
        let folder = try ScratchFolder()
        try folder.write("q.csv", (0..<22000).map { "0.\($0 % 10)" }.joined(separator: ",") + "\n")
        let refused = try folder.run(
            [
                "attend", "-q", "q.csv", "-k", "q.csv", "-v", "q.csv", "--heads", "22000", "--show",
                "scores,weights,heads", "-o", "m.npz",
            ], killAfter: 120)
        refused.expectRefusal(
            74, "cannot write 'm.npz': the .npz archive would have 66000 members", "show fewer parts with --show",
            "-o FILE.json", ".npy")
        #expect(try folder.contents() == ["q.csv"])
    }

    // Finding 12: the error line was 1017 characters: 1000 of message after the prefix, then "…".
    @Test func anErrorLineIsAtMostAThousandCharacters() throws {
        let long = String(repeating: "d", count: 3000)
        let folder = try Self.folderWithBundle()
        for arguments in [
            ["run", "--bundle", long + "/x.json"], ["run", "--bundle", "b1.json", "-o", long + "/x.csv"],
        ] {
            let refused = try folder.run(arguments)
            #expect(refused.status == 66 || refused.status == 74)
            let line = String(refused.stderr.dropLast())
            #expect(
                refused.stderr.hasSuffix("…\n") && line.unicodeScalars.count == 1000, "\(line.unicodeScalars.count)")
        }
        // Escapes count as what they print, and are never cut in two.
        let escaped = MHACLI.line("error: ", String(repeating: "\u{1B}", count: 400))
        #expect(escaped.unicodeScalars.count <= 1000)
        #expect(escaped.hasPrefix("mha-cli: error: \\u{1B}") && escaped.hasSuffix("\\u{1B}…"))
        let short = MHACLI.line("error: ", "cannot read 'x'")
        #expect(short == "mha-cli: error: cannot read 'x'")
    }

    // Finding 14: bench's and attend's help described options and weights they do not have.
    @Test func eachCommandsHelpDescribesOnlyWhatItTakes() throws {
        let bench = HelpRenderer.help(for: BenchCommand.spec, path: ["mha-cli", "bench"])
        for word in ["checkpoint", "bundle", "--gq", "--gk"] {
            #expect(!bench.contains(word), "bench --help mentions \(word)")
        }
        #expect(Self.flat(bench).contains("γ^q = γ^k = ones"))
        let attend = HelpRenderer.help(for: AttendCommand.spec, path: ["mha-cli", "attend"])
        for word in ["W^q", "W^o", "bundle"] {
            #expect(!attend.contains(word), "attend --help mentions \(word)")
        }
        let run = HelpRenderer.help(for: RunCommand.spec, path: ["mha-cli", "run"])
        #expect(
            Self.flat(run).contains("W^q is d_model × τ·k") && Self.flat(run).contains("a checkpoint's or bundle's"))
    }
}
