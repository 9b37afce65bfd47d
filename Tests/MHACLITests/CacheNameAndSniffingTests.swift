import Foundation
import Testing

/// A decode cache is an .npz whatever its name, so a name saying another format is refused as
/// `init -o b.csv` is; an input file with an unknown extension is read by its content, as the
/// docs now say (QA s26-docs finding 8).
@Suite struct CacheNameAndSniffingTests {
    static func folder() throws -> ScratchFolder {
        let folder = try ScratchFolder()
        try folder.write("x.csv", "1,0,1,0\n0,2,0,1\n")
        return folder
    }

    @Test func aCacheNamedForAnotherFormatIsRefusedBeforeAnythingIsWritten() throws {
        let folder = try Self.folder()
        for name in ["c.csv", "c.JSON", "c.npy", "c.safetensors", "c.tex"] {
            let run = try folder.run([
                "decode", "--weights", "identity", "--heads", "2", "-x", "x.csv", "--cache", name,
            ])
            run.expectRefusal(64, "--cache \(name)", "an .npz archive", "name the file .npz")
            #expect(!(try folder.contents()).contains(name), "\(name) was written")
        }
    }

    @Test func aCacheWithNoOrAnUnknownExtensionIsStillWritten() throws {
        let folder = try Self.folder()
        for name in ["c.npz", "c.cache", "cache"] {
            let run = try folder.run([
                "decode", "--weights", "identity", "--heads", "2", "-x", "x.csv", "--cache", name,
            ])
            run.expectSuccess()
            #expect(try folder.contents().contains(name))
        }
    }

    @Test func anUnknownInputExtensionIsReadByContentAndDocumented() throws {
        let folder = try Self.folder()
        try folder.write("m.txt", "[[1,0],[0,1]]")
        let run = try folder.run(["run", "-x", "m.txt", "--weights", "identity", "--format", "csv"])
        run.expectSuccess()
        #expect(run.stdout.split(separator: "\n").count == 2)
        let contract = try String(
            contentsOf: BuiltBinary.packageRoot.appendingPathComponent("docs/contract.md"), encoding: .utf8)
        #expect(contract.contains("for a file with any other\nextension or none"))
    }
}
