import Foundation
import Testing

/// The README's output excerpts are copied from example outputs that `ExamplesTests` checks,
/// so they stay as the program prints them.
@Suite struct ReadmeExcerptTests {
    @Test func everyExcerptAppearsInItsExample() throws {
        let root = BuiltBinary.packageRoot
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let marker = "<!-- excerpt of "
        var found = 0
        for chunk in readme.components(separatedBy: marker).dropFirst() {
            guard let close = chunk.range(of: " -->"),
                let open = chunk.range(of: "```text\n"),
                let end = chunk.range(of: "\n```", range: open.upperBound..<chunk.endIndex)
            else {
                Issue.record("malformed excerpt near: \(chunk.prefix(60))")
                continue
            }
            let path = String(chunk[..<close.lowerBound])
            let excerpt = String(chunk[open.upperBound..<end.lowerBound])
            let source = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            #expect(source.contains(excerpt), "README excerpt of \(path) no longer matches it")
            found += 1
        }
        #expect(found >= 2)
    }
}
