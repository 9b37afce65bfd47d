import Foundation
import Testing

/// Inputs that are not regular files, through the built binary: a FIFO is opened and read
/// once (a second open would wait for a writer that never comes), and a stream that cannot be
/// text is refused at the chunk holding the bad byte, not after buffering up to the memory
/// budget.
@Suite("Streams and FIFOs as inputs")
struct InputStreamTests {
    /// A 2 × 2 float64 `.npy` of [[1, 2], [3, 4]].
    static func matrixNPY() -> [UInt8] {
        HostileInputTests.npy(
            header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
            payload: [1.0, 2, 3, 4].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
    }

    /// A 2 × 1 × 2 float64 `.npy`: a batch of two one-token sequences.
    static func batchNPY() -> [UInt8] {
        HostileInputTests.npy(
            header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1, 2), }",
            payload: [1.0, 2, 3, 4].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
    }

    /// Runs `mha-cli arguments` in `folder` while `source` is written once into the FIFO
    /// `fifo` (by one writer, which gives up after 10 s); killed after 10 s (status 137).
    static func withFIFO(
        _ fifo: String, fedFrom source: String, _ arguments: [String], in folder: ScratchFolder
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let binary = try #require(BuiltBinary.url)
        let command = ([binary.path] + arguments).map(HostileRun.quoted).joined(separator: " ")
        let script = """
            rm -f \(fifo) && mkfifo \(fifo) || exit 99
            timeout 10 sh -c 'cat \(source) > \(fifo)' &
            timeout -s KILL 10 \(command) >.out 2>.err
            status=$?
            wait
            exit $status
            """
        let status = try HostileRun.shell(script, in: folder.url)
        let out = try String(contentsOf: folder.url.appendingPathComponent(".out"), encoding: .utf8)
        let err = try String(contentsOf: folder.url.appendingPathComponent(".err"), encoding: .utf8)
        return (status, out, err)
    }

    @Test(
        "an .npy FIFO given to run -x, --mask, --wq, FILE:NAME and attend -q is read once (it hung)",
        arguments: [
            ["run", "-x", "f.npy", "--weights", "identity", "--format", "csv"],
            [
                "run", "-x", "x.npy", "--mask", "f.npy", "--mask-kind", "additive", "--weights", "identity", "--format",
                "csv",
            ],
            ["run", "-x", "x.npy", "--wq", "f.npy", "--weights", "identity", "--format", "csv"],
            ["run", "-x", "f.npy:f", "--weights", "identity", "--format", "csv"],
            ["attend", "-q", "f.npy", "-k", "x.npy", "-v", "x.npy", "--format", "csv"],
        ])
    func npyFIFO(_ arguments: [String]) throws {
        let folder = try ScratchFolder()
        try folder.write("x.npy", Self.matrixNPY())
        let fromFIFO = try Self.withFIFO("f.npy", fedFrom: "x.npy", arguments, in: folder)
        #expect(fromFIFO.status == 0, "exit \(fromFIFO.status) (137: hung): \(fromFIFO.stderr)")
        // The same command on the regular file gives the same answer.
        let regular = arguments.map { $0 == "f.npy" ? "x.npy" : $0 == "f.npy:f" ? "x.npy:x" : $0 }
        let expected = try BuiltBinary.run(regular, in: folder.url)
        #expect(expected.status == 0, "\(expected.stderr)")
        #expect(fromFIFO.stdout == expected.stdout && !fromFIFO.stdout.isEmpty)
    }

    @Test("a 3-D .npy FIFO is read once as a batch: -o out.npy holds B × n × d")
    func batchFIFO() throws {
        let folder = try ScratchFolder()
        try folder.write("b.npy", Self.batchNPY())
        let run = try Self.withFIFO(
            "f.npy", fedFrom: "b.npy", ["run", "-x", "f.npy", "--weights", "identity", "-o", "out.npy"], in: folder)
        #expect(run.status == 0, "exit \(run.status) (137: hung): \(run.stderr)")
        let written = try Data(contentsOf: folder.url.appendingPathComponent("out.npy"))
        #expect(String(decoding: written.prefix(128), as: UTF8.self).contains("(2, 1, 2)"))
    }

    @Test("run -x /dev/zero is refused at 1:1 for its NUL byte at once, as a regular file is")
    func devZero() throws {
        let folder = try ScratchFolder()
        try folder.run(["run", "-x", "/dev/zero", "--weights", "identity"])
            .expectRefusal(65, "/dev/zero:1:1: a NUL byte (0x00): this is binary data, not CSV text")
        try folder.write("zeros.csv", [UInt8](repeating: 0, count: 1000))
        try folder.run(["run", "-x", "zeros.csv", "--weights", "identity"])
            .expectRefusal(65, "zeros.csv:1:1: a NUL byte (0x00): this is binary data, not CSV text")
    }

    @Test(
        "an endless stream is refused, located, at the chunk holding a NUL or a byte that is not UTF-8",
        arguments: [
            (
                "(printf '1,2\\n3,4\\n'; cat /dev/zero)",
                "<stdin>:3:1: a NUL byte (0x00): this is binary data, not CSV text"
            ),
            ("(printf '1,2\\n3,\\377\\n'; yes 1,2)", "<stdin>:2:3: bytes that are not UTF-8 (0xFF)"),
            ("(printf '1\\t2\\n'; cat /dev/zero)", "<stdin>:2:1: a NUL byte (0x00): this is binary data, not TSV text"),
            ("(printf '[[1,'; cat /dev/zero)", "<stdin>:1:5: expected a value, found a control character (0x0)"),
        ])
    func endlessStream(_ feed: String, _ message: String) throws {
        let folder = try ScratchFolder()
        try folder.run(["run", "-x", "-", "--weights", "identity"], stdinCommand: feed)
            .expectRefusal(65, message)
    }
}
