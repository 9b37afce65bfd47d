import Foundation
import MHACore
import Testing

@testable import MHAFormats

/// Hostile archives (Fixtures/archives/hostile, made by make_archives.py, and a few built
/// here): each is one located data error naming the file, never a trap or an allocation
/// the file does not justify.
@Suite struct HostileArchiveTests {
    typealias T = FormatTestSupport

    static func read(_ name: String, _ array: String? = nil) throws -> Matrix<Double> {
        let path = try T.fixture("archives/hostile/" + name).path
        return try MatrixReader.read(path: path + (array.map { ":" + $0 } ?? ""))
    }

    @Test(arguments: [
        ("header_past_end.safetensors", "header length 10000 runs past the end"),
        ("truncated_json.safetensors", "malformed JSON header"),
        ("array_header.safetensors", "the JSON header is an array, not an object"),
        ("offsets_past_end.safetensors", "run past the end of the file"),
        ("overlapping.safetensors", "overlap the previous tensor"),
        ("unordered.safetensors", "end before they begin"),
        ("unknown_dtype.safetensors", "unknown dtype \"F128\""),
        ("huge_header.safetensors", "over the 100 MB limit"),
        ("lying_directory.npz", "central directory lies"),
        ("not_npy_member.npz", "\"readme.txt\" is not an .npy array"),
        ("not_npy_content.npz", "not an .npy array"),
        ("bomb.npz", "inflates to more than the 208 bytes"),
        ("traversal.npz", "path traversal"),
    ])
    func refusesWithOneDataError(_ name: String, _ words: String) {
        T.expectError(line: nil, column: nil, name, words) { try Self.read(name, "a") }
    }

    /// Array names with `:` (numpy writes any key) are read, and their archive's other arrays.
    @Test func namesWithAColonAreArrays() throws {
        let zip = try NPZWriter.archive([.integers("q:0", [1, 2]), .integers("a", [3])])
        let archive = try ArrayArchives.open(bytes: zip, name: "cn.npz", format: .npz)
        #expect(archive.arrays.map(\.name) == ["q:0", "a"])
        #expect(try archive.matrix(named: "q:0").elements == [1, 2])
        #expect(try archive.matrix(named: "a").elements == [3])
    }

    /// A safetensors file from a header text and data, in memory.
    static func safetensors(_ header: String, data: [UInt8] = []) throws -> any ArrayArchive {
        let text = Array(header.utf8)
        var length = UInt64(text.count).littleEndian
        let prefix = withUnsafeBytes(of: &length) { Array($0) }
        return try ArrayArchives.open(bytes: prefix + text + data, name: "t.safetensors", format: .safetensors)
    }

    @Test func refusesGapsTrailingBytesAndBadFields() {
        let f64 = #"{"dtype": "F64", "shape": [1], "data_offsets": "#
        T.expectError(line: nil, column: nil, "leave a gap") {
            try Self.safetensors(#"{"a": \#(f64)[0, 8]}, "b": \#(f64)[16, 24]}}"#, data: .init(repeating: 0, count: 24))
        }
        T.expectError(line: nil, column: nil, "8 bytes after the last tensor") {
            try Self.safetensors(#"{"a": \#(f64)[0, 8]}}"#, data: .init(repeating: 0, count: 16))
        }
        T.expectError(line: nil, column: nil, "hold 16 bytes; shape [1] of F64 needs 8") {
            try Self.safetensors(#"{"a": \#(f64)[0, 16]}}"#, data: .init(repeating: 0, count: 16))
        }
        T.expectError(line: nil, column: nil, "shape", "non-negative integers") {
            try Self.safetensors(#"{"a": {"dtype": "F64", "shape": [-1], "data_offsets": [0, 8]}}"#)
        }
        T.expectError(line: nil, column: nil, "too large to address") {
            try Self.safetensors(#"{"a": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}}"#)
        }
        T.expectError(line: nil, column: nil, "shorter than the 8-byte header length") {
            try ArrayArchives.open(bytes: [1, 2], name: "t.safetensors", format: .safetensors)
        }
    }

    @Test func refusesNonFiniteValuesAndListsUnreadableDtypes() throws {
        let nan = withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { Array($0) }
        let archive = try Self.safetensors(
            #"{"a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}, "b": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [8, 10]}}"#,
            data: nan + [0, 0])
        #expect(archive.arrays.map(\.dtype) == ["F64", "F8_E4M3"])
        T.expectError(line: nil, column: nil, "t.safetensors:a", "non-finite value") { try archive.matrix(named: "a") }
        T.expectError(line: nil, column: nil, "dtype F8_E4M3 is not read") { try archive.matrix(named: "b") }
    }

    @Test func refusesWhatIsNotAZip() {
        T.expectError(line: nil, column: nil, "not an .npz (zip) archive") {
            try ArrayArchives.open(bytes: Array("hello, world".utf8), name: "t.npz", format: .npz)
        }
    }

    @Test func refusesACorruptedMember() throws {
        var bytes = try [UInt8](Data(contentsOf: try T.fixture("archives/savez.npz")))
        bytes[200] ^= 0xFF  // inside the first member's data: the CRC no longer matches
        let archive = try ArrayArchives.open(bytes: bytes, name: "t.npz", format: .npz)
        T.expectError(line: nil, column: nil, "t.npz:wq", "CRC-32 mismatch") { try archive.matrix(named: "wq") }
    }
}
