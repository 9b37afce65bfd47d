import Foundation
import Testing

/// The hostile input files of QA session 25 (`Tests/MHAFormatsTests/Fixtures/archives/qa-s25`,
/// reachable as `fx/`), and the cases it made from the shell: each is refused in one line
/// with the right code, or read right, never read as something else.
@Suite("Hostile files: headers, zip entries, devices, spellings")
struct HostileFileFindingsTests {
    /// The QA session's files.
    static let files = BuiltBinary.packageRoot.appendingPathComponent(
        "Tests/MHAFormatsTests/Fixtures/archives/qa-s25")
    /// The GPT-2 checkpoint fixture's folder.
    static let gpt2 = BuiltBinary.packageRoot.appendingPathComponent(
        "Tests/MHAFormatsTests/Fixtures/checkpoints/gpt2")
    static let identity = ["--weights", "identity"]

    // MARK: - CSV: a first line of values is never a header

    @Test(
        "a first line of numbers spelt otherwise (false/true, hex, Fortran D, C f) is refused at line 1, not dropped",
        arguments: [
            ("false,true", "\"false\" (CSV and TSV read 1 and 0, not true and false)"), ("0x1p3,0x2", "\"0x1p3\""),
            ("1.0D+00,2.0D+00", "\"1.0D+00\""), ("1.5f,2.5f", "\"1.5f\""),
        ])
    func firstLineIsData(_ line: String, _ found: String) throws {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,2\n3,4\n")
        try folder.write("first.csv", line + "\n1,1\n1,1\n")
        try folder.run(["run", "-x", "x.csv", "--mask", "first.csv"] + Self.identity)
            .expectRefusal(65, "first.csv:1:1: expected a number, found \(found)")
        try folder.run(["run", "-x", "first.csv"] + Self.identity)
            .expectRefusal(65, "first.csv:1:1: expected a number, found \(found)")
        try folder.run(["decode"] + Self.identity, stdinFile: "first.csv")
            .expectRefusal(65, "<stdin>:1:1: expected a number, found \(found)")
    }

    @Test("a first line of labels is still a header")
    func labelsAreAHeader() throws {
        let folder = try ScratchFolder()
        try folder.write("h.csv", "a,b1\n1,2\n3,4\n")
        let run = try folder.run(["run", "-x", "h.csv", "--show", "qkv", "--format", "json"] + Self.identity)
        run.expectSuccess()
        #expect(run.stdout.contains("[3,4]") || run.stdout.contains("[3.0,4.0]"), "\(run.stdout.prefix(300))")
    }

    // MARK: - npz: a directory entry must point at its own member

    @Test("an npz entry pointing at another member's local header is refused, as numpy does")
    func entryPointingElsewhere() throws {
        for arguments in [
            ["run", "-x", "fx/z_samedata.npz:y"] + Self.identity, ["inspect", "fx/z_samedata.npz"],
        ] {
            try FixtureRun.run(arguments, fixtures: Self.files)
                .expectRefusal(65, "member \"y.npy\"'s local header names \"x.npy\"")
        }
        try FixtureRun.run(["run", "-x", "fx/lhname.npz"] + Self.identity, fixtures: Self.files)
            .expectRefusal(65, "member \"x.npy\"'s local header names \"q.npy\"")
    }

    // MARK: - Devices, FIFOs, binary streams

    @Test("a decode cache, a checkpoint or a config.json that is a device or a FIFO is refused at once (66)")
    func notRegularFiles() throws {
        let folder = try ScratchFolder()
        try folder.write("row.csv", "1,2\n")
        #expect(try HostileRun.shell("mkfifo fifo1", in: folder.url) == 0)
        try folder.run(["decode", "--cache", "fifo1"] + Self.identity, stdinFile: "row.csv")
            .expectRefusal(66, "cannot read 'fifo1' as a decode cache: it is a FIFO, not a regular file")
        try folder.run(["decode", "--cache", "/dev/zero"] + Self.identity, stdinFile: "row.csv")
            .expectRefusal(66, "'/dev/zero' as a decode cache: it is a character device")
        let model = Self.gpt2.appendingPathComponent("model.safetensors").path
        try folder.write(
            "x.csv",
            (0..<2).map { _ in Array(repeating: "1", count: 32).joined(separator: ",") }
                .joined(separator: "\n"))
        try folder.run(["run", "--checkpoint", "/dev/zero", "--layer", "0", "-x", "x.csv", "--heads", "2"])
            .expectRefusal(66, "cannot read '/dev/zero' as a checkpoint")
        try folder.run(["run", "--checkpoint", model, "--layer", "0", "-x", "x.csv", "--config", "/dev/zero"])
            .expectRefusal(66, "cannot read '/dev/zero' as config.json")
        try folder.run(["inspect", model, "--config", "fifo1"])
            .expectRefusal(66, "cannot read 'fifo1' as config.json: it is a FIFO")
    }

    @Test("a binary stream whose first bytes no array file has is refused at its first chunk, not buffered")
    func impossibleBinaryStart() throws {
        let folder = try ScratchFolder()
        for name in ["z.npy", "z.npz", "z.safetensors"] {
            #expect(try HostileRun.shell("ln -s /dev/zero \(name)", in: folder.url) == 0)
        }
        let cases: [([String], String?, String)] = [
            (["run", "-x", "z.npy"] + Self.identity, nil, "missing the \\x93NUMPY magic string"),
            (["run", "-x", "x.csv", "--mask", "z.npy"] + Self.identity, nil, "missing the \\x93NUMPY magic string"),
            (["run", "-x", "z.npz:x"] + Self.identity, nil, "z.npz"),
            (["run", "-x", "z.safetensors"] + Self.identity, nil, "z.safetensors"),
            (["run", "-x", "/dev/zero:x"] + Self.identity, nil, "/dev/zero"),
            (["inspect", "-"], "/dev/zero", "<stdin>"),
        ]
        try folder.write("x.csv", "1,2\n3,4\n")
        for (arguments, stdin, words) in cases {
            let run = try folder.run(arguments, stdinFile: stdin, addressSpace: 500_000_000)
            run.expectRefusal(65, words)
            #expect(!run.stderr.contains("reading the input needs"), "\(arguments): \(run.stderr)")
        }
        try folder.write("v0.bin", [0x93] + Array("NUMPY".utf8) + [0, 0] + Array(repeating: 0, count: 64))
        let run = try folder.run(
            ["run", "-x", "-"] + Self.identity, addressSpace: 500_000_000,
            stdinCommand: "(cat v0.bin; cat /dev/zero)")
        run.expectRefusal(65, "unsupported NPY format version 0.0")
    }

    // MARK: - FILE:NAME

    @Test("FILE:NAME with NAME ending in .npy is read by every matrix option")
    func memberNamedDotNpy() throws {
        let archive = "fx/mask_dotnpy.npz"
        for arguments in [
            ["run", "-x", archive + ":x.npy"], ["run", "-x", archive + ":x.npy", "--mask", archive + ":m.npy"],
            ["run", "-x", archive + ":x.npy", "-m", archive + ":x.npy"],
            ["attend", "-q", archive + ":x.npy", "-k", archive + ":x.npy", "-v", archive + ":x.npy"],
        ] {
            let run = try FixtureRun.run(
                arguments + (arguments[0] == "run" ? Self.identity : []) + ["--format", "csv"], fixtures: Self.files)
            run.expectSuccess()
        }
    }

    @Test("a multi-array archive on stdin names the form that picks one: -:NAME (/dev/stdin:NAME works too)")
    func archiveOnStdin() throws {
        let folder = try ScratchFolder()
        try folder.write("ok.npz", [UInt8](Data(contentsOf: Self.files.appendingPathComponent("ok.npz"))))
        try folder.run(["run", "-x", "-"] + Self.identity, stdinFile: "ok.npz")
            .expectRefusal(65, "<stdin>: holds 2 arrays: x, y; pick one with -:NAME")
        try folder.run(["run", "-x", "/dev/stdin:y", "--format", "csv"] + Self.identity, stdinFile: "ok.npz")
            .expectSuccess()
    }

    // MARK: - Bundles and JSON numbers

    @Test(
        "a bundle's integer setting spelt as a non-integer is refused, even when float64 rounds it to one",
        arguments: [
            ("heads", "1.9999999999999999999", "positive"), ("heads", "2.0", "positive"),
            ("token", "1.0000000000000000001", "non-negative"), ("window", "1.9999999999999999999", "positive"),
        ])
    func bundleIntegers(_ key: String, _ value: String, _ kind: String) throws {
        let folder = try ScratchFolder()
        try folder.write("b.json", "{\"x\":[[1,2],[3,4]],\"\(key)\":\(value)}")
        try folder.run(["run", "--bundle", "b.json"] + Self.identity)
            .expectRefusal(65, "$.\(key): expected a \(kind) integer, found \(value)")
    }

    @Test("a JSON number cut for the message is marked with …")
    func longNumberMarked() throws {
        let folder = try ScratchFolder()
        let digits = "123456789012345678901234567890123456789012345678901234567890"
        try folder.write("j.json", "[[\(digits)e300]]")
        try folder.run(["run", "-x", "j.json"] + Self.identity)
            .expectRefusal(65, "\(digits.prefix(40))… is out of range for float64")
    }

    // MARK: - NPY batch, safetensors headers, pickles

    @Test("a 3-D .npy with bytes after its data is refused like a 2-D one")
    func batchWithTrailingBytes() throws {
        try FixtureRun.run(["run", "-x", "fx/b3_extra.npy"] + Self.identity, fixtures: Self.files)
            .expectRefusal(65, "the data is longer than the header says: shape (2, 3, 4) of <f8 needs 192 bytes")
    }

    @Test(
        "safetensors headers the reference implementation refuses are refused",
        arguments: [
            ("offs_float.safetensors", "data_offsets: expected an array of 2 non-negative integers"),
            ("shape_float.safetensors", "shape: expected an array of non-negative integers"),
            ("meta_odd.safetensors", "the value of \"a\" is a number, not a string"),
            ("meta_string.safetensors", "expected an object of strings, found a string"),
            ("lonesurr.safetensors", "a lone UTF-16 surrogate escape (\\ud800)"),
        ])
    func safetensorsStrictness(_ name: String, _ words: String) throws {
        try FixtureRun.run(["inspect", "fx/" + name], fixtures: Self.files).expectRefusal(65, words)
    }

    @Test("a torch.save pickle named .safetensors gets the PyTorch-pickle message")
    func pickleNamedSafetensors() throws {
        for arguments in [
            ["inspect", "fx/pt.safetensors"], ["run", "-x", "fx/pt.safetensors:x"] + Self.identity,
        ] {
            try FixtureRun.run(arguments, fixtures: Self.files).expectRefusal(65, "a PyTorch pickle (torch.save")
        }
    }
}
