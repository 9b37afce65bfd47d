import Foundation
import Testing

/// Messages that name the fix for a common slip (QA s24, F2 and F20): one line on stderr, the
/// usual exit code, through the built binary.
@Suite("Messages that suggest the fix: look-alike characters, case slips, missing folders")
struct SuggestedFixMessageTests {
    /// A number typed or pasted with a typographic character (from a PDF, Word or LaTeX
    /// output) names the character and the ASCII one to write, in CSV, TSV and JSON.
    @Test(
        "a look-alike character in a number is named, with the ASCII to write",
        arguments: [
            (
                "m.csv", "\u{2212}1,2\n", "m.csv:1:1: expected a number, found \"\u{2212}1\"",
                "U+2212 MINUS SIGN is not \"-\"; write an ASCII hyphen-minus"
            ),
            (
                "m.tsv", "1\t\u{2013}2\n", "m.tsv:1:3: expected a number, found \"\u{2013}2\"",
                "U+2013 EN DASH is not \"-\"; write an ASCII hyphen-minus"
            ),
            (
                "m.csv", "1\u{A0}000,2\n", "found \"1\\u{A0}000\"",
                "U+00A0 NO-BREAK SPACE is not part of a number; delete it, or write a plain space"
            ),
            (
                "m.csv", "1\u{D7}10,2\n", "found \"1\u{D7}10\"",
                "U+00D7 MULTIPLICATION SIGN is not part of a number; write a power of ten with e"
            ),
            ("m.csv", "1.5e\u{207B}3,2\n", "found \"1.5e\u{207B}3\"", "U+207B SUPERSCRIPT MINUS"),
            ("m.csv", "\u{FF11},2\n", "found \"\u{FF11}\"", "U+FF11 FULLWIDTH DIGIT ONE is not an ASCII digit"),
            (
                "m.json", "[[\u{2212}1, 2]]\n", "m.json:1:3: expected a value, found \"\u{2212}\"",
                "U+2212 MINUS SIGN is not \"-\""
            ),
            (
                "m.json", "[[1\u{A0}, 2]]\n", "m.json:1:4: expected ',' or ']', found \"\\u{A0}\"",
                "U+00A0 NO-BREAK SPACE"
            ),
        ])
    func lookalikeCharacter(_ name: String, _ content: String, _ located: String, _ hint: String) throws {
        let folder = try ScratchFolder()
        try folder.write(name, content)
        try folder.run(["run", "-x", name, "--weights", "identity"]).expectRefusal(65, located, "(\(hint)")
    }

    /// The same hint where numbers are read as a stream (decode) and in a hand-computed answer.
    @Test("decode's rows and check's answer name a Unicode minus sign too")
    func lookalikeInDecodeAndCheck() throws {
        let folder = try ScratchFolder()
        try folder.write("h.csv", "1,2,3,4\n\u{2212}1,2,3,4\n")
        let decoded = try folder.run(["decode", "--weights", "random:5", "--heads", "2", "-x", "h.csv"])
        #expect(decoded.status == 65)
        #expect(
            decoded.stderr
                == "mha-cli: error: h.csv:2:1: expected a number, found \"\u{2212}1\" (U+2212 MINUS SIGN is not \"-\"; write an ASCII hyphen-minus)\n"
        )
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.write("answer.csv", "0.5,0.5\n\u{2212}0.68,1\n")
        try folder.run(["check", "-x", "x.csv", "--weights", "identity", "--part", "output", "--answer", "answer.csv"])
            .expectRefusal(65, "answer.csv:2:1: expected a number, found \"\u{2212}0.68\" (U+2212 MINUS SIGN")
    }

    /// A number option's value names the look-alike too.
    @Test("--scale and --heads name a Unicode minus sign or a no-break space")
    func lookalikeInOptionValues() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.run(["run", "-x", "x.csv", "--weights", "identity", "--scale", "\u{2212}0.5"])
            .expectRefusal(
                64, "expected a finite number (U+2212 MINUS SIGN is not \"-\"; write an ASCII hyphen-minus)")
        try folder.run(["run", "-x", "x.csv", "--weights", "identity", "--heads", "2\u{A0}"])
            .expectRefusal(64, "(U+00A0 NO-BREAK SPACE is not part of a number")
    }

    /// Python's `json.dump` writes NaN and Infinity, which JSON does not have: said so.
    @Test(
        "NaN and Infinity in JSON are named as not JSON numbers",
        arguments: [
            ("[[1, NaN]]", "1:6: NaN"), ("[[1, Infinity]]", "1:6: Infinity"), ("[[-Infinity, 1]]", "1:3: Infinity"),
        ])
    func jsonNonFinite(_ content: String, _ located: String) throws {
        let folder = try ScratchFolder()
        try folder.write("nan.json", content + "\n")
        try folder.run(["run", "-x", "nan.json", "--weights", "identity"])
            .expectRefusal(
                65,
                "nan.json:\(located) is not a JSON number (JSON has no NaN or Infinity, though Python's json.dump writes them)",
                "non-finite values are not allowed")
    }

    @Test("a one-letter option in the wrong case suggests the right one")
    func shortOptionCase() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.run(["run", "-X", "x.csv", "--weights", "identity"])
            .expectRefusal(64, "Unknown option '-X'. Did you mean '-x'?")
        try folder.run(["run", "-x", "x.csv", "--weights", "identity", "--Heads", "2"])
            .expectRefusal(64, "Unknown option '--Heads'. Did you mean '--heads'?")
    }

    @Test("an option another subcommand has is named as theirs, not matched to a look-alike of this one's")
    func optionOfAnotherCommand() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.run(["attend", "-q", "x.csv", "-k", "x.csv", "-v", "x.csv", "--wo", "x.csv"])
            .expectRefusal(
                64, "'--wo' is not an option of attend (run, decode, check take it). See 'mha-cli attend --help'.")
        try folder.run(["decode", "-x", "x.csv", "--weights", "identity", "-o", "out.json"])
            .expectRefusal(64, "'-o' is not an option of decode (run, attend, check, init take it).")
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("out.json").path))
        // A typo of this command's own option still gets the nearest one.
        try folder.run(["attend", "-q", "x.csv", "-k", "x.csv", "-v", "x.csv", "--casual"])
            .expectRefusal(64, "Unknown option '--casual'. Did you mean '--causal'?")
    }

    @Test("a CSV or an empty file given to --bundle or --config is told that a JSON object is expected")
    func jsonObjectExpected() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "# H\n1,2\n")
        try folder.write("empty.json", "")
        try folder.run(["run", "--bundle", "x.csv"])
            .expectRefusal(65, "x.csv:1:1: expected a value, found \"#\" (a bundle is a JSON object: {…})")
        try folder.run(["run", "--bundle", "empty.json"])
            .expectRefusal(65, "empty.json:1:1: expected a value, found the end of the file (a bundle is a JSON object")
        let layer = BuiltBinary.packageRoot.appendingPathComponent("examples/checkpoint-layer").path
        try folder.run([
            "run", "--checkpoint", layer + "/model.safetensors", "--config", "x.csv", "--layer", "0",
            "-x", layer + "/x.npy",
        ]).expectRefusal(65, "(a model's config.json is a JSON object: {…})")
    }

    @Test("a tab-separated file named .csv is told to be named .tsv")
    func tabsInACSV() throws {
        let folder = try ScratchFolder()
        try folder.write("tabs.csv", "1\t2\t3\t4\n")
        try folder.run(["run", "-x", "tabs.csv", "--weights", "identity"])
            .expectRefusal(
                65,
                "it looks like 4 numbers separated by tabs; fields here are separated by commas; name the file .tsv to read tabs"
            )
    }

    /// `-o nodir/out.csv` names the missing folder (and leaves nothing behind).
    @Test("an output into a folder that does not exist names the folder")
    func missingOutputFolder() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.run(["run", "-x", "x.csv", "--weights", "identity", "-o", "nodir/out.csv"])
            .expectRefusal(74, "cannot write 'nodir/out.csv': the folder 'nodir' does not exist")
        try folder.run(["run", "-x", "x.csv", "--weights", "identity", "--heatmap", "a/b/h.svg"])
            .expectRefusal(74, "cannot write 'a/b/h.svg': the folder 'a/b' does not exist")
        #expect(try folder.contents() == ["x.csv"])
    }

    /// `FILE:NAME` whose FILE is missing names the file, not the whole argument.
    @Test("FILE:NAME of a missing file names the file part")
    func missingArchiveOfFileName() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.run(["run", "-x", "x.csv", "--weights", "identity", "--wq", "nosuch.npz:wq"])
            .expectRefusal(
                66, "cannot open 'nosuch.npz' (the FILE of FILE:NAME 'nosuch.npz:wq'): No such file or directory")
        // A plain missing file keeps the plain message.
        try folder.run(["run", "-x", "nosuch.csv", "--weights", "identity"])
            .expectRefusal(66, "cannot open 'nosuch.csv': No such file or directory")
    }

    @Test("a CSV given to --checkpoint is said not to be a checkpoint")
    func matrixFileAsCheckpoint() throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.run(["run", "--checkpoint", "x.csv", "--layer", "0", "-x", "x.csv"])
            .expectRefusal(
                65, "x.csv: a CSV file is not a checkpoint: --checkpoint takes a .safetensors (or .npz) file")
    }
}
