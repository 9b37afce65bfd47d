import Foundation
import Testing

/// `-o FILE`: atomic replacement of regular files, direct writes to devices, and exit 74 with
/// nothing left behind when writing fails.
@Suite struct OutputFileTests {
    static let initArguments = ["init", "--d-model", "4", "--heads", "2", "--seq-len", "2", "--seed", "5"]

    @Test func writesANewFileAndReplacesAnOldOne() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("bundle.json")
        try "old content".write(to: target, atomically: false, encoding: .utf8)
        let outcome = try BuiltBinary.run(Self.initArguments + ["-o", target.path])
        let expected = try BuiltBinary.run(Self.initArguments)
        #expect(outcome.status == 0 && outcome.stdout.isEmpty && outcome.stderr.isEmpty)
        #expect(try String(contentsOf: target, encoding: .utf8) == expected.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["bundle.json"])
    }

    @Test func deviceIsWrittenDirectly() throws {
        let outcome = try BuiltBinary.run(Self.initArguments + ["-o", "/dev/null"])
        #expect(outcome.status == 0 && outcome.stderr.isEmpty)
        #expect(FileManager.default.fileExists(atPath: "/dev/null"))
    }

    @Test(arguments: [
        ("/dev/full", "mha-cli: error: cannot write '/dev/full': No space left on device\n"),
        (
            "/nonexistent-folder-mha/out.json",
            "mha-cli: error: cannot write '/nonexistent-folder-mha/out.json': the folder '/nonexistent-folder-mha' does not exist\n"
        ),
    ])
    func failuresExit74(_ path: String, _ message: String) throws {
        let outcome = try BuiltBinary.run(Self.initArguments + ["-o", path])
        #expect(outcome.status == 74)
        #expect(outcome.stderr == message)
        #expect(outcome.stdout.isEmpty)
    }

    @Test func aFolderTargetFailsAndStaysClean() throws {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try BuiltBinary.run(Self.initArguments + ["-o", folder.path])
        #expect(outcome.status == 74)
        #expect(outcome.stderr == "mha-cli: error: cannot write '\(folder.path)': it is a directory\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func fullStdoutExits74AndClosedStdoutIsQuiet() throws {
        let sh = URL(fileURLWithPath: "/bin/sh")
        let binary = try #require(BuiltBinary.url)
        let full = try BuiltBinary.launch(
            sh, ["-c", "'\(binary.path)' init --d-model 4 --heads 2 --seq-len 2 > /dev/full"])
        #expect(full.status == 74)
        #expect(full.stderr == "mha-cli: error: cannot write '<stdout>': No space left on device\n")
        let quiet = try BuiltBinary.launch(
            URL(fileURLWithPath: "/bin/bash"),
            [
                "-c",
                "set -o pipefail; '\(binary.path)' init --d-model 256 --heads 2 --seq-len 64 | head -c 1 >/dev/null; echo $?",
            ])
        // pipefail: the status is mha-cli's own; the reader closed after one byte.
        #expect(quiet.stdout == "0\n" && quiet.stderr.isEmpty)
    }
}
