import Foundation
import Testing

/// Runs the binary under HostileRun's bounds in a fresh temporary folder of its own (so
/// parallel tests never share HostileRun's capture files, and nothing is written into the
/// source tree), where `fixtures` is reachable as `fx/`.
enum FixtureRun {
    static func run(_ arguments: [String], fixtures: URL, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> HostileRun
    {
        let folder = try BuiltBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("fx"), withDestinationURL: fixtures)
        return try HostileRun.run(arguments, in: folder, sourceLocation: sourceLocation)
    }
}
