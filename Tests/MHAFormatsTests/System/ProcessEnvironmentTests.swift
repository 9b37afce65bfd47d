import Foundation
import MHAFormats
import Testing

/// The C-library replacements for Foundation's process and path facts (the executable links no
/// Foundation) against Foundation itself, which the tests may use.
@Suite struct ProcessEnvironmentTests {
    @Test func variablesAreFoundationsEnvironment() {
        #expect(ProcessEnvironment.variables() == ProcessInfo.processInfo.environment)
        #expect(ProcessEnvironment.variable("PATH") == ProcessInfo.processInfo.environment["PATH"])
        #expect(ProcessEnvironment.variable("MHA_CLI_SURELY_UNSET_VARIABLE") == nil)
    }

    @Test func physicalMemoryIsFoundations() {
        #expect(ProcessEnvironment.physicalMemory() == Int(ProcessInfo.processInfo.physicalMemory))
    }

    @Test func existsAgreesWithFileManager() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mha-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("file.txt").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link", withDestinationPath: file)
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/dangling", withDestinationPath: "nowhere")
        for path in [file, folder.path, folder.path + "/link", folder.path + "/dangling", folder.path + "/missing", ""]
        {
            #expect(FilePaths.exists(path) == FileManager.default.fileExists(atPath: path), "\(path)")
        }
    }

    @Test(arguments: [
        "a.txt", "./a.txt", "x/../a.txt", "/tmp//a.txt", "/../a.txt", "a/./b/../c.txt", "../a.txt", "/a/b/../../c.txt",
        "./x/./y.svg",
    ])
    func standardizedIsFoundationsStandardizedFileURL(_ path: String) {
        #expect(FilePaths.standardized(path) == URL(fileURLWithPath: path).standardizedFileURL.path)
    }

    @Test func twoSpellingsOfOnePathAreEqual() {
        #expect(FilePaths.standardized("./same.svg") == FilePaths.standardized("same.svg"))
        #expect(FilePaths.standardized("d/../same.svg") == FilePaths.standardized("same.svg"))
        #expect(FilePaths.standardized("same.svg") != FilePaths.standardized("other.svg"))
    }
}
