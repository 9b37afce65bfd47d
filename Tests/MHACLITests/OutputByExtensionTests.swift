import Foundation
import MHACore
import MHAFormats
import Testing

@testable import MHACLI

/// `-o FILE` picks the format by extension (DESIGN §7); `--format` must agree with it.
@Suite struct OutputByExtensionTests {
    static let run = ["run", "-x", "x.csv", "--weights", "random:3", "--heads", "2"]

    /// A folder with a 3 × 4 x.csv.
    func folder() throws -> URL {
        let folder = try BuiltBinary.temporaryFolder()
        try "1,2,3,4\n5,6,7,8\n0,1,0,1\n".write(
            to: folder.appendingPathComponent("x.csv"), atomically: true, encoding: .utf8)
        return folder
    }

    func bytes(_ folder: URL, _ name: String) -> [UInt8]? {
        (try? Data(contentsOf: folder.appendingPathComponent(name))).map { Array($0) }
    }

    /// The run's output as `--format csv` prints it (shortest round-trip numbers: exact).
    func csvMatrix(_ folder: URL, show: String) throws -> Matrix<Double> {
        let csv = try BuiltBinary.run(Self.run + ["--format", "csv", "--show", show], in: folder)
        return try MatrixReader.read(bytes: Array(csv.stdout.utf8), name: "csv", format: .csv)
    }

    @Test func npyHoldsTheOutputAndEqualsTheCSV() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try BuiltBinary.run(Self.run + ["-o", "out.npy"], in: folder)
        #expect(outcome.status == 0 && outcome.stdout.isEmpty && outcome.stderr.isEmpty)
        let written = try MatrixReader.read(path: folder.appendingPathComponent("out.npy").path)
        #expect(written == (try csvMatrix(folder, show: "output")))
        // --show names the one part an .npy holds; several parts are refused.
        #expect(try BuiltBinary.run(Self.run + ["-o", "c.NPY", "--show", "concat"], in: folder).status == 0)
        #expect(
            try MatrixReader.read(path: folder.appendingPathComponent("c.NPY").path)
                == (try csvMatrix(folder, show: "concat")))
        let heads = try BuiltBinary.run(Self.run + ["-o", "h.npy", "--show", "heads"], in: folder)
        #expect(heads.status == 64)
        #expect(
            heads.stderr
                == "mha-cli: error: -o h.npy prints one matrix, but --show heads has one per head (2); write them all with .npz, or use --format json\n"
        )
        #expect(bytes(folder, "h.npy") == nil)
    }

    @Test func npzHoldsEveryShownPart() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try BuiltBinary.run(Self.run + ["-o", "parts.npz"], in: folder)
        #expect(outcome.status == 0 && outcome.stderr.isEmpty)
        let zip = try #require(bytes(folder, "parts.npz"))
        #expect(zip.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        // Each member is the .npy the single-part run writes, under its numpy name.
        for name in ["output", "concat"] {
            _ = try BuiltBinary.run(Self.run + ["-o", "\(name).npy", "--show", name], in: folder)
            let npy = try #require(bytes(folder, "\(name).npy"))
            #expect(Self.contains(zip, Array("\(name).npy".utf8) + npy), "member \(name)")
        }
        for name in ["head_1.npy", "head_2.npy"] { #expect(Self.contains(zip, Array(name.utf8)), "member \(name)") }
        #expect(!Self.contains(zip, Array("weights_1.npy".utf8)))
        #expect(try BuiltBinary.run(Self.run + ["-o", "w.npz", "--show", "weights,output"], in: folder).status == 0)
        let weights = try #require(bytes(folder, "w.npz"))
        for name in ["weights_1.npy", "weights_2.npy", "output.npy"] {
            #expect(Self.contains(weights, Array(name.utf8)))
        }
        let script = """
            import os, sys, numpy as np
            os.chdir(sys.argv[1])
            z = np.load('parts.npz')
            print(sorted(z.files))
            print(np.array_equal(z['output'], np.load('output.npy')), np.array_equal(z['concat'], np.load('concat.npy')))
            print(np.array_equal(np.hstack([z['head_1'], z['head_2']]), z['concat']))
            w = np.load('w.npz')
            print(sorted(w.files), w['weights_1'].shape, np.allclose(w['weights_2'].sum(axis=1), 1))
            """
        guard let text = Self.python(script, folder.path) else {
            print("skipped the numpy half: python3 with numpy is not available")
            return
        }
        #expect(
            text == """
                ['concat', 'head_1', 'head_2', 'output']
                True True
                True
                ['output', 'weights_1', 'weights_2'] (3, 3) True

                """)
    }

    @Test func textFormatsByExtensionAndFallback() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = try BuiltBinary.run(Self.run + ["--format", "csv"], in: folder).stdout
        #expect(try BuiltBinary.run(Self.run + ["-o", "o.csv"], in: folder).status == 0)
        #expect(bytes(folder, "o.csv") == Array(csv.utf8))
        #expect(try BuiltBinary.run(Self.run + ["-o", "o.tsv"], in: folder).status == 0)
        #expect(bytes(folder, "o.tsv") == Array(csv.replacingOccurrences(of: ",", with: "\t").utf8))
        #expect(try BuiltBinary.run(Self.run + ["-o", "o.json"], in: folder).status == 0)
        #expect(bytes(folder, "o.json").map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("{\"shapes\"") == true)
        // An unknown extension takes --format (text by default).
        #expect(try BuiltBinary.run(Self.run + ["-o", "o.txt", "--format", "csv"], in: folder).status == 0)
        #expect(bytes(folder, "o.txt") == Array(csv.utf8))
        let text = try BuiltBinary.run(Self.run, in: folder).stdout
        #expect(try BuiltBinary.run(Self.run + ["-o", "o.out"], in: folder).status == 0)
        #expect(bytes(folder, "o.out") == Array(text.utf8))
        // Agreeing --format is fine.
        #expect(try BuiltBinary.run(Self.run + ["-o", "same.npz", "--format", "npz"], in: folder).status == 0)
    }

    @Test func contradictionIsAUsageErrorAndWritesNothing() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try BuiltBinary.run(Self.run + ["-o", "out.npz", "--format", "csv"], in: folder)
        #expect(outcome.status == 64)
        #expect(
            outcome.stderr
                == "mha-cli: error: --format csv contradicts -o out.npz, whose extension means npz; give one or make them agree\n"
        )
        #expect(bytes(folder, "out.npz") == nil)
        #expect(try BuiltBinary.run(Self.run + ["-o", "out.json", "--format", "text"], in: folder).status == 64)
    }

    @Test func binaryGoesToPipesButNeverToATerminal() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let piped = try BuiltBinary.run(Self.run + ["--format", "npy"], in: folder)
        #expect(piped.status == 0)
        #expect(
            piped.stdout.contains("NUMPY\u{01}\u{00}v\u{00}{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }")
        )
        #expect(throws: UsageError.self) {
            try OutputDestination.format(path: nil, given: .npz, stdoutIsTerminal: true)
        }
        #expect(throws: UsageError.self) {
            try OutputDestination.format(path: "/dev/stdout", given: .npy, stdoutIsTerminal: true)
        }
        #expect(try OutputDestination.format(path: "x.npy", given: nil, stdoutIsTerminal: true) == .npy)
        #expect(try OutputDestination.format(path: nil, given: .csv, stdoutIsTerminal: true) == .csv)
        #expect(try OutputDestination.format(path: "a.b/c", given: nil, stdoutIsTerminal: false) == .text)
        #expect(try OutputDestination.format(path: ".npz", given: nil, stdoutIsTerminal: false) == .text)
        #expect(throws: UsageError.self) {
            try OutputDestination.format(path: "x.npz", given: nil, allowed: [.text, .json], stdoutIsTerminal: false)
        }
        guard let binary = BuiltBinary.url?.path else { return }
        let terminal = try PseudoTerminal.run(
            binary,
            [
                "run", "-x", folder.appendingPathComponent("x.csv").path,
                "--weights", "identity", "--format", "npz",
            ])
        #expect(terminal.status == 64)
        #expect(
            terminal.text
                == "mha-cli: error: --format npz is binary and stdout is a terminal; write it to a file with -o FILE.npz, or redirect stdout\n"
        )
    }

    /// Whether `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        return (0...(haystack.count - needle.count)).contains { start in
            haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
    }

    /// `python3 -c script argument`'s stdout; nil when python3 or numpy is missing.
    static func python(_ script: String, _ argument: String) -> String? {
        guard
            let probe = try? BuiltBinary.launch(
                URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import numpy"]),
            probe.status == 0
        else { return nil }
        return try? BuiltBinary.launch(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, argument]).stdout
    }
}
