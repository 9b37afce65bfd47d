import Foundation
import MHACore
import Testing

@testable import MHAFormats

/// Helpers shared by the format tests.
enum FormatTestSupport {
    /// The package's root folder (four levels above this file).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/conformance` beside the package, or nil when absent.
    static var conformance: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? url : nil
    }

    /// The URL of a test fixture under Fixtures/ (a copied resource).
    static func fixture(_ relativePath: String) throws -> URL {
        let resources = try #require(Bundle.module.resourceURL)
        return resources.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
    }

    /// Reads `text` as `format` under the name `t.csv` (or given).
    static func read(_ text: String, _ format: MatrixFormat = .csv, name: String = "t") throws -> Matrix<Double> {
        try MatrixReader.read(bytes: Array(text.utf8), name: name, format: format)
    }

    /// The FormatError `body` throws; records an issue if it throws nothing or another type.
    static func formatError(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Any
    ) -> FormatError? {
        do {
            let value = try body()
            Issue.record("expected a FormatError, got \(value)", sourceLocation: sourceLocation)
        } catch let error as FormatError {
            return error
        } catch {
            Issue.record("expected a FormatError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Checks that `body` throws a FormatError at `line`:`column` whose message contains
    /// every one of `words`, of `kind` (default `.data`).
    static func expectError(
        line: Int?, column: Int?, kind: FormatError.Kind = .data, path: String? = nil,
        _ words: String..., sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Any
    ) {
        guard let error = formatError(sourceLocation: sourceLocation, body) else { return }
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        #expect(error.column == column, "\(error)", sourceLocation: sourceLocation)
        if let path { #expect(error.path == path, "\(error)", sourceLocation: sourceLocation) }
        for word in words {
            #expect(error.description.contains(word), "\(error) lacks \(word)", sourceLocation: sourceLocation)
        }
        #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
        #expect(printable(error.description), "\(error)", sourceLocation: sourceLocation)
    }

    /// Whether `text` has no control, format or separator character (nothing a terminal
    /// would act on): what every message must be.
    static func printable(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator: return false
            default: return true
            }
        }
    }

    /// The elements' bit patterns, for bit-exact comparisons.
    static func bits(_ m: Matrix<Double>) -> [UInt64] { m.elements.map(\.bitPattern) }
}
