import Foundation
import MHACore
import Testing

@testable import MHAFormats

/// Replays the regression corpus (`Fixtures/fuzz-regressions/<target>/`) through the normal
/// file readers: every input must give a value or a one-line `FormatError` of category `.data`,
/// never a crash. Files named `reject-*` must be refused and `accept-*` must be read; the
/// others (inputs found by the fuzzer, listed in Fuzz/README.md) may go either way.
@Suite("Fuzz regression corpus")
struct FuzzRegressionTests {
    /// One corpus file: its fuzz target (the folder) and its location.
    struct CorpusFile: CustomTestStringConvertible, Sendable {
        let target: String
        let url: URL
        var name: String { url.lastPathComponent }
        var testDescription: String { "\(target)/\(name)" }
    }

    /// The replayed outcome of one read.
    enum Outcome {
        case value
        case error(FormatError)
    }

    /// The fuzz targets whose inputs are replayed here (the argument parser's are replayed by
    /// MHACLITests).
    static let targets = ["csv", "json", "bundle", "npy", "decode"]

    /// Every corpus file of every target, sorted.
    static let corpus: [CorpusFile] = {
        guard
            let root = Bundle.module.resourceURL?
                .appendingPathComponent("Fixtures/fuzz-regressions")
        else { return [] }
        return targets.flatMap { target -> [CorpusFile] in
            let folder = root.appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.sorted().map { CorpusFile(target: target, url: folder.appendingPathComponent($0)) }
        }
    }()

    @Test("every target's folder holds inputs", arguments: targets)
    func folderIsNotEmpty(target: String) {
        #expect(Self.corpus.contains { $0.target == target }, "no regression inputs for \(target)")
    }

    @Test("the corpus is read or refused with a typed one-line error", arguments: corpus)
    func replay(file: CorpusFile) throws {
        let outcomes = Self.read(file)
        try #require(!outcomes.isEmpty)
        for case .error(let error) in outcomes {
            #expect(error.category == .data, "\(file.testDescription): \(error)")
            #expect(
                !error.description.isEmpty && !error.description.contains(where: \.isNewline),
                "\(file.testDescription): \(error)")
        }
        let primary = outcomes[0]
        if file.name.hasPrefix("reject-"), case .value = primary {
            Issue.record("\(file.testDescription) was accepted; it must be refused")
        }
        if file.name.hasPrefix("accept-"), case .error(let error) = primary {
            Issue.record("\(file.testDescription) was refused: \(error)")
        }
    }

    /// Reads `file` with its target's reader first, then the other readers that take the same bytes.
    static func read(_ file: CorpusFile) -> [Outcome] {
        let path = file.url.path
        switch file.target {
        case "csv":
            return [
                outcome { try MatrixReader.read(path: path, format: .csv) },
                outcome { try MatrixReader.read(path: path, format: .tsv) },
            ]
        case "json":
            return [
                outcome { try MatrixReader.read(path: path, format: .json) },
                outcome { try InputBundle.read(path: path) },
            ]
        case "bundle":
            return [
                outcome { try InputBundle.read(path: path) },
                outcome { try MatrixReader.read(path: path, format: .json) },
            ]
        case "npy":
            return [
                outcome { try MatrixReader.read(path: path, format: .npy) },
                outcome { try MatrixReader.read(path: path) },
            ]
        case "decode":
            return [outcome { try decodeRows(path) }]
        default:
            return []
        }
    }

    /// Reads a `decode` target input as Fuzz/Targets/FuzzDecode.swift does: the first byte
    /// sets the most rows per block and an optional known d_model, the rest is the row
    /// stream, read by `RowStream` from a file (as `decode -x FILE` reads it) and decoded
    /// block by block with identity weights when at most 16 wide. Returns the rows decoded.
    static func decodeRows(_ path: String) throws -> Int {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        guard let mode = bytes.first else { return 0 }
        let maxRows = Int(mode & 3) + 1
        let knownWidth = mode & 4 != 0 ? Int(mode >> 3 & 7) + 1 : nil
        let stream = FileManager.default.temporaryDirectory.appendingPathComponent("decode-\(UUID().uuidString)")
        try Data(bytes.dropFirst()).write(to: stream)
        defer { try? FileManager.default.removeItem(at: stream) }
        let descriptor = open(stream.path, O_RDONLY)
        guard descriptor >= 0 else { throw FormatError(kind: .cannotOpen, file: stream.path, message: "cannot open") }
        defer { close(descriptor) }
        let rows = RowStream(descriptor: descriptor, name: "<stdin>", width: knownWidth)
        var decoder: AttentionCache<Double>?
        var decoded = 0
        while case let .rows(block, _) = try rows.next(maxRows: maxRows) {
            #expect((1...maxRows).contains(block.rows))
            guard block.columns <= 16 else { continue }
            let d = block.columns
            let identity = Matrix<Double>(rows: d, columns: d) { i, j in i == j ? 1 : 0 }
            var cache =
                try decoder
                ?? AttentionCache(
                    parameters: AttentionParameters(wq: identity, wk: identity, wv: identity, wo: identity),
                    configuration: AttentionConfiguration(heads: 1))
            do {
                decoded += try cache.append(block).output.rows
            } catch let error as AttentionError {
                // The decoder's refusals are data errors too (decode prints them as one line).
                throw FormatError(kind: .data, file: "<stdin>", message: error.description)
            }
            decoder = cache
        }
        return decoded
    }

    /// The outcome of `body`; an error other than `FormatError` is recorded as an issue.
    static func outcome(_ body: () throws -> Any) -> Outcome {
        do {
            _ = try body()
            return .value
        } catch let error as FormatError {
            return .error(error)
        } catch {
            Issue.record("untyped error: \(error)")
            return .error(FormatError(kind: .data, file: "?", message: "untyped"))
        }
    }
}
