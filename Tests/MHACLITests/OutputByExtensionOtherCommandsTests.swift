import Foundation
import Testing

/// `-o FILE` of `init` and `check` keeps docs/output.md's rule that the format comes from the
/// extension: init writes JSON only, so another extension is refused (it wrote JSON text into
/// `b.npz`); check's `-o v.json` writes the JSON verdict (it wrote the text one).
@Suite struct OutputByExtensionOtherCommandsTests {
    static let initArguments = ["init", "--d-model", "4", "--heads", "2", "--seq-len", "2"]

    func exists(_ folder: URL, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path)
    }

    @Test func initRefusesAnExtensionThatIsNotJSON() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["b.npz", "b.csv", "b.tex", "b.txt"] {
            let outcome = try BuiltBinary.run(Self.initArguments + ["-o", name], in: folder)
            let found = String(name.split(separator: ".").last ?? "")
            #expect(outcome.status == 64, "\(name)")
            #expect(
                outcome.stderr
                    == "mha-cli: error: -o \(name): init writes a JSON bundle, not .\(found); name the file .json or give no extension\n"
            )
            #expect(outcome.stdout.isEmpty && !exists(folder, name), "\(name) was written")
        }
        let stdout = try BuiltBinary.run(Self.initArguments)
        #expect(stdout.status == 0)
        for name in ["b.json", "B.JSON", "bundle", "/dev/stdout"] {
            let outcome = try BuiltBinary.run(Self.initArguments + ["-o", name], in: folder)
            #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(name): \(outcome.stderr)")
            let written =
                name == "/dev/stdout"
                ? outcome.stdout : try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(written == stdout.stdout, "\(name)")
        }
    }

    /// A folder with a bundle and the right answer to it, as `run --format csv` prints it.
    func checkFolder() throws -> URL {
        let folder = try BuiltBinary.temporaryFolder()
        let bundle = try BuiltBinary.run(Self.initArguments + ["-o", "bundle.json"], in: folder)
        #expect(bundle.status == 0, "\(bundle.stderr)")
        let answer = try BuiltBinary.run(["run", "--bundle", "bundle.json", "--format", "csv"], in: folder)
        try answer.stdout.write(to: folder.appendingPathComponent("a.csv"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test func checkWritesTheFormatTheExtensionNames() throws {
        let folder = try checkFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let check = ["check", "--bundle", "bundle.json", "--answer", "a.csv"]
        let json = try BuiltBinary.run(check + ["--format", "json"], in: folder)
        let text = try BuiltBinary.run(check, in: folder)
        #expect(json.status == 0 && text.status == 0 && json.stdout.hasPrefix("{\"correct\":true"))
        func written(_ name: String) throws -> String {
            try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
        for (extra, name, expected) in [
            (["-o", "v.json"], "v.json", json.stdout), (["-o", "V.JSON", "--format", "json"], "V.JSON", json.stdout),
            (["-o", "v.txt"], "v.txt", text.stdout), (["-o", "w.txt", "--format", "json"], "w.txt", json.stdout),
            (["-o", "verdict"], "verdict", text.stdout),
        ] {
            let outcome = try BuiltBinary.run(check + extra, in: folder)
            #expect(outcome.status == 0 && outcome.stdout.isEmpty && outcome.stderr.isEmpty, "\(extra)")
            #expect(try written(name) == expected, "\(extra)")
        }
        for (extra, name, message) in [
            (
                ["-o", "c.json", "--format", "text"], "c.json",
                "--format text contradicts -o c.json, whose extension means json; give one or make them agree"
            ),
            (["-o", "c.csv"], "c.csv", "-o c.csv: this command writes text or json, not csv"),
            (
                ["-o", "c.npz", "--format", "json"], "c.npz",
                "--format json contradicts -o c.npz, whose extension means npz; give one or make them agree"
            ),
        ] {
            let outcome = try BuiltBinary.run(check + extra, in: folder)
            #expect(outcome.status == 64 && outcome.stderr == "mha-cli: error: \(message)\n", "\(outcome.stderr)")
            #expect(!exists(folder, name), "\(name) was written")
        }
    }
}
