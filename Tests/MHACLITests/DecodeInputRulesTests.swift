import Foundation
import Testing

/// `decode` reads and prints as `run` does: a first line of labels with no data after it is
/// "no rows of numbers after the header" (it was `expected a number, found "a"`), and
/// `--precision` with `--format json` is refused rather than ignored.
@Suite struct DecodeInputRulesTests {
    /// A folder with 4 × 4 weight files (d_model 4).
    func folder() throws -> URL {
        let folder = try BuiltBinary.temporaryFolder()
        let rows = ["0.5,0.1,0,0.2", "0,0.4,0.3,0", "0.1,0,0.6,0.2", "0.3,0.2,0,0.7"].joined(separator: "\n") + "\n"
        for name in ["wq", "wk", "wv", "wo"] {
            try rows.write(to: folder.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
        }
        return folder
    }

    static let decode = [
        "decode", "--wq", "wq.csv", "--wk", "wk.csv", "--wv", "wv.csv", "--wo", "wo.csv", "--heads", "2",
    ]

    @Test func aHeaderWithoutDataIsTheMessageRunGives() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let header = "a,b,c,d\n"
        try header.write(to: folder.appendingPathComponent("h.csv"), atomically: true, encoding: .utf8)
        let run = try BuiltBinary.run(
            [
                "run", "-x", "h.csv", "--wq", "wq.csv", "--wk", "wk.csv", "--wv", "wv.csv", "--wo", "wo.csv", "--heads",
                "2",
            ],
            in: folder)
        #expect(run.status == 65 && run.stderr == "mha-cli: error: h.csv:1:1: no rows of numbers after the header\n")
        let file = try BuiltBinary.run(Self.decode + ["-x", "h.csv"], in: folder)
        #expect(file.status == 65 && file.stdout.isEmpty && file.stderr == run.stderr, "\(file.stderr)")
        for stdin in [header, "a,b,c,d", header + "\n# nothing more\n\n"] {
            let piped = try BuiltBinary.run(Self.decode, stdin: stdin, in: folder)
            #expect(
                piped.status == 65 && piped.stdout.isEmpty
                    && piped.stderr == "mha-cli: error: <stdin>:1:1: no rows of numbers after the header\n",
                "\(stdin.debugDescription): \(piped.stderr)")
        }
        // Empty input, blank lines and comments are no tokens: nothing to decode, exit 0.
        for stdin in ["", "\n", "# c\n\n"] {
            let empty = try BuiltBinary.run(Self.decode, stdin: stdin, in: folder)
            #expect(empty.status == 0 && empty.stdout.isEmpty && empty.stderr.isEmpty, "\(stdin.debugDescription)")
        }
        // A header followed by a row is still a header; a line that is not labels is still a bad number.
        let headed = try BuiltBinary.run(Self.decode, stdin: header + "1,2,3,4\n", in: folder)
        let bare = try BuiltBinary.run(Self.decode, stdin: "1,2,3,4\n", in: folder)
        #expect(headed.status == 0 && !headed.stdout.isEmpty && headed.stdout == bare.stdout)
        let bad = try BuiltBinary.run(Self.decode, stdin: "1,x,3,4\n", in: folder)
        #expect(bad.status == 65 && bad.stderr == "mha-cli: error: <stdin>:1:3: expected a number, found \"x\"\n")
    }

    @Test func precisionWithJSONIsRefusedAsRunRefusesIt() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = "1,2,3,4\n2,3,4,5\n"
        let refused = try BuiltBinary.run(
            Self.decode + ["--format", "json", "--precision", "3"], stdin: rows, in: folder)
        #expect(refused.status == 64 && refused.stdout.isEmpty)
        #expect(
            refused.stderr
                == "mha-cli: error: --precision sets decimals in csv; --format json always prints shortest round-trip numbers\n"
        )
        let json = try BuiltBinary.run(Self.decode + ["--format", "json"], stdin: rows, in: folder)
        #expect(json.status == 0 && json.stdout.split(separator: "\n").count == 2)
        let csv = try BuiltBinary.run(Self.decode + ["--precision", "3"], stdin: rows, in: folder)
        #expect(csv.status == 0 && csv.stdout.split(separator: "\n").allSatisfy { $0.split(separator: ",").count == 4 })
        #expect(
            csv.stdout.split(separator: "\n").first?.split(separator: ",").allSatisfy {
                $0.split(separator: ".").last?.count == 3
            } == true)
    }
}
