import Foundation
import Testing

@testable import MHAFormats

/// The registry the signal handler empties: a temporary file is registered for exactly its
/// life. (`removeAll`, the handler's call, is tested end to end by signalling the binary,
/// HostileReliabilityTests: in this process it would remove other tests' files.)
@Suite("In-flight temporary files", .serialized)
struct InFlightFilesTests {
    static func folder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mha-inflight-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    @Test("create registers, commit renames onto the target and unregisters")
    func commit() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let before = InFlightFiles.count
        let temporary = try #require(TemporaryFile.create(beside: folder + "/out.txt", mode: 0o640))
        #expect(InFlightFiles.count == before + 1)
        #expect(temporary.path.hasPrefix(folder + "/.out.txt.tmp-"))
        #expect(write(temporary.descriptor, "hello", 5) == 5)
        #expect(temporary.commit(to: folder + "/out.txt") == nil)
        #expect(InFlightFiles.count == before)
        #expect(try String(contentsOfFile: folder + "/out.txt", encoding: .utf8) == "hello")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.txt"])
        let mode = try FileManager.default.attributesOfItem(atPath: folder + "/out.txt")[.posixPermissions] as? Int
        #expect(mode == 0o640)
    }

    @Test("discard removes the file and unregisters it")
    func discard() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let before = InFlightFiles.count
        let temporary = try #require(TemporaryFile.create(beside: folder + "/out.txt", mode: 0o600))
        temporary.discard()
        #expect(InFlightFiles.count == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test("a file that cannot be created is nil with errno set, and leaves no registration")
    func cannotCreate() {
        let before = InFlightFiles.count
        #expect(TemporaryFile.create(beside: "/nonexistent-folder-\(UUID().uuidString)/out.txt", mode: 0o600) == nil)
        #expect(errno == ENOENT)
        #expect(InFlightFiles.count == before)
    }
}
