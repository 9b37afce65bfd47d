import Foundation
import Testing

/// Runs every `examples/*/cmd` through /bin/sh with the built binary first on PATH and
/// compares with `expected`: text exactly, JSON by parsed numbers with a relative tolerance.
@Suite struct ExamplesTests {
    static let folder = BuiltBinary.packageRoot.appendingPathComponent("examples")

    static var names: [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return entries.filter {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/cmd").path)
        }.sorted()
    }

    @Test func everyExampleHasCommandAndExpectedOutput() throws {
        #expect(Self.names.count >= 8)
        for name in Self.names {
            #expect(
                FileManager.default.fileExists(atPath: Self.folder.appendingPathComponent("\(name)/expected").path),
                "\(name)")
        }
    }

    /// Examples whose command pipes into jq.
    static var jqNames: [String] { names.filter(usesJq) }

    static func usesJq(_ name: String) -> Bool {
        let command = try? String(contentsOf: folder.appendingPathComponent("\(name)/cmd"), encoding: .utf8)
        return command?.contains("| jq ") ?? false
    }

    static let jqInstalled = ["/usr/bin/jq", "/usr/local/bin/jq", "/bin/jq"].contains {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(arguments: names.filter { !usesJq($0) })
    func exampleProducesItsExpectedOutput(_ name: String) throws {
        try check(name)
    }

    @Test(.enabled(if: jqInstalled, "jq is not installed (.ci/run installs it)"), arguments: jqNames)
    func jqExampleProducesItsExpectedOutput(_ name: String) throws {
        try check(name)
    }

    /// Runs one example and compares its output with `expected`.
    private func check(_ name: String) throws {
        let example = Self.folder.appendingPathComponent(name)
        let command = try String(contentsOf: example.appendingPathComponent("cmd"), encoding: .utf8)
        let expected = try String(contentsOf: example.appendingPathComponent("expected"), encoding: .utf8)
        let binary = try #require(BuiltBinary.url)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = binary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let outcome = try BuiltBinary.launch(
            URL(fileURLWithPath: "/bin/sh"), ["-c", command], in: example,
            environment: environment)
        #expect(outcome.status == 0, "\(name): \(outcome.stderr)")
        #expect(outcome.stderr.isEmpty)
        if let got = Self.jsonLines(outcome.stdout), let want = Self.jsonLines(expected) {
            #expect(got.count == want.count)
            for (a, b) in zip(got, want) { try Self.expectClose(a, b, path: name) }
        } else {
            #expect(outcome.stdout == expected)
        }
    }

    /// Each line parsed as JSON, or nil if any line is not JSON.
    static func jsonLines(_ text: String) -> [Any]? {
        let lines = text.split(separator: "\n")
        guard !lines.isEmpty, lines.allSatisfy({ $0.first == "{" || $0.first == "[" }) else { return nil }
        let parsed = lines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed])
        }
        return parsed.count == lines.count ? parsed : nil
    }

    /// Same structure, same strings and booleans, numbers within 1e-9 relative (1e-12 absolute).
    static func expectClose(_ a: Any, _ b: Any, path: String) throws {
        switch (a, b) {
        case let (a as [String: Any], b as [String: Any]):
            #expect(Set(a.keys) == Set(b.keys), "\(path): keys")
            for (key, value) in a { if let other = b[key] { try expectClose(value, other, path: path + "." + key) } }
        case let (a as [Any], b as [Any]):
            #expect(a.count == b.count, "\(path): lengths \(a.count) vs \(b.count)")
            for (index, (x, y)) in zip(a, b).enumerated() { try expectClose(x, y, path: "\(path)[\(index)]") }
        case (is NSNull, is NSNull):
            break
        case let (a as String, b as String):
            #expect(a == b, "\(path)")
        case let (a as NSNumber, b as NSNumber):
            let x = a.doubleValue, y = b.doubleValue
            #expect(abs(x - y) <= max(1e-12, 1e-9 * abs(y)), "\(path): \(x) vs \(y)")
        default:
            Issue.record("\(path): \(a) vs \(b) differ in type")
        }
    }
}
