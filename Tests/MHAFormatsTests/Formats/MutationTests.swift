import Foundation
import MHACore
import Testing

@testable import MHAFormats

/// Seeded random mutations of valid inputs: every reader must return a matrix or throw a
/// one-line FormatError, never trap (a trap would end the test process).
@Suite struct MutationTests {
    /// Bytes that matter to some grammar.
    static let interesting: [UInt8] = Array("\"\n\r,\t[]{}:-+.eE0123456789 #'\\u".utf8) + [0, 0x93, 0xFF, 0xC3, 0xEF]

    /// `bytes` with a few random edits: replace, insert, delete, truncate, duplicate a span.
    static func mutated(_ bytes: [UInt8], _ generator: inout SplitMix64) -> [UInt8] {
        var result = bytes
        for _ in 0..<(1 + Int(generator.next() % 4)) {
            let position = result.isEmpty ? 0 : Int(generator.next() % UInt64(result.count))
            let byte = interesting[Int(generator.next() % UInt64(interesting.count))]
            switch generator.next() % 5 {
            case 0 where !result.isEmpty: result[position] = byte
            case 1: result.insert(byte, at: position)
            case 2 where !result.isEmpty: result.remove(at: position)
            case 3: result = Array(result[..<position])
            default:
                let end = min(result.count, position + Int(generator.next() % 16))
                result.insert(contentsOf: result[position..<end], at: position)
            }
        }
        return result
    }

    static func check(_ seedInputs: [[UInt8]], format: MatrixFormat, trials: Int, seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        var failures = 0
        for trial in 0..<trials {
            let input = mutated(seedInputs[trial % seedInputs.count], &generator)
            do {
                let m = try MatrixReader.read(bytes: input, name: "fuzz", format: format)
                #expect(m.elements.count == m.rows * m.columns && m.elements.allSatisfy(\.isFinite))
            } catch {
                // The readers throw FormatError only (typed throws).
                failures += 1
                #expect(!error.description.contains("\n"))
            }
            if format == .json {
                _ = try? InputBundle.parse(bytes: input, name: "fuzz")
            }
        }
        #expect(failures > 0)
    }

    @Test func csv() {
        let seeds = ["a,\"b\"\n1,2\n3,4\n", "# c\r\n1.5e3, -2 \r\n\"3\",4\r\n", "x\ty\n1\t2\n"].map { Array($0.utf8) }
        Self.check(seeds, format: .csv, trials: 3_000, seed: 1)
        Self.check(seeds, format: .tsv, trials: 1_000, seed: 2)
    }

    @Test func json() {
        let seeds = ["[[1, 2.5e-3], [-0, 4]]", "{\"x\": [[1]], \"heads\": 1, \"layout\": \"xw\\u0041\"}", "[1,2,3]"]
            .map { Array($0.utf8) }
        Self.check(seeds, format: .json, trials: 3_000, seed: 3)
    }

    @Test func npy() throws {
        let m = try Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        let seeds = [NPYWriter.data(m), NPYWriter.data(m.converted(to: Float.self))]
        Self.check(seeds, format: .npy, trials: 3_000, seed: 4)
    }
}
