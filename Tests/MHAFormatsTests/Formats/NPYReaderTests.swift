import Foundation
import MHACore
import Testing

@testable import MHAFormats

@Suite struct NPYReaderTests {
    typealias T = FormatTestSupport

    /// The fixtures' pattern m[i, j] = 10·i + j + 0.5 (see Fixtures/npy/make_npy.py).
    static let pattern = Matrix<Double>(rows: 2, columns: 3) { i, j in Double(10 * i + j) + 0.5 }
    /// The integer fixtures' pattern 10·i + j − 3.
    static let integers = Matrix<Double>(rows: 2, columns: 3) { i, j in Double(10 * i + j - 3) }

    static func read(_ name: String) throws -> Matrix<Double> {
        try MatrixReader.read(path: try T.fixture("npy/" + name).path)
    }

    @Test(arguments: [
        "f8_le.npy", "f8_be.npy", "f4_le.npy", "f4_be.npy", "f8_fortran.npy",
        "f4_be_fortran.npy", "f8_v2.npy", "f8_v3.npy",
    ])
    func readsEveryVersionOrderAndFloatType(_ name: String) throws {
        #expect(try Self.read(name) == Self.pattern)
    }

    @Test(arguments: ["i4_le.npy", "i8_be.npy"])
    func convertsIntegersExactly(_ name: String) throws {
        #expect(try Self.read(name) == Self.integers)
    }

    @Test func oneDimensionalIsOneRow() throws {
        #expect(try Self.read("f8_1d.npy") == Self.pattern.rowBlock(1..<2))
    }

    @Test func keepsSpecialValuesBitForBit() throws {
        let m = try Self.read("specials.npy")
        let subnormal = try #require(Double("2.2250738585072014e-309"))
        let expected: [Double] = [-0.0, .leastNonzeroMagnitude, subnormal, 1e308, -.greatestFiniteMagnitude, 0.1]
        #expect(T.bits(m) == expected.map(\.bitPattern))
    }

    @Test func readsFloat16() throws {
        #expect(try Self.read("f2.npy") == Matrix(rows: 2, columns: 2, repeating: 0))
    }

    @Test func rejectsWhatItCannotRead() {
        let cases: [(String, String)] = [
            ("truncated.npy", "truncated data: shape (2, 3) of <f8 needs 48 bytes, the file has 43"),
            ("too_long.npy", "longer than the header says"),
            ("c16.npy", "unsupported dtype '<c16'; supported: f8, f4, f2, i1, i2, i4, i8, u1, u2, u4, u8, b1"),
            ("structured.npy", "structured arrays are not matrices"),
            ("three_d.npy", "a 3-D array is not a matrix"),
            ("zero_d.npy", "a 0-D array is not a matrix"),
            ("i8_inexact.npy", "integer 9007199254740993 at [0, 1] is not exactly representable as float64"),
            ("nan.npy", "non-finite value nan at [0, 1]"),
        ]
        for (name, words) in cases {
            T.expectError(
                line: nil, column: nil,
                kind: name.hasSuffix("_d.npy") || name == "c16.npy"
                    || name == "structured.npy" ? .syntax : .data,
                "\(name): ", words
            ) { try Self.read(name) }
        }
    }

    /// An NPY file with a hand-written header dictionary and `dataCount` zero bytes of data.
    static func handMade(_ dictionary: String, dataCount: Int = 0) -> [UInt8] {
        let header = Array((dictionary + "\n").utf8)
        return NPYHeader.magic + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
            + [UInt8](repeating: 0, count: dataCount)
    }

    @Test func hostileHeadersAreErrorsNotTraps() {
        let cases: [(String, String)] = [
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }",
                "too large to address"
            ),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 2), }", "integer too large"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 3), }", "non-negative integers"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", "truncated data"),
            ("{'descr': '<f8', 'shape': (2, 3), }", "no 'fortran_order' key"),
            ("{'fortran_order': False, 'shape': (2, 3), }", "no 'descr' key"),
            ("{'descr': '<f8', 'fortran_order': False}", "no 'shape' key"),
            ("{'descr': '<f8', 'fortran_order': 1, 'shape': (2,)}", "'fortran_order' is not True or False"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)", "expected ',' or '}'"),
            (String(repeating: "(", count: 10_000), "nested too deeply"),
            ("[1, 2]", "expected a dictionary"),
            ("{'a': " + String(repeating: "(", count: 10_000), "nested too deeply"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", "empty array"),
        ]
        for (dictionary, words) in cases {
            let bytes = Self.handMade(dictionary)
            T.expectError(
                line: nil, column: nil,
                kind: words == "too large to address" || words == "truncated data"
                    || words == "empty array" ? .data : .syntax, "h.npy: ", words
            ) {
                try MatrixReader.read(bytes: bytes, name: "h.npy", format: .npy)
            }
        }
        T.expectError(line: nil, column: nil, kind: .syntax, "not an NPY file") {
            try MatrixReader.read(bytes: Array("\u{93}NUMP".utf8), name: "h.npy", format: .npy)
        }
        T.expectError(line: nil, column: nil, kind: .syntax, "truncated header") {
            try MatrixReader.read(bytes: NPYHeader.magic + [1, 0, 200, 0, 0x7B], name: "h.npy", format: .npy)
        }
        T.expectError(line: nil, column: nil, kind: .syntax, "unsupported NPY format version 4.0") {
            try MatrixReader.read(bytes: NPYHeader.magic + [4, 0, 0, 0], name: "h.npy", format: .npy)
        }
    }

    /// Files read by path take the direct path (header, then data into the matrix); the
    /// result and the errors must be those of the in-memory reader.
    @Test func directFileReadingMatchesInMemoryReading() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mha-npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SplitMix64(seed: 5)
        let values = (0..<(700 * 600)).map { _ in generator.nextSigned() }
        let m = try Matrix(rows: 700, columns: 600, elements: values)  // 3.4 MB: large enough for huge-page advice
        let path = folder.appendingPathComponent("big.npy").path
        try Data(NPYWriter.data(m)).write(to: URL(fileURLWithPath: path))
        #expect(T.bits(try MatrixReader.read(path: path)) == T.bits(m))
        let hostile = Self.handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }")
        let hostilePath = folder.appendingPathComponent("hostile.npy").path
        try Data(hostile).write(to: URL(fileURLWithPath: hostilePath))
        let fromFile = T.formatError { try MatrixReader.read(path: hostilePath) }
        let fromBytes = T.formatError { try MatrixReader.read(bytes: hostile, name: hostilePath, format: .npy) }
        #expect(fromFile != nil && fromFile == fromBytes)
        let garbage = folder.appendingPathComponent("garbage.npy").path
        try Data("not numpy".utf8).write(to: URL(fileURLWithPath: garbage))
        T.expectError(line: nil, column: nil, kind: .syntax, "not an NPY file") { try MatrixReader.read(path: garbage) }
    }
}
